//! Tuples used whole: a call's tuple result destructured, a tuple bound to another name.
#![deny(warnings)]

use autodiff::prelude::*;

#[differentiable(vjp)]
fn pair(x: f64) -> (f64, f64) {
    (x, 2.0 * x)
}

#[differentiable]
fn from_call(x: f64) -> f64 {
    let (a, b) = pair(x);
    a * b
}

#[differentiable]
fn passed_whole(x: f64) -> f64 {
    let t = (x, x * x);
    let u = t;
    u.0 + t.1
}

fn main() {
    // 2 x^2; x + x^2.
    assert_eq!(from_call_grad(1.5), 6.0);
    assert_eq!(passed_whole_grad(1.5), 4.0);
}
