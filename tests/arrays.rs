//! Arrays: elementwise arithmetic with broadcasting, array methods, `mapv`, reductions, `dot`, `t()`,
//! slices, views as parameters, `has_aux`, `#[differentiable(vjp)]` with array outputs, `stop_gradient`,
//! shadowing and compound assignment, user names that could clash with generated ones, and two model
//! losses. Closed forms where they are short, `check_grad` (central differences) everywhere.
#![deny(warnings)]
mod common;

use autodiff::ndarray::{
    array, concatenate, s, stack, Array1, Array2, Array3, ArrayView1, ArrayView2, Axis,
};
use autodiff::prelude::*;
use autodiff::GradCheckError;
use common::{assert_abs, assert_array_close, assert_rel};

const RTOL: f64 = 1e-12;

#[track_caller]
fn ok(r: Result<(), GradCheckError>, what: &str) {
    if let Err(e) = r {
        panic!("{what}: {e}");
    }
}

/// A deterministic, non-symmetric test matrix with entries in about [-1, 1].
fn mat(rows: usize, cols: usize, seed: f64) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        (seed + 0.7 * i as f64 - 0.3 * j as f64 + 0.11 * (i * j) as f64).sin()
    })
}

fn vect(n: usize, seed: f64) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (seed + 0.9 * i as f64).cos())
}

fn outer(a: &Array1<f64>, b: &Array1<f64>) -> Array2<f64> {
    Array2::from_shape_fn((a.len(), b.len()), |(i, j)| a[i] * b[j])
}

// =============================================================================================
// Elementwise arithmetic and broadcasting
// =============================================================================================

/// Array (3,4) with a row vector (4,): every operator, the vector broadcast over the rows.
#[differentiable(argnums = (0, 1))]
fn bcast_row(a: &Array2<f64>, b: &Array1<f64>) -> f64 {
    let p = a + b;
    let q = a - b;
    let r = a * b;
    let d = a / b;
    let e = b / a;
    (&p * &q).sum() + r.sum() + d.sum() + e.sum() + (b - a).sum()
}

/// Array (3,4) with a column (3,1).
#[differentiable(argnums = (0, 1))]
fn bcast_col(a: &Array2<f64>, c: &Array2<f64>) -> f64 {
    ((a * c).sin() + a / c - c).sum()
}

/// Co-broadcasting: (3,1) with (1,4) gives (3,4).
#[differentiable(argnums = (0, 1))]
fn bcast_both(c: &Array2<f64>, r: &Array2<f64>) -> f64 {
    let m = c * r;
    let n = &m + c;
    (&n * &n).sum() + (c - r).exp().sum()
}

/// A scalar parameter on either side of every operator with an array parameter.
#[differentiable(argnums = (0, 1))]
fn scalar_array(s: f64, x: &Array1<f64>) -> f64 {
    let a = s * x + x * s;
    let b = s / x + x / s;
    let c = (s - x) + (x - s) + (s + x) + (x + s);
    (&a * &b).sum() + c.sum() + (x * 2.0).sum() + (3.0 - x).sum() + (1.5 / x).sum()
}

/// Operand forms: references, owned values, literals on both sides, unary minus.
#[differentiable]
fn operand_forms(x: &Array1<f64>) -> f64 {
    let y = x.clone();
    let a = &y + x;
    let b = y - x * 0.5;
    let c = -x;
    let d = -&a;
    let e = 2.0 * &b + &c * 3.0 - 1.0;
    (a * b).sum() + (c * &d).sum() + e.sum()
}

/// Scalar arithmetic mixed with array reductions.
#[differentiable(argnums = (0, 1))]
fn scalar_mix(x: &Array1<f64>, s: f64) -> f64 {
    let m = x.sum() / s;
    let n = s * s - m;
    -n * m + 1.0 / (s + x.sum())
}

#[test]
fn broadcast_row_vector() {
    let a = mat(3, 4, 0.3) + 2.5; // away from 0: it divides
    let b = array![1.5, -2.0, 0.75, 3.0];
    let (ga, gb) = bcast_row_grad(&a, &b);
    assert_eq!(ga.shape(), &[3, 4], "the gradient has a's shape");
    assert_eq!(
        gb.shape(),
        &[4],
        "the broadcast operand's gradient is reduced to its shape"
    );
    // f = sum(a^2 - b^2) + sum(a b) + sum(a/b) + sum(b/a) + sum(b - a)
    let bb = b.broadcast((3, 4)).unwrap().to_owned();
    let ea = 2.0 * &a + &bb + 1.0 / &bb - &bb / (&a * &a) - 1.0;
    let eb = (-2.0 * &bb + &a - &a / (&bb * &bb) + 1.0 / &a + 1.0).sum_axis(Axis(0));
    assert_array_close(&ga, &ea, RTOL, "d/da");
    assert_array_close(&gb, &eb, RTOL, "d/db");
    ok(
        check_grad(
            |a: &Array2<f64>| bcast_row(a, &b),
            |a| bcast_row_grad_0(a, &b),
            &a,
        ),
        "bcast_row a",
    );
    ok(
        check_grad(
            |b: &Array1<f64>| bcast_row(&a, b),
            |b| bcast_row_grad_1(&a, b),
            &b,
        ),
        "bcast_row b",
    );
}

#[test]
fn broadcast_column() {
    let a = mat(3, 4, 1.1);
    let c = array![[1.5], [-0.8], [2.2]];
    let (ga, gc) = bcast_col_grad(&a, &c);
    assert_eq!(ga.shape(), &[3, 4]);
    assert_eq!(gc.shape(), &[3, 1]);
    let cc = c.broadcast((3, 4)).unwrap().to_owned();
    let cosac = (&a * &cc).cos();
    assert_array_close(&ga, &(&cosac * &cc + 1.0 / &cc), RTOL, "d/da");
    let egc = (&cosac * &a - &a / (&cc * &cc) - 1.0)
        .sum_axis(Axis(1))
        .insert_axis(Axis(1));
    assert_array_close(&gc, &egc, RTOL, "d/dc");
    ok(
        check_grad(
            |a: &Array2<f64>| bcast_col(a, &c),
            |a| bcast_col_grad_0(a, &c),
            &a,
        ),
        "bcast_col a",
    );
    ok(
        check_grad(
            |c: &Array2<f64>| bcast_col(&a, c),
            |c| bcast_col_grad_1(&a, c),
            &c,
        ),
        "bcast_col c",
    );
}

#[test]
fn broadcast_both_operands() {
    let c = array![[0.5], [-0.4], [0.9]];
    let r = array![[0.3, -0.7, 1.1, 0.2]];
    let (gc, gr) = bcast_both_grad(&c, &r);
    assert_eq!(gc.shape(), &[3, 1]);
    assert_eq!(gr.shape(), &[1, 4]);
    ok(
        check_grad(
            |c: &Array2<f64>| bcast_both(c, &r),
            |c| bcast_both_grad_0(c, &r),
            &c,
        ),
        "bcast_both c",
    );
    ok(
        check_grad(
            |r: &Array2<f64>| bcast_both(&c, r),
            |r| bcast_both_grad_1(&c, r),
            &r,
        ),
        "bcast_both r",
    );
}

#[test]
fn scalar_on_either_side() {
    let s = 1.7;
    let x = array![0.5, -1.25, 2.0, 3.5, -0.75];
    let (gs, gx) = scalar_array_grad(s, &x);
    assert_eq!(gx.shape(), &[5]);
    // a*b = 2 s x (s/x + x/s) = 2 s^2 + 2 x^2 and c = 2s + 2x:
    // f = sum(2 s^2 + 2 x^2 + 2 s + 2 x + 2 x + 3 - x + 1.5/x)
    let n = x.len() as f64;
    assert_rel(gs, 4.0 * s * n + 2.0 * n, RTOL, "d/ds");
    let egx = 4.0 * &x + 3.0 - 1.5 / (&x * &x);
    assert_array_close(&gx, &egx, RTOL, "d/dx");
    ok(
        check_grad(
            |s: &f64| scalar_array(*s, &x),
            |s| scalar_array_grad_0(*s, &x),
            &s,
        ),
        "scalar_array s",
    );
    ok(
        check_grad(
            |x: &Array1<f64>| scalar_array(s, x),
            |x| scalar_array_grad_1(s, x),
            &x,
        ),
        "scalar_array x",
    );
}

#[test]
fn operand_forms_and_negation() {
    let x = array![0.5, -1.25, 2.0];
    // a = 2x, b = x/2, c = -x, d = -2x, e = x - 3x - 1 = -2x - 1
    // f = sum(x^2) + sum(2x^2) + sum(-2x - 1) -> grad = 6x - 2
    assert_array_close(
        &operand_forms_grad(&x),
        &(6.0 * &x - 2.0),
        RTOL,
        "operand forms",
    );
    ok(
        check_grad(operand_forms, operand_forms_grad, &x),
        "operand_forms",
    );
}

#[test]
fn scalar_arithmetic_with_reductions() {
    let x = array![0.5, -1.25, 2.0];
    let s = 1.3;
    let (gx, gs) = scalar_mix_grad(&x, s);
    assert_eq!(gx.shape(), &[3]);
    ok(
        check_grad(
            |x: &Array1<f64>| scalar_mix(x, s),
            |x| scalar_mix_grad_0(x, s),
            &x,
        ),
        "scalar_mix x",
    );
    ok(
        check_grad(
            |s: &f64| scalar_mix(&x, *s),
            |s| scalar_mix_grad_1(&x, *s),
            &s,
        ),
        "scalar_mix s",
    );
    // All components of d/dx are equal (f depends on sum(x) only).
    assert_abs(gx[0], gx[2], 1e-15, "d/dx constant");
    assert!(gs.is_finite());
}

// =============================================================================================
// Elementwise array methods: f(x) = x.<method>().sum(), so the gradient is the derivative elementwise
// =============================================================================================

#[differentiable]
fn e_exp(x: &Array1<f64>) -> f64 {
    x.exp().sum()
}
#[differentiable]
fn e_exp2(x: &Array1<f64>) -> f64 {
    x.exp2().sum()
}
#[differentiable]
fn e_exp_m1(x: &Array1<f64>) -> f64 {
    x.exp_m1().sum()
}
#[differentiable]
fn e_ln(x: &Array1<f64>) -> f64 {
    x.ln().sum()
}
#[differentiable]
fn e_ln_1p(x: &Array1<f64>) -> f64 {
    x.ln_1p().sum()
}
#[differentiable]
fn e_log2(x: &Array1<f64>) -> f64 {
    x.log2().sum()
}
#[differentiable]
fn e_log10(x: &Array1<f64>) -> f64 {
    x.log10().sum()
}
#[differentiable]
fn e_sqrt(x: &Array1<f64>) -> f64 {
    x.sqrt().sum()
}
#[differentiable]
fn e_cbrt(x: &Array1<f64>) -> f64 {
    x.cbrt().sum()
}
#[differentiable]
fn e_recip(x: &Array1<f64>) -> f64 {
    x.recip().sum()
}
#[differentiable]
fn e_sin(x: &Array1<f64>) -> f64 {
    x.sin().sum()
}
#[differentiable]
fn e_cos(x: &Array1<f64>) -> f64 {
    x.cos().sum()
}
#[differentiable]
fn e_tan(x: &Array1<f64>) -> f64 {
    x.tan().sum()
}
#[differentiable]
fn e_asin(x: &Array1<f64>) -> f64 {
    x.asin().sum()
}
#[differentiable]
fn e_acos(x: &Array1<f64>) -> f64 {
    x.acos().sum()
}
#[differentiable]
fn e_atan(x: &Array1<f64>) -> f64 {
    x.atan().sum()
}
#[differentiable]
fn e_sinh(x: &Array1<f64>) -> f64 {
    x.sinh().sum()
}
#[differentiable]
fn e_cosh(x: &Array1<f64>) -> f64 {
    x.cosh().sum()
}
#[differentiable]
fn e_tanh(x: &Array1<f64>) -> f64 {
    x.tanh().sum()
}
#[differentiable]
fn e_asinh(x: &Array1<f64>) -> f64 {
    x.asinh().sum()
}
#[differentiable]
fn e_acosh(x: &Array1<f64>) -> f64 {
    x.acosh().sum()
}
#[differentiable]
fn e_atanh(x: &Array1<f64>) -> f64 {
    x.atanh().sum()
}
#[differentiable]
fn e_abs(x: &Array1<f64>) -> f64 {
    x.abs().sum()
}
#[differentiable]
fn e_signum(x: &Array1<f64>) -> f64 {
    (x.signum() * 3.0).sum()
}
#[differentiable]
fn e_powi(x: &Array1<f64>) -> f64 {
    x.powi(3).sum()
}
#[differentiable]
fn e_powf(x: &Array1<f64>) -> f64 {
    x.powf(2.5).sum()
}
#[differentiable]
fn e_hypot(x: &Array1<f64>) -> f64 {
    x.hypot(0.5).sum()
}
#[differentiable]
fn e_clamp(x: &Array1<f64>) -> f64 {
    x.clamp(-0.5, 0.5).sum()
}

type ArrFn = fn(&Array1<f64>) -> f64;
type ArrGrad = fn(&Array1<f64>) -> Array1<f64>;

#[track_caller]
fn elementwise(name: &str, f: ArrFn, g: ArrGrad, d: fn(f64) -> f64, x: &Array1<f64>) {
    let got = g(x);
    assert_array_close(&got, &x.mapv(d), RTOL, &format!("d/dx sum(x.{name}())"));
    ok(check_grad(f, g, x), &format!("check_grad sum(x.{name}())"));
}

#[test]
fn elementwise_methods() {
    let unit = array![0.15, 0.4, 0.65, 0.9]; // in (0, 1): every domain below
    let signed = array![-0.8, -0.2, 0.3, 0.9];
    let big = array![1.2, 1.5, 2.0, 3.5];
    elementwise("exp", e_exp, e_exp_grad, f64::exp, &signed);
    elementwise(
        "exp2",
        e_exp2,
        e_exp2_grad,
        |v| v.exp2() * std::f64::consts::LN_2,
        &signed,
    );
    elementwise("exp_m1", e_exp_m1, e_exp_m1_grad, f64::exp, &signed);
    elementwise("ln", e_ln, e_ln_grad, |v| 1.0 / v, &unit);
    elementwise("ln_1p", e_ln_1p, e_ln_1p_grad, |v| 1.0 / (1.0 + v), &signed);
    elementwise(
        "log2",
        e_log2,
        e_log2_grad,
        |v| 1.0 / (v * std::f64::consts::LN_2),
        &big,
    );
    elementwise(
        "log10",
        e_log10,
        e_log10_grad,
        |v| 1.0 / (v * std::f64::consts::LN_10),
        &big,
    );
    elementwise("sqrt", e_sqrt, e_sqrt_grad, |v| 0.5 / v.sqrt(), &unit);
    elementwise(
        "cbrt",
        e_cbrt,
        e_cbrt_grad,
        |v| 1.0 / (3.0 * v.cbrt().powi(2)),
        &signed,
    );
    elementwise("recip", e_recip, e_recip_grad, |v| -1.0 / (v * v), &signed);
    elementwise("sin", e_sin, e_sin_grad, f64::cos, &signed);
    elementwise("cos", e_cos, e_cos_grad, |v| -v.sin(), &signed);
    elementwise("tan", e_tan, e_tan_grad, |v| 1.0 / v.cos().powi(2), &signed);
    elementwise(
        "asin",
        e_asin,
        e_asin_grad,
        |v| 1.0 / (1.0 - v * v).sqrt(),
        &signed,
    );
    elementwise(
        "acos",
        e_acos,
        e_acos_grad,
        |v| -1.0 / (1.0 - v * v).sqrt(),
        &signed,
    );
    elementwise("atan", e_atan, e_atan_grad, |v| 1.0 / (1.0 + v * v), &big);
    elementwise("sinh", e_sinh, e_sinh_grad, f64::cosh, &signed);
    elementwise("cosh", e_cosh, e_cosh_grad, f64::sinh, &signed);
    elementwise(
        "tanh",
        e_tanh,
        e_tanh_grad,
        |v| 1.0 - v.tanh().powi(2),
        &signed,
    );
    elementwise(
        "asinh",
        e_asinh,
        e_asinh_grad,
        |v| 1.0 / (v * v + 1.0).sqrt(),
        &signed,
    );
    elementwise(
        "acosh",
        e_acosh,
        e_acosh_grad,
        |v| 1.0 / (v * v - 1.0).sqrt(),
        &big,
    );
    elementwise(
        "atanh",
        e_atanh,
        e_atanh_grad,
        |v| 1.0 / (1.0 - v * v),
        &signed,
    );
    elementwise("abs", e_abs, e_abs_grad, f64::signum, &signed);
    elementwise("signum", e_signum, e_signum_grad, |_| 0.0, &signed);
    elementwise("powi(3)", e_powi, e_powi_grad, |v| 3.0 * v * v, &signed);
    elementwise(
        "powf(2.5)",
        e_powf,
        e_powf_grad,
        |v| 2.5 * v.powf(1.5),
        &unit,
    );
    elementwise(
        "hypot(0.5)",
        e_hypot,
        e_hypot_grad,
        |v| v / v.hypot(0.5),
        &signed,
    );
    // clamp: 1 strictly inside, 0 outside.
    assert_eq!(e_clamp_grad(&signed), array![0.0, 1.0, 1.0, 0.0]);
    // JAX at kinks, elementwise: abs'(0) = 1, sqrt'(0) = inf.
    assert_eq!(e_abs_grad(&array![0.0, -1.0]), array![1.0, -1.0]);
    assert_eq!(e_sqrt_grad(&array![0.0, 4.0]), array![f64::INFINITY, 0.25]);
}

#[differentiable]
fn e_chain(x: &Array2<f64>) -> f64 {
    let y = x.sin().exp() * x.cos() + x.tanh().powi(2);
    let z = (&y * &y + 1.0).sqrt().ln();
    (z / (x.abs() + 1.0)).mean().unwrap()
}

#[test]
fn elementwise_chain_2d() {
    let x = mat(3, 5, 0.2);
    let g = e_chain_grad(&x);
    assert_eq!(g.shape(), &[3, 5]);
    ok(check_grad(e_chain, e_chain_grad, &x), "elementwise chain");
}

#[differentiable]
fn e_f32(x: &Array1<f32>) -> f32 {
    (x.exp() * x.sin() + x.powi(2)).sum()
}

#[test]
fn elementwise_f32() {
    let x = array![0.1f32, -0.5, 1.25];
    let g = e_f32_grad(&x);
    let expected = x.mapv(|v| v.exp() * v.sin() + v.exp() * v.cos() + 2.0 * v);
    for (a, b) in g.iter().zip(expected.iter()) {
        assert!(
            (a - b).abs() <= 8.0 * f32::EPSILON * b.abs().max(1.0),
            "f32: {a} vs {b}"
        );
    }
    ok(check_grad(e_f32, e_f32_grad, &x), "f32 check_grad");
}

// =============================================================================================
// mapv
// =============================================================================================

#[differentiable]
fn mv_closure(x: &Array1<f64>) -> f64 {
    x.mapv(|v| v * v.sin() + 1.0).sum()
}

#[differentiable]
fn mv_path(x: &Array1<f64>) -> f64 {
    x.mapv(f64::tanh).sum()
}

#[differentiable]
fn mv_typed_relu(x: &Array1<f64>) -> f64 {
    x.mapv(|v: f64| v.max(0.0)).sum()
}

#[differentiable]
fn mv_chain(x: &Array2<f64>) -> f64 {
    // softplus, then a closure with several scalar functions and a literal-heavy body
    let sp = x.mapv(f64::exp).mapv(f64::ln_1p);
    sp.mapv(|v| (2.0 * v).powi(3) / (1.0 + v.abs()) - f64::sqrt(v + 1.0))
        .mean()
        .unwrap()
}

#[test]
fn mapv_closure_and_path() {
    let x = array![-1.2, -0.3, 0.4, 2.0];
    let g = mv_closure_grad(&x);
    assert_array_close(&g, &x.mapv(|v| v.sin() + v * v.cos()), RTOL, "mapv closure");
    ok(check_grad(mv_closure, mv_closure_grad, &x), "mapv closure");
    let g = mv_path_grad(&x);
    assert_array_close(
        &g,
        &x.mapv(|v| 1.0 - v.tanh().powi(2)),
        RTOL,
        "mapv(f64::tanh)",
    );
    ok(check_grad(mv_path, mv_path_grad, &x), "mapv path");
    assert_eq!(mv_typed_relu_grad(&x), array![0.0, 0.0, 1.0, 1.0]);
    // jnp.maximum(x, 0) at 0: 0.5
    assert_eq!(mv_typed_relu_grad(&array![0.0]), array![0.5]);
    let m = mat(2, 3, 0.4);
    ok(check_grad(mv_chain, mv_chain_grad, &m), "mapv chain");
}

/// Closures that read constants of the enclosing function: a local literal and an integer parameter.
#[differentiable]
fn mv_capture_const(x: &Array1<f64>, p: i32) -> f64 {
    let k = 2.5;
    x.mapv(|v| k * v.powi(p)).sum()
}

#[test]
fn mapv_capturing_constants() {
    let x = array![0.5, -1.0, 2.0];
    let g = mv_capture_const_grad(&x, 3);
    assert_array_close(&g, &(7.5 * &x * &x), RTOL, "mapv capturing constants");
}

// =============================================================================================
// Reductions
// =============================================================================================

#[differentiable]
fn r_sum(x: &Array2<f64>) -> f64 {
    let s = x.sum();
    s * s
}
#[differentiable]
fn r_mean(x: &Array2<f64>) -> f64 {
    x.mean().unwrap().powi(2) + x.mean().expect("non-empty")
}
#[differentiable]
fn r_sum_axis0(x: &Array2<f64>) -> f64 {
    x.sum_axis(Axis(0)).powi(2).sum()
}
#[differentiable]
fn r_sum_axis1(x: &Array2<f64>) -> f64 {
    let r = x.sum_axis(Axis(1));
    (&r * &r * &r).sum()
}
#[differentiable]
fn r_mean_axis0(x: &Array2<f64>) -> f64 {
    x.mean_axis(Axis(0)).unwrap().powi(2).sum()
}
#[differentiable]
fn r_mean_axis1(x: &Array2<f64>) -> f64 {
    x.mean_axis(Axis(1)).expect("rows").sin().sum()
}
#[differentiable]
fn r_sum_axis_3d(x: &Array3<f64>) -> f64 {
    x.sum_axis(Axis(1)).powi(2).sum() + x.mean_axis(Axis(2)).unwrap().sum_axis(Axis(0)).exp().sum()
}
#[differentiable]
fn r_product(x: &Array1<f64>) -> f64 {
    x.product()
}
#[differentiable]
fn r_product2(x: &Array2<f64>) -> f64 {
    x.product() + x.sum()
}

#[test]
fn sum_and_mean() {
    let x = mat(3, 4, 0.5);
    let s = x.sum();
    assert_array_close(
        &r_sum_grad(&x),
        &Array2::from_elem((3, 4), 2.0 * s),
        RTOL,
        "sum",
    );
    let m = x.mean().unwrap();
    let e = Array2::from_elem((3, 4), (2.0 * m + 1.0) / 12.0);
    assert_array_close(&r_mean_grad(&x), &e, RTOL, "mean");
    ok(check_grad(r_sum, r_sum_grad, &x), "sum");
    ok(check_grad(r_mean, r_mean_grad, &x), "mean");
}

#[test]
fn sum_axis_and_mean_axis() {
    let x = mat(3, 4, 0.5);
    let cols = x.sum_axis(Axis(0));
    let e0 = Array2::from_shape_fn((3, 4), |(_, j)| 2.0 * cols[j]);
    assert_array_close(&r_sum_axis0_grad(&x), &e0, RTOL, "sum_axis(0)");
    let rows = x.sum_axis(Axis(1));
    let e1 = Array2::from_shape_fn((3, 4), |(i, _)| 3.0 * rows[i] * rows[i]);
    assert_array_close(&r_sum_axis1_grad(&x), &e1, RTOL, "sum_axis(1)");
    let e2 = Array2::from_shape_fn((3, 4), |(_, j)| 2.0 * cols[j] / 3.0 / 3.0);
    assert_array_close(&r_mean_axis0_grad(&x), &e2, RTOL, "mean_axis(0)");
    let e3 = Array2::from_shape_fn((3, 4), |(i, _)| (rows[i] / 4.0).cos() / 4.0);
    assert_array_close(&r_mean_axis1_grad(&x), &e3, RTOL, "mean_axis(1)");
    ok(check_grad(r_sum_axis0, r_sum_axis0_grad, &x), "sum_axis(0)");
    ok(check_grad(r_sum_axis1, r_sum_axis1_grad, &x), "sum_axis(1)");
    ok(
        check_grad(r_mean_axis0, r_mean_axis0_grad, &x),
        "mean_axis(0)",
    );
    ok(
        check_grad(r_mean_axis1, r_mean_axis1_grad, &x),
        "mean_axis(1)",
    );
}

#[test]
fn reductions_3d() {
    let x = Array3::from_shape_fn((2, 3, 4), |(i, j, k)| {
        (0.3 * i as f64 + 0.5 * j as f64 - 0.2 * k as f64 + 0.1).sin()
    });
    let g = r_sum_axis_3d_grad(&x);
    assert_eq!(g.shape(), &[2, 3, 4]);
    ok(
        check_grad(r_sum_axis_3d, r_sum_axis_3d_grad, &x),
        "3-D sum_axis/mean_axis",
    );
}

#[test]
fn product() {
    let x = array![0.5, -1.5, 2.0, 1.25];
    let p = x.product();
    assert_array_close(&r_product_grad(&x), &x.mapv(|v| p / v), RTOL, "product");
    ok(check_grad(r_product, r_product_grad, &x), "product");
    let m = mat(2, 3, 0.9);
    ok(check_grad(r_product2, r_product2_grad, &m), "product 2-D");
}

#[test]
fn product_with_a_zero_element() {
    // JAX: d/dx_i prod(x) is the product of the other elements, also where x_i == 0.
    let x = array![2.0, 0.0, 3.0, -1.5];
    assert_eq!(r_product_grad(&x), array![0.0, -9.0, 0.0, 0.0]);
}

// =============================================================================================
// dot, t(), reversed_axes
// =============================================================================================

#[differentiable(argnums = (0, 1))]
fn d_vv(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    a.dot(b)
}

#[differentiable(argnums = (0, 1))]
fn d_mv(a: &Array2<f64>, v: &Array1<f64>, c: &Array1<f64>) -> f64 {
    let y = a.dot(v);
    (&y * c).sum()
}

#[differentiable(argnums = (0, 1))]
fn d_vm(v: &Array1<f64>, a: &Array2<f64>, c: &Array1<f64>) -> f64 {
    let y = v.dot(a);
    (y * c).sum()
}

#[differentiable(argnums = (0, 1))]
fn d_mm(a: &Array2<f64>, b: &Array2<f64>, c: &Array2<f64>) -> f64 {
    let y = a.dot(b);
    (y * c).sum()
}

#[differentiable(argnums = (0, 1))]
fn d_chain(a: &Array2<f64>, v: &Array1<f64>) -> f64 {
    let h = a.dot(v).tanh();
    let k = a.t().dot(&h);
    k.dot(&k) + h.dot(&v.slice(s![..3]))
}

#[test]
fn dot_vector_vector() {
    let a = vect(5, 0.1);
    let b = vect(5, 1.7);
    let (ga, gb) = d_vv_grad(&a, &b);
    assert_eq!(ga, b);
    assert_eq!(gb, a);
    assert_eq!(d_vv_value_and_grad(&a, &b).0, a.dot(&b));
}

#[test]
fn dot_matrix_vector() {
    let a = mat(3, 4, 0.2);
    let v = vect(4, 0.6);
    let c = vect(3, 2.1);
    let (ga, gv) = d_mv_grad(&a, &v, &c);
    assert_eq!(ga.shape(), &[3, 4]);
    assert_array_close(&ga, &outer(&c, &v), RTOL, "d/dA (A v)");
    assert_array_close(&gv, &a.t().dot(&c), RTOL, "d/dv (A v)");
    ok(
        check_grad(
            |a: &Array2<f64>| d_mv(a, &v, &c),
            |a| d_mv_grad_0(a, &v, &c),
            &a,
        ),
        "A v: A",
    );
    ok(
        check_grad(
            |v: &Array1<f64>| d_mv(&a, v, &c),
            |v| d_mv_grad_1(&a, v, &c),
            &v,
        ),
        "A v: v",
    );
}

#[test]
fn dot_vector_matrix() {
    let v = vect(3, 0.6);
    let a = mat(3, 4, 0.2);
    let c = vect(4, 2.1);
    let (gv, ga) = d_vm_grad(&v, &a, &c);
    assert_eq!(ga.shape(), &[3, 4]);
    assert_array_close(&gv, &a.dot(&c), RTOL, "d/dv (v A)");
    assert_array_close(&ga, &outer(&v, &c), RTOL, "d/dA (v A)");
}

#[test]
fn dot_matrix_matrix() {
    let a = mat(3, 4, 0.2);
    let b = mat(4, 2, 1.3);
    let c = mat(3, 2, -0.4);
    let (ga, gb) = d_mm_grad(&a, &b, &c);
    assert_eq!(ga.shape(), &[3, 4]);
    assert_eq!(gb.shape(), &[4, 2]);
    assert_array_close(&ga, &c.dot(&b.t()), RTOL, "d/dA (A B)");
    assert_array_close(&gb, &a.t().dot(&c), RTOL, "d/dB (A B)");
    ok(
        check_grad(
            |a: &Array2<f64>| d_mm(a, &b, &c),
            |a| d_mm_grad_0(a, &b, &c),
            &a,
        ),
        "A B: A",
    );
    ok(
        check_grad(
            |b: &Array2<f64>| d_mm(&a, b, &c),
            |b| d_mm_grad_1(&a, b, &c),
            &b,
        ),
        "A B: B",
    );
}

#[test]
fn dot_chain_with_transpose() {
    let a = mat(3, 4, 0.8);
    let v = vect(4, 0.3);
    ok(
        check_grad(
            |a: &Array2<f64>| d_chain(a, &v),
            |a| d_chain_grad_0(a, &v),
            &a,
        ),
        "chain: A",
    );
    ok(
        check_grad(
            |v: &Array1<f64>| d_chain(&a, v),
            |v| d_chain_grad_1(&a, v),
            &v,
        ),
        "chain: v",
    );
}

#[differentiable]
fn tr(a: &Array2<f64>, c: &Array2<f64>) -> f64 {
    (&a.t() * c).sum()
}

#[differentiable]
fn tr_owned(a: &Array2<f64>, c: &Array2<f64>) -> f64 {
    let at = a.t().to_owned();
    (at.exp() * c).sum()
}

#[differentiable]
fn tr_reversed(a: &Array2<f64>, c: &Array2<f64>) -> f64 {
    let r = a.clone().reversed_axes();
    (r * c).sum()
}

#[test]
fn transpose() {
    let a = mat(3, 4, 0.1);
    let c = mat(4, 3, 0.9);
    let g = tr_grad(&a, &c);
    assert_eq!(g.shape(), &[3, 4]);
    assert_eq!(g, c.t().to_owned());
    assert_array_close(
        &tr_owned_grad(&a, &c),
        &(&c.t() * &a.exp()),
        RTOL,
        "t().to_owned()",
    );
    assert_eq!(tr_reversed_grad(&a, &c), c.t().to_owned());
}

// =============================================================================================
// Slices
// =============================================================================================

#[differentiable]
fn sl_1d(x: &Array1<f64>) -> f64 {
    let a = x.slice(s![1..4]);
    let b = x.slice(s![..;2]);
    let c = x.slice(s![-2..]);
    a.powi(2).sum() + b.sum() + (c.to_owned() * 10.0).sum()
}

#[differentiable]
fn sl_rev(x: &Array1<f64>, w: &Array1<f64>) -> f64 {
    (&x.slice(s![..;-1]) * w).sum()
}

#[differentiable]
fn sl_2d(a: &Array2<f64>) -> f64 {
    let inner = a.slice(s![.., 1..]).to_owned();
    let last = a.slice(s![-1.., ..]);
    (inner * 2.0).sum() + last.exp().sum() + a.slice(s![0, ..]).sum()
}

#[test]
fn slices_1d() {
    let x = array![0.5, -1.0, 2.0, 3.0, -0.5, 1.5];
    // a = x[1..4] -> 2x there; b = x[0,2,4] -> 1; c = x[4..6] -> 10
    let expected = array![1.0, -2.0, 5.0, 6.0, 11.0, 10.0];
    assert_eq!(sl_1d_grad(&x), expected);
    ok(check_grad(sl_1d, sl_1d_grad, &x), "1-D slices");
    let w = array![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    assert_eq!(sl_rev_grad(&x, &w), array![6.0, 5.0, 4.0, 3.0, 2.0, 1.0]);
}

#[test]
fn slices_2d() {
    let a = mat(3, 4, 0.6);
    let mut e = Array2::from_shape_fn((3, 4), |(_, j)| if j >= 1 { 2.0 } else { 0.0 });
    for j in 0..4 {
        e[[2, j]] += a[[2, j]].exp();
        e[[0, j]] += 1.0;
    }
    assert_array_close(&sl_2d_grad(&a), &e, RTOL, "2-D slices");
    ok(check_grad(sl_2d, sl_2d_grad, &a), "2-D slices");
}

// =============================================================================================
// Views as parameters, view/to_owned/clone inside
// =============================================================================================

#[differentiable]
fn view_param(x: ArrayView1<f64>) -> f64 {
    (&x * &x).sum() + x.sin().sum()
}

#[differentiable(argnums = (0, 1))]
fn view_params_2(a: ArrayView2<f64>, b: &ArrayView1<f64>) -> f64 {
    (&a * b).powi(2).sum()
}

#[differentiable]
fn view_inside(x: &Array1<f64>) -> f64 {
    let v = x.view();
    let o = v.to_owned();
    let c = o.clone();
    (&v * &o * &c).sum()
}

#[test]
fn views_as_parameters() {
    let x = array![0.5, -1.0, 2.0];
    let g: Array1<f64> = view_param_grad(x.view());
    assert_array_close(&g, &(2.0 * &x + x.cos()), RTOL, "ArrayView1 parameter");
    let (v, g2) = view_param_value_and_grad(x.view());
    assert_eq!(v, view_param(x.view()));
    assert_eq!(g2, g);
    let a = mat(2, 3, 0.3);
    let b = array![1.5, -0.5, 2.0];
    let (ga, gb): (Array2<f64>, Array1<f64>) = view_params_2_grad(a.view(), &b.view());
    let bb = b.broadcast((2, 3)).unwrap().to_owned();
    assert_array_close(&ga, &(2.0 * &a * &bb * &bb), RTOL, "ArrayView2 parameter");
    assert_array_close(
        &gb,
        &(2.0 * &a * &a * &bb).sum_axis(Axis(0)),
        RTOL,
        "&ArrayView1 parameter",
    );
    // A view of a column: strided, not contiguous.
    let m = mat(3, 3, 0.7);
    let col = m.column(1);
    let gc = view_param_grad(col);
    assert_array_close(
        &gc,
        &(2.0 * &col + col.cos()),
        RTOL,
        "strided view parameter",
    );
}

#[test]
fn view_to_owned_clone() {
    let x = array![0.5, -1.0, 2.0];
    assert_array_close(
        &view_inside_grad(&x),
        &(3.0 * &x * &x),
        RTOL,
        "x^3 via view/to_owned/clone",
    );
}

// =============================================================================================
// has_aux
// =============================================================================================

#[differentiable(has_aux)]
fn aux_loss(x: &Array1<f64>) -> (f64, Array1<f64>) {
    let y = x.tanh();
    let loss = y.powi(2).sum();
    (loss, y)
}

#[differentiable(argnums = (0, 1), has_aux)]
fn aux_two(w: &Array1<f64>, b: f64, x: &Array2<f64>) -> (f64, f64) {
    let z = x.dot(w) + b;
    let loss = z.powi(2).mean().unwrap();
    let zmax = z.sum();
    (loss, zmax)
}

#[test]
fn has_aux() {
    let x = array![0.5, -1.0, 2.0];
    let y = x.tanh();
    let eg = 2.0 * &y * (1.0 - &y * &y);
    let (g, aux) = aux_loss_grad(&x);
    assert_eq!(aux, y);
    assert_array_close(&g, &eg, RTOL, "has_aux grad");
    let ((v, aux2), g2) = aux_loss_value_and_grad(&x);
    assert_eq!(v, y.powi(2).sum());
    assert_eq!(aux2, y);
    assert_eq!(g2, g);
    let (g3, _) = aux_loss_grad_0(&x);
    assert_eq!(g3, g);

    let w = array![0.3, -0.2];
    let b = 0.1;
    let xm = mat(4, 2, 0.5);
    let ((gw, gb), s) = aux_two_grad(&w, b, &xm);
    let z = xm.dot(&w) + b;
    assert_eq!(s, z.sum());
    assert_array_close(
        &gw,
        &(xm.t().dot(&z) * 2.0 / 4.0),
        RTOL,
        "has_aux argnums d/dw",
    );
    assert_rel(gb, z.sum() * 2.0 / 4.0, RTOL, "has_aux argnums d/db");
    let ((v, s2), (gw2, gb2)) = aux_two_value_and_grad(&w, b, &xm);
    assert_eq!(v, aux_two(&w, b, &xm).0);
    assert_eq!(s2, s);
    assert_eq!((gw2, gb2), (gw, gb));
}

// =============================================================================================
// #[differentiable(vjp)] with array outputs
// =============================================================================================

#[differentiable(vjp)]
fn layer(w: &Array2<f64>, x: &Array1<f64>) -> Array1<f64> {
    w.dot(x).tanh()
}

#[differentiable(vjp)]
fn elementwise_2d(a: &Array2<f64>, s: f64) -> Array2<f64> {
    a.exp() * s + a
}

#[test]
fn vjp_array_output() {
    let w = mat(3, 4, 0.3);
    let x = vect(4, 0.8);
    let seed = array![1.0, -2.0, 0.5];
    let (y, pullback) = layer_vjp(&w, &x);
    assert_eq!(y, layer(&w, &x));
    let (gw, gx) = pullback(seed.clone());
    let delta = &seed * &(1.0 - &y * &y);
    assert_eq!(gw.shape(), &[3, 4]);
    assert_array_close(&gw, &outer(&delta, &x), RTOL, "vjp d/dW");
    assert_array_close(&gx, &w.t().dot(&delta), RTOL, "vjp d/dx");
    // Linearity in the seed.
    let (_, pb2) = layer_vjp(&w, &x);
    let (gw2, gx2) = pb2(&seed * 3.0);
    assert_array_close(&gw2, &(&gw * 3.0), 1e-15, "vjp linear in the seed (W)");
    assert_array_close(&gx2, &(&gx * 3.0), 1e-15, "vjp linear in the seed (x)");

    let a = mat(2, 3, 0.1);
    let s = 1.5;
    let seed2 = mat(2, 3, 2.0);
    let (out, pb) = elementwise_2d_vjp(&a, s);
    assert_eq!(out, elementwise_2d(&a, s));
    let (ga, gs) = pb(seed2.clone());
    assert_array_close(&ga, &(&seed2 * &(a.exp() * s + 1.0)), RTOL, "vjp 2-D d/da");
    assert_rel(gs, (&seed2 * &a.exp()).sum(), RTOL, "vjp 2-D d/ds");
}

// =============================================================================================
// stop_gradient
// =============================================================================================

#[differentiable]
fn sg_factor(x: &Array1<f64>) -> f64 {
    (stop_gradient(x.clone()) * x).sum()
}

#[differentiable]
fn sg_scalar(x: &Array1<f64>) -> f64 {
    let s = stop_gradient(x.sum());
    (x * s).sum()
}

#[differentiable]
fn sg_all(x: &Array1<f64>) -> f64 {
    stop_gradient(x.exp().sum())
}

#[differentiable(argnums = (0, 1))]
fn sg_param(x: f64, y: f64) -> f64 {
    stop_gradient(x * y) + x
}

#[test]
fn stop_gradient_has_zero_derivative() {
    let x = array![0.5, -1.0, 2.0];
    // Without stop_gradient the derivatives would be 2x, and 2 sum(x) everywhere.
    assert_eq!(sg_factor_grad(&x), x);
    assert_eq!(sg_scalar_grad(&x), Array1::from_elem(3, x.sum()));
    assert_eq!(sg_all_grad(&x), Array1::<f64>::zeros(3));
    assert_eq!(sg_all_value_and_grad(&x).0, x.exp().sum());
    assert_eq!(sg_param_grad(2.0, 3.0), (1.0, 0.0));
}

// =============================================================================================
// Shadowing and compound assignment
// =============================================================================================

#[differentiable(argnums = (0, 1))]
fn compound(x: &Array1<f64>, s: f64) -> f64 {
    let y = x * 2.0;
    let y = y.sin(); // shadowed
    let mut z = y.clone();
    z += x;
    z -= &(&y * s);
    z *= s;
    z /= 3.0;
    z += 1.0;
    let mut t = s;
    t += 1.0;
    t *= s;
    t -= x.sum();
    t /= 2.0;
    let t = t * t; // shadowed scalar
    z.sum() + t
}

#[differentiable]
fn shadow_param(x: &Array1<f64>) -> f64 {
    let x = x * x;
    let x = x.exp();
    let x = x.sum();
    x * x
}

#[test]
fn shadowing_and_compound_assignment() {
    let x = array![0.5, -1.0, 2.0];
    let s = 1.3;
    let (gx, gs) = compound_grad(&x, s);
    // z = (sin 2x + x - s sin 2x) s / 3 + 1;  t = ((s + 1) s - sum x) / 2;  f = sum z + t^2
    let t = ((s + 1.0) * s - x.sum()) / 2.0;
    let egx = ((2.0 * &x).cos() * 2.0 * (1.0 - s) + 1.0) * s / 3.0 - t;
    let egs = ((2.0 * &x).sin() * (1.0 - 2.0 * s) + &x).sum() / 3.0 + t * (2.0 * s + 1.0);
    assert_array_close(&gx, &egx, RTOL, "compound d/dx");
    assert_rel(gs, egs, RTOL, "compound d/ds");
    ok(
        check_grad(
            |x: &Array1<f64>| compound(x, s),
            |x| compound_grad_0(x, s),
            &x,
        ),
        "compound x",
    );
    ok(
        check_grad(|s: &f64| compound(&x, *s), |s| compound_grad_1(&x, *s), &s),
        "compound s",
    );

    let e = x.mapv(|v| (v * v).exp());
    let expected = 2.0 * e.sum() * &e * 2.0 * &x;
    assert_array_close(
        &shadow_param_grad(&x),
        &expected,
        RTOL,
        "shadowed parameter",
    );
}

// =============================================================================================
// User names that the generated code might also want
// =============================================================================================

#[differentiable(argnums = (0, 1))]
fn clashing_names(x_bar: &Array1<f64>, seed: f64) -> f64 {
    let t0 = x_bar * seed;
    let t1 = t0.exp();
    let x = t1.sum();
    let grad = x * seed;
    let pullback = grad + x_bar.sum();
    let value = pullback * 1.0;
    let y_bar = value - 1.0;
    y_bar + t0.sum()
}

#[test]
fn user_names_do_not_clash() {
    let xb = array![0.5, -1.0, 2.0];
    let sd = 0.7;
    // f = seed * sum(exp(seed x)) + sum(x) - 1 + seed * sum(x)
    let ex = (&xb * sd).exp();
    let (gx, gs) = clashing_names_grad(&xb, sd);
    assert_array_close(&gx, &(sd * sd * &ex + 1.0 + sd), RTOL, "d/dx_bar");
    let egs = ex.sum() + sd * (&xb * &ex).sum() + xb.sum();
    assert_rel(gs, egs, RTOL, "d/dseed");
    let (v, pb) = clashing_names_vjp(&xb, sd);
    assert_eq!(v, clashing_names(&xb, sd));
    let (px, ps) = pb(1.0);
    assert_eq!((px, ps), (gx, gs));
}

// =============================================================================================
// Constant parameters (integers, bools) beside differentiable ones
// =============================================================================================

#[differentiable]
fn with_constants(x: &Array1<f64>, k: usize, flag: bool, p: i32) -> f64 {
    let n = x.len() as f64;
    x.powi(p).sum() * (k as f64) / n + if_bool(flag)
}

fn if_bool(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

#[test]
fn constant_parameters() {
    let x = array![0.5, -1.0, 2.0];
    let g = with_constants_grad(&x, 2, true, 3);
    assert_array_close(
        &g,
        &(3.0 * &x * &x * 2.0 / 3.0),
        RTOL,
        "integer parameters are constants",
    );
}

// =============================================================================================
// Model losses
// =============================================================================================

#[differentiable(argnums = (0, 1))]
fn logreg(w: &Array1<f64>, b: f64, xm: &Array2<f64>, t: &Array1<f64>) -> f64 {
    let z = xm.dot(w) + b;
    let margins = -t * &z;
    margins.exp().ln_1p().mean().unwrap() + 1e-3 * w.powi(2).sum()
}

#[test]
fn logistic_regression_loss() {
    let xm = mat(12, 5, 0.4);
    let t = Array1::from_shape_fn(12, |i| if i % 3 == 0 { 1.0 } else { -1.0 });
    let w = vect(5, 0.2) * 0.5;
    let b = 0.1;
    let (gw, gb) = logreg_grad(&w, b, &xm, &t);
    // closed form: d/dz_i = -t_i sigmoid(-t_i z_i) / n
    let z = xm.dot(&w) + b;
    let dz = (-&t * &z).mapv(|m| 1.0 / (1.0 + (-m).exp())) * -&t / 12.0;
    assert_array_close(&gw, &(xm.t().dot(&dz) + 2e-3 * &w), RTOL, "logreg d/dw");
    assert_rel(gb, dz.sum(), 1e-10, "logreg d/db");
    ok(
        check_grad(
            |w: &Array1<f64>| logreg(w, b, &xm, &t),
            |w| logreg_grad_0(w, b, &xm, &t),
            &w,
        ),
        "logreg w",
    );
    ok(
        check_grad(
            |b: &f64| logreg(&w, *b, &xm, &t),
            |b| logreg_grad_1(&w, *b, &xm, &t),
            &b,
        ),
        "logreg b",
    );
}

#[differentiable(argnums = (0, 1, 2, 3))]
fn mlp(
    w1: &Array2<f64>,
    b1: &Array1<f64>,
    w2: &Array1<f64>,
    b2: f64,
    x: &Array2<f64>,
    y: &Array1<f64>,
) -> f64 {
    let h = (x.dot(w1) + b1).tanh();
    let out = h.dot(w2) + b2;
    (out - y).powi(2).mean().unwrap()
}

#[test]
fn two_layer_mlp_loss() {
    let x = mat(8, 3, 0.1);
    let y = vect(8, 0.4);
    let w1 = mat(3, 5, 1.2) * 0.5;
    let b1 = vect(5, 2.0) * 0.1;
    let w2 = vect(5, 0.9) * 0.5;
    let b2 = 0.05;
    let (g1, gb1, g2, gb2) = mlp_grad(&w1, &b1, &w2, b2, &x, &y);
    assert_eq!(g1.shape(), &[3, 5]);
    assert_eq!(gb1.shape(), &[5]);
    assert_eq!(g2.shape(), &[5]);
    ok(
        check_grad(
            |p: &Array2<f64>| mlp(p, &b1, &w2, b2, &x, &y),
            |p| mlp_grad_0(p, &b1, &w2, b2, &x, &y),
            &w1,
        ),
        "mlp W1",
    );
    ok(
        check_grad(
            |p: &Array1<f64>| mlp(&w1, p, &w2, b2, &x, &y),
            |p| mlp_grad_1(&w1, p, &w2, b2, &x, &y),
            &b1,
        ),
        "mlp b1",
    );
    ok(
        check_grad(
            |p: &Array1<f64>| mlp(&w1, &b1, p, b2, &x, &y),
            |p| mlp_grad_2(&w1, &b1, p, b2, &x, &y),
            &w2,
        ),
        "mlp W2",
    );
    ok(
        check_grad(
            |p: &f64| mlp(&w1, &b1, &w2, *p, &x, &y),
            |p| mlp_grad_3(&w1, &b1, &w2, *p, &x, &y),
            &b2,
        ),
        "mlp b2",
    );
    // closed form of d/db2: 2 mean(out - y)
    let out = (x.dot(&w1) + &b1).tanh().dot(&w2) + b2;
    assert_rel(gb2, 2.0 * (&out - &y).mean().unwrap(), 1e-10, "mlp d/db2");
    assert_eq!(
        mlp_grad_0_1_2_3(&w1, &b1, &w2, b2, &x, &y),
        (g1, gb1, g2, gb2)
    );
}

// =============================================================================================
// More combinations: intermediates broadcast back, aliasing, in-place ops between arrays, other aux types
// =============================================================================================

/// Column-centred variance: an intermediate reduction broadcast back against its source.
#[differentiable]
fn centred_variance(x: &Array2<f64>) -> f64 {
    let mu = x.mean_axis(Axis(0)).unwrap();
    let c = x - &mu;
    (&c * &c).mean_axis(Axis(0)).unwrap().sum()
}

/// The same operand on both sides of `dot`, and a Gram matrix.
#[differentiable]
fn self_dots(v: &Array1<f64>, a: &Array2<f64>) -> f64 {
    v.dot(v) + a.dot(&a.t()).sum() + a.t().dot(a).powi(2).sum()
}

#[differentiable(argnums = 1)]
fn self_dots_a(v: &Array1<f64>, a: &Array2<f64>) -> f64 {
    v.dot(v) + a.dot(&a.t()).sum() + a.t().dot(a).powi(2).sum()
}

/// In-place operations whose right-hand side is an array that depends on the input.
#[differentiable]
fn inplace_arrays(x: &Array1<f64>) -> f64 {
    let y = x.exp();
    let mut z = x.to_owned();
    z *= &y;
    z /= &(&y + 1.0);
    z += &(x * 2.0);
    z -= &y;
    z.sum()
}

/// Elementwise methods on slices and views.
#[differentiable]
fn methods_on_views(x: &Array1<f64>) -> f64 {
    let v = x.view();
    let a = x.slice(s![1..]).exp();
    let b = v.slice(s![..-1]).tanh();
    (&a * &b).sum() + v.sin().sum()
}

/// Scalar unary minus and powi on a scalar parameter beside arrays.
#[differentiable(wrt = s)]
fn scalar_neg(x: &Array1<f64>, s: f64) -> f64 {
    let t = -s;
    (x * t).sum() + s.powi(3) - (-(s * 2.0)).exp()
}

#[differentiable(has_aux)]
fn aux_usize(x: &Array1<f64>) -> (f64, usize) {
    let n = x.len();
    (x.powi(2).sum(), n)
}

#[differentiable(wrt = b, has_aux)]
fn aux_wrt(w: &Array1<f64>, b: f64) -> (f64, Array1<f64>) {
    let z = w * b;
    let l = z.sum();
    (l * l, z)
}

#[test]
fn centred_variance_gradient() {
    let x = mat(4, 3, 0.25);
    let mu = x.mean_axis(Axis(0)).unwrap();
    // d/dx sum_j mean_i (x_ij - mu_j)^2 = 2 (x_ij - mu_j) / n   (the mu term cancels)
    let e = (&x - &mu) * 2.0 / 4.0;
    assert_array_close(&centred_variance_grad(&x), &e, RTOL, "centred variance");
    ok(
        check_grad(centred_variance, centred_variance_grad, &x),
        "centred variance",
    );
}

#[test]
fn dots_with_aliasing() {
    let v = vect(3, 0.4);
    let a = mat(3, 2, 0.9);
    assert_array_close(&self_dots_grad(&v, &a), &(2.0 * &v), RTOL, "v.dot(v)");
    let ga = self_dots_a_grad(&v, &a);
    assert_eq!(ga.shape(), &[3, 2]);
    // sum(A A^T) = |A^T 1|^2 -> 2 * 1 (1^T A);  sum((A^T A)^2) -> 4 A (A^T A)
    let ones = Array2::<f64>::ones((3, 3));
    let e = ones.dot(&a) * 2.0 + a.dot(&a.t().dot(&a)) * 4.0;
    assert_array_close(&ga, &e, RTOL, "Gram matrices");
    ok(
        check_grad(
            |a: &Array2<f64>| self_dots_a(&v, a),
            |a| self_dots_a_grad(&v, a),
            &a,
        ),
        "Gram",
    );
}

#[test]
fn inplace_array_operations() {
    let x = array![0.5, -1.0, 2.0, 0.1];
    ok(
        check_grad(inplace_arrays, inplace_arrays_grad, &x),
        "in-place array ops",
    );
    // f = sum(x e^x / (e^x + 1) + 2x - e^x)
    let e = x.mapv(|v| {
        let ex = v.exp();
        ((ex + v * ex) * (ex + 1.0) - v * ex * ex) / ((ex + 1.0) * (ex + 1.0)) + 2.0 - ex
    });
    assert_array_close(&inplace_arrays_grad(&x), &e, RTOL, "in-place array ops");
}

#[test]
fn elementwise_methods_on_views() {
    let x = array![0.5, -1.0, 2.0, 0.1];
    ok(
        check_grad(methods_on_views, methods_on_views_grad, &x),
        "methods on views",
    );
}

#[test]
fn scalar_negation_and_wrt_one_name() {
    let x = array![0.5, -1.0, 2.0];
    let s = 0.7;
    let g: f64 = scalar_neg_grad(&x, s);
    assert_rel(
        g,
        -x.sum() + 3.0 * s * s + 2.0 * (-2.0 * s).exp(),
        RTOL,
        "d/ds",
    );
    assert_eq!(scalar_neg_grad_1(&x, s), g);
}

#[test]
fn aux_of_other_types() {
    let x = array![0.5, -1.0, 2.0];
    let (g, n) = aux_usize_grad(&x);
    assert_eq!(n, 3);
    assert_eq!(g, 2.0 * &x);
    let ((v, n2), g2) = aux_usize_value_and_grad(&x);
    assert_eq!((v, n2), (x.powi(2).sum(), 3));
    assert_eq!(g2, g);

    let w = array![0.5, 1.5];
    let (gb, z) = aux_wrt_grad(&w, 2.0);
    assert_eq!(z, array![1.0, 3.0]);
    assert_eq!(gb, 2.0 * z.sum() * w.sum());
    let ((v, z2), gb2) = aux_wrt_value_and_grad(&w, 2.0);
    assert_eq!((v, z2, gb2), (16.0, z, gb));
}

// =============================================================================================
// Syntax forms: type ascriptions, blocks, `return`, aliases, visibility, `&f64` parameters, f32 models
// =============================================================================================

type Real = f64;

#[differentiable]
#[allow(clippy::needless_return)] // `return` on purpose: it is part of the subset
fn syntax_forms(x: &Array1<f64>) -> Real {
    let y: Array1<f64> = x * 2.0;
    let z = {
        let t = &y + 1.0;
        t.exp()
    };
    let w: f64 = (z.sum() + 1.0) - 1.0;
    return w / (y.sum() + 10.0);
}

#[differentiable]
fn scalar_ref(x: &f64, a: &Array1<f64>) -> f64 {
    (a * *x).sum() + x.sin()
}

mod nested {
    use autodiff::ndarray::Array1;
    use autodiff::prelude::*;

    /// Public items stay public, with their generated companions.
    #[differentiable]
    pub fn public_loss(x: &Array1<f64>) -> f64 {
        x.powi(2).sum()
    }
}

#[differentiable(argnums = (0, 1, 2))]
fn mlp_f32(w: &Array2<f32>, b: &Array1<f32>, v: &Array1<f32>, x: &Array2<f32>) -> f32 {
    let h = (x.dot(w) + b).tanh();
    (h.dot(v) - 0.5).powi(2).mean().unwrap()
}

#[test]
fn syntax_forms_differentiate() {
    let x = array![0.5, -1.0, 2.0];
    // f = S / (2 sum x + 10), S = sum exp(2x + 1)
    let sx = x.mapv(|v: f64| (2.0 * v + 1.0).exp());
    let den = 2.0 * x.sum() + 10.0;
    let e = (2.0 * &sx * den - 2.0 * sx.sum()) / (den * den);
    assert_array_close(
        &syntax_forms_grad(&x),
        &e,
        RTOL,
        "ascriptions, blocks, return, alias",
    );
    let a = array![1.0, 2.0];
    assert_rel(
        scalar_ref_grad(&0.3, &a),
        3.0 + 0.3f64.cos(),
        RTOL,
        "&f64 parameter",
    );
    assert_eq!(nested::public_loss_grad(&x), 2.0 * &x);
}

#[test]
fn f32_mlp() {
    let x = Array2::from_shape_fn((6, 3), |(i, j)| ((i * 3 + j) as f32 * 0.37).sin());
    let w = Array2::from_shape_fn((3, 4), |(i, j)| ((i + 2 * j) as f32 * 0.5).cos() * 0.5);
    let b = Array1::from_shape_fn(4, |j| 0.1 * j as f32);
    let v = Array1::from_shape_fn(4, |j| 0.3 - 0.2 * j as f32);
    let (gw, gb, gv) = mlp_f32_grad(&w, &b, &v, &x);
    assert_eq!(
        (gw.shape(), gb.shape(), gv.shape()),
        (&[3, 4][..], &[4][..], &[4][..])
    );
    ok(
        check_grad(
            |w: &Array2<f32>| mlp_f32(w, &b, &v, &x),
            |w| mlp_f32_grad_0(w, &b, &v, &x),
            &w,
        ),
        "f32 mlp W",
    );
    ok(
        check_grad(
            |b: &Array1<f32>| mlp_f32(&w, b, &v, &x),
            |b| mlp_f32_grad_1(&w, b, &v, &x),
            &b,
        ),
        "f32 mlp b",
    );
    ok(
        check_grad(
            |v: &Array1<f32>| mlp_f32(&w, &b, v, &x),
            |v| mlp_f32_grad_2(&w, &b, v, &x),
            &v,
        ),
        "f32 mlp v",
    );
}

// =============================================================================================
// Tests that do not compile yet. Each is kept here verbatim with the compiler's error, to be moved back
// above once the construct is supported.
// =============================================================================================
//
// 1. A `mapv` closure that reads a differentiable scalar of the enclosing function. SUBSET.md allows
//    "`mapv(|v| ..)` with a closure whose body is in this subset"; the macro rejects captures of values
//    that carry a derivative (a clean, spanned error, not a wrong gradient).
//
// /// A closure that reads a differentiable scalar of the enclosing function.
// #[differentiable(argnums = (0, 1))]
// fn mv_capture(x: &Array1<f64>, a: f64) -> f64 {
//     x.mapv(|v| a * v * v).sum()
// }
//
// #[test]
// fn mapv_capturing_a_differentiable_scalar() {
//     let x = array![0.5, -1.0, 2.0];
//     let a = 1.5;
//     let (gx, ga) = mv_capture_grad(&x, a);
//     assert_array_close(&gx, &(2.0 * a * &x), RTOL, "d/dx");
//     assert_rel(ga, x.mapv(|v| v * v).sum(), RTOL, "d/da through the captured scalar");
// }
//
// error: this `mapv` closure reads `a`, which depends on the differentiated parameters; only the
//        closure's own parameter may carry a derivative. Write this step as array arithmetic instead
//        (for example `(&x - a).mapv(..)`)
//    --> tests/arrays.rs (the `a` inside the closure)
//     |
//     |     x.mapv(|v| a * v * v).sum()
//     |                ^
//
// 2. Calls to other `#[differentiable]` / `#[differentiable(vjp)]` functions (API.md: "A call to another
//    function `g` differentiates through `g_vjp`").
//
// #[differentiable(argnums = (0, 1))]
// fn uses_layer(w: &Array2<f64>, x: &Array1<f64>) -> f64 {
//     let y = layer(w, x);
//     (&y * &y).sum()
// }
//
// #[differentiable]
// fn square_sum(x: &Array1<f64>) -> f64 {
//     (x * x).sum()
// }
//
// #[differentiable]
// fn uses_square_sum(x: &Array1<f64>) -> f64 {
//     square_sum(x) * 3.0 + square_sum(&x.sin())
// }
//
// #[test]
// fn calls_through_vjp() {
//     let w = mat(3, 4, 0.3);
//     let x = vect(4, 0.8);
//     let y = layer(&w, &x);
//     let delta = 2.0 * &y * (1.0 - &y * &y);
//     let (gw, gx) = uses_layer_grad(&w, &x);
//     assert_array_close(&gw, &outer(&delta, &x), RTOL, "call d/dW");
//     assert_array_close(&gx, &w.t().dot(&delta), RTOL, "call d/dx");
//     let e = 6.0 * &x + 2.0 * x.sin() * x.cos();
//     assert_array_close(&uses_square_sum_grad(&x), &e, RTOL, "call of a scalar function");
// }
//
// error: cannot differentiate through `layer`: calls to other functions are not supported yet (only the
//        scalar functions, `stop_gradient` and helpers over constants). Inline the body of `layer` here
//     --> tests/arrays.rs:1358:13
//      |
// 1358 |     let y = layer(w, x);
//      |             ^^^^^
// error: cannot differentiate through `square_sum`: calls to other functions are not supported yet (...)
//     --> tests/arrays.rs:1369:5
//      |
// 1369 |     square_sum(x) * 3.0 + square_sum(&x.sin())
//      |     ^^^^^^^^^^
// (and the same at 1369:27 for the second call)
//
// 3. `has_aux` with a tuple as the auxiliary value (API.md: `fn f(..) -> (f32|f64, Aux)`; the aux "rides
//    along, not differentiated", so any type should do).
//
// #[differentiable(wrt = b, has_aux)]
// fn aux_tuple(w: &Array1<f64>, b: f64) -> (f64, (f64, Array1<f64>)) {
//     let z = w * b;
//     let l = z.sum();
//     (l * l, (l, z))
// }
//
// #[test]
// fn aux_tuple_rides_along() {
//     let w = array![0.5, 1.5];
//     let (gb, (l, z)) = aux_tuple_grad(&w, 2.0);
//     assert_eq!(l, 4.0);
//     assert_eq!(z, array![1.0, 3.0]);
//     assert_eq!(gb, 2.0 * l * w.sum());
// }
//
// error: tuples are not supported here (return a pair with `#[differentiable(has_aux)]`)
//     --> tests/arrays.rs:1413:13
//      |
// 1413 |     (l * l, (l, z))
//      |             ^^^^^^
// (the same error, on `(l, z)`, with the tuple first bound by `let aux = (l, z); (l * l, aux)`)

#[differentiable(argnums = (0, 1))]
fn centered_square(x: &Array1<f64>, mu: f64) -> f64 {
    let s = x.sum() * 0.1;
    x.mapv(|v| (v - mu).powi(2) * s).sum()
}

#[test]
fn mapv_closures_that_capture_differentiated_values() {
    let x = array![0.5, -1.0, 2.0];
    let mu = 0.3;
    let (gx, gmu) = centered_square_grad(&x, mu);
    check_grad(
        |x: &Array1<f64>| centered_square(x, mu),
        |x: &Array1<f64>| centered_square_grad(x, mu).0,
        &x,
    )
    .unwrap();
    let h = 1e-6;
    let fd = (centered_square(&x, mu + h) - centered_square(&x, mu - h)) / (2.0 * h);
    assert!((gmu - fd).abs() < 1e-7, "{gmu} vs {fd}");
    assert_eq!(gx.len(), 3);
}

#[differentiable]
fn shape_ops(x: &Array2<f64>, s: f64) -> f64 {
    let col = x.view().insert_axis(Axis(2));
    let row = x.index_axis(Axis(0), 1);
    let wide = row.broadcast((3, 4)).unwrap();
    let flat = x.to_shape(12).unwrap();
    let filled = Array1::from_elem(4, s);
    (col.sum_axis(Axis(2)) * x).sum()
        + (&wide * 0.5).sum()
        + (&flat * 2.0).powi(2).sum()
        + (filled * row).sum()
}

#[test]
fn shape_operations() {
    let x = Array2::from_shape_fn((3, 4), |(i, j)| 0.1 * (i * 4 + j) as f64 - 0.5);
    let s = 0.7;
    check_grad(
        |x: &Array2<f64>| shape_ops(x, s),
        |x: &Array2<f64>| shape_ops_grad_0(x, s),
        &x,
    )
    .unwrap();
    // d/ds = sum(row)
    assert!((shape_ops_grad_1(&x, s) - x.row(1).sum()).abs() < 1e-12);
}

#[differentiable(argnums = (0, 1))]
fn joined(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let c = concatenate![Axis(0), *a, *b, *a];
    let s = stack![Axis(1), *a, *b];
    (c.mapv(f64::sin) * 2.0).sum() + s.powi(2).sum_axis(Axis(1)).sum()
}

#[test]
fn concatenate_and_stack() {
    let a = Array2::from_shape_fn((2, 3), |(i, j)| 0.3 * i as f64 - 0.2 * j as f64);
    let b = Array2::from_shape_fn((2, 3), |(i, j)| 0.1 * (i + j) as f64 + 0.05);
    check_grad(
        |a: &Array2<f64>| joined(a, &b),
        |a: &Array2<f64>| joined_grad(a, &b).0,
        &a,
    )
    .unwrap();
    check_grad(
        |b: &Array2<f64>| joined(&a, b),
        |b: &Array2<f64>| joined_grad(&a, b).1,
        &b,
    )
    .unwrap();
}

// =============================================================================================
// Slices of one array read by one kernel: one gradient buffer for all of them
// =============================================================================================

#[differentiable]
fn sl_rosenbrock(x: &Array1<f64>) -> f64 {
    let a = x.slice(s![..-1]);
    let b = x.slice(s![1..]);
    (100.0 * (&b - &a * &a).powi(2) + (1.0 - &a).powi(2)).sum()
}

#[differentiable]
fn sl_rosenbrock_f32(x: &Array1<f32>) -> f32 {
    let a = x.slice(s![..-1]);
    let b = x.slice(s![1..]);
    3.0 * (100.0 * (&b - &a * &a).powi(2) + (1.0 - &a).powi(2))
        .mean()
        .unwrap()
}

#[differentiable]
#[allow(clippy::reversed_empty_ranges)] // `s![1..-1]` is not a `Range`
fn sl_three(x: &Array1<f64>) -> f64 {
    let a = x.slice(s![..-2]);
    let b = x.slice(s![1..-1]);
    let c = x.slice(s![2..]);
    (&a * &b * c).sum() + x.sum()
}

#[differentiable]
fn sl_strided(x: &Array1<f64>) -> f64 {
    -2.0 * (&x.slice(s![..;2]) * &x.slice(s![1..;2])).sum()
}

#[differentiable]
fn sl_rows_cols(m: &Array2<f64>) -> f64 {
    let down = (&m.slice(s![1.., ..]) - &m.slice(s![..-1, ..]))
        .powi(2)
        .sum();
    let across = (&m.slice(s![.., 1..]) - &m.slice(s![.., ..-1]))
        .powi(2)
        .mean()
        .unwrap();
    down + 0.5 * across
}

/// The gradient of Rosenbrock's function, written out.
fn rosenbrock_gradient(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut g = vec![0.0; n];
    for i in 0..n - 1 {
        g[i] += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
        g[i + 1] += 200.0 * (x[i + 1] - x[i] * x[i]);
    }
    g
}

#[test]
fn slices_of_one_array_in_one_kernel() {
    for n in [2, 3, 9, 16, 17, 100] {
        let x = Array1::from_shape_fn(n, |i| (0.7 * i as f64).sin() * 1.3);
        let want = Array1::from(rosenbrock_gradient(x.as_slice().unwrap()));
        let (v, g) = sl_rosenbrock_value_and_grad(&x);
        assert_eq!(v, sl_rosenbrock(&x));
        assert_array_close(&g, &want, 1e-13, "Rosenbrock, slices");
        assert_array_close(&sl_rosenbrock_grad(&x), &want, 1e-13, "Rosenbrock grad");
        ok(
            check_grad(sl_rosenbrock, sl_rosenbrock_grad, &x),
            "Rosenbrock",
        );

        let xf = x.mapv(|v| v as f32);
        let (vf, gf) = sl_rosenbrock_f32_value_and_grad(&xf);
        assert_eq!(vf, sl_rosenbrock_f32(&xf));
        let scale = 3.0 / (n - 1) as f64;
        let wantf =
            Array1::from(rosenbrock_gradient(xf.mapv(f64::from).as_slice().unwrap())) * scale;
        let top = wantf.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (got, want) in gf.iter().zip(&wantf) {
            assert!(
                (*got as f64 - want).abs() <= 1e-5 * top,
                "{n}: {got} != {want}"
            );
        }

        if n >= 3 {
            // d/dx_j of sum x_i x_{i+1} x_{i+2} + sum x.
            let mut want = Array1::ones(n);
            for i in 0..n - 2 {
                want[i] += x[i + 1] * x[i + 2];
                want[i + 1] += x[i] * x[i + 2];
                want[i + 2] += x[i] * x[i + 1];
            }
            assert_array_close(&sl_three_value_and_grad(&x).1, &want, 1e-14, "three slices");
            ok(check_grad(sl_three, sl_three_grad, &x), "three slices");
        }
        if n % 2 == 0 {
            // Strided slices (their own buffers, added into the shared one).
            let want = Array1::from_shape_fn(n, |i| -2.0 * x[i ^ 1]);
            assert_eq!(sl_strided_value_and_grad(&x).1, want);
            assert_eq!(sl_strided_grad(&x), want);
        }
    }
    let m = Array2::from_shape_fn((4, 5), |(i, j)| (0.3 * i as f64 - 0.8 * j as f64).cos());
    let mut want = Array2::zeros((4, 5));
    for i in 0..4 {
        for j in 0..5 {
            if i + 1 < 4 {
                let d = 2.0 * (m[[i + 1, j]] - m[[i, j]]);
                want[[i + 1, j]] += d;
                want[[i, j]] -= d;
            }
            if j + 1 < 5 {
                let d = 0.5 * 2.0 * (m[[i, j + 1]] - m[[i, j]]) / 16.0;
                want[[i, j + 1]] += d;
                want[[i, j]] -= d;
            }
        }
    }
    assert_array_close(
        &sl_rows_cols_value_and_grad(&m).1,
        &want,
        1e-14,
        "rows and columns",
    );
    assert_array_close(
        &sl_rows_cols_grad(&m),
        &want,
        1e-14,
        "rows and columns grad",
    );
    ok(
        check_grad(sl_rows_cols, sl_rows_cols_grad, &m),
        "rows and columns",
    );
}
