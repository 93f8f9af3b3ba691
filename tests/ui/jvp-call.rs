// Forward mode goes through a callee's forward rule, a method's too (`m.energy_jvp(x, tangents)`): a
// method without `jvp` has none, and rustc reports the missing rule at the call.
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
