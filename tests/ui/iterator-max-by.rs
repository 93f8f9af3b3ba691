use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    *x.iter().max_by(|a, b| a.total_cmp(b)).unwrap()
}

fn main() {}
