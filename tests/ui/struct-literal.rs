#[derive(Clone, autodiff::Differentiable)]
struct P {
    w: f64,
}

use autodiff::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let p = P { w: x };
    p.w
}

fn main() {}
