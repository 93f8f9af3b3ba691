use autodiff::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let _r = 0.0..x;
    x
}

fn main() {}
