//! Second order through `mapv` closures with branches, statements and calls of scalar functions: each
//! element's arm is the one it takes, so `f_hvp` equals the closed form per arm, never a NaN from an arm
//! not taken (`sqrt` of a negative, a division by zero). Against closed forms, central differences of
//! `f_grad` away from the kinks, and `f_hessian` (diagonal for an elementwise function).
#![deny(warnings)]

use autodiff::ndarray::{array, Array1, Array2};
use autodiff::prelude::*;
mod common;
use common::{close_slices as close, fd_hvp};

/// `v^3` above 0, `sin v` below: second derivative `6 v` or `-sin v`.
#[differentiable(hessian)]
fn cubic_or_sine(x: &Array1<f64>) -> f64 {
    x.mapv(|v| if v > 0.0 { v * v * v } else { v.sin() }).sum()
}

/// Huber's loss of each element times the element, scaled: statements and `abs` in the closure, and a
/// scalar parameter outside it.
#[differentiable(hessian)]
fn huber_weighted(x: &Array1<f64>, d: f64) -> f64 {
    let y = x.mapv(|r| {
        let a = r.abs();
        if a <= 1.0 {
            0.5 * r * r
        } else {
            a - 0.5
        }
    });
    (&y * x).sum() * d
}

/// The arm not taken would be NaN (`sqrt` of a negative) or infinite in its second derivative.
#[differentiable(hessian)]
fn guarded_sqrt(x: &Array1<f64>) -> f64 {
    x.mapv(|v| if v > 0.0 { v.sqrt() * v } else { v / (v - 1.0) })
        .sum()
}

/// A closure in a loop, reading the loop's counter (a constant).
#[differentiable(hessian)]
fn in_a_loop(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for k in 0..3 {
        let c = k as f64 * 0.5;
        s += x
            .mapv(|v| if v > c { (v * c).exp() } else { v.cos() * v })
            .sum();
    }
    s
}

fn point() -> Array1<f64> {
    array![0.3, -0.7, 1.1, -2.0, 1.7]
}

fn direction() -> Array1<f64> {
    array![0.5, 0.2, -0.9, 1.0, 0.4]
}

#[test]
fn each_element_takes_its_own_arm() {
    let (x, v) = (point(), direction());
    let second = x.mapv(|v| if v > 0.0 { 6.0 * v } else { -v.sin() });
    let got = cubic_or_sine_hvp(&x, v.clone());
    close(
        got.as_slice().unwrap(),
        (&second * &v).as_slice().unwrap(),
        1e-14,
        "closed form",
    );
    let want = fd_hvp(cubic_or_sine_grad, &x, &v);
    close(
        got.as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-6,
        "differences",
    );
    // The Hessian is the diagonal of the second derivatives.
    let h = cubic_or_sine_hessian(&x);
    close(
        h.as_slice().unwrap(),
        Array2::from_diag(&second).as_slice().unwrap(),
        1e-14,
        "hessian",
    );
}

#[test]
fn statements_and_a_parameter_outside_the_closure() {
    let (x, v, d) = (point(), direction(), 1.3);
    // g(r) = huber(r) r d: g'' = d (huber''(r) r + 2 huber'(r)).
    let second = x.mapv(|r| {
        let (h1, h2) = if r.abs() <= 1.0 {
            (r, 1.0)
        } else {
            (r.signum(), 0.0)
        };
        d * (h2 * r + 2.0 * h1)
    });
    let got = huber_weighted_hvp(&x, d, v.clone());
    close(
        got.as_slice().unwrap(),
        (&second * &v).as_slice().unwrap(),
        1e-14,
        "closed form",
    );
    let want = fd_hvp(|x: &Array1<f64>| huber_weighted_grad(x, d), &x, &v);
    close(
        got.as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-6,
        "differences",
    );
}

#[test]
fn an_arm_not_taken_gives_no_nan() {
    let x = array![0.0, -1.5, 2.0, -0.0, 4.0];
    let v = Array1::ones(5);
    let got = guarded_sqrt_hvp(&x, v.clone());
    // v^1.5: 0.75 / sqrt(v); v / (v - 1) = 1 + 1 / (v - 1): 2 / (v - 1)^3.
    let want = x.mapv(|v| {
        if v > 0.0 {
            0.75 / v.sqrt()
        } else {
            2.0 / (v - 1.0).powi(3)
        }
    });
    assert!(got.iter().all(|g| g.is_finite()), "{got}");
    close(
        got.as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-14,
        "closed form",
    );
}

#[test]
fn closures_in_a_loop() {
    let (x, v) = (point(), direction());
    let got = in_a_loop_hvp(&x, v.clone());
    let want = fd_hvp(in_a_loop_grad, &x, &v);
    close(
        got.as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-6,
        "differences",
    );
    // f_jvp, which `hessian` generates too, is the gradient along the direction.
    let (_, t) = in_a_loop_jvp(&x, (v.clone(),));
    close(&[t], &[in_a_loop_grad(&x).dot(&v)], 1e-12, "jvp");
}
