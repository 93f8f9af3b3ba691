//! `Differentiable` and `Tangent`: what a value's gradient is, its zero, and how contributions add up.
//!
//! A parameter type `T` has the tangent type `<T as Differentiable>::Tangent`: scalars are their own
//! tangents, an array of any storage (and a reference or view of one) has an owned array of the same
//! dimension, `Vec<F>` and `[F]` have `Vec<F>`, `[F; N]` has `[F; N]`. Tangents form a vector space: the
//! [`Tangent`] trait holds the operations that generated code and optimizers need.

use crate::real::Real;
use ndarray::{Array, ArrayBase, Data, Dimension, Zip};

/// A type whose values can be differentiated: it names its tangent type and makes its zero.
pub trait Differentiable {
    /// The type of a gradient with respect to a value of this type.
    type Tangent: Tangent;

    /// The zero tangent at this value (an array's has the array's shape).
    fn zero_tangent(&self) -> Self::Tangent;

    /// Adds `contribution` into `tangent` in place.
    #[inline]
    fn accumulate(tangent: &mut Self::Tangent, contribution: Self::Tangent) {
        tangent.add_assign(contribution);
    }
}

/// A tangent value: an element of a vector space over the reals, stored as a flat list of components.
pub trait Tangent: Sized + Clone {
    /// `self += other`, in place. Shapes must agree.
    fn add_assign(&mut self, other: Self);
    /// `self *= factor`, in place.
    fn scale(&mut self, factor: f64);
    /// The number of scalar components.
    fn num_components(&self) -> usize;
    /// Component `i` (in a fixed order: row-major for arrays), widened to `f64`.
    fn component(&self, i: usize) -> f64;
    /// Sets component `i` to `value` (rounded to the element type).
    fn set_component(&mut self, i: usize, value: f64);

    /// A zero of the same shape.
    fn zeros_like(&self) -> Self {
        let mut z = self.clone();
        z.scale(0.0);
        z
    }
    /// `self += alpha * x`, in place (the optimizer step `p -= lr * g` is `p.axpy(-lr, &g)`).
    fn axpy(&mut self, alpha: f64, x: &Self) {
        let mut step = x.clone();
        step.scale(alpha);
        self.add_assign(step);
    }
    /// Every component in order, widened to `f64`.
    fn components(&self) -> Vec<f64> {
        (0..self.num_components())
            .map(|i| self.component(i))
            .collect()
    }
    /// The Euclidean norm of all components.
    fn norm(&self) -> f64 {
        (0..self.num_components())
            .map(|i| self.component(i).powi(2))
            .sum::<f64>()
            .sqrt()
    }
}

// `Differentiable` for the two scalar types each (a generic `F` would overlap the blanket `&T` below in the
// coherence check; `Real` requires it, so that a function generic over `F: Real` has it).
macro_rules! scalar_differentiable {
    ($($f:ty),*) => {$(
        impl Differentiable for $f {
            type Tangent = $f;
            #[inline]
            fn zero_tangent(&self) -> $f {
                0.0
            }
        }
    )*};
}
scalar_differentiable!(f32, f64);

impl<F: Real> Tangent for F {
    #[inline]
    fn add_assign(&mut self, other: Self) {
        *self += other;
    }
    #[inline]
    fn scale(&mut self, factor: f64) {
        *self *= F::cast_from(factor);
    }
    fn num_components(&self) -> usize {
        1
    }
    fn component(&self, i: usize) -> f64 {
        assert_eq!(i, 0, "a scalar has one component");
        self.as_f64()
    }
    fn set_component(&mut self, i: usize, value: f64) {
        assert_eq!(i, 0, "a scalar has one component");
        *self = F::cast_from(value);
    }
    #[inline]
    fn axpy(&mut self, alpha: f64, x: &Self) {
        *self += F::cast_from(alpha) * *x;
    }
    #[inline]
    fn zeros_like(&self) -> Self {
        F::zero()
    }
}

impl<T: Differentiable + ?Sized> Differentiable for &T {
    type Tangent = T::Tangent;
    #[inline]
    fn zero_tangent(&self) -> T::Tangent {
        (**self).zero_tangent()
    }
}

impl<S, D> Differentiable for ArrayBase<S, D>
where
    S: Data,
    S::Elem: Real,
    D: Dimension,
{
    type Tangent = Array<S::Elem, D>;
    #[inline]
    fn zero_tangent(&self) -> Self::Tangent {
        Array::zeros(self.raw_dim())
    }
}

impl<F: Real, D: Dimension> Tangent for Array<F, D> {
    #[inline]
    #[track_caller]
    fn add_assign(&mut self, other: Self) {
        assert_eq!(self.shape(), other.shape(), "tangents of different shapes");
        Zip::from(self).and(&other).for_each(|a, &b| *a += b);
    }
    fn scale(&mut self, factor: f64) {
        let factor = F::cast_from(factor);
        self.mapv_inplace(|v| v * factor);
    }
    fn num_components(&self) -> usize {
        self.len()
    }
    fn component(&self, i: usize) -> f64 {
        self.iter()
            .nth(i)
            .expect("component index in range")
            .as_f64()
    }
    fn set_component(&mut self, i: usize, value: f64) {
        *self.iter_mut().nth(i).expect("component index in range") = F::cast_from(value);
    }
    fn components(&self) -> Vec<f64> {
        self.iter().map(|v| v.as_f64()).collect()
    }
    fn axpy(&mut self, alpha: f64, x: &Self) {
        let alpha = F::cast_from(alpha);
        Zip::from(self).and(x).for_each(|a, &b| *a += alpha * b);
    }
    fn zeros_like(&self) -> Self {
        Array::zeros(self.raw_dim())
    }
}

impl<F: Real> Differentiable for [F] {
    type Tangent = Vec<F>;
    fn zero_tangent(&self) -> Vec<F> {
        vec![F::zero(); self.len()]
    }
}

impl<F: Real> Differentiable for Vec<F> {
    type Tangent = Vec<F>;
    fn zero_tangent(&self) -> Vec<F> {
        vec![F::zero(); self.len()]
    }
}

impl<F: Real> Tangent for Vec<F> {
    #[track_caller]
    fn add_assign(&mut self, other: Self) {
        assert_eq!(self.len(), other.len(), "tangents of different lengths");
        self.iter_mut().zip(other).for_each(|(a, b)| *a += b);
    }
    fn scale(&mut self, factor: f64) {
        let factor = F::cast_from(factor);
        self.iter_mut().for_each(|v| *v *= factor);
    }
    fn num_components(&self) -> usize {
        self.len()
    }
    fn component(&self, i: usize) -> f64 {
        self[i].as_f64()
    }
    fn set_component(&mut self, i: usize, value: f64) {
        self[i] = F::cast_from(value);
    }
}

impl<F: Real, const N: usize> Differentiable for [F; N] {
    type Tangent = [F; N];
    fn zero_tangent(&self) -> [F; N] {
        [F::zero(); N]
    }
}

impl<F: Real, const N: usize> Tangent for [F; N] {
    fn add_assign(&mut self, other: Self) {
        self.iter_mut().zip(other).for_each(|(a, b)| *a += b);
    }
    fn scale(&mut self, factor: f64) {
        let factor = F::cast_from(factor);
        self.iter_mut().for_each(|v| *v *= factor);
    }
    fn num_components(&self) -> usize {
        N
    }
    fn component(&self, i: usize) -> f64 {
        self[i].as_f64()
    }
    fn set_component(&mut self, i: usize, value: f64) {
        self[i] = F::cast_from(value);
    }
}

/// Tuples: the tangent of `(A, B, ..)` is the tuple of their tangents, with the components of each
/// element in turn.
macro_rules! tuple_tangents {
    ($(($($T:ident $k:tt),+);)*) => {$(
        impl<$($T: Differentiable),+> Differentiable for ($($T,)+) {
            type Tangent = ($($T::Tangent,)+);
            #[inline]
            fn zero_tangent(&self) -> Self::Tangent {
                ($(self.$k.zero_tangent(),)+)
            }
        }

        impl<$($T: Tangent),+> Tangent for ($($T,)+) {
            #[inline]
            fn add_assign(&mut self, other: Self) {
                $(self.$k.add_assign(other.$k);)+
            }
            fn scale(&mut self, factor: f64) {
                $(self.$k.scale(factor);)+
            }
            fn num_components(&self) -> usize {
                0 $(+ self.$k.num_components())+
            }
            #[track_caller]
            fn component(&self, i: usize) -> f64 {
                let mut i = i;
                $(
                    let n = self.$k.num_components();
                    if i < n {
                        return self.$k.component(i);
                    }
                    i -= n;
                )+
                panic!("component {i} past the tuple's components");
            }
            #[track_caller]
            fn set_component(&mut self, i: usize, value: f64) {
                let mut i = i;
                $(
                    let n = self.$k.num_components();
                    if i < n {
                        return self.$k.set_component(i, value);
                    }
                    i -= n;
                )+
                panic!("component {i} past the tuple's components");
            }
            fn zeros_like(&self) -> Self {
                ($(self.$k.zeros_like(),)+)
            }
        }
    )*};
}
tuple_tangents! {
    (A 0);
    (A 0, B 1);
    (A 0, B 1, C 2);
    (A 0, B 1, C 2, D 3);
    (A 0, B 1, C 2, D 3, E 4);
    (A 0, B 1, C 2, D 3, E 4, G 5);
}
