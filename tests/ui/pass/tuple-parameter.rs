//! A tuple parameter: its gradient is the tuple of its elements' gradients.
#![deny(warnings)]

use autodiff::prelude::*;

#[differentiable]
fn product(p: (f64, f64)) -> f64 {
    p.0 * p.1
}

fn main() {
    let g: (f64, f64) = product_grad((1.0, 2.0));
    assert_eq!(g, (2.0, 1.0));
}
