//! Calls between differentiable functions, custom rules (hand-written `_vjp`), and `autodiff::nn`.
#![deny(warnings)]

use autodiff::ndarray::{array, Array1, Array2, Axis};
use autodiff::nn;
use autodiff::prelude::*;

#[differentiable]
fn square(x: f64) -> f64 {
    x * x
}

#[differentiable(argnums = (0, 2))]
fn scaled_sum(x: &Array1<f64>, n: usize, w: f64) -> f64 {
    (x * w).sum() * n as f64
}

#[differentiable(vjp)]
fn dense(w: &Array2<f64>, b: &Array1<f64>, x: &Array1<f64>) -> Array1<f64> {
    (w.dot(x) + b).mapv(f64::tanh)
}

#[differentiable(argnums = (0, 1))]
fn model(w: &Array2<f64>, b: &Array1<f64>, x: &Array1<f64>) -> f64 {
    let h = dense(w, b, x);
    let mut total = 0.0;
    for i in 0..3 {
        total += square(h.sum() * (i as f64 + 1.0)) + scaled_sum(&h, 2, square(h[0]));
    }
    total
}

/// Rounding with the straight-through estimator: the value of `round`, the derivative of identity.
fn round_ste(x: f64) -> f64 {
    x.round()
}

/// The custom rule of [`round_ste`]: same signature as a generated `_vjp`.
fn round_ste_vjp(x: f64) -> (f64, impl FnOnce(f64) -> (f64,)) {
    (x.round(), |g| (g,))
}

#[differentiable]
fn quantized(x: f64) -> f64 {
    let q = round_ste(x * 4.0) / 4.0;
    q * q
}

#[differentiable]
fn classifier(logits: &Array2<f64>, onehot: &Array2<f64>) -> f64 {
    -(nn::log_softmax(logits, Axis(1)) * onehot).sum() / logits.nrows() as f64
}

#[differentiable]
fn activations(x: &Array1<f64>) -> f64 {
    (nn::sigmoid(x) + nn::relu(x) * 2.0 + nn::softplus(x)).sum() + nn::logsumexp(x, Axis(0)).sum()
}

#[differentiable]
fn scalar_activations(x: f64) -> f64 {
    nn::sigmoid(x) * nn::softplus(x) + nn::relu(x)
}

#[test]
fn calls_compose_through_generated_pullbacks() {
    let w = Array2::from_shape_fn((2, 3), |(i, j)| 0.2 * i as f64 - 0.1 * j as f64 + 0.05);
    let b = array![0.1, -0.2];
    let x = array![0.5, -1.0, 2.0];
    check_grad(
        |w: &Array2<f64>| model(w, &b, &x),
        |w: &Array2<f64>| model_grad(w, &b, &x).0,
        &w,
    )
    .unwrap();
    check_grad(
        |b: &Array1<f64>| model(&w, b, &x),
        |b: &Array1<f64>| model_grad(&w, b, &x).1,
        &b,
    )
    .unwrap();
}

#[test]
fn a_custom_rule_is_used() {
    // The chain rule through `round` would give 0; the straight-through estimator gives 2 q * 4 / 4.
    let x = 0.3;
    let q = (x * 4.0_f64).round() / 4.0;
    assert_eq!(quantized_grad(x), 2.0 * q);
    assert!(quantized_grad(x) != 0.0);
}

#[test]
fn nn_rules_against_finite_differences() {
    let logits = Array2::from_shape_fn((4, 3), |(i, j)| (1.3 * (i * 3 + j) as f64).sin() * 3.0);
    let onehot = Array2::from_shape_fn((4, 3), |(i, j)| if (i + j) % 3 == 0 { 1.0 } else { 0.0 });
    check_grad(
        |l: &Array2<f64>| classifier(l, &onehot),
        |l: &Array2<f64>| classifier_grad(l, &onehot),
        &logits,
    )
    .unwrap();
    let x = array![0.5, -1.0, 2.0, 0.1];
    check_grad(activations, activations_grad, &x).unwrap();
    for x in [-3.0, -0.5, 0.7, 4.0] {
        let h = 1e-6;
        let fd = (scalar_activations(x + h) - scalar_activations(x - h)) / (2.0 * h);
        assert!((scalar_activations_grad(x) - fd).abs() < 1e-7);
    }
}

#[test]
fn nn_is_stable_for_large_inputs() {
    let x: Array2<f64> = array![[1000.0, 0.0, -1000.0]];
    let p = nn::softmax(&x, Axis(1));
    assert!((p[[0, 0]] - 1.0).abs() < 1e-12 && p.iter().all(|v| v.is_finite()));
    let l = nn::log_softmax(&x, Axis(1));
    assert!((l[[0, 1]] - -1000.0).abs() < 1e-9);
    assert!((nn::logsumexp(&x, Axis(1))[0] - 1000.0).abs() < 1e-9);
    assert_eq!(nn::sigmoid(-1000.0f64), 0.0);
    assert!((nn::softplus(1000.0f64) - 1000.0).abs() < 1e-9);
    let x32 = array![[100.0f32, 0.0]];
    assert!(nn::softmax(&x32, Axis(1)).iter().all(|v| v.is_finite()));
}

#[test]
fn pullbacks_of_functions_with_calls_match_their_gradients() {
    let w = Array2::from_shape_fn((2, 3), |(i, j)| 0.2 * i as f64 - 0.1 * j as f64 + 0.05);
    let b = array![0.1, -0.2];
    let x = array![0.5, -1.0, 2.0];
    let (value, pullback) = model_vjp(&w, &b, &x);
    let (gw, gb, gx) = pullback(2.0);
    let ((v2, (gw2, gb2)), _) = (model_value_and_grad(&w, &b, &x), ());
    assert_eq!(value, v2);
    assert!((gw - &gw2 * 2.0).iter().all(|d| d.abs() < 1e-12));
    assert!((gb - &gb2 * 2.0).iter().all(|d| d.abs() < 1e-12));
    check_grad(
        |x: &Array1<f64>| model(&w, &b, x),
        |x: &Array1<f64>| model_vjp(&w, &b, x).1(1.0).2,
        &x,
    )
    .unwrap();
    assert_eq!(gx.len(), 3);
    let logits = Array2::from_shape_fn((2, 3), |(i, j)| (i + 2 * j) as f64 * 0.3);
    let onehot = Array2::from_shape_fn((2, 3), |(i, j)| f64::from(u8::from(i == j)));
    let (_, pb) = classifier_vjp(&logits, &onehot);
    let (gl, _) = pb(1.0);
    assert!((gl - classifier_grad(&logits, &onehot))
        .iter()
        .all(|d| d.abs() < 1e-12));
}

#[differentiable]
fn helper_c(x: f64) -> f64 {
    x.sin() * x
}

#[differentiable]
fn helper_b(x: f64, y: f64) -> f64 {
    helper_c(x * y) + y.exp()
}

#[differentiable]
fn helper_a(x: f64, k: usize) -> f64 {
    if k % 2 == 0 {
        helper_b(x, 0.5) * k as f64
    } else {
        helper_c(x) - helper_b(0.25, x)
    }
}

#[differentiable]
fn three_deep_in_a_loop(x: &Array1<f64>) -> f64 {
    let mut total = 0.0;
    for i in 0..x.len() {
        total += helper_a(x[i], i) * x[(i + 1) % x.len()];
    }
    total
}

#[test]
fn three_nested_helper_calls_inside_a_loop_and_branches() {
    let x = array![0.3, -0.8, 1.1, 0.5];
    check_grad(three_deep_in_a_loop, three_deep_in_a_loop_grad, &x).unwrap();
    let (value, pullback) = three_deep_in_a_loop_vjp(&x);
    assert_eq!(value, three_deep_in_a_loop(&x));
    assert!((pullback(1.0).0 - three_deep_in_a_loop_grad(&x))
        .iter()
        .all(|d| d.abs() < 1e-12));
}
