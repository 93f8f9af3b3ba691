//! A tuple of integers is a constant parameter; `let _ = e;` drops a value.
use autodiff::prelude::*;

#[differentiable]
fn scaled(x: f64, shape: (usize, usize)) -> f64 {
    let unused = x * 2.0;
    let _ = unused;
    x * (shape.0 * shape.1) as f64
}

fn main() {
    assert_eq!(scaled_grad(1.5, (2, 3)), 6.0);
}
