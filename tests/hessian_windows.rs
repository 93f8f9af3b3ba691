//! Index loops of `f_hvp` and `f_jvp` that add into an array at `i + c` run through windows (one slice per
//! array, checked once; the written elements in registers, see `codegen/windows.rs`) where the arrays are
//! contiguous, and as written otherwise. Each function here is checked against central differences and,
//! with the same values in a strided array (which runs the loop as written), for the same bits.

use autodiff::ndarray::{s, Array1};
use autodiff::prelude::*;
mod common;
use common::{close_slices as close, fd_hvp};

fn point(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| 0.4 + 0.3 * (1.3 * i as f64).sin())
}

fn direction(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.9 * i as f64 + 0.4).cos())
}

/// The same values in an array whose elements are two apart in memory: no window.
fn strided(x: &Array1<f64>) -> Array1<f64> {
    let mut wide = Array1::zeros(2 * x.len());
    wide.slice_mut(s![..;2]).assign(x);
    let out = wide.slice_move(s![..;2]);
    assert!(x.len() < 2 || out.as_slice().is_none(), "strided");
    out
}

fn same_bits(a: &Array1<f64>, b: &Array1<f64>, what: &str) {
    for (k, (p, q)) in a.iter().zip(b).enumerate() {
        assert_eq!(p.to_bits(), q.to_bits(), "{what}[{k}]: {p} != {q}");
    }
}

#[differentiable(jvp, hessian)]
fn rosenbrock(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

/// Three neighbours, one before the index: the reversed loop adds at `i - 1`, `i`, `i + 1`.
#[differentiable(jvp, hessian)]
fn triples(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 1..x.len() - 1 {
        s += x[i - 1] * x[i] * x[i + 1] + (x[i + 1] - x[i - 1]).powi(2);
    }
    s
}

/// Writes into a local array at `i` and `i + 1` (`+=`, `-=`) and at `i` (`=`), ascending: `f_jvp`'s
/// tangent writes go through registers in iteration order.
#[differentiable(jvp, hessian)]
fn scattered(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = Array1::<f64>::zeros(n);
    let mut z = Array1::<f64>::zeros(n);
    for i in 0..n - 1 {
        y[i] += x[i] * x[i + 1];
        y[i + 1] -= x[i].sin();
        z[i] = x[i + 1].powi(2);
    }
    (&y * &y).sum() + (&z * &y).sum()
}

/// A loop whose writes sit in a branch, and one that names a local like its index (no windows).
#[differentiable(jvp, hessian)]
fn branchy(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        if x[i] > 0.5 {
            s += x[i] * x[i + 1];
        } else {
            s += (x[i + 1] - x[i]).powi(2);
        }
    }
    let mut t = 0.0;
    for i in 0..x.len() - 1 {
        let i = x.len() - 2 - i;
        t += x[i].powi(3) * x[i + 1];
    }
    s * t
}

type Hvp = fn(&Array1<f64>, Array1<f64>) -> Array1<f64>;
type Grad = fn(&Array1<f64>) -> Array1<f64>;
type Jvp = fn(&Array1<f64>, (Array1<f64>,)) -> (f64, f64);
type Value = fn(&Array1<f64>) -> f64;

fn check(name: &str, f: Value, grad: Grad, hvp: Hvp, jvp: Jvp, sizes: &[usize]) {
    for &n in sizes {
        let x = point(n);
        let v = direction(n);
        let got = hvp(&x, v.clone());
        let want = fd_hvp(grad, &x, &v);
        close(
            got.as_slice().unwrap(),
            want.as_slice().unwrap(),
            1e-6,
            &format!("{name} Hv, n = {n}"),
        );
        same_bits(&got, &hvp(&strided(&x), strided(&v)), name);
        let (value, t) = jvp(&x, (v.clone(),));
        assert_eq!(value.to_bits(), f(&x).to_bits(), "{name}: jvp's value");
        let g = grad(&x);
        assert!(
            (t - g.dot(&v)).abs() <= 1e-12 * t.abs().max(1.0),
            "{name}: jvp {t} != g.v {}",
            g.dot(&v)
        );
        let (value2, t2) = jvp(&strided(&x), (strided(&v),));
        assert_eq!(value.to_bits(), value2.to_bits(), "{name}: strided value");
        assert_eq!(t.to_bits(), t2.to_bits(), "{name}: strided jvp");
    }
}

#[test]
fn windowed_loops_agree_with_differences_and_with_the_loop_as_written() {
    check(
        "rosenbrock",
        rosenbrock,
        rosenbrock_grad,
        rosenbrock_hvp,
        rosenbrock_jvp,
        &[1, 2, 3, 17, 64],
    );
    check(
        "triples",
        triples,
        triples_grad,
        triples_hvp,
        triples_jvp,
        &[2, 3, 4, 19],
    );
    check(
        "scattered",
        scattered,
        scattered_grad,
        scattered_hvp,
        scattered_jvp,
        &[1, 2, 5, 23],
    );
    check(
        "branchy",
        branchy,
        branchy_grad,
        branchy_hvp,
        branchy_jvp,
        &[2, 3, 12],
    );
}

#[test]
fn rosenbrocks_hessian_through_windows_is_the_closed_form() {
    let x = point(9);
    let h = rosenbrock_hessian(&x);
    let want = common::rosenbrock_hessian_closed(&x);
    close(h.as_slice().unwrap(), want.as_slice().unwrap(), 1e-13, "H");
}
