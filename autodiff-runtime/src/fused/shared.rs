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
    // As `sliced`, without the slice's dynamic-dimension view (a third of this call's time).
    let base = x.view();
    crate::shape::check_slice(base.shape(), info.as_ref());
    let standard = base.is_standard_layout();
    let start = base.as_ptr();
    let view = base.slice_move(&info);
    (super::contiguous_offset(start, standard, &view) == Some(k)).then(|| view.len())
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
pub fn pair_sum_value_vjp<X, const K0: usize, const K1: usize, const RECOMPUTE: bool>(
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
    if K0.abs_diff(K1) == 1 {
        let (total, grad) = adjacent_pair::<X::Elem, K0, K1, RECOMPUTE>(xs, n, df);
        let grad = Array::from_shape_vec(view.raw_dim(), grad).expect("the array's shape");
        return (total, (Merged, grad));
    }
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

/// [`pair_sum_value_vjp`] where the offsets are neighbours (`x.slice(s![..-1])` and `x.slice(s![1..])`):
/// each element's gradient written once, with the bits of the blocked loop's two read-modify-writes.
///
/// Call the partial of the slice at the lower offset `lo` and the other `hi`. Element `lo_k + i` receives
/// `hi` of iteration `i - 1` and then `lo` of iteration `i` (the loop adds both into a zero), so it is
/// `(0 + hi[i - 1]) + lo[i]`, with `hi[-1] = 0` (`(0 + 0) + lo` has the bits of `0 + lo`); the element after
/// the last is `0 + hi[n - 1]`, every other element zero. A block of iterations is then one contiguous
/// store, which the vectorizer takes in `f32` as in `f64` (the two interleaved read-modify-writes stayed
/// scalar in `f32`: W5 slices f32 at 1e5 took the time of `f64`, twice the hand-written gradient's).
/// `hi` of the iteration before comes from the block's `hi` shifted by a lane, or, with `RECOMPUTE`
/// (the macro's word that `df` is arithmetic alone), from `df` evaluated again.
#[inline(always)]
fn adjacent_pair<F: Real, const K0: usize, const K1: usize, const RECOMPUTE: bool>(
    xs: &[F],
    n: usize,
    df: impl Fn(F, F, F) -> (F, (F, F)),
) -> (F, Vec<F>) {
    let lo_k = K0.min(K1);
    let len = xs.len();
    debug_assert!(lo_k + n < len);
    let zero = F::zero();
    let one = F::one();
    // (value, lo partial, hi partial) of iteration `i`.
    let step = |i: usize| {
        // SAFETY: `K + i < K + n <= xs.len()` (asserted by the caller) for `i < n`.
        let (a, b) = unsafe { (*xs.get_unchecked(K0 + i), *xs.get_unchecked(K1 + i)) };
        let (v, (da, db)) = df(a, b, one);
        if K0 < K1 {
            (v, da, db)
        } else {
            (v, db, da)
        }
    };
    let mut grad: Vec<F> = Vec::with_capacity(len);
    let g = grad.spare_capacity_mut().as_mut_ptr().cast::<F>();
    // SAFETY (every write below): `g` has capacity `len`, and `lo_k + n < len` (the slices are within
    // the array, the hi one one element further).
    let mut lanes = [zero; super::BLOCK];
    let mut carry = zero;
    let mut i = 0;
    while i + super::BLOCK <= n && !(RECOMPUTE && i > 0) {
        // Where `df` is costly (`exp`, `tanh`), and for the first block (iteration -1 has no partials):
        // each block's `hi` shifted by a lane, the last carried to the next block.
        let mut lo = [zero; super::BLOCK];
        let mut hi = [zero; super::BLOCK];
        for l in 0..super::BLOCK {
            let (v, a, b) = step(i + l);
            lanes[l] += v;
            lo[l] = a;
            hi[l] = b;
        }
        unsafe { g.add(lo_k + i).write((zero + carry) + lo[0]) };
        for l in 1..super::BLOCK {
            unsafe { g.add(lo_k + i + l).write((zero + hi[l - 1]) + lo[l]) };
        }
        carry = hi[super::BLOCK - 1];
        i += super::BLOCK;
    }
    while RECOMPUTE && i + super::BLOCK <= n {
        // Where `df` is arithmetic alone: each element's `hi` is that of the iteration before, evaluated
        // again (the compiler keeps only what `hi` needs of it). Shifted from lane to lane, the
        // vectorizer took as much again as the rest (W5 slices f32 at 1e5: 66 µs, 38 µs so); with
        // `exp` in `df`, evaluating it again costs more (1.38 times the shift's time).
        let at = |k: usize| -> [F; super::BLOCK] {
            xs[k..k + super::BLOCK].try_into().expect("a block")
        };
        let (a, b) = (at(K0 + i), at(K1 + i));
        let (p, q) = (at(K0 + i - 1), at(K1 + i - 1));
        let mut out = [zero; super::BLOCK];
        for l in 0..super::BLOCK {
            let (v, (da, db)) = df(a[l], b[l], one);
            let (_, (pa, pb)) = df(p[l], q[l], one);
            let (lo, hi) = if K0 < K1 { (da, pb) } else { (db, pa) };
            lanes[l] += v;
            out[l] = (zero + hi) + lo;
        }
        unsafe { core::ptr::copy_nonoverlapping(out.as_ptr(), g.add(lo_k + i), super::BLOCK) };
        i += super::BLOCK;
    }
    if RECOMPUTE && i > super::BLOCK {
        carry = step(i - 1).2;
    }
    let mut total = super::combine_lanes(&core::hint::black_box(lanes));
    while i < n {
        let (v, a, b) = step(i);
        total += v;
        unsafe { g.add(lo_k + i).write((zero + carry) + a) };
        carry = b;
        i += 1;
    }
    unsafe {
        for k in 0..lo_k {
            g.add(k).write(zero);
        }
        g.add(lo_k + n).write(zero + carry);
        for k in lo_k + n + 1..len {
            g.add(k).write(zero);
        }
        // SAFETY: every element of `0..len` is written above.
        grad.set_len(len);
    }
    (total, grad)
}

/// The reverse of a sum kernel over two slices of one array at the constant offsets `K0` and `K1`
/// ([`pair_sum_value_vjp`]) for the seed `seed`: the array's gradient, with the bits of the general
/// kernel's.
#[inline]
pub fn pair_sum_vjp<X, const K0: usize, const K1: usize, const RECOMPUTE: bool>(
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
    let (_, gradient) =
        pair_sum_value_vjp::<X, K0, K1, RECOMPUTE>(x, n, |a, b, _| (zero, df(a, b, seed)));
    gradient
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array1;

    /// The pair kernel's order written plainly: the value in `unrolled_sum`'s order, each iteration's two
    /// partials added into a zeroed buffer, the one of `K0` first.
    fn plain<const K0: usize, const K1: usize>(
        x: &Array1<f32>,
        n: usize,
        df: impl Fn(f32, f32, f32) -> (f32, (f32, f32)),
    ) -> (f32, Vec<f32>) {
        let xs = x.as_slice().unwrap();
        let value = super::super::unrolled_sum(n, |i| df(xs[K0 + i], xs[K1 + i], 1.0).0);
        let mut grad = vec![0.0f32; xs.len()];
        for i in 0..n {
            let (_, (da, db)) = df(xs[K0 + i], xs[K1 + i], 1.0);
            grad[K0 + i] += da;
            grad[K1 + i] += db;
        }
        (value, grad)
    }

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|f| f.to_bits()).collect()
    }

    /// Partials of mixed magnitudes and signed zeros, so that any other order of the two additions into
    /// an element (or a dropped `0 +`: both partials of an element above 0.9 are -0) shows in the bits.
    fn df(a: f32, b: f32, g: f32) -> (f32, (f32, f32)) {
        let da = if a > 0.8 { -0.0 } else { g * a * 1e7 + b };
        let db = if b > 0.9 {
            -0.0
        } else {
            g * (b - a * a) * 3.3e-3
        };
        (a * b * 1e5 + a, (da, db))
    }

    fn same<const K0: usize, const K1: usize>(x: &Array1<f32>, n: usize) {
        let (pv, pg) = plain::<K0, K1>(x, n, df);
        let want = (pv.to_bits(), bits(&pg));
        let (v, (_, g)) = pair_sum_value_vjp::<_, K0, K1, false>(x, n, df);
        assert_eq!(
            (v.to_bits(), bits(g.as_slice().unwrap())),
            want,
            "{K0} {K1}, shifted"
        );
        let (v, (_, g)) = pair_sum_value_vjp::<_, K0, K1, true>(x, n, df);
        assert_eq!(
            (v.to_bits(), bits(g.as_slice().unwrap())),
            want,
            "{K0} {K1}, evaluated again"
        );
    }

    #[test]
    fn neighbouring_slices_keep_the_bits_of_the_blocked_loop() {
        for len in [1usize, 2, 3, 8, 9, 10, 16, 17, 25, 33, 100] {
            let x = Array1::from_shape_fn(len, |i| (1.7 * i as f32).sin() * 1.2);
            same::<0, 1>(&x, len - 1);
            same::<1, 0>(&x, len - 1);
            if len >= 4 {
                // Neighbours inside the array, zeros around them; and offsets two apart.
                same::<2, 1>(&x, len - 3);
                same::<0, 2>(&x, len - 3);
            }
        }
    }
}
