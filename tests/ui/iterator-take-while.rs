use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    x.iter().take_while(|v| **v > 0.0).map(|v| v * v).sum::<f64>()
}

fn main() {}
