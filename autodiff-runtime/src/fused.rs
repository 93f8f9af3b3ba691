//! Fused kernels: a chain of elementwise operations over arrays and scalars (with broadcasting) and the sum
//! or mean that ends it, evaluated in one pass over memory; its reverse computes every operand's gradient
//! in one more pass.
//!
//! The macro turns `(x - y).powi(2).sum()` into `fused_sum2(&x, &y, |x, y| (x - y) * (x - y))` and its
//! reverse into `fused_sum2_vjp(&x, &y, g, |x, y, g| (dx, dy))`, where the closures are the scalar forward
//! and reverse of the chain. No array of the chain's intermediate values exists. The sum adds the
//! elements in the order `ArrayBase::sum` does for a standard-layout array (eight running sums), so a fused
//! value has the bits of the unfused one.

use crate::broadcast::{broadcast_shape, sum_to};
use crate::operand::ArrayArg;
use crate::real::Real;
use ndarray::{Array, ArrayBase, ArrayView, Data, Dimension, IxDyn, SliceArg};
use std::borrow::Cow;

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
pub trait Prepared<F> {
    /// The loop's reader.
    type Reader<'b>: Reader<F>
    where
        Self: 'b;
    /// The reader.
    fn reader(&self) -> Self::Reader<'_>;
}

/// Reads element `i` of a kernel's shape.
pub trait Reader<F> {
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
    /// `i` is below the length the sink was made for.
    unsafe fn put(&mut self, i: usize, partial: F);
}

/// A scalar operand: every element reads it.
#[derive(Clone, Copy)]
pub struct Scalar<F>(F);

impl<F: Copy> Reader<F> for Scalar<F> {
    #[inline(always)]
    unsafe fn get(&self, _: usize) -> F {
        self.0
    }
}

impl<F: Copy> Prepared<F> for Scalar<F> {
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
}

/// An array operand's elements in the kernel's order: borrowed where its layout is already that order,
/// copied once where it is broadcast or strided.
pub struct KernelElements<'a, F: Clone>(Cow<'a, [F]>);

impl<F: Copy> Prepared<F> for KernelElements<'_, F> {
    type Reader<'b>
        = &'b [F]
    where
        Self: 'b;
    #[inline(always)]
    fn reader(&self) -> &[F] {
        &self.0
    }
}

impl<F: Copy> Reader<F> for &[F] {
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
}

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
        let view: ArrayView<'_, A, IxDyn> = self.view().into_dyn();
        let elements = match view.broadcast(shape.clone()) {
            Some(v) => v.iter().copied().collect(),
            None => panic!(
                "cannot broadcast shape {:?} to {:?}",
                self.shape(),
                shape.slice()
            ),
        };
        KernelElements(Cow::Owned(elements))
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
        let full = Array::from_shape_vec(shape.clone(), sink.0).expect("one partial per element");
        sum_to(full, &self.raw_dim())
    }
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
    let offset = (standard && view.is_standard_layout()).then(|| {
        // SAFETY: both pointers are into the array's one allocation, the slice's at or after the
        // array's first element (the array is in standard layout: its first element is lowest).
        unsafe { view.as_ptr().offset_from(start) as usize }
    });
    Sliced {
        base: dim,
        view,
        info,
        offset,
    }
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

/// The shape of a kernel operand (`None` for a scalar), for the checks that run before a kernel.
#[inline]
pub fn kernel_shape_of<A: KernelOperand + ?Sized>(a: &A) -> Option<IxDyn> {
    a.kernel_shape().map(IxDyn)
}

/// The shape two values of a kernel's chain broadcast to (`None` for two scalars). The macro calls it for
/// every operation of the chain before the kernel runs, spanned at the operation, so that shapes that do
/// not broadcast are reported where the unfused operation would have reported them.
///
/// # Panics
/// If the shapes are not compatible, naming both.
#[inline]
#[track_caller]
pub fn broadcast_shapes(a: &Option<IxDyn>, b: &Option<IxDyn>) -> Option<IxDyn> {
    match (a, b) {
        (Some(a), Some(b)) => Some(broadcast_shape::<IxDyn>(a.slice(), b.slice())),
        (Some(s), None) | (None, Some(s)) => Some(s.clone()),
        (None, None) => None,
    }
}

/// The shape the operands broadcast to (a kernel has at least one array operand).
#[track_caller]
pub fn kernel_shape(shapes: &[Option<&[usize]>]) -> IxDyn {
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
const BLOCK: usize = 8;

/// The running sums of a blocked sum combined as `ndarray` combines them: pairwise, then in order.
///
/// The loops that fill the running sums pass them through `black_box` first: seen by the loop, this
/// order makes the vectorizer hold the sums in pairs, which halves the width of an `f32` loop (one
/// copy of eight values per kernel instead).
#[inline(always)]
fn combine_lanes<F: Real>(p: &[F; BLOCK]) -> F {
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
    let mut i = 0;
    while i + BLOCK <= n {
        for (l, lane) in lanes.iter_mut().enumerate() {
            *lane += term(i + l);
        }
        i += BLOCK;
    }
    let mut acc = combine_lanes(&core::hint::black_box(lanes));
    while i < n {
        acc += term(i);
        i += 1;
    }
    acc
}

macro_rules! fused_kernels {
    ($($sum:ident, $vjp:ident, $mean:ident, $mean_vjp:ident, $value_vjp:ident, $mean_value_vjp:ident: $($A:ident $a:ident $p:ident $r:ident $s:ident $d:ident $b:ident),+;)*) => {$(
        /// The sum over the elements of the operands' broadcast shape of `f` applied to each element's
        /// values (a scalar operand gives its value to every element).
        ///
        /// # Panics
        /// If the array operands' shapes do not broadcast together.
        #[inline]
        #[track_caller]
        #[allow(non_snake_case, clippy::too_many_arguments)]
        pub fn $sum<F: Real, $($A: KernelOperand<Elem = F> + ?Sized),+>(
            $($a: &$A,)+
            f: impl Fn($(fused_kernels!(@elem $A F)),+) -> F,
        ) -> F {
            let shape = kernel_shape(&[$($a.kernel_shape()),+]);
            let n = shape.size();
            $(let $p = $a.prepare(&shape);)+
            $(let $r = $p.reader();)+
            // SAFETY: every reader was made for `shape`, whose size is `n`, and `i < n`.
            unrolled_sum(n, |i| unsafe { f($($r.get(i)),+) })
        }

        /// Reverse of the kernel of the same arity: `df(values.., g)` gives each operand's partial
        /// for one element, times `g`; each operand's gradient collects its partials (summed where it
        /// was broadcast, or where it is a scalar).
        ///
        /// # Panics
        /// If the array operands' shapes do not broadcast together.
        #[inline]
        #[track_caller]
        #[allow(non_snake_case, unused_parens, clippy::too_many_arguments)]
        pub fn $vjp<F: Real, $($A: KernelOperand<Elem = F> + ?Sized),+>(
            $($a: &$A,)+
            g: F,
            df: impl Fn($(fused_kernels!(@elem $A F),)+ F) -> ($(fused_kernels!(@elem $A F)),+),
        ) -> ($($A::Tangent),+) {
            let shape = kernel_shape(&[$($a.kernel_shape()),+]);
            let n = shape.size();
            $(let $p = $a.prepare(&shape);)+
            $(let $r = $p.reader();)+
            $(let mut $s = $a.sink(n);)+
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
            f: impl Fn($(fused_kernels!(@elem $A F)),+) -> F,
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
            df: impl Fn($(fused_kernels!(@elem $A F),)+ F) -> ($(fused_kernels!(@elem $A F)),+),
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
        /// # Panics
        /// If the array operands' shapes do not broadcast together.
        #[inline]
        #[track_caller]
        #[allow(non_snake_case, unused_parens, clippy::too_many_arguments)]
        pub fn $value_vjp<F: Real, $($A: KernelOperand<Elem = F> + ?Sized),+>(
            $($a: &$A,)+
            df: impl Fn($(fused_kernels!(@elem $A F),)+ F) -> (F, ($(fused_kernels!(@elem $A F)),+)),
        ) -> (F, ($($A::Tangent),+)) {
            let shape = kernel_shape(&[$($a.kernel_shape()),+]);
            let n = shape.size();
            $(let $p = $a.prepare(&shape);)+
            $(let $r = $p.reader();)+
            $(let mut $s = $a.sink(n);)+
            let g = F::one();
            let zero = F::zero();
            let mut lanes = [zero; BLOCK];
            let mut i = 0;
            while i + BLOCK <= n {
                // A block's values and partials are computed before any is stored, so that the
                // block's arithmetic is vectorized (the stores cannot alias the reads in between).
                $(let mut $b = [zero; BLOCK];)+
                for l in 0..BLOCK {
                    // SAFETY: `i + l < i + BLOCK <= n`, the length every reader was made for.
                    let (v, ($($d),+)) = unsafe { df($($r.get(i + l),)+ g) };
                    lanes[l] += v;
                    $($b[l] = $d;)+
                }
                for l in 0..BLOCK {
                    // SAFETY: `i + l < n`, the length every sink was made for.
                    unsafe { $($s.put(i + l, $b[l]);)+ }
                }
                i += BLOCK;
            }
            let mut total = combine_lanes(&core::hint::black_box(lanes));
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
            df: impl Fn($(fused_kernels!(@elem $A F),)+ F) -> (F, ($(fused_kernels!(@elem $A F)),+)),
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

/// A kernel's gradient for another seed: what `fused_sumN_value_vjp` gave for seed one, times the seed
/// the reverse sweep finds (the value and the partials of a kernel are computed in one pass, before the
/// seed is known).
pub trait Rescale<F> {
    /// The gradient times `g`.
    fn rescale(self, g: F) -> Self;
}

macro_rules! scalar_rescale {
    ($($F:ty),*) => {$(
        impl Rescale<$F> for $F {
            #[inline]
            fn rescale(self, g: $F) -> $F {
                self * g
            }
        }
    )*};
}
scalar_rescale!(f32, f64);

impl<A: Real, D: Dimension> Rescale<A> for Array<A, D> {
    #[inline]
    fn rescale(mut self, g: A) -> Self {
        self.mapv_inplace(|t| t * g);
        self
    }
}

impl<F> Rescale<F> for () {
    #[inline]
    fn rescale(self, _: F) {}
}

/// `t` for seed `g`, where `t` was computed for seed one: `t` itself when `g` is one (the seed of the
/// output a gradient starts from), else every element times `g`.
#[inline]
pub fn rescale<F: Real, T: Rescale<F>>(t: T, g: F) -> T {
    if g == F::one() {
        t
    } else {
        t.rescale(g)
    }
}
