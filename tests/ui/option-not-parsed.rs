use autodiff::prelude::*;

#[differentiable(argnums = x)]
fn f(x: f64) -> f64 {
    x
}

fn main() {}
