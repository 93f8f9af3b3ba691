use autodiff::prelude::*;

#[differentiable]
fn f(x: f64, pairs: &[[usize; 2]]) -> f64 {
    let mut s = 0.0;
    for (i, [a, b]) in pairs.iter().enumerate() {
        s += x * (a * b + i) as f64;
    }
    s
}

fn main() {}
