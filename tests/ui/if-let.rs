use autodiff::prelude::*;

#[differentiable]
fn f(x: f64, n: usize) -> f64 {
    if let 0 = n {
        x
    } else {
        x * 2.0
    }
}

fn main() {}
