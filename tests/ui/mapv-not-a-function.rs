use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    x.mapv(make()).sum()
}

fn make() -> fn(f64) -> f64 {
    f64::exp
}

fn main() {}
