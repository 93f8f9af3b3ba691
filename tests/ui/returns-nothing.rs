use autodiff::prelude::*;

#[differentiable]
fn nothing(x: f64) {
    let _y = x * x;
}

fn main() {}
