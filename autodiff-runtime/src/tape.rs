//! A record of one scalar per iteration of a loop whose trip count is known only when it ends (a `while`
//! loop): `f_hvp`'s forward loop writes each iteration's starting value at the next position, its reversed
//! loop reads them back, and the tangents go alongside in a tape of their own.

use crate::element::{Elements, ElementsMut};
use crate::real::Real;
use crate::tangent::{Differentiable, Tangent};

/// A growing record of scalars, written in order: a write at the position one past the end appends.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tape<F>(Vec<F>);

impl<F> Tape<F> {
    /// An empty tape.
    #[inline]
    pub fn new() -> Self {
        Tape(Vec::new())
    }

    /// The number of values written.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether nothing is written yet.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<F: Real> ElementsMut<usize> for Tape<F> {
    type Elem = F;
    /// Position `i`, which is written already or is the next one.
    #[inline]
    #[track_caller]
    fn at(&mut self, i: usize) -> &mut F {
        if i == self.0.len() {
            self.0.push(F::zero());
        }
        &mut self.0[i]
    }
}

impl<F: Real> Elements<usize> for Tape<F> {
    type Elem = F;
    type Tangent = Tape<F>;
    #[inline]
    #[track_caller]
    fn get(&self, i: usize) -> F {
        self.0[i]
    }
    #[inline]
    #[track_caller]
    fn add_into(tangent: &mut Tape<F>, i: usize, g: F) {
        *tangent.at(i) += g;
    }
    #[inline]
    fn count(&self) -> usize {
        self.0.len()
    }
}

impl<F: Real> Differentiable for Tape<F> {
    type Tangent = Tape<F>;
    fn zero_tangent(&self) -> Tape<F> {
        Tape(self.0.zero_tangent())
    }
}

/// A tape's tangent is its values' (a `Vec`'s).
impl<F: Real> Tangent for Tape<F> {
    #[track_caller]
    fn add_assign(&mut self, other: Self) {
        self.0.add_assign(other.0);
    }
    fn scale(&mut self, factor: f64) {
        self.0.scale(factor);
    }
    fn num_components(&self) -> usize {
        self.0.num_components()
    }
    fn component(&self, i: usize) -> f64 {
        self.0.component(i)
    }
    fn set_component(&mut self, i: usize, value: f64) {
        self.0.set_component(i, value);
    }
}

/// A tape's values as one slice, for a loop that reads them by its index (a write one past the end is
/// outside the window: such a loop runs as written).
impl<F: Real> crate::lanes::LaneSlice for Tape<F> {
    type Elem = F;
    type Tangent = Tape<F>;
    #[inline]
    fn lane_slice(&self) -> Option<&[F]> {
        Some(&self.0)
    }
    #[inline]
    fn lane_slice_mut(tangent: &mut Tape<F>) -> Option<&mut [F]> {
        Some(&mut tangent.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::{index, set};

    #[test]
    fn writes_append_in_order_and_read_back() {
        let mut t: Tape<f64> = Tape::new();
        for k in 0..4 {
            set(&mut t, k, &(k as f64 * 0.5));
        }
        // A position written again is overwritten.
        set(&mut t, 2, &7.0);
        assert_eq!(t.len(), 4);
        assert_eq!(index(&t, 2), 7.0);
        assert_eq!(index(&t, 3), 1.5);
        let mut z = t.zero_tangent();
        assert_eq!(z.len(), 4);
        z.add_assign(t.clone());
        z.scale(2.0);
        assert_eq!(z.component(1), 1.0);
    }

    #[test]
    #[should_panic]
    fn a_write_past_the_next_position_panics() {
        let mut t: Tape<f64> = Tape::new();
        set(&mut t, 1, &1.0);
    }
}
