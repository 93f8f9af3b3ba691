//! Fused kernels: a chain of elementwise operations over arrays and scalars (with broadcasting) and the sum
//! or mean that ends it, evaluated in one pass over memory; its reverse computes every operand's gradient
//! in one more pass.
//!
//! The macro turns `(x - y).powi(2).sum()` into `fused_sum2(&x, &y, |x, y| (x - y) * (x - y))` and its
//! reverse into `fused_sum2_vjp(&x, &y, g, |x, y, g| (dx, dy))`, where the closures are the scalar forward
//! and reverse of the chain. No array of the chain's intermediate values exists. The sum adds the
//! elements in the order `ArrayBase::sum` does for a standard-layout array (eight running sums), so a fused
//! value has the bits of the unfused one.
//!
//! # Parallel kernels (`rayon` feature)
//!
//! With the `rayon` feature, a kernel over at least `PARALLEL_THRESHOLD` (2^16) elements splits its whole
//! blocks of eight into contiguous chunks of `PARALLEL_CHUNK` (2^14) elements, which the calling thread
//! and helpers on rayon's pool (one per other thread of the pool) take in turn, each the next chunk not
//! yet taken: the calling thread never waits for a helper to start, only for the chunks helpers have
//! taken. Each chunk runs the serial loop over its own range: its values in eight running sums, its
//! partials put into its own range of every array operand's gradient buffer, and a partial sum of its
//! own for every scalar operand's gradient. Then, on the calling thread, the chunks' running sums are
//! added lane by lane in chunk order and combined as the serial kernel combines its own, the scalar
//! gradients' partial sums are added in chunk order, and the last `n % 8` elements follow as in the serial
//! loop. The chunks depend on the number of elements only, not on the number of threads or on which
//! thread runs which: a result has the same bits on every run and every machine (with a pool of one
//! thread the calling thread runs every chunk). Below the threshold, and without the feature, the kernels
//! are the serial ones, bit for bit and instruction for instruction.
//!
//! Against the serial kernel:
//! - array gradients have the same bits (each element's partial is computed by the same closure from the
//!   same values and written once; where an operand was broadcast, the partials are summed back by the
//!   same serial `sum_to`);
//! - values (sums, means) and scalar operands' gradients are sums of the same terms in another order, so
//!   they can differ in the last bits. Both orders are recursive summations in which a term passes through
//!   at most `n/8 + 16` additions for a value (`n` for a scalar gradient), so the two results differ by at
//!   most about `2 (n/8 + 16) eps` (`2 n eps` for a scalar gradient) times the sum of the terms'
//!   magnitudes: relative to the result itself where the terms have one sign (a sum of squares). In
//!   practice the difference is a few units in the last place (`W2` at 1e6 elements: 33 in f64, 4 in
//!   f32). As in the serial kernels, the one-pass kernel's value and gradients have the bits of the
//!   forward kernel's value and of the reverse's gradients for seed one.
//!
//! Still serial with the feature: copying a broadcast or strided operand into kernel order and summing a
//! broadcast operand's partials back to its shape.

use crate::broadcast::{broadcast_shape, sum_to};
use crate::operand::ArrayArg;
use crate::real::Real;
use ndarray::{Array, ArrayBase, ArrayView, Data, Dimension, IxDyn, SliceArg};
use std::borrow::Cow;

mod shared;
pub use shared::{
    pair_at, pair_sum_value_vjp, pair_sum_vjp, shared_grad, slice_at, sliced_into, sliced_owner,
    AddsInto, Merged, Owns, Role, SharedGrad, SharedSink, SharedSliced,
};

/// An operand of a fused kernel: a scalar (the same for every element) or an array.
pub trait KernelOperand {
    /// The element type.
    type Elem: Real;
    /// Its gradient: a scalar for a scalar, an array of its shape for an array.
    type Tangent;
    /// Its elements laid out for the kernel's shape.
    type Prepared<'a>: Prepared<Self::Elem>
    where
        Self: 'a;
    /// Where the kernel's reverse puts its partials.
    type Sink: Sink<Self::Elem>;
    /// Its shape, or `None` for a scalar.
    fn kernel_shape(&self) -> Option<&[usize]>;
    /// Its elements over `shape` (row-major, broadcast where the operand is smaller).
    fn prepare(&self, shape: &IxDyn) -> Self::Prepared<'_>;
    /// A sink for the partials of every element of `shape`.
    fn sink(&self, len: usize) -> Self::Sink;
    /// The gradient from the partials of every element of `shape`, summed back where it was broadcast.
    ///
    /// # Safety
    /// `sink` was made by [`KernelOperand::sink`] with `shape.size()`, and a partial was put for every
    /// element below it.
    unsafe fn tangent(&self, sink: Self::Sink, shape: &IxDyn) -> Self::Tangent;
}

/// An operand's elements laid out for a kernel, from which the loop reads.
pub trait Prepared<F>: MaybeSync {
    /// The loop's reader.
    type Reader<'b>: Reader<F>
    where
        Self: 'b;
    /// The reader.
    fn reader(&self) -> Self::Reader<'_>;
}

/// `Sync` with the `rayon` feature, where the chunks of a parallel kernel share its closure and its
/// operands' readers across threads; every type without the feature, so the serial build asks nothing
/// more of them.
#[cfg(feature = "rayon")]
pub trait MaybeSync: Sync {}
#[cfg(feature = "rayon")]
impl<T: Sync + ?Sized> MaybeSync for T {}

/// `Sync` with the `rayon` feature, where the chunks of a parallel kernel share its closure and its
/// operands' readers across threads; every type without the feature, so the serial build asks nothing
/// more of them.
#[cfg(not(feature = "rayon"))]
pub trait MaybeSync {}
#[cfg(not(feature = "rayon"))]
impl<T: ?Sized> MaybeSync for T {}

/// Reads element `i` of a kernel's shape.
pub trait Reader<F>: MaybeSync {
    /// The value at `i`.
    ///
    /// # Safety
    /// `i` is below the number of elements of the shape the reader was made for.
    unsafe fn get(&self, i: usize) -> F;
}

/// Takes the partial of element `i`.
pub trait Sink<F> {
    /// Records the partial at `i`.
    ///
    /// # Safety
    /// `i` is below the length the sink was made for. For a part of a sink (`rayon`
    /// feature): no other part of the same sink, and not the sink itself, is given `i` while the part is
    /// in use (the parts of an array sink write into one buffer).
    unsafe fn put(&mut self, i: usize, partial: F);

    /// A chunk's share of this sink in a parallel kernel (`rayon` feature).
    #[cfg(feature = "rayon")]
    type Part: Sink<F> + Send;

    /// A part for one chunk of a parallel kernel, made on the calling thread before the chunks run: a
    /// writer into this sink's buffer (an array's partials, each chunk writing its own range of it), or a
    /// partial sum of its own (a scalar's partials).
    #[cfg(feature = "rayon")]
    fn part(&mut self) -> Self::Part;

    /// Takes back a chunk's part once the chunks have run, in chunk order: a scalar's partial sums are
    /// added in that order.
    #[cfg(feature = "rayon")]
    fn join(&mut self, part: Self::Part);
}

/// A scalar operand: every element reads it.
#[derive(Clone, Copy)]
pub struct Scalar<F>(F);

impl<F: Copy + MaybeSync> Reader<F> for Scalar<F> {
    #[inline(always)]
    unsafe fn get(&self, _: usize) -> F {
        self.0
    }
}

impl<F: Copy + MaybeSync> Prepared<F> for Scalar<F> {
    type Reader<'b>
        = Scalar<F>
    where
        F: 'b;
    #[inline(always)]
    fn reader(&self) -> Scalar<F> {
        *self
    }
}

/// A scalar's partials, summed.
pub struct ScalarSink<F>(F);

impl<F: Real> Sink<F> for ScalarSink<F> {
    #[inline(always)]
    unsafe fn put(&mut self, _: usize, partial: F) {
        self.0 += partial;
    }
    #[cfg(feature = "rayon")]
    type Part = ScalarSink<F>;
    #[cfg(feature = "rayon")]
    #[inline]
    fn part(&mut self) -> ScalarSink<F> {
        ScalarSink(F::zero())
    }
    #[cfg(feature = "rayon")]
    #[inline]
    fn join(&mut self, part: ScalarSink<F>) {
        self.0 += part.0;
    }
}

/// An array operand's elements in the kernel's order: borrowed where its layout is already that order,
/// copied once where it is broadcast or strided.
pub struct KernelElements<'a, F: Clone>(Cow<'a, [F]>);

impl<F: Copy + MaybeSync> Prepared<F> for KernelElements<'_, F> {
    type Reader<'b>
        = &'b [F]
    where
        Self: 'b;
    #[inline(always)]
    fn reader(&self) -> &[F] {
        &self.0
    }
}

impl<F: Copy + MaybeSync> Reader<F> for &[F] {
    #[inline(always)]
    unsafe fn get(&self, i: usize) -> F {
        // SAFETY: the caller keeps `i` below the kernel's length, which is this slice's length.
        *unsafe { self.get_unchecked(i) }
    }
}

/// An array's partials, one per element of the kernel's shape: a buffer of that capacity, written once
/// per element by the kernel's loop (never zeroed first).
pub struct ArraySink<F>(Vec<F>);

impl<F: Real> Sink<F> for ArraySink<F> {
    #[inline(always)]
    unsafe fn put(&mut self, i: usize, partial: F) {
        // SAFETY: the caller keeps `i` below the capacity the sink was made with.
        unsafe { self.0.as_mut_ptr().add(i).write(partial) }
    }
    #[cfg(feature = "rayon")]
    type Part = ArrayPart<F>;
    #[cfg(feature = "rayon")]
    #[inline]
    fn part(&mut self) -> ArrayPart<F> {
        // `Vec::as_mut_ptr` makes no reference to the buffer, so the parts' pointers stay valid beside
        // each other and beside the sink's own later writes.
        ArrayPart(self.0.as_mut_ptr())
    }
    #[cfg(feature = "rayon")]
    #[inline]
    fn join(&mut self, _: ArrayPart<F>) {}
}

/// A chunk's writer into the buffer of an array's partials (`rayon` feature): a pointer to the partial
/// of the kernel's element 0, copied to every chunk of one kernel, each of which writes only the
/// elements of its own range.
#[cfg(feature = "rayon")]
pub struct ArrayPart<F>(*mut F);

// SAFETY: an `ArrayPart` is the right to write `F`s into a buffer owned by a sink of the kernel that
// made it, which outlives the kernel's chunks and is neither moved nor read while they run. Moving that
// right to another thread moves `F`s there, sound for `F: Send`; two threads never write one element,
// because `put`'s contract gives each index to one part only (each chunk puts only its own range).
#[cfg(feature = "rayon")]
unsafe impl<F: Send> Send for ArrayPart<F> {}

#[cfg(feature = "rayon")]
impl<F: Real> Sink<F> for ArrayPart<F> {
    #[inline(always)]
    unsafe fn put(&mut self, i: usize, partial: F) {
        // SAFETY: the caller keeps `i` below the length of the buffer this part points into (from its
        // element 0) and gives `i` to this part only, so no other thread touches the element.
        unsafe { self.0.add(i).write(partial) }
    }
    type Part = ArrayPart<F>;
    #[inline]
    fn part(&mut self) -> ArrayPart<F> {
        ArrayPart(self.0)
    }
    #[inline]
    fn join(&mut self, _: ArrayPart<F>) {}
}

// For `f32` and `f64` each (a generic `F` would overlap the blanket `&T` below in the coherence check;
// `Real` requires it, so that a function generic over `F: Real` has it).
macro_rules! scalar_operand {
    ($($F:ty),*) => {$(
        impl KernelOperand for $F {
            type Elem = $F;
            type Tangent = $F;
            type Prepared<'a> = Scalar<$F>;
            type Sink = ScalarSink<$F>;
            #[inline]
            fn kernel_shape(&self) -> Option<&[usize]> {
                None
            }
            #[inline]
            fn prepare(&self, _: &IxDyn) -> Scalar<$F> {
                Scalar(*self)
            }
            #[inline]
            fn sink(&self, _: usize) -> ScalarSink<$F> {
                ScalarSink(0.0)
            }
            #[inline]
            unsafe fn tangent(&self, sink: ScalarSink<$F>, _: &IxDyn) -> $F {
                sink.0
            }
        }
    )*};
}
scalar_operand!(f32, f64);

impl<A: Real, S: Data<Elem = A>, D: Dimension> KernelOperand for ArrayBase<S, D> {
    type Elem = A;
    type Tangent = Array<A, D>;
    type Prepared<'a>
        = KernelElements<'a, A>
    where
        Self: 'a;
    type Sink = ArraySink<A>;
    #[inline]
    fn kernel_shape(&self) -> Option<&[usize]> {
        Some(self.shape())
    }
    #[inline]
    #[track_caller]
    fn prepare(&self, shape: &IxDyn) -> KernelElements<'_, A> {
        if self.shape() == shape.slice() {
            if let Some(slice) = self.as_slice() {
                return KernelElements(Cow::Borrowed(slice));
            }
        }
        broadcast_elements(self.view(), shape)
    }
    #[inline]
    fn sink(&self, len: usize) -> ArraySink<A> {
        ArraySink(Vec::with_capacity(len))
    }
    #[inline]
    #[track_caller]
    unsafe fn tangent(&self, mut sink: ArraySink<A>, shape: &IxDyn) -> Array<A, D> {
        // SAFETY: the caller put a partial for every element below `shape.size()`, the capacity the sink
        // was made with.
        unsafe { sink.0.set_len(shape.size()) };
        // Not broadcast (the common case): the partials are the gradient, in the array's own dimension
        // type, without the dynamic-shape round trip.
        if self.shape() == shape.slice() {
            return Array::from_shape_vec(self.raw_dim(), sink.0).expect("one partial per element");
        }
        summed_back(sink.0, shape, self.raw_dim())
    }
}

/// An operand's elements broadcast to the kernel's shape, copied out (the uncommon case of
/// [`KernelOperand::prepare`]).
#[track_caller]
fn broadcast_elements<'a, A: Real, D: Dimension>(
    view: ArrayView<'a, A, D>,
    shape: &IxDyn,
) -> KernelElements<'a, A> {
    let dyn_view: ArrayView<'_, A, IxDyn> = view.view().into_dyn();
    let elements = match dyn_view.broadcast(shape.clone()) {
        Some(v) => v.iter().copied().collect(),
        None => panic!(
            "cannot broadcast shape {:?} to {:?}",
            view.shape(),
            shape.slice()
        ),
    };
    KernelElements(Cow::Owned(elements))
}

/// A broadcast operand's partials over the kernel's shape summed back to its own (the uncommon case of
/// [`KernelOperand::tangent`], out of line).
#[cold]
#[inline(never)]
fn summed_back<A: Real, D: Dimension>(partials: Vec<A>, shape: &IxDyn, to: D) -> Array<A, D> {
    let full = Array::from_shape_vec(shape.clone(), partials).expect("one partial per element");
    sum_to(full, &to)
}

impl<T: KernelOperand + ?Sized> KernelOperand for &T {
    type Elem = T::Elem;
    type Tangent = T::Tangent;
    type Prepared<'a>
        = T::Prepared<'a>
    where
        Self: 'a;
    type Sink = T::Sink;
    #[inline]
    fn kernel_shape(&self) -> Option<&[usize]> {
        (**self).kernel_shape()
    }
    #[inline]
    #[track_caller]
    fn prepare(&self, shape: &IxDyn) -> T::Prepared<'_> {
        (**self).prepare(shape)
    }
    #[inline]
    fn sink(&self, len: usize) -> T::Sink {
        (**self).sink(len)
    }
    #[inline]
    #[track_caller]
    unsafe fn tangent(&self, sink: T::Sink, shape: &IxDyn) -> T::Tangent {
        // SAFETY: the caller's promise, passed on.
        unsafe { (**self).tangent(sink, shape) }
    }
}

/// A slice of an array as a kernel operand (`x.slice(s![1..])` read by a chain): its elements are read in
/// place, and its gradient has the array's shape, zero outside the slice. Where the slice is contiguous
/// in a standard-layout array and not broadcast, the kernel writes its partials straight into that
/// gradient: no copy of the slice forward, no second buffer backward.
pub struct Sliced<'a, A, D: Dimension, I> {
    base: D,
    view: ArrayView<'a, A, IxDyn>,
    info: I,
    /// The index in the array of the slice's first element, where the slice's elements are
    /// consecutive in the array's memory.
    offset: Option<usize>,
}

/// `x.slice(info)` as a kernel operand.
///
/// # Panics
/// Where `x.slice(info)` would (an axis count that differs, a bound past the end, a zero step), at the
/// caller's location.
#[inline]
#[track_caller]
pub fn sliced<X, I>(x: &X, info: I) -> Sliced<'_, X::Elem, X::Dim, I>
where
    X: ArrayArg + ?Sized,
    I: SliceArg<X::Dim>,
{
    let base = x.view();
    crate::shape::check_slice(base.shape(), info.as_ref());
    let dim = base.raw_dim();
    let standard = base.is_standard_layout();
    let start = base.as_ptr();
    let view = base.slice_move(&info).into_dyn();
    let offset = contiguous_offset(start, standard, &view);
    Sliced {
        base: dim,
        view,
        info,
        offset,
    }
}

/// Where a slice's elements are consecutive in the memory of an array in standard layout (`standard`,
/// its first element at `start`): the index of the slice's first element in the array.
#[inline]
pub(crate) fn contiguous_offset<A, D: Dimension>(
    start: *const A,
    standard: bool,
    view: &ArrayView<'_, A, D>,
) -> Option<usize> {
    (standard && view.is_standard_layout()).then(|| {
        // SAFETY: both pointers are into the array's one allocation, the slice's at or after the
        // array's first element (the array is in standard layout: its first element is lowest).
        unsafe { view.as_ptr().offset_from(start) as usize }
    })
}

/// The partials of a sliced operand: written at `offset + i` of a buffer that is either the whole
/// gradient (zeroed outside the slice, never inside) or the slice's own partials.
pub struct OffsetSink<F> {
    buffer: Vec<F>,
    offset: usize,
    whole: bool,
}

impl<F: Real> Sink<F> for OffsetSink<F> {
    #[inline(always)]
    unsafe fn put(&mut self, i: usize, partial: F) {
        // SAFETY: the caller keeps `i` below the length the sink was made for; the buffer holds
        // `offset + length` elements (the whole gradient) or has that capacity (offset 0).
        unsafe { self.buffer.as_mut_ptr().add(self.offset + i).write(partial) }
    }
    #[cfg(feature = "rayon")]
    type Part = ArrayPart<F>;
    #[cfg(feature = "rayon")]
    #[inline]
    fn part(&mut self) -> ArrayPart<F> {
        // The partial of the kernel's element 0 (in bounds of the buffer's capacity, as in `put`;
        // `wrapping_add` keeps this safe, the writes through it are `put`'s).
        ArrayPart(self.buffer.as_mut_ptr().wrapping_add(self.offset))
    }
    #[cfg(feature = "rayon")]
    #[inline]
    fn join(&mut self, _: ArrayPart<F>) {}
}

impl<'a, A: Real, D: Dimension, I: SliceArg<D>> KernelOperand for Sliced<'a, A, D, I> {
    type Elem = A;
    type Tangent = Array<A, D>;
    type Prepared<'b>
        = KernelElements<'b, A>
    where
        Self: 'b;
    type Sink = OffsetSink<A>;
    #[inline]
    fn kernel_shape(&self) -> Option<&[usize]> {
        Some(self.view.shape())
    }
    #[inline]
    #[track_caller]
    fn prepare(&self, shape: &IxDyn) -> KernelElements<'_, A> {
        self.view.prepare(shape)
    }
    #[inline]
    fn sink(&self, len: usize) -> OffsetSink<A> {
        match self.offset {
            Some(offset) if len == self.view.len() => {
                // The kernel writes the slice's elements; only the rest is zeroed here.
                let size = self.base.size();
                let mut buffer: Vec<A> = Vec::with_capacity(size);
                let (before, rest) = buffer.spare_capacity_mut()[..size].split_at_mut(offset);
                for z in before.iter_mut().chain(&mut rest[len..]) {
                    z.write(A::zero());
                }
                OffsetSink {
                    buffer,
                    offset,
                    whole: true,
                }
            }
            _ => OffsetSink {
                buffer: Vec::with_capacity(len),
                offset: 0,
                whole: false,
            },
        }
    }
    #[inline]
    #[track_caller]
    unsafe fn tangent(&self, mut sink: OffsetSink<A>, shape: &IxDyn) -> Array<A, D> {
        if sink.whole {
            // SAFETY: the elements outside the slice were zeroed when the sink was made, and the
            // caller put a partial for each of the slice's, which are the elements `offset..offset +
            // len` of the array (the slice is contiguous in a standard-layout array).
            unsafe { sink.buffer.set_len(self.base.size()) };
            return Array::from_shape_vec(self.base.clone(), sink.buffer)
                .expect("the whole gradient");
        }
        // SAFETY: the caller put a partial for every element below `shape.size()`, the capacity the
        // sink was made with.
        unsafe { sink.buffer.set_len(shape.size()) };
        let full =
            Array::from_shape_vec(shape.clone(), sink.buffer).expect("one partial per element");
        let region = sum_to(full, &self.view.raw_dim());
        let mut out = Array::zeros(self.base.clone());
        out.slice_mut(&self.info).into_dyn().assign(&region);
        out
    }
}

/// An operand the kernel's reverse gives no gradient for (a constant, or a value whose gradient is not
/// asked for): read like any operand, its partials dropped.
pub struct NoGrad<T>(pub T);

/// The partials of an operand without a gradient: dropped.
pub struct NoSink;

impl<F> Sink<F> for NoSink {
    #[inline(always)]
    unsafe fn put(&mut self, _: usize, _: F) {}
    #[cfg(feature = "rayon")]
    type Part = NoSink;
    #[cfg(feature = "rayon")]
    #[inline]
    fn part(&mut self) -> NoSink {
        NoSink
    }
    #[cfg(feature = "rayon")]
    #[inline]
    fn join(&mut self, _: NoSink) {}
}

impl<T: KernelOperand> KernelOperand for NoGrad<T> {
    type Elem = T::Elem;
    type Tangent = ();
    type Prepared<'a>
        = T::Prepared<'a>
    where
        Self: 'a;
    type Sink = NoSink;
    #[inline]
    fn kernel_shape(&self) -> Option<&[usize]> {
        self.0.kernel_shape()
    }
    #[inline]
    #[track_caller]
    fn prepare(&self, shape: &IxDyn) -> T::Prepared<'_> {
        self.0.prepare(shape)
    }
    #[inline]
    fn sink(&self, _: usize) -> NoSink {
        NoSink
    }
    #[inline]
    unsafe fn tangent(&self, _: NoSink, _: &IxDyn) {}
}

/// A shape for the checks that run before a kernel, on every call: up to six axes without the cost
/// of a dynamic dimension (a fifth of `f_value_and_grad` of `(x - y).powi(2).sum()` at 1e3 `f32`
/// elements went to building and dropping those).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckShape {
    /// Up to six axes: the first `ndim` of `dims`.
    Inline {
        /// The lengths, then zeros.
        dims: [usize; 6],
        /// The number of axes.
        ndim: usize,
    },
    /// More axes.
    Heap(Vec<usize>),
}

impl CheckShape {
    #[inline]
    fn new(shape: &[usize]) -> Self {
        if shape.len() <= 6 {
            let mut dims = [0; 6];
            dims[..shape.len()].copy_from_slice(shape);
            CheckShape::Inline {
                dims,
                ndim: shape.len(),
            }
        } else {
            CheckShape::Heap(shape.to_vec())
        }
    }

    #[inline]
    fn as_slice(&self) -> &[usize] {
        match self {
            CheckShape::Inline { dims, ndim } => &dims[..*ndim],
            CheckShape::Heap(v) => v,
        }
    }
}

/// The shape of a kernel operand (`None` for a scalar), for the checks that run before a kernel.
#[inline]
pub fn kernel_shape_of<A: KernelOperand + ?Sized>(a: &A) -> Option<CheckShape> {
    a.kernel_shape().map(CheckShape::new)
}

/// The shape two values of a kernel's chain broadcast to (`None` for two scalars). The macro calls it for
/// every operation of the chain before the kernel runs, spanned at the operation, so that shapes that do
/// not broadcast are reported where the unfused operation would have reported them.
///
/// # Panics
/// If the shapes are not compatible, naming both.
#[inline]
#[track_caller]
pub fn broadcast_shapes(a: &Option<CheckShape>, b: &Option<CheckShape>) -> Option<CheckShape> {
    match (a, b) {
        (Some(a), Some(b)) if a == b => Some(a.clone()),
        (Some(a), Some(b)) => Some(CheckShape::new(
            broadcast_shape::<IxDyn>(a.as_slice(), b.as_slice()).slice(),
        )),
        (Some(s), None) | (None, Some(s)) => Some(s.clone()),
        (None, None) => None,
    }
}

/// The shape the operands broadcast to (a kernel has at least one array operand).
#[track_caller]
pub fn kernel_shape(shapes: &[Option<&[usize]>]) -> IxDyn {
    // Operands of one shape (the common case): that shape, without broadcasting.
    let mut arrays = shapes.iter().flatten();
    if let Some(first) = arrays.next() {
        if arrays.all(|s| s == first) {
            return IxDyn(first);
        }
    }
    let mut out: Option<IxDyn> = None;
    for s in shapes.iter().flatten() {
        out = Some(match out {
            None => IxDyn(s),
            Some(o) => broadcast_shape::<IxDyn>(o.slice(), s),
        });
    }
    out.unwrap_or_else(|| IxDyn(&[]))
}

/// The number of running sums of `ndarray`'s sum of a standard-layout array, and the block size of the
/// kernels that follow its order.
pub(crate) const BLOCK: usize = 8;

/// The running sums of a blocked sum combined as `ndarray` combines them: pairwise, then in order.
///
/// The loops that fill the running sums pass them through `black_box` first: seen by the loop, this
/// order makes the vectorizer hold the sums in pairs, which halves the width of an `f32` loop (one
/// copy of eight values per kernel instead).
#[inline(always)]
pub(crate) fn combine_lanes<F: Real>(p: &[F; BLOCK]) -> F {
    let mut acc = F::zero();
    acc += p[0] + p[4];
    acc += p[1] + p[5];
    acc += p[2] + p[6];
    acc += p[3] + p[7];
    acc
}

/// `sum over i of term(i)` in the order of `ndarray`'s sum of a standard-layout array: eight running
/// sums over blocks of eight, combined pairwise, then the remainder.
#[inline(always)]
pub fn unrolled_sum<F: Real>(n: usize, term: impl Fn(usize) -> F) -> F {
    let mut lanes = [F::zero(); BLOCK];
    // Two blocks a turn in a counted loop, as the one-pass kernels run theirs.
    let blocks = n / BLOCK;
    for pair in 0..blocks / 2 {
        for half in 0..2 {
            let i = (2 * pair + half) * BLOCK;
            for (l, lane) in lanes.iter_mut().enumerate() {
                *lane += term(i + l);
            }
        }
    }
    if blocks % 2 == 1 {
        let i = (blocks - 1) * BLOCK;
        for (l, lane) in lanes.iter_mut().enumerate() {
            *lane += term(i + l);
        }
    }
    let mut acc = combine_lanes(&core::hint::black_box(lanes));
    let mut i = n - n % BLOCK;
    while i < n {
        acc += term(i);
        i += 1;
    }
    acc
}

/// The number of elements from which a kernel runs in parallel (`rayon` feature), measured on two
/// cores with the cheapest chain, `x.powi(2).sum()` (BENCHMARKS.md, "Multi-core"). While rayon's
/// threads are awake (kernels back to back), two cores take 0.6 of the time of one from 2^16 elements
/// (about 10 µs on one core), 0.84 at 2^15. After a millisecond of other work they have gone to sleep,
/// and waking one costs the calling thread 10-30 µs on that machine (a virtual machine) whatever the
/// size, so such a kernel gained nothing there up to 2^20 elements.
#[cfg(feature = "rayon")]
pub const PARALLEL_THRESHOLD: usize = 1 << 16;

/// The number of elements of a chunk of a parallel kernel (`rayon` feature; the last chunk is shorter): a
/// multiple of the block of eight, small enough that a core that finishes early takes chunks of a
/// core slowed by other work, large enough that taking a chunk costs little beside its loop (2^11 was
/// slower on two cores than one).
#[cfg(feature = "rayon")]
pub const PARALLEL_CHUNK: usize = 1 << 14;

#[cfg(feature = "rayon")]
const _: () = assert!(PARALLEL_CHUNK % BLOCK == 0 && PARALLEL_THRESHOLD >= PARALLEL_CHUNK);

/// `body(start, end, part)` for each chunk `start..end` of `0..len` (`PARALLEL_CHUNK` elements each, the
/// last one shorter) with a part made by `part` on the calling thread, in chunk order; the results, in
/// chunk order.
///
/// The calling thread runs chunks itself, and asks rayon's pool for one helper per other thread of the
/// pool; each takes the next chunk not yet taken until none is left. So a kernel does not wait for a
/// helper to wake up or to be scheduled before it starts: where the other cores are busy, the calling
/// thread runs the chunks no helper takes, and it waits only for the chunks helpers have taken. Waking a
/// sleeping helper still costs the calling thread a system call (and on a virtual machine the scheduler
/// may run the woken helper on the caller's core first). With a pool of one thread there is no helper.
#[cfg(feature = "rayon")]
fn par_chunks<P: Send, R: Send>(
    len: usize,
    mut part: impl FnMut() -> P,
    body: impl Fn(usize, usize, P) -> R + Sync,
) -> Vec<R> {
    let count = len.div_ceil(PARALLEL_CHUNK);
    let slots: Vec<chunked::Slot<P, R>> = (0..count).map(|_| chunked::Slot::new(part())).collect();
    let run = |k: usize| {
        // SAFETY: `chunked::run` calls this once for each `k`, on the thread that took chunk `k`.
        let p = unsafe { slots[k].take_part() };
        let start = k * PARALLEL_CHUNK;
        let r = body(start, (start + PARALLEL_CHUNK).min(len), p);
        // SAFETY: as above.
        unsafe { slots[k].put_result(r) };
    };
    let helpers = (rayon::current_num_threads() - 1).min(count.saturating_sub(1));
    chunked::run(count, helpers, &run);
    // `chunked::run` returned: every chunk ran, and its writes happen before these reads.
    slots.into_iter().map(chunked::Slot::into_result).collect()
}

/// The chunks of a parallel kernel, shared by the calling thread and its helpers on rayon's pool.
#[cfg(feature = "rayon")]
mod chunked {
    use std::any::Any;
    use std::cell::UnsafeCell;
    use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    /// A value on a cache line of its own (two, for the adjacent-line prefetcher), so that threads
    /// writing neighbouring values do not take the line from each other.
    #[repr(align(128))]
    pub(super) struct Padded<T>(T);

    /// A chunk's part, before it runs, and its result, after: touched by one thread at a time.
    pub(super) struct Slot<P, R>(Padded<UnsafeCell<(Option<P>, Option<R>)>>);

    // SAFETY: a slot is touched by the calling thread before `run` (made) and after it (read), and in
    // between only by the thread that took its chunk, once (`Claims::run`'s `fetch_add` gives each
    // chunk to one thread); the taking thread's accesses happen after the slot was made (the helper
    // was spawned after) and before the calling thread reads it (`done`, Release and Acquire). So
    // moving `P` and `R` between threads is all a slot needs of them.
    unsafe impl<P: Send, R: Send> Sync for Slot<P, R> {}

    impl<P, R> Slot<P, R> {
        pub(super) fn new(part: P) -> Self {
            Slot(Padded(UnsafeCell::new((Some(part), None))))
        }

        /// # Safety
        /// Called once, by the thread that took the slot's chunk.
        pub(super) unsafe fn take_part(&self) -> P {
            // SAFETY: the caller is the only thread touching the slot now.
            unsafe { (*self.0 .0.get()).0.take() }.expect("each chunk is taken once")
        }

        /// # Safety
        /// Called once, by the thread that took the slot's chunk, after [`Slot::take_part`].
        pub(super) unsafe fn put_result(&self, result: R) {
            // SAFETY: the caller is the only thread touching the slot now.
            unsafe { (*self.0 .0.get()).1 = Some(result) }
        }

        pub(super) fn into_result(self) -> R {
            self.0 .0.into_inner().1.expect("every chunk ran")
        }
    }

    /// The chunk function of one kernel, with its lifetime erased (see [`run`]).
    type Erased = *const (dyn Fn(usize) + Sync + 'static);

    /// What the calling thread and its helpers share: the next chunk to take, the number of chunks
    /// done, the chunk function, the first panic of a helper. Owned by an `Arc`, so that a helper that
    /// starts after the kernel has returned finds it alive (and no chunk left).
    struct Claims {
        next: Padded<AtomicUsize>,
        done: Padded<AtomicUsize>,
        count: usize,
        run: Erased,
        panic: Mutex<Option<Box<dyn Any + Send>>>,
    }

    // SAFETY: `run` points to a `Sync` closure, called from any thread only for a chunk taken while the
    // kernel that owns the closure waits for it (see `Claims::run`); the other fields are `Send + Sync`.
    unsafe impl Send for Claims {}
    // SAFETY: as for `Send`.
    unsafe impl Sync for Claims {}

    impl Claims {
        /// Takes the next chunk and runs it, until none is left; then counts the chunks it ran as
        /// done. A helper catches a panic of a chunk (rayon aborts on a panic in a spawned job) and
        /// keeps it for the calling thread; the calling thread's own panic unwinds through
        /// [`Finished`], which counts the chunk, and [`Wait`], which still waits for the helpers.
        fn run(&self, catch: bool) {
            let mut finished = Finished(&self.done.0, 0);
            loop {
                let k = self.next.0.fetch_add(1, Ordering::Relaxed);
                if k >= self.count {
                    return;
                }
                // Counted when `finished` drops: at the end, or while this chunk's panic unwinds.
                finished.1 += 1;
                // SAFETY: chunk `k < count` is taken by this thread alone (`fetch_add`), and the kernel
                // that owns the closure behind `run` does not return, nor unwind, before `done` counts
                // every chunk taken (`Wait`): the closure is alive until this call returns.
                let chunk = || unsafe { (*self.run)(k) };
                if catch {
                    if let Err(payload) = catch_unwind(AssertUnwindSafe(chunk)) {
                        self.panic.lock().unwrap().get_or_insert(payload);
                    }
                } else {
                    chunk();
                }
            }
        }
    }

    /// The chunks a thread has run (or is unwinding from), added to `done` when dropped.
    struct Finished<'a>(&'a AtomicUsize, usize);

    impl Drop for Finished<'_> {
        fn drop(&mut self) {
            // Release: the chunks' writes (their partials, their results) happen before the calling
            // thread's reads once it sees `done` count them (`Wait`'s Acquire load).
            self.0.fetch_add(self.1, Ordering::Release);
        }
    }

    /// Waits, also while the calling thread unwinds, until no chunk can be taken any more and every
    /// chunk taken is done.
    struct Wait<'a>(&'a Claims);

    impl Drop for Wait<'_> {
        fn drop(&mut self) {
            let claims = self.0;
            let taken = claims
                .next
                .0
                .fetch_max(claims.count, Ordering::Relaxed)
                .min(claims.count);
            let mut spins = 0u32;
            while claims.done.0.load(Ordering::Acquire) < taken {
                if spins < 1 << 10 {
                    std::hint::spin_loop();
                    spins += 1;
                } else {
                    std::thread::yield_now();
                }
            }
        }
    }

    /// Runs `run(k)` once for every `k < count`, on the calling thread and on up to `helpers` jobs
    /// of rayon's pool; returns once every call has returned. A panic of a call is resumed here.
    pub(super) fn run(count: usize, helpers: usize, run: &(dyn Fn(usize) + Sync)) {
        // SAFETY (of the erasure): the pointer is only called for a chunk taken before `Wait` below
        // stops the taking, and `Wait` returns only once every such call has returned; this function
        // does not return (nor unwind) before `Wait` does, and `run` outlives this function.
        let erased: Erased =
            unsafe { std::mem::transmute::<*const (dyn Fn(usize) + Sync + '_), Erased>(run) };
        let claims = Arc::new(Claims {
            next: Padded(AtomicUsize::new(0)),
            done: Padded(AtomicUsize::new(0)),
            count,
            run: erased,
            panic: Mutex::new(None),
        });
        for _ in 0..helpers {
            let claims = Arc::clone(&claims);
            rayon::spawn(move || claims.run(true));
        }
        {
            let _wait = Wait(&claims);
            claims.run(false);
        }
        let payload = claims.panic.lock().unwrap().take();
        if let Some(payload) = payload {
            resume_unwind(payload);
        }
    }
}

/// [`unrolled_sum`] in chunks (`rayon` feature): each chunk of the whole blocks keeps eight running sums
/// as the serial loop does, the chunks' sums are added lane by lane in chunk order, then combined and the
/// remainder added as [`unrolled_sum`] does.
#[cfg(feature = "rayon")]
#[inline(always)]
fn par_unrolled_sum<F: Real>(n: usize, term: impl Fn(usize) -> F + Sync) -> F {
    let whole = n - n % BLOCK;
    let chunks = par_chunks(
        whole,
        || (),
        |start, end, ()| {
            let mut lanes = [F::zero(); BLOCK];
            let mut i = start;
            while i + BLOCK <= end {
                for (l, lane) in lanes.iter_mut().enumerate() {
                    *lane += term(i + l);
                }
                i += BLOCK;
            }
            core::hint::black_box(lanes)
        },
    );
    let mut lanes = [F::zero(); BLOCK];
    for chunk in &chunks {
        add_lanes(&mut lanes, chunk);
    }
    let mut acc = combine_lanes(&core::hint::black_box(lanes));
    let mut i = whole;
    while i < n {
        acc += term(i);
        i += 1;
    }
    acc
}

/// A chunk's running sums added into the running sums of the chunks before it, lane by lane.
#[cfg(feature = "rayon")]
#[inline(always)]
fn add_lanes<F: Real>(lanes: &mut [F; BLOCK], chunk: &[F; BLOCK]) {
    for (lane, &c) in lanes.iter_mut().zip(chunk) {
        *lane += c;
    }
}

/// One block of the serial loop of a one-pass kernel (`fused_sumN_value_vjp`): the values added into the
/// running sums, each operand's partials put into its sink.
macro_rules! value_vjp_block {
    ($i:ident, $lanes:ident, $df:ident, $g:ident, $zero:ident; $($r:ident $s:ident $d:ident $b:ident),+) => {{
        // A block's values and partials are computed before any is stored, so that the block's
        // arithmetic is vectorized (the stores cannot alias the reads in between).
        $(let mut $b = [$zero; BLOCK];)+
        for l in 0..BLOCK {
            // SAFETY: `i + l < i + BLOCK <= n`, the length every reader was made for.
            let (v, ($($d),+)) = unsafe { $df($($r.get($i + l),)+ $g) };
            $lanes[l] += v;
            $($b[l] = $d;)+
        }
        for l in 0..BLOCK {
            // SAFETY: `i + l < n`, the length every sink was made for. Element by element, every
            // operand's in turn: two slices of one array add into one buffer at overlapping places,
            // and eight of one operand's stores before eight of the other's loads there stall every
            // load (W5 slices 1e5: 137 against 113 µs).
            unsafe { $($s.put($i + l, $b[l]);)+ }
        }
    }};
}

macro_rules! fused_kernels {
    ($($sum:ident, $vjp:ident, $mean:ident, $mean_vjp:ident, $value_vjp:ident, $mean_value_vjp:ident: $($A:ident $a:ident $p:ident $r:ident $s:ident $d:ident $b:ident),+;)*) => {$(
        /// The sum over the elements of the operands' broadcast shape of `f` applied to each element's
        /// values (a scalar operand gives its value to every element).
        ///
        /// With the `rayon` feature, from `PARALLEL_THRESHOLD` elements on it runs in parallel chunks:
        /// the sum can then differ from the serial one in the last bits ([module
        /// documentation](self#parallel-kernels-rayon-feature)).
        ///
        /// # Panics
        /// If the array operands' shapes do not broadcast together.
        #[inline]
        #[track_caller]
        #[allow(non_snake_case, clippy::too_many_arguments)]
        pub fn $sum<F: Real, $($A: KernelOperand<Elem = F> + ?Sized),+>(
            $($a: &$A,)+
            f: impl Fn($(fused_kernels!(@elem $A F)),+) -> F + MaybeSync,
        ) -> F {
            let shape = kernel_shape(&[$($a.kernel_shape()),+]);
            let n = shape.size();
            $(let $p = $a.prepare(&shape);)+
            $(let $r = $p.reader();)+
            #[cfg(feature = "rayon")]
            if n >= PARALLEL_THRESHOLD {
                // SAFETY: every reader was made for `shape`, whose size is `n`, and `i < n`.
                return par_unrolled_sum(n, |i| unsafe { f($($r.get(i)),+) });
            }
            // SAFETY: every reader was made for `shape`, whose size is `n`, and `i < n`.
            unrolled_sum(n, |i| unsafe { f($($r.get(i)),+) })
        }

        /// Reverse of the kernel of the same arity: `df(values.., g)` gives each operand's partial
        /// for one element, times `g`; each operand's gradient collects its partials (summed where it
        /// was broadcast, or where it is a scalar).
        ///
        /// With the `rayon` feature, from `PARALLEL_THRESHOLD` elements on it runs in parallel chunks:
        /// array gradients keep their bits, a scalar operand's gradient can differ from the serial one
        /// in the last bits ([module documentation](self#parallel-kernels-rayon-feature)).
        ///
        /// # Panics
        /// If the array operands' shapes do not broadcast together.
        #[inline]
        #[track_caller]
        #[allow(non_snake_case, unused_parens, clippy::too_many_arguments)]
        pub fn $vjp<F: Real, $($A: KernelOperand<Elem = F> + ?Sized),+>(
            $($a: &$A,)+
            g: F,
            df: impl Fn($(fused_kernels!(@elem $A F),)+ F) -> ($(fused_kernels!(@elem $A F)),+)
                + MaybeSync,
        ) -> ($($A::Tangent),+) {
            let shape = kernel_shape(&[$($a.kernel_shape()),+]);
            let n = shape.size();
            $(let $p = $a.prepare(&shape);)+
            $(let $r = $p.reader();)+
            $(let mut $s = $a.sink(n);)+
            #[cfg(feature = "rayon")]
            if n >= PARALLEL_THRESHOLD {
                // The whole blocks in chunks, the remainder after them on this thread, as in the
                // one-pass kernel below: a scalar operand's partial sums are added in the same order
                // in both, so its gradient has the same bits in both.
                let whole = n - n % BLOCK;
                let chunks = par_chunks(whole, || ($($s.part(),)+), |start, end, ($(mut $s,)+)| {
                    // The chunk's own readers and seed, in registers: read through the closure's
                    // captures, they would be reloaded after every store of a partial.
                    $(let $r = $p.reader();)+
                    let seed = g;
                    for i in start..end {
                        // SAFETY: readers and sinks were made for `n` elements, and `i < end <= n`;
                        // `i` is in this chunk's range only, so no other part of a sink is given it,
                        // and the sinks themselves are not written while the chunks run.
                        unsafe {
                            let ($($d),+) = df($($r.get(i),)+ seed);
                            $($s.put(i, $d);)+
                        }
                    }
                    ($($s,)+)
                });
                for ($($d,)+) in chunks {
                    $($s.join($d);)+
                }
                for i in whole..n {
                    // SAFETY: `i < n`, and no part is in use any more.
                    unsafe {
                        let ($($d),+) = df($($r.get(i),)+ g);
                        $($s.put(i, $d);)+
                    }
                }
                // SAFETY: the chunks put a partial for each of the elements `0..whole` into every
                // sink (through its parts), the loop above for the rest.
                return unsafe { ($($a.tangent($s, &shape)),+) };
            }
            for i in 0..n {
                // SAFETY: readers and sinks were made for `n` elements, and `i < n`.
                unsafe {
                    let ($($d),+) = df($($r.get(i),)+ g);
                    $($s.put(i, $d);)+
                }
            }
            // SAFETY: the loop put a partial for each of the `n` elements into every sink.
            unsafe { ($($a.tangent($s, &shape)),+) }
        }

        /// The mean over the elements of the operands' broadcast shape of `f` applied to each element's
        /// values: the kernel's sum divided by the number of elements, as `ArrayBase::mean` divides.
        ///
        /// # Panics
        /// If the array operands' shapes do not broadcast together, or the shape has no element.
        #[inline]
        #[track_caller]
        #[allow(non_snake_case, clippy::too_many_arguments)]
        pub fn $mean<F: Real, $($A: KernelOperand<Elem = F> + ?Sized),+>(
            $($a: &$A,)+
            f: impl Fn($(fused_kernels!(@elem $A F)),+) -> F + MaybeSync,
        ) -> F {
            let n = kernel_shape(&[$($a.kernel_shape()),+]).size();
            if n == 0 {
                panic!("mean of an empty array");
            }
            $sum($($a,)+ f) / F::cast_from(n as f64)
        }

        /// Reverse of the mean kernel of the same arity: every element's seed is `g / n`.
        ///
        /// # Panics
        /// If the array operands' shapes do not broadcast together.
        #[inline]
        #[track_caller]
        #[allow(non_snake_case, unused_parens, clippy::too_many_arguments)]
        pub fn $mean_vjp<F: Real, $($A: KernelOperand<Elem = F> + ?Sized),+>(
            $($a: &$A,)+
            g: F,
            df: impl Fn($(fused_kernels!(@elem $A F),)+ F) -> ($(fused_kernels!(@elem $A F)),+)
                + MaybeSync,
        ) -> ($($A::Tangent),+) {
            let n = kernel_shape(&[$($a.kernel_shape()),+]).size();
            $vjp($($a,)+ g / F::cast_from(n as f64), df)
        }

        /// The kernel of the same arity and its reverse in one pass: `df(values.., g)` gives the
        /// element's value of the chain and each operand's partial times `g`. Returns the sum of the
        /// values (with the bits of the forward kernel's sum) and each operand's gradient, as the
        /// reverse gives them for seed one. For a value whose gradient is asked for with it
        /// (`f_value_and_grad`): the operands are read once; [`rescale`] then gives the gradient
        /// for the seed the reverse sweep finds.
        ///
        /// With the `rayon` feature, from `PARALLEL_THRESHOLD` elements on it runs in parallel chunks:
        /// array gradients keep their bits, the value and a scalar operand's gradient can differ from
        /// the serial ones in the last bits ([module documentation](self#parallel-kernels-rayon-feature)).
        ///
        /// # Panics
        /// If the array operands' shapes do not broadcast together.
        #[inline]
        #[track_caller]
        #[allow(non_snake_case, unused_parens, clippy::too_many_arguments)]
        pub fn $value_vjp<F: Real, $($A: KernelOperand<Elem = F> + ?Sized),+>(
            $($a: &$A,)+
            df: impl Fn($(fused_kernels!(@elem $A F),)+ F) -> (F, ($(fused_kernels!(@elem $A F)),+))
                + MaybeSync,
        ) -> (F, ($($A::Tangent),+)) {
            let shape = kernel_shape(&[$($a.kernel_shape()),+]);
            let n = shape.size();
            $(let $p = $a.prepare(&shape);)+
            $(let $r = $p.reader();)+
            $(let mut $s = $a.sink(n);)+
            let g = F::one();
            let zero = F::zero();
            #[cfg(feature = "rayon")]
            if n >= PARALLEL_THRESHOLD {
                // The whole blocks in chunks, each the serial loop below over its range; the
                // remainder after them on this thread, as the serial loop ends.
                let whole = n - n % BLOCK;
                let chunks = par_chunks(whole, || ($($s.part(),)+), |start, end, ($(mut $s,)+)| {
                    // The chunk's own readers and constants, in registers: read through the
                    // closure's captures, they would be reloaded after every store of a partial.
                    $(let $r = $p.reader();)+
                    let (g, zero) = (g, zero);
                    let mut lanes = [zero; BLOCK];
                    let mut i = start;
                    while i + BLOCK <= end {
                        $(let mut $b = [zero; BLOCK];)+
                        for l in 0..BLOCK {
                            // SAFETY: `i + l < end <= n`, the length every reader was made for.
                            let (v, ($($d),+)) = unsafe { df($($r.get(i + l),)+ g) };
                            lanes[l] += v;
                            $($b[l] = $d;)+
                        }
                        for l in 0..BLOCK {
                            // SAFETY: `i + l < end <= n`, the length every sink was made for; the
                            // index is in this chunk's range only, so no other part of a sink is
                            // given it, and the sinks themselves are not written while the chunks run.
                            unsafe { $($s.put(i + l, $b[l]);)+ }
                        }
                        i += BLOCK;
                    }
                    (core::hint::black_box(lanes), ($($s,)+))
                });
                let mut lanes = [zero; BLOCK];
                for (chunk, ($($d,)+)) in chunks {
                    add_lanes(&mut lanes, &chunk);
                    $($s.join($d);)+
                }
                let mut total = combine_lanes(&core::hint::black_box(lanes));
                let mut i = whole;
                while i < n {
                    // SAFETY: `i < n`; the chunks have run and given their parts back.
                    let (v, ($($d),+)) = unsafe { df($($r.get(i),)+ g) };
                    total += v;
                    // SAFETY: `i < n`, and no part is in use any more.
                    unsafe { $($s.put(i, $d);)+ }
                    i += 1;
                }
                // SAFETY: the chunks put a partial for each of the elements `0..whole` into every
                // sink (through its parts), the loop above for the rest.
                return (total, unsafe { ($($a.tangent($s, &shape)),+) });
            }
            let mut lanes = [zero; BLOCK];
            // The whole blocks, two at a time in a counted loop: `while i + BLOCK <= n` kept two
            // induction variables, five instructions of loop control per block (W1 f32 at 1e3: 17
            // instructions per block against 12), and one block per turn ran at the mercy of where the
            // loop's few instructions happened to sit in memory (W1 f32 at 1e3: 92 or 133 ns).
            let blocks = n / BLOCK;
            for pair in 0..blocks / 2 {
                for half in 0..2 {
                    let i = (2 * pair + half) * BLOCK;
                    value_vjp_block!(i, lanes, df, g, zero; $($r $s $d $b),+);
                }
            }
            if blocks % 2 == 1 {
                let i = (blocks - 1) * BLOCK;
                value_vjp_block!(i, lanes, df, g, zero; $($r $s $d $b),+);
            }
            let mut total = combine_lanes(&core::hint::black_box(lanes));
            let mut i = n - n % BLOCK;
            while i < n {
                // SAFETY: `i < n`.
                let (v, ($($d),+)) = unsafe { df($($r.get(i),)+ g) };
                total += v;
                // SAFETY: `i < n`.
                unsafe { $($s.put(i, $d);)+ }
                i += 1;
            }
            // SAFETY: a partial was put for each of the `n` elements into every sink.
            (total, unsafe { ($($a.tangent($s, &shape)),+) })
        }

        /// The mean kernel of the same arity and its reverse in one pass (every element's seed is
        /// `1 / n`): the mean, with the bits of the forward kernel's, and each operand's gradient
        /// for seed one.
        ///
        /// # Panics
        /// If the array operands' shapes do not broadcast together, or the shape has no element.
        #[inline]
        #[track_caller]
        #[allow(non_snake_case, unused_parens, clippy::too_many_arguments)]
        pub fn $mean_value_vjp<F: Real, $($A: KernelOperand<Elem = F> + ?Sized),+>(
            $($a: &$A,)+
            df: impl Fn($(fused_kernels!(@elem $A F),)+ F) -> (F, ($(fused_kernels!(@elem $A F)),+))
                + MaybeSync,
        ) -> (F, ($($A::Tangent),+)) {
            let n = kernel_shape(&[$($a.kernel_shape()),+]).size();
            if n == 0 {
                panic!("mean of an empty array");
            }
            let count = F::cast_from(n as f64);
            let seed = F::one() / count;
            let (sum, tangents) = $value_vjp($($a,)+ |$($d,)+ _| df($($d,)+ seed));
            (sum / count, tangents)
        }
    )*};
    (@elem $A:ident $F:ident) => { $F };
}

fused_kernels! {
    fused_sum1, fused_sum1_vjp, fused_mean1, fused_mean1_vjp, fused_sum1_value_vjp, fused_mean1_value_vjp: A0 a0 p0 r0 s0 d0 b0;
    fused_sum2, fused_sum2_vjp, fused_mean2, fused_mean2_vjp, fused_sum2_value_vjp, fused_mean2_value_vjp: A0 a0 p0 r0 s0 d0 b0, A1 a1 p1 r1 s1 d1 b1;
    fused_sum3, fused_sum3_vjp, fused_mean3, fused_mean3_vjp, fused_sum3_value_vjp, fused_mean3_value_vjp: A0 a0 p0 r0 s0 d0 b0, A1 a1 p1 r1 s1 d1 b1, A2 a2 p2 r2 s2 d2 b2;
    fused_sum4, fused_sum4_vjp, fused_mean4, fused_mean4_vjp, fused_sum4_value_vjp, fused_mean4_value_vjp: A0 a0 p0 r0 s0 d0 b0, A1 a1 p1 r1 s1 d1 b1, A2 a2 p2 r2 s2 d2 b2, A3 a3 p3 r3 s3 d3 b3;
    fused_sum5, fused_sum5_vjp, fused_mean5, fused_mean5_vjp, fused_sum5_value_vjp, fused_mean5_value_vjp: A0 a0 p0 r0 s0 d0 b0, A1 a1 p1 r1 s1 d1 b1, A2 a2 p2 r2 s2 d2 b2, A3 a3 p3 r3 s3 d3 b3,
        A4 a4 p4 r4 s4 d4 b4;
    fused_sum6, fused_sum6_vjp, fused_mean6, fused_mean6_vjp, fused_sum6_value_vjp, fused_mean6_value_vjp: A0 a0 p0 r0 s0 d0 b0, A1 a1 p1 r1 s1 d1 b1, A2 a2 p2 r2 s2 d2 b2, A3 a3 p3 r3 s3 d3 b3,
        A4 a4 p4 r4 s4 d4 b4, A5 a5 p5 r5 s5 d5 b5;
}

/// `t` for seed `g`, where `t` was computed for seed one: `t` itself when `g` is one (the seed of the
/// output a gradient starts from), else every element times `g`.
/// (`fused_sumN_value_vjp` computes a kernel's partials with its value, before the seed is known.)
#[inline]
pub fn rescale<F: Real, T: crate::tangent::Tangent>(mut t: T, g: F) -> T {
    if g != F::one() {
        // `F` to `f64` and back is exact for both float types.
        t.scale(g.as_f64());
    }
    t
}
