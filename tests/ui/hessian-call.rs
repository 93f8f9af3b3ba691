// A call inside a `hessian` function needs the callee's forward and second-order rules (`g_jvp`,
// `g_vjp_jvp`), which `#[differentiable(hessian)]` on the callee generates: without them, rustc reports the
// missing rule at the call. A call with an argument that does not vary (a count) is refused at the call,
// with the rewrite.
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

#[differentiable(hessian)]
fn powered(x: &Array1<f64>, k: i32) -> f64 {
    x.powi(k).sum()
}

#[differentiable(hessian)]
fn counted(x: &Array1<f64>) -> f64 {
    powered(x, 3) * 2.0
}

fn main() {}
