//! The same machinery in `f32`: loops, branches, forward mode, calls, structs, `nn`.
#![deny(warnings)]

use autodiff::ndarray::{array, Array1, Array2, Axis};
use autodiff::nn;
use autodiff::prelude::*;

#[differentiable]
fn poly32(x: f32, c: &[f32]) -> f32 {
    let mut s = 0.0;
    for &ci in c.iter() {
        s = s * x + ci;
    }
    s
}

#[differentiable]
fn loop32(x: &Array1<f32>) -> f32 {
    let mut h = 0.0;
    let mut total = 0.0;
    for i in 0..x.len() {
        h = (0.5 * h + x[i]).tanh();
        if h > 0.0 {
            total += h * h;
        } else {
            total -= h;
        }
    }
    total
}

#[derive(Clone, Differentiable)]
struct Net32 {
    w: Array2<f32>,
    b: Array1<f32>,
    scale: f32,
}

#[differentiable]
fn net32(p: &Net32, x: &Array2<f32>, onehot: &Array2<f32>) -> f32 {
    let logits = (x.dot(&p.w) + &p.b) * p.scale;
    -(nn::log_softmax(&logits, Axis(1)) * onehot).sum() / x.nrows() as f32
}

#[test]
fn single_precision_gradients() {
    let c = [1.0f32, -2.0, 0.5, 3.0];
    let x = 0.7f32;
    let d = 3.0 * x * x - 4.0 * x + 0.5;
    assert!((poly32_grad(x, &c) - d).abs() < 1e-5);
    let xs: Array1<f32> = array![0.3, -0.8, 1.2, 0.1];
    check_grad(loop32, loop32_grad, &xs).unwrap();
    let p = Net32 {
        w: Array2::from_shape_fn((3, 2), |(i, j)| 0.3 * i as f32 - 0.2 * j as f32),
        b: array![0.1, -0.1],
        scale: 1.5,
    };
    let xm = Array2::from_shape_fn((4, 3), |(i, j)| ((i * 3 + j) as f32 * 0.7).sin());
    let onehot = Array2::from_shape_fn((4, 2), |(i, j)| if i % 2 == j { 1.0 } else { 0.0 });
    check_grad(
        |p: &Net32| net32(p, &xm, &onehot),
        |p: &Net32| net32_grad(p, &xm, &onehot),
        &p,
    )
    .unwrap();
}
