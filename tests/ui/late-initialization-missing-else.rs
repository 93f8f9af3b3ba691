use autodiff::prelude::*;

#[differentiable]
fn pick(x: f64) -> f64 {
    let b;
    if x > 0.0 {
        b = x * 2.0;
    }
    b * x
}

fn main() {}
