//! `#[differentiable(jvp)]`: `f_jvp` checked on many functions against the function's own value (bit for
//! bit), central finite differences along the tangent direction, and the reverse-mode gradient
//! (`grad · v` must equal the JVP along `v`), with closed forms where they are short.
#![deny(warnings)]
#![allow(clippy::all)]

use autodiff::ndarray::{array, s, Array, Array1, Array2, ArrayView1, Axis, Dimension};
use autodiff::prelude::*;

// =============================================================================================
// Helpers
// =============================================================================================

/// Step and tolerances of one precision.
#[derive(Clone, Copy)]
struct Prec {
    /// The finite-difference step, scaled by the magnitude of the point.
    h: f64,
    /// Tolerance of the JVP against central differences, relative to the larger of the derivative,
    /// the value and 1.
    fd_rtol: f64,
    /// Tolerance of the JVP against `grad · v`, relative to `sum |g_i v_i|`.
    dot_rtol: f64,
}

const F64: Prec = Prec {
    h: 1e-6,
    fd_rtol: 1e-6,
    dot_rtol: 1e-12,
};

const F32: Prec = Prec {
    h: 1e-2,
    fd_rtol: 2e-3,
    dot_rtol: 2e-6,
};

/// `p + s v`.
fn shift<T: Tangent>(p: &T, s: f64, v: &T) -> T {
    let mut q = p.clone();
    q.axpy(s, v);
    q
}

/// The largest magnitude of a component.
fn mag<T: Tangent>(p: &T) -> f64 {
    (0..p.num_components())
        .map(|i| p.component(i).abs())
        .fold(0.0, f64::max)
}

/// `g · v` of one parameter (summed over parameters with `+`), with the scale of its rounding error.
#[derive(Clone, Copy, Debug)]
struct Dot {
    sum: f64,
    scale: f64,
}

fn dot<T: Tangent>(g: &T, v: &T) -> Dot {
    assert_eq!(
        g.num_components(),
        v.num_components(),
        "gradient and tangent shapes"
    );
    let mut d = Dot {
        sum: 0.0,
        scale: 0.0,
    };
    for i in 0..g.num_components() {
        d.sum += g.component(i) * v.component(i);
        d.scale += (g.component(i) * v.component(i)).abs();
    }
    d
}

impl std::ops::Add for Dot {
    type Output = Dot;
    fn add(self, o: Dot) -> Dot {
        Dot {
            sum: self.sum + o.sum,
            scale: self.scale + o.scale,
        }
    }
}

/// The value `f_jvp` returns is the function's own, bit for bit.
#[track_caller]
fn assert_same_value<O: Tangent>(got: &O, want: &O) {
    assert_eq!(got.num_components(), want.num_components(), "value shape");
    for i in 0..got.num_components() {
        assert_eq!(
            got.component(i).to_bits(),
            want.component(i).to_bits(),
            "value component {i}: {} vs {}",
            got.component(i),
            want.component(i)
        );
    }
}

/// The tangent `t` against central differences of `line(s) = f(p + s v)` at `s = 0`, component by
/// component; `size` is the magnitude of the point, which scales the step.
#[track_caller]
fn assert_fd<O: Tangent>(line: impl Fn(f64) -> O, t: &O, size: f64, prec: Prec) {
    let h = prec.h * size.max(1.0);
    let (plus, minus, at) = (line(h), line(-h), line(0.0));
    assert_eq!(t.num_components(), at.num_components(), "tangent shape");
    for i in 0..t.num_components() {
        let fd = (plus.component(i) - minus.component(i)) / (2.0 * h);
        let scale = fd.abs().max(at.component(i).abs()).max(1.0);
        let got = t.component(i);
        assert!(
            (got - fd).abs() <= prec.fd_rtol * scale,
            "component {i}: jvp {got}, central difference {fd} (h = {h})"
        );
    }
}

/// A scalar tangent against `grad · v`.
#[track_caller]
fn assert_dot(t: impl Into<f64>, gv: Dot, prec: Prec) {
    let t = t.into();
    assert!(
        (t - gv.sum).abs() <= prec.dot_rtol * gv.scale,
        "jvp {t}, grad · v {} (scale {})",
        gv.sum,
        gv.scale
    );
}

/// An exact-enough closed form.
#[track_caller]
fn assert_closed(t: impl Into<f64>, want: f64, rtol: f64) {
    let t = t.into();
    assert!(
        (t - want).abs() <= rtol * want.abs().max(1.0),
        "jvp {t}, closed form {want}"
    );
}

/// All three checks for a function of one parameter with a scalar output: `jvp(p, v)` is `f_jvp`,
/// `grad` is `f_grad`. Returns the tangent.
#[track_caller]
fn check1<P: Tangent, O: Tangent + Into<f64>>(
    f: impl Fn(&P) -> O,
    jvp: impl Fn(&P, P) -> (O, O),
    grad: impl Fn(&P) -> P,
    p: &P,
    v: &P,
    prec: Prec,
) -> f64 {
    let (value, t) = jvp(p, v.clone());
    assert_same_value(&value, &f(p));
    assert_fd(|s| f(&shift(p, s, v)), &t, mag(p), prec);
    let t: f64 = t.into();
    assert_dot(t, dot(&grad(p), v), prec);
    t
}

/// A deterministic, non-symmetric matrix with entries in about [-1, 1].
fn mat(rows: usize, cols: usize, seed: f64) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        (seed + 0.7 * i as f64 - 0.3 * j as f64 + 0.11 * (i * j) as f64).sin()
    })
}

fn vect(n: usize, seed: f64) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (seed + 0.9 * i as f64).cos())
}

fn as_f32<D: Dimension>(a: &Array<f64, D>) -> Array<f32, D> {
    a.mapv(|v| v as f32)
}

// =============================================================================================
// Scalars: arithmetic and every unary family
// =============================================================================================

/// Default `argnums = 0`, but `f_jvp` takes a tangent for both parameters.
#[differentiable(jvp)]
fn arith(x: f64, y: f64) -> f64 {
    let a = x * x * y - 3.0 * x / y + 2.0;
    let b = -a + (x - y) * (x + y);
    a * b / (1.0 + y * y)
}

#[differentiable(jvp)]
fn exp_log(x: f64) -> f64 {
    x.exp() * (x * x + 1.0).ln() + x.exp2() + x.exp_m1() + x.ln_1p() + x.log2() + x.log10()
}

#[differentiable(jvp)]
fn trig(x: f64) -> f64 {
    x.sin() * x.cos() + x.tan() + x.asin() - x.acos() * x.atan()
}

#[differentiable(jvp)]
fn hyperbolic(x: f64) -> f64 {
    x.sinh() + x.cosh() * x.tanh() + x.asinh() + (x + 2.0).acosh() + (x / 2.0).atanh()
}

#[differentiable(jvp)]
fn roots_powers(x: f64) -> f64 {
    x.sqrt() + x.cbrt() + x.recip() + x.powi(3) - x.powi(-2) + x.powf(2.5)
}

/// `powf` with both base and exponent active.
#[differentiable(jvp)]
fn powf_both(x: f64, p: f64) -> f64 {
    x.powf(p) + p.powf(x)
}

/// Piecewise functions, away from their kinks.
#[differentiable(jvp)]
fn nonsmooth(x: f64, y: f64) -> f64 {
    x.abs() + x.max(y) + 2.0 * x.min(y) + (3.0 * x).clamp(-0.5, 0.5) + y.signum() * x + x.floor()
}

#[differentiable(jvp)]
fn binary_fns(x: f64, y: f64) -> f64 {
    x.atan2(y) + x.hypot(y) + x.mul_add(y, x) + x.to_degrees() / 100.0 + y.to_radians()
}

/// Function paths `f64::sin(x)` and a constant path.
#[differentiable(jvp)]
fn paths(x: f64) -> f64 {
    f64::sin(x) * f64::exp(x) + f64::sqrt(x) + std::f64::consts::PI * f64::powi(x, 2)
}

#[test]
fn scalar_arithmetic() {
    for (x, y) in [(0.7, 1.3), (-1.1, 0.4), (2.0, -0.9)] {
        let (vx, vy) = (0.6, -1.4);
        let (value, t) = arith_jvp(x, y, (vx, vy));
        assert_same_value(&value, &arith(x, y));
        assert_fd(|s| arith(x + s * vx, y + s * vy), &t, 2.0, F64);
        assert_dot(
            t,
            dot(&arith_grad_0(x, y), &vx) + dot(&arith_grad_1(x, y), &vy),
            F64,
        );
    }
}

#[test]
fn scalar_unary_families() {
    for x in [0.3, 0.55, 0.8] {
        let t = check1(
            |x| exp_log(*x),
            |x, v| exp_log_jvp(*x, (v,)),
            |x| exp_log_grad(*x),
            &x,
            &1.0,
            F64,
        );
        // d/dx along v = 1.
        let want = x.exp() * (x * x + 1.0).ln()
            + x.exp() * 2.0 * x / (x * x + 1.0)
            + x.exp2() * std::f64::consts::LN_2
            + x.exp()
            + 1.0 / (1.0 + x)
            + 1.0 / (x * std::f64::consts::LN_2)
            + 1.0 / (x * std::f64::consts::LN_10);
        assert_closed(t, want, 1e-13);
        check1(
            |x| trig(*x),
            |x, v| trig_jvp(*x, (v,)),
            |x| trig_grad(*x),
            &x,
            &-0.7,
            F64,
        );
        check1(
            |x| hyperbolic(*x),
            |x, v| hyperbolic_jvp(*x, (v,)),
            |x| hyperbolic_grad(*x),
            &x,
            &2.5,
            F64,
        );
        let t = check1(
            |x| roots_powers(*x),
            |x, v| roots_powers_jvp(*x, (v,)),
            |x| roots_powers_grad(*x),
            &x,
            &1.0,
            F64,
        );
        let want = 0.5 / x.sqrt() + x.cbrt() / (3.0 * x) - 1.0 / (x * x)
            + 3.0 * x * x
            + 2.0 / x.powi(3)
            + 2.5 * x.powf(1.5);
        assert_closed(t, want, 1e-13);
        check1(
            |x| paths(*x),
            |x, v| paths_jvp(*x, (v,)),
            |x| paths_grad(*x),
            &x,
            &0.8,
            F64,
        );
    }
}

#[test]
fn scalar_binary_and_piecewise() {
    for (x, p) in [(1.3, 0.7), (0.6, 2.2)] {
        let (vx, vp) = (0.4, -1.1);
        let (value, t) = powf_both_jvp(x, p, (vx, vp));
        assert_same_value(&value, &powf_both(x, p));
        assert_fd(|s| powf_both(x + s * vx, p + s * vp), &t, 2.0, F64);
        let want = vx * (p * x.powf(p - 1.0) + p.powf(x) * p.ln())
            + vp * (x.powf(p) * x.ln() + x * p.powf(x - 1.0));
        assert_closed(t, want, 1e-13);
        assert_dot(
            t,
            dot(&powf_both_grad_0(x, p), &vx) + dot(&powf_both_grad_1(x, p), &vp),
            F64,
        );
    }
    // Both sides of every kink.
    for (x, y) in [
        (0.1, 0.5),
        (-0.1, -0.5),
        (0.7, 0.2),
        (-0.7, 1.5),
        (1.3, -2.0),
    ] {
        let (vx, vy) = (1.2, 0.8);
        let (value, t) = nonsmooth_jvp(x, y, (vx, vy));
        assert_same_value(&value, &nonsmooth(x, y));
        assert_fd(|s| nonsmooth(x + s * vx, y + s * vy), &t, 2.0, F64);
        assert_dot(
            t,
            dot(&nonsmooth_grad_0(x, y), &vx) + dot(&nonsmooth_grad_1(x, y), &vy),
            F64,
        );
    }
    for (x, y) in [(0.8, 1.5), (-1.2, 0.3), (0.5, -2.0)] {
        let (vx, vy) = (-0.3, 0.9);
        let (value, t) = binary_fns_jvp(x, y, (vx, vy));
        assert_same_value(&value, &binary_fns(x, y));
        assert_fd(|s| binary_fns(x + s * vx, y + s * vy), &t, 2.0, F64);
        assert_dot(
            t,
            dot(&binary_fns_grad_0(x, y), &vx) + dot(&binary_fns_grad_1(x, y), &vy),
            F64,
        );
    }
}

// =============================================================================================
// Output independent of the parameters
// =============================================================================================

/// The output is a constant: its tangent is zero.
#[differentiable(jvp)]
fn constant_output(x: &Array1<f64>) -> f64 {
    let _unused = x * 2.0;
    let n = x.len() as f64;
    n * 0.5 + 3.0
}

/// The output depends on `x` only through derivative-free operations.
#[differentiable(jvp)]
fn flat_output(x: &Array1<f64>, y: f64) -> f64 {
    stop_gradient(x.sum()) * 2.0 + y.floor() + y.round() + stop_gradient(y * y)
}

/// An array output that does not depend on the parameter (its zero tangent is made before the value
/// is returned).
#[differentiable(vjp, jvp)]
fn constant_array(x: &Array1<f64>) -> Array1<f64> {
    Array1::zeros(x.len())
}

#[test]
fn an_output_that_does_not_depend_on_the_parameters_has_a_zero_tangent() {
    let x3 = vect(3, 0.2);
    let (value, t) = constant_array_jvp(&x3, (vect(3, 0.9),));
    assert_eq!(value, Array1::<f64>::zeros(3));
    assert_eq!(t, Array1::<f64>::zeros(3));
    let x = vect(4, 0.3);
    let v = vect(4, 1.7);
    let (value, t) = constant_output_jvp(&x, (v.clone(),));
    assert_same_value(&value, &constant_output(&x));
    assert_eq!(t, 0.0);
    let (value, t) = flat_output_jvp(&x, 1.3, (v, 0.5));
    assert_same_value(&value, &flat_output(&x, 1.3));
    assert_eq!(t, 0.0);
}

// =============================================================================================
// Arrays: broadcasting, unary methods, reductions
// =============================================================================================

/// A row vector broadcast over a matrix's rows, scalar·array both ways.
#[differentiable(jvp)]
fn broadcast_row(m: &Array2<f64>, x: &Array1<f64>) -> f64 {
    let a = m * x + x * 2.0 - 1.0;
    let b = 0.5 * &a / (2.0 + x * x);
    (&a * &b).sum() + (m - x).sum() + (3.0 - x).sum()
}

/// A (3,1) column against a (3,4) matrix, and co-broadcasting (3,1) with (1,4).
#[differentiable(jvp)]
fn broadcast_col(m: &Array2<f64>, c: &Array2<f64>, r: &Array2<f64>) -> f64 {
    ((m - c).powi(2) + (c * r).sin()).sum()
}

/// A scalar and an array, both active.
#[differentiable(jvp)]
fn scalar_array(a: f64, x: &Array1<f64>) -> f64 {
    (a * x + x / a).exp().sum() + (a - x).powi(2).mean().unwrap()
}

/// Every unary family as an array method.
#[differentiable(jvp)]
fn array_unary(x: &Array1<f64>) -> f64 {
    let a = x.exp() + x.ln() + x.sqrt() + x.sin() * x.cos() + x.tanh();
    let b = x.powi(3) + x.powf(1.5) + x.mapv(f64::abs) + x.recip() + x.pow2();
    let c = x.clamp(1.0, 1.5);
    (a * b + c).sum()
}

/// Reductions: sum, mean, sum_axis, mean_axis, product.
#[differentiable(jvp)]
fn reductions(m: &Array2<f64>) -> f64 {
    let cols = m.sum_axis(Axis(0));
    let rows = m.mean_axis(Axis(1)).unwrap();
    (&cols * &cols).sum() + rows.sum() * m.mean().unwrap() + m.sum() + (m + 2.0).product()
}

/// Closed form: the JVP of sum(x^2) along v is 2 x·v.
#[differentiable(jvp)]
fn sum_sq(x: &Array1<f64>) -> f64 {
    (x * x).sum()
}

#[test]
fn arrays_with_broadcasting() {
    let (m, x) = (mat(3, 4, 0.2), vect(4, 0.9));
    let (vm, vx) = (mat(3, 4, 1.4), vect(4, -0.6));
    let (value, t) = broadcast_row_jvp(&m, &x, (vm.clone(), vx.clone()));
    assert_same_value(&value, &broadcast_row(&m, &x));
    assert_fd(
        |s| broadcast_row(&shift(&m, s, &vm), &shift(&x, s, &vx)),
        &t,
        1.0,
        F64,
    );
    assert_dot(
        t,
        dot(&broadcast_row_grad_0(&m, &x), &vm) + dot(&broadcast_row_grad_1(&m, &x), &vx),
        F64,
    );

    let (c, r) = (mat(3, 1, 0.5), mat(1, 4, -0.8));
    let (vc, vr) = (mat(3, 1, 2.1), mat(1, 4, 0.3));
    let (value, t) = broadcast_col_jvp(&m, &c, &r, (vm.clone(), vc.clone(), vr.clone()));
    assert_same_value(&value, &broadcast_col(&m, &c, &r));
    assert_fd(
        |s| broadcast_col(&shift(&m, s, &vm), &shift(&c, s, &vc), &shift(&r, s, &vr)),
        &t,
        1.0,
        F64,
    );
    assert_dot(
        t,
        dot(&broadcast_col_grad_0(&m, &c, &r), &vm)
            + dot(&broadcast_col_grad_1(&m, &c, &r), &vc)
            + dot(&broadcast_col_grad_2(&m, &c, &r), &vr),
        F64,
    );

    let (a, va) = (0.8, -0.45);
    let (value, t) = scalar_array_jvp(a, &x, (va, vx.clone()));
    assert_same_value(&value, &scalar_array(a, &x));
    assert_fd(
        |s| scalar_array(a + s * va, &shift(&x, s, &vx)),
        &t,
        1.0,
        F64,
    );
    assert_dot(
        t,
        dot(&scalar_array_grad_0(a, &x), &va) + dot(&scalar_array_grad_1(a, &x), &vx),
        F64,
    );
}

#[test]
fn array_unary_families_and_reductions() {
    // x in (0.7, 1.7): the clamp's bounds 1.0 and 1.5 are avoided by more than the step.
    let x = array![0.8, 1.1, 1.3, 1.6, 0.95];
    let v = vect(5, 0.4);
    check1(
        array_unary,
        |x, v| array_unary_jvp(x, (v,)),
        array_unary_grad,
        &x,
        &v,
        F64,
    );

    let m = mat(3, 4, 0.7);
    check1(
        reductions,
        |m, v| reductions_jvp(m, (v,)),
        reductions_grad,
        &m,
        &mat(3, 4, -1.2),
        F64,
    );

    let (x, v) = (vect(6, 0.1), vect(6, 2.3));
    let t = check1(sum_sq, |x, v| sum_sq_jvp(x, (v,)), sum_sq_grad, &x, &v, F64);
    assert_closed(t, 2.0 * x.dot(&v), 1e-14);
}

// =============================================================================================
// dot, slices, mapv
// =============================================================================================

/// Closed form: x·vy + vx·y.
#[differentiable(jvp)]
fn dot_vv(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    x.dot(y)
}

#[differentiable(jvp)]
fn dot_mv(a: &Array2<f64>, x: &Array1<f64>) -> f64 {
    a.dot(x).tanh().sum() + x.dot(&a.t()).sin().sum()
}

/// Closed form: 2 sum(C ⊙ (vA B + A vB)) with C = A B.
#[differentiable(jvp)]
fn dot_mm(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    a.dot(b).powi(2).sum()
}

#[differentiable(jvp)]
fn slices(x: &Array1<f64>) -> f64 {
    let d = &x.slice(s![1..]) - &x.slice(s![..-1]);
    (&d * &d).sum() + x.slice(s![..;2]).powi(2).sum() + x.slice(s![..;-1]).dot(x)
}

#[differentiable(jvp)]
fn slices2d(m: &Array2<f64>) -> f64 {
    m.slice(s![1.., ..2]).exp().sum() * m.slice(s![0, ..]).sum()
}

#[differentiable(jvp)]
fn mapv_path(x: &Array1<f64>) -> f64 {
    x.mapv(f64::tanh).sum() + x.mapv(f64::sin).dot(x)
}

/// A closure reading an active outer value.
#[differentiable(jvp)]
fn mapv_closure(x: &Array1<f64>, mu: f64) -> f64 {
    let c = x.mapv(|v| (v - mu).powi(2) + (v * mu).sin());
    c.sum() / x.len() as f64
}

#[test]
fn dot_products() {
    let (x, y) = (vect(5, 0.2), vect(5, 1.9));
    let (vx, vy) = (vect(5, -0.4), vect(5, 0.6));
    let (value, t) = dot_vv_jvp(&x, &y, (vx.clone(), vy.clone()));
    assert_same_value(&value, &dot_vv(&x, &y));
    assert_closed(t, x.dot(&vy) + vx.dot(&y), 1e-14);
    assert_fd(
        |s| dot_vv(&shift(&x, s, &vx), &shift(&y, s, &vy)),
        &t,
        1.0,
        F64,
    );
    assert_dot(
        t,
        dot(&dot_vv_grad_0(&x, &y), &vx) + dot(&dot_vv_grad_1(&x, &y), &vy),
        F64,
    );

    let (a, va) = (mat(5, 5, 0.3), mat(5, 5, -2.0));
    let (value, t) = dot_mv_jvp(&a, &x, (va.clone(), vx.clone()));
    assert_same_value(&value, &dot_mv(&a, &x));
    assert_fd(
        |s| dot_mv(&shift(&a, s, &va), &shift(&x, s, &vx)),
        &t,
        1.0,
        F64,
    );
    assert_dot(
        t,
        dot(&dot_mv_grad_0(&a, &x), &va) + dot(&dot_mv_grad_1(&a, &x), &vx),
        F64,
    );

    let (a, b) = (mat(3, 4, 0.1), mat(4, 2, 0.9));
    let (va, vb) = (mat(3, 4, 1.7), mat(4, 2, -0.2));
    let (value, t) = dot_mm_jvp(&a, &b, (va.clone(), vb.clone()));
    assert_same_value(&value, &dot_mm(&a, &b));
    let want = 2.0 * (a.dot(&b) * (va.dot(&b) + a.dot(&vb))).sum();
    assert_closed(t, want, 1e-13);
    assert_fd(
        |s| dot_mm(&shift(&a, s, &va), &shift(&b, s, &vb)),
        &t,
        1.0,
        F64,
    );
    assert_dot(
        t,
        dot(&dot_mm_grad_0(&a, &b), &va) + dot(&dot_mm_grad_1(&a, &b), &vb),
        F64,
    );
}

#[test]
fn slices_and_mapv() {
    let x = vect(7, 0.5);
    let v = vect(7, 3.1);
    check1(slices, |x, v| slices_jvp(x, (v,)), slices_grad, &x, &v, F64);
    let m = mat(3, 4, -0.3);
    check1(
        slices2d,
        |m, v| slices2d_jvp(m, (v,)),
        slices2d_grad,
        &m,
        &mat(3, 4, 0.6),
        F64,
    );
    check1(
        mapv_path,
        |x, v| mapv_path_jvp(x, (v,)),
        mapv_path_grad,
        &x,
        &v,
        F64,
    );

    let (mu, vmu) = (0.35, 1.3);
    let (value, t) = mapv_closure_jvp(&x, mu, (v.clone(), vmu));
    assert_same_value(&value, &mapv_closure(&x, mu));
    assert_fd(
        |s| mapv_closure(&shift(&x, s, &v), mu + s * vmu),
        &t,
        1.0,
        F64,
    );
    assert_dot(
        t,
        dot(&mapv_closure_grad_0(&x, mu), &v) + dot(&mapv_closure_grad_1(&x, mu), &vmu),
        F64,
    );
}

// =============================================================================================
// Branches
// =============================================================================================

#[differentiable(jvp)]
fn branch_stmt(x: f64, y: f64) -> f64 {
    let mut s = x * 0.5;
    if x > y {
        s = s * y + x.sin();
    } else {
        s -= y * y;
    }
    if s < 0.0 {
        s = -s;
    }
    s.exp()
}

/// `if` as an expression, with an `else if` chain and a value from each arm.
#[differentiable(jvp)]
fn branch_expr(x: &Array1<f64>) -> f64 {
    let total = x.sum();
    let y = if total > 1.0 {
        (x * x).sum()
    } else if total > -1.0 {
        x.sin().sum() * total
    } else {
        x.exp().mean().unwrap()
    };
    y + if x[0] > 0.0 { x[0] * 3.0 } else { x[1] }
}

/// An early return guard.
#[differentiable(jvp)]
fn early_return(x: f64) -> f64 {
    if x > 1.0 {
        return x.ln() * x;
    }
    let y = x * x;
    y.cos()
}

#[test]
fn branches() {
    for (x, y) in [(0.9, 0.2), (0.2, 0.9), (-1.5, 0.3), (1.2, -2.0)] {
        let (vx, vy) = (0.7, -0.3);
        let (value, t) = branch_stmt_jvp(x, y, (vx, vy));
        assert_same_value(&value, &branch_stmt(x, y));
        assert_fd(|s| branch_stmt(x + s * vx, y + s * vy), &t, 2.0, F64);
        assert_dot(
            t,
            dot(&branch_stmt_grad_0(x, y), &vx) + dot(&branch_stmt_grad_1(x, y), &vy),
            F64,
        );
    }
    // One point in each arm of both `if`s.
    for x in [
        array![0.8, 0.5, 0.4],
        array![-0.2, 0.4, 0.1],
        array![-0.9, -0.8, 0.3],
    ] {
        let v = array![0.3, -0.7, 1.1];
        check1(
            branch_expr,
            |x, v| branch_expr_jvp(x, (v,)),
            branch_expr_grad,
            &x,
            &v,
            F64,
        );
    }
    for x in [0.4, 1.7] {
        let t = check1(
            |x| early_return(*x),
            |x, v| early_return_jvp(*x, (v,)),
            |x| early_return_grad(*x),
            &x,
            &1.0,
            F64,
        );
        let want = if x > 1.0 {
            x.ln() + 1.0
        } else {
            -(x * x).sin() * 2.0 * x
        };
        assert_closed(t, want, 1e-14);
    }
}

// =============================================================================================
// Loops
// =============================================================================================

#[differentiable(jvp)]
fn rosenbrock(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

/// `for v in x.iter()` with a branch on the element, and `for &v in`.
#[differentiable(jvp)]
fn for_iter(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    let mut p = 1.0;
    for v in x.iter() {
        if *v > 0.0 {
            s += v * v;
        } else {
            s -= v.sin();
        }
    }
    for &v in x.iter() {
        p = p * (1.0 + 0.1 * v) + s * 0.01;
    }
    s * p
}

/// Reverse and strided ranges, and `continue`.
#[differentiable(jvp)]
fn ranges(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in (0..x.len()).rev() {
        s = s * 0.5 + x[i];
    }
    for i in (0..x.len()).step_by(2) {
        if i == 2 {
            continue;
        }
        s += x[i].powi(3);
    }
    s
}

/// Newton's iteration for the square root: a `while` loop with an integer counter.
#[differentiable(jvp)]
fn newton_sqrt(a: f64) -> f64 {
    let mut y = a;
    let mut k = 0;
    while k < 30 {
        y = 0.5 * (y + a / y);
        k += 1;
    }
    y
}

/// `loop` with `break`: Horner's rule with active coefficients and point.
#[differentiable(jvp)]
fn horner(c: &Array1<f64>, x: f64) -> f64 {
    let mut acc = 0.0;
    let mut i = 0;
    loop {
        acc = acc * x + c[i];
        i += 1;
        if i >= c.len() {
            break;
        }
    }
    acc
}

/// A `while` whose condition reads an active value (the trip count is fixed near the point).
#[differentiable(jvp)]
fn while_active(x: f64) -> f64 {
    let mut y = x;
    let mut n = 0.0;
    while y < 10.0 {
        y = y * 1.5 + 0.1;
        n += 1.0;
    }
    y * n
}

#[test]
fn loops() {
    let x = array![0.5, -0.3, 1.2, 0.8, -1.1];
    let v = array![1.0, 0.4, -0.6, 0.2, 0.9];
    let t = check1(
        rosenbrock,
        |x, v| rosenbrock_jvp(x, (v,)),
        rosenbrock_grad,
        &x,
        &v,
        F64,
    );
    let mut want = 0.0;
    for i in 0..4 {
        let r = x[i + 1] - x[i] * x[i];
        want += 200.0 * r * (v[i + 1] - 2.0 * x[i] * v[i]) - 2.0 * (1.0 - x[i]) * v[i];
    }
    assert_closed(t, want, 1e-13);
    check1(
        for_iter,
        |x, v| for_iter_jvp(x, (v,)),
        for_iter_grad,
        &x,
        &v,
        F64,
    );
    check1(ranges, |x, v| ranges_jvp(x, (v,)), ranges_grad, &x, &v, F64);

    let a = 2.7;
    let t = check1(
        |a| newton_sqrt(*a),
        |a, v| newton_sqrt_jvp(*a, (v,)),
        |a| newton_sqrt_grad(*a),
        &a,
        &1.0,
        F64,
    );
    assert_closed(t, 0.5 / a.sqrt(), 1e-14);

    let (c, xs) = (array![0.5, -1.0, 2.0, 0.3], 0.7);
    let (vc, vxs) = (array![0.1, 0.2, -0.3, 0.4], -0.5);
    let (value, t) = horner_jvp(&c, xs, (vc.clone(), vxs));
    assert_same_value(&value, &horner(&c, xs));
    // p(x) = c0 x^3 + c1 x^2 + c2 x + c3.
    let dp = 3.0 * c[0] * xs * xs + 2.0 * c[1] * xs + c[2];
    let want = vc[0] * xs.powi(3) + vc[1] * xs * xs + vc[2] * xs + vc[3] + dp * vxs;
    assert_closed(t, want, 1e-14);
    assert_fd(|s| horner(&shift(&c, s, &vc), xs + s * vxs), &t, 2.0, F64);
    assert_dot(
        t,
        dot(&horner_grad_0(&c, xs), &vc) + dot(&horner_grad_1(&c, xs), &vxs),
        F64,
    );

    for x in [0.3, 2.0, 7.0] {
        check1(
            |x| while_active(*x),
            |x, v| while_active_jvp(*x, (v,)),
            |x| while_active_grad(*x),
            &x,
            &1.0,
            F64,
        );
    }
}

// =============================================================================================
// Element writes into local arrays
// =============================================================================================

/// `y[i] = ..` then `y[i] += ..` reading the previous element, then the whole array read after the loops.
#[differentiable(jvp)]
fn elem_writes(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = Array1::zeros(n);
    for i in 0..n {
        y[i] = x[i] * x[i];
    }
    for i in 1..n {
        y[i] += y[i - 1] * 0.5;
    }
    y[0] -= x[n - 1];
    y[n - 1] *= x[0];
    y[1] /= 2.0 + x[1] * x[1];
    (&y * &y).sum() + y[2]
}

/// A linear recurrence `y[t] = y[t-1] a + x[t]`, overwriting elements it read.
#[differentiable(jvp)]
fn recurrence(x: &Array1<f64>, a: f64) -> f64 {
    let mut y = x.to_owned();
    for t in 1..x.len() {
        y[t] = y[t - 1] * a + x[t];
    }
    for t in 0..x.len() {
        y[t] = y[t].tanh();
    }
    y.sum()
}

/// A matrix written element by element: the outer product with a diagonal shift.
#[differentiable(jvp)]
fn matrix_writes(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut m = Array2::zeros((n, n));
    for i in 0..n {
        for j in 0..n {
            m[[i, j]] = x[i] * x[j];
        }
        m[[i, i]] += 1.0 + x[i].sin();
    }
    m.dot(x).powi(2).sum()
}

/// A local `vec!` written and read back.
#[differentiable(jvp)]
fn vec_writes(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut w = vec![0.0; n];
    let mut s = 0.0;
    for i in 0..n {
        w[i] = x[i].exp();
        if i > 0 {
            w[i] += w[i - 1];
        }
        s += w[i] * x[i];
    }
    s
}

#[test]
fn element_writes() {
    let x = array![0.4, -0.9, 1.3, 0.2];
    let v = array![0.5, 1.0, -0.2, 0.7];
    check1(
        elem_writes,
        |x, v| elem_writes_jvp(x, (v,)),
        elem_writes_grad,
        &x,
        &v,
        F64,
    );
    check1(
        matrix_writes,
        |x, v| matrix_writes_jvp(x, (v,)),
        matrix_writes_grad,
        &x,
        &v,
        F64,
    );
    check1(
        vec_writes,
        |x, v| vec_writes_jvp(x, (v,)),
        vec_writes_grad,
        &x,
        &v,
        F64,
    );

    let (a, va) = (0.8, 0.3);
    let (value, t) = recurrence_jvp(&x, a, (v.clone(), va));
    assert_same_value(&value, &recurrence(&x, a));
    assert_fd(|s| recurrence(&shift(&x, s, &v), a + s * va), &t, 2.0, F64);
    assert_dot(
        t,
        dot(&recurrence_grad_0(&x, a), &v) + dot(&recurrence_grad_1(&x, a), &va),
        F64,
    );
}

// =============================================================================================
// Structs with #[derive(Differentiable)]
// =============================================================================================

#[derive(Clone, Debug, PartialEq, Differentiable)]
struct Layer {
    w: Array2<f64>,
    b: Array1<f64>,
}

#[derive(Clone, Debug, PartialEq, Differentiable)]
struct Model {
    hidden: Layer,
    out: Array1<f64>,
    scale: f64,
    /// A constant: copied into tangents.
    steps: usize,
}

#[differentiable(jvp)]
fn model_loss(m: &Model, x: &Array1<f64>) -> f64 {
    let h = (m.hidden.w.dot(x) + &m.hidden.b).tanh();
    let y = m.out.dot(&h) * m.scale;
    (y - 1.0).powi(2) * m.steps as f64
}

impl Model {
    #[differentiable(jvp)]
    fn energy(&self, x: &Array1<f64>) -> f64 {
        let mut e = 0.0;
        for i in 0..x.len() {
            e += self.out[i] * x[i] * self.scale;
        }
        e * e
    }
}

fn model(seed: f64) -> Model {
    Model {
        hidden: Layer {
            w: mat(3, 2, seed),
            b: vect(3, seed + 1.0),
        },
        out: vect(3, seed - 0.5),
        scale: 1.5 + seed,
        steps: 2,
    }
}

#[test]
fn struct_parameters() {
    let (m, vm) = (model(0.2), model(1.1));
    let (x, vx) = (array![0.4, -0.7], array![0.9, 0.3]);
    let (value, t) = model_loss_jvp(&m, &x, (vm.clone(), vx.clone()));
    assert_same_value(&value, &model_loss(&m, &x));
    assert_fd(
        |s| model_loss(&shift(&m, s, &vm), &shift(&x, s, &vx)),
        &t,
        2.0,
        F64,
    );
    assert_dot(
        t,
        dot(&model_loss_grad_0(&m, &x), &vm) + dot(&model_loss_grad_1(&m, &x), &vx),
        F64,
    );

    let x3 = array![0.4, -0.7, 1.1];
    let v3 = array![0.2, 0.5, -0.8];
    let (value, t) = m.energy_jvp(&x3, (vm.clone(), v3.clone()));
    assert_same_value(&value, &m.energy(&x3));
    assert_fd(
        |s| shift(&m, s, &vm).energy(&shift(&x3, s, &v3)),
        &t,
        2.0,
        F64,
    );
    assert_dot(
        t,
        dot(&m.energy_grad_0(&x3), &vm) + dot(&m.energy_grad_1(&x3), &v3),
        F64,
    );
}

// =============================================================================================
// has_aux, argnums, wrt, constants
// =============================================================================================

#[differentiable(has_aux, jvp)]
fn aux_loss(x: &Array1<f64>) -> (f64, Array1<f64>) {
    let y = x.tanh();
    let loss = y.powi(2).sum();
    (loss, y)
}

#[differentiable(argnums = (0, 1), has_aux, jvp)]
fn aux_two(w: &Array1<f64>, b: f64, x: &Array2<f64>) -> (f64, f64) {
    let z = x.dot(w) + b;
    let loss = z.powi(2).mean().unwrap();
    let zsum = z.sum();
    (loss, zsum)
}

/// `argnums = 1` selects `y` for `f_grad`; `f_jvp` still takes tangents for x, y and z.
#[differentiable(argnums = 1, jvp)]
fn pick_one(x: &Array1<f64>, y: f64, z: &Array2<f64>) -> f64 {
    (z.dot(x) * y).sin().sum() + y * y * x.sum()
}

#[differentiable(wrt = (b, w), jvp)]
fn by_name(w: &Array1<f64>, b: f64, x: &Array2<f64>) -> f64 {
    (x.dot(w) + b).mapv(f64::tanh).powi(2).sum()
}

/// Constant parameters of several kinds: no slot in the tangents.
#[differentiable(jvp)]
fn with_constants(x: &Array1<f64>, k: usize, flag: bool, p: i32, idx: &[usize]) -> f64 {
    let mut s = x.powi(p).sum() * k as f64;
    if flag {
        s += x[idx[0]] * x[idx[1]];
    }
    s
}

/// A parameter named `tangents` (the generated function's own parameter takes another name).
#[differentiable(jvp)]
fn named_tangents(tangents: &Array1<f64>, y: f64) -> f64 {
    (tangents * y).exp().sum()
}

#[test]
fn has_aux() {
    let x = array![0.5, -1.0, 2.0];
    let v = array![0.3, 0.8, -0.4];
    let (value, t, aux) = aux_loss_jvp(&x, (v.clone(),));
    let (want_value, want_aux) = aux_loss(&x);
    assert_same_value(&value, &want_value);
    assert_eq!(aux, want_aux);
    // Closed form: 2 sum(y (1 - y^2) v).
    let y = x.tanh();
    assert_closed(t, (2.0 * &y * (1.0 - &y * &y) * &v).sum(), 1e-14);
    assert_fd(|s| aux_loss(&shift(&x, s, &v)).0, &t, 2.0, F64);
    let (g, _) = aux_loss_grad(&x);
    assert_dot(t, dot(&g, &v), F64);

    let (w, b, xm) = (vect(3, 0.1), 0.4, mat(5, 3, 0.6));
    let (vw, vb, vxm) = (vect(3, 1.5), -0.7, mat(5, 3, 2.2));
    let (value, t, aux) = aux_two_jvp(&w, b, &xm, (vw.clone(), vb, vxm.clone()));
    let (want_value, want_aux) = aux_two(&w, b, &xm);
    assert_same_value(&value, &want_value);
    assert_eq!(aux.to_bits(), want_aux.to_bits());
    assert_fd(
        |s| aux_two(&shift(&w, s, &vw), b + s * vb, &shift(&xm, s, &vxm)).0,
        &t,
        1.0,
        F64,
    );
    let ((gw, gb), _) = aux_two_grad(&w, b, &xm);
    let (gx, _) = aux_two_grad_2(&w, b, &xm);
    assert_dot(t, dot(&gw, &vw) + dot(&gb, &vb) + dot(&gx, &vxm), F64);
}

#[test]
fn argnums_and_wrt_do_not_change_the_tangents() {
    let (x, y, z) = (vect(3, 0.4), 0.6, mat(4, 3, -0.1));
    let (vx, vy, vz) = (vect(3, -1.0), 1.2, mat(4, 3, 0.8));
    let (value, t) = pick_one_jvp(&x, y, &z, (vx.clone(), vy, vz.clone()));
    assert_same_value(&value, &pick_one(&x, y, &z));
    assert_fd(
        |s| pick_one(&shift(&x, s, &vx), y + s * vy, &shift(&z, s, &vz)),
        &t,
        1.0,
        F64,
    );
    let gy: f64 = pick_one_grad(&x, y, &z);
    assert_eq!(gy, pick_one_grad_1(&x, y, &z));
    assert_dot(
        t,
        dot(&pick_one_grad_0(&x, y, &z), &vx)
            + dot(&gy, &vy)
            + dot(&pick_one_grad_2(&x, y, &z), &vz),
        F64,
    );
    // Along y alone, the JVP is f_grad (the selected parameter's derivative) times its tangent.
    let (_, ty) = pick_one_jvp(&x, y, &z, (vx.zeros_like(), 1.0, vz.zeros_like()));
    assert_dot(ty, dot(&gy, &1.0), F64);

    let (w, b, xm) = (vect(3, 0.9), -0.2, mat(4, 3, 0.5));
    let (vw, vb, vxm) = (vect(3, 0.2), 0.5, mat(4, 3, -0.9));
    let (value, t) = by_name_jvp(&w, b, &xm, (vw.clone(), vb, vxm.clone()));
    assert_same_value(&value, &by_name(&w, b, &xm));
    assert_fd(
        |s| by_name(&shift(&w, s, &vw), b + s * vb, &shift(&xm, s, &vxm)),
        &t,
        1.0,
        F64,
    );
    let (gb, gw) = by_name_grad(&w, b, &xm);
    assert_dot(
        t,
        dot(&gw, &vw) + dot(&gb, &vb) + dot(&by_name_grad_2(&w, b, &xm), &vxm),
        F64,
    );
}

#[test]
fn constant_parameters_have_no_tangent() {
    let x = array![0.5, -1.2, 0.8, 1.4];
    let v = array![1.0, 0.3, -0.5, 0.2];
    let idx = [1usize, 3];
    for flag in [true, false] {
        let t = check1(
            |x| with_constants(x, 3, flag, 3, &idx),
            |x, v| with_constants_jvp(x, 3, flag, 3, &idx, (v,)),
            |x| with_constants_grad(x, 3, flag, 3, &idx),
            &x,
            &v,
            F64,
        );
        let mut want = 9.0 * (&x * &x * &v).sum();
        if flag {
            want += v[1] * x[3] + x[1] * v[3];
        }
        assert_closed(t, want, 1e-14);
    }

    let (y, vy) = (0.7, -0.4);
    let (value, t) = named_tangents_jvp(&x, y, (v.clone(), vy));
    assert_same_value(&value, &named_tangents(&x, y));
    let want = ((&x * y).exp() * (&v * y + &x * vy)).sum();
    assert_closed(t, want, 1e-14);
}

// =============================================================================================
// Vec, slice, fixed-array and view parameters
// =============================================================================================

#[differentiable(jvp)]
fn vec_param(x: Vec<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i] * (i as f64 + 1.0);
    }
    s
}

#[differentiable(jvp)]
fn slice_param(x: &[f64], y: f64) -> f64 {
    let mut s = y;
    for v in x.iter() {
        s = s * v + v.sin();
    }
    s
}

#[differentiable(jvp)]
fn fixed_param(p: [f64; 3]) -> f64 {
    p[0] * p[1].exp() + p[2].powi(2) * p[0]
}

#[differentiable(jvp)]
fn view_param(x: ArrayView1<f64>) -> f64 {
    x.powi(3).sum()
}

#[test]
fn vec_slice_fixed_and_view_parameters() {
    let x = vec![0.5, -1.0, 2.0, 0.3];
    let v = vec![0.2, 0.7, -0.4, 1.0];
    let t = check1(
        |x: &Vec<f64>| vec_param(x.clone()),
        |x, v| vec_param_jvp(x.clone(), (v,)),
        |x| vec_param_grad(x.clone()),
        &x,
        &v,
        F64,
    );
    let want: f64 = (0..4).map(|i| 2.0 * x[i] * v[i] * (i as f64 + 1.0)).sum();
    assert_closed(t, want, 1e-14);

    let (y, vy) = (0.3, 0.9);
    let (value, t) = slice_param_jvp(&x, y, (v.clone(), vy));
    assert_same_value(&value, &slice_param(&x, y));
    assert_fd(|s| slice_param(&shift(&x, s, &v), y + s * vy), &t, 2.0, F64);
    assert_dot(
        t,
        dot(&slice_param_grad_0(&x, y), &v) + dot(&slice_param_grad_1(&x, y), &vy),
        F64,
    );

    let p = [0.4, -0.3, 1.1];
    let vp = [1.0, 0.5, -0.25];
    check1(
        |p| fixed_param(*p),
        |p, v| fixed_param_jvp(*p, (v,)),
        |p| fixed_param_grad(*p),
        &p,
        &vp,
        F64,
    );

    let xa = array![0.5, -1.0, 2.0];
    let va = array![0.2, 0.7, -0.4];
    let (value, t) = view_param_jvp(xa.view(), (va.clone(),));
    assert_same_value(&value, &view_param(xa.view()));
    assert_closed(t, (3.0 * &xa * &xa * &va).sum(), 1e-14);
    assert_dot(t, dot(&view_param_grad(xa.view()), &va), F64);
}

// =============================================================================================
// f32
// =============================================================================================

#[differentiable(jvp)]
fn scalar32(x: f32, y: f32) -> f32 {
    (x * y).sin() + x.exp() / y + x.powi(3) - y.sqrt() * x.tanh()
}

#[differentiable(jvp)]
fn array32(x: &Array1<f32>, m: &Array2<f32>) -> f32 {
    (m.dot(x) + x * 0.5).mapv(|v| v * v + v.sin()).sum() + x.slice(s![1..]).sum()
}

#[differentiable(jvp)]
fn loop32(x: &Array1<f32>) -> f32 {
    let mut s = 0.0;
    let mut y = Array1::zeros(x.len());
    for i in 0..x.len() {
        y[i] = x[i] * 2.0 - s;
        if x[i] > 0.0 {
            s += x[i].ln_1p();
        } else {
            s -= x[i] * x[i];
        }
    }
    s * y.sum()
}

#[test]
fn single_precision() {
    for (x, y) in [(0.7f32, 1.3f32), (-0.4, 0.6)] {
        let (vx, vy) = (0.5f32, -0.8f32);
        let (value, t) = scalar32_jvp(x, y, (vx, vy));
        assert_same_value(&value, &scalar32(x, y));
        assert_fd(
            |s| scalar32(shift(&x, s, &vx), shift(&y, s, &vy)),
            &t,
            2.0,
            F32,
        );
        assert_dot(
            t,
            dot(&scalar32_grad_0(x, y), &vx) + dot(&scalar32_grad_1(x, y), &vy),
            F32,
        );
    }

    let (x, m) = (as_f32(&vect(4, 0.3)), as_f32(&mat(4, 4, 0.8)));
    let (vx, vm) = (as_f32(&vect(4, -1.3)), as_f32(&mat(4, 4, 0.2)));
    let (value, t) = array32_jvp(&x, &m, (vx.clone(), vm.clone()));
    assert_same_value(&value, &array32(&x, &m));
    assert_fd(
        |s| array32(&shift(&x, s, &vx), &shift(&m, s, &vm)),
        &t,
        1.0,
        F32,
    );
    assert_dot(
        t,
        dot(&array32_grad_0(&x, &m), &vx) + dot(&array32_grad_1(&x, &m), &vm),
        F32,
    );

    // Elements at least 0.2 from the branch at 0.
    let x = array![0.5f32, -0.9, 1.4, -0.3, 0.8];
    let v = array![0.4f32, 1.0, -0.6, 0.3, 0.9];
    check1(loop32, |x, v| loop32_jvp(x, (v,)), loop32_grad, &x, &v, F32);
}

// =============================================================================================
// vjp + jvp: array outputs
// =============================================================================================

#[differentiable(vjp, jvp)]
fn layer(w: &Array2<f64>, x: &Array1<f64>) -> Array1<f64> {
    w.dot(x).tanh() * 2.0 + x.slice(s![..2]).exp()
}

#[differentiable(vjp, jvp)]
fn cumulative(x: &Array1<f64>, a: f64) -> Array1<f64> {
    let mut y = Array1::zeros(x.len());
    let mut acc = 0.0;
    for i in 0..x.len() {
        acc = acc * a + x[i];
        y[i] = acc;
    }
    y
}

#[differentiable(vjp, jvp)]
fn scalar_vjp(x: f64) -> f64 {
    x.sin() * x
}

/// Outputs that are a parameter itself: the tangent is the parameter's tangent.
#[differentiable(jvp)]
fn identity(x: f64) -> f64 {
    x
}

#[differentiable(vjp, jvp)]
fn pass_through(x: Array1<f64>) -> Array1<f64> {
    x
}

#[differentiable(vjp, jvp)]
fn copied(x: &Array1<f64>) -> Array1<f64> {
    x.to_owned()
}

#[test]
fn outputs_that_are_parameters() {
    assert_eq!(identity_jvp(0.3, (-1.5,)), (0.3, -1.5));
    let (x, v) = (vect(3, 0.1), vect(3, 0.2));
    assert_eq!(
        pass_through_jvp(x.clone(), (v.clone(),)),
        (x.clone(), v.clone())
    );
    assert_eq!(copied_jvp(&x, (v.clone(),)), (x, v));
}

/// `u · jvp(v)` must equal `pullback(u) · v` for every seed `u`.
#[test]
fn array_outputs_agree_with_the_pullback() {
    let (w, x) = (mat(2, 3, 0.4), vect(3, -0.2));
    let (vw, vx) = (mat(2, 3, 1.9), vect(3, 0.7));
    let (value, t) = layer_jvp(&w, &x, (vw.clone(), vx.clone()));
    assert_same_value(&value, &layer(&w, &x));
    assert_fd(
        |s| layer(&shift(&w, s, &vw), &shift(&x, s, &vx)),
        &t,
        1.0,
        F64,
    );
    for u in [array![1.0, 0.0], array![0.0, 1.0], array![0.3, -1.7]] {
        let (_, pb) = layer_vjp(&w, &x);
        let (gw, gx) = pb(u.clone());
        assert_dot(dot(&u, &t).sum, dot(&gw, &vw) + dot(&gx, &vx), F64);
    }

    let (x, a) = (vect(5, 0.8), 0.6);
    let (vx, va) = (vect(5, 0.1), 0.25);
    let (value, t) = cumulative_jvp(&x, a, (vx.clone(), va));
    assert_same_value(&value, &cumulative(&x, a));
    assert_fd(|s| cumulative(&shift(&x, s, &vx), a + s * va), &t, 1.0, F64);
    let u = vect(5, 2.5);
    let (_, pb) = cumulative_vjp(&x, a);
    let (gx, ga) = pb(u.clone());
    assert_dot(dot(&u, &t).sum, dot(&gx, &vx) + dot(&ga, &va), F64);

    let (value, t) = scalar_vjp_jvp(0.8, (1.0,));
    assert_same_value(&value, &scalar_vjp(0.8));
    assert_closed(t, 0.8f64.cos() * 0.8 + 0.8f64.sin(), 1e-15);
}

// =============================================================================================
// Calls: through the callee's forward rule
// =============================================================================================

/// A callee with a constant parameter between two differentiable ones.
#[differentiable(argnums = (0, 2), jvp)]
fn scaled_wave(x: &Array1<f64>, n: usize, w: f64) -> f64 {
    (x * w).sin().sum() * n as f64
}

/// Calls with active arguments, a constant, a temporary passed by reference, and a literal float
/// argument (whose tangent is zero), nested one level down.
#[differentiable(argnums = (0, 1), jvp)]
fn calls_twice(x: &Array1<f64>, y: f64) -> f64 {
    scaled_wave(x, 2, y) + scaled_wave(&(x * 2.0), 3, 0.5) * y
}

#[differentiable(jvp)]
fn calls_a_caller(y: f64, x: &Array1<f64>) -> f64 {
    calls_twice(x, y * y).tanh()
}

/// A forward rule written by hand: `softsign(x) = x / (1 + |x|)`, `d/dx = 1 / (1 + |x|)^2`.
fn softsign(x: f64) -> f64 {
    x / (1.0 + x.abs())
}

fn softsign_jvp(x: f64, tangents: (f64,)) -> (f64, f64) {
    let d = 1.0 + x.abs();
    (softsign(x), tangents.0 / (d * d))
}

/// Its reverse rule (the function's reverse-mode items call it).
fn softsign_vjp(x: f64) -> (f64, impl FnOnce(f64) -> (f64,)) {
    let d = 1.0 + x.abs();
    (softsign(x), move |g: f64| (g / (d * d),))
}

#[differentiable(jvp)]
fn uses_a_hand_written_rule(x: f64) -> f64 {
    softsign(x * 3.0) + x
}

#[test]
fn calls_go_through_the_callees_forward_rule() {
    let x = vect(5, 0.4);
    let v = vect(5, 1.3);
    let y = 0.7;
    let (value, t) = calls_twice_jvp(&x, y, (v.clone(), 0.25));
    assert_same_value(&value, &calls_twice(&x, y));
    let (gx, gy) = calls_twice_grad(&x, y);
    let want = gx.dot(&v) + gy * 0.25;
    assert!(
        (t - want).abs() <= 1e-12 * want.abs().max(1.0),
        "{t} {want}"
    );
    let h = 1e-6;
    let fd = (calls_twice(&(&x + &(&v * h)), y + 0.25 * h)
        - calls_twice(&(&x - &(&v * h)), y - 0.25 * h))
        / (2.0 * h);
    assert!((t - fd).abs() <= 1e-6 * fd.abs().max(1.0), "{t} {fd}");

    let (value, t) = calls_a_caller_jvp(y, &x, (0.5, v.clone()));
    assert_same_value(&value, &calls_a_caller(y, &x));
    let fd = (calls_a_caller(y + 0.5 * h, &(&x + &(&v * h)))
        - calls_a_caller(y - 0.5 * h, &(&x - &(&v * h))))
        / (2.0 * h);
    assert!((t - fd).abs() <= 1e-6 * fd.abs().max(1.0), "{t} {fd}");

    for x in [-0.8, 0.3] {
        let (value, t) = uses_a_hand_written_rule_jvp(x, (2.0,));
        assert_eq!(value.to_bits(), uses_a_hand_written_rule(x).to_bits());
        let d = 1.0 + (3.0 * x).abs();
        assert!((t - 2.0 * (3.0 / (d * d) + 1.0)).abs() < 1e-14, "{t}");
    }
}

// `autodiff::nn`'s functions through their forward rules (`nn::sigmoid_jvp`, ...), against the gradient's
// directional derivative.
#[differentiable(jvp)]
fn nn_mix(z: &Array2<f64>) -> f64 {
    let a = autodiff::nn::sigmoid(z) + autodiff::nn::relu(z) * 0.5 + autodiff::nn::softplus(z);
    let s = autodiff::nn::softmax(&a, Axis(1));
    let l = autodiff::nn::log_softmax(z, Axis(0));
    let e = autodiff::nn::logsumexp(&a, Axis(1));
    (s * &l).sum() + e.sum() + autodiff::nn::sigmoid(z[[0, 1]] * 2.0)
}

#[test]
fn nn_functions_through_their_forward_rules() {
    let z = Array2::from_shape_fn((3, 4), |(i, j)| {
        (i as f64 * 0.9 - j as f64 * 0.6).sin() * 2.0
    });
    let v = Array2::from_shape_fn((3, 4), |(i, j)| ((i * 4 + j) % 5) as f64 * 0.25 - 0.5);
    let (value, t) = nn_mix_jvp(&z, (v.clone(),));
    assert_eq!(value.to_bits(), nn_mix(&z).to_bits());
    let g = nn_mix_grad(&z);
    let want: f64 = g.iter().zip(&v).map(|(g, v)| g * v).sum();
    let scale: f64 = g
        .iter()
        .zip(&v)
        .map(|(g, v)| (g * v).abs())
        .sum::<f64>()
        .max(1.0);
    assert!((t - want).abs() <= 1e-13 * scale, "{t} != {want}");
}

// A type ascription on an array value inside a map kernel's run (the differential tester found
// `let y: Array1<f64> = ..` printed on the element inside the kernel).
#[differentiable(jvp)]
fn ascribed(x: &Array1<f64>) -> f64 {
    let y: Array1<f64> = &(x - 1.0) * &(x - x.dot(x));
    let z: Array1<f64> = y.mapv(f64::tanh) * 2.0;
    z.sum()
}

#[test]
fn type_ascriptions_inside_a_map_kernel() {
    let x = array![0.3, -0.7, 1.1];
    let v = array![1.0, -0.5, 0.25];
    let (value, t) = ascribed_jvp(&x, (v.clone(),));
    assert_eq!(value.to_bits(), ascribed(&x).to_bits());
    let want: f64 = ascribed_grad(&x).iter().zip(&v).map(|(g, v)| g * v).sum();
    assert!(
        (t - want).abs() <= 1e-13 * want.abs().max(1.0),
        "{t} != {want}"
    );
}
