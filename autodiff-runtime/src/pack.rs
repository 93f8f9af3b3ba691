//! Literals of scalars (`[a, b]`, `vec![a, b]`, `array![a, b]`, `array![[a, b], [c, d]]`) and their
//! reverse rules: each part's gradient is its element of the literal's gradient.

use crate::operand::ScalarArg;
use crate::real::Real;
use ndarray::{Array1, Array2};

/// A part of a literal of scalars: a scalar (`F`, `&F`).
#[diagnostic::on_unimplemented(
    message = "a literal `[..]`, `vec![..]` or `array![..]` of differentiable values holds scalars, and `{Self}` is not one",
    note = "join arrays with `concatenate![Axis(0), a, b]` or `stack![Axis(0), a, b]`"
)]
pub trait PackPart<F: Real> {
    /// The scalar.
    fn part(&self) -> F;
}

impl<F: Real, S: ScalarArg<F> + ?Sized> PackPart<F> for S {
    #[inline]
    fn part(&self) -> F {
        self.get()
    }
}

/// A part of a literal, by value.
#[inline]
pub fn scalar<F: Real, S: PackPart<F> + ?Sized>(x: &S) -> F {
    x.part()
}

/// `[a, b, ..]`.
#[inline]
pub fn pack_fixed<F: Real, const N: usize>(parts: [F; N]) -> [F; N] {
    parts
}

/// Reverse rule of [`pack_fixed`] for part `k`: element `k` of the gradient.
#[inline]
pub fn pack_fixed_vjp<F: Real, const N: usize>(g: &[F; N], k: usize) -> F {
    g[k]
}

/// `vec![a, b, ..]`.
#[inline]
pub fn pack_vec<F: Real, const N: usize>(parts: [F; N]) -> Vec<F> {
    parts.to_vec()
}

/// Reverse rule of [`pack_vec`] for part `k`: element `k` of the gradient.
///
/// # Panics
/// If the gradient is shorter than the literal (a pullback called with a seed of another length).
#[inline]
#[track_caller]
pub fn pack_vec_vjp<F: Real>(g: &[F], k: usize) -> F {
    g[k]
}

/// `array![a, b, ..]`.
#[inline]
pub fn pack_array1<F: Real, const N: usize>(parts: [F; N]) -> Array1<F> {
    Array1::from_vec(parts.to_vec())
}

/// Reverse rule of [`pack_array1`] for part `k`: element `k` of the gradient.
///
/// # Panics
/// If the gradient is shorter than the literal.
#[inline]
#[track_caller]
pub fn pack_array1_vjp<F: Real>(g: &Array1<F>, k: usize) -> F {
    g[k]
}

/// `array![[a, b], [c, d], ..]`: the parts row by row, rows of `cols` elements.
#[inline]
pub fn pack_array2<F: Real, const N: usize>(parts: [F; N], cols: usize) -> Array2<F> {
    Array2::from_shape_vec((N / cols, cols), parts.to_vec()).expect("rows of `cols` elements")
}

/// Reverse rule of [`pack_array2`] for part `k` (row-major): its element of the gradient.
///
/// # Panics
/// If the gradient does not have the literal's shape.
#[inline]
#[track_caller]
pub fn pack_array2_vjp<F: Real>(g: &Array2<F>, k: usize) -> F {
    let cols = g.ncols();
    g[[k / cols, k % cols]]
}
