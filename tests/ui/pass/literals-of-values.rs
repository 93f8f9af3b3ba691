//! Literals of differentiable scalars (`[a, b]`, `array![a, b]`, `vec![a, b]`): compile with no warning,
//! and differentiate (each part's gradient is its element of the literal's).
#![deny(warnings)]

use autodiff::ndarray::array;
use autodiff::prelude::*;

#[differentiable]
fn fixed(x: f64) -> f64 {
    let v = [x, 2.0 * x];
    v[0] + v[1]
}

#[differentiable]
fn array_of(x: f64) -> f64 {
    let v = array![x, 2.0];
    v.sum() * x
}

#[differentiable]
fn vec_of(x: f64) -> f64 {
    let v = vec![x * x, 1.0];
    v[0] + v[1]
}

fn main() {
    assert_eq!(fixed_grad(1.5), 3.0);
    // (x + 2) x: 2x + 2.
    assert_eq!(array_of_grad(1.5), 5.0);
    assert_eq!(vec_of_grad(1.5), 3.0);
}
