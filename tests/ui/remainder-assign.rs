use autodiff::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut s = x * 3.0;
    s %= 2.0;
    s
}

fn main() {}
