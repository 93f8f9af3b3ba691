//! Records of one value per iteration of a loop that `f_hvp` reverses: a scalar per iteration of a loop
//! whose trip count is known only when it ends (a `while` loop; `Tape`), and a value of any type, an
//! array a loop carries and reads (`ValueTape`). The forward loop writes each iteration's starting value,
//! the reversed loop reads them back, and the tangents go alongside in a tape of their own.

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

/// A record of one value of any type per iteration (an array a loop carries and reads), written by
/// position in any order: `f_hvp`'s forward loop saves each iteration's starting value, its reversed loop
/// loads it back, and the tangents go alongside in a tape of their own (the tape of the tangents, which
/// has the same positions).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ValueTape<T>(Vec<Option<T>>);

impl<T> ValueTape<T> {
    /// An empty tape.
    #[inline]
    pub fn new() -> Self {
        ValueTape(Vec::new())
    }

    /// One past the last position written.
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

/// `tape[i] = value` (a copy), the tape growing to hold position `i`.
#[inline]
pub fn tape_save<T: crate::shape::OwnedCopy + ?Sized>(
    tape: &mut ValueTape<T::Owned>,
    i: usize,
    value: &T,
) {
    if tape.0.len() <= i {
        tape.0.resize_with(i + 1, || None);
    }
    tape.0[i] = Some(value.owned_copy());
}

/// A copy of `tape[i]`.
///
/// # Panics
/// If position `i` was never written.
#[inline]
#[track_caller]
pub fn tape_load<T: Clone>(tape: &ValueTape<T>, i: usize) -> T {
    match tape.0.get(i) {
        Some(Some(v)) => v.clone(),
        _ => panic!("position {i} of the tape was never written"),
    }
}

impl<T: Differentiable> Differentiable for ValueTape<T> {
    type Tangent = ValueTape<T::Tangent>;
    fn zero_tangent(&self) -> Self::Tangent {
        ValueTape(
            self.0
                .iter()
                .map(|v| v.as_ref().map(Differentiable::zero_tangent))
                .collect(),
        )
    }
}

/// A tape of tangents adds position by position (a position written on one side only keeps that side's).
impl<T: Tangent> Tangent for ValueTape<T> {
    fn add_assign(&mut self, other: Self) {
        if self.0.len() < other.0.len() {
            self.0.resize_with(other.0.len(), || None);
        }
        for (a, b) in self.0.iter_mut().zip(other.0) {
            match (a.as_mut(), b) {
                (Some(a), Some(b)) => a.add_assign(b),
                (None, Some(b)) => *a = Some(b),
                (_, None) => {}
            }
        }
    }
    fn scale(&mut self, factor: f64) {
        self.0.iter_mut().flatten().for_each(|v| v.scale(factor));
    }
    fn num_components(&self) -> usize {
        self.0.iter().flatten().map(Tangent::num_components).sum()
    }
    fn component(&self, mut i: usize) -> f64 {
        for v in self.0.iter().flatten() {
            let n = v.num_components();
            if i < n {
                return v.component(i);
            }
            i -= n;
        }
        panic!("component {i} is out of range")
    }
    fn set_component(&mut self, mut i: usize, value: f64) {
        for v in self.0.iter_mut().flatten() {
            let n = v.num_components();
            if i < n {
                return v.set_component(i, value);
            }
            i -= n;
        }
        panic!("component {i} is out of range")
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
    fn value_tapes_save_copies_by_position() {
        let mut t: ValueTape<ndarray::Array1<f64>> = ValueTape::new();
        let a = ndarray::array![1.0, 2.0];
        tape_save(&mut t, 2, &a);
        tape_save(&mut t, 0, &(&a * 3.0));
        assert_eq!(t.len(), 3);
        assert_eq!(tape_load(&t, 2), a);
        assert_eq!(tape_load(&t, 0), ndarray::array![3.0, 6.0]);
        let mut z = t.zero_tangent();
        assert_eq!(z.num_components(), 4);
        z.add_assign(t.clone());
        z.scale(0.5);
        assert_eq!(z.component(0), 1.5);
        assert_eq!(z.component(3), 1.0);
    }

    #[test]
    #[should_panic(expected = "never written")]
    fn a_position_never_written_panics() {
        let mut t: ValueTape<ndarray::Array1<f64>> = ValueTape::new();
        tape_save(&mut t, 1, &ndarray::array![1.0]);
        let _ = tape_load(&t, 0);
    }

    #[test]
    #[should_panic]
    fn a_write_past_the_next_position_panics() {
        let mut t: Tape<f64> = Tape::new();
        set(&mut t, 1, &1.0);
    }
}
