use autodiff::prelude::*;

#[differentiable]
fn f(x: &[f64]) -> f64 {
    x.iter().copied().min_by(|a, b| a.total_cmp(b)).unwrap()
}

fn main() {}
