use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    x.mapv(f64::exp, f64::ln).sum()
}

fn main() {}
