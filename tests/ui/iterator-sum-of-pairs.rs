use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    x.iter().enumerate().sum::<f64>()
}

fn main() {}
