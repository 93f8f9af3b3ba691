use autodiff::ndarray::Array1;
use autodiff::prelude::*;

// Elements of an array a loop writes can be read in that loop (`y[i - 1]`); the whole array cannot.
#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    let mut y = Array1::zeros(x.len());
    let mut s = 0.0;
    for i in 0..x.len() {
        y[i] = x[i] * 2.0;
        s += y.sum();
    }
    s
}

fn main() {}
