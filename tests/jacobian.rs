//! `f_jacobian` of `vjp` functions: against closed forms and central differences, by rows (pullbacks)
//! and, where `jvp` is given too, by columns (forward passes), which must agree.
#![deny(warnings)]
#![allow(clippy::needless_range_loop)]

use autodiff::ndarray::{array, Array1, Array2};
use autodiff::prelude::*;

/// A dense layer: `tanh(W x)`, with respect to `W` (default: the first parameter).
#[differentiable(vjp)]
fn layer(w: &Array2<f64>, x: &Array1<f64>) -> Array1<f64> {
    w.dot(x).tanh()
}

/// The same with respect to `x`, by rows and by columns.
#[differentiable(vjp, argnums = 1)]
fn layer_x(w: &Array2<f64>, x: &Array1<f64>) -> Array1<f64> {
    w.dot(x).tanh()
}

#[differentiable(vjp, jvp, argnums = 1)]
fn layer_x_fwd(w: &Array2<f64>, x: &Array1<f64>) -> Array1<f64> {
    w.dot(x).tanh()
}

/// A scalar parameter and a `Vec` output, with a loop and a constant parameter.
#[differentiable(vjp, jvp, wrt = t)]
fn powers(n: usize, t: f64) -> Vec<f64> {
    let mut out = vec![0.0; n];
    let mut p = 1.0;
    for i in 0..n {
        out[i] = p;
        p *= t;
    }
    out
}

/// A scalar output (a one-row Jacobian: the gradient) and an f32 function.
#[differentiable(vjp, jvp)]
fn energy(x: &Array1<f64>) -> f64 {
    (x * x).sum() + x[0] * x[1]
}

#[differentiable(vjp, jvp)]
fn softmax_f32(x: &Array1<f32>) -> Array1<f32> {
    let e = x.exp();
    let s = e.sum();
    e / s
}

fn inputs() -> (Array2<f64>, Array1<f64>) {
    let w = Array2::from_shape_fn((2, 3), |(i, j)| 0.3 * i as f64 - 0.2 * j as f64 + 0.1);
    (w, array![0.4, -0.7, 1.1])
}

/// Central differences of `f` along each component of `p` (row-major), as an `(m, n)` matrix.
fn fd_jacobian(f: impl Fn(&Array1<f64>) -> Array1<f64>, p: &Array1<f64>) -> Array2<f64> {
    let h = 1e-6;
    let m = f(p).len();
    let mut out = Array2::zeros((m, p.len()));
    for j in 0..p.len() {
        let (mut up, mut down) = (p.clone(), p.clone());
        up[j] += h;
        down[j] -= h;
        let col = (f(&up) - f(&down)) / (2.0 * h);
        out.column_mut(j).assign(&col);
    }
    out
}

fn close(got: &Array2<f64>, want: &Array2<f64>, tol: f64) {
    assert_eq!(got.shape(), want.shape());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tol * w.abs().max(1.0), "{got} vs {want}");
    }
}

#[test]
fn a_layer_with_respect_to_its_weights_and_its_input() {
    let (w, x) = inputs();
    let y = w.dot(&x).tanh();
    // d y_i / d W_{ij} = (1 - y_i^2) x_j, zero across rows; flattened row-major: column i * 3 + j.
    let jw = layer_jacobian(&w, &x);
    let mut want = Array2::zeros((2, 6));
    for i in 0..2 {
        for j in 0..3 {
            want[[i, i * 3 + j]] = (1.0 - y[i] * y[i]) * x[j];
        }
    }
    close(&jw, &want, 1e-14);
    // d y / d x = diag(1 - y^2) W, by rows and by columns (3 < 2 is false: rows again; see below).
    let want_x = Array2::from_shape_fn((2, 3), |(i, j)| (1.0 - y[i] * y[i]) * w[[i, j]]);
    close(&layer_x_jacobian(&w, &x), &want_x, 1e-14);
    close(&layer_x_fwd_jacobian(&w, &x), &want_x, 1e-14);
    close(
        &layer_x_jacobian(&w, &x),
        &fd_jacobian(|x| layer_x(&w, x), &x),
        1e-8,
    );
}

#[test]
fn columns_and_rows_agree() {
    // One parameter component and five output components: columns (one forward pass) where `jvp` is
    // given; the same matrix as five pullbacks.
    let j = powers_jacobian(5, 0.8);
    assert_eq!(j.shape(), &[5, 1]);
    for i in 0..5 {
        let want = i as f64 * 0.8f64.powi(i as i32 - 1);
        assert!(
            (j[[i, 0]] - if i == 0 { 0.0 } else { want }).abs() < 1e-14,
            "{j}"
        );
    }
    let rows: Vec<f64> = (0..5)
        .map(|i| {
            let (_, pullback) = powers_vjp(5, 0.8);
            let mut seed = vec![0.0; 5];
            seed[i] = 1.0;
            pullback(seed).0
        })
        .collect();
    for i in 0..5 {
        assert!((j[[i, 0]] - rows[i]).abs() < 1e-15);
    }
}

#[test]
fn a_scalar_output_has_one_row_the_gradient() {
    let x = array![0.5, -1.5, 2.0];
    let j = energy_jacobian(&x);
    assert_eq!(j.shape(), &[1, 3]);
    let want = array![[2.0 * 0.5 - 1.5, 2.0 * -1.5 + 0.5, 4.0]];
    close(&j, &want, 1e-15);
}

#[test]
fn an_f32_jacobian_is_f32() {
    let x = array![0.1f32, -0.4, 0.9];
    let j: Array2<f32> = softmax_f32_jacobian(&x);
    let s = softmax_f32(&x);
    for i in 0..3 {
        for k in 0..3 {
            let want = s[i] * (if i == k { 1.0 } else { 0.0 } - s[k]);
            assert!((j[[i, k]] - want).abs() < 1e-6, "{j}");
        }
    }
}
