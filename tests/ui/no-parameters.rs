use autodiff::prelude::*;

#[differentiable]
fn f() -> f64 {
    1.0
}

fn main() {}
