use autodiff::ndarray::array;
use autodiff::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let v = array![x, 2.0];
    v.sum()
}

fn main() {}
