//! Scalar functions: the JAX reference functions f1..f6 and f9 (method and `f64::name(x)` forms), every
//! scalar function of SUBSET.md against its closed-form derivative and against finite differences
//! (`check_grad`), and JAX's conventions at points where a function is not differentiable.
mod common;

use autodiff::prelude::*;
use common::{assert_rel, num, vec1};
use std::f64::consts::{LN_10, LN_2};

/// Relative tolerance for analytic-vs-closed-form comparisons: both are a few roundings from exact.
const RTOL: f64 = 1e-12;

/// `check_grad` of a function of one scalar, with its gradient.
#[track_caller]
fn fd1(name: &str, f: fn(f64) -> f64, g: fn(f64) -> f64, x: f64) {
    if let Err(e) = check_grad(|x: &f64| f(*x), |x: &f64| g(*x), &x) {
        panic!("{name}: check_grad at x = {x}: {e}");
    }
}

/// `check_grad` of a function of two scalars, with its gradient pair.
#[track_caller]
fn fd2(name: &str, f: fn(f64, f64) -> f64, g: fn(f64, f64) -> (f64, f64), x: f64, y: f64) {
    let r = check_grad(
        |p: &[f64; 2]| f(p[0], p[1]),
        |p: &[f64; 2]| {
            let (a, b) = g(p[0], p[1]);
            [a, b]
        },
        &[x, y],
    );
    if let Err(e) = r {
        panic!("{name}: check_grad at ({x}, {y}): {e}");
    }
}

/// `check_grad` of a function of three scalars, with its gradient triple.
#[track_caller]
fn fd3(
    name: &str,
    f: fn(f64, f64, f64) -> f64,
    g: fn(f64, f64, f64) -> (f64, f64, f64),
    p: [f64; 3],
) {
    let r = check_grad(
        |p: &[f64; 3]| f(p[0], p[1], p[2]),
        |p: &[f64; 3]| {
            let (a, b, c) = g(p[0], p[1], p[2]);
            [a, b, c]
        },
        &p,
    );
    if let Err(e) = r {
        panic!("{name}: check_grad at {p:?}: {e}");
    }
}

/// A unary function in method form (`m`) and path form (`p`): both gradients equal the closed form `d`
/// at every point, agree with each other, pass `check_grad`, and `value_and_grad` returns the primal.
#[allow(clippy::too_many_arguments)]
#[track_caller]
fn unary(
    name: &str,
    f: fn(f64) -> f64,
    gm: fn(f64) -> f64,
    gp: fn(f64) -> f64,
    vg: fn(f64) -> (f64, f64),
    primal: fn(f64) -> f64,
    d: fn(f64) -> f64,
    points: &[f64],
) {
    for &x in points {
        let expected = d(x);
        assert_rel(
            gm(x),
            expected,
            RTOL,
            &format!("d/dx {name} (method) at {x}"),
        );
        assert_rel(
            gp(x),
            expected,
            RTOL,
            &format!("d/dx {name} (f64::{name}) at {x}"),
        );
        let (v, g) = vg(x);
        assert_eq!(v, primal(x), "{name}: value_and_grad value at {x}");
        assert_eq!(
            v,
            f(x),
            "{name}: value_and_grad value vs the function at {x}"
        );
        assert_eq!(g, gm(x), "{name}: value_and_grad gradient at {x}");
        fd1(name, f, gm, x);
    }
}

// ---------------------------------------------------------------------------------------------
// JAX reference functions (scalar_functions in jax-reference.json)
// ---------------------------------------------------------------------------------------------

#[differentiable(argnums = (0, 1))]
fn f1(x: f64, y: f64) -> f64 {
    x * y + x.sin()
}

#[differentiable(argnums = (0, 1))]
fn f1_path(x: f64, y: f64) -> f64 {
    x * y + f64::sin(x)
}

#[differentiable]
fn f2(x: f64) -> f64 {
    x.exp() / (1.0 + x.exp())
}

#[differentiable]
fn f2_path(x: f64) -> f64 {
    let e = f64::exp(x);
    e / (1.0 + e)
}

#[differentiable(argnums = (0, 1))]
fn f3(x: f64, y: f64) -> f64 {
    x.powi(3) - 2.0 * x * y + y.powi(2)
}

#[differentiable(argnums = (0, 1))]
fn f3_path(x: f64, y: f64) -> f64 {
    f64::powi(x, 3) - 2.0 * x * y + y * y
}

#[differentiable(argnums = (0, 1))]
fn f4(x: f64, y: f64) -> f64 {
    x.tanh() * y.ln()
}

#[differentiable(argnums = (0, 1))]
fn f4_path(x: f64, y: f64) -> f64 {
    f64::tanh(x) * f64::ln(y)
}

#[differentiable(argnums = (0, 1))]
fn f5(x: f64, y: f64) -> f64 {
    (x * x + y * y).sqrt()
}

#[differentiable(argnums = (0, 1))]
fn f5_path(x: f64, y: f64) -> f64 {
    f64::sqrt(x * x + y * y)
}

#[differentiable(argnums = (0, 1))]
fn f6(x: f64, y: f64) -> f64 {
    x.max(y) * x
}

#[differentiable(argnums = (0, 1))]
fn f6_path(x: f64, y: f64) -> f64 {
    f64::max(x, y) * x
}

#[differentiable(argnums = (0, 1))]
fn f9(x: f64, y: f64) -> f64 {
    x.powf(y)
}

#[differentiable(argnums = (0, 1))]
fn f9_path(x: f64, y: f64) -> f64 {
    f64::powf(x, y)
}

type Grad2 = fn(f64, f64) -> (f64, f64);
type Vg2 = fn(f64, f64) -> (f64, (f64, f64));

#[track_caller]
fn jax2(key: &str, f: fn(f64, f64) -> f64, vg: Vg2, g: Grad2) {
    let p = vec1(&format!("scalar_functions/{key}/point"));
    let jg = vec1(&format!("scalar_functions/{key}/grad"));
    let (x, y) = (p[0], p[1]);
    let (v, (gx, gy)) = vg(x, y);
    assert_rel(
        v,
        num(&format!("scalar_functions/{key}/value")),
        RTOL,
        &format!("{key} value"),
    );
    assert_eq!(v, f(x, y), "{key}: value_and_grad value is the function's");
    assert_rel(gx, jg[0], RTOL, &format!("{key} d/dx"));
    assert_rel(gy, jg[1], RTOL, &format!("{key} d/dy"));
    assert_eq!(g(x, y), (gx, gy), "{key}: f_grad vs f_value_and_grad");
    fd2(key, f, g, x, y);
}

#[test]
fn jax_f1() {
    jax2("f1", f1, f1_value_and_grad, f1_grad);
    jax2("f1", f1_path, f1_path_value_and_grad, f1_path_grad);
    assert_eq!(f1_grad_0(0.7, -1.3), f1_grad(0.7, -1.3).0);
    assert_eq!(f1_grad_1(0.7, -1.3), f1_grad(0.7, -1.3).1);
    assert_eq!(f1_grad_0_1(0.7, -1.3), f1_grad(0.7, -1.3));
}

#[test]
fn jax_f2() {
    let x = vec1("scalar_functions/f2/point")[0];
    for (vg, g) in [
        (
            f2_value_and_grad as fn(f64) -> (f64, f64),
            f2_grad as fn(f64) -> f64,
        ),
        (f2_path_value_and_grad, f2_path_grad),
    ] {
        let (v, d) = vg(x);
        assert_rel(v, num("scalar_functions/f2/value"), RTOL, "f2 value");
        assert_rel(d, vec1("scalar_functions/f2/grad")[0], RTOL, "f2 d/dx");
        assert_eq!(g(x), d);
    }
    fd1("f2", f2, f2_grad, x);
    fd1("f2", f2_path, f2_path_grad, x);
}

#[test]
fn jax_f3() {
    jax2("f3", f3, f3_value_and_grad, f3_grad);
    jax2("f3", f3_path, f3_path_value_and_grad, f3_path_grad);
}

#[test]
fn jax_f4() {
    jax2("f4", f4, f4_value_and_grad, f4_grad);
    jax2("f4", f4_path, f4_path_value_and_grad, f4_path_grad);
}

#[test]
fn jax_f5() {
    jax2("f5", f5, f5_value_and_grad, f5_grad);
    jax2("f5", f5_path, f5_path_value_and_grad, f5_path_grad);
}

#[test]
fn jax_f6() {
    jax2("f6", f6, f6_value_and_grad, f6_grad);
    jax2("f6", f6_path, f6_path_value_and_grad, f6_path_grad);
    // The y derivative is exactly zero where x > y.
    assert_eq!(f6_grad(2.0, 1.0).1, 0.0);
}

#[test]
fn jax_f9() {
    jax2("f9", f9, f9_value_and_grad, f9_grad);
    jax2("f9", f9_path, f9_path_value_and_grad, f9_path_grad);
}

// ---------------------------------------------------------------------------------------------
// Every scalar function of SUBSET.md: method form `m_<name>`, path form `p_<name>`
// ---------------------------------------------------------------------------------------------

#[differentiable]
fn m_exp(x: f64) -> f64 {
    x.exp()
}
#[differentiable]
fn p_exp(x: f64) -> f64 {
    f64::exp(x)
}
#[differentiable]
fn m_exp2(x: f64) -> f64 {
    x.exp2()
}
#[differentiable]
fn p_exp2(x: f64) -> f64 {
    f64::exp2(x)
}
#[differentiable]
fn m_exp_m1(x: f64) -> f64 {
    x.exp_m1()
}
#[differentiable]
fn p_exp_m1(x: f64) -> f64 {
    f64::exp_m1(x)
}
#[differentiable]
fn m_ln(x: f64) -> f64 {
    x.ln()
}
#[differentiable]
fn p_ln(x: f64) -> f64 {
    f64::ln(x)
}
#[differentiable]
fn m_ln_1p(x: f64) -> f64 {
    x.ln_1p()
}
#[differentiable]
fn p_ln_1p(x: f64) -> f64 {
    f64::ln_1p(x)
}
#[differentiable]
fn m_log2(x: f64) -> f64 {
    x.log2()
}
#[differentiable]
fn p_log2(x: f64) -> f64 {
    f64::log2(x)
}
#[differentiable]
fn m_log10(x: f64) -> f64 {
    x.log10()
}
#[differentiable]
fn p_log10(x: f64) -> f64 {
    f64::log10(x)
}
#[differentiable]
fn m_sqrt(x: f64) -> f64 {
    x.sqrt()
}
#[differentiable]
fn p_sqrt(x: f64) -> f64 {
    f64::sqrt(x)
}
#[differentiable]
fn m_cbrt(x: f64) -> f64 {
    x.cbrt()
}
#[differentiable]
fn p_cbrt(x: f64) -> f64 {
    f64::cbrt(x)
}
#[differentiable]
fn m_recip(x: f64) -> f64 {
    x.recip()
}
#[differentiable]
fn p_recip(x: f64) -> f64 {
    f64::recip(x)
}
#[differentiable]
fn m_sin(x: f64) -> f64 {
    x.sin()
}
#[differentiable]
fn p_sin(x: f64) -> f64 {
    f64::sin(x)
}
#[differentiable]
fn m_cos(x: f64) -> f64 {
    x.cos()
}
#[differentiable]
fn p_cos(x: f64) -> f64 {
    f64::cos(x)
}
#[differentiable]
fn m_tan(x: f64) -> f64 {
    x.tan()
}
#[differentiable]
fn p_tan(x: f64) -> f64 {
    f64::tan(x)
}
#[differentiable]
fn m_asin(x: f64) -> f64 {
    x.asin()
}
#[differentiable]
fn p_asin(x: f64) -> f64 {
    f64::asin(x)
}
#[differentiable]
fn m_acos(x: f64) -> f64 {
    x.acos()
}
#[differentiable]
fn p_acos(x: f64) -> f64 {
    f64::acos(x)
}
#[differentiable]
fn m_atan(x: f64) -> f64 {
    x.atan()
}
#[differentiable]
fn p_atan(x: f64) -> f64 {
    f64::atan(x)
}
#[differentiable]
fn m_sinh(x: f64) -> f64 {
    x.sinh()
}
#[differentiable]
fn p_sinh(x: f64) -> f64 {
    f64::sinh(x)
}
#[differentiable]
fn m_cosh(x: f64) -> f64 {
    x.cosh()
}
#[differentiable]
fn p_cosh(x: f64) -> f64 {
    f64::cosh(x)
}
#[differentiable]
fn m_tanh(x: f64) -> f64 {
    x.tanh()
}
#[differentiable]
fn p_tanh(x: f64) -> f64 {
    f64::tanh(x)
}
#[differentiable]
fn m_asinh(x: f64) -> f64 {
    x.asinh()
}
#[differentiable]
fn p_asinh(x: f64) -> f64 {
    f64::asinh(x)
}
#[differentiable]
fn m_acosh(x: f64) -> f64 {
    x.acosh()
}
#[differentiable]
fn p_acosh(x: f64) -> f64 {
    f64::acosh(x)
}
#[differentiable]
fn m_atanh(x: f64) -> f64 {
    x.atanh()
}
#[differentiable]
fn p_atanh(x: f64) -> f64 {
    f64::atanh(x)
}
#[differentiable]
fn m_abs(x: f64) -> f64 {
    x.abs()
}
#[differentiable]
fn p_abs(x: f64) -> f64 {
    f64::abs(x)
}
#[differentiable]
fn m_signum(x: f64) -> f64 {
    x.signum()
}
#[differentiable]
fn p_signum(x: f64) -> f64 {
    f64::signum(x)
}

#[test]
fn exp() {
    unary(
        "exp",
        m_exp,
        m_exp_grad,
        p_exp_grad,
        m_exp_value_and_grad,
        f64::exp,
        f64::exp,
        &[-1.3, 0.0, 0.7, 3.0],
    );
    fd1("exp", p_exp, p_exp_grad, 0.7);
}

#[test]
fn exp2() {
    unary(
        "exp2",
        m_exp2,
        m_exp2_grad,
        p_exp2_grad,
        m_exp2_value_and_grad,
        f64::exp2,
        |x| x.exp2() * LN_2,
        &[-1.3, 0.0, 0.7, 3.0],
    );
    fd1("exp2", p_exp2, p_exp2_grad, 0.7);
}

#[test]
fn exp_m1() {
    unary(
        "exp_m1",
        m_exp_m1,
        m_exp_m1_grad,
        p_exp_m1_grad,
        m_exp_m1_value_and_grad,
        f64::exp_m1,
        f64::exp,
        &[-1.3, 1e-9, 0.7, 3.0],
    );
    fd1("exp_m1", p_exp_m1, p_exp_m1_grad, 0.7);
}

#[test]
fn ln() {
    unary(
        "ln",
        m_ln,
        m_ln_grad,
        p_ln_grad,
        m_ln_value_and_grad,
        f64::ln,
        |x| 1.0 / x,
        &[0.1, 0.7, 2.0, 50.0],
    );
    fd1("ln", p_ln, p_ln_grad, 0.7);
}

#[test]
fn ln_1p() {
    unary(
        "ln_1p",
        m_ln_1p,
        m_ln_1p_grad,
        p_ln_1p_grad,
        m_ln_1p_value_and_grad,
        f64::ln_1p,
        |x| 1.0 / (1.0 + x),
        &[-0.5, 1e-9, 0.7, 20.0],
    );
    fd1("ln_1p", p_ln_1p, p_ln_1p_grad, 0.7);
}

#[test]
fn log2() {
    unary(
        "log2",
        m_log2,
        m_log2_grad,
        p_log2_grad,
        m_log2_value_and_grad,
        f64::log2,
        |x| 1.0 / (x * LN_2),
        &[0.1, 0.7, 2.0, 50.0],
    );
    fd1("log2", p_log2, p_log2_grad, 0.7);
}

#[test]
fn log10() {
    unary(
        "log10",
        m_log10,
        m_log10_grad,
        p_log10_grad,
        m_log10_value_and_grad,
        f64::log10,
        |x| 1.0 / (x * LN_10),
        &[0.1, 0.7, 2.0, 50.0],
    );
    fd1("log10", p_log10, p_log10_grad, 0.7);
}

#[test]
fn sqrt() {
    unary(
        "sqrt",
        m_sqrt,
        m_sqrt_grad,
        p_sqrt_grad,
        m_sqrt_value_and_grad,
        f64::sqrt,
        |x| 0.5 / x.sqrt(),
        &[0.01, 0.7, 4.0, 1e4],
    );
    fd1("sqrt", p_sqrt, p_sqrt_grad, 0.7);
}

#[test]
fn cbrt() {
    unary(
        "cbrt",
        m_cbrt,
        m_cbrt_grad,
        p_cbrt_grad,
        m_cbrt_value_and_grad,
        f64::cbrt,
        |x| 1.0 / (3.0 * x.cbrt().powi(2)),
        &[-8.0, -0.3, 0.7, 27.0],
    );
    fd1("cbrt", p_cbrt, p_cbrt_grad, 0.7);
}

#[test]
fn recip() {
    unary(
        "recip",
        m_recip,
        m_recip_grad,
        p_recip_grad,
        m_recip_value_and_grad,
        f64::recip,
        |x| -1.0 / (x * x),
        &[-2.0, -0.3, 0.7, 5.0],
    );
    fd1("recip", p_recip, p_recip_grad, 0.7);
}

#[test]
fn sin() {
    unary(
        "sin",
        m_sin,
        m_sin_grad,
        p_sin_grad,
        m_sin_value_and_grad,
        f64::sin,
        f64::cos,
        &[-2.0, 0.0, 0.7, 4.0],
    );
    fd1("sin", p_sin, p_sin_grad, 0.7);
}

#[test]
fn cos() {
    unary(
        "cos",
        m_cos,
        m_cos_grad,
        p_cos_grad,
        m_cos_value_and_grad,
        f64::cos,
        |x| -x.sin(),
        &[-2.0, 0.3, 0.7, 4.0],
    );
    fd1("cos", p_cos, p_cos_grad, 0.7);
}

#[test]
fn tan() {
    unary(
        "tan",
        m_tan,
        m_tan_grad,
        p_tan_grad,
        m_tan_value_and_grad,
        f64::tan,
        |x| 1.0 / x.cos().powi(2),
        &[-1.2, 0.0, 0.7, 1.4],
    );
    fd1("tan", p_tan, p_tan_grad, 0.7);
}

#[test]
fn asin() {
    unary(
        "asin",
        m_asin,
        m_asin_grad,
        p_asin_grad,
        m_asin_value_and_grad,
        f64::asin,
        |x| 1.0 / (1.0 - x * x).sqrt(),
        &[-0.9, 0.0, 0.3, 0.7],
    );
    fd1("asin", p_asin, p_asin_grad, 0.7);
}

#[test]
fn acos() {
    unary(
        "acos",
        m_acos,
        m_acos_grad,
        p_acos_grad,
        m_acos_value_and_grad,
        f64::acos,
        |x| -1.0 / (1.0 - x * x).sqrt(),
        &[-0.9, 0.0, 0.3, 0.7],
    );
    fd1("acos", p_acos, p_acos_grad, 0.7);
}

#[test]
fn atan() {
    unary(
        "atan",
        m_atan,
        m_atan_grad,
        p_atan_grad,
        m_atan_value_and_grad,
        f64::atan,
        |x| 1.0 / (1.0 + x * x),
        &[-3.0, 0.0, 0.7, 10.0],
    );
    fd1("atan", p_atan, p_atan_grad, 0.7);
}

#[test]
fn sinh() {
    unary(
        "sinh",
        m_sinh,
        m_sinh_grad,
        p_sinh_grad,
        m_sinh_value_and_grad,
        f64::sinh,
        f64::cosh,
        &[-3.0, 0.0, 0.7, 5.0],
    );
    fd1("sinh", p_sinh, p_sinh_grad, 0.7);
}

#[test]
fn cosh() {
    unary(
        "cosh",
        m_cosh,
        m_cosh_grad,
        p_cosh_grad,
        m_cosh_value_and_grad,
        f64::cosh,
        f64::sinh,
        &[-3.0, 0.2, 0.7, 5.0],
    );
    fd1("cosh", p_cosh, p_cosh_grad, 0.7);
}

#[test]
fn tanh() {
    unary(
        "tanh",
        m_tanh,
        m_tanh_grad,
        p_tanh_grad,
        m_tanh_value_and_grad,
        f64::tanh,
        |x| 1.0 / x.cosh().powi(2),
        &[-3.0, 0.0, 0.7, 5.0],
    );
    fd1("tanh", p_tanh, p_tanh_grad, 0.7);
}

#[test]
fn asinh() {
    unary(
        "asinh",
        m_asinh,
        m_asinh_grad,
        p_asinh_grad,
        m_asinh_value_and_grad,
        f64::asinh,
        |x| 1.0 / (x * x + 1.0).sqrt(),
        &[-3.0, 0.0, 0.7, 5.0],
    );
    fd1("asinh", p_asinh, p_asinh_grad, 0.7);
}

#[test]
fn acosh() {
    unary(
        "acosh",
        m_acosh,
        m_acosh_grad,
        p_acosh_grad,
        m_acosh_value_and_grad,
        f64::acosh,
        |x| 1.0 / (x * x - 1.0).sqrt(),
        &[1.1, 1.7, 3.0, 20.0],
    );
    fd1("acosh", p_acosh, p_acosh_grad, 1.7);
}

#[test]
fn atanh() {
    unary(
        "atanh",
        m_atanh,
        m_atanh_grad,
        p_atanh_grad,
        m_atanh_value_and_grad,
        f64::atanh,
        |x| 1.0 / (1.0 - x * x),
        &[-0.9, 0.0, 0.3, 0.7],
    );
    fd1("atanh", p_atanh, p_atanh_grad, 0.7);
}

#[test]
fn abs() {
    unary(
        "abs",
        m_abs,
        m_abs_grad,
        p_abs_grad,
        m_abs_value_and_grad,
        f64::abs,
        f64::signum,
        &[-2.5, -0.1, 0.7, 3.0],
    );
    fd1("abs", p_abs, p_abs_grad, -0.7);
}

#[test]
fn signum() {
    unary(
        "signum",
        m_signum,
        m_signum_grad,
        p_signum_grad,
        m_signum_value_and_grad,
        f64::signum,
        |_| 0.0,
        &[-2.5, -0.1, 0.7, 3.0],
    );
}

// ---- powi, powf, atan2, max, min, clamp, hypot, mul_add (several operands) ----

#[differentiable]
fn m_powi3(x: f64) -> f64 {
    x.powi(3)
}
#[differentiable]
fn p_powi3(x: f64) -> f64 {
    f64::powi(x, 3)
}
#[differentiable]
fn m_powi_neg2(x: f64) -> f64 {
    x.powi(-2)
}
#[differentiable]
fn m_powi0(x: f64) -> f64 {
    x.powi(0)
}
#[differentiable]
fn m_powi1(x: f64) -> f64 {
    x.powi(1)
}
/// The exponent is an integer parameter, hence a constant.
#[differentiable]
fn m_powi_n(x: f64, n: i32) -> f64 {
    x.powi(n)
}

#[test]
fn powi() {
    unary(
        "powi(3)",
        m_powi3,
        m_powi3_grad,
        p_powi3_grad,
        m_powi3_value_and_grad,
        |x| x.powi(3),
        |x| 3.0 * x * x,
        &[-1.5, 0.0, 0.7, 4.0],
    );
    unary(
        "powi(-2)",
        m_powi_neg2,
        m_powi_neg2_grad,
        m_powi_neg2_grad,
        m_powi_neg2_value_and_grad,
        |x| x.powi(-2),
        |x| -2.0 / x.powi(3),
        &[-1.5, 0.7, 4.0],
    );
    unary(
        "powi(0)",
        m_powi0,
        m_powi0_grad,
        m_powi0_grad,
        m_powi0_value_and_grad,
        |x| x.powi(0),
        |_| 0.0,
        &[-1.5, 0.7, 4.0],
    );
    unary(
        "powi(1)",
        m_powi1,
        m_powi1_grad,
        m_powi1_grad,
        m_powi1_value_and_grad,
        |x| x.powi(1),
        |_| 1.0,
        &[-1.5, 0.0, 0.7],
    );
    for n in [-3, -1, 2, 5] {
        let x = 1.3;
        assert_rel(
            m_powi_n_grad(x, n),
            n as f64 * x.powi(n - 1),
            RTOL,
            &format!("d/dx x.powi({n})"),
        );
        let r = check_grad(
            |x: &f64| m_powi_n(*x, n),
            |x: &f64| m_powi_n_grad(*x, n),
            &x,
        );
        assert!(r.is_ok(), "powi({n}): {r:?}");
    }
    // JAX: d/dx x^3 at 0 is 0, not NaN.
    assert_eq!(m_powi3_grad(0.0), 0.0);
}

#[differentiable(argnums = (0, 1))]
fn m_powf(x: f64, y: f64) -> f64 {
    x.powf(y)
}
#[differentiable(argnums = (0, 1))]
fn p_powf(x: f64, y: f64) -> f64 {
    f64::powf(x, y)
}
/// A constant exponent.
#[differentiable]
fn m_powf_const(x: f64) -> f64 {
    x.powf(2.5)
}

#[test]
fn powf() {
    for (x, y) in [(1.7f64, 2.3), (0.4, -1.5), (3.0, 0.5), (2.0, 0.0)] {
        let (gx, gy) = m_powf_grad(x, y);
        assert_rel(
            gx,
            y * x.powf(y - 1.0),
            RTOL,
            &format!("d/dx powf at ({x},{y})"),
        );
        assert_rel(
            gy,
            x.powf(y) * x.ln(),
            RTOL,
            &format!("d/dy powf at ({x},{y})"),
        );
        assert_eq!(p_powf_grad(x, y), (gx, gy), "powf path form at ({x},{y})");
        fd2("powf", m_powf, m_powf_grad, x, y);
        fd2("powf", p_powf, p_powf_grad, x, y);
    }
    unary(
        "powf(2.5)",
        m_powf_const,
        m_powf_const_grad,
        m_powf_const_grad,
        m_powf_const_value_and_grad,
        |x| x.powf(2.5),
        |x| 2.5 * x.powf(1.5),
        &[0.3, 1.0, 4.0],
    );
}

#[differentiable(argnums = (0, 1))]
fn m_atan2(y: f64, x: f64) -> f64 {
    y.atan2(x)
}
#[differentiable(argnums = (0, 1))]
fn p_atan2(y: f64, x: f64) -> f64 {
    f64::atan2(y, x)
}

#[test]
fn atan2() {
    // All four quadrants.
    for (y, x) in [(0.5f64, 1.5), (0.5, -1.5), (-2.0, -0.3), (-2.0, 0.3)] {
        let r2 = x * x + y * y;
        let (gy, gx) = m_atan2_grad(y, x);
        assert_rel(gy, x / r2, RTOL, &format!("d/dy atan2 at ({y},{x})"));
        assert_rel(gx, -y / r2, RTOL, &format!("d/dx atan2 at ({y},{x})"));
        assert_eq!(p_atan2_grad(y, x), (gy, gx));
        fd2("atan2", m_atan2, m_atan2_grad, y, x);
        fd2("atan2", p_atan2, p_atan2_grad, y, x);
    }
}

#[differentiable(argnums = (0, 1))]
fn m_hypot(x: f64, y: f64) -> f64 {
    x.hypot(y)
}
#[differentiable(argnums = (0, 1))]
fn p_hypot(x: f64, y: f64) -> f64 {
    f64::hypot(x, y)
}

#[test]
fn hypot() {
    for (x, y) in [(3.0f64, 4.0), (-1.2, 0.5), (0.1, -7.0)] {
        let h = (x * x + y * y).sqrt();
        let (gx, gy) = m_hypot_grad(x, y);
        assert_rel(gx, x / h, RTOL, &format!("d/dx hypot at ({x},{y})"));
        assert_rel(gy, y / h, RTOL, &format!("d/dy hypot at ({x},{y})"));
        assert_eq!(p_hypot_grad(x, y), (gx, gy));
        fd2("hypot", m_hypot, m_hypot_grad, x, y);
    }
    // The same as f5 = sqrt(x*x + y*y) of the JAX reference.
    let jg = vec1("scalar_functions/f5/grad");
    let (gx, gy) = m_hypot_grad(3.0, 4.0);
    assert_rel(gx, jg[0], RTOL, "hypot vs JAX f5 d/dx");
    assert_rel(gy, jg[1], RTOL, "hypot vs JAX f5 d/dy");
}

#[differentiable(argnums = (0, 1))]
fn m_max(x: f64, y: f64) -> f64 {
    x.max(y)
}
#[differentiable(argnums = (0, 1))]
fn p_max(x: f64, y: f64) -> f64 {
    f64::max(x, y)
}
#[differentiable(argnums = (0, 1))]
fn m_min(x: f64, y: f64) -> f64 {
    x.min(y)
}
#[differentiable(argnums = (0, 1))]
fn p_min(x: f64, y: f64) -> f64 {
    f64::min(x, y)
}

#[test]
fn max_min() {
    for (x, y) in [(2.0f64, 1.0), (-0.5, 0.3), (1e-3, -1e-3)] {
        let hi = if x > y { (1.0, 0.0) } else { (0.0, 1.0) };
        let lo = (hi.1, hi.0);
        assert_eq!(m_max_grad(x, y), hi, "max at ({x},{y})");
        assert_eq!(p_max_grad(x, y), hi, "f64::max at ({x},{y})");
        assert_eq!(m_min_grad(x, y), lo, "min at ({x},{y})");
        assert_eq!(p_min_grad(x, y), lo, "f64::min at ({x},{y})");
        assert_eq!(m_max_value_and_grad(x, y).0, x.max(y));
        assert_eq!(m_min_value_and_grad(x, y).0, x.min(y));
    }
    fd2("max", m_max, m_max_grad, 2.0, 1.0);
    fd2("min", m_min, m_min_grad, -0.5, 0.3);
}

#[differentiable(argnums = (0, 1, 2))]
fn m_clamp(x: f64, lo: f64, hi: f64) -> f64 {
    x.clamp(lo, hi)
}
#[differentiable(argnums = (0, 1, 2))]
fn p_clamp(x: f64, lo: f64, hi: f64) -> f64 {
    f64::clamp(x, lo, hi)
}
/// Constant bounds.
#[differentiable]
fn m_clamp_const(x: f64) -> f64 {
    (2.0 * x).clamp(-1.0, 1.0)
}

#[test]
fn clamp() {
    // Inside, below and above the interval (no ties): the derivative goes to the selected operand,
    // as with JAX's jnp.clip.
    for (x, expected) in [
        (0.3, (1.0, 0.0, 0.0)),
        (-2.0, (0.0, 1.0, 0.0)),
        (5.0, (0.0, 0.0, 1.0)),
    ] {
        assert_eq!(m_clamp_grad(x, -1.0, 2.0), expected, "clamp at {x}");
        assert_eq!(p_clamp_grad(x, -1.0, 2.0), expected, "f64::clamp at {x}");
        assert_eq!(m_clamp_value_and_grad(x, -1.0, 2.0).0, x.clamp(-1.0, 2.0));
        fd3("clamp", m_clamp, m_clamp_grad, [x, -1.0, 2.0]);
    }
    assert_eq!(m_clamp_const_grad(0.2), 2.0);
    assert_eq!(m_clamp_const_grad(0.9), 0.0);
    assert_eq!(m_clamp_const_grad(-0.9), 0.0);
}

#[differentiable(argnums = (0, 1, 2))]
fn m_mul_add(a: f64, b: f64, c: f64) -> f64 {
    a.mul_add(b, c)
}
#[differentiable(argnums = (0, 1, 2))]
fn p_mul_add(a: f64, b: f64, c: f64) -> f64 {
    f64::mul_add(a, b, c)
}

#[test]
fn mul_add() {
    for p in [[0.7f64, -1.3, 2.0], [3.0, 0.25, -4.0]] {
        let g = m_mul_add_grad(p[0], p[1], p[2]);
        assert_eq!(g, (p[1], p[0], 1.0), "mul_add at {p:?}");
        assert_eq!(p_mul_add_grad(p[0], p[1], p[2]), g, "f64::mul_add at {p:?}");
        let (v, _) = m_mul_add_value_and_grad(p[0], p[1], p[2]);
        assert_eq!(v, p[0].mul_add(p[1], p[2]));
        fd3("mul_add", m_mul_add, m_mul_add_grad, p);
        fd3("mul_add", p_mul_add, p_mul_add_grad, p);
    }
}

// ---------------------------------------------------------------------------------------------
// JAX's values at points where a function is not differentiable
// ---------------------------------------------------------------------------------------------

#[differentiable]
fn relu_like(x: f64) -> f64 {
    x.max(0.0)
}

#[test]
fn jax_conventions_at_kinks() {
    // jax.grad(jnp.abs)(0.0) == 1.0
    assert_eq!(m_abs_grad(0.0), 1.0, "abs'(0)");
    assert_eq!(p_abs_grad(0.0), 1.0, "f64::abs'(0)");
    // jax.grad(jnp.maximum, (0, 1))(1.0, 1.0) == (0.5, 0.5), and the same for minimum.
    assert_eq!(m_max_grad(1.0, 1.0), (0.5, 0.5), "max at a tie");
    assert_eq!(p_max_grad(1.0, 1.0), (0.5, 0.5), "f64::max at a tie");
    assert_eq!(m_min_grad(1.0, 1.0), (0.5, 0.5), "min at a tie");
    assert_eq!(p_min_grad(1.0, 1.0), (0.5, 0.5), "f64::min at a tie");
    assert_eq!(relu_like_grad(0.0), 0.5, "x.max(0.0) at 0");
    assert_eq!(relu_like_grad(1.0), 1.0);
    assert_eq!(relu_like_grad(-1.0), 0.0);
    // jax.grad(jnp.sqrt)(0.0) == inf
    assert_eq!(m_sqrt_grad(0.0), f64::INFINITY, "sqrt'(0)");
    assert_eq!(p_sqrt_grad(0.0), f64::INFINITY, "f64::sqrt'(0)");
    // jax.grad(jnp.sign)(x) == 0 everywhere, 0 included.
    for x in [-1.0, 0.0, 2.0] {
        assert_eq!(m_signum_grad(x), 0.0, "signum'({x})");
        assert_eq!(p_signum_grad(x), 0.0, "f64::signum'({x})");
    }
}

// ---------------------------------------------------------------------------------------------
// Compositions
// ---------------------------------------------------------------------------------------------

#[differentiable(argnums = (0, 1))]
fn composite(x: f64, y: f64) -> f64 {
    let a = x.sin() * y.exp();
    let b = f64::ln_1p(a * a);
    let c = x.atan2(y) - (x * y).tanh().powi(3);
    let d = f64::hypot(x, 2.0) / y.cosh() + x.mul_add(y, 1.0).abs().sqrt();
    b.sqrt() + c * d - (x - y).powf(2.0).cbrt()
}

#[test]
fn composite_check_grad() {
    for (x, y) in [(0.7, -1.3), (1.9, 0.4), (-0.6, 2.1)] {
        fd2("composite", composite, composite_grad, x, y);
    }
}

#[differentiable(argnums = (0, 1))]
fn f1_f32(x: f32, y: f32) -> f32 {
    x * y + x.sin()
}

#[test]
fn f32_scalars() {
    let (gx, gy) = f1_f32_grad(0.7, -1.3);
    assert_eq!(gy, 0.7f32);
    assert!(
        (gx - (-1.3f32 + 0.7f32.cos())).abs() <= 2.0 * f32::EPSILON,
        "f1 in f32: d/dx = {gx}"
    );
    let jg = vec1("scalar_functions/f1/grad");
    assert!(
        ((gx as f64) - jg[0]).abs() < 1e-6,
        "f1 in f32 vs JAX f64: {gx}"
    );
}
