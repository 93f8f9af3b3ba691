//! Shape operations (`slice`, `to_owned`, `view`, `clone`) and their reverse rules.

use crate::operand::ArrayArg;
use ndarray::{Array, SliceArg};

/// `x.slice(info)`, as an owned array.
#[inline]
#[track_caller]
pub fn slice<X, I>(x: &X, info: I) -> Array<X::Elem, I::OutDim>
where
    X: ArrayArg + ?Sized,
    I: SliceArg<X::Dim>,
{
    x.view().slice_move(info).to_owned()
}

/// Reverse rule of [`slice`]: zeros of `x`'s shape with `g` written into the sliced region.
#[inline]
#[track_caller]
pub fn slice_vjp<X, I>(x: &X, info: I, g: Array<X::Elem, I::OutDim>) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    I: SliceArg<X::Dim>,
{
    let mut out = Array::zeros(x.view().raw_dim());
    out.slice_mut(info).assign(&g);
    out
}

/// `x.to_owned()`, `x.view()` and `x.clone()`: an owned copy.
#[inline]
pub fn to_owned<X: ArrayArg + ?Sized>(x: &X) -> Array<X::Elem, X::Dim> {
    x.view().to_owned()
}

/// Reverse rule of [`to_owned`]: the identity.
#[inline]
pub fn to_owned_vjp<X: ArrayArg + ?Sized>(
    x: &X,
    g: Array<X::Elem, X::Dim>,
) -> Array<X::Elem, X::Dim> {
    let _ = x;
    g
}
