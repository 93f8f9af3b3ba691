use autodiff::ndarray::{array, Array1};
use autodiff::prelude::*;

type Real = f64;

#[differentiable(argnums = (0, 1))]
fn weighted(x: &Array1<f64>, w: Real) -> Real {
    (x * x).sum() * w
}

#[differentiable(vjp)]
fn double(x: &Array1<f64>) -> Array1<f64> {
    x * 2.0
}

fn main() {
    let x = array![1.0, 2.0];
    let (gx, gw) = weighted_grad(&x, 3.0);
    assert_eq!(gx, array![6.0, 12.0]);
    assert_eq!(gw, 5.0);
    let (_y, pullback) = double_vjp(&x);
    let (gx,) = pullback(array![1.0, 1.0]);
    assert_eq!(gx, array![2.0, 2.0]);
}
