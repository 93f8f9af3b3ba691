use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    let y: Vec<f64> = x.iter().map(|v| v * 2.0).collect();
    y[0]
}

fn main() {}
