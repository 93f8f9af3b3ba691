use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    if x.iter().any(|v| *v > 1.0) {
        x[0] * x[0]
    } else {
        x[0]
    }
}

fn main() {}
