//! Shape operations (`slice`, `to_owned`, `view`, `clone`) and their reverse rules.

use crate::operand::ArrayArg;
use crate::operand::ScalarArg;
use crate::real::Real;
use ndarray::{
    Array, Array1, Array2, ArrayView, Axis, Dimension, IntoDimension, Ix2, RemoveAxis,
    ShapeBuilder, SliceArg, SliceInfoElem,
};

/// Panics, at the caller's location, unless `axis` is one of `ndim` axes (`ndarray` would panic inside
/// itself, at a line of its own).
#[inline]
#[track_caller]
pub(crate) fn check_axis(axis: Axis, ndim: usize) {
    if axis.index() >= ndim {
        panic!(
            "axis {} is out of bounds for an array of {ndim} axes",
            axis.index()
        );
    }
}

/// Panics, at the caller's location, unless `i` is an index along `axis` of `shape`.
#[inline]
#[track_caller]
pub(crate) fn check_axis_index(shape: &[usize], axis: Axis, i: usize) {
    check_axis(axis, shape.len());
    let len = shape[axis.index()];
    if i >= len {
        panic!(
            "index {i} is out of bounds for axis {} of length {len} (shape {shape:?})",
            axis.index()
        );
    }
}

/// Panics, at the caller's location, where `ndarray`'s `slice` would: a slice of the wrong number of
/// axes, a start or end past the end of its axis, a zero step, an index out of bounds.
#[track_caller]
pub(crate) fn check_slice(shape: &[usize], info: &[SliceInfoElem]) {
    let in_ndim = info
        .iter()
        .filter(|e| !matches!(e, SliceInfoElem::NewAxis))
        .count();
    if in_ndim != shape.len() {
        panic!(
            "s![..] with {in_ndim} axes cannot slice an array of shape {shape:?} ({} axes)",
            shape.len()
        );
    }
    let mut axis = 0;
    for elem in info {
        match *elem {
            SliceInfoElem::Slice { start, end, step } => {
                let len = shape[axis];
                let within = |i: isize| i.unsigned_abs() <= len;
                if !within(start) {
                    panic!("slice start {start} is past the end of axis {axis} of length {len}");
                }
                if let Some(end) = end {
                    if !within(end) {
                        panic!("slice end {end} is past the end of axis {axis} of length {len}");
                    }
                }
                if step == 0 {
                    panic!("slice step must not be zero");
                }
                axis += 1;
            }
            SliceInfoElem::Index(i) => {
                let len = shape[axis];
                let ok = if i < 0 {
                    i.unsigned_abs() <= len
                } else {
                    i.unsigned_abs() < len
                };
                if !ok {
                    panic!("index {i} is out of bounds for axis {axis} of length {len}");
                }
                axis += 1;
            }
            SliceInfoElem::NewAxis => {}
        }
    }
}

/// `x.slice(info)`, as an owned array.
#[inline]
#[track_caller]
pub fn slice<X, I>(x: &X, info: I) -> Array<X::Elem, I::OutDim>
where
    X: ArrayArg + ?Sized,
    I: SliceArg<X::Dim>,
{
    slice_view(x, info).to_owned()
}

/// [`slice()`] as a view into `x` (no copy), where the generated code reads the slice only by
/// reference while `x` lives: a forward-printed program's operand of kernels and rules.
#[inline]
#[track_caller]
pub fn slice_view<X, I>(x: &X, info: I) -> ArrayView<'_, X::Elem, I::OutDim>
where
    X: ArrayArg + ?Sized,
    I: SliceArg<X::Dim>,
{
    let view = x.view();
    check_slice(view.shape(), info.as_ref());
    view.slice_move(info)
}

/// Reverse rule of [`slice()`]: zeros of `x`'s shape with `g` written into the sliced region.
#[inline]
#[track_caller]
pub fn slice_vjp<X, I>(x: &X, info: I, g: Array<X::Elem, I::OutDim>) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    I: SliceArg<X::Dim>,
{
    let mut out = Array::zeros(x.view().raw_dim());
    check_slice(out.shape(), info.as_ref());
    let mut region = out.slice_mut(info);
    check_seed(region.shape(), g.shape());
    region.assign(&g);
    out
}

/// [`slice_vjp`] added into `acc`, an adjoint of `x`'s shape that nothing reads after (another
/// contribution to `x`'s adjoint): `acc + slice_vjp(x, info, g)`, in place (the same values; a
/// negative zero outside the region stays one, where the sum would give a positive zero).
#[inline]
#[track_caller]
pub fn slice_vjp_acc<X, I>(
    mut acc: Array<X::Elem, X::Dim>,
    x: &X,
    info: I,
    g: Array<X::Elem, I::OutDim>,
) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    X::Elem: Real,
    I: SliceArg<X::Dim>,
{
    check_seed(acc.shape(), x.view().shape());
    check_slice(acc.shape(), info.as_ref());
    let mut region = acc.slice_mut(info);
    check_seed(region.shape(), g.shape());
    ndarray::Zip::from(&mut region)
        .and(&g)
        .for_each(|a, &b| *a += b);
    acc
}

/// Values with an owned copy: arrays of any storage (to `Array`), `Vec`s and slices (to `Vec`), fixed
/// arrays, scalars, and references to these.
pub trait OwnedCopy {
    /// The owned type.
    type Owned;
    /// The copy.
    fn owned_copy(&self) -> Self::Owned;
}

impl<S: ndarray::Data, D: Dimension> OwnedCopy for ndarray::ArrayBase<S, D>
where
    S::Elem: Clone,
{
    type Owned = Array<S::Elem, D>;
    fn owned_copy(&self) -> Self::Owned {
        self.to_owned()
    }
}

impl<F: Clone> OwnedCopy for Vec<F> {
    type Owned = Vec<F>;
    fn owned_copy(&self) -> Vec<F> {
        self.clone()
    }
}

impl<F: Clone> OwnedCopy for [F] {
    type Owned = Vec<F>;
    fn owned_copy(&self) -> Vec<F> {
        self.to_vec()
    }
}

impl<F: Copy, const N: usize> OwnedCopy for [F; N] {
    type Owned = [F; N];
    fn owned_copy(&self) -> [F; N] {
        *self
    }
}

impl OwnedCopy for f32 {
    type Owned = f32;
    fn owned_copy(&self) -> f32 {
        *self
    }
}

impl OwnedCopy for f64 {
    type Owned = f64;
    fn owned_copy(&self) -> f64 {
        *self
    }
}

impl<T: OwnedCopy + ?Sized> OwnedCopy for &T {
    type Owned = T::Owned;
    fn owned_copy(&self) -> T::Owned {
        (**self).owned_copy()
    }
}

/// `x.to_owned()`, `x.view()`, `x.clone()`: an owned copy.
#[inline]
pub fn to_owned<X: OwnedCopy + ?Sized>(x: &X) -> X::Owned {
    x.owned_copy()
}

/// Reverse rule of [`to_owned`]: the identity.
#[inline]
pub fn to_owned_vjp<X: ?Sized, G>(_x: &X, g: G) -> G {
    g
}

/// `x.insert_axis(axis)`: a new axis of length 1.
#[inline]
#[track_caller]
pub fn insert_axis<X: ArrayArg + ?Sized>(
    x: &X,
    axis: Axis,
) -> Array<X::Elem, <X::Dim as Dimension>::Larger> {
    let view = x.view();
    check_axis(axis, view.ndim() + 1);
    view.insert_axis(axis).to_owned()
}

/// Reverse rule of [`insert_axis`]: the axis removed again.
#[inline]
#[track_caller]
pub fn insert_axis_vjp<X: ArrayArg + ?Sized>(
    x: &X,
    axis: Axis,
    g: Array<X::Elem, <X::Dim as Dimension>::Larger>,
) -> Array<X::Elem, X::Dim> {
    let _ = x;
    check_axis_index(g.shape(), axis, 0);
    g.index_axis_move(axis, 0)
        .into_dimensionality::<X::Dim>()
        .expect("one axis fewer")
}

/// `x.index_axis(axis, i)`: the subarray at index `i` along `axis`.
#[inline]
#[track_caller]
pub fn index_axis<X>(x: &X, axis: Axis, i: usize) -> Array<X::Elem, <X::Dim as Dimension>::Smaller>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
{
    let view = x.view();
    check_axis_index(view.shape(), axis, i);
    view.index_axis_move(axis, i).to_owned()
}

/// Reverse rule of [`index_axis`]: zeros with `g` at index `i` along `axis`.
#[inline]
#[track_caller]
pub fn index_axis_vjp<X>(
    x: &X,
    axis: Axis,
    i: usize,
    g: Array<X::Elem, <X::Dim as Dimension>::Smaller>,
) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
{
    let mut out = Array::zeros(x.view().raw_dim());
    check_axis_index(out.shape(), axis, i);
    let mut region = out.index_axis_mut(axis, i);
    check_seed(region.shape(), g.shape());
    region.assign(&g);
    out
}

/// `x.select(axis, indices)`: the subarrays at `indices` along `axis`, in that order (an index may repeat).
///
/// # Panics
/// If an index is out of bounds along `axis`.
#[inline]
#[track_caller]
pub fn select<X: ArrayArg + ?Sized>(x: &X, axis: Axis, indices: &[usize]) -> Array<X::Elem, X::Dim>
where
    X::Dim: RemoveAxis,
{
    let view = x.view();
    for &i in indices {
        check_axis_index(view.shape(), axis, i);
    }
    view.select(axis, indices)
}

/// Reverse rule of [`select`]: zeros with each of `g`'s subarrays added at the index it was selected
/// from (a repeated index gathers all of its copies' gradients).
#[inline]
#[track_caller]
pub fn select_vjp<X: ArrayArg + ?Sized>(
    x: &X,
    axis: Axis,
    indices: &[usize],
    g: Array<X::Elem, X::Dim>,
) -> Array<X::Elem, X::Dim>
where
    X::Dim: RemoveAxis,
{
    let mut out = Array::zeros(x.view().raw_dim());
    let mut expected = out.raw_dim();
    expected[axis.index()] = indices.len();
    check_seed(expected.slice(), g.shape());
    for (k, &i) in indices.iter().enumerate() {
        check_axis_index(out.shape(), axis, i);
        let mut region = out.index_axis_mut(axis, i);
        region += &g.index_axis(axis, k);
    }
    out
}

/// `x.broadcast(shape).unwrap()`: `x` repeated to `shape`, as an owned array.
///
/// # Panics
/// If `x` cannot be broadcast to `shape`.
#[inline]
#[track_caller]
pub fn broadcast<X: ArrayArg + ?Sized, E: IntoDimension>(
    x: &X,
    shape: E,
) -> Array<X::Elem, E::Dim> {
    let view = x.view();
    let shape = shape.into_dimension();
    match view.broadcast(shape.clone()) {
        Some(out) => out.to_owned(),
        None => panic!(
            "cannot broadcast shape {:?} to {:?}",
            view.shape(),
            shape.slice()
        ),
    }
}

/// Reverse rule of [`broadcast`]: the gradient summed back to `x`'s shape.
#[inline]
#[track_caller]
pub fn broadcast_vjp<X: ArrayArg + ?Sized, E: IntoDimension>(
    x: &X,
    shape: E,
    g: Array<X::Elem, E::Dim>,
) -> Array<X::Elem, X::Dim> {
    let _ = shape;
    crate::broadcast::sum_to(g, &x.view().raw_dim())
}

/// `x.to_shape(shape).unwrap()` / `x.into_shape_with_order(shape).unwrap()`: the elements in row-major
/// order, in a new shape.
///
/// # Panics
/// If the number of elements differs.
#[inline]
#[track_caller]
pub fn reshape<X: ArrayArg + ?Sized, E: IntoDimension>(x: &X, shape: E) -> Array<X::Elem, E::Dim> {
    x.view()
        .to_shape(shape)
        .expect("the new shape has as many elements")
        .into_owned()
}

/// Reverse rule of [`reshape`]: the gradient in `x`'s shape.
#[inline]
#[track_caller]
pub fn reshape_vjp<X: ArrayArg + ?Sized, E: IntoDimension>(
    x: &X,
    shape: E,
    g: Array<X::Elem, E::Dim>,
) -> Array<X::Elem, X::Dim> {
    let _ = shape;
    g.to_shape(x.view().raw_dim())
        .expect("the same number of elements")
        .into_owned()
}

/// `Array::from_elem(shape, x)` with a differentiable scalar `x`.
#[inline]
pub fn from_elem<F: Real, X: ScalarArg<F> + ?Sized, Sh: ShapeBuilder>(
    x: &X,
    shape: Sh,
) -> Array<F, Sh::Dim> {
    Array::from_elem(shape, x.get())
}

/// Reverse rule of [`from_elem`]: the sum of the gradient.
#[inline]
pub fn from_elem_vjp<F: Real, X: ScalarArg<F> + ?Sized, Sh: ShapeBuilder, D: Dimension>(
    _x: &X,
    shape: Sh,
    g: Array<F, D>,
) -> F {
    let _ = shape;
    g.sum()
}

/// A view of an array operand (for the parts of [`concatenate`] and [`stack`]).
#[inline]
pub fn view_of<X: ArrayArg + ?Sized>(x: &X) -> ArrayView<'_, X::Elem, X::Dim> {
    x.view()
}

/// `concatenate![axis, a, b, ..]`.
///
/// # Panics
/// If the parts' shapes differ off `axis`.
#[inline]
#[track_caller]
pub fn concatenate<F: Real, D: RemoveAxis>(
    axis: Axis,
    parts: &[ArrayView<'_, F, D>],
) -> Array<F, D> {
    ndarray::concatenate(axis, parts).expect("parts of the same shape off the axis")
}

/// Reverse rule of [`concatenate`] for part `k`: its slice of the gradient.
#[inline]
#[track_caller]
pub fn concatenate_vjp<F: Real, D: RemoveAxis>(
    axis: Axis,
    parts: &[ArrayView<'_, F, D>],
    k: usize,
    g: Array<F, D>,
) -> Array<F, D> {
    let start: usize = parts[..k].iter().map(|p| p.len_of(axis)).sum();
    let len = parts[k].len_of(axis);
    let mut whole = parts[k].shape().to_vec();
    whole[axis.index()] =
        start + len + parts[k + 1..].iter().map(|p| p.len_of(axis)).sum::<usize>();
    check_seed(&whole, g.shape());
    g.slice_axis(axis, ndarray::Slice::from(start..start + len))
        .to_owned()
}

/// `stack![axis, a, b, ..]`.
///
/// # Panics
/// If the parts' shapes differ.
#[inline]
#[track_caller]
pub fn stack<F: Real, D: Dimension>(
    axis: Axis,
    parts: &[ArrayView<'_, F, D>],
) -> Array<F, D::Larger>
where
    D::Larger: RemoveAxis,
{
    ndarray::stack(axis, parts).expect("parts of the same shape")
}

/// Reverse rule of [`stack`] for part `k`: its index of the gradient along `axis`.
#[inline]
#[track_caller]
pub fn stack_vjp<F: Real, D: Dimension>(
    axis: Axis,
    parts: &[ArrayView<'_, F, D>],
    k: usize,
    g: Array<F, D::Larger>,
) -> Array<F, D>
where
    D::Larger: RemoveAxis,
{
    let _ = parts;
    check_axis_index(g.shape(), axis, k);
    g.index_axis_move(axis, k)
        .into_dimensionality::<D>()
        .expect("one axis fewer")
}

/// Panics, at the caller's location, unless a reverse rule's seed `g` has the shape of the value it is
/// the gradient of (a pullback called with a seed of the wrong shape).
#[inline]
#[track_caller]
pub(crate) fn check_seed(value: &[usize], g: &[usize]) {
    if value != g {
        panic!("a gradient of shape {g:?} was passed back for a value of shape {value:?}");
    }
}

/// `x.diag()`, as an owned array: the elements at `(0, 0, ..)`, `(1, 1, ..)`, .. while every axis has
/// them.
#[inline]
pub fn diag<X: ArrayArg + ?Sized>(x: &X) -> Array1<X::Elem> {
    x.view().diag().to_owned()
}

/// Reverse rule of [`diag`]: zeros of `x`'s shape with `g` on the diagonal.
#[inline]
#[track_caller]
pub fn diag_vjp<X: ArrayArg + ?Sized>(x: &X, g: Array1<X::Elem>) -> Array<X::Elem, X::Dim> {
    let mut out = Array::zeros(x.view().raw_dim());
    let mut diagonal = out.diag_mut();
    check_seed(diagonal.shape(), g.shape());
    diagonal.assign(&g);
    out
}

/// `m.row(i)`, as an owned array.
///
/// # Panics
/// If `i` is not a row of `m`.
#[inline]
#[track_caller]
pub fn row<X: ArrayArg<Dim = Ix2> + ?Sized>(m: &X, i: usize) -> Array1<X::Elem> {
    index_axis(m, Axis(0), i)
}

/// Reverse rule of [`row`]: zeros of `m`'s shape with `g` in row `i`.
#[inline]
#[track_caller]
pub fn row_vjp<X: ArrayArg<Dim = Ix2> + ?Sized>(
    m: &X,
    i: usize,
    g: Array1<X::Elem>,
) -> Array2<X::Elem> {
    index_axis_vjp(m, Axis(0), i, g)
}

/// `m.column(j)`, as an owned array.
///
/// # Panics
/// If `j` is not a column of `m`.
#[inline]
#[track_caller]
pub fn column<X: ArrayArg<Dim = Ix2> + ?Sized>(m: &X, j: usize) -> Array1<X::Elem> {
    index_axis(m, Axis(1), j)
}

/// Reverse rule of [`column`]: zeros of `m`'s shape with `g` in column `j`.
#[inline]
#[track_caller]
pub fn column_vjp<X: ArrayArg<Dim = Ix2> + ?Sized>(
    m: &X,
    j: usize,
    g: Array1<X::Elem>,
) -> Array2<X::Elem> {
    index_axis_vjp(m, Axis(1), j, g)
}

/// A tuple's owned copy is the tuple of its elements' copies.
macro_rules! tuple_owned {
    ($(($($T:ident $k:tt),+);)*) => {$(
        impl<$($T: OwnedCopy),+> OwnedCopy for ($($T,)+) {
            type Owned = ($($T::Owned,)+);
            fn owned_copy(&self) -> Self::Owned {
                ($(self.$k.owned_copy(),)+)
            }
        }
    )*};
}
tuple_owned! {
    (A 0);
    (A 0, B 1);
    (A 0, B 1, C 2);
    (A 0, B 1, C 2, D 3);
    (A 0, B 1, C 2, D 3, E 4);
    (A 0, B 1, C 2, D 3, E 4, G 5);
}
