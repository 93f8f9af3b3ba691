//! Several slices of one array read by one kernel (`x.slice(s![..-1])` and `x.slice(s![1..])` in
//! Rosenbrock's chain): their partials are added into one gradient buffer of the array's shape, instead
//! of one such buffer per slice added together afterwards.
//!
//! The macro makes the buffer ([`shared_grad`]) before the kernel and passes each slice as
//! [`sliced_into`] except the last, which it passes as [`sliced_owner`]: every operand adds its partials
//! into the buffer, and the owner's gradient is the whole buffer (the other operands' gradients are
//! [`Merged`], already in it). The gradient's elements are the sums of the same partials as with one
//! buffer per slice, possibly in another order (the same bits where an element has at most two).

use super::{KernelElements, KernelOperand, Sink, Sliced};
use crate::broadcast::sum_to;
use crate::operand::ArrayArg;
use crate::real::Real;
use ndarray::{Array, ArrayViewMut, Dimension, IxDyn, SliceArg};
use num_traits::{One, Zero};
use std::cell::UnsafeCell;

/// The gradient buffer of an array shared by the slices of it that one kernel reads: zeroed, in the
/// array's shape (row-major).
pub struct SharedGrad<A, D> {
    base: D,
    /// Written through the sinks' pointers while the kernel runs, then taken by the owner's gradient.
    buffer: UnsafeCell<Vec<A>>,
}

/// A zeroed gradient buffer of the shape of `x`, for the slices of `x` that one kernel reads.
#[inline]
pub fn shared_grad<X: ArrayArg + ?Sized>(x: &X) -> SharedGrad<X::Elem, X::Dim> {
    let base = x.view().raw_dim();
    let buffer = vec![X::Elem::zero(); base.size()];
    SharedGrad {
        base,
        buffer: UnsafeCell::new(buffer),
    }
}

impl<A: Real, D: Dimension> SharedGrad<A, D> {
    /// The buffer's first element.
    fn start(&self) -> *mut A {
        // SAFETY: no reference to the vector is alive here (the sinks hold raw pointers into its
        // elements only, which `as_mut_ptr` leaves valid).
        unsafe { (*self.buffer.get()).as_mut_ptr() }
    }

    /// Adds `region`, the gradient of the slice `info`, into the buffer.
    ///
    /// # Safety
    /// No sink writes into the buffer while this runs, and the buffer has not been taken.
    unsafe fn add_region<I: SliceArg<D>>(
        &self,
        info: &I,
        region: ndarray::ArrayView<'_, A, IxDyn>,
    ) {
        // SAFETY: the caller's promise: nothing else reads or writes the buffer meanwhile.
        let buffer = unsafe { &mut *self.buffer.get() };
        assert!(
            buffer.len() == self.base.size(),
            "a shared gradient buffer was taken before a slice added into it: its owner must be \
             the kernel's last slice of the array"
        );
        let mut whole = ArrayViewMut::from_shape(self.base.clone(), buffer.as_mut_slice())
            .expect("the buffer has the array's shape");
        let mut target = whole.slice_mut(info).into_dyn();
        target += &region;
    }

    /// The buffer as the array's gradient.
    ///
    /// # Safety
    /// No sink writes into the buffer any more.
    unsafe fn take(&self) -> Array<A, D> {
        // SAFETY: the caller's promise; the buffer is taken once (by the one owner of a kernel).
        let buffer = std::mem::take(unsafe { &mut *self.buffer.get() });
        Array::from_shape_vec(self.base.clone(), buffer).expect("the buffer has the array's shape")
    }
}

/// The gradient of a slice whose partials went into the buffer the owner's gradient is: nothing to add.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Merged;

/// What a shared slice's gradient is: the whole buffer ([`Owns`]) or [`Merged`] ([`AddsInto`]).
pub trait Role {
    /// The gradient type.
    type Tangent<A: Real, D: Dimension>;
    /// The gradient, once every partial is in the buffer.
    ///
    /// # Safety
    /// No sink writes into the buffer any more; for [`Owns`], this is the kernel's last gradient.
    unsafe fn tangent<A: Real, D: Dimension>(shared: &SharedGrad<A, D>) -> Self::Tangent<A, D>;
}

/// The last slice of the array in the kernel: its gradient is the buffer.
pub struct Owns;

/// A slice before the last: its gradient is [`Merged`] into the owner's.
pub struct AddsInto;

impl Role for Owns {
    type Tangent<A: Real, D: Dimension> = Array<A, D>;
    #[inline]
    unsafe fn tangent<A: Real, D: Dimension>(shared: &SharedGrad<A, D>) -> Array<A, D> {
        // SAFETY: the caller's promise.
        unsafe { shared.take() }
    }
}

impl Role for AddsInto {
    type Tangent<A: Real, D: Dimension> = Merged;
    #[inline]
    unsafe fn tangent<A: Real, D: Dimension>(_: &SharedGrad<A, D>) -> Merged {
        Merged
    }
}

/// A slice of an array as a kernel operand whose partials are added into a [`SharedGrad`].
pub struct SharedSliced<'a, A, D: Dimension, I, R> {
    slice: Sliced<'a, A, D, I>,
    shared: &'a SharedGrad<A, D>,
    role: std::marker::PhantomData<R>,
}

/// `x.slice(info)` as a kernel operand whose partials go into `shared`, the gradient of the kernel's
/// last slice of `x` ([`sliced_owner`]).
///
/// # Panics
/// Where `x.slice(info)` would, at the caller's location.
#[inline]
#[track_caller]
pub fn sliced_into<'a, X, I>(
    x: &'a X,
    info: I,
    shared: &'a SharedGrad<X::Elem, X::Dim>,
) -> SharedSliced<'a, X::Elem, X::Dim, I, AddsInto>
where
    X: ArrayArg + ?Sized,
    I: SliceArg<X::Dim>,
{
    SharedSliced {
        slice: super::sliced(x, info),
        shared,
        role: std::marker::PhantomData,
    }
}

/// `x.slice(info)` as a kernel operand whose partials go into `shared`, the kernel's last slice of `x`:
/// its gradient is the buffer, with the partials of every slice of `x` the kernel reads.
///
/// # Panics
/// Where `x.slice(info)` would, at the caller's location.
#[inline]
#[track_caller]
pub fn sliced_owner<'a, X, I>(
    x: &'a X,
    info: I,
    shared: &'a SharedGrad<X::Elem, X::Dim>,
) -> SharedSliced<'a, X::Elem, X::Dim, I, Owns>
where
    X: ArrayArg + ?Sized,
    I: SliceArg<X::Dim>,
{
    SharedSliced {
        slice: super::sliced(x, info),
        shared,
        role: std::marker::PhantomData,
    }
}

/// A shared slice's partials: added at `start + i`, either straight into the shared buffer (from the
/// slice's first element) or into a zeroed scratch buffer of the kernel's length (`scratch` not empty)
/// that the gradient adds into the shared one afterwards.
pub struct SharedSink<F> {
    start: *mut F,
    scratch: Vec<F>,
}

impl<F: Real> Sink<F> for SharedSink<F> {
    #[inline(always)]
    unsafe fn put(&mut self, i: usize, partial: F) {
        // SAFETY: the caller keeps `i` below the length the sink was made for; `start` points at the
        // slice's first element in a buffer holding the whole array (the slice is contiguous) or at a
        // scratch buffer of that length. Other sinks of the kernel may write the same elements, but
        // only through pointers of their own, one after the other on this thread.
        unsafe { *self.start.add(i) += partial }
    }
    #[cfg(feature = "rayon")]
    type Part = super::ArrayPart<F>;
    #[cfg(feature = "rayon")]
    #[inline]
    fn part(&mut self) -> super::ArrayPart<F> {
        // Parallel kernels are given scratch sinks only (`sink`): the chunks write disjoint ranges.
        debug_assert!(!self.scratch.is_empty());
        super::ArrayPart(self.start)
    }
    #[cfg(feature = "rayon")]
    #[inline]
    fn join(&mut self, _: super::ArrayPart<F>) {}
}

impl<'a, A: Real, D: Dimension, I: SliceArg<D>, R: Role> KernelOperand
    for SharedSliced<'a, A, D, I, R>
{
    type Elem = A;
    type Tangent = R::Tangent<A, D>;
    type Prepared<'b>
        = KernelElements<'b, A>
    where
        Self: 'b;
    type Sink = SharedSink<A>;
    #[inline]
    fn kernel_shape(&self) -> Option<&[usize]> {
        self.slice.kernel_shape()
    }
    #[inline]
    #[track_caller]
    fn prepare(&self, shape: &IxDyn) -> KernelElements<'_, A> {
        self.slice.prepare(shape)
    }
    #[inline]
    fn sink(&self, len: usize) -> SharedSink<A> {
        // A parallel kernel's chunks would write the slices' overlapping elements from two threads.
        #[cfg(feature = "rayon")]
        let serial = len < super::PARALLEL_THRESHOLD;
        #[cfg(not(feature = "rayon"))]
        let serial = true;
        match self.slice.offset {
            Some(offset) if serial && len == self.slice.view.len() => SharedSink {
                // In bounds: the slice's elements are `offset..offset + len` of the array.
                start: self.shared.start().wrapping_add(offset),
                scratch: Vec::new(),
            },
            _ => {
                let mut scratch = vec![A::zero(); len.max(1)];
                SharedSink {
                    start: scratch.as_mut_ptr(),
                    scratch,
                }
            }
        }
    }
    #[inline]
    #[track_caller]
    unsafe fn tangent(&self, mut sink: SharedSink<A>, shape: &IxDyn) -> R::Tangent<A, D> {
        if !sink.scratch.is_empty() {
            sink.scratch.truncate(shape.size());
            let full = Array::from_shape_vec(shape.clone(), std::mem::take(&mut sink.scratch))
                .expect("one partial per element");
            let region = sum_to(full, &self.slice.view.raw_dim());
            // SAFETY: the kernel's loop is over (the caller put every partial), and the owner, the
            // kernel's last operand of the array, has not taken the buffer yet.
            unsafe { self.shared.add_region(&self.slice.info, region.view()) };
        }
        // SAFETY: as above; the owner's gradient is the kernel's last of the array.
        unsafe { R::tangent(self.shared) }
    }
}

/// The length of `x.slice(info)` where its elements are `k..k + len` of `x`'s memory (`x` in standard
/// layout, the slice contiguous, starting at element `k`); `None` otherwise.
///
/// # Panics
/// Where `x.slice(info)` would, at the caller's location.
#[inline]
#[track_caller]
pub fn slice_at<X, I>(x: &X, info: I, k: usize) -> Option<usize>
where
    X: ArrayArg + ?Sized,
    I: SliceArg<X::Dim>,
{
    let slice = super::sliced(x, info);
    (slice.offset == Some(k)).then(|| slice.view.len())
}

/// Whether the two slices of one array that a kernel reads (their [`slice_at`] lengths) are of one
/// length, as [`pair_sum_value_vjp`] needs; with the `rayon` feature, also below the size from which the
/// general kernel runs in parallel.
#[inline]
pub fn pair_at(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    let n = a.filter(|&n| Some(n) == b)?;
    #[cfg(feature = "rayon")]
    let n = Some(n).filter(|&n| n < super::PARALLEL_THRESHOLD)?;
    Some(n)
}

/// What [`pair_sum_value_vjp`] returns: the value, and the gradients as the general kernel gives them
/// for a slice merged into the owner's buffer and the owner (the whole array's gradient).
pub type PairValueVjp<X> = (
    <X as ArrayArg>::Elem,
    (Merged, Array<<X as ArrayArg>::Elem, <X as ArrayArg>::Dim>),
);

/// A sum kernel over two slices of one array at the constant offsets `K0` and `K1` (its elements
/// `K0..K0 + n` and `K1..K1 + n`, [`pair_at`]) and its reverse in one pass: the value, with the bits of
/// the general kernel's, and the array's gradient for seed one (the slices' partials added into one
/// buffer, element by element, in the general kernel's order). With both offsets constants of one
/// pointer, the compiler pairs the two partials' read-modify-writes (W5 slices at 1e5: 71.9 against the
/// hand-written 69.8 µs in a model of this loop, 104 µs with the offsets in two sinks).
#[inline]
pub fn pair_sum_value_vjp<X, const K0: usize, const K1: usize>(
    x: &X,
    n: usize,
    df: impl Fn(X::Elem, X::Elem, X::Elem) -> (X::Elem, (X::Elem, X::Elem)),
) -> PairValueVjp<X>
where
    X: ArrayArg + ?Sized,
{
    let view = x.view();
    let xs = view.as_slice().expect("checked by `slice_at`");
    assert!(K0.max(K1) + n <= xs.len(), "slices within the array");
    let mut grad = vec![X::Elem::zero(); xs.len()];
    let g = grad.as_mut_ptr();
    let one = X::Elem::one();
    let mut lanes = [X::Elem::zero(); super::BLOCK];
    let mut i = 0;
    while i + super::BLOCK <= n {
        let mut pa = [X::Elem::zero(); super::BLOCK];
        let mut pb = [X::Elem::zero(); super::BLOCK];
        for l in 0..super::BLOCK {
            // SAFETY: `K + i + l < K + n <= xs.len()` (asserted above).
            let (a, b) = unsafe { (*xs.get_unchecked(K0 + i + l), *xs.get_unchecked(K1 + i + l)) };
            let (v, (da, db)) = df(a, b, one);
            lanes[l] += v;
            pa[l] = da;
            pb[l] = db;
        }
        for l in 0..super::BLOCK {
            // SAFETY: as above, `grad` has `xs.len()` elements.
            unsafe {
                *g.add(K0 + i + l) += pa[l];
                *g.add(K1 + i + l) += pb[l];
            }
        }
        i += super::BLOCK;
    }
    let mut total = super::combine_lanes(&core::hint::black_box(lanes));
    while i < n {
        let (v, (da, db)) = df(xs[K0 + i], xs[K1 + i], one);
        total += v;
        grad[K0 + i] += da;
        grad[K1 + i] += db;
        i += 1;
    }
    let grad = Array::from_shape_vec(view.raw_dim(), grad).expect("the array's shape");
    (total, (Merged, grad))
}

/// The reverse of a sum kernel over two slices of one array at the constant offsets `K0` and `K1`
/// ([`pair_sum_value_vjp`]) for the seed `seed`: the array's gradient, with the bits of the general
/// kernel's.
#[inline]
pub fn pair_sum_vjp<X, const K0: usize, const K1: usize>(
    x: &X,
    n: usize,
    seed: X::Elem,
    df: impl Fn(X::Elem, X::Elem, X::Elem) -> (X::Elem, X::Elem),
) -> (Merged, Array<X::Elem, X::Dim>)
where
    X: ArrayArg + ?Sized,
{
    // The pass with the value, its values zero: the partials are the same, put in the same order.
    let zero = X::Elem::zero();
    let (_, gradient) = pair_sum_value_vjp::<X, K0, K1>(x, n, |a, b, _| (zero, df(a, b, seed)));
    gradient
}
