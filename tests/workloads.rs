//! The six JAX benchmark workloads (W1-W6 of `tests/data/jax/jax-workloads.py`) rebuilt in Rust from their
//! closed-form inputs, differentiated with `#[differentiable]`, and compared with JAX's values and
//! gradients in `tests/data/jax/jax-reference.json`.
mod common;

use autodiff::ndarray::{s, Array1, Array2, Axis};
use autodiff::prelude::*;
use common::{assert_array_close, assert_rel, check_input, mat2, num, vec1};

// ---------------------------------------------------------------------------------------------
// Inputs, exactly as the docstrings of jax-workloads.py write them
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

fn w3_inputs() -> (Array1<f64>, f64, Array2<f64>, Array1<f64>) {
    let xm = mat_sin(1000, 100);
    let t = Array1::from_shape_fn(1000, |i| if i % 3 == 0 { 1.0 } else { -1.0 });
    let w = Array1::from_shape_fn(100, |j| 0.05 * (0.3 * j as f64 + 0.2).cos());
    (w, 0.1, xm, t)
}

struct W4 {
    w1: Array2<f64>,
    b1: Array1<f64>,
    w2: Array2<f64>,
    b2: Array1<f64>,
    x: Array2<f64>,
    y: Array2<f64>,
}

fn w4_inputs() -> W4 {
    W4 {
        w1: Array2::from_shape_fn((64, 128), |(i, j)| {
            0.1 * (0.05 * ((i * 128 + j) as f64)).cos()
        }),
        b1: Array1::from_shape_fn(128, |j| 0.01 * (0.2 * j as f64).sin()),
        w2: Array2::from_shape_fn((128, 1), |(i, _)| 0.1 * (0.03 * i as f64 + 0.5).sin()),
        b2: Array1::from_elem(1, 0.05),
        x: mat_sin(256, 64),
        y: Array2::from_shape_fn((256, 1), |(i, _)| (0.02 * i as f64).cos()),
    }
}

/// `logits[i,j] = 2.0*sin(0.13*(i*10 + j) + 0.5)` and `labels[i] = (7*i) % 10`.
fn w6_inputs() -> (Array2<f64>, Vec<usize>) {
    let logits = Array2::from_shape_fn((1000, 10), |(i, j)| {
        2.0 * (0.13 * ((i * 10 + j) as f64) + 0.5).sin()
    });
    let labels = (0..1000).map(|i| (7 * i) % 10).collect();
    (logits, labels)
}

fn one_hot(labels: &[usize], classes: usize) -> Array2<f64> {
    Array2::from_shape_fn((labels.len(), classes), |(i, j)| {
        if labels[i] == j {
            1.0
        } else {
            0.0
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The workloads as differentiable functions
// ---------------------------------------------------------------------------------------------

/// W1: `sum_i x_i^2`.
#[differentiable]
fn sum_of_squares(x: &Array1<f64>) -> f64 {
    (x * x).sum()
}

/// W1 with `powi`.
#[differentiable]
fn sum_of_squares_powi(x: &Array1<f64>) -> f64 {
    x.powi(2).sum()
}

/// W2: `sum_i (x_i - y_i)^2`.
#[differentiable(argnums = (0, 1))]
fn sum_squared_errors(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let d = x - y;
    (&d * &d).sum()
}

/// W3: `mean_i log1p(exp(-t_i * (X w + b)_i)) + 1e-3 * sum_j w_j^2`.
#[differentiable(argnums = (0, 1))]
fn logistic_loss(w: &Array1<f64>, b: f64, xm: &Array2<f64>, t: &Array1<f64>) -> f64 {
    let z = xm.dot(w) + b;
    let margins = -t * &z;
    margins.exp().ln_1p().mean().unwrap() + 1e-3 * w.powi(2).sum()
}

/// W4: `mean((tanh(X W1 + b1) W2 + b2 - Y)^2)`.
#[differentiable(argnums = (0, 1, 2, 3))]
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

/// W4 with `mapv(f64::tanh)` and a `wrt` list.
#[differentiable(wrt = (w1, b1, w2, b2))]
fn mlp_loss_mapv(
    w1: &Array2<f64>,
    b1: &Array1<f64>,
    w2: &Array2<f64>,
    b2: &Array1<f64>,
    x: &Array2<f64>,
    y: &Array2<f64>,
) -> f64 {
    let pre = x.dot(w1) + b1;
    let h = pre.mapv(f64::tanh);
    let err = &h.dot(w2) + b2 - y;
    (&err * &err).mean().unwrap()
}

/// W5: `sum_{i<n-1} 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2`, with slices.
#[differentiable]
fn rosenbrock(x: &Array1<f64>) -> f64 {
    let a = x.slice(s![..-1]);
    let b = x.slice(s![1..]);
    (100.0 * (&b - &a * &a).powi(2) + (1.0 - &a).powi(2)).sum()
}

/// W5 with explicit bounds from the length and owned slices.
#[differentiable]
fn rosenbrock_len(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let a = x.slice(s![0..n - 1]).to_owned();
    let b = x.slice(s![1..n]).to_owned();
    let d = b - a.mapv(|v| v * v);
    let e = a.mapv(|v| 1.0 - v);
    (d.mapv(|v| 100.0 * v * v) + e.mapv(|v| v * v)).sum()
}

/// W6: `mean_i(logsumexp(logits[i,:]) - logits[i, label_i])`, labels as a constant one-hot matrix.
#[differentiable]
fn softmax_xent(logits: &Array2<f64>, onehot: &Array2<f64>) -> f64 {
    let lse = logits.exp().sum_axis(Axis(1)).ln();
    let picked = (logits * onehot).sum_axis(Axis(1));
    (lse - picked).mean().unwrap()
}

/// W6, logsumexp shifted by the row mean under `stop_gradient` (rows broadcast through a transpose).
#[differentiable]
fn softmax_xent_shifted(logits: &Array2<f64>, onehot: &Array2<f64>) -> f64 {
    let m = stop_gradient(logits.mean_axis(Axis(1)).unwrap());
    let z = &logits.t() - &m;
    let lse = z.exp().sum_axis(Axis(0)).ln() + &m;
    let picked = (logits * onehot).sum_axis(Axis(1));
    (lse - picked).mean().unwrap()
}

/// W6, logsumexp shifted by the row maximum (a constant parameter, also under `stop_gradient`).
#[differentiable(argnums = 0)]
fn softmax_xent_rowmax(logits: &Array2<f64>, onehot: &Array2<f64>, rowmax: &Array1<f64>) -> f64 {
    let m = stop_gradient(rowmax);
    let z = &logits.t() - m;
    let lse = z.exp().sum_axis(Axis(0)).ln() + m;
    let picked = (logits * onehot).sum_axis(Axis(1));
    (lse - picked).mean().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn w1_sum_of_squares() {
    let x = vec_x(1000);
    check_input("W1", "x", &x);
    let jv = num("workloads/W1/value");
    let jg = vec1("workloads/W1/grad/x");
    let (v, g) = sum_of_squares_value_and_grad(&x);
    assert_rel(v, jv, 1e-12, "W1 value");
    assert_array_close(&g, &jg, 1e-12, "W1 grad");
    assert_eq!(sum_of_squares_grad(&x), g);
    // 2x is exact: JAX's values are bit for bit.
    assert_eq!(g, jg);
    let (v2, g2) = sum_of_squares_powi_value_and_grad(&x);
    assert_rel(v2, jv, 1e-12, "W1 value (powi)");
    assert_array_close(&g2, &jg, 1e-12, "W1 grad (powi)");
}

#[test]
fn w2_sum_squared_errors() {
    let x = vec_x(1000);
    let y = vec_y(1000);
    check_input("W2", "x", &x);
    check_input("W2", "y", &y);
    let (v, (gx, gy)) = sum_squared_errors_value_and_grad(&x, &y);
    assert_rel(v, num("workloads/W2/value"), 1e-12, "W2 value");
    assert_array_close(&gx, &vec1("workloads/W2/grad/x"), 1e-12, "W2 grad x");
    assert_array_close(&gy, &vec1("workloads/W2/grad/y"), 1e-12, "W2 grad y");
    let (gx2, gy2) = sum_squared_errors_grad(&x, &y);
    assert_eq!((&gx2, &gy2), (&gx, &gy));
    assert_eq!(sum_squared_errors_grad_0(&x, &y), gx);
    assert_eq!(sum_squared_errors_grad_1(&x, &y), gy);
    assert_eq!(sum_squared_errors_grad_0_1(&x, &y), (gx, gy));
}

#[test]
fn w3_logistic_regression() {
    let (w, b, xm, t) = w3_inputs();
    check_input("W3", "w", &w);
    check_input("W3", "b", &autodiff::ndarray::arr0(b));
    check_input("W3", "X", &xm);
    check_input("W3", "t", &t);
    let (v, (gw, gb)) = logistic_loss_value_and_grad(&w, b, &xm, &t);
    assert_rel(v, num("workloads/W3/value"), 1e-12, "W3 value");
    assert_array_close(&gw, &vec1("workloads/W3/grad/w"), 1e-12, "W3 grad w");
    // db is a mean of 1000 terms of both signs (it cancels): 1e-10.
    assert_rel(gb, num("workloads/W3/grad/b"), 1e-10, "W3 grad b");
    let (gw2, gb2) = logistic_loss_grad(&w, b, &xm, &t);
    assert_eq!(gw2, gw);
    assert_eq!(gb2, gb);
    assert_eq!(logistic_loss_grad_0(&w, b, &xm, &t), gw);
    // With `b` alone, the gradient is a derivative along one scalar: forward mode, which sums the
    // same terms in another order than the reverse sweep.
    assert_rel(
        logistic_loss_grad_1(&w, b, &xm, &t),
        gb,
        1e-12,
        "W3 grad b alone",
    );
}

#[test]
fn w4_mlp() {
    let p = w4_inputs();
    check_input("W4", "W1", &p.w1);
    check_input("W4", "b1", &p.b1);
    check_input("W4", "W2", &p.w2);
    check_input("W4", "b2", &p.b2);
    check_input("W4", "X", &p.x);
    check_input("W4", "Y", &p.y);
    let jv = num("workloads/W4/value");
    let jw1 = mat2("workloads/W4/grad/W1");
    let jb1 = vec1("workloads/W4/grad/b1");
    let jw2 = mat2("workloads/W4/grad/W2");
    let jb2 = vec1("workloads/W4/grad/b2");

    let (v, (gw1, gb1, gw2, gb2)) = mlp_loss_value_and_grad(&p.w1, &p.b1, &p.w2, &p.b2, &p.x, &p.y);
    assert_rel(v, jv, 1e-12, "W4 value");
    // Gradients come back in their parameters' shapes (b1 reduced over the batch, b2 to shape (1,)).
    assert_eq!(gb1.shape(), &[128]);
    assert_eq!(gb2.shape(), &[1]);
    assert_array_close(&gw1, &jw1, 1e-10, "W4 grad W1");
    assert_array_close(&gb1, &jb1, 1e-10, "W4 grad b1");
    assert_array_close(&gw2, &jw2, 1e-10, "W4 grad W2");
    assert_array_close(&gb2, &jb2, 1e-10, "W4 grad b2");

    let g = mlp_loss_grad_0_1_2_3(&p.w1, &p.b1, &p.w2, &p.b2, &p.x, &p.y);
    assert_eq!(g, (gw1.clone(), gb1.clone(), gw2.clone(), gb2.clone()));
    assert_eq!(mlp_loss_grad_2(&p.w1, &p.b1, &p.w2, &p.b2, &p.x, &p.y), gw2);
    assert_eq!(mlp_loss_grad_3(&p.w1, &p.b1, &p.w2, &p.b2, &p.x, &p.y), gb2);

    let (v2, (hw1, hb1, hw2, hb2)) =
        mlp_loss_mapv_value_and_grad(&p.w1, &p.b1, &p.w2, &p.b2, &p.x, &p.y);
    assert_rel(v2, jv, 1e-12, "W4 value (mapv form)");
    assert_array_close(&hw1, &jw1, 1e-10, "W4 grad W1 (mapv form)");
    assert_array_close(&hb1, &jb1, 1e-10, "W4 grad b1 (mapv form)");
    assert_array_close(&hw2, &jw2, 1e-10, "W4 grad W2 (mapv form)");
    assert_array_close(&hb2, &jb2, 1e-10, "W4 grad b2 (mapv form)");
}

#[test]
fn w5_rosenbrock() {
    let x = vec_x(1000);
    check_input("W5", "x", &x);
    let jv = num("workloads/W5/value");
    let jg = vec1("workloads/W5/grad/x");
    let (v, g) = rosenbrock_value_and_grad(&x);
    assert_rel(v, jv, 1e-12, "W5 value");
    assert_array_close(&g, &jg, 1e-12, "W5 grad");
    let (v2, g2) = rosenbrock_len_value_and_grad(&x);
    assert_rel(v2, jv, 1e-12, "W5 value (len form)");
    assert_array_close(&g2, &jg, 1e-12, "W5 grad (len form)");
    assert_eq!(rosenbrock_grad(&x), g);
}

#[test]
fn w6_softmax_cross_entropy() {
    let (logits, labels) = w6_inputs();
    check_input("W6", "logits", &logits);
    assert_eq!(labels.iter().sum::<usize>(), 4500);
    assert_eq!(&labels[..3], &[0, 7, 4]);
    assert_eq!(labels[999], 3);
    let onehot = one_hot(&labels, 10);
    let jv = num("workloads/W6/value");
    let jg = mat2("workloads/W6/grad/logits");

    let (v, g) = softmax_xent_value_and_grad(&logits, &onehot);
    assert_rel(v, jv, 1e-12, "W6 value");
    // Each row of the gradient sums to zero (softmax - onehot): 1e-10.
    assert_array_close(&g, &jg, 1e-10, "W6 grad");

    let (v2, g2) = softmax_xent_shifted_value_and_grad(&logits, &onehot);
    assert_rel(v2, jv, 1e-12, "W6 value (mean-shifted)");
    assert_array_close(&g2, &jg, 1e-10, "W6 grad (mean-shifted)");

    let rowmax = logits.map_axis(Axis(1), |r| r.fold(f64::NEG_INFINITY, |m, v| m.max(*v)));
    let (v3, g3) = softmax_xent_rowmax_value_and_grad(&logits, &onehot, &rowmax);
    assert_rel(v3, jv, 1e-12, "W6 value (max-shifted)");
    assert_array_close(&g3, &jg, 1e-10, "W6 grad (max-shifted)");
}
