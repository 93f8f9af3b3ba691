//! Second order through loops that carry an array they read (recurrences over arrays: an RNN's hidden
//! state, a fixed-point iteration): the forward loop saves each iteration's starting array on a tape of
//! values, with its tangent, and the reversed loop loads it back. `f_hvp` against central differences of
//! `f_grad` for range loops, a `while` loop, a loop that breaks and a nested loop, in `f64` and `f32`, and
//! against the closed form of a linear recurrence.
#![deny(warnings)]

use autodiff::ndarray::{array, Array1, Array2};
use autodiff::prelude::*;
mod common;
use common::{check_hvp, close_slices as close};

#[differentiable(hessian)]
fn tanh_rnn(x: &Array1<f64>) -> f64 {
    let mut h = Array1::zeros(x.len());
    for _ in 0..3 {
        h = (&h * 0.9 + x).mapv(f64::tanh);
    }
    h.sum()
}

#[differentiable(hessian, argnums = (0, 1))]
fn weighted_rnn(x: &Array1<f64>, w: &Array2<f64>) -> f64 {
    let mut h = x.clone();
    for t in 0..4 {
        h = (w.dot(&h) * 0.5 + x * t as f64).mapv(f64::tanh);
    }
    (&h * &h).sum()
}

#[differentiable(hessian)]
fn while_loop(x: &Array1<f64>) -> f64 {
    let mut h = x.clone();
    let mut k = 0;
    while k < 3 {
        h = h.mapv(f64::sin) * x;
        k += 1;
    }
    h.sum()
}

#[differentiable(hessian)]
fn breaking(x: &Array1<f64>) -> f64 {
    let mut h = x.clone();
    for k in 0..10 {
        if k == 4 {
            break;
        }
        h = (&h * x).mapv(f64::cos) + &h * 0.5;
    }
    h.sum()
}

#[differentiable(hessian)]
fn nested(x: &Array1<f64>) -> f64 {
    let mut h = x.clone();
    let mut s = 0.0;
    for _ in 0..2 {
        for _ in 0..2 {
            h = (&h * x).mapv(f64::sin);
        }
        s += h.sum() * h[0];
    }
    s
}

#[differentiable(hessian)]
fn tanh_rnn_f32(x: &Array1<f32>) -> f32 {
    let mut h = Array1::zeros(x.len());
    for _ in 0..3 {
        h = (&h * 0.9 + x).mapv(f32::tanh);
    }
    h.sum()
}

/// `h <- a h + x` from zero, three times: `h = (1 + a + a^2) x`; `f = sum(h^2)` has the Hessian
/// `2 (1 + a + a^2)^2 I`.
#[differentiable(hessian)]
fn linear_recurrence(x: &Array1<f64>) -> f64 {
    let mut h = Array1::zeros(x.len());
    for _ in 0..3 {
        h = &h * 0.7 + x;
    }
    (&h * &h).sum()
}

fn point() -> Array1<f64> {
    array![0.3, -0.7, 1.1]
}

fn direction() -> Array1<f64> {
    array![0.5, 0.2, -0.9]
}

#[test]
fn range_while_breaking_and_nested_loops() {
    check_hvp(
        "tanh_rnn_hvp",
        tanh_rnn_hvp,
        tanh_rnn_grad,
        &point(),
        &direction(),
    );
    check_hvp(
        "while_loop_hvp",
        while_loop_hvp,
        while_loop_grad,
        &point(),
        &direction(),
    );
    check_hvp(
        "breaking_hvp",
        breaking_hvp,
        breaking_grad,
        &point(),
        &direction(),
    );
    check_hvp(
        "nested_hvp",
        nested_hvp,
        nested_grad,
        &point(),
        &direction(),
    );
}

#[test]
fn a_weight_matrix_read_every_step() {
    let (x, v) = (point(), direction());
    let w = array![[0.2, -0.5, 0.1], [0.3, 0.4, -0.2], [0.0, 0.6, 0.5]];
    let vw = array![[0.1, 0.5, -0.1], [0.2, -0.4, 0.3], [0.7, 0.0, 0.5]];
    let (hx, hw) = weighted_rnn_hvp(&x, &w, (v.clone(), vw.clone()));
    let h = 1e-5;
    let (px, pw) = weighted_rnn_grad(&(&x + &(&v * h)), &(&w + &(&vw * h)));
    let (mx, mw) = weighted_rnn_grad(&(&x - &(&v * h)), &(&w - &(&vw * h)));
    close(
        hx.as_slice().unwrap(),
        ((px - mx) / (2.0 * h)).as_slice().unwrap(),
        1e-6,
        "H x",
    );
    close(
        hw.as_slice().unwrap(),
        ((pw - mw) / (2.0 * h)).as_slice().unwrap(),
        1e-6,
        "H w",
    );
}

#[test]
fn the_closed_form_of_a_linear_recurrence() {
    let (x, v) = (point(), direction());
    let c = 1.0 + 0.7 + 0.49;
    let got = linear_recurrence_hvp(&x, v.clone());
    close(
        got.as_slice().unwrap(),
        (&v * (2.0 * c * c)).as_slice().unwrap(),
        1e-14,
        "closed form",
    );
    let h = linear_recurrence_hessian(&x);
    close(
        h.as_slice().unwrap(),
        (Array2::<f64>::eye(3) * (2.0 * c * c)).as_slice().unwrap(),
        1e-14,
        "hessian",
    );
}

#[test]
fn in_f32() {
    let (x, v) = (point(), direction());
    let got = tanh_rnn_f32_hvp(&x.mapv(|a| a as f32), v.mapv(|a| a as f32));
    let want = tanh_rnn_hvp(&x, v);
    close(
        got.mapv(f64::from).as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-5,
        "f32",
    );
}
