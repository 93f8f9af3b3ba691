use autodiff::prelude::*;

#[differentiable]
fn last(x: f64, n: usize) -> f64 {
    let b;
    for i in 0..n {
        b = x * i as f64;
    }
    b
}

fn main() {}
