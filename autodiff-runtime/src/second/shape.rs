//! Second-order rules of the shape operations' and copies' reverse rules (`slice_vjp`, `reshape_vjp`,
//! `from_elem_vjp`, `to_owned_vjp`, `carry_vjp`, `concatenate_vjp`, `diag_vjp`, `row_vjp`, ...).
//!
//! Each of these reverse rules moves, sums or copies the seed into `x`'s shape and reads only `x`'s
//! shape: along `x` its derivative is zero, along the seed it is the rule itself applied to the tangent.

use crate::operand::{ArrayArg, ScalarArg};
use crate::real::Real;
use crate::shape::{check_seed, OwnedCopy};
use crate::tangent::Differentiable;
use ndarray::{
    Array, Array2, ArrayView, Axis, Dimension, IntoDimension, Ix1, Ix2, RemoveAxis, ShapeBuilder,
    SliceArg,
};

/// A zero of `x`'s shape, after checking that `x_dot` has that shape.
#[inline]
#[track_caller]
fn zeros_of<X: ArrayArg + ?Sized, T: ArrayArg + ?Sized>(
    x: &X,
    x_dot: &T,
) -> Array<X::Elem, X::Dim> {
    check_seed(x.view().shape(), x_dot.view().shape());
    Array::zeros(x.view().raw_dim())
}

/// The documentation of the zero rule along `x` of the shape rule `$vjp`.
macro_rules! along_x_doc {
    ($vjp:ident) => {
        concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::shape::", stringify!($vjp), ") along `x` \
             (`x_dot`, of `x`'s shape): zero (the rule reads only `x`'s shape), a zero of `x`'s shape."
        )
    };
}

/// The documentation of the rule along the seed of the reverse rule `$vjp` of `$module`.
macro_rules! along_g_doc {
    ($module:ident, $vjp:ident) => {
        concat!(
            "Derivative of [`",
            stringify!($vjp),
            "`](crate::",
            stringify!($module),
            "::",
            stringify!($vjp),
            ") along the seed `g` (`g_dot`, of `g`'s shape): the rule applied to `g_dot`."
        )
    };
}

#[doc = along_x_doc!(slice_vjp)]
#[inline]
#[track_caller]
pub fn slice_vjp_jvp0<X, I, G, T>(x: &X, info: I, g: &G, x_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    I: SliceArg<X::Dim>,
    G: ArrayArg<Elem = X::Elem, Dim = I::OutDim> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    let _ = (info, g);
    zeros_of(x, x_dot)
}

#[doc = along_g_doc!(shape, slice_vjp)]
#[inline]
#[track_caller]
pub fn slice_vjp_jvp1<X, I, G, T>(x: &X, info: I, g: &G, g_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    I: SliceArg<X::Dim>,
    G: ArrayArg<Elem = X::Elem, Dim = I::OutDim> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = I::OutDim> + ?Sized,
{
    let _ = g;
    crate::shape::slice_vjp(x, info, g_dot.view().to_owned())
}

#[doc = along_x_doc!(insert_axis_vjp)]
#[inline]
#[track_caller]
pub fn insert_axis_vjp_jvp0<X, G, T>(x: &X, axis: Axis, g: &G, x_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    G: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Larger> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    let _ = (axis, g);
    zeros_of(x, x_dot)
}

#[doc = along_g_doc!(shape, insert_axis_vjp)]
#[inline]
#[track_caller]
pub fn insert_axis_vjp_jvp1<X, G, T>(x: &X, axis: Axis, g: &G, g_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    G: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Larger> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Larger> + ?Sized,
{
    let _ = g;
    crate::shape::insert_axis_vjp(x, axis, g_dot.view().to_owned())
}

#[doc = along_x_doc!(select_vjp)]
#[inline]
#[track_caller]
pub fn select_vjp_jvp0<X, G, T>(
    x: &X,
    axis: Axis,
    indices: &[usize],
    g: &G,
    x_dot: &T,
) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
    G: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    let _ = (axis, indices, g);
    zeros_of(x, x_dot)
}

#[doc = along_g_doc!(shape, select_vjp)]
#[inline]
#[track_caller]
pub fn select_vjp_jvp1<X, G, T>(
    x: &X,
    axis: Axis,
    indices: &[usize],
    g: &G,
    g_dot: &T,
) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
    G: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    let _ = g;
    crate::shape::select_vjp(x, axis, indices, g_dot.view().to_owned())
}

#[doc = along_x_doc!(index_axis_vjp)]
#[inline]
#[track_caller]
pub fn index_axis_vjp_jvp0<X, G, T>(
    x: &X,
    axis: Axis,
    i: usize,
    g: &G,
    x_dot: &T,
) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
    G: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Smaller> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    let _ = (axis, i, g);
    zeros_of(x, x_dot)
}

#[doc = along_g_doc!(shape, index_axis_vjp)]
#[inline]
#[track_caller]
pub fn index_axis_vjp_jvp1<X, G, T>(
    x: &X,
    axis: Axis,
    i: usize,
    g: &G,
    g_dot: &T,
) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
    G: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Smaller> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Smaller> + ?Sized,
{
    let _ = g;
    crate::shape::index_axis_vjp(x, axis, i, g_dot.view().to_owned())
}

macro_rules! to_shape_second {
    ($($vjp:ident: $jvp0:ident, $jvp1:ident;)*) => {$(
        #[doc = along_x_doc!($vjp)]
        #[inline]
        #[track_caller]
        pub fn $jvp0<X, E, G, T>(x: &X, shape: E, g: &G, x_dot: &T) -> Array<X::Elem, X::Dim>
        where
            X: ArrayArg + ?Sized,
            E: IntoDimension,
            G: ArrayArg<Elem = X::Elem, Dim = E::Dim> + ?Sized,
            T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
        {
            let _ = (shape, g);
            zeros_of(x, x_dot)
        }

        #[doc = along_g_doc!(shape, $vjp)]
        #[inline]
        #[track_caller]
        pub fn $jvp1<X, E, G, T>(x: &X, shape: E, g: &G, g_dot: &T) -> Array<X::Elem, X::Dim>
        where
            X: ArrayArg + ?Sized,
            E: IntoDimension,
            G: ArrayArg<Elem = X::Elem, Dim = E::Dim> + ?Sized,
            T: ArrayArg<Elem = X::Elem, Dim = E::Dim> + ?Sized,
        {
            let _ = g;
            crate::shape::$vjp(x, shape, g_dot.view().to_owned())
        }
    )*};
}

to_shape_second! {
    broadcast_vjp: broadcast_vjp_jvp0, broadcast_vjp_jvp1;
    reshape_vjp: reshape_vjp_jvp0, reshape_vjp_jvp1;
}

/// Derivative of [`from_elem_vjp`](crate::shape::from_elem_vjp) (the sum of `g`) along `x` (`x_dot`, a
/// scalar): zero.
#[inline]
pub fn from_elem_vjp_jvp0<F, X, Sh, G, T>(x: &X, shape: Sh, g: &G, x_dot: &T) -> F
where
    F: Real,
    X: ScalarArg<F> + ?Sized,
    Sh: ShapeBuilder,
    G: ArrayArg<Elem = F> + ?Sized,
    T: ScalarArg<F> + ?Sized,
{
    let _ = (x, shape, g, x_dot);
    F::zero()
}

/// Derivative of [`from_elem_vjp`](crate::shape::from_elem_vjp) along the seed `g` (`g_dot`, of `g`'s
/// shape): the rule applied to `g_dot`, its sum.
#[inline]
#[track_caller]
pub fn from_elem_vjp_jvp1<F, X, Sh, G, T>(x: &X, shape: Sh, g: &G, g_dot: &T) -> F
where
    F: Real,
    X: ScalarArg<F> + ?Sized,
    Sh: ShapeBuilder,
    G: ArrayArg<Elem = F> + ?Sized,
    T: ArrayArg<Elem = F, Dim = G::Dim> + ?Sized,
{
    check_seed(g.view().shape(), g_dot.view().shape());
    crate::shape::from_elem_vjp(x, shape, g_dot.view().to_owned())
}

macro_rules! copy_second {
    ($($module:ident::$vjp:ident[$($unsized:tt)*]: $jvp0:ident, $jvp1:ident by $copy:ident: $Copy:path => $Out:ty;)*) => {$(
        #[doc = concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::", stringify!($module), "::", stringify!($vjp),
            ") (the identity on `g`) along `x` (`x_dot`): zero, a zero of `g`'s type and shape."
        )]
        #[inline]
        pub fn $jvp0<X $($unsized)*, G: Differentiable + ?Sized, T: ?Sized>(
            x: &X,
            g: &G,
            x_dot: &T,
        ) -> G::Tangent {
            let _ = (x, x_dot);
            g.zero_tangent()
        }

        #[doc = concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::", stringify!($module), "::", stringify!($vjp),
            ") along the seed `g`: the rule applied to `g_dot`, a copy of it."
        )]
        #[inline]
        pub fn $jvp1<X $($unsized)*, G: ?Sized, T: $Copy + ?Sized>(x: &X, g: &G, g_dot: &T) -> $Out {
            let _ = g;
            crate::$module::$vjp(x, g_dot.$copy())
        }
    )*};
}

copy_second! {
    shape::to_owned_vjp[: ?Sized]: to_owned_vjp_jvp0, to_owned_vjp_jvp1 by owned_copy: OwnedCopy => T::Owned;
    glue::carry_vjp[]: carry_vjp_jvp0, carry_vjp_jvp1 by clone: Clone => T;
    glue::snapshot_vjp[]: snapshot_vjp_jvp0, snapshot_vjp_jvp1 by clone: Clone => T;
}

/// Derivative of [`concatenate_vjp`](crate::shape::concatenate_vjp) (part `k`'s slice of `g`) along the
/// parts (`parts_dots`, one tangent per part, each of its part's shape): zero (the rule reads only the
/// parts' shapes), a zero of part `k`'s shape.
///
/// The parts are one argument of the rule, position 0; the seed is position 1.
#[inline]
#[track_caller]
pub fn concatenate_vjp_jvp0<F, D, G>(
    axis: Axis,
    parts: &[ArrayView<'_, F, D>],
    k: usize,
    g: &G,
    parts_dots: &[ArrayView<'_, F, D>],
) -> Array<F, D>
where
    F: Real,
    D: RemoveAxis,
    G: ArrayArg<Elem = F, Dim = D> + ?Sized,
{
    let _ = (axis, g);
    check_parts(parts, parts_dots);
    Array::zeros(parts[k].raw_dim())
}

/// Derivative of [`concatenate_vjp`](crate::shape::concatenate_vjp) along the seed `g` (`g_dot`, of
/// `g`'s shape, the concatenation's): the rule applied to `g_dot`, part `k`'s slice of it.
#[inline]
#[track_caller]
pub fn concatenate_vjp_jvp1<F, D, G, T>(
    axis: Axis,
    parts: &[ArrayView<'_, F, D>],
    k: usize,
    g: &G,
    g_dot: &T,
) -> Array<F, D>
where
    F: Real,
    D: RemoveAxis,
    G: ArrayArg<Elem = F, Dim = D> + ?Sized,
    T: ArrayArg<Elem = F, Dim = D> + ?Sized,
{
    let _ = g;
    crate::shape::concatenate_vjp(axis, parts, k, g_dot.view().to_owned())
}

/// Derivative of [`stack_vjp`](crate::shape::stack_vjp) (index `k` of `g` along `axis`) along the parts
/// (`parts_dots`, one tangent per part, each of its part's shape): zero (the rule reads only the parts'
/// shapes), a zero of part `k`'s shape.
///
/// The parts are one argument of the rule, position 0; the seed is position 1.
#[inline]
#[track_caller]
pub fn stack_vjp_jvp0<F, D, G>(
    axis: Axis,
    parts: &[ArrayView<'_, F, D>],
    k: usize,
    g: &G,
    parts_dots: &[ArrayView<'_, F, D>],
) -> Array<F, D>
where
    F: Real,
    D: Dimension,
    D::Larger: RemoveAxis,
    G: ArrayArg<Elem = F, Dim = D::Larger> + ?Sized,
{
    let _ = (axis, g);
    check_parts(parts, parts_dots);
    Array::zeros(parts[k].raw_dim())
}

/// Derivative of [`stack_vjp`](crate::shape::stack_vjp) along the seed `g` (`g_dot`, of `g`'s shape, the
/// stack's): the rule applied to `g_dot`, its index `k` along `axis`.
#[inline]
#[track_caller]
pub fn stack_vjp_jvp1<F, D, G, T>(
    axis: Axis,
    parts: &[ArrayView<'_, F, D>],
    k: usize,
    g: &G,
    g_dot: &T,
) -> Array<F, D>
where
    F: Real,
    D: Dimension,
    D::Larger: RemoveAxis,
    G: ArrayArg<Elem = F, Dim = D::Larger> + ?Sized,
    T: ArrayArg<Elem = F, Dim = D::Larger> + ?Sized,
{
    let _ = g;
    crate::shape::stack_vjp(axis, parts, k, g_dot.view().to_owned())
}

/// Panics, at the caller's location, unless there is one tangent per part, of its part's shape.
#[track_caller]
fn check_parts<F, D: Dimension>(parts: &[ArrayView<'_, F, D>], dots: &[ArrayView<'_, F, D>]) {
    if parts.len() != dots.len() {
        panic!(
            "{} tangents were passed for {} parts",
            dots.len(),
            parts.len()
        );
    }
    for (part, dot) in parts.iter().zip(dots) {
        check_seed(part.shape(), dot.shape());
    }
}

#[doc = along_x_doc!(diag_vjp)]
#[inline]
#[track_caller]
pub fn diag_vjp_jvp0<X, G, T>(x: &X, g: &G, x_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    G: ArrayArg<Elem = X::Elem, Dim = Ix1> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    let _ = g;
    zeros_of(x, x_dot)
}

#[doc = along_g_doc!(shape, diag_vjp)]
#[inline]
#[track_caller]
pub fn diag_vjp_jvp1<X, G, T>(x: &X, g: &G, g_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    G: ArrayArg<Elem = X::Elem, Dim = Ix1> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = Ix1> + ?Sized,
{
    let _ = g;
    crate::shape::diag_vjp(x, g_dot.view().to_owned())
}

macro_rules! lane_second {
    ($($vjp:ident: $jvp0:ident, $jvp1:ident;)*) => {$(
        #[doc = along_x_doc!($vjp)]
        #[inline]
        #[track_caller]
        pub fn $jvp0<X, G, T>(m: &X, i: usize, g: &G, m_dot: &T) -> Array2<X::Elem>
        where
            X: ArrayArg<Dim = Ix2> + ?Sized,
            G: ArrayArg<Elem = X::Elem, Dim = Ix1> + ?Sized,
            T: ArrayArg<Elem = X::Elem, Dim = Ix2> + ?Sized,
        {
            let _ = (i, g);
            zeros_of(m, m_dot)
        }

        #[doc = along_g_doc!(shape, $vjp)]
        #[inline]
        #[track_caller]
        pub fn $jvp1<X, G, T>(m: &X, i: usize, g: &G, g_dot: &T) -> Array2<X::Elem>
        where
            X: ArrayArg<Dim = Ix2> + ?Sized,
            G: ArrayArg<Elem = X::Elem, Dim = Ix1> + ?Sized,
            T: ArrayArg<Elem = X::Elem, Dim = Ix1> + ?Sized,
        {
            let _ = g;
            crate::shape::$vjp(m, i, g_dot.view().to_owned())
        }
    )*};
}

lane_second! {
    row_vjp: row_vjp_jvp0, row_vjp_jvp1;
    column_vjp: column_vjp_jvp0, column_vjp_jvp1;
}
