#[derive(Clone, autodiff::Differentiable)]
struct P {
    w: f64,
}

use autodiff::prelude::*;

#[differentiable]
fn f(p: &P) -> f64 {
    let mut q = p.clone();
    q.w = 2.0;
    q.w * p.w
}

fn main() {}
