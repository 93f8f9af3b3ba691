// A `mapv` closure with a branch is not arithmetic of the element: `hessian` reports it at the closure's
// `mapv`, with the rewrite.
use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable(hessian)]
fn rectified(x: &Array1<f64>) -> f64 {
    x.mapv(|v| if v > 0.0 { v * v } else { 0.0 }).sum()
}

fn main() {}
