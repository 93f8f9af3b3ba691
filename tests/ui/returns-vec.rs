use autodiff::prelude::*;

#[differentiable]
fn square(x: f64) -> Vec<f64> {
    vec![x * x]
}

fn main() {}
