use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    let mut ys = vec![Array1::zeros(3)];
    ys[0][1] = x[0];
    x.sum()
}

fn main() {}
