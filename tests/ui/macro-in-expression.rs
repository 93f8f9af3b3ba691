use autodiff::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let y = dbg!(x);
    y * 2.0
}

fn main() {}
