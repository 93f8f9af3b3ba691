//! Values and derivatives at edge points (kinks, ties, bounds, poles, branch points, overflow, NaN
//! inputs) of every scalar function of the subset, against JAX (`tests/data/jax/edge-values.json`,
//! produced by `tests/data/jax/edge-values.py`).
//!
//! Each entry is computed four ways: `f_value_and_grad`, `f_vjp`'s pullback at 1, `f_grad` (one scalar
//! parameter: forward mode) and each `f_grad_<i>`. NaN must match NaN, infinities must match exactly, and
//! finite numbers agree to 1e-12 relative (zero exactly, whatever its sign). Where the Rust function is not
//! JAX's function (`f64::signum(0.0)` is 1, `f64::max` ignores NaN, ...), the entry gives the Rust value
//! and a note; the derivative is still JAX's unless listed in [`DIFFERS`], whose entries are checked
//! against our value here and against JAX's in an ignored test each.

use autodiff::prelude::*;
use serde_json::Value;
use std::panic::{self, AssertUnwindSafe};

/// Relative tolerance for finite numbers: XLA's and Rust's elementary functions differ in the last bits.
const RTOL: f64 = 1e-12;

// One `#[differentiable]` function per JSON `op`, in method form.

#[differentiable]
fn op_exp(x: f64) -> f64 {
    x.exp()
}

#[differentiable]
fn op_exp2(x: f64) -> f64 {
    x.exp2()
}

#[differentiable]
fn op_exp_m1(x: f64) -> f64 {
    x.exp_m1()
}

#[differentiable]
fn op_ln(x: f64) -> f64 {
    x.ln()
}

#[differentiable]
fn op_ln_1p(x: f64) -> f64 {
    x.ln_1p()
}

#[differentiable]
fn op_log2(x: f64) -> f64 {
    x.log2()
}

#[differentiable]
fn op_log10(x: f64) -> f64 {
    x.log10()
}

#[differentiable]
fn op_sqrt(x: f64) -> f64 {
    x.sqrt()
}

#[differentiable]
fn op_cbrt(x: f64) -> f64 {
    x.cbrt()
}

#[differentiable]
fn op_recip(x: f64) -> f64 {
    x.recip()
}

#[differentiable]
fn op_sin(x: f64) -> f64 {
    x.sin()
}

#[differentiable]
fn op_cos(x: f64) -> f64 {
    x.cos()
}

#[differentiable]
fn op_tan(x: f64) -> f64 {
    x.tan()
}

#[differentiable]
fn op_asin(x: f64) -> f64 {
    x.asin()
}

#[differentiable]
fn op_acos(x: f64) -> f64 {
    x.acos()
}

#[differentiable]
fn op_atan(x: f64) -> f64 {
    x.atan()
}

#[differentiable]
fn op_sinh(x: f64) -> f64 {
    x.sinh()
}

#[differentiable]
fn op_cosh(x: f64) -> f64 {
    x.cosh()
}

#[differentiable]
fn op_tanh(x: f64) -> f64 {
    x.tanh()
}

#[differentiable]
fn op_asinh(x: f64) -> f64 {
    x.asinh()
}

#[differentiable]
fn op_acosh(x: f64) -> f64 {
    x.acosh()
}

#[differentiable]
fn op_atanh(x: f64) -> f64 {
    x.atanh()
}

#[differentiable]
fn op_abs(x: f64) -> f64 {
    x.abs()
}

#[differentiable]
fn op_signum(x: f64) -> f64 {
    x.signum()
}

#[differentiable]
fn op_to_degrees(x: f64) -> f64 {
    x.to_degrees()
}

#[differentiable]
fn op_to_radians(x: f64) -> f64 {
    x.to_radians()
}

#[differentiable]
fn op_floor(x: f64) -> f64 {
    x.floor()
}

#[differentiable]
fn op_ceil(x: f64) -> f64 {
    x.ceil()
}

#[differentiable]
fn op_round(x: f64) -> f64 {
    x.round()
}

#[differentiable]
fn op_trunc(x: f64) -> f64 {
    x.trunc()
}

#[differentiable]
fn op_fract(x: f64) -> f64 {
    x.fract()
}

#[differentiable]
fn op_powi_0(x: f64) -> f64 {
    x.powi(0)
}

#[differentiable]
fn op_powi_1(x: f64) -> f64 {
    x.powi(1)
}

#[differentiable]
fn op_powi_2(x: f64) -> f64 {
    x.powi(2)
}

#[differentiable]
fn op_powi_3(x: f64) -> f64 {
    x.powi(3)
}

#[differentiable]
fn op_powi_m1(x: f64) -> f64 {
    x.powi(-1)
}

#[differentiable]
fn op_powi_m2(x: f64) -> f64 {
    x.powi(-2)
}

#[differentiable(argnums = (0, 1))]
fn op_powf(x: f64, y: f64) -> f64 {
    x.powf(y)
}

#[differentiable(argnums = (0, 1))]
fn op_atan2(x: f64, y: f64) -> f64 {
    x.atan2(y)
}

#[differentiable(argnums = (0, 1))]
fn op_max(x: f64, y: f64) -> f64 {
    x.max(y)
}

#[differentiable(argnums = (0, 1))]
fn op_min(x: f64, y: f64) -> f64 {
    x.min(y)
}

#[differentiable(argnums = (0, 1))]
fn op_hypot(x: f64, y: f64) -> f64 {
    x.hypot(y)
}

#[differentiable(argnums = (0, 1))]
fn op_div(x: f64, y: f64) -> f64 {
    x / y
}

#[differentiable(argnums = (0, 1, 2))]
fn op_clamp(x: f64, lo: f64, hi: f64) -> f64 {
    x.clamp(lo, hi)
}

#[differentiable(argnums = (0, 1, 2))]
fn op_mul_add(x: f64, a: f64, b: f64) -> f64 {
    x.mul_add(a, b)
}

/// One way of computing an entry: its name, the value, and the gradient (one number per argument).
type Route = (&'static str, f64, Vec<f64>);

macro_rules! unary {
    ($vg:ident, $vjp:ident, $grad:ident) => {
        |a: &[f64]| -> Vec<Route> {
            let x = a[0];
            let (value, g) = $vg(x);
            let (value_vjp, pullback) = $vjp(x);
            let (p,) = pullback(1.0);
            vec![
                ("value_and_grad", value, vec![g]),
                ("vjp", value_vjp, vec![p]),
                ("grad", value, vec![$grad(x)]),
            ]
        }
    };
}

macro_rules! binary {
    ($vg:ident, $vjp:ident, $g0:ident, $g1:ident) => {
        |a: &[f64]| -> Vec<Route> {
            let (x, y) = (a[0], a[1]);
            let (value, (g0, g1)) = $vg(x, y);
            let (value_vjp, pullback) = $vjp(x, y);
            let (p0, p1) = pullback(1.0);
            vec![
                ("value_and_grad", value, vec![g0, g1]),
                ("vjp", value_vjp, vec![p0, p1]),
                ("grad_i", value, vec![$g0(x, y), $g1(x, y)]),
            ]
        }
    };
}

macro_rules! ternary {
    ($vg:ident, $vjp:ident, $g0:ident, $g1:ident, $g2:ident) => {
        |a: &[f64]| -> Vec<Route> {
            let (x, y, z) = (a[0], a[1], a[2]);
            let (value, (g0, g1, g2)) = $vg(x, y, z);
            let (value_vjp, pullback) = $vjp(x, y, z);
            let (p0, p1, p2) = pullback(1.0);
            vec![
                ("value_and_grad", value, vec![g0, g1, g2]),
                ("vjp", value_vjp, vec![p0, p1, p2]),
                (
                    "grad_i",
                    value,
                    vec![$g0(x, y, z), $g1(x, y, z), $g2(x, y, z)],
                ),
            ]
        }
    };
}

/// Every way of computing `op` at `args`.
fn routes(op: &str, args: &[f64]) -> Vec<Route> {
    let f: fn(&[f64]) -> Vec<Route> = match op {
        "exp" => unary!(op_exp_value_and_grad, op_exp_vjp, op_exp_grad),
        "exp2" => unary!(op_exp2_value_and_grad, op_exp2_vjp, op_exp2_grad),
        "exp_m1" => unary!(op_exp_m1_value_and_grad, op_exp_m1_vjp, op_exp_m1_grad),
        "ln" => unary!(op_ln_value_and_grad, op_ln_vjp, op_ln_grad),
        "ln_1p" => unary!(op_ln_1p_value_and_grad, op_ln_1p_vjp, op_ln_1p_grad),
        "log2" => unary!(op_log2_value_and_grad, op_log2_vjp, op_log2_grad),
        "log10" => unary!(op_log10_value_and_grad, op_log10_vjp, op_log10_grad),
        "sqrt" => unary!(op_sqrt_value_and_grad, op_sqrt_vjp, op_sqrt_grad),
        "cbrt" => unary!(op_cbrt_value_and_grad, op_cbrt_vjp, op_cbrt_grad),
        "recip" => unary!(op_recip_value_and_grad, op_recip_vjp, op_recip_grad),
        "sin" => unary!(op_sin_value_and_grad, op_sin_vjp, op_sin_grad),
        "cos" => unary!(op_cos_value_and_grad, op_cos_vjp, op_cos_grad),
        "tan" => unary!(op_tan_value_and_grad, op_tan_vjp, op_tan_grad),
        "asin" => unary!(op_asin_value_and_grad, op_asin_vjp, op_asin_grad),
        "acos" => unary!(op_acos_value_and_grad, op_acos_vjp, op_acos_grad),
        "atan" => unary!(op_atan_value_and_grad, op_atan_vjp, op_atan_grad),
        "sinh" => unary!(op_sinh_value_and_grad, op_sinh_vjp, op_sinh_grad),
        "cosh" => unary!(op_cosh_value_and_grad, op_cosh_vjp, op_cosh_grad),
        "tanh" => unary!(op_tanh_value_and_grad, op_tanh_vjp, op_tanh_grad),
        "asinh" => unary!(op_asinh_value_and_grad, op_asinh_vjp, op_asinh_grad),
        "acosh" => unary!(op_acosh_value_and_grad, op_acosh_vjp, op_acosh_grad),
        "atanh" => unary!(op_atanh_value_and_grad, op_atanh_vjp, op_atanh_grad),
        "abs" => unary!(op_abs_value_and_grad, op_abs_vjp, op_abs_grad),
        "signum" => unary!(op_signum_value_and_grad, op_signum_vjp, op_signum_grad),
        "to_degrees" => unary!(
            op_to_degrees_value_and_grad,
            op_to_degrees_vjp,
            op_to_degrees_grad
        ),
        "to_radians" => unary!(
            op_to_radians_value_and_grad,
            op_to_radians_vjp,
            op_to_radians_grad
        ),
        "floor" => unary!(op_floor_value_and_grad, op_floor_vjp, op_floor_grad),
        "ceil" => unary!(op_ceil_value_and_grad, op_ceil_vjp, op_ceil_grad),
        "round" => unary!(op_round_value_and_grad, op_round_vjp, op_round_grad),
        "trunc" => unary!(op_trunc_value_and_grad, op_trunc_vjp, op_trunc_grad),
        "fract" => unary!(op_fract_value_and_grad, op_fract_vjp, op_fract_grad),
        "powi_0" => unary!(op_powi_0_value_and_grad, op_powi_0_vjp, op_powi_0_grad),
        "powi_1" => unary!(op_powi_1_value_and_grad, op_powi_1_vjp, op_powi_1_grad),
        "powi_2" => unary!(op_powi_2_value_and_grad, op_powi_2_vjp, op_powi_2_grad),
        "powi_3" => unary!(op_powi_3_value_and_grad, op_powi_3_vjp, op_powi_3_grad),
        "powi_m1" => unary!(op_powi_m1_value_and_grad, op_powi_m1_vjp, op_powi_m1_grad),
        "powi_m2" => unary!(op_powi_m2_value_and_grad, op_powi_m2_vjp, op_powi_m2_grad),
        "powf" => binary!(
            op_powf_value_and_grad,
            op_powf_vjp,
            op_powf_grad_0,
            op_powf_grad_1
        ),
        "atan2" => binary!(
            op_atan2_value_and_grad,
            op_atan2_vjp,
            op_atan2_grad_0,
            op_atan2_grad_1
        ),
        "max" => binary!(
            op_max_value_and_grad,
            op_max_vjp,
            op_max_grad_0,
            op_max_grad_1
        ),
        "min" => binary!(
            op_min_value_and_grad,
            op_min_vjp,
            op_min_grad_0,
            op_min_grad_1
        ),
        "hypot" => binary!(
            op_hypot_value_and_grad,
            op_hypot_vjp,
            op_hypot_grad_0,
            op_hypot_grad_1
        ),
        "div" => binary!(
            op_div_value_and_grad,
            op_div_vjp,
            op_div_grad_0,
            op_div_grad_1
        ),
        "clamp" => ternary!(
            op_clamp_value_and_grad,
            op_clamp_vjp,
            op_clamp_grad_0,
            op_clamp_grad_1,
            op_clamp_grad_2
        ),
        "mul_add" => ternary!(
            op_mul_add_value_and_grad,
            op_mul_add_vjp,
            op_mul_add_grad_0,
            op_mul_add_grad_1,
            op_mul_add_grad_2
        ),
        _ => panic!("no Rust function for the JAX entry `{op}`"),
    };
    f(args)
}

/// A number of the JSON file: a float, or "nan", "inf", "-inf".
fn number(v: &Value) -> f64 {
    match v {
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => panic!("not a number: {other:?}"),
        },
        v => v.as_f64().expect("a number"),
    }
}

/// Whether `got` is `expected`: NaN for NaN, the same infinity, zero for zero (either sign), else within
/// [`RTOL`].
fn same(got: f64, expected: f64) -> bool {
    if expected.is_nan() {
        got.is_nan()
    } else if expected.is_infinite() || expected == 0.0 {
        got == expected
    } else {
        (got - expected).abs() <= RTOL * expected.abs()
    }
}

/// One entry of the JSON file.
struct Entry {
    op: String,
    args: Vec<f64>,
    why: String,
    value: f64,
    grad: Vec<f64>,
    rust_panics: bool,
}

impl Entry {
    fn label(&self) -> String {
        format!("{}{:?} ({})", self.op, self.args, self.why)
    }
}

fn entries() -> Vec<Entry> {
    let text = include_str!("data/jax/edge-values.json");
    let json: Value = serde_json::from_str(text).expect("edge-values.json parses");
    json["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| Entry {
            op: e["op"].as_str().expect("op").to_string(),
            args: e["args"]
                .as_array()
                .expect("args")
                .iter()
                .map(number)
                .collect(),
            why: e["why"].as_str().expect("why").to_string(),
            // The Rust function's own value where it is not JAX's function.
            value: number(e.get("rust_value").unwrap_or(&e["value"])),
            grad: e["grad"]
                .as_array()
                .expect("grad")
                .iter()
                .map(number)
                .collect(),
            rust_panics: e.get("rust_panics").is_some(),
        })
        .collect()
}

/// The entry for `op` at `args` (compared bit for bit, so `-0.0` and NaN find their own entries).
fn entry(op: &str, args: &[f64]) -> Entry {
    entries()
        .into_iter()
        .find(|e| {
            e.op == op
                && e.args.len() == args.len()
                && e.args
                    .iter()
                    .zip(args)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
        })
        .unwrap_or_else(|| panic!("no entry {op}{args:?}"))
}

/// Where our derivative is deliberately not JAX's: `(op, args, our gradient, why)`.
const DIFFERS: &[(&str, &[f64], &[f64], &str)] = &[
    (
        "powf",
        &[0.0, 0.0],
        &[0.0, 0.0],
        "d/dbase of 0^0: ours is 0 (x^0 is constant, and JAX's integer_pow gives 0); lax.pow in JAX 0.10.2 gives 0 * 0^-1 = NaN",
    ),
    (
        "max",
        &[f64::NAN, 0.5],
        &[0.0, 1.0],
        "f64::max ignores NaN and returns the other operand, whose derivative is then 1; jnp.maximum returns NaN with derivatives (0, 0)",
    ),
    (
        "max",
        &[0.5, f64::NAN],
        &[1.0, 0.0],
        "f64::max ignores NaN and returns the other operand, whose derivative is then 1; jnp.maximum returns NaN with derivatives (0, 0)",
    ),
    (
        "min",
        &[f64::NAN, 0.5],
        &[0.0, 1.0],
        "f64::min ignores NaN and returns the other operand, whose derivative is then 1; jnp.minimum returns NaN with derivatives (0, 0)",
    ),
    (
        "min",
        &[0.5, f64::NAN],
        &[1.0, 0.0],
        "f64::min ignores NaN and returns the other operand, whose derivative is then 1; jnp.minimum returns NaN with derivatives (0, 0)",
    ),
];

/// Our gradient for `e`, where it deliberately differs from JAX's.
fn ours(e: &Entry) -> Option<&'static [f64]> {
    DIFFERS
        .iter()
        .find(|(op, args, _, _)| {
            *op == e.op
                && args.len() == e.args.len()
                && args
                    .iter()
                    .zip(&e.args)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
        })
        .map(|(_, _, grad, _)| *grad)
}

/// Checks every route of `e` against `value` and `grad`; returns the mismatches.
fn mismatches(e: &Entry, grad: &[f64]) -> Vec<String> {
    let mut out = Vec::new();
    let computed = panic::catch_unwind(AssertUnwindSafe(|| routes(&e.op, &e.args)));
    let Ok(computed) = computed else {
        return vec![format!("{}: panicked", e.label())];
    };
    for (route, value, g) in computed {
        if !same(value, e.value) {
            out.push(format!(
                "{} {route}: value {value:?}, expected {:?}",
                e.label(),
                e.value
            ));
        }
        assert_eq!(
            g.len(),
            grad.len(),
            "{}: one derivative per argument",
            e.label()
        );
        for (k, (&got, &expected)) in g.iter().zip(grad).enumerate() {
            if !same(got, expected) {
                out.push(format!(
                    "{} {route}: d/darg{k} = {got:?}, expected {expected:?}",
                    e.label()
                ));
            }
        }
    }
    out
}

#[test]
fn every_entry_matches_jax() {
    let all = entries();
    assert!(all.len() > 100, "the JSON holds the edge points");
    let mut failures = Vec::new();
    let mut checked = 0;
    for e in all.iter().filter(|e| !e.rust_panics) {
        let grad = ours(e).unwrap_or(&e.grad);
        failures.extend(mismatches(e, grad));
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} entries differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_disagreement_is_an_entry() {
    for (op, args, _, _) in DIFFERS {
        let e = entry(op, args);
        assert!(
            mismatches(&e, &e.grad).iter().any(|m| m.contains("d/darg")),
            "{}: listed in DIFFERS but agrees with JAX",
            e.label()
        );
    }
}

#[test]
fn nan_in_nan_out_for_every_function() {
    // Every function of the table has a NaN entry (in each argument), and nothing panics on NaN but
    // `clamp` with a NaN bound, as `f64::clamp`.
    let all = entries();
    let nan_entries: Vec<&Entry> = all
        .iter()
        .filter(|e| e.args.iter().any(|a| a.is_nan()))
        .collect();
    let ops: std::collections::BTreeSet<&str> = all.iter().map(|e| e.op.as_str()).collect();
    for op in &ops {
        assert!(
            nan_entries.iter().any(|e| e.op == *op),
            "`{op}` has no NaN entry"
        );
    }
    for e in nan_entries {
        let result = panic::catch_unwind(AssertUnwindSafe(|| routes(&e.op, &e.args)));
        assert_eq!(result.is_err(), e.rust_panics, "{}: panics", e.label());
        if let Ok(computed) = result {
            for (route, value, _) in computed {
                // The value is NaN except where the function ignores the NaN (powi(0), max, min).
                assert_eq!(value.is_nan(), e.value.is_nan(), "{} {route}", e.label());
            }
        }
    }
}

#[test]
fn clamp_with_a_nan_bound_panics_as_f64_clamp_does() {
    for args in [[0.5, f64::NAN, 1.0], [0.5, 0.0, f64::NAN]] {
        let e = entry("clamp", &args);
        assert!(e.rust_panics);
        assert!(panic::catch_unwind(|| args[0].clamp(args[1], args[2])).is_err());
        assert!(
            panic::catch_unwind(|| op_clamp_value_and_grad(args[0], args[1], args[2])).is_err()
        );
        assert!(panic::catch_unwind(|| op_clamp_vjp(args[0], args[1], args[2]).0).is_err());
    }
}

/// The check against JAX's own derivative, for an entry of [`DIFFERS`].
fn against_jax(op: &str, args: &[f64]) {
    let e = entry(op, args);
    let failures = mismatches(&e, &e.grad);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
#[ignore = "differs from JAX: d/dbase of 0.0.powf(0.0) is 0 here, NaN in JAX 0.10.2's lax.pow"]
fn powf_zero_to_the_zero_as_jax() {
    against_jax("powf", &[0.0, 0.0]);
}

#[test]
#[ignore = "differs from JAX: f64::max/min ignore a NaN operand (derivative 1 to the other), jnp.maximum/minimum propagate it (0, 0)"]
fn max_min_of_nan_as_jax() {
    against_jax("max", &[f64::NAN, 0.5]);
    against_jax("max", &[0.5, f64::NAN]);
    against_jax("min", &[f64::NAN, 0.5]);
    against_jax("min", &[0.5, f64::NAN]);
}
