// Second order differentiates the gradient of a scalar function: `has_aux` and `vjp` are refused at
// the option, with the rewrite.
use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable(has_aux, hessian)]
fn with_aux(x: &Array1<f64>) -> (f64, usize) {
    (x.powi(2).sum(), x.len())
}

#[differentiable(vjp, hessian)]
fn any_output(x: &Array1<f64>) -> Array1<f64> {
    x.powi(2)
}

fn main() {}
