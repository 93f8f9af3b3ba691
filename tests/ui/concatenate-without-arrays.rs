use autodiff::ndarray::{concatenate, Array1};
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    let c: Array1<f64> = concatenate![];
    c.sum() + x.sum()
}

fn main() {}
