use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    let mut y = Array1::zeros(3);
    for i in 0..3 {
        y[i] = x[i];
        y = y * 2.0;
    }
    y.sum()
}

fn main() {}
