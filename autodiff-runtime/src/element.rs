//! Element access: reads `x[i]`, `x[[i, j]]` of arrays, `Vec`s, slices and fixed arrays, and writes
//! `y[i] = e`, `y[i] += e`, `y[i] -= e` into local arrays, with their reverse rules. A read's gradient is
//! added in place into the one gradient buffer of the container, so a loop of reads costs no copies.

use crate::real::Real;
use crate::tangent::Tangent;
use ndarray::{Array, ArrayBase, ArrayRef, Data, DataMut, Dimension, NdIndex};

/// A container whose elements can be read by an index of type `I`.
pub trait Elements<I> {
    /// The element type.
    type Elem: Real;
    /// The gradient type of the whole container.
    type Tangent: Tangent;
    /// Element `i`.
    fn get(&self, i: I) -> Self::Elem;
    /// Adds `g` to element `i` of a gradient of the container.
    fn add_into(tangent: &mut Self::Tangent, i: I, g: Self::Elem);
    /// The number of elements (`for v in x.iter()` runs over this many).
    fn count(&self) -> usize;
}

/// An index as the source writes it: a `usize`, or an integer literal or counter whose type nothing else
/// fixes (rustc then makes it an `i32`, where the source's own `x[k]` would make it a `usize`), or an
/// array or tuple of `usize`s for an array of more dimensions.
pub trait IndexArg<D: Dimension> {
    /// The `ndarray` index it stands for.
    type Ix: NdIndex<D> + Clone + std::fmt::Debug;
    /// The `ndarray` index.
    fn ix(self) -> Self::Ix;
}

macro_rules! integer_index {
    ($($int:ty),*) => {$(
        impl<D: Dimension> IndexArg<D> for $int
        where
            usize: NdIndex<D>,
        {
            type Ix = usize;
            #[inline]
            fn ix(self) -> usize {
                // A negative index becomes a huge one, and is reported out of bounds.
                self as usize
            }
        }
    )*};
}
integer_index!(usize, u8, u16, u32, u64, isize, i8, i16, i32, i64);

impl<D: Dimension, const N: usize> IndexArg<D> for [usize; N]
where
    [usize; N]: NdIndex<D>,
{
    type Ix = Self;
    #[inline]
    fn ix(self) -> Self {
        self
    }
}

macro_rules! tuple_index {
    ($($t:ty),*) => {$(
        impl<D: Dimension> IndexArg<D> for $t
        where
            $t: NdIndex<D>,
        {
            type Ix = Self;
            #[inline]
            fn ix(self) -> Self {
                self
            }
        }
    )*};
}
tuple_index!(
    (usize, usize),
    (usize, usize, usize),
    (usize, usize, usize, usize),
    (usize, usize, usize, usize, usize),
    (usize, usize, usize, usize, usize, usize)
);

/// The panic of an element access out of bounds, at the caller's location.
#[cold]
#[track_caller]
fn out_of_bounds<I: std::fmt::Debug>(i: I, shape: &[usize]) -> ! {
    panic!("index {i:?} is out of bounds for an array of shape {shape:?}")
}

impl<A: Real, S: Data<Elem = A>, D: Dimension, I: IndexArg<D>> Elements<I> for ArrayBase<S, D> {
    type Elem = A;
    type Tangent = Array<A, D>;
    #[inline]
    #[track_caller]
    fn get(&self, i: I) -> A {
        // `ArrayBase::get` and a panic here, rather than `self[i]`: `ndarray`'s indexing panics at a
        // line of its own in a release build, and this panic takes the user's line (`#[track_caller]`).
        let i = i.ix();
        let array: &ArrayRef<A, D> = self;
        match array.get(i.clone()) {
            Some(&v) => v,
            None => out_of_bounds(i, self.shape()),
        }
    }
    #[inline]
    #[track_caller]
    fn add_into(tangent: &mut Array<A, D>, i: I, g: A) {
        let i = i.ix();
        let shape = tangent.raw_dim();
        match tangent.get_mut(i.clone()) {
            Some(v) => *v += g,
            None => out_of_bounds(i, shape.slice()),
        }
    }
    #[inline]
    fn count(&self) -> usize {
        self.len()
    }
}

// `Vec`, slices and fixed arrays implement `Elements<usize>` with [`Flat`], below.

impl<I, T: Elements<I> + ?Sized> Elements<I> for &T {
    type Elem = T::Elem;
    type Tangent = T::Tangent;
    #[inline]
    #[track_caller]
    fn get(&self, i: I) -> T::Elem {
        (**self).get(i)
    }
    #[inline]
    #[track_caller]
    fn add_into(tangent: &mut T::Tangent, i: I, g: T::Elem) {
        T::add_into(tangent, i, g)
    }
    #[inline]
    fn count(&self) -> usize {
        (**self).count()
    }
}

/// `x[i]`.
#[inline]
#[track_caller]
pub fn index<I, X: Elements<I> + ?Sized>(x: &X, i: I) -> X::Elem {
    x.get(i)
}

/// Reverse rule of [`index`]: adds `g` into element `i` of `x`'s gradient, in place.
#[inline]
#[track_caller]
pub fn index_acc<I, X: Elements<I> + ?Sized>(_x: &X, tangent: &mut X::Tangent, i: I, g: X::Elem) {
    X::add_into(tangent, i, g)
}

/// The number of elements of `x` (the trip count of `for v in x.iter()`).
#[inline]
pub fn count<X: Flat + ?Sized>(x: &X) -> usize {
    x.flat_len()
}

/// A container whose elements can be written by an index of type `I` (a local array).
pub trait ElementsMut<I> {
    /// The element type.
    type Elem: Real;
    /// Element `i`, mutably.
    fn at(&mut self, i: I) -> &mut Self::Elem;
}

impl<A: Real, S: DataMut<Elem = A>, D: Dimension, I: IndexArg<D>> ElementsMut<I>
    for ArrayBase<S, D>
{
    type Elem = A;
    #[inline]
    #[track_caller]
    fn at(&mut self, i: I) -> &mut A {
        let i = i.ix();
        let shape = self.raw_dim();
        match self.get_mut(i.clone()) {
            Some(v) => v,
            None => out_of_bounds(i, shape.slice()),
        }
    }
}

impl<F: Real> ElementsMut<usize> for Vec<F> {
    type Elem = F;
    #[inline]
    #[track_caller]
    fn at(&mut self, i: usize) -> &mut F {
        &mut self[i]
    }
}

impl<F: Real, const N: usize> ElementsMut<usize> for [F; N] {
    type Elem = F;
    #[inline]
    #[track_caller]
    fn at(&mut self, i: usize) -> &mut F {
        &mut self[i]
    }
}

/// A container's index of the element at position `i` in iteration order (row-major): where a gradient
/// program adds into the element that `x.iter()`'s `i`-th read (`f_hvp` of an iterator loop).
pub trait FlatPosition {
    /// The index type: `usize` for a sequence, the array's [`Unraveled`] dimension for an array.
    type Index;
    /// The index of position `i`.
    fn position(&self, i: usize) -> Self::Index;
}

/// An array's multi-index (its dimension type), as an element write's index (`Copy` for arrays of a
/// fixed number of dimensions, as the generated code reads an index more than once).
#[derive(Clone, Copy, Debug)]
pub struct Unraveled<D>(pub D);

impl<D: Dimension> IndexArg<D> for Unraveled<D>
where
    D: NdIndex<D>,
{
    type Ix = D;
    #[inline]
    fn ix(self) -> D {
        self.0
    }
}

impl<A, S: Data<Elem = A>, D: Dimension> FlatPosition for ArrayBase<S, D> {
    type Index = Unraveled<D>;
    #[inline]
    #[track_caller]
    fn position(&self, i: usize) -> Unraveled<D> {
        if i >= self.len() {
            out_of_bounds(i, self.shape());
        }
        let mut index = D::zeros(self.ndim());
        unravel(i, self.shape(), index.slice_mut());
        Unraveled(index)
    }
}

impl<F> FlatPosition for Vec<F> {
    type Index = usize;
    #[inline]
    fn position(&self, i: usize) -> usize {
        i
    }
}

impl<F, const N: usize> FlatPosition for [F; N] {
    type Index = usize;
    #[inline]
    fn position(&self, i: usize) -> usize {
        i
    }
}

/// The index of the element at position `i` (in iteration order) of an array of shape `shape`.
///
/// # Panics
/// If `i` is not below the number of elements.
#[inline]
#[track_caller]
pub fn position_in<D: Dimension>(shape: &D, i: usize) -> Unraveled<D> {
    if i >= shape.size() {
        out_of_bounds(i, shape.slice());
    }
    let mut index = D::zeros(shape.ndim());
    unravel(i, shape.slice(), index.slice_mut());
    Unraveled(index)
}

/// The index along `axis` of the element at position `i` (in iteration order) of an array of shape
/// `shape`.
///
/// # Panics
/// If `axis` is not one of the shape's.
#[inline]
#[track_caller]
pub fn axis_index_in<D: Dimension>(shape: &D, axis: ndarray::Axis, i: usize) -> usize {
    let Unraveled(index) = position_in(shape, i);
    let k = axis.index();
    if k >= index.ndim() {
        panic!(
            "axis {k} is out of bounds for an array of {} dimensions",
            index.ndim()
        );
    }
    index[k]
}

/// The index of the element before the element at position `i` (in iteration order) along `axis`, in
/// an array of shape `shape`: what `accumulate_axis_inplace` combines the element with.
///
/// # Panics
/// If the element is the first along `axis` ([`axis_index_in`] is zero), or `axis` is not one of the
/// shape's.
#[inline]
#[track_caller]
pub fn axis_predecessor_in<D: Dimension>(shape: &D, axis: ndarray::Axis, i: usize) -> Unraveled<D> {
    let Unraveled(mut index) = position_in(shape, i);
    let k = axis.index();
    assert!(
        k < index.ndim() && index[k] > 0,
        "no element before position {i} along axis {k}"
    );
    index[k] -= 1;
    Unraveled(index)
}

/// The index of `x`'s element at position `i` in iteration order.
#[inline]
#[track_caller]
pub fn flat_position<X: FlatPosition + ?Sized>(x: &X, i: usize) -> X::Index {
    x.position(i)
}

/// `y[i] = value`.
#[inline]
#[track_caller]
pub fn set<I, Y: ElementsMut<I> + ?Sized, V: crate::operand::ScalarArg<Y::Elem>>(
    y: &mut Y,
    i: I,
    value: &V,
) {
    *y.at(i) = value.get();
}

/// `y[i] += value`.
#[inline]
#[track_caller]
pub fn add_at<I, Y: ElementsMut<I> + ?Sized, V: crate::operand::ScalarArg<Y::Elem>>(
    y: &mut Y,
    i: I,
    value: &V,
) {
    *y.at(i) += value.get();
}

/// `y[i] -= value`.
#[inline]
#[track_caller]
pub fn sub_at<I, Y: ElementsMut<I> + ?Sized, V: crate::operand::ScalarArg<Y::Elem>>(
    y: &mut Y,
    i: I,
    value: &V,
) {
    *y.at(i) -= value.get();
}

/// Reverse rule of [`set`]: the written value's gradient is the element's, which is then zero (the
/// overwritten value received nothing).
#[inline]
#[track_caller]
pub fn set_vjp<I, T: ElementsMut<I> + ?Sized>(tangent: &mut T, i: I) -> T::Elem {
    std::mem::replace(tangent.at(i), <T::Elem as num_traits::Zero>::zero())
}

/// Reverse rule of [`add_at`]: the element's gradient.
#[inline]
#[track_caller]
pub fn add_at_vjp<I, T: ElementsMut<I> + ?Sized>(tangent: &mut T, i: I) -> T::Elem {
    *tangent.at(i)
}

/// Reverse rule of [`sub_at`]: minus the element's gradient.
#[inline]
#[track_caller]
pub fn sub_at_vjp<I, T: ElementsMut<I> + ?Sized>(tangent: &mut T, i: I) -> T::Elem {
    -*tangent.at(i)
}

/// Elements by their position in iteration order (row-major), for `for v in x.iter()` over a container of
/// any dimension.
pub trait Flat {
    /// The element type.
    type Elem: Real;
    /// The gradient type of the whole container.
    type Tangent: Tangent;
    /// The `i`-th element in iteration order.
    fn flat(&self, i: usize) -> Self::Elem;
    /// Adds `g` to the `i`-th element (in iteration order) of a gradient of the container.
    fn add_into_flat(tangent: &mut Self::Tangent, i: usize, g: Self::Elem);
    /// The number of elements.
    fn flat_len(&self) -> usize;
}

/// The row-major multi-index of position `i` in `shape`, written into `index`.
fn unravel(mut i: usize, shape: &[usize], index: &mut [usize]) {
    for k in (0..shape.len()).rev() {
        index[k] = i % shape[k];
        i /= shape[k];
    }
}

impl<A: Real, S: Data<Elem = A>, D: Dimension> Flat for ArrayBase<S, D> {
    type Elem = A;
    type Tangent = Array<A, D>;
    #[inline]
    #[track_caller]
    fn flat(&self, i: usize) -> A {
        if D::NDIM == Some(1) {
            // One dimension: position `i` is index `i`, read as `x[i]` reads it (no layout test).
            let mut index = D::zeros(1);
            index[0] = i;
            let array: &ArrayRef<A, D> = self;
            return match array.get(index.clone()) {
                Some(&v) => v,
                None => out_of_bounds(i, self.shape()),
            };
        }
        if let Some(slice) = self.as_slice() {
            return slice[i];
        }
        let mut index = D::zeros(self.ndim());
        unravel(i, self.shape(), index.slice_mut());
        self[index]
    }
    #[inline]
    #[track_caller]
    fn add_into_flat(tangent: &mut Array<A, D>, i: usize, g: A) {
        if D::NDIM == Some(1) {
            let mut index = D::zeros(1);
            index[0] = i;
            let shape = tangent.raw_dim();
            match tangent.get_mut(index) {
                Some(v) => *v += g,
                None => out_of_bounds(i, shape.slice()),
            }
            return;
        }
        if let Some(slice) = tangent.as_slice_mut() {
            slice[i] += g;
            return;
        }
        let mut index = D::zeros(tangent.ndim());
        unravel(i, tangent.shape(), index.slice_mut());
        tangent[index] += g;
    }
    #[inline]
    fn flat_len(&self) -> usize {
        self.len()
    }
}

/// `Vec`, slices and fixed arrays: one index, in both [`Elements`] and [`Flat`].
macro_rules! sequence {
    ($([$($gen:tt)*] $T:ty => $Tan:ty),* $(,)?) => {$(
        impl<$($gen)*> Flat for $T {
            type Elem = F;
            type Tangent = $Tan;
            #[inline]
            #[track_caller]
            fn flat(&self, i: usize) -> F {
                self[i]
            }
            #[inline]
            #[track_caller]
            fn add_into_flat(tangent: &mut $Tan, i: usize, g: F) {
                tangent[i] += g;
            }
            #[inline]
            fn flat_len(&self) -> usize {
                self.len()
            }
        }

        impl<$($gen)*> Elements<usize> for $T {
            type Elem = F;
            type Tangent = $Tan;
            #[inline]
            #[track_caller]
            fn get(&self, i: usize) -> F {
                self.flat(i)
            }
            #[inline]
            #[track_caller]
            fn add_into(tangent: &mut $Tan, i: usize, g: F) {
                <Self as Flat>::add_into_flat(tangent, i, g)
            }
            #[inline]
            fn count(&self) -> usize {
                self.flat_len()
            }
        }
    )*};
}
sequence!(
    [F: Real] Vec<F> => Vec<F>,
    [F: Real] [F] => Vec<F>,
    [F: Real, const N: usize] [F; N] => [F; N],
);

impl<T: Flat + ?Sized> Flat for &T {
    type Elem = T::Elem;
    type Tangent = T::Tangent;
    #[inline]
    #[track_caller]
    fn flat(&self, i: usize) -> T::Elem {
        (**self).flat(i)
    }
    #[inline]
    #[track_caller]
    fn add_into_flat(tangent: &mut T::Tangent, i: usize, g: T::Elem) {
        T::add_into_flat(tangent, i, g)
    }
    #[inline]
    fn flat_len(&self) -> usize {
        (**self).flat_len()
    }
}

/// The `i`-th element of `x` in iteration order (`for v in x.iter()`).
#[inline]
#[track_caller]
pub fn element<X: Flat + ?Sized>(x: &X, i: usize) -> X::Elem {
    x.flat(i)
}

/// Reverse rule of [`element`]: adds `g` into the `i`-th element of `x`'s gradient, in place.
#[inline]
#[track_caller]
pub fn element_acc<X: Flat + ?Sized>(_x: &X, tangent: &mut X::Tangent, i: usize, g: X::Elem) {
    X::add_into_flat(tangent, i, g)
}

/// The log of an array's overwritten elements, `(index, old value)`, for an array that a loop both writes
/// and reads: the reverse sweep undoes writes from it, so that recomputed reads see the values they saw.
pub type UndoLog<I, F> = Vec<(I, F)>;

/// A new, empty log.
#[inline]
pub fn undo_log<I, F>() -> UndoLog<I, F> {
    Vec::new()
}

/// The log's length (a mark to undo back to).
#[inline]
pub fn log_len<I, F>(log: &UndoLog<I, F>) -> usize {
    log.len()
}

macro_rules! logged_writes {
    ($($(#[$doc:meta])* $name:ident: $op:tt;)*) => {$(
        $(#[$doc])*
        #[inline]
        #[track_caller]
        pub fn $name<I: Clone, Y: ElementsMut<I> + ?Sized, V: crate::operand::ScalarArg<Y::Elem>>(
            y: &mut Y,
            log: &mut UndoLog<I, Y::Elem>,
            i: I,
            value: &V,
        ) {
            let slot = y.at(i.clone());
            log.push((i, *slot));
            *slot $op value.get();
        }
    )*};
}

logged_writes! {
    /// `y[i] = value`, logging the old element.
    set_logged: =;
    /// `y[i] += value`, logging the old element.
    add_at_logged: +=;
    /// `y[i] -= value`, logging the old element.
    sub_at_logged: -=;
}

/// Undoes the last logged write.
#[inline]
#[track_caller]
pub fn undo<I, Y: ElementsMut<I> + ?Sized>(y: &mut Y, log: &mut UndoLog<I, Y::Elem>) {
    let (i, old) = log
        .pop()
        .expect("the reverse sweep undoes what the forward sweep logged");
    *y.at(i) = old;
}

/// Undoes logged writes until the log is `len` long.
#[inline]
#[track_caller]
pub fn undo_to<I, Y: ElementsMut<I> + ?Sized>(
    y: &mut Y,
    log: &mut UndoLog<I, Y::Elem>,
    len: usize,
) {
    while log.len() > len {
        undo(y, log);
    }
}
