use autodiff::prelude::*;

#[differentiable]
fn weighted(x: f64, ks: Vec<usize>) -> f64 {
    let mut s = 0.0;
    for k in ks {
        s += x * k as f64;
    }
    s
}

fn main() {
    let _g = weighted_grad(1.0, vec![1, 2]);
}
