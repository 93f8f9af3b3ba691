use autodiff::prelude::*;

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

fn main() {}
