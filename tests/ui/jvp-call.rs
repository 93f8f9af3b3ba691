// Forward mode does not differentiate calls yet: the error is at the call and says what to write
// instead.
use autodiff::prelude::*;

#[differentiable]
fn square(x: f64) -> f64 {
    x * x
}

#[differentiable(jvp)]
fn f(x: f64) -> f64 {
    square(x).sin() + x
}

fn main() {
    let _ = f_jvp(1.0, (1.0,));
}
