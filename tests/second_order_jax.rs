//! Forward mode and second order against JAX: `f_jvp`, `f_hvp` and `f_hessian` of the benchmark workloads
//! W1-W6, rebuilt from their closed-form inputs, compared with `tests/data/jax/second-order.json` (written
//! by `tests/data/jax/second-order.py`: `jax.jvp`, `jax.jvp(jax.grad(f))` and `jax.hessian`).
//!
//! Tolerances. Every comparison is relative to the magnitude that bounds its rounding error:
//! - a value, or an element of an HVP or a Hessian, against the largest magnitude of its block
//!   (`max_k |expected_k|`), so that a small entry of a large result is not judged by its own size;
//! - a JVP's output tangent against `sum_k |grad_k * tangent_k|` (the JSON's `tangent_abs`): the tangent is
//!   a dot product of the gradient with the direction, and where it cancels (W4, W6) its rounding error is
//!   that of the terms, not of the small sum.
//!
//! `EXACT` (1e-14) is for results computed by the same arithmetic up to the order of a few operations
//! (elementwise second derivatives, reductions of a handful of terms per output: W1, W2, the tridiagonal
//! W5, W6's per-row blocks). `SUMMED` (1e-13) is for long sums whose order differs between XLA and ndarray
//! (matrix products over 1000 rows, means of 1000 terms, dot products of up to 16k terms): each term's
//! rounding is ~1e-16 relative and they accumulate as ~sqrt(n) of it, against the block's magnitude.
//! Measured on x86-64 Linux (`--nocapture` prints every error): at most 5.4e-16 where `EXACT` applies,
//! at most 2.9e-15 where `SUMMED` does (W3's HVP in w: X^T diag(s) X v over 1000 samples).
mod common;

use autodiff::ndarray::{s, Array, Array1, Array2, Axis, Dimension, IxDyn};
use autodiff::prelude::*;
use common::assert_abs;
use serde_json::Value;
use std::sync::OnceLock;

const EXACT: f64 = 1e-14;
const SUMMED: f64 = 1e-13;

// ---------------------------------------------------------------------------------------------
// The reference data
// ---------------------------------------------------------------------------------------------

fn data() -> &'static Value {
    static DATA: OnceLock<Value> = OnceLock::new();
    DATA.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/jax/second-order.json"
        );
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
            panic!("cannot read {path}: {e} (run python3 tests/data/jax/second-order.py)")
        });
        serde_json::from_str(&text).expect("second-order.json is not valid JSON")
    })
}

/// The value at a `/`-separated path of keys, e.g. `"W3/jvp/value"` (under `workloads`).
fn at(path: &str) -> &'static Value {
    let mut v = &data()["workloads"];
    for key in path.split('/') {
        v = v
            .get(key)
            .unwrap_or_else(|| panic!("no key {key:?} in second-order.json path {path:?}"));
    }
    v
}

fn num(path: &str) -> f64 {
    at(path)
        .as_f64()
        .unwrap_or_else(|| panic!("{path:?} is not a number"))
}

/// Flattens nested lists of numbers (row-major) and records their shape.
fn flatten(v: &Value, shape: &mut Vec<usize>, depth: usize, out: &mut Vec<f64>) {
    match v {
        Value::Array(items) => {
            if shape.len() == depth {
                shape.push(items.len());
            }
            assert_eq!(shape[depth], items.len(), "ragged array");
            for item in items {
                flatten(item, shape, depth + 1, out);
            }
        }
        _ => out.push(v.as_f64().expect("not a number")),
    }
}

/// An array of the reference data, of the dimension `D` the caller expects.
fn array<D: Dimension>(path: &str) -> Array<f64, D> {
    let (mut shape, mut flat) = (Vec::new(), Vec::new());
    flatten(at(path), &mut shape, 0, &mut flat);
    Array::from_shape_vec(IxDyn(&shape), flat)
        .unwrap()
        .into_dimensionality::<D>()
        .unwrap_or_else(|_| panic!("{path:?} has shape {shape:?}"))
}

/// Checks a rebuilt array against a checksum of the JSON (shape, sum, first three and last values): the
/// first and last values bit for bit, the sum to the rounding of a sum in another order.
#[track_caller]
fn check_sum<D: Dimension>(path: &str, a: &Array<f64, D>) {
    let shape: Vec<usize> = at(&format!("{path}/shape"))
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(a.shape(), &shape[..], "{path}: shape");
    let flat: Vec<f64> = a.iter().copied().collect();
    let abs_sum: f64 = flat.iter().map(|v| v.abs()).sum();
    assert_abs(
        flat.iter().sum(),
        num(&format!("{path}/sum")),
        1e-13 * abs_sum.max(1.0),
        &format!("{path}: sum (an input formula differs from the script's?)"),
    );
    let first: Array1<f64> = array(&format!("{path}/first"));
    for (k, v) in first.iter().enumerate() {
        assert_eq!(
            flat[k], *v,
            "{path}: element {k} (an input formula differs?)"
        );
    }
    let last: Array1<f64> = array(&format!("{path}/last"));
    assert_eq!(flat[flat.len() - 1], last[0], "{path}: last element");
}

/// A scalar parameter's checksum.
#[track_caller]
fn check_scalar(path: &str, v: f64) {
    check_sum(path, &autodiff::ndarray::arr0(v));
}

/// The worst error of `got` against `want`, relative to `max_k |want_k|`; asserts it is at most `rtol`
/// and returns it (printed with `--nocapture`).
#[track_caller]
fn close<D: Dimension>(got: &Array<f64, D>, want: &Array<f64, D>, rtol: f64, what: &str) -> f64 {
    assert_eq!(got.shape(), want.shape(), "{what}: shapes differ");
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(scale > 0.0, "{what}: an all-zero reference proves nothing");
    let (mut worst, mut at_k) = (0.0f64, 0);
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        let e = (g - w).abs() / scale;
        if e > worst || e.is_nan() {
            (worst, at_k) = (e, k);
        }
    }
    println!("{what}: worst relative error {worst:.2e} (element {at_k}, scale {scale:.3e})");
    assert!(
        worst <= rtol,
        "{what}: element {at_k} (row-major): got {:e}, JAX {:e}; error {worst:e} of max|JAX| {scale:e} > {rtol:e}",
        got.iter().nth(at_k).unwrap(),
        want.iter().nth(at_k).unwrap(),
    );
    worst
}

/// A scalar against JAX's, relative to `scale` (its own magnitude, or the magnitude of its terms).
#[track_caller]
fn close_scalar(got: f64, want: f64, scale: f64, rtol: f64, what: &str) -> f64 {
    let e = (got - want).abs() / scale;
    println!("{what}: relative error {e:.2e} (got {got:e}, JAX {want:e}, scale {scale:.3e})");
    assert!(
        e <= rtol,
        "{what}: got {got:e}, JAX {want:e}: error {e:e} of {scale:e} > {rtol:e}"
    );
    e
}

/// Compares `f_jvp`'s `(value, tangent)` with JAX's for workload `w`.
#[track_caller]
fn check_jvp(w: &str, (value, tangent): (f64, f64), rtol: f64) {
    let want = num(&format!("{w}/jvp/value"));
    close_scalar(value, want, want.abs(), rtol, &format!("{w} jvp value"));
    close_scalar(
        tangent,
        num(&format!("{w}/jvp/tangent")),
        num(&format!("{w}/jvp/tangent_abs")),
        rtol,
        &format!("{w} jvp tangent"),
    );
}

// ---------------------------------------------------------------------------------------------
// Inputs and directions, as the script's docstring writes them
// ---------------------------------------------------------------------------------------------

/// `x[i] = sin(0.37*i + 0.1) * 1.5`.
fn vec_x(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.37 * i as f64 + 0.1).sin() * 1.5)
}

/// `y[i] = cos(0.11*i)`.
fn vec_y(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.11 * i as f64).cos())
}

/// `M[i,j] = sin(0.01*(i*cols + j) + 0.3)`.
fn mat_sin(rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        (0.01 * ((i * cols + j) as f64) + 0.3).sin()
    })
}

/// The JVP tangent of parameter `p` (its position in the parameter list) at flat index `k`:
/// `((7*k + 3*p + 1) % 17 - 8) / 8`, exact in binary.
fn jvp_dir(p: usize, k: usize) -> f64 {
    ((7 * k + 3 * p + 1) % 17) as f64 / 8.0 - 1.0
}

/// The HVP direction: `((5*k + 2*p + 3) % 13 - 6) / 4`, exact in binary.
fn hvp_dir(p: usize, k: usize) -> f64 {
    ((5 * k + 2 * p + 3) % 13) as f64 / 4.0 - 1.5
}

/// An array of `like`'s shape filled with `dir(p, k)` over the row-major flat index `k`.
fn direction<D: Dimension>(
    like: &Array<f64, D>,
    p: usize,
    dir: fn(usize, usize) -> f64,
) -> Array<f64, D> {
    let flat: Vec<f64> = (0..like.len()).map(|k| dir(p, k)).collect();
    Array::from_shape_vec(like.raw_dim(), flat).unwrap()
}

// ---------------------------------------------------------------------------------------------
// The workloads (bodies as in benches/common/workloads.rs)
// ---------------------------------------------------------------------------------------------

/// W1: `sum_i x_i^2`.
#[differentiable(jvp, hessian)]
fn sum_of_squares(x: &Array1<f64>) -> f64 {
    x.powi(2).sum()
}

/// W2: `sum_i (x_i - y_i)^2`, in `(x, y)`.
#[differentiable(argnums = (0, 1), jvp, hessian)]
fn sum_squared_errors(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    (x - y).powi(2).sum()
}

/// W2 in `x` alone (`f_hessian` takes one parameter).
#[differentiable(hessian)]
fn sum_squared_errors_x(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    (x - y).powi(2).sum()
}

/// W3: `mean_i log1p(exp(-t_i * (X w + b)_i)) + 1e-3 * sum_j w_j^2`, in `(w, b)`.
#[differentiable(argnums = (0, 1), jvp, hessian)]
fn logistic_loss(w: &Array1<f64>, b: f64, xm: &Array2<f64>, t: &Array1<f64>) -> f64 {
    let z = xm.dot(w) + b;
    let margins = -t * &z;
    margins.exp().ln_1p().mean().unwrap() + 1e-3 * w.powi(2).sum()
}

/// W3 in `w` alone.
#[differentiable(hessian)]
fn logistic_loss_w(w: &Array1<f64>, b: f64, xm: &Array2<f64>, t: &Array1<f64>) -> f64 {
    let z = xm.dot(w) + b;
    let margins = -t * &z;
    margins.exp().ln_1p().mean().unwrap() + 1e-3 * w.powi(2).sum()
}

/// W4: `mean((tanh(X W1 + b1) W2 + b2 - Y)^2)`.
#[differentiable(argnums = (0, 1, 2, 3), jvp, hessian)]
fn mlp_loss(
    w1: &Array2<f64>,
    b1: &Array1<f64>,
    w2: &Array2<f64>,
    b2: &Array1<f64>,
    x: &Array2<f64>,
    y: &Array2<f64>,
) -> f64 {
    let h = (x.dot(w1) + b1).tanh();
    let out = h.dot(w2) + b2;
    (out - y).powi(2).mean().unwrap()
}

/// W5: `sum_{i<n-1} 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2`, with slices.
#[differentiable(jvp, hessian)]
fn rosenbrock(x: &Array1<f64>) -> f64 {
    let a = x.slice(s![..-1]);
    let b = x.slice(s![1..]);
    (100.0 * (&b - &a * &a).powi(2) + (1.0 - &a).powi(2)).sum()
}

/// W6: `mean_i(logsumexp(logits[i,:]) - logits[i, label_i])`, labels as a constant one-hot matrix.
#[differentiable(jvp, hessian)]
fn softmax_xent(logits: &Array2<f64>, onehot: &Array2<f64>) -> f64 {
    let lse = logits.exp().sum_axis(Axis(1)).ln();
    let picked = (logits * onehot).sum_axis(Axis(1));
    (lse - picked).mean().unwrap()
}

// ---------------------------------------------------------------------------------------------
// The comparisons
// ---------------------------------------------------------------------------------------------

#[test]
fn directions_match_the_scripts() {
    // Every direction of the JSON against ours: a formula slip shows here, not as a wrong derivative.
    let x = vec_x(1000);
    check_sum("W1/jvp/tangents_checksum/x", &direction(&x, 0, jvp_dir));
    check_sum("W1/hvp/v_checksum/x", &direction(&x, 0, hvp_dir));
    check_sum("W2/jvp/tangents_checksum/y", &direction(&x, 1, jvp_dir));
    check_sum("W2/hvp/v_checksum/y", &direction(&x, 1, hvp_dir));
    let w4 = w4_inputs();
    check_sum("W4/jvp/tangents_checksum/Y", &direction(&w4.5, 5, jvp_dir));
    check_sum("W4/hvp/v_checksum/b2", &direction(&w4.3, 3, hvp_dir));
    check_scalar("W3/jvp/tangents_checksum/b", jvp_dir(1, 0));
    check_scalar("W3/hvp/v_checksum/b", hvp_dir(1, 0));
}

#[test]
fn w1_sum_of_squares() {
    let x = vec_x(1000);
    check_sum("W1/inputs_checksum/x", &x);
    // Elementwise square, a sum of 1000 terms (the value and the tangent): their order differs from XLA's.
    check_jvp(
        "W1",
        sum_of_squares_jvp(&x, (direction(&x, 0, jvp_dir),)),
        SUMMED,
    );
    // H v = 2 v, elementwise: exact.
    let hv = sum_of_squares_hvp(&x, direction(&x, 0, hvp_dir));
    close(&hv, &array("W1/hvp/result/x"), EXACT, "W1 hvp");
    let x20 = vec_x(20);
    check_sum("W1/hessian/inputs_checksum/x", &x20);
    close(
        &sum_of_squares_hessian(&x20),
        &array("W1/hessian/matrix"),
        EXACT,
        "W1 hessian (n = 20)",
    );
}

#[test]
fn w2_sum_squared_errors() {
    let (x, y) = (vec_x(1000), vec_y(1000));
    check_sum("W2/inputs_checksum/x", &x);
    check_sum("W2/inputs_checksum/y", &y);
    let tangents = (direction(&x, 0, jvp_dir), direction(&y, 1, jvp_dir));
    check_jvp("W2", sum_squared_errors_jvp(&x, &y, tangents), SUMMED);
    let v = (direction(&x, 0, hvp_dir), direction(&y, 1, hvp_dir));
    let (hx, hy) = sum_squared_errors_hvp(&x, &y, v);
    close(&hx, &array("W2/hvp/result/x"), EXACT, "W2 hvp x");
    close(&hy, &array("W2/hvp/result/y"), EXACT, "W2 hvp y");
    let (x20, y20) = (vec_x(20), vec_y(20));
    check_sum("W2/hessian/inputs_checksum/x", &x20);
    check_sum("W2/hessian/inputs_checksum/y", &y20);
    close(
        &sum_squared_errors_x_hessian(&x20, &y20),
        &array("W2/hessian/matrix"),
        EXACT,
        "W2 hessian in x (n = 20)",
    );
}

fn w3_inputs() -> (Array1<f64>, f64, Array2<f64>, Array1<f64>) {
    let xm = mat_sin(1000, 100);
    let t = Array1::from_shape_fn(1000, |i| if i % 3 == 0 { 1.0 } else { -1.0 });
    let w = Array1::from_shape_fn(100, |j| 0.05 * (0.3 * j as f64 + 0.2).cos());
    (w, 0.1, xm, t)
}

#[test]
fn w3_logistic_regression() {
    let (w, b, xm, t) = w3_inputs();
    check_sum("W3/inputs_checksum/w", &w);
    check_scalar("W3/inputs_checksum/b", b);
    check_sum("W3/inputs_checksum/X", &xm);
    check_sum("W3/inputs_checksum/t", &t);
    // Matrix-vector products over 100 features and means over 1000 samples, in another order than XLA's.
    let tangents = (
        direction(&w, 0, jvp_dir),
        jvp_dir(1, 0),
        direction(&xm, 2, jvp_dir),
        direction(&t, 3, jvp_dir),
    );
    check_jvp("W3", logistic_loss_jvp(&w, b, &xm, &t, tangents), SUMMED);
    let (hw, hb) = logistic_loss_hvp(&w, b, &xm, &t, (direction(&w, 0, hvp_dir), hvp_dir(1, 0)));
    close(&hw, &array("W3/hvp/result/w"), SUMMED, "W3 hvp w");
    close_scalar(
        hb,
        num("W3/hvp/result/b"),
        num("W3/hvp/result/b").abs(),
        SUMMED,
        "W3 hvp b",
    );
    // X^T diag(s) X / 1000 + 2e-3 I: each entry a sum over the 1000 samples.
    close(
        &logistic_loss_w_hessian(&w, b, &xm, &t),
        &array("W3/hessian/matrix"),
        SUMMED,
        "W3 hessian in w (100x100)",
    );
}

type W4 = (
    Array2<f64>,
    Array1<f64>,
    Array2<f64>,
    Array1<f64>,
    Array2<f64>,
    Array2<f64>,
);

fn w4_inputs() -> W4 {
    (
        Array2::from_shape_fn((64, 128), |(i, j)| {
            0.1 * (0.05 * ((i * 128 + j) as f64)).cos()
        }),
        Array1::from_shape_fn(128, |j| 0.01 * (0.2 * j as f64).sin()),
        Array2::from_shape_fn((128, 1), |(i, _)| 0.1 * (0.03 * i as f64 + 0.5).sin()),
        Array1::from_elem(1, 0.05),
        mat_sin(256, 64),
        Array2::from_shape_fn((256, 1), |(i, _)| (0.02 * i as f64).cos()),
    )
}

#[test]
fn w4_mlp() {
    let (w1, b1, w2, b2, x, y) = w4_inputs();
    check_sum("W4/inputs_checksum/W1", &w1);
    check_sum("W4/inputs_checksum/b1", &b1);
    check_sum("W4/inputs_checksum/W2", &w2);
    check_sum("W4/inputs_checksum/b2", &b2);
    check_sum("W4/inputs_checksum/X", &x);
    check_sum("W4/inputs_checksum/Y", &y);
    // Matrix products (64- and 128-term dot products) and the mean of 256 terms.
    let tangents = (
        direction(&w1, 0, jvp_dir),
        direction(&b1, 1, jvp_dir),
        direction(&w2, 2, jvp_dir),
        direction(&b2, 3, jvp_dir),
        direction(&x, 4, jvp_dir),
        direction(&y, 5, jvp_dir),
    );
    check_jvp(
        "W4",
        mlp_loss_jvp(&w1, &b1, &w2, &b2, &x, &y, tangents),
        SUMMED,
    );
    let v = (
        direction(&w1, 0, hvp_dir),
        direction(&b1, 1, hvp_dir),
        direction(&w2, 2, hvp_dir),
        direction(&b2, 3, hvp_dir),
    );
    let (h1, hb1, h2, hb2) = mlp_loss_hvp(&w1, &b1, &w2, &b2, &x, &y, v);
    // Each entry a sum over the 256 rows of the batch (and W2's over 64 inputs too).
    close(&h1, &array("W4/hvp/result/W1"), SUMMED, "W4 hvp W1");
    close(&hb1, &array("W4/hvp/result/b1"), SUMMED, "W4 hvp b1");
    close(&h2, &array("W4/hvp/result/W2"), SUMMED, "W4 hvp W2");
    close(&hb2, &array("W4/hvp/result/b2"), SUMMED, "W4 hvp b2");
}

#[test]
fn w5_rosenbrock() {
    let x = vec_x(1000);
    check_sum("W5/inputs_checksum/x", &x);
    // The value and the tangent are sums of 999 terms.
    check_jvp(
        "W5",
        rosenbrock_jvp(&x, (direction(&x, 0, jvp_dir),)),
        SUMMED,
    );
    // Tridiagonal: each entry of H v has at most three terms of the same formulas.
    let hv = rosenbrock_hvp(&x, direction(&x, 0, hvp_dir));
    close(&hv, &array("W5/hvp/result/x"), EXACT, "W5 hvp (n = 1000)");
    let x50 = vec_x(50);
    check_sum("W5/hessian/inputs_checksum/x", &x50);
    close(
        &rosenbrock_hessian(&x50),
        &array("W5/hessian/matrix"),
        EXACT,
        "W5 hessian (n = 50)",
    );
}

fn w6_inputs() -> (Array2<f64>, Array2<f64>) {
    let logits = Array2::from_shape_fn((1000, 10), |(i, j)| {
        2.0 * (0.13 * ((i * 10 + j) as f64) + 0.5).sin()
    });
    let onehot = Array2::from_shape_fn(
        (1000, 10),
        |(i, j)| {
            if (7 * i) % 10 == j {
                1.0
            } else {
                0.0
            }
        },
    );
    (logits, onehot)
}

#[test]
fn w6_softmax_xent() {
    let (logits, onehot) = w6_inputs();
    check_sum("W6/inputs_checksum/logits", &logits);
    check_sum("W6/inputs_checksum/onehot", &onehot);
    // JAX's logsumexp subtracts the row's maximum first, ours does not (the same function, other
    // roundings), and the mean is over 1000 rows.
    let tangents = (
        direction(&logits, 0, jvp_dir),
        direction(&onehot, 1, jvp_dir),
    );
    check_jvp("W6", softmax_xent_jvp(&logits, &onehot, tangents), SUMMED);
    // H v is block diagonal: (diag(p) - p p^T) v_i / 1000 per row, ten terms per entry.
    let hv = softmax_xent_hvp(&logits, &onehot, direction(&logits, 0, hvp_dir));
    close(&hv, &array("W6/hvp/result/logits"), EXACT, "W6 hvp");
}
