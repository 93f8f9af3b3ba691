use autodiff::prelude::*;

static mut SCALE: f64 = 1.0;

#[differentiable]
fn f(x: f64) -> f64 {
    SCALE = 2.0;
    x
}

fn main() {}
