//! Local tuples: `let t = (a, b)` read through `t.0`, `t.1`, and `let (x, y) = (a, b)` destructuring,
//! in straight-line code, loops (a swap of carried values) and with arrays; checked against closed forms
//! and central differences.
#![deny(warnings)]

use autodiff::ndarray::{array, Array1};
use autodiff::prelude::*;

fn assert_close(got: f64, expected: f64, what: &str) {
    assert!(
        (got - expected).abs() <= 1e-12 * expected.abs().max(1.0),
        "{what}: got {got}, expected {expected}"
    );
}

fn fd(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6 * x.abs().max(1.0);
    (f(x + h) - f(x - h)) / (2.0 * h)
}

#[differentiable(argnums = (0, 1))]
fn fields(x: f64, y: f64) -> f64 {
    let t = (x * y, x.sin());
    t.0 * t.1 + t.0
}

#[test]
fn tuple_fields_are_read_through_t_dot_i() {
    for (x, y) in [(0.3, 1.7), (-1.2, 0.4), (2.5, -3.0)] {
        let (gx, gy) = fields_grad(x, y);
        // f = x y sin x + x y
        assert_close(gx, y * x.sin() + x * y * x.cos() + y, "d/dx");
        assert_close(gy, x * x.sin() + x, "d/dy");
        assert_close(fields_value_and_grad(x, y).0, fields(x, y), "value");
    }
}

#[differentiable(argnums = (0, 1))]
fn destructure(x: f64, y: f64) -> f64 {
    let (a, _, b): (f64, f64, f64) = (x * x, y, (x + y).exp());
    a * b
}

#[test]
fn destructuring_let_binds_each_name() {
    for (x, y) in [(0.3, 1.7), (-1.2, 0.4)] {
        let (gx, gy) = destructure_grad(x, y);
        let e = (x + y).exp();
        assert_close(gx, 2.0 * x * e + x * x * e, "d/dx");
        assert_close(gy, x * x * e, "d/dy");
    }
}

/// Fibonacci-like recurrence with a simultaneous swap: `(a, b) = (b, a + b)` through a tuple.
#[differentiable(argnums = (0, 1))]
fn swap_loop(x: f64, y: f64) -> f64 {
    let mut a = x;
    let mut b = y;
    for _ in 0..6 {
        let (na, nb) = (b, a + b * 0.5);
        a = na;
        b = nb;
    }
    a * b
}

#[differentiable(argnums = (0, 1))]
fn shadowing_swap(x: f64, y: f64) -> f64 {
    let (a, b) = (x, y * y);
    let (a, b) = (b, a);
    a - 3.0 * b
}

#[test]
fn simultaneous_rebinding_evaluates_every_element_first() {
    for (x, y) in [(0.3, 1.7), (-1.2, 0.4)] {
        let (gx, gy) = shadowing_swap_grad(x, y);
        assert_close(shadowing_swap(x, y), y * y - 3.0 * x, "value");
        assert_close(gx, -3.0, "d/dx");
        assert_close(gy, 2.0 * y, "d/dy");
    }
}

#[test]
fn destructured_swap_in_a_loop_matches_finite_differences() {
    for (x, y) in [(0.3, 1.7), (-1.2, 0.4), (0.9, -0.8)] {
        let (gx, gy) = swap_loop_grad(x, y);
        let ex = fd(|v| swap_loop(v, y), x);
        let ey = fd(|v| swap_loop(x, v), y);
        assert!((gx - ex).abs() <= 1e-7 * ex.abs().max(1.0), "{gx} vs {ex}");
        assert!((gy - ey).abs() <= 1e-7 * ey.abs().max(1.0), "{gy} vs {ey}");
    }
}

#[differentiable(argnums = (0, 1))]
fn array_pair(w: &Array1<f64>, x: &Array1<f64>) -> f64 {
    let mut p = (w * x, w.mapv(f64::tanh));
    p.1 = &p.1 * 2.0;
    (&p.0 + &p.1).sum()
}

#[test]
fn tuples_of_arrays_with_field_assignment() {
    let w = array![0.3, -1.2, 2.0];
    let x = array![1.5, 0.5, -0.7];
    let (gw, gx) = array_pair_grad(&w, &x);
    let ew: Array1<f64> = &x + &w.mapv(|v| 2.0 * (1.0 - v.tanh().powi(2)));
    for i in 0..3 {
        assert_close(gw[i], ew[i], "d/dw");
        assert_close(gx[i], w[i], "d/dx");
    }
}

/// A mutable tuple carried through a loop: a running sum and a running product of the elements.
#[differentiable]
#[allow(clippy::needless_range_loop)] // the subset indexes; it does not zip iterators
fn carried(x: &[f64]) -> f64 {
    let mut acc = (0.0, 1.0);
    for i in 0..x.len() {
        acc.0 += x[i];
        acc.1 *= x[i];
    }
    acc.0 * acc.1
}

#[test]
fn mutable_tuple_carried_through_a_loop() {
    let x = [0.5, -1.5, 2.0, 0.75];
    let g = carried_grad(&x);
    let (s, p): (f64, f64) = (x.iter().sum(), x.iter().product());
    for i in 0..x.len() {
        // d(s p)/dx_i = p + s p / x_i
        assert_close(g[i], p + s * p / x[i], "d/dx_i");
    }
}

// ---------------------------------------------------------------------------------------------------------
// Tuple parameters (their gradient is the tuple of the elements' gradients) and tuple outputs of `vjp`
// functions (their pullback takes a tuple seed), API.md "The tangent of a parameter type".

/// A tuple parameter of a scalar and an array, read through its fields and destructured.
#[differentiable(argnums = (0, 1), jvp)]
fn tuple_parameter(p: (f64, &Array1<f64>), q: f64) -> f64 {
    let (w, b) = (p.0, p.1);
    w * b.sum() * q + p.1.dot(p.1)
}

/// A call with a tuple argument made of values.
#[differentiable]
fn tuple_argument(x: &Array1<f64>) -> f64 {
    let y = x.sum();
    tuple_parameter((y, x), 2.0)
}

/// A tuple output of a scalar and an array.
#[differentiable(vjp, jvp)]
fn tuple_output(x: &Array1<f64>, a: f64) -> (f64, Array1<f64>) {
    let s = x.sum() * a;
    (s * s, x.mapv(|v| v.sin()) * a)
}

/// A tuple output of three scalars, one of them a constant.
#[differentiable(vjp)]
fn three(a: f64, b: f64) -> (f64, f64, f64) {
    (a * b, 2.0, a.sin() + b)
}

#[test]
fn tuple_parameters_have_tuple_gradients() {
    let x = array![0.3, -0.5, 1.2];
    let ((gw, gb), gq) = tuple_parameter_grad((1.5, &x), 2.0);
    // w q sum(b) + b.b.
    assert_close(gw, 2.0 * x.sum(), "d/dw");
    assert_close(gq, 1.5 * x.sum(), "d/dq");
    for i in 0..3 {
        assert_close(gb[i], 1.5 * 2.0 + 2.0 * x[i], "d/db");
    }
    // Along (dw, db, dq) = (1, ones, 0.5).
    let (_, t) = tuple_parameter_jvp((1.5, &x), 2.0, ((1.0, Array1::ones(3)), 0.5));
    assert_close(t, gw + gb.sum() + 0.5 * gq, "jvp");
    // 2 (sum x)^2 + x.x.
    let g = tuple_argument_grad(&x);
    for i in 0..3 {
        assert_close(g[i], 4.0 * x.sum() + 2.0 * x[i], "through a call");
    }
}

#[test]
fn tuple_outputs_take_tuple_seeds() {
    let x = array![0.3, -0.5, 1.2];
    let a = 2.0;
    let (value, pullback) = tuple_output_vjp(&x, a);
    assert_eq!(value.0.to_bits(), tuple_output(&x, a).0.to_bits());
    assert_eq!(value.1, tuple_output(&x, a).1);
    let seed = (0.5, array![1.0, -1.0, 2.0]);
    let (gx, ga) = pullback(seed.clone());
    // s = a sum(x): d(s^2) = 2 s (a dx + sum(x) da); d(a sin x) = a cos x dx + sin x da.
    let s = a * x.sum();
    for i in 0..3 {
        let want = seed.0 * 2.0 * s * a + seed.1[i] * a * x[i].cos();
        assert_close(gx[i], want, "d/dx");
    }
    let want_a = seed.0 * 2.0 * s * x.sum() + seed.1.dot(&x.mapv(f64::sin));
    assert_close(ga, want_a, "d/da");
    // Forward mode gives the tuple of the outputs' tangents.
    let (_, (t0, t1)) = tuple_output_jvp(&x, a, (Array1::ones(3), 0.0));
    assert_close(t0, 2.0 * s * a * 3.0, "jvp .0");
    for i in 0..3 {
        assert_close(t1[i], a * x[i].cos(), "jvp .1");
    }
    let (_, pullback) = three_vjp(0.4, 1.5);
    let (ga, gb) = pullback((1.0, 7.0, 2.0));
    assert_close(ga, 1.5 + 2.0 * 0.4f64.cos(), "d/da");
    assert_close(gb, 0.4 + 2.0, "d/db");
}

/// A tuple bound whole to another name, read through both.
#[differentiable]
fn passed_whole(x: f64) -> f64 {
    let t = (x, x * x);
    let u = t;
    u.0 + t.1
}

#[test]
fn a_tuple_value_copied_whole() {
    assert_close(passed_whole_grad(0.7), 1.0 + 1.4, "d/dx");
}

/// Destructuring a value that is not written out: a `vjp` function's tuple result, a constant tuple.
#[differentiable]
fn destructured_results(x: &Array1<f64>) -> f64 {
    let (s, p) = tuple_output(x, 1.5);
    let n = x.len();
    let (_, mut q) = tuple_output(&(x * 2.0), 0.5);
    q[0] += 1.0;
    s * p.sum() + q.sum() * n as f64
}

#[test]
fn destructuring_a_call_result() {
    let x = array![0.3, -0.5, 1.2];
    autodiff::check_grad(destructured_results, destructured_results_grad, &x).unwrap();
    // s = (1.5 sum x)^2, p = 1.5 sin x, q = 0.5 sin 2x (+1 at 0), n = 3.
    let g = destructured_results_grad(&x);
    let (sx, ps) = (x.sum(), x.mapv(f64::sin).sum());
    for i in 0..3 {
        let want = 2.0 * 1.5 * 1.5 * sx * 1.5 * ps
            + (1.5 * sx).powi(2) * 1.5 * x[i].cos()
            + 3.0 * 0.5 * 2.0 * (2.0 * x[i]).cos();
        assert_close(g[i], want, "d/dx");
    }
}
