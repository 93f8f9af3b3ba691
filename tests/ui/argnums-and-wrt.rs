use autodiff::prelude::*;

#[differentiable(argnums = 0, wrt = y)]
fn product(x: f64, y: f64) -> f64 {
    x * y
}

fn main() {}
