use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    2.0 * x.iter().nth(2).unwrap()
}

fn main() {}
