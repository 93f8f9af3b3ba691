use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    x.iter().fold(0.0, |acc| acc * 2.0)
}

fn main() {}
