use autodiff::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let sq = |v: f64| v * v;
    let pair = (sq, x);
    pair.1
}

fn main() {}
