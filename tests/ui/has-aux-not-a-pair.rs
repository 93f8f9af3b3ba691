use autodiff::prelude::*;

#[differentiable(has_aux)]
fn f(x: f64) -> f64 {
    x * x
}

fn main() {}
