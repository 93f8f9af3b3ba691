//! Every forward (JVP) rule of the runtime, one case per rule, for every row of the macro's primitive table.
//!
//! For an operand `x`, a tangent `ẋ` of its shape and the rule's output tangent `ẏ = jvp(x, ẋ)`, each case
//! checks, at random points of the function's domain (away from its non-differentiable points) and for
//! scalar and array operands, including broadcasting:
//! 1. `ẏ` has the output's shape and `ẏ[i] ≈ (f(x + hẋ)[i] - f(x - hẋ)[i]) / 2h` (central differences,
//!    `f64`, `h = 1e-6`, relative tolerance 1e-6 plus the rounding noise of the quotient);
//! 2. `<ẏ, g> = <ẋ, vjp(x, g)>` for a random cotangent `g` (the dot-product identity between the forward
//!    and the reverse rule), to 1e-12 relative to the sum of the magnitudes of the terms.
//!
//! Cases run with plain seeded loops (a small splitmix64 generator, so that every run sees the same points).
//! `every_row_has_a_case` holds the table's rows and checks that each forward rule has its case.

use autodiff_runtime::rules;
use autodiff_runtime::{Differentiable, Tangent};
use ndarray::{array, s, Array, Array1, Array2, ArrayD, Axis, Dimension, IntoDimension, IxDyn};
use std::cell::Cell;
use std::fmt::Debug;

// ---------------------------------------------------------------------------------------------------------
// Random values.

/// splitmix64: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// An integer in `lo..=hi`.
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }
    /// An axis length in `1..=4`.
    fn len(&mut self) -> usize {
        self.int(1, 4) as usize
    }
    fn coin(&mut self) -> bool {
        self.next_u64() & 1 == 1
    }
}

/// A domain of values: draws one.
type Dom = fn(&mut Rng) -> f64;

fn any(r: &mut Rng) -> f64 {
    r.range(-3.0, 3.0)
}

/// `±[lo, hi)`: away from zero on both sides.
fn signed(r: &mut Rng, lo: f64, hi: f64) -> f64 {
    let v = r.range(lo, hi);
    if r.coin() {
        v
    } else {
        -v
    }
}

/// Multiples of 1/4 in [-3, 3].
fn grid(r: &mut Rng) -> f64 {
    r.int(-12, 12) as f64 * 0.25
}

/// Odd multiples of 1/8 in (-3, 3): at least 1/8 away from every multiple of 1/4 (and so from every
/// integer and half-integer, where `floor`, `round`, `fract`, ... jump).
fn half_grid(r: &mut Rng) -> f64 {
    (r.int(-12, 11) as f64 + 0.5) * 0.25
}

/// An `f64` array of `shape` with values drawn from `dom`.
fn arr<D: Dimension>(shape: impl IntoDimension<Dim = D>, r: &mut Rng, dom: Dom) -> Array<f64, D> {
    let dim = shape.into_dimension();
    let values = (0..dim.size()).map(|_| dom(r)).collect();
    Array::from_shape_vec(dim, values).expect("as many values as elements")
}

/// A shape of 0 to 3 axes of length 1 to 4.
fn any_shape(r: &mut Rng) -> Vec<usize> {
    let n = r.int(0, 3) as usize;
    (0..n).map(|_| r.len()).collect()
}

// ---------------------------------------------------------------------------------------------------------
// The check.

/// A value the checks can take apart: its shape and its components.
trait Val: Tangent + Debug {
    fn dims(&self) -> Vec<usize>;
    fn vals(&self) -> Vec<f64> {
        (0..self.num_components())
            .map(|i| self.component(i))
            .collect()
    }
}

impl Val for f64 {
    fn dims(&self) -> Vec<usize> {
        vec![]
    }
}

impl<D: Dimension> Val for Array<f64, D> {
    fn dims(&self) -> Vec<usize> {
        self.shape().to_vec()
    }
    fn vals(&self) -> Vec<f64> {
        self.iter().copied().collect()
    }
}

impl Val for Vec<f64> {
    fn dims(&self) -> Vec<usize> {
        vec![self.len()]
    }
}

/// A random tangent (or cotangent) of `x`'s shape, with components in [-1, 1).
fn like<X: Val>(x: &X, r: &mut Rng) -> X {
    let mut t = x.clone();
    for i in 0..t.num_components() {
        t.set_component(i, r.range(-1.0, 1.0));
    }
    t
}

thread_local! {
    /// The checks made by the running case (a case that checks nothing fails).
    static CHECKS: Cell<usize> = const { Cell::new(0) };
}

const STEP: f64 = 1e-6;
const RTOL: f64 = 1e-6;
const ATOL: f64 = 1e-9;
/// A bound on the rounding error of each value of `f`, relative to its magnitude.
const NOISE: f64 = 1e-14;
/// The dot-product identity's tolerance, relative to the magnitudes of the terms of both sides.
const DOT_RTOL: f64 = 1e-12;

/// Checks `jvp`, the forward rule's tangent of `f` at `x` along `x_dot`, against central differences of
/// `f`, and against the reverse rule `vjp` (a cotangent of the output to one of `x`) by the dot-product
/// identity.
fn check<X: Val, Y: Val>(
    what: &str,
    f: impl Fn(&X) -> Y,
    x: &X,
    x_dot: &X,
    jvp: Y,
    vjp: impl Fn(&Y) -> X,
    r: &mut Rng,
) {
    CHECKS.with(|c| c.set(c.get() + 1));
    assert_eq!(x_dot.dims(), x.dims(), "{what}: test bug, tangent shape");
    let y = f(x);
    assert_eq!(
        jvp.dims(),
        y.dims(),
        "{what}: the tangent must have the output's shape"
    );

    // 1. Central differences along x_dot.
    let (mut plus, mut minus) = (x.clone(), x.clone());
    plus.axpy(STEP, x_dot);
    minus.axpy(-STEP, x_dot);
    let (fp, fm) = (f(&plus).vals(), f(&minus).vals());
    for (i, ((&a, &p), &m)) in jvp.vals().iter().zip(&fp).zip(&fm).enumerate() {
        let numeric = (p - m) / (2.0 * STEP);
        let noise = NOISE * p.abs().max(m.abs()) / (2.0 * STEP);
        let allowed = ATOL + RTOL * a.abs().max(numeric.abs()) + noise;
        assert!(
            a.is_finite() && (a - numeric).abs() <= allowed,
            "{what}: component {i} at x = {x:?}, x_dot = {x_dot:?}: jvp {a:e}, central difference \
             {numeric:e} (allowed error {allowed:e})"
        );
    }

    // 2. <jvp, g> = <x_dot, vjp(g)>.
    let g = like(&y, r);
    let back = vjp(&g);
    assert_eq!(
        back.dims(),
        x.dims(),
        "{what}: the reverse rule's gradient has the operand's shape"
    );
    let terms_out: Vec<f64> = jvp
        .vals()
        .iter()
        .zip(g.vals())
        .map(|(a, b)| a * b)
        .collect();
    let terms_in: Vec<f64> = x_dot
        .vals()
        .iter()
        .zip(back.vals())
        .map(|(a, b)| a * b)
        .collect();
    let (lhs, rhs) = (terms_out.iter().sum::<f64>(), terms_in.iter().sum::<f64>());
    let scale: f64 = terms_out.iter().chain(&terms_in).map(|t| t.abs()).sum();
    assert!(
        (lhs - rhs).abs() <= DOT_RTOL * scale,
        "{what}: <jvp, g> = {lhs:e} but <x_dot, vjp(g)> = {rhs:e} (scale {scale:e}) at x = {x:?}"
    );
}

// ---------------------------------------------------------------------------------------------------------
// Elementwise functions of one operand.

macro_rules! unary_check {
    ($r:ident, $f:ident, $vjp:ident, $jvp:ident, $x:expr) => {{
        let x = $x;
        let x_dot = like(&x, $r);
        let y = rules::$f(&x);
        check(
            &format!("{} {:?}", stringify!($jvp), x.dims()),
            |x| rules::$f(x),
            &x,
            &x_dot,
            rules::$jvp(&x, &y, &x_dot),
            |g| rules::$vjp(&x, &y, g.clone()),
            $r,
        );
    }};
}

macro_rules! unary_case {
    ($f:ident, $vjp:ident, $jvp:ident, $dom:expr) => {
        |r: &mut Rng| {
            let dom: Dom = $dom;
            let (k, n, m) = (r.len(), r.len(), r.len());
            unary_check!(r, $f, $vjp, $jvp, dom(r));
            unary_check!(r, $f, $vjp, $jvp, arr(m, r, dom));
            unary_check!(r, $f, $vjp, $jvp, arr((n, m), r, dom));
            unary_check!(r, $f, $vjp, $jvp, arr((k, n, m), r, dom));
            let shape = any_shape(r);
            unary_check!(r, $f, $vjp, $jvp, arr(IxDyn(&shape), r, dom));
        }
    };
}

// ---------------------------------------------------------------------------------------------------------
// Elementwise functions of two operands: every operand combination, broadcasting both ways round.

macro_rules! binary_check {
    (0, $r:ident, $f:ident, $vjp:ident, $jvp:ident, $a:expr, $b:expr) => {{
        let (a, b) = ($a, $b);
        let a_dot = like(&a, $r);
        check(
            &format!("{} {:?} ⊗ {:?}", stringify!($jvp), a.dims(), b.dims()),
            |a| rules::$f(a, &b),
            &a,
            &a_dot,
            rules::$jvp(&a, &b, &a_dot),
            |g| rules::$vjp(&a, &b, g.clone()),
            $r,
        );
    }};
    (1, $r:ident, $f:ident, $vjp:ident, $jvp:ident, $a:expr, $b:expr) => {{
        let (a, b) = ($a, $b);
        let b_dot = like(&b, $r);
        check(
            &format!("{} {:?} ⊗ {:?}", stringify!($jvp), a.dims(), b.dims()),
            |b| rules::$f(&a, b),
            &b,
            &b_dot,
            rules::$jvp(&a, &b, &b_dot),
            |g| rules::$vjp(&a, &b, g.clone()),
            $r,
        );
    }};
}

/// Two shapes that broadcast together: suffixes of a common shape, with some lengths set to 1.
fn broadcast_shapes(r: &mut Rng) -> (Vec<usize>, Vec<usize>) {
    let out = any_shape(r);
    let operand = |r: &mut Rng| -> Vec<usize> {
        let drop = r.int(0, out.len() as i64) as usize;
        out[drop..]
            .iter()
            .map(|&len| if r.coin() { 1 } else { len })
            .collect()
    };
    let a = operand(r);
    (a, operand(r))
}

macro_rules! binary_case {
    ($side:tt, $f:ident, $vjp:ident, $jvp:ident, $da:expr, $db:expr) => {
        |r: &mut Rng| {
            let (da, db): (Dom, Dom) = ($da, $db);
            let (k, n, m) = (r.len(), r.len(), r.len());
            // scalar ⊗ scalar, scalar ⊗ array, array ⊗ scalar
            binary_check!($side, r, $f, $vjp, $jvp, da(r), db(r));
            binary_check!($side, r, $f, $vjp, $jvp, da(r), arr((n, m), r, db));
            binary_check!($side, r, $f, $vjp, $jvp, arr((n, m), r, da), db(r));
            binary_check!($side, r, $f, $vjp, $jvp, da(r), arr((k, n, m), r, db));
            binary_check!($side, r, $f, $vjp, $jvp, arr(m, r, da), db(r));
            // equal shapes
            binary_check!($side, r, $f, $vjp, $jvp, arr(m, r, da), arr(m, r, db));
            binary_check!(
                $side,
                r,
                $f,
                $vjp,
                $jvp,
                arr((n, m), r, da),
                arr((n, m), r, db)
            );
            // (3,) ⊗ (2, 3) and (2, 3) ⊗ (3,), then random lengths
            binary_check!($side, r, $f, $vjp, $jvp, arr(3, r, da), arr((2, 3), r, db));
            binary_check!($side, r, $f, $vjp, $jvp, arr((2, 3), r, da), arr(3, r, db));
            binary_check!($side, r, $f, $vjp, $jvp, arr(m, r, da), arr((n, m), r, db));
            binary_check!($side, r, $f, $vjp, $jvp, arr((n, m), r, da), arr(m, r, db));
            // (n, 1) ⊗ (1, m) both ways, (n, m) ⊗ (n, 1) both ways
            binary_check!(
                $side,
                r,
                $f,
                $vjp,
                $jvp,
                arr((n, 1), r, da),
                arr((1, m), r, db)
            );
            binary_check!(
                $side,
                r,
                $f,
                $vjp,
                $jvp,
                arr((1, m), r, da),
                arr((n, 1), r, db)
            );
            binary_check!(
                $side,
                r,
                $f,
                $vjp,
                $jvp,
                arr((n, m), r, da),
                arr((n, 1), r, db)
            );
            binary_check!(
                $side,
                r,
                $f,
                $vjp,
                $jvp,
                arr((n, 1), r, da),
                arr((n, m), r, db)
            );
            // 3-D with 1-D and 2-D
            binary_check!(
                $side,
                r,
                $f,
                $vjp,
                $jvp,
                arr((k, n, m), r, da),
                arr(m, r, db)
            );
            binary_check!(
                $side,
                r,
                $f,
                $vjp,
                $jvp,
                arr((k, 1, m), r, da),
                arr((n, 1), r, db)
            );
            // random broadcasting shapes, dynamic dimension
            let (sa, sb) = broadcast_shapes(r);
            binary_check!(
                $side,
                r,
                $f,
                $vjp,
                $jvp,
                arr(IxDyn(&sa), r, da),
                arr(IxDyn(&sb), r, db)
            );
        }
    };
}

// ---------------------------------------------------------------------------------------------------------
// The cases, one per forward rule.

type Case = fn(&mut Rng);

/// Seeds per case.
const SEEDS: u64 = 16;

/// Runs the case of `name` with every seed, and checks that it checked something.
fn run(name: &str) {
    let case = cases()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, c)| c)
        .expect("a case of this name");
    let base = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    for seed in 0..SEEDS {
        CHECKS.with(|c| c.set(0));
        case(&mut Rng::new(base ^ seed));
        assert!(
            CHECKS.with(Cell::get) > 0,
            "the case of {name} checked nothing"
        );
    }
}

macro_rules! cases {
    ($($name:ident => $case:expr;)*) => {
        /// Every case, by the name of the forward rule it checks.
        fn cases() -> Vec<(&'static str, Case)> {
            vec![$((stringify!($name), $case as Case)),*]
        }

        /// One test per forward rule.
        mod each {
            $(
                #[test]
                fn $name() {
                    super::run(stringify!($name));
                }
            )*
        }
    };
}

fn ln_dom(r: &mut Rng) -> f64 {
    r.range(0.1, 3.0)
}
fn unit_open(r: &mut Rng) -> f64 {
    r.range(-0.9, 0.9)
}
fn away_from_zero(r: &mut Rng) -> f64 {
    signed(r, 0.1, 3.0)
}
fn divisor(r: &mut Rng) -> f64 {
    signed(r, 0.5, 3.0)
}
fn powf_base(r: &mut Rng) -> f64 {
    r.range(0.2, 3.0)
}
fn powf_exponent(r: &mut Rng) -> f64 {
    r.range(-2.5, 2.5)
}
fn atan2_dom(r: &mut Rng) -> f64 {
    signed(r, 0.2, 3.0)
}
/// Values for `product`: mostly `±[0.5, 1.5)`, sometimes exactly zero (the product is multilinear, so
/// central differences are exact there too).
fn product_dom(r: &mut Rng) -> f64 {
    if r.int(0, 4) == 0 {
        0.0
    } else {
        signed(r, 0.5, 1.5)
    }
}

cases! {
    // Elementwise functions of one operand.
    neg_jvp => unary_case!(neg, neg_vjp, neg_jvp, any);
    exp_jvp => unary_case!(exp, exp_vjp, exp_jvp, any);
    exp2_jvp => unary_case!(exp2, exp2_vjp, exp2_jvp, any);
    exp_m1_jvp => unary_case!(exp_m1, exp_m1_vjp, exp_m1_jvp, any);
    ln_jvp => unary_case!(ln, ln_vjp, ln_jvp, ln_dom);
    ln_1p_jvp => unary_case!(ln_1p, ln_1p_vjp, ln_1p_jvp, |r| r.range(-0.8, 3.0));
    log2_jvp => unary_case!(log2, log2_vjp, log2_jvp, ln_dom);
    log10_jvp => unary_case!(log10, log10_vjp, log10_jvp, ln_dom);
    sqrt_jvp => unary_case!(sqrt, sqrt_vjp, sqrt_jvp, ln_dom);
    cbrt_jvp => unary_case!(cbrt, cbrt_vjp, cbrt_jvp, away_from_zero);
    recip_jvp => unary_case!(recip, recip_vjp, recip_jvp, away_from_zero);
    sin_jvp => unary_case!(sin, sin_vjp, sin_jvp, any);
    cos_jvp => unary_case!(cos, cos_vjp, cos_jvp, any);
    tan_jvp => unary_case!(tan, tan_vjp, tan_jvp, |r| r.range(-1.3, 1.3));
    asin_jvp => unary_case!(asin, asin_vjp, asin_jvp, unit_open);
    acos_jvp => unary_case!(acos, acos_vjp, acos_jvp, unit_open);
    atan_jvp => unary_case!(atan, atan_vjp, atan_jvp, any);
    sinh_jvp => unary_case!(sinh, sinh_vjp, sinh_jvp, any);
    cosh_jvp => unary_case!(cosh, cosh_vjp, cosh_jvp, any);
    tanh_jvp => unary_case!(tanh, tanh_vjp, tanh_jvp, any);
    asinh_jvp => unary_case!(asinh, asinh_vjp, asinh_jvp, any);
    acosh_jvp => unary_case!(acosh, acosh_vjp, acosh_jvp, |r| r.range(1.1, 3.0));
    atanh_jvp => unary_case!(atanh, atanh_vjp, atanh_jvp, unit_open);
    abs_jvp => unary_case!(abs, abs_vjp, abs_jvp, away_from_zero);
    signum_jvp => unary_case!(signum, signum_vjp, signum_jvp, away_from_zero);
    to_degrees_jvp => unary_case!(to_degrees, to_degrees_vjp, to_degrees_jvp, any);
    to_radians_jvp => unary_case!(to_radians, to_radians_vjp, to_radians_jvp, any);
    pow2_jvp => unary_case!(pow2, pow2_vjp, pow2_jvp, any);
    floor_jvp => unary_case!(floor, floor_vjp, floor_jvp, half_grid);
    ceil_jvp => unary_case!(ceil, ceil_vjp, ceil_jvp, half_grid);
    round_jvp => unary_case!(round, round_vjp, round_jvp, half_grid);
    trunc_jvp => unary_case!(trunc, trunc_vjp, trunc_jvp, half_grid);
    fract_jvp => unary_case!(fract, fract_vjp, fract_jvp, half_grid);
    powi_jvp => powi_case;

    // Elementwise functions of two operands.
    add_jvp0 => binary_case!(0, add, add_vjp0, add_jvp0, any, any);
    add_jvp1 => binary_case!(1, add, add_vjp1, add_jvp1, any, any);
    sub_jvp0 => binary_case!(0, sub, sub_vjp0, sub_jvp0, any, any);
    sub_jvp1 => binary_case!(1, sub, sub_vjp1, sub_jvp1, any, any);
    mul_jvp0 => binary_case!(0, mul, mul_vjp0, mul_jvp0, any, any);
    mul_jvp1 => binary_case!(1, mul, mul_vjp1, mul_jvp1, any, any);
    div_jvp0 => binary_case!(0, div, div_vjp0, div_jvp0, any, divisor);
    div_jvp1 => binary_case!(1, div, div_vjp1, div_jvp1, any, divisor);
    powf_jvp0 => binary_case!(0, powf, powf_vjp0, powf_jvp0, powf_base, powf_exponent);
    powf_jvp1 => binary_case!(1, powf, powf_vjp1, powf_jvp1, powf_base, powf_exponent);
    atan2_jvp0 => binary_case!(0, atan2, atan2_vjp0, atan2_jvp0, atan2_dom, atan2_dom);
    atan2_jvp1 => binary_case!(1, atan2, atan2_vjp1, atan2_jvp1, atan2_dom, atan2_dom);
    max_jvp0 => binary_case!(0, max, max_vjp0, max_jvp0, grid, half_grid);
    max_jvp1 => binary_case!(1, max, max_vjp1, max_jvp1, grid, half_grid);
    min_jvp0 => binary_case!(0, min, min_vjp0, min_jvp0, half_grid, grid);
    min_jvp1 => binary_case!(1, min, min_vjp1, min_jvp1, half_grid, grid);
    hypot_jvp0 => binary_case!(0, hypot, hypot_vjp0, hypot_jvp0, atan2_dom, any);
    hypot_jvp1 => binary_case!(1, hypot, hypot_vjp1, hypot_jvp1, atan2_dom, any);

    // Three operands.
    clamp_jvp0 => clamp_case0;
    clamp_jvp1 => clamp_case1;
    clamp_jvp2 => clamp_case2;
    mul_add_jvp0 => mul_add_case0;
    mul_add_jvp1 => mul_add_case1;
    mul_add_jvp2 => mul_add_case2;

    // Reductions.
    sum_jvp => sum_case;
    product_jvp => product_case;
    mean_jvp => mean_case;
    sum_axis_jvp => sum_axis_case;
    mean_axis_jvp => mean_axis_case;
    var_jvp => var_case;
    std_jvp => std_case;
    var_axis_jvp => var_axis_case;
    std_axis_jvp => std_axis_case;
    product_axis_jvp => product_axis_case;

    // Linear algebra.
    dot_jvp0 => dot_case0;
    dot_jvp1 => dot_case1;
    t_jvp => t_case;

    // Shape operations.
    slice_jvp => slice_case;
    insert_axis_jvp => insert_axis_case;
    from_elem_jvp => from_elem_case;
    index_axis_jvp => index_axis_case;
    select_jvp => select_case;
    diag_jvp => diag_case;
    row_jvp => row_case;
    column_jvp => column_case;
    broadcast_jvp => broadcast_case;
    reshape_jvp => reshape_case;
    concatenate_jvp => concatenate_case;
    stack_jvp => stack_case;

    // Copies and element reads.
    to_owned_jvp => to_owned_case;
    carry_jvp => carry_case;
    snapshot_jvp => snapshot_case;
    index_jvp => index_case;
    element_jvp => element_case;

    // Closures.
    mapv_jvp => mapv_case;
}

// ---------------------------------------------------------------------------------------------------------
// powi, clamp, mul_add.

fn powi_case(r: &mut Rng) {
    let n = r.int(-3, 4) as i32;
    let dom: Dom = |r| signed(r, 0.2, 2.0);
    macro_rules! one {
        ($x:expr) => {{
            let x = $x;
            let x_dot = like(&x, r);
            let y = rules::powi(&x, n);
            check(
                &format!("powi_jvp n = {n} {:?}", x.dims()),
                |x| rules::powi(x, n),
                &x,
                &x_dot,
                rules::powi_jvp(&x, n, &y, &x_dot),
                |g| rules::powi_vjp(&x, n, &y, g.clone()),
                r,
            );
        }};
    }
    let (n1, m) = (r.len(), r.len());
    one!(dom(r));
    one!(arr(m, r, dom));
    one!(arr((n1, m), r, dom));
}

/// Bounds `lo < hi` on the grid, and values of `x` off it (so never at a bound).
fn clamp_bounds(r: &mut Rng) -> (f64, f64) {
    let lo = grid(r).min(2.0);
    let hi = lo + r.int(1, 8) as f64 * 0.25;
    (lo, hi)
}

/// Clamp with respect to each operand `k` (0: x, 1: lo, 2: hi), for scalar and array `x`.
macro_rules! clamp_case {
    ($name:ident, $side:tt, $vjp:ident, $jvp:ident) => {
        fn $name(r: &mut Rng) {
            let (n, m) = (r.len(), r.len());
            clamp_check!($side, r, $vjp, $jvp, half_grid(r));
            clamp_check!($side, r, $vjp, $jvp, arr(m, r, half_grid));
            clamp_check!($side, r, $vjp, $jvp, arr((n, m), r, half_grid));
        }
    };
}

macro_rules! clamp_check {
    (0, $r:ident, $vjp:ident, $jvp:ident, $x:expr) => {{
        let ((lo, hi), x) = (clamp_bounds($r), $x);
        let x_dot = like(&x, $r);
        let y = rules::clamp(&x, &lo, &hi);
        check(
            &format!("clamp_jvp0 {:?} in [{lo}, {hi}]", x.dims()),
            |x| rules::clamp(x, &lo, &hi),
            &x,
            &x_dot,
            rules::$jvp(&x, &lo, &hi, &y, &x_dot),
            |g| rules::$vjp(&x, &lo, &hi, &y, g.clone()),
            $r,
        );
    }};
    (1, $r:ident, $vjp:ident, $jvp:ident, $x:expr) => {{
        let ((lo, hi), x) = (clamp_bounds($r), $x);
        let lo_dot = $r.range(-1.0, 1.0);
        let y = rules::clamp(&x, &lo, &hi);
        check(
            &format!("clamp_jvp1 {:?} in [{lo}, {hi}]", x.dims()),
            |lo: &f64| rules::clamp(&x, lo, &hi),
            &lo,
            &lo_dot,
            rules::$jvp(&x, &lo, &hi, &y, &lo_dot),
            |g| rules::$vjp(&x, &lo, &hi, &y, g.clone()),
            $r,
        );
    }};
    (2, $r:ident, $vjp:ident, $jvp:ident, $x:expr) => {{
        let ((lo, hi), x) = (clamp_bounds($r), $x);
        let hi_dot = $r.range(-1.0, 1.0);
        let y = rules::clamp(&x, &lo, &hi);
        check(
            &format!("clamp_jvp2 {:?} in [{lo}, {hi}]", x.dims()),
            |hi: &f64| rules::clamp(&x, &lo, hi),
            &hi,
            &hi_dot,
            rules::$jvp(&x, &lo, &hi, &y, &hi_dot),
            |g| rules::$vjp(&x, &lo, &hi, &y, g.clone()),
            $r,
        );
    }};
}

clamp_case!(clamp_case0, 0, clamp_vjp0, clamp_jvp0);
clamp_case!(clamp_case1, 1, clamp_vjp1, clamp_jvp1);
clamp_case!(clamp_case2, 2, clamp_vjp2, clamp_jvp2);

fn mul_add_case0(r: &mut Rng) {
    let (x, a, b, d) = (any(r), any(r), any(r), r.range(-1.0, 1.0));
    check(
        "mul_add_jvp0",
        |x: &f64| rules::mul_add(x, &a, &b),
        &x,
        &d,
        rules::mul_add_jvp0(&x, &a, &b, &d),
        |g| rules::mul_add_vjp0(&x, &a, &b, *g),
        r,
    );
}

fn mul_add_case1(r: &mut Rng) {
    let (x, a, b, d) = (any(r), any(r), any(r), r.range(-1.0, 1.0));
    check(
        "mul_add_jvp1",
        |a: &f64| rules::mul_add(&x, a, &b),
        &a,
        &d,
        rules::mul_add_jvp1(&x, &a, &b, &d),
        |g| rules::mul_add_vjp1(&x, &a, &b, *g),
        r,
    );
}

fn mul_add_case2(r: &mut Rng) {
    let (x, a, b, d) = (any(r), any(r), any(r), r.range(-1.0, 1.0));
    check(
        "mul_add_jvp2",
        |b: &f64| rules::mul_add(&x, &a, b),
        &b,
        &d,
        rules::mul_add_jvp2(&x, &a, &b, &d),
        |g| rules::mul_add_vjp2(&x, &a, &b, *g),
        r,
    );
}

// ---------------------------------------------------------------------------------------------------------
// Reductions.

/// A reduction to a scalar, over 1-D, 2-D and dynamic-dimension operands.
macro_rules! reduce_case {
    ($name:ident, $f:ident, $vjp:ident, $jvp:ident, $dom:expr) => {
        fn $name(r: &mut Rng) {
            let dom: Dom = $dom;
            let (n, m) = (r.len(), r.len());
            let shape = any_shape(r);
            reduce_check!(r, $f, $vjp, $jvp, arr(m, r, dom));
            reduce_check!(r, $f, $vjp, $jvp, arr((n, m), r, dom));
            reduce_check!(r, $f, $vjp, $jvp, arr(IxDyn(&shape), r, dom));
        }
    };
}

macro_rules! reduce_check {
    ($r:ident, $f:ident, $vjp:ident, $jvp:ident, $x:expr) => {{
        let x = $x;
        let x_dot = like(&x, $r);
        check(
            &format!("{} {:?}", stringify!($jvp), x.dims()),
            |x| rules::$f(x),
            &x,
            &x_dot,
            rules::$jvp(&x, &x_dot),
            |g| rules::$vjp(&x, *g),
            $r,
        );
    }};
}

reduce_case!(sum_case, sum, sum_vjp, sum_jvp, any);
reduce_case!(mean_case, mean, mean_vjp, mean_jvp, any);
reduce_case!(product_case, product, product_vjp, product_jvp, product_dom);

/// A reduction along an axis, for every axis of a 1-D, a 3-D and a dynamic-dimension operand.
macro_rules! axis_case {
    ($name:ident, $f:ident, $vjp:ident, $jvp:ident) => {
        fn $name(r: &mut Rng) {
            let (k, n, m) = (r.len(), r.len(), r.len());
            axis_check!(r, $f, $vjp, $jvp, arr(m, r, any), 0);
            for axis in 0..3 {
                axis_check!(r, $f, $vjp, $jvp, arr((k, n, m), r, any), axis);
            }
            let shape: Vec<usize> = (0..r.int(1, 3)).map(|_| r.len()).collect();
            let axis = r.int(0, shape.len() as i64 - 1) as usize;
            axis_check!(r, $f, $vjp, $jvp, arr(IxDyn(&shape), r, any), axis);
        }
    };
}

macro_rules! axis_check {
    ($r:ident, $f:ident, $vjp:ident, $jvp:ident, $x:expr, $axis:expr) => {{
        let (x, axis) = ($x, Axis($axis));
        let x_dot = like(&x, $r);
        check(
            &format!("{} {:?} axis {}", stringify!($jvp), x.dims(), axis.index()),
            |x| rules::$f(x, axis),
            &x,
            &x_dot,
            rules::$jvp(&x, axis, &x_dot),
            |g| rules::$vjp(&x, axis, g.clone()),
            $r,
        );
    }};
}

axis_case!(sum_axis_case, sum_axis, sum_axis_vjp, sum_axis_jvp);
axis_case!(mean_axis_case, mean_axis, mean_axis_vjp, mean_axis_jvp);

// ---------------------------------------------------------------------------------------------------------
// Linear algebra.

macro_rules! dot_check {
    (0, $r:ident, $a:expr, $b:expr) => {{
        let (a, b) = ($a, $b);
        let a_dot = like(&a, $r);
        check(
            &format!("dot_jvp0 {:?}·{:?}", a.dims(), b.dims()),
            |a| rules::dot(a, &b),
            &a,
            &a_dot,
            rules::dot_jvp0(&a, &b, &a_dot),
            |g| rules::dot_vjp0(&a, &b, g.clone()),
            $r,
        );
    }};
    (1, $r:ident, $a:expr, $b:expr) => {{
        let (a, b) = ($a, $b);
        let b_dot = like(&b, $r);
        check(
            &format!("dot_jvp1 {:?}·{:?}", a.dims(), b.dims()),
            |b| rules::dot(&a, b),
            &b,
            &b_dot,
            rules::dot_jvp1(&a, &b, &b_dot),
            |g| rules::dot_vjp1(&a, &b, g.clone()),
            $r,
        );
    }};
}

macro_rules! dot_case {
    ($name:ident, $side:tt) => {
        fn $name(r: &mut Rng) {
            let (k, n, m) = (r.len(), r.len(), r.len());
            dot_check!($side, r, arr(n, r, any), arr(n, r, any));
            dot_check!($side, r, arr((n, m), r, any), arr(m, r, any));
            dot_check!($side, r, arr(n, r, any), arr((n, m), r, any));
            dot_check!($side, r, arr((n, k), r, any), arr((k, m), r, any));
        }
    };
}

dot_case!(dot_case0, 0);
dot_case!(dot_case1, 1);

/// A linear operation of one array operand with its constant extras: `$f(x, extras..)`.
macro_rules! linear_check {
    ($r:ident, $f:ident, $vjp:ident, $jvp:ident, $x:expr $(, $extra:expr)*) => {{
        let x = $x;
        let x_dot = like(&x, $r);
        check(
            &format!("{} {:?}", stringify!($jvp), x.dims()),
            |x| rules::$f(x $(, $extra)*),
            &x,
            &x_dot,
            rules::$jvp(&x $(, $extra)*, &x_dot),
            |g| rules::$vjp(&x $(, $extra)*, g.clone()),
            $r,
        );
    }};
}

fn t_case(r: &mut Rng) {
    let (k, n, m) = (r.len(), r.len(), r.len());
    linear_check!(r, t, t_vjp, t_jvp, arr(m, r, any));
    linear_check!(r, t, t_vjp, t_jvp, arr((n, m), r, any));
    linear_check!(r, t, t_vjp, t_jvp, arr((k, n, m), r, any));
    let shape = any_shape(r);
    linear_check!(r, t, t_vjp, t_jvp, arr(IxDyn(&shape), r, any));
}

// ---------------------------------------------------------------------------------------------------------
// Shape operations.

fn slice_case(r: &mut Rng) {
    let (k, n, m) = (r.len(), r.len(), r.len());
    let (r0, r1) = (
        r.int(0, n as i64 - 1) as usize,
        r.int(0, n as i64 - 1) as usize,
    );
    let (r0, r1) = (r0.min(r1), r0.max(r1) + 1);
    let col = r.int(0, m as i64 - 1) as usize;
    let step = r.int(1, 2) as isize;
    let x = arr((n, m), r, any);
    linear_check!(
        r,
        slice,
        slice_vjp,
        slice_jvp,
        x.clone(),
        s![r0..r1;step, ..]
    );
    linear_check!(r, slice, slice_vjp, slice_jvp, x.clone(), s![.., col]);
    linear_check!(r, slice, slice_vjp, slice_jvp, x, s![r0..r1, ..;-1]);
    linear_check!(
        r,
        slice,
        slice_vjp,
        slice_jvp,
        arr((k, n, m), r, any),
        s![.., r0, col..;step]
    );
}

fn insert_axis_case(r: &mut Rng) {
    let (n, m) = (r.len(), r.len());
    for axis in 0..3 {
        linear_check!(
            r,
            insert_axis,
            insert_axis_vjp,
            insert_axis_jvp,
            arr((n, m), r, any),
            Axis(axis)
        );
    }
    linear_check!(
        r,
        insert_axis,
        insert_axis_vjp,
        insert_axis_jvp,
        arr(m, r, any),
        Axis(1)
    );
}

fn select_case(r: &mut Rng) {
    let (k, n, m) = (r.len(), r.len(), r.len());
    for (axis, len) in [(0, k), (1, n), (2, m)] {
        // Repeated and reordered indices, more or fewer than the axis has.
        let indices: Vec<usize> = (0..r.len() + 1)
            .map(|_| r.int(0, len as i64 - 1) as usize)
            .collect();
        linear_check!(
            r,
            select,
            select_vjp,
            select_jvp,
            arr((k, n, m), r, any),
            Axis(axis),
            &indices
        );
    }
    let indices = [m - 1, 0, m - 1];
    linear_check!(
        r,
        select,
        select_vjp,
        select_jvp,
        arr(m, r, any),
        Axis(0),
        &indices
    );
}

fn index_axis_case(r: &mut Rng) {
    let (k, n, m) = (r.len(), r.len(), r.len());
    for (axis, len) in [(0, k), (1, n), (2, m)] {
        let i = r.int(0, len as i64 - 1) as usize;
        linear_check!(
            r,
            index_axis,
            index_axis_vjp,
            index_axis_jvp,
            arr((k, n, m), r, any),
            Axis(axis),
            i
        );
    }
    let i = r.int(0, m as i64 - 1) as usize;
    linear_check!(
        r,
        index_axis,
        index_axis_vjp,
        index_axis_jvp,
        arr(m, r, any),
        Axis(0),
        i
    );
}

fn broadcast_case(r: &mut Rng) {
    let (k, n, m) = (r.len(), r.len(), r.len());
    linear_check!(
        r,
        broadcast,
        broadcast_vjp,
        broadcast_jvp,
        arr(m, r, any),
        (n, m)
    );
    linear_check!(
        r,
        broadcast,
        broadcast_vjp,
        broadcast_jvp,
        arr((1, m), r, any),
        (n, m)
    );
    linear_check!(
        r,
        broadcast,
        broadcast_vjp,
        broadcast_jvp,
        arr((n, 1), r, any),
        (k, n, m)
    );
    linear_check!(
        r,
        broadcast,
        broadcast_vjp,
        broadcast_jvp,
        arr((n, m), r, any),
        (n, m)
    );
}

fn reshape_case(r: &mut Rng) {
    let (k, n, m) = (r.len(), r.len(), r.len());
    linear_check!(
        r,
        reshape,
        reshape_vjp,
        reshape_jvp,
        arr((n, m), r, any),
        n * m
    );
    linear_check!(
        r,
        reshape,
        reshape_vjp,
        reshape_jvp,
        arr((n, m), r, any),
        (m, n)
    );
    linear_check!(
        r,
        reshape,
        reshape_vjp,
        reshape_jvp,
        arr((k, n, m), r, any),
        (k * n, m)
    );
    linear_check!(
        r,
        reshape,
        reshape_vjp,
        reshape_jvp,
        arr(n * m, r, any),
        (n, 1, m)
    );
}

fn from_elem_case(r: &mut Rng) {
    let (n, m) = (r.len(), r.len());
    for shape in [vec![m], vec![n, m], vec![]] {
        let (x, x_dot) = (any(r), r.range(-1.0, 1.0));
        check(
            &format!("from_elem_jvp {shape:?}"),
            |x: &f64| rules::from_elem(x, IxDyn(&shape)),
            &x,
            &x_dot,
            rules::from_elem_jvp(&x, IxDyn(&shape), &x_dot),
            |g| rules::from_elem_vjp(&x, IxDyn(&shape), g.clone()),
            r,
        );
    }
    let (x, x_dot) = (any(r), r.range(-1.0, 1.0));
    check(
        "from_elem_jvp (n, m)",
        |x: &f64| rules::from_elem(x, (n, m)),
        &x,
        &x_dot,
        rules::from_elem_jvp(&x, (n, m), &x_dot),
        |g| rules::from_elem_vjp(&x, (n, m), g.clone()),
        r,
    );
}

/// Two parts along `axis` of a 2-D array: `(len0, m)` and `(len1, m)` for axis 0, transposed for axis 1.
fn two_parts(r: &mut Rng, axis: usize) -> (Array2<f64>, Array2<f64>) {
    let (l0, l1, m) = (r.len(), r.len(), r.len());
    let shape = |len: usize| if axis == 0 { (len, m) } else { (m, len) };
    (arr(shape(l0), r, any), arr(shape(l1), r, any))
}

fn concatenate_case(r: &mut Rng) {
    for axis in [Axis(0), Axis(1)] {
        let (a, b) = two_parts(r, axis.index());
        let (a_dot, b_dot) = (like(&a, r), like(&b, r));
        let zeros = |p: &Array2<f64>| Array2::<f64>::zeros(p.raw_dim());
        // Each part alone (the other's tangent zero), against the reverse rule for that part.
        check(
            &format!("concatenate_jvp part 0 axis {}", axis.index()),
            |a: &Array2<f64>| rules::concatenate(axis, &[a.view(), b.view()]),
            &a,
            &a_dot,
            rules::concatenate_jvp(axis, &[a_dot.view(), zeros(&b).view()]),
            |g| rules::concatenate_vjp(axis, &[a.view(), b.view()], 0, g.clone()),
            r,
        );
        check(
            &format!("concatenate_jvp part 1 axis {}", axis.index()),
            |b: &Array2<f64>| rules::concatenate(axis, &[a.view(), b.view()]),
            &b,
            &b_dot,
            rules::concatenate_jvp(axis, &[zeros(&a).view(), b_dot.view()]),
            |g| rules::concatenate_vjp(axis, &[a.view(), b.view()], 1, g.clone()),
            r,
        );
        // Both parts: the sum of the contributions (the rule is linear).
        let both = rules::concatenate_jvp(axis, &[a_dot.view(), b_dot.view()]);
        let sum = rules::concatenate_jvp(axis, &[a_dot.view(), zeros(&b).view()])
            + rules::concatenate_jvp(axis, &[zeros(&a).view(), b_dot.view()]);
        assert_eq!(both, sum, "concatenate_jvp is linear");
    }
}

fn stack_case(r: &mut Rng) {
    let (n, m) = (r.len(), r.len());
    for axis in [Axis(0), Axis(1), Axis(2)] {
        let (a, b) = (arr((n, m), r, any), arr((n, m), r, any));
        let (a_dot, b_dot) = (like(&a, r), like(&b, r));
        let zeros = Array2::<f64>::zeros((n, m));
        check(
            &format!("stack_jvp part 0 axis {}", axis.index()),
            |a: &Array2<f64>| rules::stack(axis, &[a.view(), b.view()]),
            &a,
            &a_dot,
            rules::stack_jvp(axis, &[a_dot.view(), zeros.view()]),
            |g| rules::stack_vjp(axis, &[a.view(), b.view()], 0, g.clone()),
            r,
        );
        check(
            &format!("stack_jvp part 1 axis {}", axis.index()),
            |b: &Array2<f64>| rules::stack(axis, &[a.view(), b.view()]),
            &b,
            &b_dot,
            rules::stack_jvp(axis, &[zeros.view(), b_dot.view()]),
            |g| rules::stack_vjp(axis, &[a.view(), b.view()], 1, g.clone()),
            r,
        );
    }
}

// ---------------------------------------------------------------------------------------------------------
// Copies and element reads.

/// An identity copy `$f` with reverse rule `$vjp`, on scalars, arrays and `Vec`s.
macro_rules! copy_case {
    ($name:ident, $f:ident, $vjp:ident, $jvp:ident) => {
        fn $name(r: &mut Rng) {
            let (n, m) = (r.len(), r.len());
            let shape = any_shape(r);
            linear_check!(r, $f, $vjp, $jvp, any(r));
            linear_check!(r, $f, $vjp, $jvp, arr((n, m), r, any));
            linear_check!(r, $f, $vjp, $jvp, arr(IxDyn(&shape), r, any));
            linear_check!(r, $f, $vjp, $jvp, arr(m, r, any).to_vec());
        }
    };
}

copy_case!(to_owned_case, to_owned, to_owned_vjp, to_owned_jvp);
copy_case!(carry_case, carry, carry_vjp, carry_jvp);
copy_case!(snapshot_case, snapshot, snapshot_vjp, snapshot_jvp);

/// A read `$f(x, i)` whose reverse rule `$acc` adds into a zero gradient of `x`.
macro_rules! read_check {
    ($r:ident, $f:ident, $acc:ident, $jvp:ident, $x:expr, $i:expr) => {{
        let (x, i) = ($x, $i);
        let x_dot = like(&x, $r);
        check(
            &format!("{} {:?} at {:?}", stringify!($jvp), x.dims(), i),
            |x| rules::$f(x, i),
            &x,
            &x_dot,
            rules::$jvp(&x, i, &x_dot),
            |g| {
                let mut tangent = x.zero_tangent();
                rules::$acc(&x, &mut tangent, i, *g);
                tangent
            },
            $r,
        );
    }};
}

fn index_case(r: &mut Rng) {
    let (k, n, m) = (r.len(), r.len(), r.len());
    let pick = |r: &mut Rng, len: usize| r.int(0, len as i64 - 1) as usize;
    let i = pick(r, m);
    read_check!(r, index, index_acc, index_jvp, arr(m, r, any), i);
    // an integer literal's type when nothing else fixes it
    read_check!(r, index, index_acc, index_jvp, arr(m, r, any), i as i32);
    let (i, j) = (pick(r, n), pick(r, m));
    read_check!(r, index, index_acc, index_jvp, arr((n, m), r, any), [i, j]);
    read_check!(r, index, index_acc, index_jvp, arr((n, m), r, any), (i, j));
    let (h, i, j) = (pick(r, k), pick(r, n), pick(r, m));
    read_check!(
        r,
        index,
        index_acc,
        index_jvp,
        arr((k, n, m), r, any),
        [h, i, j]
    );
    let i = pick(r, m);
    read_check!(r, index, index_acc, index_jvp, arr(m, r, any).to_vec(), i);
}

fn element_case(r: &mut Rng) {
    let (k, n, m) = (r.len(), r.len(), r.len());
    let pick = |r: &mut Rng, len: usize| r.int(0, len as i64 - 1) as usize;
    let i = pick(r, m);
    read_check!(r, element, element_acc, element_jvp, arr(m, r, any), i);
    let i = pick(r, n * m);
    read_check!(r, element, element_acc, element_jvp, arr((n, m), r, any), i);
    let i = pick(r, k * n * m);
    read_check!(
        r,
        element,
        element_acc,
        element_jvp,
        arr((k, n, m), r, any),
        i
    );
    let i = pick(r, m);
    read_check!(
        r,
        element,
        element_acc,
        element_jvp,
        arr(m, r, any).to_vec(),
        i
    );
}

// ---------------------------------------------------------------------------------------------------------
// Closures.

fn mapv_case(r: &mut Rng) {
    let (n, m) = (r.len(), r.len());
    macro_rules! one {
        ($x:expr) => {{
            let x = $x;
            let x_dot = like(&x, r);
            // f(v) = v sin v, f'(v) = sin v + v cos v
            let (y, y_dot) = rules::mapv_jvp(&x, &x_dot, |v, d| {
                (v * v.sin(), (v.sin() + v * v.cos()) * d)
            });
            assert_eq!(y, rules::mapv(&x, |v| v * v.sin()), "mapv_jvp: the output");
            // The tangent alone, as forward mode computes it beside the output.
            let t = rules::mapv_tangent(&x, &x_dot, |v, d| (v.sin() + v * v.cos()) * d);
            assert_eq!(t, y_dot, "mapv_tangent: the tangent of mapv_jvp");
            check(
                &format!("mapv_jvp {:?}", x.dims()),
                |x| rules::mapv(x, |v| v * v.sin()),
                &x,
                &x_dot,
                y_dot,
                |g| rules::mapv_vjp(&x, g.clone(), |v, g| (v.sin() + v * v.cos()) * g),
                r,
            );
        }};
    }
    one!(arr(m, r, any));
    one!(arr((n, m), r, any));
    let shape = any_shape(r);
    one!(arr(IxDyn(&shape), r, any));
}

// ---------------------------------------------------------------------------------------------------------
// Coverage: every row of the macro's table has its forward rules, and each of those has a case.

/// The rows of `autodiff-macros/src/prims.rs` as `(name, arity)`, without `field` (the macro handles it)
/// and `stop_gradient` (no derivative).
const TABLE: &[(&str, usize)] = &[
    ("exp", 1),
    ("exp2", 1),
    ("exp_m1", 1),
    ("ln", 1),
    ("ln_1p", 1),
    ("log2", 1),
    ("log10", 1),
    ("sqrt", 1),
    ("cbrt", 1),
    ("recip", 1),
    ("sin", 1),
    ("cos", 1),
    ("tan", 1),
    ("asin", 1),
    ("acos", 1),
    ("atan", 1),
    ("sinh", 1),
    ("cosh", 1),
    ("tanh", 1),
    ("asinh", 1),
    ("acosh", 1),
    ("atanh", 1),
    ("abs", 1),
    ("signum", 1),
    ("to_degrees", 1),
    ("to_radians", 1),
    ("pow2", 1),
    ("floor", 1),
    ("ceil", 1),
    ("round", 1),
    ("trunc", 1),
    ("fract", 1),
    ("neg", 1),
    ("add", 2),
    ("sub", 2),
    ("mul", 2),
    ("div", 2),
    ("powf", 2),
    ("atan2", 2),
    ("max", 2),
    ("min", 2),
    ("hypot", 2),
    ("powi", 1),
    ("clamp", 3),
    ("mul_add", 3),
    ("sum", 1),
    ("product", 1),
    ("mean", 1),
    ("sum_axis", 1),
    ("mean_axis", 1),
    ("dot", 2),
    ("t", 1),
    ("slice", 1),
    ("insert_axis", 1),
    ("from_elem", 1),
    ("index_axis", 1),
    ("select", 1),
    ("var", 1),
    ("std", 1),
    ("var_axis", 1),
    ("std_axis", 1),
    ("product_axis", 1),
    ("diag", 1),
    ("row", 1),
    ("column", 1),
    ("broadcast", 1),
    ("reshape", 1),
    ("to_owned", 1),
    ("index", 1),
    ("element", 1),
    ("carry", 1),
    ("snapshot", 1),
];

/// The rows the forward rules leave to the macro or have none for.
const SKIPPED: &[&str] = &["field", "stop_gradient"];

/// The forward rules of a row: `name_jvp` for one operand, `name_jvp0`, `name_jvp1`, .. for more.
fn jvp_names(name: &str, arity: usize) -> Vec<String> {
    if arity == 1 {
        vec![format!("{name}_jvp")]
    } else {
        (0..arity).map(|k| format!("{name}_jvp{k}")).collect()
    }
}

#[test]
fn every_row_has_a_case() {
    let cases = cases();
    let names: Vec<&str> = cases.iter().map(|(n, _)| *n).collect();
    let mut expected = 0;
    for &(name, arity) in TABLE {
        for jvp in jvp_names(name, arity) {
            expected += 1;
            assert!(
                names.contains(&jvp.as_str()),
                "row `{name}` has no case for `{jvp}`"
            );
        }
    }
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "a case is listed twice");
    // Besides the table's rules: concatenate_jvp, stack_jvp, mapv_jvp.
    assert_eq!(names.len(), expected + 3);
}

/// `TABLE` is the table of `autodiff-macros/src/prims.rs`: the rows read from its source (`row(..)`,
/// `unwrapping(..)` and the names of `unary!(..)`), less those without a derivative (`Family::Stop`) and
/// `field`, are `TABLE`'s, with the same arities.
#[test]
fn table_matches_the_macro_crate() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../autodiff-macros/src/prims.rs"
    );
    let source = std::fs::read_to_string(path).expect("the macro crate's table, prims.rs");
    let mut rows: Vec<(String, usize)> = Vec::new();
    // row("name", Family::.., arity, extras, reads_output)
    for piece in source.split("row(").skip(1) {
        let args: Vec<&str> = piece.split(',').map(str::trim).collect();
        if let Some(name) = args[0].strip_prefix('"').and_then(|a| a.strip_suffix('"')) {
            // A row of `Family::Stop` has no derivative (`stop_gradient`, `zero_tangent`).
            if args[1] != "Family::Stop" {
                let arity = args[2].parse().expect("a row's arity");
                rows.push((name.to_string(), arity));
            }
        }
    }
    // unwrapping("name", Family::.., extras): one operand
    for piece in source.split("unwrapping(").skip(1) {
        let first = piece.split(',').next().unwrap_or("").trim();
        if let Some(name) = first.strip_prefix('"').and_then(|a| a.strip_suffix('"')) {
            rows.push((name.to_string(), 1));
        }
    }
    // static UNARY: [Prim; N] = unary!("exp", ..);
    let unary = source
        .split("= unary!(")
        .nth(1)
        .and_then(|rest| rest.split(");").next())
        .expect("the unary rows");
    for name in unary.split(',') {
        let name = name.trim().trim_matches('"');
        if !name.is_empty() {
            rows.push((name.to_string(), 1));
        }
    }
    rows.retain(|(name, _)| !SKIPPED.contains(&name.as_str()));
    rows.sort();
    let mut table: Vec<(String, usize)> = TABLE.iter().map(|&(n, a)| (n.to_string(), a)).collect();
    table.sort();
    assert_eq!(rows, table, "TABLE differs from the rows of prims.rs");
}

// ---------------------------------------------------------------------------------------------------------
// Non-differentiable points: the forward rules give what the reverse rules give, exactly.

#[test]
fn kinks_match_the_reverse_rules() {
    // abs at 0 takes +1 (also at -0.0).
    assert_eq!(rules::abs_jvp(&0.0_f64, &0.0, &2.0), 2.0);
    assert_eq!(rules::abs_jvp(&-0.0_f64, &0.0, &-3.0), -3.0);
    let x = array![-1.0, 0.0, 2.0];
    let y = rules::abs(&x);
    assert_eq!(
        rules::abs_jvp(&x, &y, &array![1.0, 1.0, 1.0]),
        array![-1.0, 1.0, 1.0]
    );
    // sqrt at 0 is infinite; signum's derivative is 0; powi with n = 0 gives 0.
    assert_eq!(rules::sqrt_jvp(&0.0_f64, &0.0, &1.0), f64::INFINITY);
    assert_eq!(rules::signum_jvp(&0.0_f64, &1.0, &5.0), 0.0);
    assert_eq!(rules::powi_jvp(&0.0_f64, 0, &1.0, &5.0), 0.0);
    // max/min: a tie passes half to each side; without a tie the larger (smaller) side takes all.
    assert_eq!(rules::max_jvp0(&2.0_f64, &2.0, &1.0), 0.5);
    assert_eq!(rules::max_jvp1(&2.0_f64, &2.0, &1.0), 0.5);
    assert_eq!(rules::min_jvp0(&0.0_f64, &-0.0, &-4.0), -2.0);
    assert_eq!(rules::max_jvp0(&3.0_f64, &2.0, &1.0), 1.0);
    assert_eq!(rules::max_jvp1(&3.0_f64, &2.0, &1.0), 0.0);
    // ... under broadcasting: max(x, 2) with a tie in the middle
    let x = array![1.0, 2.0, 3.0];
    assert_eq!(
        rules::max_jvp0(&x, &2.0, &array![1.0, 1.0, 1.0]),
        array![0.0, 0.5, 1.0]
    );
    assert_eq!(rules::max_jvp1(&x, &2.0, &1.0), array![1.0, 0.5, 0.0]);
    assert_eq!(
        rules::min_jvp1(&2.0, &x, &array![4.0, 4.0, 4.0]),
        array![4.0, 2.0, 0.0]
    );
    // powf: d/da is 0 where b == 0 (also at a == 0); d/db takes ln 1 = 0 at a == 0.
    assert_eq!(rules::powf_jvp0(&0.0_f64, &0.0, &1.0), 0.0);
    assert_eq!(rules::powf_jvp1(&0.0_f64, &2.0, &1.0), 0.0);
    // hypot at the origin: half to each side.
    assert_eq!(rules::hypot_jvp0(&0.0_f64, &0.0, &1.0), 0.5);
    assert_eq!(rules::hypot_jvp1(&0.0_f64, &0.0, &-1.0), -0.5);
    // clamp: a tie with a bound passes half (JAX's clip), in each operand.
    let x = array![-1.0, 0.0, 0.5, 1.0, 2.0];
    let y = rules::clamp(&x, &0.0, &1.0);
    let ones = Array1::from_elem(5, 1.0);
    assert_eq!(
        rules::clamp_jvp0(&x, &0.0, &1.0, &y, &ones),
        array![0.0, 0.5, 1.0, 0.5, 0.0]
    );
    assert_eq!(
        rules::clamp_jvp1(&x, &0.0, &1.0, &y, &1.0),
        array![1.0, 0.5, 0.0, 0.0, 0.0]
    );
    assert_eq!(
        rules::clamp_jvp2(&x, &0.0, &1.0, &y, &1.0),
        array![0.0, 0.0, 0.0, 0.5, 1.0]
    );
    // lo == hi == x: x gets 1/4, lo 1/4, hi 1/2.
    assert_eq!(rules::clamp_jvp0(&1.0_f64, &1.0, &1.0, &1.0, &1.0), 0.25);
    assert_eq!(rules::clamp_jvp1(&1.0_f64, &1.0, &1.0, &1.0, &1.0), 0.25);
    assert_eq!(rules::clamp_jvp2(&1.0_f64, &1.0, &1.0, &1.0, &1.0), 0.5);
}

/// At every kink above, the forward and the reverse rule satisfy the dot-product identity exactly.
#[test]
fn kinks_dot_product_identity() {
    let mut r = Rng::new(7);
    let a = array![[1.0, 2.0, 3.0], [2.0, 2.0, 0.0]];
    let b = array![2.0, 2.0, 0.0];
    for _ in 0..8 {
        let (a_dot, b_dot, g) = (like(&a, &mut r), like(&b, &mut r), like(&a, &mut r));
        let pairs = [
            (
                rules::max_jvp0(&a, &b, &a_dot),
                rules::max_vjp0(&a, &b, g.clone()),
            ),
            (
                rules::min_jvp0(&a, &b, &a_dot),
                rules::min_vjp0(&a, &b, g.clone()),
            ),
        ];
        for (jvp, back) in pairs {
            assert_eq!((&jvp * &g).sum(), (&a_dot * &back).sum());
        }
        let (jvp, back) = (
            rules::max_jvp1(&a, &b, &b_dot),
            rules::max_vjp1(&a, &b, g.clone()),
        );
        let (lhs, rhs) = ((&jvp * &g).sum(), (&b_dot * &back).sum());
        assert!((lhs - rhs).abs() <= 1e-15, "{lhs} vs {rhs}");
    }
}

// ---------------------------------------------------------------------------------------------------------
// Operand forms: references, views, non-standard layouts, literals and f32 give what owned f64 values give.

#[test]
fn operand_forms_agree() {
    let a = array![[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]];
    let b = array![2.0, -0.5, 1.25];
    let (a_dot, b_dot) = (a.mapv(|v| v * 0.3 - 0.1), array![0.25, -1.0, 0.5]);
    let owned0 = rules::mul_jvp0(&a, &b, &a_dot);
    let owned1 = rules::mul_jvp1(&a, &b, &b_dot);
    assert_eq!(owned0, &a_dot * &b);
    assert_eq!(owned1, &a * &b_dot);
    let (av, bv) = (a.view(), b.view());
    assert_eq!(rules::mul_jvp0(&av, &bv, &a_dot), owned0);
    assert_eq!(rules::mul_jvp0(&&a, &&bv, &a_dot.view()), owned0);
    assert_eq!(rules::mul_jvp1(&av, &&b, &&b_dot), owned1);
    // a transposed (non-standard-layout) operand and tangent
    let at = a.t().to_owned();
    let a_dot_t = a_dot.t().to_owned();
    assert_eq!(rules::mul_jvp0(&at.t(), &b, &a_dot_t.t()), owned0);
    // scalars by value, by reference, and float literals
    let s = 3.0_f64;
    assert_eq!(
        rules::div_jvp1(&a, &s, &1.0),
        rules::div_jvp1(&a, &&s, &1.0)
    );
    assert_eq!(rules::mul_jvp1(&a, &2.0, &1.0), a);
    assert_eq!(rules::mul_jvp0(&2.0, &s, &1.0), 3.0);
    assert_eq!(rules::mul_jvp0(&s, &a, &2.0), &a * 2.0);
    // unary rules on views and references
    let y = rules::exp(&a);
    assert_eq!(rules::exp_jvp(&av, &y, &a_dot), &a_dot * &y);
    assert_eq!(rules::exp_jvp(&&a, &y, &a_dot.view()), &a_dot * &y);
    let x = 0.5_f64;
    assert_eq!(rules::sin_jvp(&&x, &x.sin(), &2.0), 2.0 * x.cos());
    // reductions, dot, shape operations and reads on views
    assert_eq!(rules::sum_jvp(&av, &a_dot.view()), a_dot.sum());
    assert_eq!(rules::dot_jvp0(&av, &bv, &a_dot), a_dot.dot(&b));
    assert_eq!(rules::dot_jvp1(&av, &bv, &b_dot.view()), a.dot(&b_dot));
    assert_eq!(rules::t_jvp(&av, &a_dot), a_dot.t());
    assert_eq!(rules::slice_jvp(&av, s![.., 1], &a_dot), a_dot.column(1));
    assert_eq!(rules::index_jvp(&av, [1, 2], &a_dot), a_dot[[1, 2]]);
    // element reads in iteration order, also of a transposed view and its transposed tangent
    let (t, t_dot) = (a.t(), a_dot.t());
    for i in 0..6 {
        assert_eq!(
            rules::element_jvp(&t, i, &t_dot),
            *t_dot.iter().nth(i).unwrap()
        );
    }
    // f32 operands
    let a32 = a.mapv(|v| v as f32);
    let d32 = a_dot.mapv(|v| v as f32);
    let y32 = rules::tanh(&a32);
    let expected = rules::tanh_jvp(&a, &rules::tanh(&a), &a_dot);
    let got = rules::tanh_jvp(&a32, &y32, &d32);
    for (g, e) in got.iter().zip(&expected) {
        assert!((f64::from(*g) - e).abs() <= 1e-6, "{g} vs {e}");
    }
    assert_eq!(rules::max_jvp0(&2.0_f32, &2.0_f32, &1.0_f32), 0.5);
    let b32 = b.mapv(|v| v as f32);
    assert_eq!(
        rules::add_jvp0(&1.0_f32, &b32, &2.0_f32),
        Array1::from_elem(3, 2.0_f32)
    );
    assert_eq!(rules::sum_jvp(&a32, &d32), d32.sum());
    let dyn_x: ArrayD<f64> = a.clone().into_dyn();
    assert_eq!(rules::neg_jvp(&dyn_x, &(-&dyn_x), &dyn_x), -&dyn_x);
}

// ---------------------------------------------------------------------------------------------------------
// Shape checks: a tangent of the wrong shape panics at the caller's line.

#[test]
#[should_panic(expected = "a gradient of shape [3] was passed back for a value of shape [2]")]
fn wrong_tangent_shape_of_a_binary_operand() {
    let _ = rules::mul_jvp0(&array![1.0, 2.0], &2.0, &array![1.0, 2.0, 3.0]);
}

#[test]
#[should_panic(expected = "a gradient of shape [3] was passed back for a value of shape [2]")]
fn wrong_tangent_shape_of_a_unary_operand() {
    let x = array![1.0, 2.0];
    let _ = rules::exp_jvp(&x, &rules::exp(&x), &array![1.0, 2.0, 3.0]);
}

#[test]
#[should_panic(expected = "a gradient of shape [2, 1] was passed back for a value of shape [2]")]
fn wrong_tangent_shape_of_a_reduction() {
    let _ = rules::sum_jvp(
        &array![1.0, 2.0].into_dyn(),
        &Array2::<f64>::zeros((2, 1)).into_dyn(),
    );
}

#[test]
#[should_panic(expected = "a tangent of 3 elements was passed for a value of 2 elements")]
fn wrong_tangent_length_of_a_read() {
    let _ = rules::index_jvp(&vec![1.0, 2.0], 0, &vec![1.0, 2.0, 3.0]);
}

// ---------------------------------------------------------------------------------------------------------
// Statistics, products along an axis, diagonals, rows and columns.

/// A `ddof` of 0, 1/2 or 1.
fn ddof(r: &mut Rng) -> f64 {
    [0.0, 0.5, 1.0][r.int(0, 2) as usize]
}

/// An axis length in `2..=4` (so that `n - ddof > 0`).
fn spread_len(r: &mut Rng) -> usize {
    r.int(2, 4) as usize
}

/// `var`, `std` over 1-D, 2-D and dynamic arrays, for each `ddof`.
macro_rules! spread_case {
    ($case:ident, $f:ident, $vjp:ident, $jvp:ident) => {
        fn $case(r: &mut Rng) {
            let (n, m) = (spread_len(r), spread_len(r));
            let d = ddof(r);
            linear_check!(r, $f, $vjp, $jvp, arr(m, r, any), d);
            let d = ddof(r);
            linear_check!(r, $f, $vjp, $jvp, arr((n, m), r, any), d);
            let shape: Vec<usize> = (0..r.int(1, 3)).map(|_| spread_len(r)).collect();
            let d = ddof(r);
            linear_check!(r, $f, $vjp, $jvp, arr(IxDyn(&shape), r, any), d);
        }
    };
}

/// `var_axis`, `std_axis` along every axis of 1-D, 3-D and dynamic arrays.
macro_rules! spread_axis_case {
    ($case:ident, $f:ident, $vjp:ident, $jvp:ident) => {
        fn $case(r: &mut Rng) {
            let (k, n, m) = (spread_len(r), spread_len(r), spread_len(r));
            let d = ddof(r);
            linear_check!(r, $f, $vjp, $jvp, arr(m, r, any), Axis(0), d);
            for axis in 0..3 {
                let d = ddof(r);
                linear_check!(r, $f, $vjp, $jvp, arr((k, n, m), r, any), Axis(axis), d);
            }
            let shape: Vec<usize> = (0..r.int(1, 3)).map(|_| spread_len(r)).collect();
            let (axis, d) = (r.int(0, shape.len() as i64 - 1) as usize, ddof(r));
            linear_check!(r, $f, $vjp, $jvp, arr(IxDyn(&shape), r, any), Axis(axis), d);
        }
    };
}

spread_case!(var_case, var, var_vjp, var_jvp);
spread_case!(std_case, std, std_vjp, std_jvp);
spread_axis_case!(var_axis_case, var_axis, var_axis_vjp, var_axis_jvp);
spread_axis_case!(std_axis_case, std_axis, std_axis_vjp, std_axis_jvp);

fn product_axis_case(r: &mut Rng) {
    let (k, n, m) = (r.len(), r.len(), r.len());
    linear_check!(
        r,
        product_axis,
        product_axis_vjp,
        product_axis_jvp,
        arr(m, r, product_dom),
        Axis(0)
    );
    for axis in 0..3 {
        linear_check!(
            r,
            product_axis,
            product_axis_vjp,
            product_axis_jvp,
            arr((k, n, m), r, product_dom),
            Axis(axis)
        );
    }
}

fn diag_case(r: &mut Rng) {
    let (k, n, m) = (r.len(), r.len(), r.len());
    linear_check!(r, diag, diag_vjp, diag_jvp, arr((n, m), r, any));
    linear_check!(r, diag, diag_vjp, diag_jvp, arr((k, n, m), r, any));
    linear_check!(r, diag, diag_vjp, diag_jvp, arr(m, r, any));
}

fn row_case(r: &mut Rng) {
    let (n, m) = (r.len(), r.len());
    for i in 0..n {
        linear_check!(r, row, row_vjp, row_jvp, arr((n, m), r, any), i);
    }
}

fn column_case(r: &mut Rng) {
    let (n, m) = (r.len(), r.len());
    for j in 0..m {
        linear_check!(r, column, column_vjp, column_jvp, arr((n, m), r, any), j);
    }
}
