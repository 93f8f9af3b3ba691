//! Linear algebra: `dot` of vectors and matrices, and transposition, with their reverse rules.
//!
//! `C = A·B` has `Ā = G·Bᵀ` and `B̄ = Aᵀ·G`; the vector cases are the same with outer products.

use crate::operand::ArrayArg;
use crate::real::Real;
use ndarray::{Array, Array1, Array2, ArrayView, Dimension, Ix1, Ix2};
use std::borrow::Borrow;

/// The pairs of dimensions that `dot` accepts, and what each one gives.
pub trait DotDims<Rhs: Dimension>: Dimension {
    /// `F` for vector·vector, `Array1<F>` for matrix·vector and vector·matrix, `Array2<F>` for matrices.
    type Product<F: Real>;
    /// `a.dot(&b)`.
    fn dot<F: Real>(a: ArrayView<'_, F, Self>, b: ArrayView<'_, F, Rhs>) -> Self::Product<F>;
    /// The gradient of `a`.
    fn dot_vjp0<F: Real>(
        a: ArrayView<'_, F, Self>,
        b: ArrayView<'_, F, Rhs>,
        g: &Self::Product<F>,
    ) -> Array<F, Self>;
    /// The gradient of `b`.
    fn dot_vjp1<F: Real>(
        a: ArrayView<'_, F, Self>,
        b: ArrayView<'_, F, Rhs>,
        g: &Self::Product<F>,
    ) -> Array<F, Rhs>;
}

impl DotDims<Ix1> for Ix1 {
    type Product<F: Real> = F;
    #[inline]
    #[track_caller]
    fn dot<F: Real>(a: ArrayView<'_, F, Ix1>, b: ArrayView<'_, F, Ix1>) -> F {
        a.dot(&b)
    }
    #[inline]
    #[track_caller]
    fn dot_vjp0<F: Real>(_a: ArrayView<'_, F, Ix1>, b: ArrayView<'_, F, Ix1>, g: &F) -> Array1<F> {
        b.mapv(|v| v * *g)
    }
    #[inline]
    #[track_caller]
    fn dot_vjp1<F: Real>(a: ArrayView<'_, F, Ix1>, _b: ArrayView<'_, F, Ix1>, g: &F) -> Array1<F> {
        a.mapv(|v| v * *g)
    }
}

impl DotDims<Ix1> for Ix2 {
    type Product<F: Real> = Array1<F>;
    #[inline]
    #[track_caller]
    fn dot<F: Real>(a: ArrayView<'_, F, Ix2>, b: ArrayView<'_, F, Ix1>) -> Array1<F> {
        a.dot(&b)
    }
    #[inline]
    #[track_caller]
    fn dot_vjp0<F: Real>(
        a: ArrayView<'_, F, Ix2>,
        b: ArrayView<'_, F, Ix1>,
        g: &Array1<F>,
    ) -> Array2<F> {
        check_product_seed(&a, &b, g.shape());
        outer(&g.view(), &b)
    }
    #[inline]
    #[track_caller]
    fn dot_vjp1<F: Real>(
        a: ArrayView<'_, F, Ix2>,
        b: ArrayView<'_, F, Ix1>,
        g: &Array1<F>,
    ) -> Array1<F> {
        check_product_seed(&a, &b, g.shape());
        transposed_mat_vec(&a, &g.view())
    }
}

impl DotDims<Ix2> for Ix1 {
    type Product<F: Real> = Array1<F>;
    #[inline]
    #[track_caller]
    fn dot<F: Real>(a: ArrayView<'_, F, Ix1>, b: ArrayView<'_, F, Ix2>) -> Array1<F> {
        a.dot(&b)
    }
    #[inline]
    #[track_caller]
    fn dot_vjp0<F: Real>(
        a: ArrayView<'_, F, Ix1>,
        b: ArrayView<'_, F, Ix2>,
        g: &Array1<F>,
    ) -> Array1<F> {
        check_product_seed(&a, &b, g.shape());
        b.dot(g)
    }
    #[inline]
    #[track_caller]
    fn dot_vjp1<F: Real>(
        a: ArrayView<'_, F, Ix1>,
        b: ArrayView<'_, F, Ix2>,
        g: &Array1<F>,
    ) -> Array2<F> {
        check_product_seed(&a, &b, g.shape());
        outer(&a, &g.view())
    }
}

impl DotDims<Ix2> for Ix2 {
    type Product<F: Real> = Array2<F>;
    #[inline]
    #[track_caller]
    fn dot<F: Real>(a: ArrayView<'_, F, Ix2>, b: ArrayView<'_, F, Ix2>) -> Array2<F> {
        mat_mul(&a, &b)
    }
    #[inline]
    #[track_caller]
    fn dot_vjp0<F: Real>(
        a: ArrayView<'_, F, Ix2>,
        b: ArrayView<'_, F, Ix2>,
        g: &Array2<F>,
    ) -> Array2<F> {
        check_product_seed(&a, &b, g.shape());
        mat_mul(&g.view(), &b.t())
    }
    #[inline]
    #[track_caller]
    fn dot_vjp1<F: Real>(
        a: ArrayView<'_, F, Ix2>,
        b: ArrayView<'_, F, Ix2>,
        g: &Array2<F>,
    ) -> Array2<F> {
        check_product_seed(&a, &b, g.shape());
        mat_mul(&a.t(), &g.view())
    }
}

/// Panics, at the caller's location, unless `a` and `b` are aligned for `a.dot(&b)`: the last axis of
/// `a` as long as the first axis of `b` (`ndarray` would panic at a line of its own).
#[inline]
#[track_caller]
fn check_aligned(a: &[usize], b: &[usize]) {
    if a.last() != b.first() {
        panic!("dot: shapes {a:?} and {b:?} are not aligned");
    }
}

/// Panics, at the caller's location, unless `g` has the shape of `a.dot(&b)` (a pullback called with a
/// seed of the wrong shape).
#[inline]
#[track_caller]
fn check_product_seed<F, D1: Dimension, D2: Dimension>(
    a: &ArrayView<'_, F, D1>,
    b: &ArrayView<'_, F, D2>,
    g: &[usize],
) {
    check_aligned(a.shape(), b.shape());
    let (ra, rb) = (a.shape(), b.shape());
    let product: Vec<usize> = ra[..ra.len() - 1].iter().chain(&rb[1..]).copied().collect();
    crate::shape::check_seed(&product, g);
}

/// `aᵀ g`. For `a` in standard layout, as a sum of its rows scaled by `g` (four rows at a time, so that
/// the result is loaded and stored a quarter as often): each row is read contiguously, where the
/// columns that `a.t().dot(&g)` reads are strided.
fn transposed_mat_vec<F: Real>(a: &ArrayView<'_, F, Ix2>, g: &ArrayView<'_, F, Ix1>) -> Array1<F> {
    let (Some(flat), Some(g)) = (a.as_slice(), g.as_slice()) else {
        return a.t().dot(g);
    };
    let n = a.ncols();
    let mut out = vec![F::zero(); n];
    if n == 0 {
        return Array1::from_vec(out);
    }
    let mut quads = flat.chunks_exact(4 * n);
    let mut seeds = g.chunks_exact(4);
    for (rows, gs) in (&mut quads).zip(&mut seeds) {
        let (r0, rest) = rows.split_at(n);
        let (r1, rest) = rest.split_at(n);
        let (r2, r3) = rest.split_at(n);
        let (g0, g1, g2, g3) = (gs[0], gs[1], gs[2], gs[3]);
        for ((((y, &a0), &a1), &a2), &a3) in out.iter_mut().zip(r0).zip(r1).zip(r2).zip(r3) {
            *y += g0 * a0 + g1 * a1 + g2 * a2 + g3 * a3;
        }
    }
    for (row, &gi) in quads.remainder().chunks_exact(n).zip(seeds.remainder()) {
        for (y, &v) in out.iter_mut().zip(row) {
            *y += gi * v;
        }
    }
    Array1::from_vec(out)
}

/// `a·b` in standard (row-major) layout, as every other array the generated code makes. `ndarray`'s `dot`
/// returns a column-major product when both operands have unit row strides, which is what `G·Bᵀ` is for a
/// layer with one output (a column times a row); an elementwise rule that then zips that gradient with
/// row-major values walks one of them by columns (W4's `tanh` reverse took 214 µs in place of 10).
fn mat_mul<F: Real>(a: &ArrayView<'_, F, Ix2>, b: &ArrayView<'_, F, Ix2>) -> Array2<F> {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    if m < 2 || n < 2 || a.strides()[0] != 1 || b.strides()[0] != 1 {
        return a.dot(b);
    }
    if k == 1 {
        return outer(&a.column(0), &b.row(0));
    }
    let mut out = Array2::zeros((m, n));
    ndarray::linalg::general_mat_mul(F::one(), a, b, F::zero(), &mut out);
    out
}

/// The outer product `u vᵀ`.
fn outer<F: Real>(u: &ArrayView<'_, F, Ix1>, v: &ArrayView<'_, F, Ix1>) -> Array2<F> {
    let v = v.as_standard_layout();
    let v = v.as_slice().expect("standard layout");
    let mut out = Vec::with_capacity(u.len() * v.len());
    for &ui in u {
        out.extend(v.iter().map(|&vj| ui * vj));
    }
    Array2::from_shape_vec((u.len(), v.len()), out).expect("one element per pair")
}

/// `a.dot(&b)` for vectors and matrices.
#[inline]
#[track_caller]
pub fn dot<A, B>(a: &A, b: &B) -> <A::Dim as DotDims<B::Dim>>::Product<A::Elem>
where
    A: ArrayArg + ?Sized,
    B: ArrayArg<Elem = A::Elem> + ?Sized,
    A::Dim: DotDims<B::Dim>,
{
    let (a, b) = (a.view(), b.view());
    check_aligned(a.shape(), b.shape());
    <A::Dim as DotDims<B::Dim>>::dot(a, b)
}

/// Reverse rule of [`dot`] for `a`.
#[inline]
#[track_caller]
pub fn dot_vjp0<A, B>(
    a: &A,
    b: &B,
    g: impl Borrow<<A::Dim as DotDims<B::Dim>>::Product<A::Elem>>,
) -> Array<A::Elem, A::Dim>
where
    A: ArrayArg + ?Sized,
    B: ArrayArg<Elem = A::Elem> + ?Sized,
    A::Dim: DotDims<B::Dim>,
{
    let (a, b) = (a.view(), b.view());
    check_aligned(a.shape(), b.shape());
    <A::Dim as DotDims<B::Dim>>::dot_vjp0(a, b, g.borrow())
}

/// Reverse rule of [`dot`] for `b`.
#[inline]
#[track_caller]
pub fn dot_vjp1<A, B>(
    a: &A,
    b: &B,
    g: impl Borrow<<A::Dim as DotDims<B::Dim>>::Product<A::Elem>>,
) -> Array<A::Elem, B::Dim>
where
    A: ArrayArg + ?Sized,
    B: ArrayArg<Elem = A::Elem> + ?Sized,
    A::Dim: DotDims<B::Dim>,
{
    let (a, b) = (a.view(), b.view());
    check_aligned(a.shape(), b.shape());
    <A::Dim as DotDims<B::Dim>>::dot_vjp1(a, b, g.borrow())
}

/// `x.t()` / `x.reversed_axes()`, as an owned array (so that it can outlive the borrow it came from).
#[inline]
pub fn t<X: ArrayArg + ?Sized>(x: &X) -> Array<X::Elem, X::Dim> {
    x.view().reversed_axes().to_owned()
}

/// Reverse rule of [`t`]: the gradient transposed back.
#[inline]
pub fn t_vjp<X: ArrayArg + ?Sized>(x: &X, g: Array<X::Elem, X::Dim>) -> Array<X::Elem, X::Dim> {
    let _ = x;
    let t = g.reversed_axes();
    if t.is_standard_layout() {
        t
    } else {
        t.as_standard_layout().into_owned()
    }
}
