use autodiff::prelude::*;

#[differentiable(has_aux)]
fn f(x: f64) -> (f64, f64) {
    let pair = (x * x, x);
    pair
}

fn main() {}
