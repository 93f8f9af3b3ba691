use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    let mut y = Array1::zeros(x.len());
    y[0] = x[0];
    for i in 1..x.len() {
        y[i] = y[i - 1] * x[i];
    }
    y.sum()
}

fn main() {}
