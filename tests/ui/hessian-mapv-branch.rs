// A `mapv` closure with a branch has a second-order rule of its own (forward over its adjoint, per
// element), scalars it reads from outside included; one that reads an element of an array that varies
// is reported at the closure's `mapv`, with the rewrite.
use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable(hessian)]
fn rectified(x: &Array1<f64>) -> f64 {
    x.mapv(|v| if v > 0.0 { v * x[0] } else { 0.0 }).sum()
}

fn main() {}
