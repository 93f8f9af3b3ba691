//! Shared helpers of the integration tests: the JAX reference data and tolerance-aware comparisons.
#![allow(dead_code)]

pub mod primitives;

use autodiff::ndarray::{Array, Array1, Array2, Dimension};
use serde_json::Value;
use std::sync::OnceLock;

/// `tests/data/jax/jax-reference.json` (a copy of `shared/data/`), read once.
pub fn reference() -> &'static Value {
    static REF: OnceLock<Value> = OnceLock::new();
    REF.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/jax/jax-reference.json"
        );
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read the JAX reference data at {path}: {e}"));
        serde_json::from_str(&text).expect("jax-reference.json is not valid JSON")
    })
}

/// The value at a `/`-separated path of keys in the reference data, e.g. `"workloads/W1/value"`.
pub fn at(path: &str) -> &'static Value {
    let mut v = reference();
    for key in path.split('/') {
        v = match v {
            Value::Object(m) => m
                .get(key)
                .unwrap_or_else(|| panic!("no key {key:?} in reference path {path:?}")),
            Value::Array(a) => {
                let i: usize = key
                    .parse()
                    .unwrap_or_else(|_| panic!("{key:?} is not an index in {path:?}"));
                &a[i]
            }
            _ => panic!("reference path {path:?} runs into a number at {key:?}"),
        };
    }
    v
}

/// A number of the reference data.
pub fn num(path: &str) -> f64 {
    at(path)
        .as_f64()
        .unwrap_or_else(|| panic!("reference value at {path:?} is not a number"))
}

/// A list of numbers of the reference data.
pub fn vec1(path: &str) -> Array1<f64> {
    let a = at(path)
        .as_array()
        .unwrap_or_else(|| panic!("reference value at {path:?} is not a list"));
    a.iter()
        .map(|v| v.as_f64().expect("not a number"))
        .collect()
}

/// A list of equally long lists of numbers (a matrix) of the reference data.
pub fn mat2(path: &str) -> Array2<f64> {
    let rows = at(path)
        .as_array()
        .unwrap_or_else(|| panic!("reference value at {path:?} is not a list"));
    let ncols = rows[0].as_array().expect("not a matrix").len();
    let flat: Vec<f64> = rows
        .iter()
        .flat_map(|r| {
            let r = r.as_array().expect("not a matrix");
            assert_eq!(r.len(), ncols, "ragged matrix at {path:?}");
            r.iter().map(|v| v.as_f64().expect("not a number"))
        })
        .collect();
    Array2::from_shape_vec((rows.len(), ncols), flat).unwrap()
}

/// `|got - expected| <= rtol * |expected|` (or `<= rtol` when `expected` is 0).
#[track_caller]
pub fn assert_rel(got: f64, expected: f64, rtol: f64, what: &str) {
    let scale = expected.abs().max(f64::MIN_POSITIVE);
    let err = (got - expected).abs();
    assert!(
        err <= rtol * scale || (expected == 0.0 && err <= rtol),
        "{what}: got {got:e}, expected {expected:e} (abs error {err:e}, relative {:e} > {rtol:e})",
        err / scale
    );
}

/// `|got - expected| <= atol`.
#[track_caller]
pub fn assert_abs(got: f64, expected: f64, atol: f64, what: &str) {
    let err = (got - expected).abs();
    assert!(
        err <= atol,
        "{what}: got {got:e}, expected {expected:e} (abs error {err:e} > {atol:e})"
    );
}

/// Arrays of one shape agree component by component within `rtol * max_k |expected_k|` (a tolerance that
/// scales with the array's largest magnitude, so small components in a large gradient are not over-judged).
#[track_caller]
pub fn assert_array_close<D: Dimension>(
    got: &Array<f64, D>,
    expected: &Array<f64, D>,
    rtol: f64,
    what: &str,
) {
    assert_eq!(got.shape(), expected.shape(), "{what}: shapes differ");
    let scale = expected.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let tol = rtol * scale.max(f64::MIN_POSITIVE);
    let mut worst: Option<(usize, f64, f64, f64)> = None;
    for (k, (g, e)) in got.iter().zip(expected.iter()).enumerate() {
        let err = (g - e).abs();
        if (err > tol || err.is_nan()) && worst.is_none_or(|w| err > w.3 || err.is_nan()) {
            worst = Some((k, *g, *e, err));
        }
    }
    if let Some((k, g, e, err)) = worst {
        panic!(
            "{what}: component {k} (row-major): got {g:e}, expected {e:e}, abs error {err:e} > {tol:e} \
             (= {rtol:e} * max|expected| {scale:e})"
        );
    }
}

/// Checks a rebuilt input against the reference checksum `inputs_checksum/<name>` of workload `w`:
/// shape, sum (relative 1e-12) and first/last values (bit for bit).
#[track_caller]
pub fn check_input<D: Dimension>(w: &str, name: &str, a: &Array<f64, D>) {
    let base = format!("workloads/{w}/inputs_checksum/{name}");
    let shape: Vec<usize> = at(&format!("{base}/shape"))
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(a.shape(), &shape[..], "{w} input {name}: shape");
    // Summation order differs from numpy's pairwise sum: allow rounding relative to sum |a_k|.
    let sum: f64 = a.iter().sum();
    let abs_sum: f64 = a.iter().map(|v| v.abs()).sum();
    assert_abs(
        sum,
        num(&format!("{base}/sum")),
        1e-13 * abs_sum.max(1.0),
        &format!("{w} input {name}: sum"),
    );
    let first = vec1(&format!("{base}/first"));
    let flat: Vec<f64> = a.iter().copied().collect();
    for (k, v) in first.iter().enumerate() {
        assert_eq!(flat[k], *v, "{w} input {name}: element {k}");
    }
    let last = vec1(&format!("{base}/last"));
    let n = flat.len();
    for (k, v) in last.iter().enumerate() {
        let idx = n - last.len() + k;
        assert_eq!(flat[idx], *v, "{w} input {name}: element {idx}");
    }
}

/// `|got - want| <= rtol * max(1, |want|)`, element by element.
pub fn close_slices(got: &[f64], want: &[f64], rtol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= rtol * w.abs().max(1.0),
            "{what}[{k}]: {g} != {w} (rtol {rtol})"
        );
    }
}

/// Central differences of a gradient along `v`: `(grad(x + h v) - grad(x - h v)) / 2h`.
pub fn fd_hvp(
    grad: impl Fn(&Array1<f64>) -> Array1<f64>,
    x: &Array1<f64>,
    v: &Array1<f64>,
) -> Array1<f64> {
    let h = 1e-5;
    (grad(&(x + &(v * h))) - grad(&(x - &(v * h)))) / (2.0 * h)
}

/// `f_hvp` of a function of one array at `x` along `v` against central differences of its gradient
/// (`rtol` 1e-6, relative to `max(1, |want|)`).
#[track_caller]
pub fn check_hvp(
    what: &str,
    hvp: impl Fn(&Array1<f64>, Array1<f64>) -> Array1<f64>,
    grad: impl Fn(&Array1<f64>) -> Array1<f64>,
    x: &Array1<f64>,
    v: &Array1<f64>,
) {
    let want = fd_hvp(grad, x, v);
    close_slices(
        hvp(x, v.clone()).as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-6,
        what,
    );
}

/// Rosenbrock's Hessian, written out: tridiagonal.
pub fn rosenbrock_hessian_closed(x: &Array1<f64>) -> Array2<f64> {
    let n = x.len();
    let mut h = Array2::zeros((n, n));
    for i in 0..n - 1 {
        h[[i, i]] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
        h[[i + 1, i + 1]] += 200.0;
        h[[i, i + 1]] -= 400.0 * x[i];
        h[[i + 1, i]] -= 400.0 * x[i];
    }
    h
}
