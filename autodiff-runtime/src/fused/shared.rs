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
use num_traits::Zero;
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
