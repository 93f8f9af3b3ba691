// Forward mode goes through a callee's `g_jvp`; it does not differentiate method calls yet: the error
// is at the call and says what to write instead.
use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[derive(Clone, Differentiable)]
struct Model {
    w: Array1<f64>,
}

impl Model {
    #[differentiable]
    fn energy(&self, x: &Array1<f64>) -> f64 {
        self.w.dot(x)
    }
}

#[differentiable(jvp)]
fn f(m: &Model, x: &Array1<f64>) -> f64 {
    m.energy(x).sin()
}

fn main() {}
