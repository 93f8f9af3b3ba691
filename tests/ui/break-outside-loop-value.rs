use autodiff::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut s = x;
    for _ in 0..3 {
        s = if s > 1.0 { break } else { s * 2.0 };
    }
    s
}

fn main() {}
