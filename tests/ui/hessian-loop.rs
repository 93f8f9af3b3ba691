// `f_hvp` is forward over reverse of straight-line functions for now: a loop is refused at the
// function, with the rewrite.
use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable(hessian)]
fn looped(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i];
    }
    s
}

fn main() {}
