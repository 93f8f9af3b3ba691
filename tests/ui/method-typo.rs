use autodiff::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    x.tahn() * x
}

fn main() {}
