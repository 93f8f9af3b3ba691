// A struct literal with `..base` is refused at the base, with a rewrite (list every field).
#[derive(Clone, autodiff::Differentiable)]
struct P {
    w: f64,
    b: f64,
}

use autodiff::prelude::*;

#[differentiable]
fn f(x: f64, q: &P) -> f64 {
    let p = P { w: x, ..q.clone() };
    p.w + p.b
}

fn main() {}
