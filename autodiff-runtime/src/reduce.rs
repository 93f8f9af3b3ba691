//! Reductions (`sum`, `mean`, `product`, `sum_axis`, `mean_axis`) and their reverse rules.

use crate::operand::ArrayArg;
use crate::real::Real;
use ndarray::{Array, Axis, Dimension, RemoveAxis};
use num_traits::{One, Zero};

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

/// Panics, at the caller's location, where `ndarray`'s `var` and `std` would: unless `0 <= ddof <= n`.
#[inline]
#[track_caller]
pub(crate) fn check_ddof<F: Real>(ddof: F, n: usize) {
    if ddof < F::zero() || ddof > F::cast_from(n as f64) {
        panic!(
            "`ddof` must not be less than zero or greater than the length of the axis \
             (ddof {ddof}, length {n})"
        );
    }
}

/// `x` less the mean of its elements (zeros of no elements for an empty `x`).
pub(crate) fn centered<X: ArrayArg + ?Sized>(x: &X) -> Array<X::Elem, X::Dim> {
    let view = x.view();
    let n = view.len();
    let mean = if n == 0 {
        X::Elem::zero()
    } else {
        view.sum() / <X::Elem as Real>::cast_from(n as f64)
    };
    view.mapv(|v| v - mean)
}

/// `x.var(ddof)`: the variance of all elements, `sum (x_i - mean)^2 / (n - ddof)`.
///
/// # Panics
/// If `ddof` is less than zero or greater than the number of elements, as `ndarray`'s `var`.
#[inline]
#[track_caller]
pub fn var<X: ArrayArg + ?Sized>(x: &X, ddof: X::Elem) -> X::Elem {
    let view = x.view();
    check_ddof(ddof, view.len());
    view.var(ddof)
}

/// Reverse rule of [`var`]: element `i` receives `2 g (x_i - mean) / (n - ddof)`.
#[track_caller]
pub fn var_vjp<X: ArrayArg + ?Sized>(x: &X, ddof: X::Elem, g: X::Elem) -> Array<X::Elem, X::Dim> {
    let n = x.view().len();
    check_ddof(ddof, n);
    let scale =
        <X::Elem as Real>::cast_from(2.0) * g / (<X::Elem as Real>::cast_from(n as f64) - ddof);
    let mut out = centered(x);
    out.mapv_inplace(|c| scale * c);
    out
}

/// `x.std(ddof)`: the square root of [`var`].
///
/// # Panics
/// If `ddof` is less than zero or greater than the number of elements, as `ndarray`'s `std`.
#[inline]
#[track_caller]
pub fn std<X: ArrayArg + ?Sized>(x: &X, ddof: X::Elem) -> X::Elem {
    let view = x.view();
    check_ddof(ddof, view.len());
    view.std(ddof)
}

/// Reverse rule of [`std`]: element `i` receives `g (x_i - mean) / ((n - ddof) std)` (not finite where
/// all elements are equal, where the standard deviation has no derivative).
#[track_caller]
pub fn std_vjp<X: ArrayArg + ?Sized>(x: &X, ddof: X::Elem, g: X::Elem) -> Array<X::Elem, X::Dim> {
    let n = x.view().len();
    let s = std(x, ddof);
    let scale = g / ((<X::Elem as Real>::cast_from(n as f64) - ddof) * s);
    let mut out = centered(x);
    out.mapv_inplace(|c| scale * c);
    out
}

/// `a`, of `x`'s shape less `axis`, with `axis` put back as an axis of length 1 (to broadcast along it).
#[track_caller]
pub(crate) fn expand<F, D>(a: Array<F, D::Smaller>, axis: Axis) -> Array<F, D>
where
    D: RemoveAxis,
{
    a.insert_axis(axis)
        .into_dimensionality::<D>()
        .expect("one axis more")
}

/// `x` less its means along `axis`, and the length of `axis`.
pub(crate) fn centered_axis<X>(x: &X, axis: Axis) -> (Array<X::Elem, X::Dim>, usize)
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
{
    let view = x.view();
    let n = view.len_of(axis);
    let mut mean = view.sum_axis(axis);
    if n > 0 {
        let len = <X::Elem as Real>::cast_from(n as f64);
        mean.mapv_inplace(|s| s / len);
    }
    let mean = expand::<X::Elem, X::Dim>(mean, axis);
    (&view - &mean, n)
}

/// Panics, at the caller's location, unless `axis` is an axis of `x`, `ddof` within `0..=n` for the
/// axis's length `n`, and (for a reverse rule) the seed `g` has the shape of the reduction.
#[track_caller]
fn check_axis_ddof<X: ArrayArg + ?Sized>(x: &X, axis: Axis, ddof: X::Elem, g: Option<&[usize]>) {
    let view = x.view();
    crate::shape::check_axis(axis, view.ndim());
    check_ddof(ddof, view.len_of(axis));
    if let Some(g) = g {
        let mut reduced = view.shape().to_vec();
        reduced.remove(axis.index());
        crate::shape::check_seed(&reduced, g);
    }
}

/// `x.var_axis(axis, ddof)`: the variance along `axis`.
///
/// # Panics
/// If `axis` is out of bounds, or `ddof` is less than zero or greater than the axis's length.
#[inline]
#[track_caller]
pub fn var_axis<X>(
    x: &X,
    axis: Axis,
    ddof: X::Elem,
) -> Array<X::Elem, <X::Dim as Dimension>::Smaller>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
{
    check_axis_ddof(x, axis, ddof, None);
    x.view().var_axis(axis, ddof)
}

/// Reverse rule of [`var_axis`]: element `x[.., i, ..]` receives `2 g[..] (x[.., i, ..] - mean[..]) /
/// (n - ddof)`.
#[track_caller]
pub fn var_axis_vjp<X>(
    x: &X,
    axis: Axis,
    ddof: X::Elem,
    g: Array<X::Elem, <X::Dim as Dimension>::Smaller>,
) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
{
    check_axis_ddof(x, axis, ddof, Some(g.shape()));
    let (mut out, n) = centered_axis(x, axis);
    let scale = <X::Elem as Real>::cast_from(2.0) / (<X::Elem as Real>::cast_from(n as f64) - ddof);
    let g = expand::<X::Elem, X::Dim>(g, axis);
    out *= &g;
    out.mapv_inplace(|v| v * scale);
    out
}

/// `x.std_axis(axis, ddof)`: the standard deviation along `axis`.
///
/// # Panics
/// If `axis` is out of bounds, or `ddof` is less than zero or greater than the axis's length.
#[inline]
#[track_caller]
pub fn std_axis<X>(
    x: &X,
    axis: Axis,
    ddof: X::Elem,
) -> Array<X::Elem, <X::Dim as Dimension>::Smaller>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
{
    check_axis_ddof(x, axis, ddof, None);
    x.view().std_axis(axis, ddof)
}

/// Reverse rule of [`std_axis`]: element `x[.., i, ..]` receives `g[..] (x[.., i, ..] - mean[..]) /
/// ((n - ddof) std[..])`.
#[track_caller]
pub fn std_axis_vjp<X>(
    x: &X,
    axis: Axis,
    ddof: X::Elem,
    g: Array<X::Elem, <X::Dim as Dimension>::Smaller>,
) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
{
    check_axis_ddof(x, axis, ddof, Some(g.shape()));
    let (mut out, n) = centered_axis(x, axis);
    let dof = <X::Elem as Real>::cast_from(n as f64) - ddof;
    let s = x.view().std_axis(axis, ddof);
    let factor = ndarray::Zip::from(&g)
        .and(&s)
        .map_collect(|&g, &s| g / (dof * s));
    out *= &expand::<X::Elem, X::Dim>(factor, axis);
    out
}

/// The partial derivatives of the product of `values` (prefix and suffix products, exact at zeros),
/// times `g`, written into `out`.
pub(crate) fn product_partials<'a, F: Real>(
    values: impl Iterator<Item = &'a F>,
    out: impl Iterator<Item = &'a mut F>,
    g: F,
) {
    let values: Vec<F> = values.copied().collect();
    let n = values.len();
    let mut partials = vec![F::one(); n];
    let mut prefix = F::one();
    for i in 0..n {
        partials[i] = prefix;
        prefix *= values[i];
    }
    let mut suffix = F::one();
    for i in (0..n).rev() {
        partials[i] = partials[i] * suffix * g;
        suffix *= values[i];
    }
    for (o, p) in out.zip(partials) {
        *o = p;
    }
}

/// `x.product_axis(axis)`: the product along `axis`.
///
/// # Panics
/// If `axis` is out of bounds.
#[inline]
#[track_caller]
pub fn product_axis<X>(x: &X, axis: Axis) -> Array<X::Elem, <X::Dim as Dimension>::Smaller>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
{
    let view = x.view();
    crate::shape::check_axis(axis, view.ndim());
    view.product_axis(axis)
}

/// Reverse rule of [`product_axis`]: element `i` of each lane along `axis` receives the lane's seed
/// times the product of the lane's other elements (prefix and suffix products: exact at zeros).
#[track_caller]
pub fn product_axis_vjp<X>(
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
    let mut out = Array::zeros(view.raw_dim());
    ndarray::Zip::from(out.lanes_mut(axis))
        .and(view.lanes(axis))
        .and(&g)
        .for_each(|mut o, lane, &g| product_partials(lane.iter(), o.iter_mut(), g));
    out
}
