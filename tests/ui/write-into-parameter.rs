use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(mut x: Array1<f64>) -> f64 {
    x[0] = 1.0;
    x.sum()
}

#[differentiable]
fn g(mut y: Array1<f64>) -> f64 {
    for i in 0..y.len() {
        y[i] += 1.0;
    }
    y.sum()
}

#[differentiable]
fn h(z: Array1<f64>) -> f64 {
    let mut z = z;
    z[0] = 1.0;
    z.sum()
}

fn main() {}
