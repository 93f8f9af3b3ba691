// A `mapv` closure with a branch has a second-order rule of its own (forward over its adjoint, per
// element) where the values it reads besides its element are constants: one that reads a parameter that
// varies is reported at the closure's `mapv`, with the rewrite.
use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable(hessian)]
fn rectified(x: &Array1<f64>, s: f64) -> f64 {
    x.mapv(|v| if v > 0.0 { v * s } else { 0.0 }).sum()
}

fn main() {}
