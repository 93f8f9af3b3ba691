use autodiff::ndarray::Array2;
use autodiff::prelude::*;

#[differentiable]
fn f(m: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for ((i, _), v) in m.indexed_iter() {
        s += *v * i as f64;
    }
    s
}

fn main() {}
