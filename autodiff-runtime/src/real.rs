//! `Real`: the floating-point element types (`f32`, `f64`) that values and tangents are made of.

use ndarray::{LinalgScalar, ScalarOperand};
use num_traits::Float;
use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point scalar that `autodiff` differentiates: `f32` or `f64` (sealed).
///
/// A `#[differentiable]` function may be generic over `F: Real`. The runtime's traits that a scalar
/// implements through a blanket over references as well (`Differentiable`, `OwnedCopy`, `AsView`,
/// `KernelOperand`, `ArgKind`) are supertraits here, implemented for `f32` and `f64` each: a generic
/// `impl<F: Real> .. for F` beside `impl<T> .. for &T` would overlap in the coherence check, and as
/// supertraits a generic `F` has them all the same. The others are implemented for every `F: Real`.
pub trait Real:
    Float
    + ScalarOperand
    + LinalgScalar
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
    + Debug
    + Display
    + Default
    + num_traits::FromPrimitive
    + Send
    + Sync
    + 'static
    + sealed::Sealed
    + crate::tangent::Differentiable<Tangent = Self>
    + crate::shape::OwnedCopy<Owned = Self>
    + crate::jvp::AsView<Self, Dim = ndarray::Ix0>
    + crate::fused::KernelOperand<Elem = Self, Tangent = Self>
    + crate::call::ArgKind<Kind = crate::call::Diff>
{
    /// `value` rounded to this type (used for constants of rules and for finite differences).
    fn cast_from(value: f64) -> Self;
    /// This value widened to `f64`.
    fn as_f64(self) -> f64;
    /// One half.
    fn half() -> Self;
}

impl Real for f32 {
    #[inline]
    fn cast_from(value: f64) -> Self {
        value as f32
    }
    #[inline]
    fn as_f64(self) -> f64 {
        self as f64
    }
    #[inline]
    fn half() -> Self {
        0.5
    }
}

impl Real for f64 {
    #[inline]
    fn cast_from(value: f64) -> Self {
        value
    }
    #[inline]
    fn as_f64(self) -> f64 {
        self
    }
    #[inline]
    fn half() -> Self {
        0.5
    }
}
