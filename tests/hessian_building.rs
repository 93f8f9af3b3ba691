//! Second order of functions that build values: `concatenate!`, `stack!`, literals of scalars (`array!` of
//! one and two dimensions, fixed arrays, `vec!`, tuples), a `Vec` filled by `push` in one loop and read
//! in another, iterator chains collected into a `Vec` or an array, `from_shape_fn`, row iteration,
//! `fold` and a local closure. Each `f_hvp` against central differences of `f_grad`, and `f_jvp` (which
//! `hessian` generates too) against the gradient along the direction.
#![deny(warnings)]

use autodiff::ndarray::{array, concatenate, stack, Array1, Array2, Axis};
use autodiff::prelude::*;
mod common;
use common::{check_hvp, close_slices as close, fd_hvp};

#[differentiable(hessian)]
fn concatenated(x: &Array1<f64>) -> f64 {
    let y = concatenate![Axis(0), x.view(), x.mapv(f64::sin).view()];
    (&y * &y).mapv(f64::sin).sum()
}

#[differentiable(hessian)]
fn stacked(x: &Array1<f64>) -> f64 {
    let y = stack![Axis(0), x.view(), x.mapv(f64::sin).view()];
    (&y * &y).mapv(f64::sin).sum() + y.sum_axis(Axis(0)).mapv(f64::cos).sum()
}

#[differentiable(hessian)]
fn literal1(x: &Array1<f64>) -> f64 {
    let y = array![x[0] * x[1], x[1].sin(), 2.0];
    (&y * &y).mapv(f64::sin).sum()
}

#[differentiable(hessian)]
fn literal2(x: &Array1<f64>) -> f64 {
    let y = array![[x[0] * x[1], x[1].sin()], [x[2], 1.0]];
    y.dot(&y).mapv(f64::sin).sum()
}

#[differentiable(hessian)]
#[allow(clippy::useless_vec)] // a `vec!` literal is what is tested
fn fixed_and_vec(x: &Array1<f64>) -> f64 {
    let a = [x[0] * x[1], x[1].sin()];
    let b = vec![x[2] * a[0], a[1].exp()];
    (a[0] * a[1]).sin() + b.iter().sum::<f64>() * b[0]
}

#[differentiable(hessian)]
fn tupled(x: &Array1<f64>) -> f64 {
    let t = (x.sum(), x[0], x.mapv(f64::cos));
    (t.0 * t.1).sin() + t.2.sum() * t.0
}

#[differentiable(hessian)]
fn pushed(x: &Array1<f64>) -> f64 {
    let mut v = Vec::new();
    for i in 0..x.len() {
        v.push(x[i] * x[i]);
    }
    v.iter().map(|a| a.sin()).sum::<f64>() * v[0]
}

#[differentiable(hessian)]
fn collected(x: &Array1<f64>) -> f64 {
    let y: Vec<f64> = x.iter().map(|v| v.sin()).collect::<Vec<f64>>();
    let z = Array1::from_iter(x.iter().map(|v| v * 2.0));
    y.iter()
        .zip(x.iter())
        .map(|(a, b)| a * b)
        .sum::<f64>()
        .sin()
        + (&z * x).mapv(f64::sin).sum()
}

#[differentiable(hessian)]
fn from_shape(x: &Array1<f64>) -> f64 {
    let y = Array1::from_shape_fn(x.len(), |i| x[i] * x[(i + 1) % x.len()]);
    (&y * x).mapv(f64::sin).sum()
}

#[differentiable(hessian)]
fn folded(x: &Array1<f64>) -> f64 {
    let sq = |v: f64| v * v.sin();
    x.iter().fold(0.0, |acc, v| acc * 0.5 + v.sin()) + sq(x[0]) * sq(x[2])
}

#[differentiable(hessian)]
fn by_rows(m: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for r in m.rows() {
        s += r.dot(&r).sin();
    }
    s * m.sum()
}

fn point() -> Array1<f64> {
    array![0.3, -0.7, 1.1]
}

fn direction() -> Array1<f64> {
    array![0.5, 0.2, -0.9]
}

/// `f_hvp` against differences of `f_grad`, and `f_jvp` against `grad . v`.
macro_rules! check {
    ($hvp:ident, $grad:ident, $jvp:ident) => {{
        let (x, v) = (point(), direction());
        check_hvp(stringify!($hvp), $hvp, $grad, &x, &v);
        let (_, t) = $jvp(&x, (v.clone(),));
        close(&[t], &[$grad(&x).dot(&v)], 1e-12, stringify!($jvp));
    }};
}

#[test]
fn joins() {
    check!(concatenated_hvp, concatenated_grad, concatenated_jvp);
    check!(stacked_hvp, stacked_grad, stacked_jvp);
}

#[test]
fn literals() {
    check!(literal1_hvp, literal1_grad, literal1_jvp);
    check!(literal2_hvp, literal2_grad, literal2_jvp);
    check!(fixed_and_vec_hvp, fixed_and_vec_grad, fixed_and_vec_jvp);
    check!(tupled_hvp, tupled_grad, tupled_jvp);
}

#[test]
fn vecs_and_iterators() {
    check!(pushed_hvp, pushed_grad, pushed_jvp);
    check!(collected_hvp, collected_grad, collected_jvp);
    check!(from_shape_hvp, from_shape_grad, from_shape_jvp);
    check!(folded_hvp, folded_grad, folded_jvp);
}

#[test]
fn rows_of_a_matrix() {
    let m = array![[0.3, -0.7, 1.1], [0.2, 0.4, 0.5]];
    let v = array![[0.5, 0.2, -0.9], [1.0, 0.1, 0.3]];
    let got = by_rows_hvp(&m, v.clone());
    let flat = |a: &Array2<f64>| Array1::from_iter(a.iter().copied());
    let want = fd_hvp(
        |y: &Array1<f64>| {
            flat(&by_rows_grad(
                &y.clone().into_shape_with_order((2, 3)).unwrap(),
            ))
        },
        &flat(&m),
        &flat(&v),
    );
    close(
        flat(&got).as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-6,
        "rows",
    );
    // The whole Hessian (six products) is symmetric to rounding, and its product with `v` is `f_hvp`'s.
    let h = by_rows_hessian(&m);
    let asym = (&h - &h.t()).mapv(f64::abs).fold(0.0_f64, |a, &b| a.max(b));
    assert!(asym < 1e-12, "asymmetry {asym}");
    close(
        h.dot(&flat(&v)).as_slice().unwrap(),
        flat(&got).as_slice().unwrap(),
        1e-12,
        "H v",
    );
}
