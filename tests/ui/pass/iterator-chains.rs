//! Iterator loops and reductions compile without warnings in a crate that denies them, beside constant
//! chains that are evaluated as written.
#![deny(warnings)]
use autodiff::ndarray::{array, Array1};
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>, ks: &[usize]) -> f64 {
    let mut s = x.iter().map(|v| v * v).sum::<f64>();
    for (i, (a, b)) in x.iter().zip(x.iter().skip(1)).enumerate() {
        s += a * b * i as f64;
    }
    let k = *ks.iter().max().unwrap();
    s + x.iter().rev().fold(0.0, |acc, &v| acc * 0.5 + v) * x[k]
}

#[differentiable]
fn g(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for v in x.iter().rev() {
        s = s * 0.5 + v;
    }
    s
}

fn main() {
    assert_eq!(g_grad(&array![1.0, 1.0]), array![1.0, 0.5]);
    let g = f_grad(&array![1.0, 2.0, 3.0], &[2]);
    assert_eq!(g.len(), 3);
}
