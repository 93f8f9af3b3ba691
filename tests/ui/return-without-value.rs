use autodiff::prelude::*;

#[differentiable(has_aux)]
fn f(x: f64) -> (f64, f64) {
    let _y = x * 2.0;
    return;
}

fn main() {}
