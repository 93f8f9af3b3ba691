use autodiff::prelude::*;

// A method outside the subset is a constant when its receiver is a `stop_gradient` value.
#[differentiable]
fn f(x: f64) -> f64 {
    stop_gradient(x).rem_euclid(2.0) * x
}

fn main() {
    assert_eq!(f_grad(2.5), 0.5);
}
