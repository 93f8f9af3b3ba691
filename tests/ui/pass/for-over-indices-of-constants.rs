//! The rewrite that the error for `for k in ks` suggests compiles and differentiates.
use autodiff::prelude::*;

#[differentiable]
fn weighted(x: f64, ks: Vec<usize>) -> f64 {
    let mut s = 0.0;
    for j in 0..ks.len() {
        let k = ks[j];
        s += x * k as f64;
    }
    s
}

fn main() {
    assert_eq!(weighted_grad(1.0, vec![1, 2]), 3.0);
}
