use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        s += v * i as f64;
    }
    s
}

#[differentiable]
fn g(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for v in x.iter().rev() {
        s = s * 0.5 + v;
    }
    s
}

fn main() {}
