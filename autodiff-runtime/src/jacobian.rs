//! Jacobians of `vjp` functions: one pullback per output component (rows), or one forward pass per
//! component of the parameter (columns) where the function also has `f_jvp` and that is fewer.

use crate::real::Real;
use crate::tangent::Tangent;
pub use ndarray::Array2;
use ndarray::{ArrayBase, Data, Dimension};

/// The float type of a value whose Jacobian is taken (a float, or the elements of an array, a `Vec`, a
/// slice or a fixed array): the element type of `f_jacobian`'s `Array2`.
pub trait FloatElem {
    /// `f32` or `f64`.
    type Elem: Real;
}

impl FloatElem for f32 {
    type Elem = f32;
}
impl FloatElem for f64 {
    type Elem = f64;
}
impl<T: FloatElem + ?Sized> FloatElem for &T {
    type Elem = T::Elem;
}
impl<F: Real> FloatElem for Vec<F> {
    type Elem = F;
}
impl<F: Real> FloatElem for [F] {
    type Elem = F;
}
impl<F: Real, const N: usize> FloatElem for [F; N] {
    type Elem = F;
}
impl<S: Data, D: Dimension> FloatElem for ArrayBase<S, D>
where
    S::Elem: Real,
{
    type Elem = S::Elem;
}

/// The number of scalar components of a tangent.
#[inline]
pub fn num_components<T: Tangent>(t: &T) -> usize {
    t.num_components()
}

/// `zero` with component `i` set to one.
fn unit<T: Tangent>(zero: &T, i: usize) -> T {
    let mut t = zero.clone();
    t.set_component(i, 1.0);
    t
}

/// The `(m, n)` Jacobian by rows: row `i` is `row(e_i)`, the gradient of the parameter (`n`
/// components) for the output seed with component `i` one (`seed_zero` is a zero of the output's
/// tangent, with `m` components).
pub fn jacobian_rows<F: Real, S: Tangent, G: Tangent>(
    seed_zero: &S,
    n: usize,
    mut row: impl FnMut(S) -> G,
) -> Array2<F> {
    let m = seed_zero.num_components();
    let mut out = Array2::zeros((m, n));
    for i in 0..m {
        let g = row(unit(seed_zero, i));
        assert_eq!(
            g.num_components(),
            n,
            "a gradient has the parameter's components"
        );
        for (o, c) in out.row_mut(i).iter_mut().zip(g.components()) {
            *o = F::cast_from(c);
        }
    }
    out
}

/// The `(m, n)` Jacobian by columns: column `j` is `column(e_j)`, the output's tangent (`m` components)
/// along the parameter's tangent with component `j` one (`tangent_zero` is a zero of the parameter's
/// tangent, with `n` components).
pub fn jacobian_columns<F: Real, T: Tangent, O: Tangent>(
    tangent_zero: &T,
    m: usize,
    mut column: impl FnMut(T) -> O,
) -> Array2<F> {
    let n = tangent_zero.num_components();
    let mut out = Array2::zeros((m, n));
    for j in 0..n {
        let t = column(unit(tangent_zero, j));
        assert_eq!(
            t.num_components(),
            m,
            "a tangent has the output's components"
        );
        for (o, c) in out.column_mut(j).iter_mut().zip(t.components()) {
            *o = F::cast_from(c);
        }
    }
    out
}
