use autodiff::prelude::*;

#[differentiable(argnums = 0, argnums = 1)]
fn f(x: f64, y: f64) -> f64 {
    x * y
}

fn main() {}
