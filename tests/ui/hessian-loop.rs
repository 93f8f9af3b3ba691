// `f_hvp` is forward over reverse of an adjoint program written as IR: loops that carry an array the
// body reads (a recurrence over arrays) and loops that write elements of a local array are refused at
// the function, with the rewrite.
use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable(hessian)]
fn array_recurrence(x: &Array1<f64>) -> f64 {
    let mut h = Array1::zeros(x.len());
    for _ in 0..3 {
        h = (&h * 0.9 + x).mapv(f64::tanh);
    }
    h.sum()
}

#[differentiable(hessian)]
fn doubled(x: &Array1<f64>) -> f64 {
    let mut y = Array1::zeros(x.len());
    for i in 0..x.len() {
        y[i] = x[i] * x[i];
    }
    y.sum()
}

fn main() {}
