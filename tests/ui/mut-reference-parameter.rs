use autodiff::prelude::*;

#[differentiable]
fn f(x: &mut f64) -> f64 {
    *x += 1.0;
    *x * 2.0
}

fn main() {}
