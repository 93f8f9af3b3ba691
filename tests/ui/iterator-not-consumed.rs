use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    let doubled = x.iter().map(|v| v * 2.0);
    doubled.sum::<f64>()
}

fn main() {}
