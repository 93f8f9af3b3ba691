//! `collect` of an iterator chain, `push` in a `for` loop, a loop over `rows()` and `ndarray`'s `fold`:
//! compile with no warning, and differentiate.
#![deny(warnings)]

use autodiff::ndarray::{array, Array1, Array2};
use autodiff::prelude::*;

#[differentiable]
fn collected(x: &Array1<f64>) -> f64 {
    let y: Vec<f64> = x.iter().map(|v| v * 2.0).collect();
    y[0] * y[1]
}

#[differentiable]
fn pushed(x: &Array1<f64>) -> f64 {
    let mut v = Vec::new();
    for i in 0..x.len() {
        v.push(x[i] * x[i]);
    }
    v[0] + v[1]
}

#[differentiable]
fn row_sums(m: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for row in m.rows() {
        s += row.sum().powi(2);
    }
    s
}

#[differentiable]
fn largest(x: &Array1<f64>) -> f64 {
    x.fold(f64::NEG_INFINITY, |m, &v| m.max(v))
}

fn main() {
    let x = array![1.5, -2.0];
    // 4 x0 x1.
    assert_eq!(collected_grad(&x), array![-8.0, 6.0]);
    assert_eq!(pushed_grad(&x), array![3.0, -4.0]);
    assert_eq!(largest_grad(&x), array![1.0, 0.0]);
    let m = array![[1.0, 2.0], [3.0, -1.0]];
    assert_eq!(row_sums_grad(&m), array![[6.0, 6.0], [4.0, 4.0]]);
}
