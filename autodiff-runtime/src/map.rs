//! Map kernels: a chain of elementwise operations over arrays of one shape (and scalars) evaluated in
//! one pass over memory, giving several arrays at once. Forward-mode programs (`f_jvp`, `f_hvp`) are
//! long such chains: each value is followed by its tangent, and, forward over reverse, by adjoints and
//! their tangents, all elementwise.
//!
//! The macro prints a chain as
//! `if let Some(shape) = map_shape((&a, &b, s)) { (from_kernel(o1), from_kernel(o2)) from map_kernel(&shape,
//! (&a, &b, s), |(a, b, s)| { ..; (o1, o2) }) } else { the chain unfused }`: the kernel runs where every
//! array operand has the same shape (so every value of the chain has it), the unfused chain otherwise
//! (broadcasting, or a shape mismatch, which it reports). Both give the same values: the closure calls
//! the same rules on each element's scalars that the chain calls on the arrays.

use crate::fused::{combine_lanes, KernelOperand, Prepared, Reader, BLOCK};
use crate::real::Real;
use ndarray::{Array, Dimension, IxDyn};

/// The operands of a map kernel: a tuple of references to kernel operands (arrays of any storage,
/// scalars, slices read in place).
pub trait MapOperands<F> {
    /// The elements of one position, as the closure takes them: a tuple of `F`.
    type Elems;
    /// The shape every array operand has, where they all have one (`None` where two differ).
    fn common_shape(&self) -> Option<IxDyn>;
    /// `f` of every position's elements, in row-major order, into `R`'s buffers.
    fn run<R: MapResults<F>>(&self, shape: &IxDyn, f: impl Fn(Self::Elems) -> R) -> R::Arrays;
}

/// What a map kernel's closure gives for one position: a tuple of outputs, each an `F` (an array of
/// the kernel's shape), a [`Summed`] or a [`Meaned`] (a sum or mean of the values over the shape).
pub trait MapResults<F>: Sized {
    /// The outputs: arrays of the kernel's shape (dynamic-dimensional) and scalars.
    type Arrays;
    /// Where the outputs are collected.
    type Buffers;
    /// Empty buffers for `n` positions.
    fn buffers(n: usize) -> Self::Buffers;
    /// Writes this position's results at `i`, which is lane `lane` of a block of eight, or the element
    /// `lane - 8` of the positions after the last whole block.
    ///
    /// # Safety
    /// `i` is below the `n` the buffers were made for, and every position is written once, in order.
    unsafe fn write(self, buffers: &mut Self::Buffers, i: usize, lane: usize);
    /// The outputs, for `shape`.
    ///
    /// # Safety
    /// Every position below `shape.size()` (the `n` the buffers were made for) was written.
    unsafe fn finish(buffers: Self::Buffers, shape: &IxDyn) -> Self::Arrays;
}

/// One output of a map kernel's closure.
pub trait MapOut<F> {
    /// What collects it.
    type Acc;
    /// What it becomes.
    type Out;
    /// The collector for `n` positions.
    fn acc(n: usize) -> Self::Acc;
    /// See [`MapResults::write`].
    ///
    /// # Safety
    /// As [`MapResults::write`].
    unsafe fn put(self, acc: &mut Self::Acc, i: usize, lane: usize);
    /// See [`MapResults::finish`].
    ///
    /// # Safety
    /// As [`MapResults::finish`].
    unsafe fn finish(acc: Self::Acc, shape: &IxDyn) -> Self::Out;
}

/// A value to be summed over the kernel's shape (`x.sum()` of a value of the chain), in the order of
/// `ndarray`'s sum of a standard-layout array: the same bits as the unfused sum.
pub struct Summed<F>(pub F);

/// A value whose mean over the kernel's shape is taken (`x.mean()`): its sum divided by the number of
/// elements, as `ndarray` divides.
pub struct Meaned<F>(pub F);

/// Eight running sums over whole blocks, and the values after them (added in order at the end).
pub struct SumAcc<F> {
    lanes: [F; BLOCK],
    tail: [F; BLOCK],
}

impl<F: Real> MapOut<F> for F {
    type Acc = Vec<F>;
    type Out = Array<F, IxDyn>;
    #[inline]
    fn acc(n: usize) -> Vec<F> {
        Vec::with_capacity(n)
    }
    #[inline(always)]
    unsafe fn put(self, acc: &mut Vec<F>, i: usize, _: usize) {
        // SAFETY: the caller keeps `i` below the capacity.
        unsafe { acc.as_mut_ptr().add(i).write(self) }
    }
    #[inline]
    unsafe fn finish(mut acc: Vec<F>, shape: &IxDyn) -> Array<F, IxDyn> {
        // SAFETY: the caller wrote every position below `shape.size()`, the capacity.
        unsafe { acc.set_len(shape.size()) };
        Array::from_shape_vec(shape.clone(), acc).expect("one element per position")
    }
}

impl<F: Real> MapOut<F> for Summed<F> {
    type Acc = SumAcc<F>;
    type Out = F;
    #[inline]
    fn acc(_: usize) -> SumAcc<F> {
        SumAcc {
            lanes: [F::zero(); BLOCK],
            tail: [F::zero(); BLOCK],
        }
    }
    #[inline(always)]
    unsafe fn put(self, acc: &mut SumAcc<F>, _: usize, lane: usize) {
        if lane < BLOCK {
            acc.lanes[lane] += self.0;
        } else {
            acc.tail[lane - BLOCK] = self.0;
        }
    }
    #[inline]
    unsafe fn finish(acc: SumAcc<F>, shape: &IxDyn) -> F {
        let mut total = combine_lanes(&core::hint::black_box(acc.lanes));
        for &t in &acc.tail[..shape.size() % BLOCK] {
            total += t;
        }
        total
    }
}

impl<F: Real> MapOut<F> for Meaned<F> {
    type Acc = SumAcc<F>;
    type Out = F;
    #[inline]
    fn acc(n: usize) -> SumAcc<F> {
        <Summed<F> as MapOut<F>>::acc(n)
    }
    #[inline(always)]
    unsafe fn put(self, acc: &mut SumAcc<F>, i: usize, lane: usize) {
        // SAFETY: the caller's promise, passed on.
        unsafe { Summed(self.0).put(acc, i, lane) }
    }
    #[inline]
    #[track_caller]
    unsafe fn finish(acc: SumAcc<F>, shape: &IxDyn) -> F {
        let n = shape.size();
        if n == 0 {
            panic!("mean of an empty array");
        }
        // SAFETY: the caller's promise, passed on.
        let sum = unsafe { <Summed<F> as MapOut<F>>::finish(acc, shape) };
        sum / <F as num_traits::FromPrimitive>::from_usize(n).expect("a count")
    }
}

impl<F: Real> KernelOut<F> for F {
    #[inline]
    fn into_value(self) -> F {
        self
    }
}

/// The shape of a map kernel over `operands`, where every array among them has the same shape; `None`
/// otherwise (the chain then runs unfused).
#[inline]
pub fn map_shape<F, O: MapOperands<F>>(operands: &O) -> Option<IxDyn> {
    operands.common_shape()
}

/// `f` applied to the elements of `operands` at every position of `shape` (from [`map_shape`]): one
/// array of `shape` per result of `f`.
#[inline]
pub fn map_kernel<F, O: MapOperands<F>, R: MapResults<F>>(
    shape: &IxDyn,
    operands: O,
    f: impl Fn(O::Elems) -> R,
) -> R::Arrays {
    operands.run(shape, f)
}

/// Drops `value` (an array whose last reader has run, in a long forward program), or copies it (a
/// scalar or a view) and drops the copy.
#[inline]
pub fn release<T>(value: T) {
    drop(value);
}

/// A map kernel's output as the type the unfused chain gives: an array of its dimension, or a scalar.
pub trait KernelOut<T> {
    /// The value.
    fn into_value(self) -> T;
}

impl<F, D: Dimension> KernelOut<Array<F, D>> for Array<F, IxDyn> {
    #[inline]
    fn into_value(self) -> Array<F, D> {
        self.into_dimensionality::<D>()
            .expect("a map kernel's output has the dimension of the unfused value")
    }
}

/// A kernel's output as the type of the unfused value it stands for.
#[inline]
pub fn from_kernel<T, K: KernelOut<T>>(k: K) -> T {
    k.into_value()
}

macro_rules! map_operands {
    ($($A:ident $a:ident $p:ident $r:ident),+) => {
        impl<'x, F: Real, $($A: KernelOperand<Elem = F> + ?Sized),+> MapOperands<F> for ($(&'x $A,)+) {
            type Elems = ($(map_operands!(@elem $A F),)+);
            #[inline]
            fn common_shape(&self) -> Option<IxDyn> {
                let ($($a,)+) = *self;
                let mut shape: Option<&[usize]> = None;
                $(
                    if let Some(s) = $a.kernel_shape() {
                        match shape {
                            Some(t) if t != s => return None,
                            _ => shape = Some(s),
                        }
                    }
                )+
                // Scalars only: one position.
                Some(IxDyn(shape.unwrap_or(&[])))
            }
            #[inline]
            #[allow(non_snake_case)]
            fn run<R: MapResults<F>>(&self, shape: &IxDyn, f: impl Fn(Self::Elems) -> R) -> R::Arrays {
                let ($($a,)+) = *self;
                let n = shape.size();
                $(let $p = $a.prepare(shape);)+
                $(let $r = $p.reader();)+
                let mut buffers = R::buffers(n);
                let whole = n - n % BLOCK;
                let mut i = 0;
                while i < whole {
                    for l in 0..BLOCK {
                        // SAFETY: every reader was made for `shape`, whose size is `n`, and
                        // `i + l < n`; the buffers were made for `n`, and are written in order.
                        unsafe { f(($($r.get(i + l),)+)).write(&mut buffers, i + l, l) };
                    }
                    i += BLOCK;
                }
                while i < n {
                    // SAFETY: as above; the positions after the last whole block.
                    unsafe { f(($($r.get(i),)+)).write(&mut buffers, i, BLOCK + i - whole) };
                    i += 1;
                }
                // SAFETY: the loop wrote every position below `n`.
                unsafe { R::finish(buffers, shape) }
            }
        }
    };
    (@elem $A:ident $F:ident) => { $F };
}

map_operands!(A0 a0 p0 r0);
map_operands!(A0 a0 p0 r0, A1 a1 p1 r1);
map_operands!(A0 a0 p0 r0, A1 a1 p1 r1, A2 a2 p2 r2);
map_operands!(A0 a0 p0 r0, A1 a1 p1 r1, A2 a2 p2 r2, A3 a3 p3 r3);
map_operands!(A0 a0 p0 r0, A1 a1 p1 r1, A2 a2 p2 r2, A3 a3 p3 r3, A4 a4 p4 r4);
map_operands!(A0 a0 p0 r0, A1 a1 p1 r1, A2 a2 p2 r2, A3 a3 p3 r3, A4 a4 p4 r4, A5 a5 p5 r5);
map_operands!(A0 a0 p0 r0, A1 a1 p1 r1, A2 a2 p2 r2, A3 a3 p3 r3, A4 a4 p4 r4, A5 a5 p5 r5, A6 a6 p6 r6);
map_operands!(A0 a0 p0 r0, A1 a1 p1 r1, A2 a2 p2 r2, A3 a3 p3 r3, A4 a4 p4 r4, A5 a5 p5 r5, A6 a6 p6 r6, A7 a7 p7 r7);
map_operands!(A0 a0 p0 r0, A1 a1 p1 r1, A2 a2 p2 r2, A3 a3 p3 r3, A4 a4 p4 r4, A5 a5 p5 r5, A6 a6 p6 r6, A7 a7 p7 r7, A8 a8 p8 r8);
map_operands!(A0 a0 p0 r0, A1 a1 p1 r1, A2 a2 p2 r2, A3 a3 p3 r3, A4 a4 p4 r4, A5 a5 p5 r5, A6 a6 p6 r6, A7 a7 p7 r7, A8 a8 p8 r8, A9 a9 p9 r9);
map_operands!(A0 a0 p0 r0, A1 a1 p1 r1, A2 a2 p2 r2, A3 a3 p3 r3, A4 a4 p4 r4, A5 a5 p5 r5, A6 a6 p6 r6, A7 a7 p7 r7, A8 a8 p8 r8, A9 a9 p9 r9, A10 a10 p10 r10);
map_operands!(A0 a0 p0 r0, A1 a1 p1 r1, A2 a2 p2 r2, A3 a3 p3 r3, A4 a4 p4 r4, A5 a5 p5 r5, A6 a6 p6 r6, A7 a7 p7 r7, A8 a8 p8 r8, A9 a9 p9 r9, A10 a10 p10 r10, A11 a11 p11 r11);
map_operands!(A0 a0 p0 r0, A1 a1 p1 r1, A2 a2 p2 r2, A3 a3 p3 r3, A4 a4 p4 r4, A5 a5 p5 r5, A6 a6 p6 r6, A7 a7 p7 r7, A8 a8 p8 r8, A9 a9 p9 r9, A10 a10 p10 r10, A11 a11 p11 r11, A12 a12 p12 r12);
map_operands!(A0 a0 p0 r0, A1 a1 p1 r1, A2 a2 p2 r2, A3 a3 p3 r3, A4 a4 p4 r4, A5 a5 p5 r5, A6 a6 p6 r6, A7 a7 p7 r7, A8 a8 p8 r8, A9 a9 p9 r9, A10 a10 p10 r10, A11 a11 p11 r11, A12 a12 p12 r12, A13 a13 p13 r13);
map_operands!(A0 a0 p0 r0, A1 a1 p1 r1, A2 a2 p2 r2, A3 a3 p3 r3, A4 a4 p4 r4, A5 a5 p5 r5, A6 a6 p6 r6, A7 a7 p7 r7, A8 a8 p8 r8, A9 a9 p9 r9, A10 a10 p10 r10, A11 a11 p11 r11, A12 a12 p12 r12, A13 a13 p13 r13, A14 a14 p14 r14);
map_operands!(A0 a0 p0 r0, A1 a1 p1 r1, A2 a2 p2 r2, A3 a3 p3 r3, A4 a4 p4 r4, A5 a5 p5 r5, A6 a6 p6 r6, A7 a7 p7 r7, A8 a8 p8 r8, A9 a9 p9 r9, A10 a10 p10 r10, A11 a11 p11 r11, A12 a12 p12 r12, A13 a13 p13 r13, A14 a14 p14 r14, A15 a15 p15 r15);

/// The most operands a map kernel takes (the macro splits or leaves a longer chain unfused).
pub const MAX_MAP_OPERANDS: usize = 16;

macro_rules! map_results {
    ($($C:ident $v:ident $k:tt),+) => {
        impl<F, $($C: MapOut<F>),+> MapResults<F> for ($($C,)+) {
            type Arrays = ($($C::Out,)+);
            type Buffers = ($($C::Acc,)+);
            #[inline]
            fn buffers(n: usize) -> Self::Buffers {
                ($($C::acc(n),)+)
            }
            #[inline(always)]
            unsafe fn write(self, buffers: &mut Self::Buffers, i: usize, lane: usize) {
                // SAFETY: the caller's promise, passed on.
                unsafe { $(self.$k.put(&mut buffers.$k, i, lane);)+ }
            }
            #[inline]
            unsafe fn finish(buffers: Self::Buffers, shape: &IxDyn) -> Self::Arrays {
                let ($($v,)+) = buffers;
                // SAFETY: the caller's promise, passed on.
                unsafe { ($($C::finish($v, shape),)+) }
            }
        }
    };
}

map_results!(C0 v0 0);
map_results!(C0 v0 0, C1 v1 1);
map_results!(C0 v0 0, C1 v1 1, C2 v2 2);
map_results!(C0 v0 0, C1 v1 1, C2 v2 2, C3 v3 3);
map_results!(C0 v0 0, C1 v1 1, C2 v2 2, C3 v3 3, C4 v4 4);
map_results!(C0 v0 0, C1 v1 1, C2 v2 2, C3 v3 3, C4 v4 4, C5 v5 5);
map_results!(C0 v0 0, C1 v1 1, C2 v2 2, C3 v3 3, C4 v4 4, C5 v5 5, C6 v6 6);
map_results!(C0 v0 0, C1 v1 1, C2 v2 2, C3 v3 3, C4 v4 4, C5 v5 5, C6 v6 6, C7 v7 7);
map_results!(C0 v0 0, C1 v1 1, C2 v2 2, C3 v3 3, C4 v4 4, C5 v5 5, C6 v6 6, C7 v7 7, C8 v8 8);
map_results!(C0 v0 0, C1 v1 1, C2 v2 2, C3 v3 3, C4 v4 4, C5 v5 5, C6 v6 6, C7 v7 7, C8 v8 8, C9 v9 9);
map_results!(C0 v0 0, C1 v1 1, C2 v2 2, C3 v3 3, C4 v4 4, C5 v5 5, C6 v6 6, C7 v7 7, C8 v8 8, C9 v9 9, C10 v10 10);
map_results!(C0 v0 0, C1 v1 1, C2 v2 2, C3 v3 3, C4 v4 4, C5 v5 5, C6 v6 6, C7 v7 7, C8 v8 8, C9 v9 9, C10 v10 10, C11 v11 11);

/// The most outputs a map kernel gives.
pub const MAX_MAP_RESULTS: usize = 12;
