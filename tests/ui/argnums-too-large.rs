use autodiff::prelude::*;

#[differentiable(argnums = 99999999999999999999999)]
fn f(x: f64) -> f64 {
    x
}

fn main() {}
