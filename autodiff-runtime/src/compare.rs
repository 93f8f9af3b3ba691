//! Comparisons in branch conditions: the value a differentiable operand is compared by.
//!
//! `if *v > 0.5` compares values whatever the form the generated code holds them in (an owned element
//! where the source had a reference, a reference where it had a value): [`cmp_value`] reads through
//! every level of reference to the scalar, and leaves an array as a reference to itself.

use ndarray::{ArrayBase, Data, Dimension};

/// A value that can stand on one side of a comparison in a branch condition.
pub trait Comparable {
    /// What is compared: the scalar itself, or a reference to an array.
    type Value<'a>
    where
        Self: 'a;
    /// The compared value.
    fn cmp_value(&self) -> Self::Value<'_>;
}

impl Comparable for f64 {
    type Value<'a> = f64;
    #[inline]
    fn cmp_value(&self) -> f64 {
        *self
    }
}

impl Comparable for f32 {
    type Value<'a> = f32;
    #[inline]
    fn cmp_value(&self) -> f32 {
        *self
    }
}

impl<T: Comparable + ?Sized> Comparable for &T {
    type Value<'a>
        = T::Value<'a>
    where
        Self: 'a;
    #[inline]
    fn cmp_value(&self) -> Self::Value<'_> {
        (**self).cmp_value()
    }
}

impl<S: Data, D: Dimension> Comparable for ArrayBase<S, D> {
    type Value<'a>
        = &'a Self
    where
        Self: 'a;
    #[inline]
    fn cmp_value(&self) -> &Self {
        self
    }
}

/// The value `x` is compared by (see the module's documentation).
#[inline]
pub fn cmp_value<T: Comparable + ?Sized>(x: &T) -> T::Value<'_> {
    x.cmp_value()
}
