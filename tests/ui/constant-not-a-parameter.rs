// `constant` names parameters; a name that is not one is reported at the name, and `argnums` that
// selects a parameter `constant` names says why it has no gradient.
use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[derive(Clone, Copy)]
pub enum Mode {
    A,
    B,
}

#[differentiable(constant = (mode, mood))]
fn f(x: &Array1<f64>, mode: Mode) -> f64 {
    match mode {
        Mode::A => x.sum(),
        Mode::B => x.powi(2).sum(),
    }
}

#[differentiable(argnums = 1, constant = s)]
fn g(x: &Array1<f64>, s: f64) -> f64 {
    x.sum() * s
}

fn main() {}
