//! The `jax.grad` walkthrough in Rust: gradients of a sum of squares and of a sum of squared errors.
use autodiff::ndarray::{array, Array1};
use autodiff::prelude::*;

/// `sum_i x_i^2`.
#[differentiable]
fn sum_of_squares(x: &Array1<f32>) -> f32 {
    (x * x).sum()
}

/// `sum_i (x_i - y_i)^2`.
#[differentiable(argnums = (0, 1))]
fn sum_squared_error(x: &Array1<f32>, y: &Array1<f32>) -> f32 {
    let d = x - y;
    (&d * &d).sum()
}

fn main() {
    let x = array![1.0f32, 2.0, 3.0, 4.0];
    let y = array![1.1f32, 2.1, 3.1, 4.1];
    println!(
        "sum_of_squares_grad(x)        = {}",
        sum_of_squares_grad(&x)
    );
    println!(
        "sum_squared_error_grad_0(x,y) = {}",
        sum_squared_error_grad_0(&x, &y)
    );
    println!(
        "sum_squared_error_grad_1(x,y) = {}",
        sum_squared_error_grad_1(&x, &y)
    );
    let (gx, gy) = sum_squared_error_grad(&x, &y);
    println!("sum_squared_error_grad(x,y)   = ({gx}, {gy})");
    let (value, pullback) = sum_squared_error_vjp(&x, &y);
    let (px, py) = pullback(1.0);
    println!("value = {value}, pullback(1) = ({px}, {py})");
}
