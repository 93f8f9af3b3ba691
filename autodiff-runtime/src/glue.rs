//! Helpers that generated code calls besides the rules: seeds, zeros, copies and accumulation.

use crate::operand::ScalarArg;
use crate::real::Real;
use crate::tangent::{Differentiable, Tangent};

/// The seed of a scalar output: one.
#[inline]
pub fn seed<F: Real, Y: ScalarArg<F> + ?Sized>(_output: &Y) -> F {
    F::one()
}

/// The zero tangent of `x` (a parameter the output does not depend on).
#[inline]
pub fn zero_tangent<T: Differentiable + ?Sized>(x: &T) -> T::Tangent {
    x.zero_tangent()
}

/// A copy of an adjoint that is read again later (the last read moves it instead).
#[inline]
pub fn dup<T: Clone>(t: &T) -> T {
    t.clone()
}

/// Adds `contribution` into the adjoint `acc`.
#[inline]
#[track_caller]
pub fn acc<T: Tangent>(acc: &mut T, contribution: T) {
    acc.add_assign(contribution);
}
