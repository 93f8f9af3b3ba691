use autodiff::prelude::*;

#[differentiable(argnums = 1)]
fn scaled(x: f64, n: usize) -> f64 {
    x * (n as f64)
}

fn main() {}
