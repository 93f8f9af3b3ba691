//! `f_hvp` and `f_jvp` where their printed programs read slices as views into the array (no copy) and
//! add two adjoints of one shape in place (a slice's reverse rule adding into the other contribution,
//! `add_owned` for two reverse rules' results): stencils of several slices, slices of a matrix, slices
//! also read by a call, a closure or the output, and sums of matrix products' reverse rules, each
//! against central differences of `f_grad` (second order) or of the value (first order) and, where
//! short, a closed form.

use autodiff::ndarray::{s, Array1, Array2};
use autodiff::prelude::*;
mod common;
use common::{close_slices as close, fd_hvp};

fn point(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| 0.4 + 0.3 * (1.3 * i as f64).sin())
}

fn direction(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.9 * i as f64 + 0.4).cos())
}

/// Central differences of the value along `v`.
fn fd_jvp(f: impl Fn(&Array1<f64>) -> f64, x: &Array1<f64>, v: &Array1<f64>) -> f64 {
    let h = 1e-6;
    (f(&(x + &(v * h))) - f(&(x - &(v * h)))) / (2.0 * h)
}

/// A second difference of three slices: three contributions to `x`'s adjoint, the first two summed
/// in place.
#[allow(clippy::reversed_empty_ranges)] // `s![1..-1]` is not a `Range`
#[differentiable(jvp, hessian)]
fn smoothness(x: &Array1<f64>) -> f64 {
    let left = x.slice(s![..-2]);
    let mid = x.slice(s![1..-1]);
    let right = x.slice(s![2..]);
    let d = &right - &(2.0 * &mid) + left;
    (&d * &d).sum() + (&mid * &mid * mid).sum()
}

#[test]
fn a_stencil_of_three_slices_has_its_closed_hessian() {
    // smoothness = sum_i (x[i+2] - 2 x[i+1] + x[i])^2 + sum_i x[i+1]^3: H = 2 D^T D + diag(6 x[1..-1]).
    for n in [3, 4, 9] {
        let x = point(n);
        let mut d = Array2::<f64>::zeros((n - 2, n));
        for i in 0..n - 2 {
            d[[i, i]] = 1.0;
            d[[i, i + 1]] = -2.0;
            d[[i, i + 2]] = 1.0;
        }
        let mut want = 2.0 * d.t().dot(&d);
        for i in 1..n - 1 {
            want[[i, i]] += 6.0 * x[i];
        }
        let h = smoothness_hessian(&x);
        close(
            h.as_slice().unwrap(),
            want.as_slice().unwrap(),
            1e-13,
            "smoothness H",
        );
        let v = direction(n);
        let hv = smoothness_hvp(&x, v.clone());
        close(
            hv.as_slice().unwrap(),
            want.dot(&v).as_slice().unwrap(),
            1e-13,
            "smoothness Hv",
        );
        let (value, t) = smoothness_jvp(&x, (v.clone(),));
        assert_eq!(value.to_bits(), smoothness(&x).to_bits(), "jvp's value");
        let g = smoothness_grad(&x);
        assert!(
            (t - g.dot(&v)).abs() <= 1e-12 * t.abs().max(1.0),
            "jvp = g.v"
        );
        assert!((t - fd_jvp(smoothness, &x, &v)).abs() <= 1e-6 * t.abs().max(1.0));
    }
}

#[differentiable(hessian)]
fn weigh(a: &Array1<f64>) -> f64 {
    (a * a).sum().sqrt()
}

/// Slices that cannot all be views: one read by a closure, one joined by a branch; and one copied
/// for a call.
#[differentiable(jvp, hessian)]
fn mixed_readers(x: &Array1<f64>, k: usize) -> f64 {
    let a = x.slice(s![..-1]);
    let b = x.slice(s![1..]);
    let c = x.slice(s![1..]);
    let e = if k > 2 { c } else { x.slice(s![..-1]) };
    let w = weigh(&a.to_owned());
    let m = b.mapv(|v| (v * 0.5).sin());
    w * (&m * &a).sum() + (&e * &b).sum()
}

#[test]
fn slices_read_by_calls_closures_and_branches_agree_with_differences() {
    for k in [1, 3] {
        let x = point(7);
        let v = direction(7);
        let want = fd_hvp(|x| mixed_readers_grad(x, k), &x, &v);
        let got = mixed_readers_hvp(&x, k, v.clone());
        close(
            got.as_slice().unwrap(),
            want.as_slice().unwrap(),
            1e-7,
            "mixed Hv",
        );
        let (_, t) = mixed_readers_jvp(&x, k, (v.clone(),));
        let fd = fd_jvp(|x| mixed_readers(x, k), &x, &v);
        assert!((t - fd).abs() <= 1e-6 * fd.abs().max(1.0), "{t} != {fd}");
    }
}

/// Slices of a matrix's columns and rows: views of two dimensions, contributions summed in place.
#[differentiable(hessian)]
fn grid(m: &Array2<f64>) -> f64 {
    let west = m.slice(s![.., ..-1]);
    let east = m.slice(s![.., 1..]);
    let north = m.slice(s![..-1, ..]);
    let south = m.slice(s![1.., ..]);
    let dx = &east - &west;
    let dy = &south - &north;
    (&dx * &dx * &dx).sum() + (&dy * &dy).sum() * (&dx * &dx).sum()
}

#[test]
fn slices_of_a_matrix_agree_with_differences() {
    let m = Array2::from_shape_fn((4, 5), |(i, j)| ((i * 5 + j) as f64 * 0.37).sin());
    let v = Array2::from_shape_fn((4, 5), |(i, j)| ((i + 2 * j) as f64).cos());
    let h = 1e-5;
    let want = (grid_grad(&(&m + &(&v * h))) - grid_grad(&(&m - &(&v * h)))) / (2.0 * h);
    let got = grid_hvp(&m, v);
    close(
        got.as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-7,
        "grid Hv",
    );
}

/// Two matrix products' reverse rules for one operand, summed in place (`add_owned`).
#[differentiable(jvp, hessian)]
fn two_products(x: &Array1<f64>, a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let p = a.dot(x);
    let q = b.dot(x);
    (&p * &q).sum() + p.dot(&p)
}

#[test]
fn sums_of_products_reverse_rules_have_the_closed_hessian() {
    // x^T A^T B x + x^T A^T A x: H = A^T B + B^T A + 2 A^T A.
    let n = 5;
    let a = Array2::from_shape_fn((3, n), |(i, j)| ((i * n + j) as f64 * 0.61).cos());
    let b = Array2::from_shape_fn((3, n), |(i, j)| ((i * n + j) as f64 * 0.23).sin());
    let x = point(n);
    let want = a.t().dot(&b) + b.t().dot(&a) + 2.0 * a.t().dot(&a);
    let h = two_products_hessian(&x, &a, &b);
    close(
        h.as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-13,
        "products H",
    );
    let v = direction(n);
    let zero = Array2::zeros((3, n));
    let (_, t) = two_products_jvp(&x, &a, &b, (v.clone(), zero.clone(), zero));
    let g = two_products_grad(&x, &a, &b);
    assert!((t - g.dot(&v)).abs() <= 1e-12 * t.abs().max(1.0));
}
