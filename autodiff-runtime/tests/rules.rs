//! Every reverse rule of the runtime against central finite differences.
//!
//! For an operand `x`, an output cotangent `g` and the rule's gradient `x̄ = vjp(x, g)`, each component
//! must satisfy `x̄[i] ≈ <g, (f(x + h eᵢ) - f(x - h eᵢ)) / 2h>` (the directional difference along the
//! i-th unit vector), in `f64` with a relative tolerance of 1e-6, and in `f32` with 1e-2. The gradient
//! must also have exactly the operand's shape (broadcasting is reversed by summing). Shapes and values are
//! drawn by proptest, values inside each function's domain and away from its non-differentiable points.

use autodiff_runtime::binary::Binary;
use autodiff_runtime::rules;
use autodiff_runtime::unary::Elementwise;
use autodiff_runtime::{Real, Tangent};
use ndarray::{array, s, Array, Array1, Array2, ArrayD, Axis, Dimension, IntoDimension, IxDyn};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use std::fmt::Debug;

/// Enough values for the largest array drawn (4 × 4 × 4).
const POOL: usize = 64;

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(32)
}

/// Finite-difference tolerances. A component passes when
/// `|analytic - numeric| <= atol + rtol * max(|analytic|, |numeric|) + noise`, where `noise` bounds the
/// rounding error of the difference quotient: `eps_factor * sum_j |g_j| max(|f+_j|, |f-_j|) / 2h` over the
/// output components that moved.
#[derive(Clone, Copy, Debug)]
struct Tol {
    /// Relative step: component `i` moves by `step * max(1, |x_i|)` each way.
    step: f64,
    rtol: f64,
    atol: f64,
    eps_factor: f64,
}

const F64: Tol = Tol {
    step: 1e-6,
    rtol: 1e-6,
    atol: 1e-9,
    eps_factor: 1e-14,
};
const F32: Tol = Tol {
    step: 4e-3,
    rtol: 1e-2,
    atol: 1e-4,
    eps_factor: 1e-5,
};

/// A value the tests can take apart: its shape, its components, and a copy of its shape with new values.
trait Val: Tangent + Debug {
    fn dims(&self) -> Vec<usize>;
    fn vals(&self) -> Vec<f64>;
    fn filled_like(&self, pool: &[f64]) -> Self;
}

impl Val for f64 {
    fn dims(&self) -> Vec<usize> {
        vec![]
    }
    fn vals(&self) -> Vec<f64> {
        vec![*self]
    }
    fn filled_like(&self, pool: &[f64]) -> Self {
        pool[0]
    }
}

impl Val for f32 {
    fn dims(&self) -> Vec<usize> {
        vec![]
    }
    fn vals(&self) -> Vec<f64> {
        vec![f64::from(*self)]
    }
    fn filled_like(&self, pool: &[f64]) -> Self {
        pool[0] as f32
    }
}

impl<F: Real, D: Dimension> Val for Array<F, D> {
    fn dims(&self) -> Vec<usize> {
        self.shape().to_vec()
    }
    fn vals(&self) -> Vec<f64> {
        self.iter().map(|v| v.as_f64()).collect()
    }
    fn filled_like(&self, pool: &[f64]) -> Self {
        let values = pool[..self.len()]
            .iter()
            .map(|&v| F::cast_from(v))
            .collect();
        Array::from_shape_vec(self.raw_dim(), values).expect("pool long enough")
    }
}

/// An `f64` array of `shape` holding the first values of `pool`.
fn mk<D: Dimension>(shape: impl IntoDimension<Dim = D>, pool: &[f64]) -> Array<f64, D> {
    let dim = shape.into_dimension();
    let n = dim.size();
    Array::from_shape_vec(dim, pool[..n].to_vec()).expect("pool long enough")
}

/// The same in `f32`.
fn mk32<D: Dimension>(shape: impl IntoDimension<Dim = D>, pool: &[f64]) -> Array<f32, D> {
    mk(shape, pool).mapv(|v| v as f32)
}

/// NumPy's broadcast shape, written independently of the crate.
fn broadcast(a: &[usize], b: &[usize]) -> Vec<usize> {
    let n = a.len().max(b.len());
    let pad = |s: &[usize]| {
        let mut v = vec![1; n - s.len()];
        v.extend_from_slice(s);
        v
    };
    let (a, b) = (pad(a), pad(b));
    a.iter()
        .zip(&b)
        .map(|(&x, &y)| {
            assert!(x == y || x == 1 || y == 1, "test bug: incompatible shapes");
            x.max(y)
        })
        .collect()
}

/// Checks `grad` (the VJP of `f` at `x` for the cotangent `g`) component by component against central
/// differences, and checks that it has `x`'s shape.
fn fd_check<X: Val, Y: Val>(
    what: &str,
    f: impl Fn(&X) -> Y,
    x: &X,
    g: &Y,
    grad: &X,
    tol: Tol,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        grad.dims(),
        x.dims(),
        "{}: the gradient must have the operand's shape",
        what
    );
    prop_assert_eq!(
        f(x).dims(),
        g.dims(),
        "{}: the cotangent must have the output's shape",
        what
    );
    let gv = g.vals();
    let analytic = grad.vals();
    prop_assert_eq!(analytic.len(), x.num_components());
    for (i, &a) in analytic.iter().enumerate() {
        let xi = x.component(i);
        let h = tol.step * xi.abs().max(1.0);
        let (mut plus, mut minus) = (x.clone(), x.clone());
        plus.set_component(i, xi + h);
        minus.set_component(i, xi - h);
        let width = plus.component(i) - minus.component(i);
        let (fp, fm) = (f(&plus).vals(), f(&minus).vals());
        let mut numeric = 0.0;
        let mut magnitude = 0.0;
        for ((&gj, &p), &m) in gv.iter().zip(&fp).zip(&fm) {
            if p != m {
                numeric += gj * (p - m);
                magnitude += gj.abs() * p.abs().max(m.abs());
            }
        }
        numeric /= width;
        let noise = tol.eps_factor * magnitude / width;
        let allowed = tol.atol + tol.rtol * a.abs().max(numeric.abs()) + noise;
        prop_assert!(
            a.is_finite() && (a - numeric).abs() <= allowed,
            "{}: component {} of x = {:?}, g = {:?}: analytic {:e}, numeric {:e} (allowed error {:e})",
            what,
            i,
            x,
            g,
            a,
            numeric,
            allowed
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// Value domains.

fn any_val() -> BoxedStrategy<f64> {
    (-3.0f64..3.0).boxed()
}

fn range(lo: f64, hi: f64) -> BoxedStrategy<f64> {
    (lo..hi).boxed()
}

/// `±[lo, hi)`: away from zero on both sides.
fn signed(lo: f64, hi: f64) -> BoxedStrategy<f64> {
    (lo..hi, any::<bool>())
        .prop_map(|(v, s)| if s { v } else { -v })
        .boxed()
}

/// Multiples of 1/4 in [-3, 3].
fn grid() -> BoxedStrategy<f64> {
    (-12i32..=12).prop_map(|k| f64::from(k) * 0.25).boxed()
}

/// Odd multiples of 1/8 in (-3, 3): never equal to a `grid()` value, and at least 1/8 away from one.
fn half_grid() -> BoxedStrategy<f64> {
    (-12i32..12)
        .prop_map(|k| (f64::from(k) + 0.5) * 0.25)
        .boxed()
}

fn pool(values: BoxedStrategy<f64>) -> impl Strategy<Value = Vec<f64>> {
    vec(values, POOL)
}

fn cotangents() -> impl Strategy<Value = Vec<f64>> {
    vec(-1.0f64..1.0, POOL)
}

/// A shape of 0 to 3 axes of length 1 to 4.
fn shape() -> impl Strategy<Value = Vec<usize>> {
    vec(1usize..5, 0..=3)
}

/// Two shapes that broadcast together: suffixes of a common shape, with some lengths set to 1.
fn broadcast_shapes() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    shape()
        .prop_flat_map(|out| {
            let n = out.len();
            (
                Just(out),
                0..=n,
                0..=n,
                vec(any::<bool>(), n),
                vec(any::<bool>(), n),
            )
        })
        .prop_map(|(out, drop_a, drop_b, ones_a, ones_b)| {
            let operand = |drop: usize, ones: &[bool]| -> Vec<usize> {
                (drop..out.len())
                    .map(|k| if ones[k] { 1 } else { out[k] })
                    .collect()
            };
            (operand(drop_a, &ones_a), operand(drop_b, &ones_b))
        })
}

// ---------------------------------------------------------------------------------------------------------
// Binary rules.

trait BinRule {
    const NAME: &'static str;
    fn reference(a: f64, b: f64) -> f64;
    fn f<L: Binary<R>, R>(a: &L, b: &R) -> L::Output;
    fn v0<L: Binary<R>, R>(a: &L, b: &R, g: L::Output) -> L::LhsTangent;
    fn v1<L: Binary<R>, R>(a: &L, b: &R, g: L::Output) -> L::RhsTangent;
}

macro_rules! bin_rules {
    ($($T:ident: $f:ident, $v0:ident, $v1:ident, |$a:ident, $b:ident| $reference:expr;)*) => {$(
        struct $T;
        impl BinRule for $T {
            const NAME: &'static str = stringify!($f);
            fn reference($a: f64, $b: f64) -> f64 {
                $reference
            }
            fn f<L: Binary<R>, R>(a: &L, b: &R) -> L::Output {
                rules::$f(a, b)
            }
            fn v0<L: Binary<R>, R>(a: &L, b: &R, g: L::Output) -> L::LhsTangent {
                rules::$v0(a, b, g)
            }
            fn v1<L: Binary<R>, R>(a: &L, b: &R, g: L::Output) -> L::RhsTangent {
                rules::$v1(a, b, g)
            }
        }
    )*};
}

bin_rules! {
    Add: add, add_vjp0, add_vjp1, |a, b| a + b;
    Sub: sub, sub_vjp0, sub_vjp1, |a, b| a - b;
    Mul: mul, mul_vjp0, mul_vjp1, |a, b| a * b;
    Div: div, div_vjp0, div_vjp1, |a, b| a / b;
    Powf: powf, powf_vjp0, powf_vjp1, |a, b| a.powf(b);
    Atan2: atan2, atan2_vjp0, atan2_vjp1, |a, b| a.atan2(b);
    Max: max, max_vjp0, max_vjp1, |a, b| a.max(b);
    Min: min, min_vjp0, min_vjp1, |a, b| a.min(b);
    Hypot: hypot, hypot_vjp0, hypot_vjp1, |a, b| a.hypot(b);
}

/// Checks both reverse rules of `Op` at `(a, b)`, with a cotangent of the output's shape taken from
/// `gpool`, and that the output has the broadcast shape.
fn check_binary<Op: BinRule, L, R>(
    a: &L,
    b: &R,
    gpool: &[f64],
    tol: Tol,
) -> Result<(), TestCaseError>
where
    L: Binary<R, LhsTangent = L, RhsTangent = R> + Val,
    R: Val,
    L::Output: Val,
{
    let y = Op::f(a, b);
    prop_assert_eq!(
        y.dims(),
        broadcast(&a.dims(), &b.dims()),
        "{}: output shape",
        Op::NAME
    );
    let g = y.filled_like(gpool);
    let ga = Op::v0(a, b, g.clone());
    let gb = Op::v1(a, b, g.clone());
    let shapes = format!("{:?} ⊗ {:?}", a.dims(), b.dims());
    fd_check(
        &format!("{}_vjp0 {shapes}", Op::NAME),
        |a: &L| Op::f(a, b),
        a,
        &g,
        &ga,
        tol,
    )?;
    fd_check(
        &format!("{}_vjp1 {shapes}", Op::NAME),
        |b: &R| Op::f(a, b),
        b,
        &g,
        &gb,
        tol,
    )
}

#[derive(Clone, Debug)]
struct BinCase {
    k: usize,
    n: usize,
    m: usize,
    shapes: (Vec<usize>, Vec<usize>),
    a: Vec<f64>,
    b: Vec<f64>,
    g: Vec<f64>,
}

fn bin_case(da: BoxedStrategy<f64>, db: BoxedStrategy<f64>) -> impl Strategy<Value = BinCase> {
    (
        1usize..5,
        1usize..5,
        1usize..5,
        broadcast_shapes(),
        pool(da),
        pool(db),
        cotangents(),
    )
        .prop_map(|(k, n, m, shapes, a, b, g)| BinCase {
            k,
            n,
            m,
            shapes,
            a,
            b,
            g,
        })
}

/// Every operand combination: scalars, equal shapes, and the broadcasting patterns both ways round.
fn run_binary<Op: BinRule>(c: &BinCase) -> Result<(), TestCaseError> {
    let (k, n, m) = (c.k, c.n, c.m);
    let (a, b, g) = (&c.a[..], &c.b[..], &c.g[..]);

    // The forward value against the scalar function, on the broadcast of the random shapes.
    let (da, db) = (mk(IxDyn(&c.shapes.0), a), mk(IxDyn(&c.shapes.1), b));
    let y = Op::f(&da, &db);
    let out = broadcast(&c.shapes.0, &c.shapes.1);
    let (ba, bb) = (
        da.broadcast(out.clone()).unwrap(),
        db.broadcast(out.clone()).unwrap(),
    );
    prop_assert_eq!(y.shape(), &out[..]);
    for ((&yv, &av), &bv) in y.iter().zip(ba.iter()).zip(bb.iter()) {
        prop_assert_eq!(
            yv,
            Op::reference(av, bv),
            "{} forward at ({}, {})",
            Op::NAME,
            av,
            bv
        );
    }
    check_binary::<Op, _, _>(&da, &db, g, F64)?;

    // scalar ⊗ scalar, scalar ⊗ array, array ⊗ scalar
    check_binary::<Op, _, _>(&a[0], &b[0], g, F64)?;
    check_binary::<Op, _, _>(&a[0], &mk((n, m), b), g, F64)?;
    check_binary::<Op, _, _>(&mk((n, m), a), &b[0], g, F64)?;
    check_binary::<Op, _, _>(&a[0], &mk((k, n, m), b), g, F64)?;
    check_binary::<Op, _, _>(&mk(m, a), &b[0], g, F64)?;
    // equal shapes
    check_binary::<Op, _, _>(&mk(m, a), &mk(m, b), g, F64)?;
    check_binary::<Op, _, _>(&mk((n, m), a), &mk((n, m), b), g, F64)?;
    // (n, m) ⊗ (m,) and (m,) ⊗ (n, m)
    check_binary::<Op, _, _>(&mk((n, m), a), &mk(m, b), g, F64)?;
    check_binary::<Op, _, _>(&mk(m, a), &mk((n, m), b), g, F64)?;
    // (n, 1) ⊗ (1, m) and (1, m) ⊗ (n, 1)
    check_binary::<Op, _, _>(&mk((n, 1), a), &mk((1, m), b), g, F64)?;
    check_binary::<Op, _, _>(&mk((1, m), a), &mk((n, 1), b), g, F64)?;
    // (n, m) ⊗ (n, 1) and (n, 1) ⊗ (n, m)
    check_binary::<Op, _, _>(&mk((n, m), a), &mk((n, 1), b), g, F64)?;
    check_binary::<Op, _, _>(&mk((n, 1), a), &mk((n, m), b), g, F64)?;
    // 3-D with 1-D and 2-D, both ways
    check_binary::<Op, _, _>(&mk((k, n, m), a), &mk(m, b), g, F64)?;
    check_binary::<Op, _, _>(&mk(m, a), &mk((k, n, m), b), g, F64)?;
    check_binary::<Op, _, _>(&mk((k, n, m), a), &mk((n, 1), b), g, F64)?;
    check_binary::<Op, _, _>(&mk((k, 1, m), a), &mk((n, 1), b), g, F64)?;

    // f32 spot checks
    check_binary::<Op, _, _>(&(a[0] as f32), &(b[0] as f32), g, F32)?;
    check_binary::<Op, _, _>(&mk32((n, m), a), &(b[0] as f32), g, F32)?;
    check_binary::<Op, _, _>(&mk32((n, 1), a), &mk32(m, b), g, F32)?;
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn add(c in bin_case(any_val(), any_val())) {
        run_binary::<Add>(&c)?;
    }

    #[test]
    fn sub(c in bin_case(any_val(), any_val())) {
        run_binary::<Sub>(&c)?;
    }

    #[test]
    fn mul(c in bin_case(any_val(), any_val())) {
        run_binary::<Mul>(&c)?;
    }

    #[test]
    fn div(c in bin_case(any_val(), signed(0.5, 3.0))) {
        run_binary::<Div>(&c)?;
    }

    #[test]
    fn powf(c in bin_case(range(0.2, 3.0), range(-2.5, 2.5))) {
        run_binary::<Powf>(&c)?;
    }

    #[test]
    fn atan2(c in bin_case(signed(0.2, 3.0), signed(0.2, 3.0))) {
        run_binary::<Atan2>(&c)?;
    }

    #[test]
    fn max(c in bin_case(grid(), half_grid())) {
        run_binary::<Max>(&c)?;
    }

    #[test]
    fn min(c in bin_case(half_grid(), grid())) {
        run_binary::<Min>(&c)?;
    }

    #[test]
    fn hypot(c in bin_case(signed(0.2, 3.0), any_val())) {
        run_binary::<Hypot>(&c)?;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Unary rules.

trait UnRule {
    const NAME: &'static str;
    fn reference(x: f64) -> f64;
    fn f<X: Elementwise + ?Sized>(x: &X) -> X::Output;
    fn vjp<X: Elementwise + ?Sized>(x: &X, y: &X::Output, g: X::Output) -> X::Output;
}

macro_rules! un_rules {
    ($($T:ident: $f:ident, $vjp:ident, |$x:ident| $reference:expr;)*) => {$(
        struct $T;
        impl UnRule for $T {
            const NAME: &'static str = stringify!($f);
            fn reference($x: f64) -> f64 {
                $reference
            }
            fn f<X: Elementwise + ?Sized>(x: &X) -> X::Output {
                rules::$f(x)
            }
            fn vjp<X: Elementwise + ?Sized>(x: &X, y: &X::Output, g: X::Output) -> X::Output {
                rules::$vjp(x, y, g)
            }
        }
    )*};
}

un_rules! {
    Neg: neg, neg_vjp, |x| -x;
    Exp: exp, exp_vjp, |x| x.exp();
    Exp2: exp2, exp2_vjp, |x| x.exp2();
    ExpM1: exp_m1, exp_m1_vjp, |x| x.exp_m1();
    Ln: ln, ln_vjp, |x| x.ln();
    Ln1p: ln_1p, ln_1p_vjp, |x| x.ln_1p();
    Log2: log2, log2_vjp, |x| x.log2();
    Log10: log10, log10_vjp, |x| x.log10();
    Sqrt: sqrt, sqrt_vjp, |x| x.sqrt();
    Cbrt: cbrt, cbrt_vjp, |x| x.cbrt();
    Recip: recip, recip_vjp, |x| x.recip();
    Sin: sin, sin_vjp, |x| x.sin();
    Cos: cos, cos_vjp, |x| x.cos();
    Tan: tan, tan_vjp, |x| x.tan();
    Asin: asin, asin_vjp, |x| x.asin();
    Acos: acos, acos_vjp, |x| x.acos();
    Atan: atan, atan_vjp, |x| x.atan();
    Sinh: sinh, sinh_vjp, |x| x.sinh();
    Cosh: cosh, cosh_vjp, |x| x.cosh();
    Tanh: tanh, tanh_vjp, |x| x.tanh();
    Asinh: asinh, asinh_vjp, |x| x.asinh();
    Acosh: acosh, acosh_vjp, |x| x.acosh();
    Atanh: atanh, atanh_vjp, |x| x.atanh();
    Abs: abs, abs_vjp, |x| x.abs();
    Signum: signum, signum_vjp, |x| x.signum();
    ToDegrees: to_degrees, to_degrees_vjp, |x| x.to_degrees();
    ToRadians: to_radians, to_radians_vjp, |x| x.to_radians();
    Pow2: pow2, pow2_vjp, |x| x * x;
}

fn check_unary<Op: UnRule, X>(x: &X, gpool: &[f64], tol: Tol) -> Result<(), TestCaseError>
where
    X: Elementwise<Output = X> + Val,
{
    let y = Op::f(x);
    let g = y.filled_like(gpool);
    let grad = Op::vjp(x, &y, g.clone());
    fd_check(
        &format!("{}_vjp {:?}", Op::NAME, x.dims()),
        |x: &X| Op::f(x),
        x,
        &g,
        &grad,
        tol,
    )
}

#[derive(Clone, Debug)]
struct UnCase {
    k: usize,
    n: usize,
    m: usize,
    shape: Vec<usize>,
    x: Vec<f64>,
    g: Vec<f64>,
}

fn un_case(domain: BoxedStrategy<f64>) -> impl Strategy<Value = UnCase> {
    (
        1usize..5,
        1usize..5,
        1usize..5,
        shape(),
        pool(domain),
        cotangents(),
    )
        .prop_map(|(k, n, m, shape, x, g)| UnCase {
            k,
            n,
            m,
            shape,
            x,
            g,
        })
}

fn run_unary<Op: UnRule>(c: &UnCase) -> Result<(), TestCaseError> {
    let (k, n, m) = (c.k, c.n, c.m);
    let (x, g) = (&c.x[..], &c.g[..]);
    let dx = mk(IxDyn(&c.shape), x);
    let y = Op::f(&dx);
    prop_assert_eq!(y.shape(), dx.shape());
    for (&yv, &xv) in y.iter().zip(dx.iter()) {
        prop_assert_eq!(yv, Op::reference(xv), "{} forward at {}", Op::NAME, xv);
    }
    check_unary::<Op, _>(&dx, g, F64)?;
    check_unary::<Op, _>(&x[0], g, F64)?;
    check_unary::<Op, _>(&mk(m, x), g, F64)?;
    check_unary::<Op, _>(&mk((n, m), x), g, F64)?;
    check_unary::<Op, _>(&mk((k, n, m), x), g, F64)?;
    check_unary::<Op, _>(&(x[0] as f32), g, F32)?;
    check_unary::<Op, _>(&mk32((n, m), x), g, F32)?;
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn neg(c in un_case(any_val())) { run_unary::<Neg>(&c)?; }
    #[test]
    fn exp(c in un_case(any_val())) { run_unary::<Exp>(&c)?; }
    #[test]
    fn exp2(c in un_case(any_val())) { run_unary::<Exp2>(&c)?; }
    #[test]
    fn exp_m1(c in un_case(any_val())) { run_unary::<ExpM1>(&c)?; }
    #[test]
    fn ln(c in un_case(range(0.1, 3.0))) { run_unary::<Ln>(&c)?; }
    #[test]
    fn ln_1p(c in un_case(range(-0.8, 3.0))) { run_unary::<Ln1p>(&c)?; }
    #[test]
    fn log2(c in un_case(range(0.1, 3.0))) { run_unary::<Log2>(&c)?; }
    #[test]
    fn log10(c in un_case(range(0.1, 3.0))) { run_unary::<Log10>(&c)?; }
    #[test]
    fn sqrt(c in un_case(range(0.1, 3.0))) { run_unary::<Sqrt>(&c)?; }
    #[test]
    fn cbrt(c in un_case(signed(0.1, 3.0))) { run_unary::<Cbrt>(&c)?; }
    #[test]
    fn recip(c in un_case(signed(0.1, 3.0))) { run_unary::<Recip>(&c)?; }
    #[test]
    fn sin(c in un_case(any_val())) { run_unary::<Sin>(&c)?; }
    #[test]
    fn cos(c in un_case(any_val())) { run_unary::<Cos>(&c)?; }
    #[test]
    fn tan(c in un_case(range(-1.3, 1.3))) { run_unary::<Tan>(&c)?; }
    #[test]
    fn asin(c in un_case(range(-0.9, 0.9))) { run_unary::<Asin>(&c)?; }
    #[test]
    fn acos(c in un_case(range(-0.9, 0.9))) { run_unary::<Acos>(&c)?; }
    #[test]
    fn atan(c in un_case(any_val())) { run_unary::<Atan>(&c)?; }
    #[test]
    fn sinh(c in un_case(any_val())) { run_unary::<Sinh>(&c)?; }
    #[test]
    fn cosh(c in un_case(any_val())) { run_unary::<Cosh>(&c)?; }
    #[test]
    fn tanh(c in un_case(any_val())) { run_unary::<Tanh>(&c)?; }
    #[test]
    fn asinh(c in un_case(any_val())) { run_unary::<Asinh>(&c)?; }
    #[test]
    fn acosh(c in un_case(range(1.1, 3.0))) { run_unary::<Acosh>(&c)?; }
    #[test]
    fn atanh(c in un_case(range(-0.9, 0.9))) { run_unary::<Atanh>(&c)?; }
    #[test]
    fn abs(c in un_case(signed(0.1, 3.0))) { run_unary::<Abs>(&c)?; }
    #[test]
    fn signum(c in un_case(signed(0.1, 3.0))) { run_unary::<Signum>(&c)?; }
    #[test]
    fn to_degrees(c in un_case(any_val())) { run_unary::<ToDegrees>(&c)?; }
    #[test]
    fn to_radians(c in un_case(any_val())) { run_unary::<ToRadians>(&c)?; }
    #[test]
    fn pow2(c in un_case(any_val())) { run_unary::<Pow2>(&c)?; }
}

// ---------------------------------------------------------------------------------------------------------
// powi, clamp, mul_add.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn powi(c in un_case(signed(0.2, 2.0)), n in -3i32..=4) {
        let (x, g) = (&c.x[..], &c.g[..]);
        let check = |x: &ArrayD<f64>| -> Result<(), TestCaseError> {
            let y = rules::powi(x, n);
            for (&yv, &xv) in y.iter().zip(x.iter()) {
                prop_assert_eq!(yv, xv.powi(n));
            }
            let g = y.filled_like(g);
            let grad = rules::powi_vjp(x, n, &y, g.clone());
            fd_check(&format!("powi_vjp n = {n}"), |x: &ArrayD<f64>| rules::powi(x, n), x, &g, &grad, F64)
        };
        check(&mk(IxDyn(&c.shape), x))?;
        let x0 = x[0];
        let y0 = rules::powi(&x0, n);
        let g0 = rules::powi_vjp(&x0, n, &y0, g[0]);
        fd_check("powi_vjp scalar", |x: &f64| rules::powi(x, n), &x0, &g[0], &g0, F64)?;
        let x32 = mk32((c.n, c.m), x);
        let y32 = rules::powi(&x32, n);
        let gy32 = y32.filled_like(g);
        let g32 = rules::powi_vjp(&x32, n, &y32, gy32.clone());
        fd_check("powi_vjp f32", |x: &Array2<f32>| rules::powi(x, n), &x32, &gy32, &g32, F32)?;
    }

    #[test]
    fn clamp(c in un_case(half_grid()), bounds in (grid(), grid())) {
        // Strictly ordered bounds on the quarter grid; x lies on the odd eighths, never on a bound.
        let lo = bounds.0.min(bounds.1);
        let hi = if bounds.0 == bounds.1 { lo + 0.25 } else { bounds.0.max(bounds.1) };
        let (x, g) = (&c.x[..], &c.g[..]);
        let check = |x: &ArrayD<f64>| -> Result<(), TestCaseError> {
            let y = rules::clamp(x, &lo, &hi);
            for (&yv, &xv) in y.iter().zip(x.iter()) {
                prop_assert_eq!(yv, xv.clamp(lo, hi));
            }
            let g = y.filled_like(g);
            let gx = rules::clamp_vjp0(x, &lo, &hi, &y, g.clone());
            let glo = rules::clamp_vjp1(x, &lo, &hi, &y, g.clone());
            let ghi = rules::clamp_vjp2(x, &lo, &hi, &y, g.clone());
            fd_check("clamp_vjp0", |x: &ArrayD<f64>| rules::clamp(x, &lo, &hi), x, &g, &gx, F64)?;
            fd_check("clamp_vjp1", |lo: &f64| rules::clamp(x, lo, &hi), &lo, &g, &glo, F64)?;
            fd_check("clamp_vjp2", |hi: &f64| rules::clamp(x, &lo, hi), &hi, &g, &ghi, F64)
        };
        check(&mk(IxDyn(&c.shape), x))?;
        check(&mk(IxDyn(&[c.k, c.n, c.m]), x))?;
        // a scalar x
        let x0 = x[0];
        let y0 = rules::clamp(&x0, &lo, &hi);
        let gx = rules::clamp_vjp0(&x0, &lo, &hi, &y0, g[0]);
        let glo = rules::clamp_vjp1(&x0, &lo, &hi, &y0, g[0]);
        let ghi = rules::clamp_vjp2(&x0, &lo, &hi, &y0, g[0]);
        fd_check("clamp_vjp0 scalar", |x: &f64| rules::clamp(x, &lo, &hi), &x0, &g[0], &gx, F64)?;
        fd_check("clamp_vjp1 scalar", |lo: &f64| rules::clamp(&x0, lo, &hi), &lo, &g[0], &glo, F64)?;
        fd_check("clamp_vjp2 scalar", |hi: &f64| rules::clamp(&x0, &lo, hi), &hi, &g[0], &ghi, F64)?;
        // f32
        let x32 = mk32((c.n, c.m), x);
        let (lo32, hi32) = (lo as f32, hi as f32);
        let y32 = rules::clamp(&x32, &lo32, &hi32);
        let gy = y32.filled_like(g);
        let gx32 = rules::clamp_vjp0(&x32, &lo32, &hi32, &y32, gy.clone());
        let glo32 = rules::clamp_vjp1(&x32, &lo32, &hi32, &y32, gy.clone());
        fd_check("clamp_vjp0 f32", |x: &Array2<f32>| rules::clamp(x, &lo32, &hi32), &x32, &gy, &gx32, F32)?;
        fd_check("clamp_vjp1 f32", |lo: &f32| rules::clamp(&x32, lo, &hi32), &lo32, &gy, &glo32, F32)?;
    }

    #[test]
    fn mul_add(x in any_val(), a in any_val(), b in any_val(), g in -1.0f64..1.0) {
        let y = rules::mul_add(&x, &a, &b);
        prop_assert!((y - (x * a + b)).abs() <= 1e-14 * (1.0 + y.abs()));
        let (gx, ga, gb) = (
            rules::mul_add_vjp0(&x, &a, &b, g),
            rules::mul_add_vjp1(&x, &a, &b, g),
            rules::mul_add_vjp2(&x, &a, &b, g),
        );
        fd_check("mul_add_vjp0", |x: &f64| rules::mul_add(x, &a, &b), &x, &g, &gx, F64)?;
        fd_check("mul_add_vjp1", |a: &f64| rules::mul_add(&x, a, &b), &a, &g, &ga, F64)?;
        fd_check("mul_add_vjp2", |b: &f64| rules::mul_add(&x, &a, b), &b, &g, &gb, F64)?;
        let (x32, a32, b32, g32) = (x as f32, a as f32, b as f32, g as f32);
        let gx32 = rules::mul_add_vjp0(&x32, &a32, &b32, g32);
        let ga32 = rules::mul_add_vjp1(&x32, &a32, &b32, g32);
        let gb32 = rules::mul_add_vjp2(&x32, &a32, &b32, g32);
        fd_check("mul_add_vjp0 f32", |x: &f32| rules::mul_add(x, &a32, &b32), &x32, &g32, &gx32, F32)?;
        fd_check("mul_add_vjp1 f32", |a: &f32| rules::mul_add(&x32, a, &b32), &a32, &g32, &ga32, F32)?;
        fd_check("mul_add_vjp2 f32", |b: &f32| rules::mul_add(&x32, &a32, b), &b32, &g32, &gb32, F32)?;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Reductions.

/// Values for `product`: mostly `±[0.5, 1.5)`, sometimes exactly zero (product is multilinear, so central
/// differences are exact there too).
fn product_values() -> BoxedStrategy<f64> {
    prop_oneof![4 => signed(0.5, 1.5), 1 => Just(0.0)].boxed()
}

/// A shape of 1 to 3 axes and one of its axes.
fn shape_and_axis() -> impl Strategy<Value = (Vec<usize>, usize)> {
    vec(1usize..5, 1..=3).prop_flat_map(|s| {
        let n = s.len();
        (Just(s), 0..n)
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sum(c in un_case(any_val()), g in -1.0f64..1.0) {
        let x = mk(IxDyn(&c.shape), &c.x);
        prop_assert!((rules::sum(&x) - x.iter().sum::<f64>()).abs() <= 1e-12);
        fd_check("sum_vjp", |x: &ArrayD<f64>| rules::sum(x), &x, &g, &rules::sum_vjp(&x, g), F64)?;
        let x2 = mk((c.n, c.m), &c.x);
        fd_check("sum_vjp 2-D", |x: &Array2<f64>| rules::sum(x), &x2, &g, &rules::sum_vjp(&x2, g), F64)?;
        let x32 = mk32(c.m, &c.x);
        let g32 = g as f32;
        fd_check("sum_vjp f32", |x: &Array1<f32>| rules::sum(x), &x32, &g32, &rules::sum_vjp(&x32, g32), F32)?;
    }

    #[test]
    fn mean(c in un_case(any_val()), g in -1.0f64..1.0) {
        let x = mk(IxDyn(&c.shape), &c.x);
        prop_assert!((rules::mean(&x) - x.iter().sum::<f64>() / x.len() as f64).abs() <= 1e-12);
        fd_check("mean_vjp", |x: &ArrayD<f64>| rules::mean(x), &x, &g, &rules::mean_vjp(&x, g), F64)?;
        let x3 = mk((c.k, c.n, c.m), &c.x);
        fd_check("mean_vjp 3-D", |x: &ndarray::Array3<f64>| rules::mean(x), &x3, &g, &rules::mean_vjp(&x3, g), F64)?;
        let x32 = mk32((c.n, c.m), &c.x);
        let g32 = g as f32;
        fd_check("mean_vjp f32", |x: &Array2<f32>| rules::mean(x), &x32, &g32, &rules::mean_vjp(&x32, g32), F32)?;
    }

    #[test]
    fn product(c in un_case(product_values()), g in -1.0f64..1.0) {
        let x = mk(IxDyn(&c.shape), &c.x);
        // ndarray multiplies in another order than `Iterator::product`: equal up to rounding.
        let expected = x.iter().product::<f64>();
        prop_assert!((rules::product(&x) - expected).abs() <= 1e-14 * expected.abs());
        fd_check("product_vjp", |x: &ArrayD<f64>| rules::product(x), &x, &g, &rules::product_vjp(&x, g), F64)?;
        let x2 = mk((c.n, c.m), &c.x);
        fd_check("product_vjp 2-D", |x: &Array2<f64>| rules::product(x), &x2, &g, &rules::product_vjp(&x2, g), F64)?;
        let x32 = mk32(c.m, &c.x);
        let g32 = g as f32;
        fd_check("product_vjp f32", |x: &Array1<f32>| rules::product(x), &x32, &g32, &rules::product_vjp(&x32, g32), F32)?;
    }

    #[test]
    fn sum_axis(c in un_case(any_val()), (shape, axis) in shape_and_axis()) {
        let x = mk(IxDyn(&shape), &c.x);
        let y = rules::sum_axis(&x, Axis(axis));
        prop_assert_eq!(&y, &x.sum_axis(Axis(axis)));
        let g = y.filled_like(&c.g);
        let grad = rules::sum_axis_vjp(&x, Axis(axis), g.clone());
        fd_check(&format!("sum_axis_vjp axis {axis}"), |x: &ArrayD<f64>| rules::sum_axis(x, Axis(axis)), &x, &g, &grad, F64)?;
        // static dimensions, every axis
        let x3 = mk((c.k, c.n, c.m), &c.x);
        for ax in 0..3 {
            let g = rules::sum_axis(&x3, Axis(ax)).filled_like(&c.g);
            let grad = rules::sum_axis_vjp(&x3, Axis(ax), g.clone());
            fd_check(&format!("sum_axis_vjp 3-D axis {ax}"), |x: &ndarray::Array3<f64>| rules::sum_axis(x, Axis(ax)), &x3, &g, &grad, F64)?;
        }
        let x1 = mk(c.m, &c.x);
        let g0 = ndarray::arr0(c.g[0]);
        let grad = rules::sum_axis_vjp(&x1, Axis(0), g0.clone());
        fd_check("sum_axis_vjp 1-D", |x: &Array1<f64>| rules::sum_axis(x, Axis(0)), &x1, &g0, &grad, F64)?;
        let x32 = mk32((c.n, c.m), &c.x);
        let g32 = rules::sum_axis(&x32, Axis(1)).filled_like(&c.g);
        let grad32 = rules::sum_axis_vjp(&x32, Axis(1), g32.clone());
        fd_check("sum_axis_vjp f32", |x: &Array2<f32>| rules::sum_axis(x, Axis(1)), &x32, &g32, &grad32, F32)?;
    }

    #[test]
    fn mean_axis(c in un_case(any_val()), (shape, axis) in shape_and_axis()) {
        let x = mk(IxDyn(&shape), &c.x);
        let y = rules::mean_axis(&x, Axis(axis));
        prop_assert_eq!(&y, &x.mean_axis(Axis(axis)).unwrap());
        let g = y.filled_like(&c.g);
        let grad = rules::mean_axis_vjp(&x, Axis(axis), g.clone());
        fd_check(&format!("mean_axis_vjp axis {axis}"), |x: &ArrayD<f64>| rules::mean_axis(x, Axis(axis)), &x, &g, &grad, F64)?;
        let x3 = mk((c.k, c.n, c.m), &c.x);
        for ax in 0..3 {
            let g = rules::mean_axis(&x3, Axis(ax)).filled_like(&c.g);
            let grad = rules::mean_axis_vjp(&x3, Axis(ax), g.clone());
            fd_check(&format!("mean_axis_vjp 3-D axis {ax}"), |x: &ndarray::Array3<f64>| rules::mean_axis(x, Axis(ax)), &x3, &g, &grad, F64)?;
        }
        let x32 = mk32((c.n, c.m), &c.x);
        let g32 = rules::mean_axis(&x32, Axis(0)).filled_like(&c.g);
        let grad32 = rules::mean_axis_vjp(&x32, Axis(0), g32.clone());
        fd_check("mean_axis_vjp f32", |x: &Array2<f32>| rules::mean_axis(x, Axis(0)), &x32, &g32, &grad32, F32)?;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Linear algebra and shape operations.

#[derive(Clone, Debug)]
struct LinCase {
    k: usize,
    n: usize,
    m: usize,
    a: Vec<f64>,
    b: Vec<f64>,
    g: Vec<f64>,
}

fn lin_case() -> impl Strategy<Value = LinCase> {
    (
        1usize..5,
        1usize..5,
        1usize..5,
        pool(any_val()),
        pool(any_val()),
        cotangents(),
    )
        .prop_map(|(k, n, m, a, b, g)| LinCase { k, n, m, a, b, g })
}

/// Checks both reverse rules of `dot` at `(a, b)`.
macro_rules! check_dot {
    ($what:expr, $a:expr, $b:expr, $gpool:expr, $tol:expr) => {{
        let (a, b) = ($a, $b);
        let y = rules::dot(&a, &b);
        prop_assert_eq!(&y, &a.dot(&b));
        let g = y.filled_like($gpool);
        let ga = rules::dot_vjp0(&a, &b, g.clone());
        let gb = rules::dot_vjp1(&a, &b, g.clone());
        fd_check(
            concat!($what, " dot_vjp0"),
            |a| rules::dot(a, &b),
            &a,
            &g,
            &ga,
            $tol,
        )?;
        fd_check(
            concat!($what, " dot_vjp1"),
            |b| rules::dot(&a, b),
            &b,
            &g,
            &gb,
            $tol,
        )?;
    }};
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn dot(c in lin_case()) {
        let (k, n, m) = (c.k, c.n, c.m);
        let (a, b, g) = (&c.a[..], &c.b[..], &c.g[..]);
        check_dot!("vec·vec", mk(n, a), mk(n, b), g, F64);
        check_dot!("mat·vec", mk((n, m), a), mk(m, b), g, F64);
        check_dot!("vec·mat", mk(n, a), mk((n, m), b), g, F64);
        check_dot!("mat·mat", mk((n, k), a), mk((k, m), b), g, F64);
        check_dot!("vec·vec f32", mk32(n, a), mk32(n, b), g, F32);
        check_dot!("mat·vec f32", mk32((n, m), a), mk32(m, b), g, F32);
        check_dot!("vec·mat f32", mk32(n, a), mk32((n, m), b), g, F32);
        check_dot!("mat·mat f32", mk32((n, k), a), mk32((k, m), b), g, F32);
    }

    #[test]
    fn t(c in lin_case(), s in shape()) {
        let (k, n, m) = (c.k, c.n, c.m);
        let x2 = mk((n, m), &c.a);
        let y2 = rules::t(&x2);
        prop_assert_eq!(&y2, &x2.t());
        let g2 = y2.filled_like(&c.g);
        fd_check("t_vjp 2-D", |x: &Array2<f64>| rules::t(x), &x2, &g2, &rules::t_vjp(&x2, g2.clone()), F64)?;
        let x3 = mk((k, n, m), &c.a);
        let g3 = rules::t(&x3).filled_like(&c.g);
        prop_assert_eq!(g3.shape(), &[m, n, k]);
        fd_check("t_vjp 3-D", |x: &ndarray::Array3<f64>| rules::t(x), &x3, &g3, &rules::t_vjp(&x3, g3.clone()), F64)?;
        let xd = mk(IxDyn(&s), &c.a);
        let gd = rules::t(&xd).filled_like(&c.g);
        fd_check("t_vjp dyn", |x: &ArrayD<f64>| rules::t(x), &xd, &gd, &rules::t_vjp(&xd, gd.clone()), F64)?;
        let x32 = mk32((n, m), &c.a);
        let g32 = rules::t(&x32).filled_like(&c.g);
        fd_check("t_vjp f32", |x: &Array2<f32>| rules::t(x), &x32, &g32, &rules::t_vjp(&x32, g32.clone()), F32)?;
    }

    #[test]
    fn slice(
        c in lin_case(),
        (r0, r1) in (0usize..4, 0usize..4),
        step in 1isize..3,
        col in 0usize..4,
        reverse in any::<bool>(),
    ) {
        let (k, n, m) = (c.k, c.n, c.m);
        // a non-empty row range of the n rows
        let (r0, r1) = (r0 % n, r1 % n);
        let (r0, r1) = (r0.min(r1), r0.max(r1) + 1);
        let col = col % m;
        let step = if reverse { -step } else { step };
        let x = mk((n, m), &c.a);

        let info = s![r0..r1;step, ..];
        let y = rules::slice(&x, info);
        prop_assert_eq!(&y, &x.slice(info));
        let g = y.filled_like(&c.g);
        let grad = rules::slice_vjp(&x, info, g.clone());
        fd_check("slice_vjp rows", |x: &Array2<f64>| rules::slice(x, info), &x, &g, &grad, F64)?;

        let info = s![.., col];
        let g = rules::slice(&x, info).filled_like(&c.g);
        let grad = rules::slice_vjp(&x, info, g.clone());
        fd_check("slice_vjp column", |x: &Array2<f64>| rules::slice(x, info), &x, &g, &grad, F64)?;

        let info = s![r0..r1, ..;-1];
        let g = rules::slice(&x, info).filled_like(&c.g);
        let grad = rules::slice_vjp(&x, info, g.clone());
        fd_check("slice_vjp reversed", |x: &Array2<f64>| rules::slice(x, info), &x, &g, &grad, F64)?;

        let x3 = mk((k, n, m), &c.a);
        let info = s![.., r0, col..;step.abs()];
        let g = rules::slice(&x3, info).filled_like(&c.g);
        let grad = rules::slice_vjp(&x3, info, g.clone());
        fd_check("slice_vjp 3-D", |x: &ndarray::Array3<f64>| rules::slice(x, info), &x3, &g, &grad, F64)?;

        let x32 = mk32((n, m), &c.a);
        let info = s![r0..r1;step, col..];
        let g = rules::slice(&x32, info).filled_like(&c.g);
        let grad = rules::slice_vjp(&x32, info, g.clone());
        fd_check("slice_vjp f32", |x: &Array2<f32>| rules::slice(x, info), &x32, &g, &grad, F32)?;
    }

    #[test]
    fn to_owned(c in lin_case(), s in shape()) {
        let x = mk(IxDyn(&s), &c.a);
        let y = rules::to_owned(&x);
        prop_assert_eq!(&y, &x);
        let g = y.filled_like(&c.g);
        let grad = rules::to_owned_vjp(&x, g.clone());
        prop_assert_eq!(&grad, &g);
        fd_check("to_owned_vjp", |x: &ArrayD<f64>| rules::to_owned(x), &x, &g, &grad, F64)?;
        let x2 = mk((c.n, c.m), &c.a);
        let g2 = x2.filled_like(&c.g);
        fd_check("to_owned_vjp 2-D", |x: &Array2<f64>| rules::to_owned(x), &x2, &g2, &rules::to_owned_vjp(&x2, g2.clone()), F64)?;
        let x32 = mk32(c.m, &c.a);
        let g32 = x32.filled_like(&c.g);
        fd_check("to_owned_vjp f32", |x: &Array1<f32>| rules::to_owned(x), &x32, &g32, &rules::to_owned_vjp(&x32, g32.clone()), F32)?;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Operand forms: references, double references, views and non-standard layouts give what owned values give.

#[test]
fn operand_forms_agree() {
    let a = array![[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]];
    let b = array![2.0, -0.5, 1.25];
    let g = array![[1.0, -2.0, 0.5], [0.25, 1.0, -1.0]];
    let owned0 = rules::mul_vjp0(&a, &b, g.clone());
    let owned1 = rules::mul_vjp1(&a, &b, g.clone());
    // a view, a reference to an array, a reference to a view
    let (av, bv) = (a.view(), b.view());
    assert_eq!(rules::mul(&av, &bv), rules::mul(&a, &b));
    assert_eq!(rules::mul_vjp0(&av, &bv, g.clone()), owned0);
    assert_eq!(rules::mul_vjp1(&&a, &bv, g.clone()), owned1);
    assert_eq!(rules::mul_vjp0(&&av, &&b, g.clone()), owned0);
    // a transposed (non-standard-layout) view
    let at = a.t().to_owned();
    let atv = at.t();
    assert_eq!(rules::mul_vjp0(&atv, &b, g.clone()), owned0);
    // scalars by value, by reference and by double reference
    let s = 3.0_f64;
    let by_value = rules::div_vjp1(&a, &s, g.clone());
    assert_eq!(rules::div_vjp1(&a, &&s, g.clone()), by_value);
    assert_eq!(rules::div_vjp1(&av, &&s, g.clone()), by_value);
    let expected: f64 = (&g * &a).sum() * (-1.0 / 9.0);
    assert!((by_value - expected).abs() <= 1e-14);
    assert_eq!(rules::sub_vjp1(&&s, &a, g.clone()), -&g);
    assert_eq!(rules::powf_vjp0(&&2.0_f64, &3.0_f64, 1.0), 12.0);
    // unary rules on views and references
    let y = rules::exp(&a);
    assert_eq!(rules::exp(&av), y);
    assert_eq!(
        rules::exp_vjp(&av, &y, g.clone()),
        rules::exp_vjp(&a, &y, g.clone())
    );
    assert_eq!(rules::exp_vjp(&&a, &y, g.clone()), &g * &y);
    let x = 0.5_f64;
    assert_eq!(rules::sin_vjp(&&x, &x.sin(), 2.0), 2.0 * x.cos());
    // reductions, dot, t, slice and to_owned on views
    assert_eq!(rules::sum_vjp(&av, 2.0), Array2::from_elem((2, 3), 2.0));
    assert_eq!(rules::product_vjp(&bv, 1.0), array![-0.625, 2.5, -1.0]);
    let gy = array![1.0, -1.0];
    assert_eq!(
        rules::dot_vjp0(&av, &bv, gy.clone()),
        rules::dot_vjp0(&a, &b, gy.clone())
    );
    assert_eq!(rules::dot_vjp1(&av, &&b, gy.clone()), a.t().dot(&gy));
    assert_eq!(rules::t(&av), a.t());
    assert_eq!(rules::t_vjp(&av, g.t().to_owned()), g);
    assert_eq!(
        rules::slice_vjp(&av, s![.., 1], array![5.0, 6.0]),
        array![[0.0, 5.0, 0.0], [0.0, 6.0, 0.0]]
    );
    assert_eq!(rules::to_owned(&av), a);
    // f32 operands of every form
    let a32 = a.mapv(|v| v as f32);
    let s32 = 2.0_f32;
    let sum_sq: f32 = a32.iter().map(|v| v * v).sum();
    assert!((rules::mul_vjp1(&a32.view(), &&s32, a32.clone()) - sum_sq).abs() <= 1e-5 * sum_sq);
}

/// `t_vjp` gives a standard-layout array even though the transpose of the gradient is not.
#[test]
fn t_vjp_is_standard_layout() {
    let x = Array2::<f64>::zeros((2, 3));
    let g = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
    let back = rules::t_vjp(&x, g);
    assert!(back.is_standard_layout());
    assert_eq!(back, array![[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]]);
}

/// `powi` with a small power is computed as multiplications: the same bits as `f64::powi` (and
/// `f32::powi`) with an exponent only known at run time, for ordinary and special values; the reverse
/// rule likewise matches `n * x.powi(n - 1)`.
#[test]
fn small_powers_are_the_bits_of_powi() {
    let values = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.1,
        -2.5,
        1.0e-310,
        3.0e100,
        -7.3e-5,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        f64::MAX,
        f64::MIN_POSITIVE,
    ];
    for n in -2..=6 {
        let runtime_n = std::hint::black_box(n);
        for &v in &values {
            let want = v.powi(runtime_n);
            let got = rules::powi(&v, n);
            assert!(
                want.to_bits() == got.to_bits() || (want.is_nan() && got.is_nan()),
                "powi({v}, {n}): {got} against {want}"
            );
            let g = 0.7;
            let want = if n == 0 {
                0.0
            } else {
                g * f64::from(n) * v.powi(runtime_n - 1)
            };
            let got = rules::powi_vjp(&v, n, &rules::powi(&v, n), g);
            assert!(
                want.to_bits() == got.to_bits() || (want.is_nan() && got.is_nan()),
                "powi_vjp({v}, {n}): {got} against {want}"
            );
            let v32 = v as f32;
            let want = v32.powi(runtime_n);
            let got = rules::powi(&v32, n);
            assert!(
                want.to_bits() == got.to_bits() || (want.is_nan() && got.is_nan()),
                "powi({v32}f32, {n}): {got} against {want}"
            );
        }
        let x: Array1<f64> = array![0.3, -1.7, 2.0];
        assert_eq!(rules::powi(&x, n), x.mapv(|v| v.powi(runtime_n)));
    }
}

/// The gradient of `b` in `a·b` (matrix times vector) is `aᵀ g`, summed row by row for a standard-layout
/// `a`: against `ndarray`'s own product, for row counts around the four rows taken at a time, empty
/// shapes, and a transposed (column-major) `a`.
#[test]
fn matrix_vector_gradient_of_the_vector_is_the_transposed_product() {
    for (n, m) in [
        (0, 3),
        (3, 0),
        (1, 7),
        (3, 5),
        (4, 5),
        (5, 5),
        (9, 100),
        (1000, 100),
    ] {
        let a = Array2::from_shape_fn((n, m), |(i, j)| ((i * 31 + j * 7) as f64 * 0.13).sin());
        let b = Array1::from_shape_fn(m, |j| (j as f64 * 0.7).cos());
        let g = Array1::from_shape_fn(n, |i| (i as f64 * 0.3).sin() + 0.5);
        let got = rules::dot_vjp1(&a, &b, g.clone());
        let want = a.t().dot(&g);
        assert_eq!(got.shape(), want.shape());
        for (x, y) in got.iter().zip(&want) {
            assert!(
                (x - y).abs() <= 1e-12 * (1.0 + y.abs()) * n as f64,
                "{n}x{m}: {x} {y}"
            );
        }
        let at = a.t().to_owned();
        let column_major = at.t();
        let got = rules::dot_vjp1(&column_major, &b, g.clone());
        for (x, y) in got.iter().zip(&want) {
            assert!(
                (x - y).abs() <= 1e-12 * (1.0 + y.abs()) * n as f64,
                "{n}x{m} (F): {x} {y}"
            );
        }
    }
}

/// The borrowed-seed rules of `a + b` and `a - b` (`add_vjp1_ref`) give the bits of the rules that take
/// the seed, for every pair of operand forms, broadcast or not.
#[test]
fn borrowed_seed_rules_of_sums_match_the_owned_ones() {
    use ndarray::Array3;
    let m = Array2::from_shape_fn((3, 4), |(i, j)| (i as f64 * 1.3 - j as f64 * 0.7).sin());
    let row = Array1::from_shape_fn(4, |j| j as f64 * 0.25 - 0.4);
    let col = Array2::from_shape_fn((3, 1), |(i, _)| i as f64 + 0.5);
    let cube = Array3::from_shape_fn((2, 3, 4), |(i, j, k)| (i + j * k) as f64 * 0.1);
    let g2 = Array2::from_shape_fn((3, 4), |(i, j)| ((i * 4 + j) as f64 * 0.37).cos());
    let g3 = Array3::from_shape_fn((2, 3, 4), |(i, j, k)| ((i * 12 + j * 4 + k) as f64).sin());
    let same = |a: &Array2<f64>, b: &Array2<f64>| {
        assert_eq!(a.shape(), b.shape());
        assert!(
            a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
            "{a} != {b}"
        );
    };
    // Matrix with row (broadcast right), matrix with column, matrix with matrix.
    same(
        &rules::add_vjp0_ref(&m, &row, &g2),
        &rules::add_vjp0(&m, &row, g2.clone()),
    );
    let r = rules::add_vjp1_ref(&m, &row, &g2);
    assert_eq!(r, rules::add_vjp1(&m, &row, g2.clone()));
    assert_eq!(
        rules::sub_vjp1_ref(&m, &row, &g2),
        rules::sub_vjp1(&m, &row, g2.clone())
    );
    same(
        &rules::sub_vjp1_ref(&m, &col, &g2),
        &rules::sub_vjp1(&m, &col, g2.clone()),
    );
    same(
        &rules::sub_vjp0_ref(&col, &m, &g2),
        &rules::sub_vjp0(&col, &m, g2.clone()),
    );
    same(
        &rules::sub_vjp1_ref(&m, &m, &g2),
        &rules::sub_vjp1(&m, &m, g2.clone()),
    );
    // Leading axes summed away, and scalars on either side.
    assert_eq!(
        rules::add_vjp1_ref(&cube, &m, &g3),
        rules::add_vjp1(&cube, &m, g3.clone())
    );
    assert_eq!(
        rules::sub_vjp0_ref(&row, &cube, &g3),
        rules::sub_vjp0(&row, &cube, g3.clone())
    );
    let s = 1.5f64;
    assert_eq!(
        rules::sub_vjp1_ref(&m, &s, &g2).to_bits(),
        rules::sub_vjp1(&m, &s, g2.clone()).to_bits()
    );
    same(
        &rules::sub_vjp1_ref(&s, &m, &g2),
        &rules::sub_vjp1(&s, &m, g2.clone()),
    );
    assert_eq!(
        rules::add_vjp0_ref(&s, &m, &g2).to_bits(),
        rules::add_vjp0(&s, &m, g2.clone()).to_bits()
    );
    assert_eq!(rules::sub_vjp1_ref(&s, &2.0, &0.25), -0.25);
}

// ---------------------------------------------------------------------------------------------------------
// Statistics, products along an axis, diagonals, rows and columns.

/// A shape of 1 to 3 axes of length 2 to 4 (so that `n - ddof > 0` for `ddof <= 1`) and one of its axes.
fn spread_shape_and_axis() -> impl Strategy<Value = (Vec<usize>, usize)> {
    vec(2usize..5, 1..=3).prop_flat_map(|s| {
        let n = s.len();
        (Just(s), 0..n)
    })
}

fn ddof() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), Just(0.5), Just(1.0)]
}

/// The variance by its definition, written independently of the crate and of ndarray.
fn variance(values: &[f64], ddof: f64) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - ddof)
}

/// Well-spread `f32` values (the standard deviation far from zero, for `f32` differences).
fn spread32<D: Dimension>(shape: impl IntoDimension<Dim = D>) -> Array<f32, D> {
    let dim = shape.into_dimension();
    let values = (0..dim.size())
        .map(|i| ((i * 7 % 5) as f32 - 2.0) * 0.6 + 0.1 * i as f32)
        .collect();
    Array::from_shape_vec(dim, values).expect("as many values as elements")
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn var_and_std((shape, _axis) in spread_shape_and_axis(), xs in pool(any_val()), g in -1.0f64..1.0, d in ddof()) {
        let x = mk(IxDyn(&shape), &xs);
        let values: Vec<f64> = x.iter().copied().collect();
        let v = variance(&values, d);
        prop_assert!((rules::var(&x, d) - v).abs() <= 1e-12 * (1.0 + v));
        prop_assert_eq!(rules::var(&x, d), x.var(d));
        prop_assert_eq!(rules::std(&x, d), x.std(d));
        let grad = rules::var_vjp(&x, d, g);
        fd_check("var_vjp", |x: &ArrayD<f64>| rules::var(x, d), &x, &g, &grad, F64)?;
        // Closed form: d var / dx_i = 2 (x_i - mean) / (n - ddof).
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        for (gi, xi) in grad.iter().zip(&values) {
            let want = g * 2.0 * (xi - mean) / (values.len() as f64 - d);
            prop_assert!((gi - want).abs() <= 1e-12, "var_vjp closed form: {} vs {}", gi, want);
        }
        let grad = rules::std_vjp(&x, d, g);
        fd_check("std_vjp", |x: &ArrayD<f64>| rules::std(x, d), &x, &g, &grad, F64)?;
        let x2 = mk((shape[0], 3), &xs);
        fd_check("std_vjp 2-D", |x: &Array2<f64>| rules::std(x, d), &x2, &g, &rules::std_vjp(&x2, d, g), F64)?;
        let (x32, d32, g32) = (spread32((2, 3)), d as f32, g as f32);
        fd_check("var_vjp f32", |x: &Array2<f32>| rules::var(x, d32), &x32, &g32, &rules::var_vjp(&x32, d32, g32), F32)?;
        fd_check("std_vjp f32", |x: &Array2<f32>| rules::std(x, d32), &x32, &g32, &rules::std_vjp(&x32, d32, g32), F32)?;
    }

    #[test]
    fn var_axis_and_std_axis((shape, axis) in spread_shape_and_axis(), xs in pool(any_val()), gs in cotangents(), d in ddof()) {
        let x = mk(IxDyn(&shape), &xs);
        let y = rules::var_axis(&x, Axis(axis), d);
        prop_assert_eq!(&y, &x.var_axis(Axis(axis), d));
        prop_assert_eq!(rules::std_axis(&x, Axis(axis), d), x.std_axis(Axis(axis), d));
        let g = y.filled_like(&gs);
        let grad = rules::var_axis_vjp(&x, Axis(axis), d, g.clone());
        fd_check(&format!("var_axis_vjp axis {axis}"), |x: &ArrayD<f64>| rules::var_axis(x, Axis(axis), d), &x, &g, &grad, F64)?;
        let grad = rules::std_axis_vjp(&x, Axis(axis), d, g.clone());
        fd_check(&format!("std_axis_vjp axis {axis}"), |x: &ArrayD<f64>| rules::std_axis(x, Axis(axis), d), &x, &g, &grad, F64)?;
        let x3 = mk((2, 3, 4), &xs);
        for ax in 0..3 {
            let g = rules::var_axis(&x3, Axis(ax), d).filled_like(&gs);
            let grad = rules::var_axis_vjp(&x3, Axis(ax), d, g.clone());
            fd_check(&format!("var_axis_vjp 3-D axis {ax}"), |x: &ndarray::Array3<f64>| rules::var_axis(x, Axis(ax), d), &x3, &g, &grad, F64)?;
            let grad = rules::std_axis_vjp(&x3, Axis(ax), d, g.clone());
            fd_check(&format!("std_axis_vjp 3-D axis {ax}"), |x: &ndarray::Array3<f64>| rules::std_axis(x, Axis(ax), d), &x3, &g, &grad, F64)?;
        }
        let (x32, d32) = (spread32((3, 4)), d as f32);
        for ax in 0..2 {
            let g32 = rules::var_axis(&x32, Axis(ax), d32).filled_like(&gs);
            let grad = rules::var_axis_vjp(&x32, Axis(ax), d32, g32.clone());
            fd_check("var_axis_vjp f32", |x: &Array2<f32>| rules::var_axis(x, Axis(ax), d32), &x32, &g32, &grad, F32)?;
            let grad = rules::std_axis_vjp(&x32, Axis(ax), d32, g32.clone());
            fd_check("std_axis_vjp f32", |x: &Array2<f32>| rules::std_axis(x, Axis(ax), d32), &x32, &g32, &grad, F32)?;
        }
    }

    #[test]
    fn product_axis(c in un_case(product_values()), (shape, axis) in shape_and_axis()) {
        let x = mk(IxDyn(&shape), &c.x);
        let y = rules::product_axis(&x, Axis(axis));
        prop_assert_eq!(&y, &x.product_axis(Axis(axis)));
        let g = y.filled_like(&c.g);
        let grad = rules::product_axis_vjp(&x, Axis(axis), g.clone());
        fd_check(&format!("product_axis_vjp axis {axis}"), |x: &ArrayD<f64>| rules::product_axis(x, Axis(axis)), &x, &g, &grad, F64)?;
        let x3 = mk((c.k, c.n, c.m), &c.x);
        for ax in 0..3 {
            let g = rules::product_axis(&x3, Axis(ax)).filled_like(&c.g);
            let grad = rules::product_axis_vjp(&x3, Axis(ax), g.clone());
            fd_check(&format!("product_axis_vjp 3-D axis {ax}"), |x: &ndarray::Array3<f64>| rules::product_axis(x, Axis(ax)), &x3, &g, &grad, F64)?;
        }
        let x32 = mk32((c.n, c.m), &c.x);
        let g32 = rules::product_axis(&x32, Axis(1)).filled_like(&c.g);
        let grad32 = rules::product_axis_vjp(&x32, Axis(1), g32.clone());
        fd_check("product_axis_vjp f32", |x: &Array2<f32>| rules::product_axis(x, Axis(1)), &x32, &g32, &grad32, F32)?;
    }

    #[test]
    fn diag_row_column(c in un_case(any_val())) {
        let m = mk((c.n, c.m), &c.x);
        prop_assert_eq!(rules::diag(&m), m.diag().to_owned());
        let g = rules::diag(&m).filled_like(&c.g);
        let grad = rules::diag_vjp(&m, g.clone());
        fd_check("diag_vjp", |m: &Array2<f64>| rules::diag(m), &m, &g, &grad, F64)?;
        // The seed on the diagonal, zeros elsewhere.
        for ((i, j), &v) in grad.indexed_iter() {
            prop_assert_eq!(v, if i == j { g[i] } else { 0.0 });
        }
        let x3 = mk((c.k, c.n, c.m), &c.x);
        let g3 = rules::diag(&x3).filled_like(&c.g);
        fd_check("diag_vjp 3-D", |x: &ndarray::Array3<f64>| rules::diag(x), &x3, &g3, &rules::diag_vjp(&x3, g3.clone()), F64)?;
        let i = c.k % c.n;
        prop_assert_eq!(rules::row(&m, i), m.row(i).to_owned());
        let g = rules::row(&m, i).filled_like(&c.g);
        fd_check("row_vjp", |m: &Array2<f64>| rules::row(m, i), &m, &g, &rules::row_vjp(&m, i, g.clone()), F64)?;
        let j = c.k % c.m;
        prop_assert_eq!(rules::column(&m, j), m.column(j).to_owned());
        let g = rules::column(&m, j).filled_like(&c.g);
        fd_check("column_vjp", |m: &Array2<f64>| rules::column(m, j), &m, &g, &rules::column_vjp(&m, j, g.clone()), F64)?;
        let m32 = mk32((c.n, c.m), &c.x);
        let g32 = rules::column(&m32, j).filled_like(&c.g);
        fd_check("column_vjp f32", |m: &Array2<f32>| rules::column(m, j), &m32, &g32, &rules::column_vjp(&m32, j, g32.clone()), F32)?;
        let g32 = rules::diag(&m32).filled_like(&c.g);
        fd_check("diag_vjp f32", |m: &Array2<f32>| rules::diag(m), &m32, &g32, &rules::diag_vjp(&m32, g32.clone()), F32)?;
    }
}

#[test]
#[should_panic(expected = "`ddof` must not be less than zero or greater than the length")]
fn var_panics_for_ddof_past_the_length() {
    rules::var(&array![1.0, 2.0], 2.5);
}

#[test]
#[should_panic(expected = "`ddof` must not be less than zero")]
fn std_axis_panics_for_a_negative_ddof() {
    rules::std_axis(&array![[1.0, 2.0], [3.0, 4.0]], Axis(1), -1.0);
}

#[test]
#[should_panic(expected = "index 2 is out of bounds for axis 0 of length 2")]
fn row_panics_past_the_last_row() {
    rules::row(&array![[1.0, 2.0], [3.0, 4.0]], 2);
}

#[test]
#[should_panic(expected = "index 3 is out of bounds for axis 1 of length 2")]
fn column_vjp_panics_past_the_last_column() {
    rules::column_vjp(&array![[1.0, 2.0], [3.0, 4.0]], 3, array![1.0, 1.0]);
}

/// `sum_to`'s slice paths (a bias's rows, one axis to one element) give the bits of the axis-by-axis
/// `sum_axis` reduction that the general path makes, signed zeros and lengths off the lane width
/// included; `sum_to_ref` agrees with both.
#[test]
fn sum_to_slice_paths_keep_the_bits_of_axis_sums() {
    use autodiff_runtime::broadcast::{sum_to, sum_to_ref};
    fn by_axes(g: &ArrayD<f64>, target: &[usize]) -> ArrayD<f64> {
        let mut g = g.clone();
        while g.ndim() > target.len() {
            g = g.sum_axis(Axis(0));
        }
        for (k, &len) in target.iter().enumerate() {
            if len == 1 && g.shape()[k] != 1 {
                g = g.sum_axis(Axis(k)).insert_axis(Axis(k));
            }
        }
        g
    }
    let cases: &[(&[usize], &[usize])] = &[
        (&[37, 5], &[5]),
        (&[256, 128], &[128]),
        (&[1, 9], &[9]),
        (&[37, 1], &[1]),
        (&[1, 37], &[1]),
        (&[37], &[1]),
        (&[4, 6], &[1]),
        (&[37, 1], &[1, 1]),
        (&[3, 4, 5], &[5]),
        (&[3, 4, 5], &[4, 5]),
        (&[6, 5], &[1, 5]),
        (&[6, 5], &[6, 1]),
    ];
    for &(shape, target) in cases {
        let n: usize = shape.iter().product();
        let g = ArrayD::from_shape_vec(
            IxDyn(shape),
            (0..n)
                .map(|i| match i % 7 {
                    0 => -0.0,
                    k => ((i * 31 + k) as f64 * 0.37).sin() * 1e3f64.powi((i % 5) as i32 - 2),
                })
                .collect(),
        )
        .unwrap();
        let want = by_axes(&g, target);
        let t = IxDyn(target);
        for got in [sum_to(g.clone(), &t), sum_to_ref(&g, &t)] {
            assert_eq!(got.shape(), target, "{shape:?} -> {target:?}");
            assert!(
                got.iter()
                    .zip(&want)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{shape:?} -> {target:?}: {got} != {want}"
            );
        }
    }
    // Fixed dimensions, as the generated code calls it.
    let g = Array2::from_shape_fn((37, 5), |(i, j)| ((i * 5 + j) as f64).cos());
    let want = g.sum_axis(Axis(0));
    let got: Array1<f64> = sum_to(g.clone(), &ndarray::Ix1(5));
    assert!(got
        .iter()
        .zip(&want)
        .all(|(a, b)| a.to_bits() == b.to_bits()));
}

/// Matrix products and their reverse rules give standard-layout arrays (`ndarray`'s `dot` makes a
/// column-major product of a column and a row, the gradient of a layer with one output), with the
/// values of `ndarray`'s product.
#[test]
fn matrix_products_are_standard_layout() {
    let h = Array2::from_shape_fn((6, 4), |(i, j)| ((i * 4 + j) as f64 * 0.3).sin());
    let w = Array2::from_shape_fn((4, 1), |(i, _)| i as f64 - 1.5);
    let g = Array2::from_shape_fn((6, 1), |(i, _)| (i as f64).cos());
    let col = Array2::from_shape_fn((6, 1), |(i, _)| i as f64 + 0.5);
    let row = Array2::from_shape_fn((1, 5), |(_, j)| j as f64 - 2.0);
    use ndarray::ShapeBuilder;
    let wide = Array2::from_shape_fn((6, 2).f(), |(i, j)| (i + 3 * j) as f64 * 0.25);
    let tall = Array2::from_shape_fn((2, 5).f(), |(i, j)| (i * 5 + j) as f64 - 4.0);
    let same = |a: &Array2<f64>, b: &Array2<f64>| {
        assert!(a.is_standard_layout(), "strides {:?}", a.strides());
        assert_eq!(a.shape(), b.shape());
        assert!(
            a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
            "{a} != {b}"
        );
    };
    // The gradient of h in h·w: g·wᵀ, a column times a row.
    same(&rules::dot_vjp0(&h, &w, &g), &g.dot(&w.t()));
    same(&rules::dot(&col, &row), &col.dot(&row));
    // Both operands with unit row strides and an inner length above one.
    assert_eq!((wide.strides()[0], tall.strides()[0]), (1, 1));
    same(&rules::dot(&wide, &tall), &wide.dot(&tall));
    same(&rules::dot_vjp1(&h, &w, &g), &h.t().dot(&g));
}
