//! Second-order rules of `dot`'s and `t`'s reverse rules.
//!
//! `dot_vjp0(a, b, g)` (`g·bᵀ` and its vector forms) does not read `a`'s values and is bilinear in `b`
//! and `g`; `dot_vjp1(a, b, g)` (`aᵀ·g`) does not read `b`'s values and is bilinear in `a` and `g`. So
//! along the operand a rule reads, it is the rule with that operand replaced by its tangent; along the
//! other it is zero. The seed is the product's gradient, `F` for vector·vector and an owned array
//! otherwise, taken by reference in any form that borrows as one (as [`dot_vjp0`](crate::linalg::dot_vjp0)
//! takes it by value).

use crate::linalg::DotDims;
use crate::operand::ArrayArg;
use crate::shape::check_seed;
use ndarray::Array;
use std::borrow::Borrow;

/// The gradient type of `a.dot(&b)`.
type Product<A, B> =
    <<A as ArrayArg>::Dim as DotDims<<B as ArrayArg>::Dim>>::Product<<A as ArrayArg>::Elem>;

/// Panics, at the caller's location, unless the tangent `dot` has the shape of the operand `x`.
#[inline]
#[track_caller]
fn check_tangent<X: ArrayArg + ?Sized, T: ArrayArg + ?Sized>(x: &X, dot: &T) {
    check_seed(x.view().shape(), dot.view().shape());
}

/// Derivative of [`dot_vjp0`](crate::linalg::dot_vjp0) along `a` (`a_dot`, of `a`'s shape): zero (the
/// rule reads only `a`'s shape), a zero of `a`'s shape.
#[inline]
#[track_caller]
pub fn dot_vjp0_jvp0<A, B, G, T>(a: &A, b: &B, g: &G, a_dot: &T) -> Array<A::Elem, A::Dim>
where
    A: ArrayArg + ?Sized,
    B: ArrayArg<Elem = A::Elem> + ?Sized,
    A::Dim: DotDims<B::Dim>,
    G: Borrow<Product<A, B>> + ?Sized,
    T: ArrayArg<Elem = A::Elem, Dim = A::Dim> + ?Sized,
{
    let _ = (b, g);
    check_tangent(a, a_dot);
    Array::zeros(a.view().raw_dim())
}

/// Derivative of [`dot_vjp0`](crate::linalg::dot_vjp0) along `b` (`b_dot`, of `b`'s shape): the rule with
/// `b_dot` for `b` (`g·b_dotᵀ`).
#[inline]
#[track_caller]
pub fn dot_vjp0_jvp1<A, B, G, T>(a: &A, b: &B, g: &G, b_dot: &T) -> Array<A::Elem, A::Dim>
where
    A: ArrayArg + ?Sized,
    B: ArrayArg<Elem = A::Elem> + ?Sized,
    A::Dim: DotDims<B::Dim>,
    G: Borrow<Product<A, B>> + ?Sized,
    T: ArrayArg<Elem = A::Elem, Dim = B::Dim> + ?Sized,
{
    check_tangent(b, b_dot);
    crate::linalg::dot_vjp0(a, b_dot, g.borrow())
}

/// Derivative of [`dot_vjp0`](crate::linalg::dot_vjp0) along the seed `g` (`g_dot`, of the product's
/// shape): the rule applied to `g_dot`.
#[inline]
#[track_caller]
pub fn dot_vjp0_jvp2<A, B, G, T>(a: &A, b: &B, g: &G, g_dot: &T) -> Array<A::Elem, A::Dim>
where
    A: ArrayArg + ?Sized,
    B: ArrayArg<Elem = A::Elem> + ?Sized,
    A::Dim: DotDims<B::Dim>,
    G: Borrow<Product<A, B>> + ?Sized,
    T: Borrow<Product<A, B>> + ?Sized,
{
    let _ = g;
    crate::linalg::dot_vjp0(a, b, g_dot.borrow())
}

/// Derivative of [`dot_vjp1`](crate::linalg::dot_vjp1) along `a` (`a_dot`, of `a`'s shape): the rule with
/// `a_dot` for `a` (`a_dotᵀ·g`).
#[inline]
#[track_caller]
pub fn dot_vjp1_jvp0<A, B, G, T>(a: &A, b: &B, g: &G, a_dot: &T) -> Array<A::Elem, B::Dim>
where
    A: ArrayArg + ?Sized,
    B: ArrayArg<Elem = A::Elem> + ?Sized,
    A::Dim: DotDims<B::Dim>,
    G: Borrow<Product<A, B>> + ?Sized,
    T: ArrayArg<Elem = A::Elem, Dim = A::Dim> + ?Sized,
{
    check_tangent(a, a_dot);
    crate::linalg::dot_vjp1(a_dot, b, g.borrow())
}

/// Derivative of [`dot_vjp1`](crate::linalg::dot_vjp1) along `b` (`b_dot`, of `b`'s shape): zero (the
/// rule reads only `b`'s shape), a zero of `b`'s shape.
#[inline]
#[track_caller]
pub fn dot_vjp1_jvp1<A, B, G, T>(a: &A, b: &B, g: &G, b_dot: &T) -> Array<A::Elem, B::Dim>
where
    A: ArrayArg + ?Sized,
    B: ArrayArg<Elem = A::Elem> + ?Sized,
    A::Dim: DotDims<B::Dim>,
    G: Borrow<Product<A, B>> + ?Sized,
    T: ArrayArg<Elem = A::Elem, Dim = B::Dim> + ?Sized,
{
    let _ = (a, g);
    check_tangent(b, b_dot);
    Array::zeros(b.view().raw_dim())
}

/// Derivative of [`dot_vjp1`](crate::linalg::dot_vjp1) along the seed `g` (`g_dot`, of the product's
/// shape): the rule applied to `g_dot`.
#[inline]
#[track_caller]
pub fn dot_vjp1_jvp2<A, B, G, T>(a: &A, b: &B, g: &G, g_dot: &T) -> Array<A::Elem, B::Dim>
where
    A: ArrayArg + ?Sized,
    B: ArrayArg<Elem = A::Elem> + ?Sized,
    A::Dim: DotDims<B::Dim>,
    G: Borrow<Product<A, B>> + ?Sized,
    T: Borrow<Product<A, B>> + ?Sized,
{
    let _ = g;
    crate::linalg::dot_vjp1(a, b, g_dot.borrow())
}

/// Derivative of [`t_vjp`](crate::linalg::t_vjp) along `x` (`x_dot`, of `x`'s shape): zero (the rule
/// reads only `x`'s shape), a zero of `x`'s shape.
#[inline]
#[track_caller]
pub fn t_vjp_jvp0<X, G, T>(x: &X, g: &G, x_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    G: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    let _ = g;
    check_tangent(x, x_dot);
    Array::zeros(x.view().raw_dim())
}

/// Derivative of [`t_vjp`](crate::linalg::t_vjp) along the seed `g` (`g_dot`, of `g`'s shape): the rule
/// applied to `g_dot` (`g_dot` transposed).
#[inline]
pub fn t_vjp_jvp1<X, G, T>(x: &X, g: &G, g_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    G: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    let _ = g;
    crate::linalg::t_vjp(x, g_dot.view().to_owned())
}
