//! Local closures (bound to a name and called, capturing values, passed to `mapv`), inlined where they
//! are called: every gradient against central differences (`check_grad`) and a closed form, in `f64`
//! and `f32`, and `f_jvp` of a few.
#![deny(warnings)]

use autodiff::ndarray::{array, Array1, Array2};
use autodiff::prelude::*;

#[differentiable]
fn sum_of_squares(a: f64, b: f64) -> f64 {
    let sq = |v: f64| v * v;
    sq(a) + sq(b)
}

/// A closure capturing differentiable values.
#[differentiable]
fn affine_sum(x: &Array1<f64>, w: f64, b: f64) -> f64 {
    let f = |v: f64| w * v + b;
    let mut s = 0.0;
    for i in 0..x.len() {
        s += f(x[i]).tanh();
    }
    s
}

/// Several parameters, passed crosswise.
#[differentiable]
fn crosswise(a: f64, b: f64) -> f64 {
    let diff = |a: f64, b: f64| a - b * 2.0;
    diff(b, a) * diff(a, b)
}

/// A block body with its own locals.
#[differentiable]
fn block_body(x: &Array1<f64>) -> f64 {
    let soft = |v: f64| {
        let e = v.exp();
        (1.0 + e).ln()
    };
    let mut total = 0.0;
    for i in 0..x.len() {
        total += soft(x[i]);
    }
    total
}

/// Called in branches.
#[differentiable]
fn in_branches(x: f64, k: usize) -> f64 {
    let g = |v: f64| v.sin() * v;
    if k > 1 {
        g(x) * 2.0
    } else if k == 1 {
        g(x * 3.0)
    } else {
        x
    }
}

/// Passed to `mapv`.
#[differentiable]
fn mapv_local(x: &Array1<f64>) -> f64 {
    let sq = |v: f64| v * v;
    x.mapv(sq).sum()
}

/// Passed to `mapv`, capturing a differentiable scalar.
#[differentiable]
fn mapv_capturing(x: &Array1<f64>, scale: f64) -> f64 {
    let act = |v: f64| (v * scale).tanh();
    x.mapv(act).sum()
}

/// A closure calling another, and one called on the other's value.
#[differentiable]
fn nested(x: f64) -> f64 {
    let sq = |v: f64| v * v;
    let quartic = |v: f64| sq(sq(v));
    quartic(x) + sq(x.exp())
}

/// A captured name shadowed before the call: the closure reads the earlier value.
#[differentiable]
fn shadowed_capture(x: f64, w: f64) -> f64 {
    let f = |v: f64| w * v;
    let w = w * w;
    f(x) + w
}

/// A parameter named like the caller's local.
#[differentiable]
fn parameter_named_like_a_local(x: f64) -> f64 {
    let y = x * 2.0;
    let h = |y: f64| y * x;
    h(y + 1.0) + y
}

/// Without type annotations, called inside a loop on an accumulator.
#[differentiable]
fn untyped_in_loop(x: f64, n: usize) -> f64 {
    let step = |acc, v| acc * 0.5 + v;
    let mut acc = 0.0;
    for _ in 0..n {
        acc = step(acc, x);
    }
    acc
}

/// Over a matrix's elements, with a constant captured.
#[differentiable]
fn matrix_closure(m: &Array2<f64>, p: i32) -> f64 {
    let pw = |v: f64| v.powi(p);
    let mut s = 0.0;
    for i in 0..m.nrows() {
        for j in 0..m.ncols() {
            s += pw(m[[i, j]]);
        }
    }
    s
}

/// Called right where it is written.
#[allow(clippy::redundant_closure_call)]
#[differentiable]
fn immediately_called(x: f64) -> f64 {
    (|v: f64| v * v + 1.0)(x).ln()
}

/// A closure in an iterator chain.
#[differentiable]
fn in_iterator_chain(x: &Array1<f64>) -> f64 {
    let cube = |v: f64| v * v * v;
    x.iter().map(|v| cube(*v)).sum::<f64>()
}

/// In `f32`.
#[differentiable]
fn sum_of_squares_f32(a: f32, b: f32) -> f32 {
    let sq = |v: f32| v * v;
    sq(a) + sq(b) * 3.0
}

#[differentiable]
fn mapv_f32(x: &Array1<f32>, s: f32) -> f32 {
    let f = |v: f32| (v * s).sin();
    x.mapv(f).sum()
}

#[differentiable(jvp)]
fn jvp_closure(a: f64, b: f64) -> f64 {
    let f = |u: f64, v: f64| u * v.exp();
    f(a, b) + f(b, a)
}

fn fd(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6;
    (f(x + h) - f(x - h)) / (2.0 * h)
}

#[track_caller]
fn close(got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol * want.abs().max(1.0),
        "{got} != {want}"
    );
}

#[test]
fn squares() {
    let (a, b) = (0.7, -1.3);
    let (v, g) = sum_of_squares_value_and_grad(a, b);
    close(v, a * a + b * b, 1e-15);
    close(g, 2.0 * a, 1e-15);
    close(sum_of_squares_grad_1(a, b), 2.0 * b, 1e-15);
    close(g, fd(|a| sum_of_squares(a, b), a), 1e-8);
}

#[test]
fn a_closure_capturing_values() {
    let x = array![0.3, -0.8, 1.1];
    let (w, b) = (0.9, 0.2);
    let g = affine_sum_grad(&x, w, b);
    let want = x.mapv(|v: f64| w * (1.0 - (w * v + b).tanh().powi(2)));
    for i in 0..3 {
        close(g[i], want[i], 1e-14);
    }
    check_grad(
        |x: &Array1<f64>| affine_sum(x, w, b),
        |x| affine_sum_grad(x, w, b),
        &x,
    )
    .unwrap();
    let gw = affine_sum_grad_1(&x, w, b);
    let want_w: f64 = x
        .iter()
        .map(|v| v * (1.0 - (w * v + b).tanh().powi(2)))
        .sum();
    close(gw, want_w, 1e-14);
    close(gw, fd(|w| affine_sum(&x, w, b), w), 1e-8);
    let gb = affine_sum_grad_2(&x, w, b);
    close(gb, fd(|b| affine_sum(&x, w, b), b), 1e-8);
}

#[test]
fn parameters_passed_crosswise() {
    let (a, b) = (0.4, 1.5);
    // (b - 2a)(a - 2b): d/da = -2(a - 2b) + (b - 2a), d/db = (a - 2b) - 2(b - 2a).
    assert_eq!(crosswise(a, b), (b - 2.0 * a) * (a - 2.0 * b));
    close(
        crosswise_grad(a, b),
        -2.0 * (a - 2.0 * b) + (b - 2.0 * a),
        1e-15,
    );
    close(
        crosswise_grad_1(a, b),
        (a - 2.0 * b) - 2.0 * (b - 2.0 * a),
        1e-15,
    );
    close(crosswise_grad(a, b), fd(|a| crosswise(a, b), a), 1e-8);
}

#[test]
fn a_block_body() {
    let x = array![-1.0, 0.0, 2.5];
    let g = block_body_grad(&x);
    for i in 0..3 {
        close(g[i], 1.0 / (1.0 + (-x[i]).exp()), 1e-15);
    }
    check_grad(block_body, block_body_grad, &x).unwrap();
}

#[test]
fn called_in_branches() {
    let x: f64 = 0.8;
    let dg = |v: f64| v.cos() * v + v.sin();
    for (k, want) in [(0, 1.0), (1, 3.0 * dg(3.0 * x)), (2, 2.0 * dg(x))] {
        let g = in_branches_grad(x, k);
        close(g, want, 1e-14);
        close(g, fd(|x| in_branches(x, k), x), 1e-8);
    }
}

#[test]
fn passed_to_mapv() {
    let x = array![0.5, -2.0, 3.0];
    let g = mapv_local_grad(&x);
    for i in 0..3 {
        close(g[i], 2.0 * x[i], 1e-15);
    }
    check_grad(mapv_local, mapv_local_grad, &x).unwrap();
    let s = 0.7;
    let g = mapv_capturing_grad(&x, s);
    for i in 0..3 {
        close(g[i], s * (1.0 - (x[i] * s).tanh().powi(2)), 1e-14);
    }
    check_grad(
        |x: &Array1<f64>| mapv_capturing(x, s),
        |x| mapv_capturing_grad(x, s),
        &x,
    )
    .unwrap();
    let gs = mapv_capturing_grad_1(&x, s);
    let want: f64 = x.iter().map(|v| v * (1.0 - (v * s).tanh().powi(2))).sum();
    close(gs, want, 1e-14);
    close(gs, fd(|s| mapv_capturing(&x, s), s), 1e-8);
}

#[test]
fn closures_calling_closures() {
    let x: f64 = 0.6;
    assert_eq!(nested(x), x.powi(4) + x.exp().powi(2));
    let g = nested_grad(x);
    close(g, 4.0 * x.powi(3) + 2.0 * (2.0 * x).exp(), 1e-14);
    close(g, fd(nested, x), 1e-8);
}

#[test]
fn hygiene() {
    let (x, w) = (1.3, 0.4);
    // f(x) + w^2 with f(v) = w v: the closure reads the `w` before the shadowing.
    assert_eq!(shadowed_capture(x, w), w * x + w * w);
    close(shadowed_capture_grad(x, w), w, 1e-15);
    close(shadowed_capture_grad_1(x, w), x + 2.0 * w, 1e-15);
    close(
        shadowed_capture_grad_1(x, w),
        fd(|w| shadowed_capture(x, w), w),
        1e-8,
    );
    // h(2x + 1) + 2x with h(y) = y x: (2x + 1) x + 2x, derivative 4x + 1 + 2.
    assert_eq!(
        parameter_named_like_a_local(x),
        (2.0 * x + 1.0) * x + 2.0 * x
    );
    close(parameter_named_like_a_local_grad(x), 4.0 * x + 3.0, 1e-15);
    close(
        parameter_named_like_a_local_grad(x),
        fd(parameter_named_like_a_local, x),
        1e-8,
    );
}

#[test]
fn untyped_parameters_in_a_loop() {
    let x = 0.9;
    for n in [0usize, 1, 4] {
        // acc_n = x (1 + 1/2 + .. + 1/2^(n-1)) = 2x (1 - 2^-n).
        let want = 2.0 * (1.0 - 0.5f64.powi(n as i32));
        close(untyped_in_loop_grad(x, n), want, 1e-15);
        close(
            untyped_in_loop_grad(x, n),
            fd(|x| untyped_in_loop(x, n), x),
            1e-8,
        );
    }
}

#[test]
fn over_a_matrix() {
    let m = array![[0.5, -1.0], [2.0, 1.5]];
    let g = matrix_closure_grad(&m, 3);
    for i in 0..2 {
        for j in 0..2 {
            close(g[[i, j]], 3.0 * m[[i, j]] * m[[i, j]], 1e-15);
        }
    }
    check_grad(
        |m: &Array2<f64>| matrix_closure(m, 3),
        |m| matrix_closure_grad(m, 3),
        &m,
    )
    .unwrap();
}

#[test]
fn called_where_written_and_in_a_chain() {
    let x: f64 = 0.7;
    close(immediately_called_grad(x), 2.0 * x / (x * x + 1.0), 1e-15);
    close(immediately_called_grad(x), fd(immediately_called, x), 1e-8);
    let v = array![0.2, -1.0, 1.4];
    let g = in_iterator_chain_grad(&v);
    for i in 0..3 {
        close(g[i], 3.0 * v[i] * v[i], 1e-15);
    }
    check_grad(in_iterator_chain, in_iterator_chain_grad, &v).unwrap();
}

#[test]
fn single_precision() {
    let (a, b) = (0.7f32, -1.2f32);
    assert!((sum_of_squares_f32_grad(a, b) - 2.0 * a).abs() < 1e-6);
    assert!((sum_of_squares_f32_grad_1(a, b) - 6.0 * b).abs() < 1e-6);
    let x = array![0.1f32, 0.5, -0.9];
    let s = 1.3f32;
    let g = mapv_f32_grad(&x, s);
    for i in 0..3 {
        assert!((g[i] - s * (x[i] * s).cos()).abs() < 1e-6);
    }
    check_grad(
        |x: &Array1<f32>| mapv_f32(x, s),
        |x| mapv_f32_grad(x, s),
        &x,
    )
    .unwrap();
}

#[test]
fn forward_mode() {
    let (a, b) = (0.3, -0.5);
    let (va, vb) = (1.0, 0.25);
    let (value, t) = jvp_closure_jvp(a, b, (va, vb));
    assert_eq!(value, jvp_closure(a, b));
    // f = a e^b + b e^a.
    let want = va * (b.exp() + b * a.exp()) + vb * (a * b.exp() + a.exp());
    close(t, want, 1e-14);
    close(t, fd(|s| jvp_closure(a + s * va, b + s * vb), 0.0), 1e-8);
}
