use autodiff::ndarray::Array2;
use autodiff::prelude::*;

#[differentiable]
fn f(m: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for row in m.rows() {
        s += row.sum();
    }
    s
}

fn main() {}
