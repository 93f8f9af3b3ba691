use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    let mut y = x.to_owned();
    for v in y.iter_mut() {
        *v *= 2.0;
    }
    y.sum()
}

fn main() {}
