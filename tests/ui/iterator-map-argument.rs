use autodiff::ndarray::Array1;
use autodiff::prelude::*;

fn scale(k: f64) -> impl Fn(&f64) -> f64 {
    move |v| v * k
}

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    x.iter().map(scale(2.0)).sum::<f64>()
}

fn main() {}
