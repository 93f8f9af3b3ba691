//! Reductions (`sum`, `mean`, `product`, `sum_axis`, `mean_axis`) and their reverse rules.

use crate::operand::ArrayArg;
use crate::real::Real;
use ndarray::{Array, Axis, Dimension, RemoveAxis};
use num_traits::One;

/// `x.sum()`.
#[inline]
pub fn sum<X: ArrayArg + ?Sized>(x: &X) -> X::Elem {
    x.view().sum()
}

/// Reverse rule of [`sum`]: every element receives `g`.
#[inline]
pub fn sum_vjp<X: ArrayArg + ?Sized>(x: &X, g: X::Elem) -> Array<X::Elem, X::Dim> {
    Array::from_elem(x.view().raw_dim(), g)
}

/// `x.mean().unwrap()`.
///
/// # Panics
/// If `x` is empty, as `unwrap` on ndarray's `mean` would.
#[inline]
#[track_caller]
pub fn mean<X: ArrayArg + ?Sized>(x: &X) -> X::Elem {
    match x.view().mean() {
        Some(mean) => mean,
        None => panic!("mean of an empty array"),
    }
}

/// Reverse rule of [`mean`]: every element receives `g / n`.
#[inline]
pub fn mean_vjp<X: ArrayArg + ?Sized>(x: &X, g: X::Elem) -> Array<X::Elem, X::Dim> {
    let view = x.view();
    let n = <X::Elem as Real>::cast_from(view.len() as f64);
    Array::from_elem(view.raw_dim(), g / n)
}

/// `x.product()`.
#[inline]
pub fn product<X: ArrayArg + ?Sized>(x: &X) -> X::Elem {
    x.view().product()
}

/// Reverse rule of [`product`]: element `i` receives `g` times the product of all other elements
/// (computed with prefix and suffix products, so zeros are handled exactly).
pub fn product_vjp<X: ArrayArg + ?Sized>(x: &X, g: X::Elem) -> Array<X::Elem, X::Dim> {
    let view = x.view();
    let values: Vec<X::Elem> = view.iter().copied().collect();
    let n = values.len();
    let mut out = vec![X::Elem::one(); n];
    let mut prefix = X::Elem::one();
    for i in 0..n {
        out[i] = prefix;
        prefix *= values[i];
    }
    let mut suffix = X::Elem::one();
    for i in (0..n).rev() {
        out[i] = out[i] * suffix * g;
        suffix *= values[i];
    }
    Array::from_shape_vec(view.raw_dim(), out).expect("same number of elements")
}

/// `x.sum_axis(axis)`.
#[inline]
#[track_caller]
pub fn sum_axis<X>(x: &X, axis: Axis) -> Array<X::Elem, <X::Dim as Dimension>::Smaller>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
{
    let view = x.view();
    crate::shape::check_axis(axis, view.ndim());
    view.sum_axis(axis)
}

/// Reverse rule of [`sum_axis`]: `g` broadcast back along `axis`.
#[inline]
#[track_caller]
pub fn sum_axis_vjp<X>(
    x: &X,
    axis: Axis,
    g: Array<X::Elem, <X::Dim as Dimension>::Smaller>,
) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
{
    let view = x.view();
    crate::shape::check_axis(axis, view.ndim());
    let mut reduced = view.shape().to_vec();
    reduced.remove(axis.index());
    crate::shape::check_seed(&reduced, g.shape());
    let expanded = g
        .insert_axis(axis)
        .into_dimensionality::<X::Dim>()
        .expect("one axis more");
    expanded
        .broadcast(view.raw_dim())
        .expect("broadcast along the reduced axis")
        .to_owned()
}

/// `x.mean_axis(axis).unwrap()`.
///
/// # Panics
/// If the axis has length 0.
#[inline]
#[track_caller]
pub fn mean_axis<X>(x: &X, axis: Axis) -> Array<X::Elem, <X::Dim as Dimension>::Smaller>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
{
    let view = x.view();
    crate::shape::check_axis(axis, view.ndim());
    match view.mean_axis(axis) {
        Some(mean) => mean,
        None => panic!(
            "mean over an empty axis: axis {} of shape {:?}",
            axis.index(),
            view.shape()
        ),
    }
}

/// Reverse rule of [`mean_axis`]: `g / n` broadcast back along `axis`.
#[inline]
#[track_caller]
pub fn mean_axis_vjp<X>(
    x: &X,
    axis: Axis,
    g: Array<X::Elem, <X::Dim as Dimension>::Smaller>,
) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
{
    crate::shape::check_axis(axis, x.view().ndim());
    let n = <X::Elem as Real>::cast_from(x.view().len_of(axis) as f64);
    let mut out = sum_axis_vjp(x, axis, g);
    out.mapv_inplace(|v| v / n);
    out
}
