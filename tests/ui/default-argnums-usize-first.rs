use autodiff::prelude::*;

#[differentiable]
fn scaled(n: usize, x: f64) -> f64 {
    x * (n as f64)
}

fn main() {}
