use autodiff::ndarray::Array1;
use autodiff::prelude::*;

type Vector = Array1<f64>;

#[differentiable]
fn double(x: &Array1<f64>) -> Vector {
    x * 2.0
}

fn main() {}
