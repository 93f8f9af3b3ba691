// A call inside a `hessian` function needs the callee's forward and second-order rules (`g_jvp`,
// `g_vjp_jvp`), which `#[differentiable(hessian)]` on the callee generates: without them, rustc reports the
// missing rule at the call.
use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn energy(x: &Array1<f64>) -> f64 {
    (x * x).sum()
}

#[differentiable(hessian)]
fn scaled(x: &Array1<f64>) -> f64 {
    2.0 * energy(x) + x.sum()
}

fn main() {}
