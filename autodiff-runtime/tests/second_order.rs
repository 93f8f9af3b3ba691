//! Every second-order rule `{R}_jvp{j}` of the runtime (the derivative of the reverse rule `R` along its
//! argument `j`), one case per rule, for every reverse rule of the macro's primitive table.
//!
//! For the argument `j` of `R` (an operand, the output `y` where `R` takes it, or the seed `g`), a
//! tangent `d` of its shape and the rule's value `J = {R}_jvp{j}(args.., d)`, each case checks, at
//! random points away from the functions' kinks and for scalar and array arguments (with broadcasting
//! for the binary rules):
//! - `J` has the type and shape of `R`'s result;
//! - `J[i] ≈ (R(.., arg_j + h d, ..)[i] - R(.., arg_j - h d, ..)[i]) / 2h`, all other arguments (also `y`)
//!   held: central differences of the first-order rule, `f64`, `h = 1e-6`, relative tolerance 1e-6 plus
//!   the rounding noise of the quotient.
//!
//! A few closed forms and the argument forms that generated code passes are checked separately, and
//! `every_reverse_rule_has_its_cases` reads the macro's table (`autodiff-macros/src/prims.rs`) and checks
//! that every reverse rule has a case for each of its argument positions.

use autodiff_runtime::rules;
use autodiff_runtime::Tangent;
use ndarray::{array, s, Array, Array1, Array2, Axis, Dimension, IntoDimension, IxDyn};
use std::cell::Cell;
use std::fmt::Debug;

// ---------------------------------------------------------------------------------------------------------
// Random values.

/// splitmix64: a small deterministic generator.
struct Rng(u64);

impl Rng {
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
    /// An index below `len`.
    fn below(&mut self, len: usize) -> usize {
        self.int(0, len as i64 - 1) as usize
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

/// Odd multiples of 1/8 in (-3, 3): at least 1/8 away from every multiple of 1/4 (so from every
/// integer, where `floor`, `round`, ... jump, and from every value of `grid`).
fn half_grid(r: &mut Rng) -> f64 {
    (r.int(-12, 11) as f64 + 0.5) * 0.25
}

fn positive(r: &mut Rng) -> f64 {
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
/// central differences are exact up to rounding there too).
fn product_dom(r: &mut Rng) -> f64 {
    if r.int(0, 4) == 0 {
        0.0
    } else {
        signed(r, 0.5, 1.5)
    }
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

// ---------------------------------------------------------------------------------------------------------
// The check.

/// A value the checks can take apart: its shape and its components.
trait Val: Tangent + Debug {
    fn dims(&self) -> Vec<usize>;
    fn vals(&self) -> Vec<f64> {
        self.components()
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
}

impl Val for Vec<f64> {
    fn dims(&self) -> Vec<usize> {
        vec![self.len()]
    }
}

/// A random tangent (or seed) of `x`'s shape, with components in [-1, 1).
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
/// A bound on the rounding error of each value of the rule, relative to the largest magnitude among the
/// components of its result (the binary rules sum up to 64 terms into one component).
const NOISE: f64 = 1e-13;

/// Checks `jvp`, the second-order rule's value along `dot` at the argument `arg`, against central
/// differences of `rule`, the reverse rule as a function of that argument alone.
#[track_caller]
fn check<A: Val, Y: Val>(what: &str, rule: impl Fn(&A) -> Y, arg: &A, dot: &A, jvp: Y) {
    CHECKS.with(|c| c.set(c.get() + 1));
    assert_eq!(dot.dims(), arg.dims(), "{what}: test bug, tangent shape");
    let value = rule(arg);
    assert_eq!(
        jvp.dims(),
        value.dims(),
        "{what}: the derivative must have the shape of the rule's result"
    );
    let (mut plus, mut minus) = (arg.clone(), arg.clone());
    plus.axpy(STEP, dot);
    minus.axpy(-STEP, dot);
    let (fp, fm) = (rule(&plus).vals(), rule(&minus).vals());
    let scale = fp.iter().chain(&fm).fold(0.0_f64, |m, v| m.max(v.abs()));
    let noise = NOISE * scale / (2.0 * STEP);
    for (i, ((&a, &p), &m)) in jvp.vals().iter().zip(&fp).zip(&fm).enumerate() {
        let numeric = (p - m) / (2.0 * STEP);
        let allowed = ATOL + RTOL * a.abs().max(numeric.abs()) + noise;
        assert!(
            a.is_finite() && (a - numeric).abs() <= allowed,
            "{what}: component {i} at {arg:?} along {dot:?}: rule {a:e}, central difference \
             {numeric:e} (allowed error {allowed:e})"
        );
    }
}

// ---------------------------------------------------------------------------------------------------------
// Elementwise functions of one operand: `R(x, y, g)`, positions x (0), y (1), g (2).

macro_rules! unary_check {
    (0, $r:ident, $f:ident, $vjp:ident, $rule:ident, $x:expr) => {{
        let x = $x;
        let y = rules::$f(&x);
        let (g, d) = (like(&y, $r), like(&x, $r));
        check(
            &format!("{} {:?}", stringify!($rule), x.dims()),
            |x| rules::$vjp(x, &y, g.clone()),
            &x,
            &d,
            rules::$rule(&x, &y, &g, &d),
        );
    }};
    (1, $r:ident, $f:ident, $vjp:ident, $rule:ident, $x:expr) => {{
        let x = $x;
        let y = rules::$f(&x);
        let (g, d) = (like(&y, $r), like(&y, $r));
        check(
            &format!("{} {:?}", stringify!($rule), x.dims()),
            |y| rules::$vjp(&x, y, g.clone()),
            &y,
            &d,
            rules::$rule(&x, &y, &g, &d),
        );
    }};
    (2, $r:ident, $f:ident, $vjp:ident, $rule:ident, $x:expr) => {{
        let x = $x;
        let y = rules::$f(&x);
        let (g, d) = (like(&y, $r), like(&y, $r));
        check(
            &format!("{} {:?}", stringify!($rule), x.dims()),
            |g| rules::$vjp(&x, &y, g.clone()),
            &g,
            &d,
            rules::$rule(&x, &y, &g, &d),
        );
    }};
}

macro_rules! unary_case {
    ($pos:tt, $f:ident, $vjp:ident, $rule:ident, $dom:expr) => {
        |r: &mut Rng| {
            let dom: Dom = $dom;
            let (k, n, m) = (r.len(), r.len(), r.len());
            unary_check!($pos, r, $f, $vjp, $rule, dom(r));
            unary_check!($pos, r, $f, $vjp, $rule, arr(m, r, dom));
            unary_check!($pos, r, $f, $vjp, $rule, arr((n, m), r, dom));
            unary_check!($pos, r, $f, $vjp, $rule, arr((k, n, m), r, dom));
            let shape = any_shape(r);
            unary_check!($pos, r, $f, $vjp, $rule, arr(IxDyn(&shape), r, dom));
        }
    };
}

/// `powi_vjp(x, n, y, g)` for `n` in -3..=4.
macro_rules! powi_case {
    ($pos:tt, $rule:ident) => {
        |r: &mut Rng| {
            for n in -3..=4 {
                let dom: Dom = |r| signed(r, 0.2, 2.0);
                let m = r.len();
                powi_check!($pos, r, n, $rule, dom(r));
                powi_check!($pos, r, n, $rule, arr(m, r, dom));
                powi_check!($pos, r, n, $rule, arr((m, 2), r, dom));
            }
        }
    };
}

macro_rules! powi_check {
    ($pos:tt, $r:ident, $n:ident, $rule:ident, $x:expr) => {{
        let x = $x;
        let y = rules::powi(&x, $n);
        let g = like(&y, $r);
        let what = format!("{} n = {} {:?}", stringify!($rule), $n, x.dims());
        powi_check!(@at $pos, $r, $n, $rule, x, y, g, what);
    }};
    (@at 0, $r:ident, $n:ident, $rule:ident, $x:ident, $y:ident, $g:ident, $what:ident) => {{
        let d = like(&$x, $r);
        let f = |x: &_| rules::powi_vjp(x, $n, &$y, $g.clone());
        check(&$what, f, &$x, &d, rules::$rule(&$x, $n, &$y, &$g, &d));
    }};
    (@at 1, $r:ident, $n:ident, $rule:ident, $x:ident, $y:ident, $g:ident, $what:ident) => {{
        let d = like(&$y, $r);
        let f = |y: &_| rules::powi_vjp(&$x, $n, y, $g.clone());
        check(&$what, f, &$y, &d, rules::$rule(&$x, $n, &$y, &$g, &d));
    }};
    (@at 2, $r:ident, $n:ident, $rule:ident, $x:ident, $y:ident, $g:ident, $what:ident) => {{
        let d = like(&$g, $r);
        let f = |g: &_| rules::powi_vjp(&$x, $n, &$y, Clone::clone(g));
        check(&$what, f, &$g, &d, rules::$rule(&$x, $n, &$y, &$g, &d));
    }};
}

/// Bounds `lo < hi` on the grid (values of `x` are off it, so never at a bound).
fn clamp_bounds(r: &mut Rng) -> (f64, f64) {
    let lo = grid(r).min(2.0);
    let hi = lo + r.int(1, 8) as f64 * 0.25;
    (lo, hi)
}

/// `clamp_vjpK(x, lo, hi, y, g)`, positions x (0), lo (1), hi (2), y (3), g (4).
macro_rules! clamp_case {
    ($pos:tt, $vjp:ident, $rule:ident) => {
        |r: &mut Rng| {
            let (n, m) = (r.len(), r.len());
            clamp_check!($pos, r, $vjp, $rule, half_grid(r));
            clamp_check!($pos, r, $vjp, $rule, arr(m, r, half_grid));
            clamp_check!($pos, r, $vjp, $rule, arr((n, m), r, half_grid));
        }
    };
}

macro_rules! clamp_check {
    ($pos:tt, $r:ident, $vjp:ident, $rule:ident, $x:expr) => {{
        let ((lo, hi), x) = (clamp_bounds($r), $x);
        let y = rules::clamp(&x, &lo, &hi);
        let g = like(&y, $r);
        let what = format!("{} {:?} in [{lo}, {hi}]", stringify!($rule), x.dims());
        clamp_check!(@at $pos, $r, $vjp, $rule, x, lo, hi, y, g, what);
    }};
    (@at 0, $r:ident, $vjp:ident, $rule:ident, $x:ident, $lo:ident, $hi:ident, $y:ident, $g:ident, $what:ident) => {{
        let d = like(&$x, $r);
        let f = |x: &_| rules::$vjp(x, &$lo, &$hi, &$y, $g.clone());
        check(&$what, f, &$x, &d, rules::$rule(&$x, &$lo, &$hi, &$y, &$g, &d));
    }};
    (@at 1, $r:ident, $vjp:ident, $rule:ident, $x:ident, $lo:ident, $hi:ident, $y:ident, $g:ident, $what:ident) => {{
        let d = $r.range(-1.0, 1.0);
        let f = |lo: &f64| rules::$vjp(&$x, lo, &$hi, &$y, $g.clone());
        check(&$what, f, &$lo, &d, rules::$rule(&$x, &$lo, &$hi, &$y, &$g, &d));
    }};
    (@at 2, $r:ident, $vjp:ident, $rule:ident, $x:ident, $lo:ident, $hi:ident, $y:ident, $g:ident, $what:ident) => {{
        let d = $r.range(-1.0, 1.0);
        let f = |hi: &f64| rules::$vjp(&$x, &$lo, hi, &$y, $g.clone());
        check(&$what, f, &$hi, &d, rules::$rule(&$x, &$lo, &$hi, &$y, &$g, &d));
    }};
    (@at 3, $r:ident, $vjp:ident, $rule:ident, $x:ident, $lo:ident, $hi:ident, $y:ident, $g:ident, $what:ident) => {{
        let d = like(&$y, $r);
        let f = |y: &_| rules::$vjp(&$x, &$lo, &$hi, y, $g.clone());
        check(&$what, f, &$y, &d, rules::$rule(&$x, &$lo, &$hi, &$y, &$g, &d));
    }};
    (@at 4, $r:ident, $vjp:ident, $rule:ident, $x:ident, $lo:ident, $hi:ident, $y:ident, $g:ident, $what:ident) => {{
        let d = like(&$g, $r);
        let f = |g: &_| rules::$vjp(&$x, &$lo, &$hi, &$y, Clone::clone(g));
        check(&$what, f, &$g, &d, rules::$rule(&$x, &$lo, &$hi, &$y, &$g, &d));
    }};
}

/// `mul_add_vjpK(x, a, b, g)` (scalars), positions x (0), a (1), b (2), g (3).
macro_rules! mul_add_case {
    ($pos:tt, $vjp:ident, $rule:ident) => {
        |r: &mut Rng| {
            let args = [any(r), any(r), any(r), r.range(-1.0, 1.0)];
            let d = r.range(-1.0, 1.0);
            let jvp = rules::$rule(&args[0], &args[1], &args[2], &args[3], &d);
            let at = args[$pos];
            check(
                stringify!($rule),
                |v: &f64| {
                    let mut args = args;
                    args[$pos] = *v;
                    rules::$vjp(&args[0], &args[1], &args[2], args[3])
                },
                &at,
                &d,
                jvp,
            );
        }
    };
}

// ---------------------------------------------------------------------------------------------------------
// Elementwise functions of two operands: `R(a, b, g)`, positions a (0), b (1), g (2), with every
// operand combination, broadcasting both ways round.

macro_rules! binary_check {
    ($pos:tt, $r:ident, $f:ident, $vjp:ident, $rule:ident, $a:expr, $b:expr) => {{
        let (a, b) = ($a, $b);
        let g = like(&rules::$f(&a, &b), $r);
        let what = format!("{} {:?} ⊗ {:?}", stringify!($rule), a.dims(), b.dims());
        binary_check!(@at $pos, $r, $vjp, $rule, a, b, g, what);
    }};
    (@at 0, $r:ident, $vjp:ident, $rule:ident, $a:ident, $b:ident, $g:ident, $what:ident) => {{
        let d = like(&$a, $r);
        let f = |a: &_| rules::$vjp(a, &$b, $g.clone());
        check(&$what, f, &$a, &d, rules::$rule(&$a, &$b, &$g, &d));
    }};
    (@at 1, $r:ident, $vjp:ident, $rule:ident, $a:ident, $b:ident, $g:ident, $what:ident) => {{
        let d = like(&$b, $r);
        let f = |b: &_| rules::$vjp(&$a, b, $g.clone());
        check(&$what, f, &$b, &d, rules::$rule(&$a, &$b, &$g, &d));
    }};
    (@at 2, $r:ident, $vjp:ident, $rule:ident, $a:ident, $b:ident, $g:ident, $what:ident) => {{
        let d = like(&$g, $r);
        let f = |g: &_| rules::$vjp(&$a, &$b, Clone::clone(g));
        check(&$what, f, &$g, &d, rules::$rule(&$a, &$b, &$g, &d));
    }};
}

macro_rules! binary_case {
    ($pos:tt, $f:ident, $vjp:ident, $rule:ident, $da:expr, $db:expr) => {
        |r: &mut Rng| {
            let (da, db): (Dom, Dom) = ($da, $db);
            let (k, n, m) = (r.len(), r.len(), r.len());
            // scalar ⊗ scalar, scalar ⊗ array, array ⊗ scalar
            binary_check!($pos, r, $f, $vjp, $rule, da(r), db(r));
            binary_check!($pos, r, $f, $vjp, $rule, da(r), arr((n, m), r, db));
            binary_check!($pos, r, $f, $vjp, $rule, arr((n, m), r, da), db(r));
            binary_check!($pos, r, $f, $vjp, $rule, da(r), arr((k, n, m), r, db));
            binary_check!($pos, r, $f, $vjp, $rule, arr(m, r, da), db(r));
            // equal shapes
            binary_check!($pos, r, $f, $vjp, $rule, arr(m, r, da), arr(m, r, db));
            binary_check!(
                $pos,
                r,
                $f,
                $vjp,
                $rule,
                arr((n, m), r, da),
                arr((n, m), r, db)
            );
            // a row with a matrix, both ways round
            binary_check!($pos, r, $f, $vjp, $rule, arr(3, r, da), arr((2, 3), r, db));
            binary_check!($pos, r, $f, $vjp, $rule, arr((2, 3), r, da), arr(3, r, db));
            binary_check!($pos, r, $f, $vjp, $rule, arr(m, r, da), arr((n, m), r, db));
            binary_check!($pos, r, $f, $vjp, $rule, arr((n, m), r, da), arr(m, r, db));
            // (n, 1) ⊗ (1, m) both ways, (n, m) ⊗ (n, 1) both ways
            binary_check!(
                $pos,
                r,
                $f,
                $vjp,
                $rule,
                arr((n, 1), r, da),
                arr((1, m), r, db)
            );
            binary_check!(
                $pos,
                r,
                $f,
                $vjp,
                $rule,
                arr((1, m), r, da),
                arr((n, 1), r, db)
            );
            binary_check!(
                $pos,
                r,
                $f,
                $vjp,
                $rule,
                arr((n, m), r, da),
                arr((n, 1), r, db)
            );
            binary_check!(
                $pos,
                r,
                $f,
                $vjp,
                $rule,
                arr((n, 1), r, da),
                arr((n, m), r, db)
            );
            // 3-D with 1-D and 2-D
            binary_check!(
                $pos,
                r,
                $f,
                $vjp,
                $rule,
                arr((k, n, m), r, da),
                arr(m, r, db)
            );
            binary_check!(
                $pos,
                r,
                $f,
                $vjp,
                $rule,
                arr((k, 1, m), r, da),
                arr((n, 1), r, db)
            );
            // random broadcasting shapes, dynamic dimension
            let (sa, sb) = broadcast_shapes(r);
            binary_check!(
                $pos,
                r,
                $f,
                $vjp,
                $rule,
                arr(IxDyn(&sa), r, da),
                arr(IxDyn(&sb), r, db)
            );
        }
    };
}

// ---------------------------------------------------------------------------------------------------------
// Reductions: `R(x, g)` and `R(x, axis, g)`, positions x (0), g (1).

macro_rules! reduce_case {
    ($pos:tt, $f:ident, $vjp:ident, $rule:ident, $dom:expr) => {
        |r: &mut Rng| {
            let dom: Dom = $dom;
            let (n, m) = (r.len(), r.len());
            let shape = any_shape(r);
            reduce_check!($pos, r, $f, $vjp, $rule, arr(m, r, dom));
            reduce_check!($pos, r, $f, $vjp, $rule, arr((n, m), r, dom));
            reduce_check!($pos, r, $f, $vjp, $rule, arr(IxDyn(&shape), r, dom));
        }
    };
}

macro_rules! reduce_check {
    (0, $r:ident, $f:ident, $vjp:ident, $rule:ident, $x:expr) => {{
        let x = $x;
        let (g, d) = ($r.range(-1.0, 1.0), like(&x, $r));
        check(
            &format!("{} {:?}", stringify!($rule), x.dims()),
            |x| rules::$vjp(x, g),
            &x,
            &d,
            rules::$rule(&x, &g, &d),
        );
    }};
    (1, $r:ident, $f:ident, $vjp:ident, $rule:ident, $x:expr) => {{
        let x = $x;
        let (g, d) = ($r.range(-1.0, 1.0), $r.range(-1.0, 1.0));
        check(
            &format!("{} {:?}", stringify!($rule), x.dims()),
            |g: &f64| rules::$vjp(&x, *g),
            &g,
            &d,
            rules::$rule(&x, &g, &d),
        );
    }};
}

macro_rules! axis_case {
    ($pos:tt, $f:ident, $vjp:ident, $rule:ident) => {
        |r: &mut Rng| {
            let (k, n, m) = (r.len(), r.len(), r.len());
            axis_check!($pos, r, $f, $vjp, $rule, arr(m, r, any), 0);
            for axis in 0..3 {
                axis_check!($pos, r, $f, $vjp, $rule, arr((k, n, m), r, any), axis);
            }
            let shape: Vec<usize> = (0..r.int(1, 3)).map(|_| r.len()).collect();
            let axis = r.below(shape.len());
            axis_check!($pos, r, $f, $vjp, $rule, arr(IxDyn(&shape), r, any), axis);
        }
    };
}

macro_rules! axis_check {
    ($pos:tt, $r:ident, $f:ident, $vjp:ident, $rule:ident, $x:expr, $axis:expr) => {{
        let (x, axis) = ($x, Axis($axis));
        let g = like(&rules::$f(&x, axis), $r);
        let what = format!("{} {:?} axis {}", stringify!($rule), x.dims(), axis.index());
        axis_check!(@at $pos, $r, $vjp, $rule, x, axis, g, what);
    }};
    (@at 0, $r:ident, $vjp:ident, $rule:ident, $x:ident, $axis:ident, $g:ident, $what:ident) => {{
        let d = like(&$x, $r);
        let f = |x: &_| rules::$vjp(x, $axis, $g.clone());
        check(&$what, f, &$x, &d, rules::$rule(&$x, $axis, &$g, &d));
    }};
    (@at 1, $r:ident, $vjp:ident, $rule:ident, $x:ident, $axis:ident, $g:ident, $what:ident) => {{
        let d = like(&$g, $r);
        let f = |g: &_| rules::$vjp(&$x, $axis, Clone::clone(g));
        check(&$what, f, &$g, &d, rules::$rule(&$x, $axis, &$g, &d));
    }};
}

// ---------------------------------------------------------------------------------------------------------
// Linear algebra: `dot_vjpK(a, b, g)`, positions a (0), b (1), g (2); `t_vjp(x, g)`.

macro_rules! dot_check {
    ($pos:tt, $r:ident, $vjp:ident, $rule:ident, $a:expr, $b:expr) => {{
        let (a, b) = ($a, $b);
        let g = like(&rules::dot(&a, &b), $r);
        let what = format!("{} {:?}·{:?}", stringify!($rule), a.dims(), b.dims());
        binary_check!(@at $pos, $r, $vjp, $rule, a, b, g, what);
    }};
}

macro_rules! dot_case {
    ($pos:tt, $vjp:ident, $rule:ident) => {
        |r: &mut Rng| {
            let (k, n, m) = (r.len(), r.len(), r.len());
            dot_check!($pos, r, $vjp, $rule, arr(n, r, any), arr(n, r, any));
            dot_check!($pos, r, $vjp, $rule, arr((n, m), r, any), arr(m, r, any));
            dot_check!($pos, r, $vjp, $rule, arr(n, r, any), arr((n, m), r, any));
            dot_check!(
                $pos,
                r,
                $vjp,
                $rule,
                arr((n, k), r, any),
                arr((k, m), r, any)
            );
        }
    };
}

/// A reverse rule `$vjp(x, extras.., g)` of a primitive `$f(x, extras..)`, along `x` (0) or `g` (1).
macro_rules! linear_check {
    ($pos:tt, $r:ident, $f:ident, $vjp:ident, $rule:ident, $x:expr $(, $extra:expr)*) => {{
        let x = $x;
        let g = like(&rules::$f(&x $(, $extra)*), $r);
        let what = format!("{} {:?}", stringify!($rule), x.dims());
        linear_check!(@at $pos, $r, $vjp, $rule, x, g, what $(, $extra)*);
    }};
    (@at 0, $r:ident, $vjp:ident, $rule:ident, $x:ident, $g:ident, $what:ident $(, $extra:expr)*) => {{
        let d = like(&$x, $r);
        let f = |x: &_| rules::$vjp(x $(, $extra)*, $g.clone());
        check(&$what, f, &$x, &d, rules::$rule(&$x $(, $extra)*, &$g, &d));
    }};
    (@at 1, $r:ident, $vjp:ident, $rule:ident, $x:ident, $g:ident, $what:ident $(, $extra:expr)*) => {{
        let d = like(&$g, $r);
        let f = |g: &_| rules::$vjp(&$x $(, $extra)*, Clone::clone(g));
        check(&$what, f, &$g, &d, rules::$rule(&$x $(, $extra)*, &$g, &d));
    }};
}

macro_rules! t_case {
    ($pos:tt, $rule:ident) => {
        |r: &mut Rng| {
            let (k, n, m) = (r.len(), r.len(), r.len());
            linear_check!($pos, r, t, t_vjp, $rule, arr(m, r, any));
            linear_check!($pos, r, t, t_vjp, $rule, arr((n, m), r, any));
            linear_check!($pos, r, t, t_vjp, $rule, arr((k, n, m), r, any));
            let shape = any_shape(r);
            linear_check!($pos, r, t, t_vjp, $rule, arr(IxDyn(&shape), r, any));
        }
    };
}

// ---------------------------------------------------------------------------------------------------------
// Shape operations and copies: `R(x, extras.., g)`, positions x (0), g (1).

macro_rules! slice_case {
    ($pos:tt, $rule:ident) => {
        |r: &mut Rng| {
            let (k, n, m) = (r.len(), r.len(), r.len());
            let (r0, r1) = (r.below(n), r.below(n));
            let (r0, r1) = (r0.min(r1), r0.max(r1) + 1);
            let col = r.below(m);
            let step = r.int(1, 2) as isize;
            let x = arr((n, m), r, any);
            linear_check!($pos, r, slice, slice_vjp, $rule, x.clone(), s![r0..r1;step, ..]);
            linear_check!($pos, r, slice, slice_vjp, $rule, x.clone(), s![.., col]);
            linear_check!($pos, r, slice, slice_vjp, $rule, x, s![r0..r1, ..;-1]);
            linear_check!(
                $pos,
                r,
                slice,
                slice_vjp,
                $rule,
                arr((k, n, m), r, any),
                s![.., r0, col..;step]
            );
        }
    };
}

macro_rules! insert_axis_case {
    ($pos:tt, $rule:ident) => {
        |r: &mut Rng| {
            let (n, m) = (r.len(), r.len());
            for axis in 0..3 {
                let x = arr((n, m), r, any);
                linear_check!($pos, r, insert_axis, insert_axis_vjp, $rule, x, Axis(axis));
            }
            let x = arr(m, r, any);
            linear_check!($pos, r, insert_axis, insert_axis_vjp, $rule, x, Axis(1));
        }
    };
}

macro_rules! index_axis_case {
    ($pos:tt, $rule:ident) => {
        |r: &mut Rng| {
            let (k, n, m) = (r.len(), r.len(), r.len());
            for (axis, len) in [(0, k), (1, n), (2, m)] {
                let (i, x) = (r.below(len), arr((k, n, m), r, any));
                linear_check!($pos, r, index_axis, index_axis_vjp, $rule, x, Axis(axis), i);
            }
            let (i, x) = (r.below(m), arr(m, r, any));
            linear_check!($pos, r, index_axis, index_axis_vjp, $rule, x, Axis(0), i);
        }
    };
}

macro_rules! select_case {
    ($pos:tt, $rule:ident) => {
        |r: &mut Rng| {
            let (k, n, m) = (r.len(), r.len(), r.len());
            for (axis, len) in [(0, k), (1, n), (2, m)] {
                let indices: Vec<usize> = (0..r.len() + 1).map(|_| r.below(len)).collect();
                let x = arr((k, n, m), r, any);
                linear_check!($pos, r, select, select_vjp, $rule, x, Axis(axis), &indices);
            }
            let (indices, x) = ([m - 1, 0, m - 1], arr(m, r, any));
            linear_check!($pos, r, select, select_vjp, $rule, x, Axis(0), &indices);
        }
    };
}

macro_rules! broadcast_case {
    ($pos:tt, $rule:ident) => {
        |r: &mut Rng| {
            let (k, n, m) = (r.len(), r.len(), r.len());
            let x = arr(m, r, any);
            linear_check!($pos, r, broadcast, broadcast_vjp, $rule, x, (n, m));
            let x = arr((1, m), r, any);
            linear_check!($pos, r, broadcast, broadcast_vjp, $rule, x, (n, m));
            let x = arr((n, 1), r, any);
            linear_check!($pos, r, broadcast, broadcast_vjp, $rule, x, (k, n, m));
            let x = arr((n, m), r, any);
            linear_check!($pos, r, broadcast, broadcast_vjp, $rule, x, (n, m));
        }
    };
}

macro_rules! reshape_case {
    ($pos:tt, $rule:ident) => {
        |r: &mut Rng| {
            let (k, n, m) = (r.len(), r.len(), r.len());
            let x = arr((n, m), r, any);
            linear_check!($pos, r, reshape, reshape_vjp, $rule, x, n * m);
            let x = arr((n, m), r, any);
            linear_check!($pos, r, reshape, reshape_vjp, $rule, x, (m, n));
            let x = arr((k, n, m), r, any);
            linear_check!($pos, r, reshape, reshape_vjp, $rule, x, (k * n, m));
            let x = arr(n * m, r, any);
            linear_check!($pos, r, reshape, reshape_vjp, $rule, x, (n, 1, m));
        }
    };
}

macro_rules! from_elem_case {
    ($pos:tt, $rule:ident) => {
        |r: &mut Rng| {
            let (n, m) = (r.len(), r.len());
            for shape in [vec![m], vec![n, m], vec![]] {
                linear_check!(
                    $pos,
                    r,
                    from_elem,
                    from_elem_vjp,
                    $rule,
                    any(r),
                    IxDyn(&shape)
                );
            }
            linear_check!($pos, r, from_elem, from_elem_vjp, $rule, any(r), (n, m));
        }
    };
}

/// An identity copy on scalars, arrays and `Vec`s.
macro_rules! copy_case {
    ($pos:tt, $f:ident, $vjp:ident, $rule:ident) => {
        |r: &mut Rng| {
            let (n, m) = (r.len(), r.len());
            let shape = any_shape(r);
            linear_check!($pos, r, $f, $vjp, $rule, any(r));
            linear_check!($pos, r, $f, $vjp, $rule, arr((n, m), r, any));
            linear_check!($pos, r, $f, $vjp, $rule, arr(IxDyn(&shape), r, any));
            linear_check!($pos, r, $f, $vjp, $rule, arr(m, r, any).to_vec());
        }
    };
}

/// Two parts along `axis` of a 2-D array: `(len0, m)` and `(len1, m)` for axis 0, transposed for axis 1.
fn two_parts(r: &mut Rng, axis: usize) -> (Array2<f64>, Array2<f64>) {
    let (l0, l1, m) = (r.len(), r.len(), r.len());
    let shape = |len: usize| if axis == 0 { (len, m) } else { (m, len) };
    (arr(shape(l0), r, any), arr(shape(l1), r, any))
}

/// `concatenate_vjp(axis, parts, k, g)` and `stack_vjp(..)` along the parts (0: each part's values in
/// turn, the other's tangent zero) and along `g` (1).
macro_rules! join_case {
    ($pos:tt, $join:ident, $vjp:ident, $rule:ident, $axes:expr, $parts:expr) => {
        |r: &mut Rng| {
            let parts: fn(&mut Rng, usize) -> (Array2<f64>, Array2<f64>) = $parts;
            for axis in $axes {
                let (a, b) = parts(r, axis);
                let axis = Axis(axis);
                let g = like(&rules::$join(axis, &[a.view(), b.view()]), r);
                for k in 0..2 {
                    join_check!($pos, r, $vjp, $rule, axis, a, b, k, g);
                }
            }
        }
    };
}

macro_rules! join_check {
    (0, $r:ident, $vjp:ident, $rule:ident, $axis:ident, $a:ident, $b:ident, $k:ident, $g:ident) => {{
        let what = format!("{} part {} axis {}", stringify!($rule), $k, $axis.index());
        let (da, db) = (like(&$a, $r), like(&$b, $r));
        let (za, zb) = (Array2::zeros($a.raw_dim()), Array2::zeros($b.raw_dim()));
        let parts = [$a.view(), $b.view()];
        check(
            &what,
            |a: &Array2<f64>| rules::$vjp($axis, &[a.view(), $b.view()], $k, $g.clone()),
            &$a,
            &da,
            rules::$rule($axis, &parts, $k, &$g, &[da.view(), zb.view()]),
        );
        check(
            &what,
            |b: &Array2<f64>| rules::$vjp($axis, &[$a.view(), b.view()], $k, $g.clone()),
            &$b,
            &db,
            rules::$rule($axis, &parts, $k, &$g, &[za.view(), db.view()]),
        );
    }};
    (1, $r:ident, $vjp:ident, $rule:ident, $axis:ident, $a:ident, $b:ident, $k:ident, $g:ident) => {{
        let what = format!("{} part {} axis {}", stringify!($rule), $k, $axis.index());
        let d = like(&$g, $r);
        let parts = [$a.view(), $b.view()];
        check(
            &what,
            |g: &_| rules::$vjp($axis, &parts, $k, Clone::clone(g)),
            &$g,
            &d,
            rules::$rule($axis, &parts, $k, &$g, &d),
        );
    }};
}

/// Two parts of the same shape `(n, m)`.
fn same_parts(r: &mut Rng, _axis: usize) -> (Array2<f64>, Array2<f64>) {
    let (n, m) = (r.len(), r.len());
    (arr((n, m), r, any), arr((n, m), r, any))
}

// ---------------------------------------------------------------------------------------------------------
// Statistics, products along an axis, diagonals, rows and columns: `R(x, extras.., g)`, positions x (0),
// g (1).

/// A `ddof` of 0, 1/2 or 1.
fn ddof(r: &mut Rng) -> f64 {
    [0.0, 0.5, 1.0][r.below(3)]
}

/// An axis length in `2..=4` (so that `n - ddof > 0`).
fn spread_len(r: &mut Rng) -> usize {
    r.int(2, 4) as usize
}

/// `var_vjp(x, ddof, g)`, `std_vjp(x, ddof, g)` over 1-D, 2-D and dynamic arrays.
macro_rules! spread_case {
    ($pos:tt, $f:ident, $vjp:ident, $rule:ident) => {
        |r: &mut Rng| {
            let (n, m) = (spread_len(r), spread_len(r));
            let d = ddof(r);
            linear_check!($pos, r, $f, $vjp, $rule, arr(m, r, any), d);
            let d = ddof(r);
            linear_check!($pos, r, $f, $vjp, $rule, arr((n, m), r, any), d);
            let shape: Vec<usize> = (0..r.int(1, 3)).map(|_| spread_len(r)).collect();
            let d = ddof(r);
            linear_check!($pos, r, $f, $vjp, $rule, arr(IxDyn(&shape), r, any), d);
        }
    };
}

/// `var_axis_vjp(x, axis, ddof, g)`, `std_axis_vjp(..)` along every axis.
macro_rules! spread_axis_case {
    ($pos:tt, $f:ident, $vjp:ident, $rule:ident) => {
        |r: &mut Rng| {
            let (k, n, m) = (spread_len(r), spread_len(r), spread_len(r));
            let d = ddof(r);
            linear_check!($pos, r, $f, $vjp, $rule, arr(m, r, any), Axis(0), d);
            for axis in 0..3 {
                let d = ddof(r);
                let x = arr((k, n, m), r, any);
                linear_check!($pos, r, $f, $vjp, $rule, x, Axis(axis), d);
            }
            let shape: Vec<usize> = (0..r.int(1, 3)).map(|_| spread_len(r)).collect();
            let (axis, d) = (r.below(shape.len()), ddof(r));
            let x = arr(IxDyn(&shape), r, any);
            linear_check!($pos, r, $f, $vjp, $rule, x, Axis(axis), d);
        }
    };
}

macro_rules! product_axis_case {
    ($pos:tt, $rule:ident) => {
        |r: &mut Rng| {
            let (k, n, m) = (r.len(), r.len(), r.len());
            let x = arr(m, r, product_dom);
            linear_check!($pos, r, product_axis, product_axis_vjp, $rule, x, Axis(0));
            for axis in 0..3 {
                let x = arr((k, n, m), r, product_dom);
                linear_check!(
                    $pos,
                    r,
                    product_axis,
                    product_axis_vjp,
                    $rule,
                    x,
                    Axis(axis)
                );
            }
        }
    };
}

macro_rules! diag_case {
    ($pos:tt, $rule:ident) => {
        |r: &mut Rng| {
            let (k, n, m) = (r.len(), r.len(), r.len());
            linear_check!($pos, r, diag, diag_vjp, $rule, arr((n, m), r, any));
            linear_check!($pos, r, diag, diag_vjp, $rule, arr((k, n, m), r, any));
            linear_check!($pos, r, diag, diag_vjp, $rule, arr(m, r, any));
        }
    };
}

/// `row_vjp(m, i, g)`, `column_vjp(m, j, g)` for every row or column.
macro_rules! lane_case {
    ($pos:tt, $f:ident, $vjp:ident, $rule:ident, $axis:expr) => {
        |r: &mut Rng| {
            let shape = [r.len(), r.len()];
            for i in 0..shape[$axis] {
                linear_check!($pos, r, $f, $vjp, $rule, arr(shape, r, any), i);
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------------------
// The cases, one per second-order rule.

type Case = fn(&mut Rng);

/// Seeds per case.
const SEEDS: u64 = 12;

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
        case(&mut Rng(base ^ seed));
        assert!(
            CHECKS.with(Cell::get) > 0,
            "the case of {name} checked nothing"
        );
    }
}

macro_rules! cases {
    ($($name:ident => $case:expr;)*) => {
        /// Every case, by the name of the rule it checks.
        fn cases() -> Vec<(&'static str, Case)> {
            vec![$((stringify!($name), $case as Case)),*]
        }

        /// One test per second-order rule.
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

cases! {
    // Elementwise functions of one operand: (x, y, g).
    neg_vjp_jvp0 => unary_case!(0, neg, neg_vjp, neg_vjp_jvp0, any);
    neg_vjp_jvp1 => unary_case!(1, neg, neg_vjp, neg_vjp_jvp1, any);
    neg_vjp_jvp2 => unary_case!(2, neg, neg_vjp, neg_vjp_jvp2, any);
    exp_vjp_jvp0 => unary_case!(0, exp, exp_vjp, exp_vjp_jvp0, any);
    exp_vjp_jvp1 => unary_case!(1, exp, exp_vjp, exp_vjp_jvp1, any);
    exp_vjp_jvp2 => unary_case!(2, exp, exp_vjp, exp_vjp_jvp2, any);
    exp2_vjp_jvp0 => unary_case!(0, exp2, exp2_vjp, exp2_vjp_jvp0, any);
    exp2_vjp_jvp1 => unary_case!(1, exp2, exp2_vjp, exp2_vjp_jvp1, any);
    exp2_vjp_jvp2 => unary_case!(2, exp2, exp2_vjp, exp2_vjp_jvp2, any);
    exp_m1_vjp_jvp0 => unary_case!(0, exp_m1, exp_m1_vjp, exp_m1_vjp_jvp0, any);
    exp_m1_vjp_jvp1 => unary_case!(1, exp_m1, exp_m1_vjp, exp_m1_vjp_jvp1, any);
    exp_m1_vjp_jvp2 => unary_case!(2, exp_m1, exp_m1_vjp, exp_m1_vjp_jvp2, any);
    ln_vjp_jvp0 => unary_case!(0, ln, ln_vjp, ln_vjp_jvp0, positive);
    ln_vjp_jvp1 => unary_case!(1, ln, ln_vjp, ln_vjp_jvp1, positive);
    ln_vjp_jvp2 => unary_case!(2, ln, ln_vjp, ln_vjp_jvp2, positive);
    ln_1p_vjp_jvp0 => unary_case!(0, ln_1p, ln_1p_vjp, ln_1p_vjp_jvp0, |r| r.range(-0.8, 3.0));
    ln_1p_vjp_jvp1 => unary_case!(1, ln_1p, ln_1p_vjp, ln_1p_vjp_jvp1, |r| r.range(-0.8, 3.0));
    ln_1p_vjp_jvp2 => unary_case!(2, ln_1p, ln_1p_vjp, ln_1p_vjp_jvp2, |r| r.range(-0.8, 3.0));
    log2_vjp_jvp0 => unary_case!(0, log2, log2_vjp, log2_vjp_jvp0, positive);
    log2_vjp_jvp1 => unary_case!(1, log2, log2_vjp, log2_vjp_jvp1, positive);
    log2_vjp_jvp2 => unary_case!(2, log2, log2_vjp, log2_vjp_jvp2, positive);
    log10_vjp_jvp0 => unary_case!(0, log10, log10_vjp, log10_vjp_jvp0, positive);
    log10_vjp_jvp1 => unary_case!(1, log10, log10_vjp, log10_vjp_jvp1, positive);
    log10_vjp_jvp2 => unary_case!(2, log10, log10_vjp, log10_vjp_jvp2, positive);
    sqrt_vjp_jvp0 => unary_case!(0, sqrt, sqrt_vjp, sqrt_vjp_jvp0, positive);
    sqrt_vjp_jvp1 => unary_case!(1, sqrt, sqrt_vjp, sqrt_vjp_jvp1, positive);
    sqrt_vjp_jvp2 => unary_case!(2, sqrt, sqrt_vjp, sqrt_vjp_jvp2, positive);
    cbrt_vjp_jvp0 => unary_case!(0, cbrt, cbrt_vjp, cbrt_vjp_jvp0, away_from_zero);
    cbrt_vjp_jvp1 => unary_case!(1, cbrt, cbrt_vjp, cbrt_vjp_jvp1, away_from_zero);
    cbrt_vjp_jvp2 => unary_case!(2, cbrt, cbrt_vjp, cbrt_vjp_jvp2, away_from_zero);
    recip_vjp_jvp0 => unary_case!(0, recip, recip_vjp, recip_vjp_jvp0, away_from_zero);
    recip_vjp_jvp1 => unary_case!(1, recip, recip_vjp, recip_vjp_jvp1, away_from_zero);
    recip_vjp_jvp2 => unary_case!(2, recip, recip_vjp, recip_vjp_jvp2, away_from_zero);
    sin_vjp_jvp0 => unary_case!(0, sin, sin_vjp, sin_vjp_jvp0, any);
    sin_vjp_jvp1 => unary_case!(1, sin, sin_vjp, sin_vjp_jvp1, any);
    sin_vjp_jvp2 => unary_case!(2, sin, sin_vjp, sin_vjp_jvp2, any);
    cos_vjp_jvp0 => unary_case!(0, cos, cos_vjp, cos_vjp_jvp0, any);
    cos_vjp_jvp1 => unary_case!(1, cos, cos_vjp, cos_vjp_jvp1, any);
    cos_vjp_jvp2 => unary_case!(2, cos, cos_vjp, cos_vjp_jvp2, any);
    tan_vjp_jvp0 => unary_case!(0, tan, tan_vjp, tan_vjp_jvp0, |r| r.range(-1.3, 1.3));
    tan_vjp_jvp1 => unary_case!(1, tan, tan_vjp, tan_vjp_jvp1, |r| r.range(-1.3, 1.3));
    tan_vjp_jvp2 => unary_case!(2, tan, tan_vjp, tan_vjp_jvp2, |r| r.range(-1.3, 1.3));
    asin_vjp_jvp0 => unary_case!(0, asin, asin_vjp, asin_vjp_jvp0, unit_open);
    asin_vjp_jvp1 => unary_case!(1, asin, asin_vjp, asin_vjp_jvp1, unit_open);
    asin_vjp_jvp2 => unary_case!(2, asin, asin_vjp, asin_vjp_jvp2, unit_open);
    acos_vjp_jvp0 => unary_case!(0, acos, acos_vjp, acos_vjp_jvp0, unit_open);
    acos_vjp_jvp1 => unary_case!(1, acos, acos_vjp, acos_vjp_jvp1, unit_open);
    acos_vjp_jvp2 => unary_case!(2, acos, acos_vjp, acos_vjp_jvp2, unit_open);
    atan_vjp_jvp0 => unary_case!(0, atan, atan_vjp, atan_vjp_jvp0, any);
    atan_vjp_jvp1 => unary_case!(1, atan, atan_vjp, atan_vjp_jvp1, any);
    atan_vjp_jvp2 => unary_case!(2, atan, atan_vjp, atan_vjp_jvp2, any);
    sinh_vjp_jvp0 => unary_case!(0, sinh, sinh_vjp, sinh_vjp_jvp0, any);
    sinh_vjp_jvp1 => unary_case!(1, sinh, sinh_vjp, sinh_vjp_jvp1, any);
    sinh_vjp_jvp2 => unary_case!(2, sinh, sinh_vjp, sinh_vjp_jvp2, any);
    cosh_vjp_jvp0 => unary_case!(0, cosh, cosh_vjp, cosh_vjp_jvp0, any);
    cosh_vjp_jvp1 => unary_case!(1, cosh, cosh_vjp, cosh_vjp_jvp1, any);
    cosh_vjp_jvp2 => unary_case!(2, cosh, cosh_vjp, cosh_vjp_jvp2, any);
    tanh_vjp_jvp0 => unary_case!(0, tanh, tanh_vjp, tanh_vjp_jvp0, any);
    tanh_vjp_jvp1 => unary_case!(1, tanh, tanh_vjp, tanh_vjp_jvp1, any);
    tanh_vjp_jvp2 => unary_case!(2, tanh, tanh_vjp, tanh_vjp_jvp2, any);
    asinh_vjp_jvp0 => unary_case!(0, asinh, asinh_vjp, asinh_vjp_jvp0, any);
    asinh_vjp_jvp1 => unary_case!(1, asinh, asinh_vjp, asinh_vjp_jvp1, any);
    asinh_vjp_jvp2 => unary_case!(2, asinh, asinh_vjp, asinh_vjp_jvp2, any);
    acosh_vjp_jvp0 => unary_case!(0, acosh, acosh_vjp, acosh_vjp_jvp0, |r| r.range(1.1, 3.0));
    acosh_vjp_jvp1 => unary_case!(1, acosh, acosh_vjp, acosh_vjp_jvp1, |r| r.range(1.1, 3.0));
    acosh_vjp_jvp2 => unary_case!(2, acosh, acosh_vjp, acosh_vjp_jvp2, |r| r.range(1.1, 3.0));
    atanh_vjp_jvp0 => unary_case!(0, atanh, atanh_vjp, atanh_vjp_jvp0, unit_open);
    atanh_vjp_jvp1 => unary_case!(1, atanh, atanh_vjp, atanh_vjp_jvp1, unit_open);
    atanh_vjp_jvp2 => unary_case!(2, atanh, atanh_vjp, atanh_vjp_jvp2, unit_open);
    abs_vjp_jvp0 => unary_case!(0, abs, abs_vjp, abs_vjp_jvp0, away_from_zero);
    abs_vjp_jvp1 => unary_case!(1, abs, abs_vjp, abs_vjp_jvp1, away_from_zero);
    abs_vjp_jvp2 => unary_case!(2, abs, abs_vjp, abs_vjp_jvp2, away_from_zero);
    signum_vjp_jvp0 => unary_case!(0, signum, signum_vjp, signum_vjp_jvp0, away_from_zero);
    signum_vjp_jvp1 => unary_case!(1, signum, signum_vjp, signum_vjp_jvp1, away_from_zero);
    signum_vjp_jvp2 => unary_case!(2, signum, signum_vjp, signum_vjp_jvp2, away_from_zero);
    to_degrees_vjp_jvp0 => unary_case!(0, to_degrees, to_degrees_vjp, to_degrees_vjp_jvp0, any);
    to_degrees_vjp_jvp1 => unary_case!(1, to_degrees, to_degrees_vjp, to_degrees_vjp_jvp1, any);
    to_degrees_vjp_jvp2 => unary_case!(2, to_degrees, to_degrees_vjp, to_degrees_vjp_jvp2, any);
    to_radians_vjp_jvp0 => unary_case!(0, to_radians, to_radians_vjp, to_radians_vjp_jvp0, any);
    to_radians_vjp_jvp1 => unary_case!(1, to_radians, to_radians_vjp, to_radians_vjp_jvp1, any);
    to_radians_vjp_jvp2 => unary_case!(2, to_radians, to_radians_vjp, to_radians_vjp_jvp2, any);
    floor_vjp_jvp0 => unary_case!(0, floor, floor_vjp, floor_vjp_jvp0, half_grid);
    floor_vjp_jvp1 => unary_case!(1, floor, floor_vjp, floor_vjp_jvp1, half_grid);
    floor_vjp_jvp2 => unary_case!(2, floor, floor_vjp, floor_vjp_jvp2, half_grid);
    ceil_vjp_jvp0 => unary_case!(0, ceil, ceil_vjp, ceil_vjp_jvp0, half_grid);
    ceil_vjp_jvp1 => unary_case!(1, ceil, ceil_vjp, ceil_vjp_jvp1, half_grid);
    ceil_vjp_jvp2 => unary_case!(2, ceil, ceil_vjp, ceil_vjp_jvp2, half_grid);
    round_vjp_jvp0 => unary_case!(0, round, round_vjp, round_vjp_jvp0, half_grid);
    round_vjp_jvp1 => unary_case!(1, round, round_vjp, round_vjp_jvp1, half_grid);
    round_vjp_jvp2 => unary_case!(2, round, round_vjp, round_vjp_jvp2, half_grid);
    trunc_vjp_jvp0 => unary_case!(0, trunc, trunc_vjp, trunc_vjp_jvp0, half_grid);
    trunc_vjp_jvp1 => unary_case!(1, trunc, trunc_vjp, trunc_vjp_jvp1, half_grid);
    trunc_vjp_jvp2 => unary_case!(2, trunc, trunc_vjp, trunc_vjp_jvp2, half_grid);
    fract_vjp_jvp0 => unary_case!(0, fract, fract_vjp, fract_vjp_jvp0, half_grid);
    fract_vjp_jvp1 => unary_case!(1, fract, fract_vjp, fract_vjp_jvp1, half_grid);
    fract_vjp_jvp2 => unary_case!(2, fract, fract_vjp, fract_vjp_jvp2, half_grid);
    pow2_vjp_jvp0 => unary_case!(0, pow2, pow2_vjp, pow2_vjp_jvp0, any);
    pow2_vjp_jvp1 => unary_case!(1, pow2, pow2_vjp, pow2_vjp_jvp1, any);
    pow2_vjp_jvp2 => unary_case!(2, pow2, pow2_vjp, pow2_vjp_jvp2, any);
    // powi: (x, n, y, g).
    powi_vjp_jvp0 => powi_case!(0, powi_vjp_jvp0);
    powi_vjp_jvp1 => powi_case!(1, powi_vjp_jvp1);
    powi_vjp_jvp2 => powi_case!(2, powi_vjp_jvp2);
    // clamp: (x, lo, hi, y, g), for each operand's reverse rule.
    clamp_vjp0_jvp0 => clamp_case!(0, clamp_vjp0, clamp_vjp0_jvp0);
    clamp_vjp0_jvp1 => clamp_case!(1, clamp_vjp0, clamp_vjp0_jvp1);
    clamp_vjp0_jvp2 => clamp_case!(2, clamp_vjp0, clamp_vjp0_jvp2);
    clamp_vjp0_jvp3 => clamp_case!(3, clamp_vjp0, clamp_vjp0_jvp3);
    clamp_vjp0_jvp4 => clamp_case!(4, clamp_vjp0, clamp_vjp0_jvp4);
    clamp_vjp1_jvp0 => clamp_case!(0, clamp_vjp1, clamp_vjp1_jvp0);
    clamp_vjp1_jvp1 => clamp_case!(1, clamp_vjp1, clamp_vjp1_jvp1);
    clamp_vjp1_jvp2 => clamp_case!(2, clamp_vjp1, clamp_vjp1_jvp2);
    clamp_vjp1_jvp3 => clamp_case!(3, clamp_vjp1, clamp_vjp1_jvp3);
    clamp_vjp1_jvp4 => clamp_case!(4, clamp_vjp1, clamp_vjp1_jvp4);
    clamp_vjp2_jvp0 => clamp_case!(0, clamp_vjp2, clamp_vjp2_jvp0);
    clamp_vjp2_jvp1 => clamp_case!(1, clamp_vjp2, clamp_vjp2_jvp1);
    clamp_vjp2_jvp2 => clamp_case!(2, clamp_vjp2, clamp_vjp2_jvp2);
    clamp_vjp2_jvp3 => clamp_case!(3, clamp_vjp2, clamp_vjp2_jvp3);
    clamp_vjp2_jvp4 => clamp_case!(4, clamp_vjp2, clamp_vjp2_jvp4);
    // mul_add: (x, a, b, g), scalars.
    mul_add_vjp0_jvp0 => mul_add_case!(0, mul_add_vjp0, mul_add_vjp0_jvp0);
    mul_add_vjp0_jvp1 => mul_add_case!(1, mul_add_vjp0, mul_add_vjp0_jvp1);
    mul_add_vjp0_jvp2 => mul_add_case!(2, mul_add_vjp0, mul_add_vjp0_jvp2);
    mul_add_vjp0_jvp3 => mul_add_case!(3, mul_add_vjp0, mul_add_vjp0_jvp3);
    mul_add_vjp1_jvp0 => mul_add_case!(0, mul_add_vjp1, mul_add_vjp1_jvp0);
    mul_add_vjp1_jvp1 => mul_add_case!(1, mul_add_vjp1, mul_add_vjp1_jvp1);
    mul_add_vjp1_jvp2 => mul_add_case!(2, mul_add_vjp1, mul_add_vjp1_jvp2);
    mul_add_vjp1_jvp3 => mul_add_case!(3, mul_add_vjp1, mul_add_vjp1_jvp3);
    mul_add_vjp2_jvp0 => mul_add_case!(0, mul_add_vjp2, mul_add_vjp2_jvp0);
    mul_add_vjp2_jvp1 => mul_add_case!(1, mul_add_vjp2, mul_add_vjp2_jvp1);
    mul_add_vjp2_jvp2 => mul_add_case!(2, mul_add_vjp2, mul_add_vjp2_jvp2);
    mul_add_vjp2_jvp3 => mul_add_case!(3, mul_add_vjp2, mul_add_vjp2_jvp3);

    // Elementwise functions of two operands: (a, b, g).
    add_vjp0_jvp0 => binary_case!(0, add, add_vjp0, add_vjp0_jvp0, any, any);
    add_vjp0_jvp1 => binary_case!(1, add, add_vjp0, add_vjp0_jvp1, any, any);
    add_vjp0_jvp2 => binary_case!(2, add, add_vjp0, add_vjp0_jvp2, any, any);
    add_vjp1_jvp0 => binary_case!(0, add, add_vjp1, add_vjp1_jvp0, any, any);
    add_vjp1_jvp1 => binary_case!(1, add, add_vjp1, add_vjp1_jvp1, any, any);
    add_vjp1_jvp2 => binary_case!(2, add, add_vjp1, add_vjp1_jvp2, any, any);
    sub_vjp0_jvp0 => binary_case!(0, sub, sub_vjp0, sub_vjp0_jvp0, any, any);
    sub_vjp0_jvp1 => binary_case!(1, sub, sub_vjp0, sub_vjp0_jvp1, any, any);
    sub_vjp0_jvp2 => binary_case!(2, sub, sub_vjp0, sub_vjp0_jvp2, any, any);
    sub_vjp1_jvp0 => binary_case!(0, sub, sub_vjp1, sub_vjp1_jvp0, any, any);
    sub_vjp1_jvp1 => binary_case!(1, sub, sub_vjp1, sub_vjp1_jvp1, any, any);
    sub_vjp1_jvp2 => binary_case!(2, sub, sub_vjp1, sub_vjp1_jvp2, any, any);
    mul_vjp0_jvp0 => binary_case!(0, mul, mul_vjp0, mul_vjp0_jvp0, any, any);
    mul_vjp0_jvp1 => binary_case!(1, mul, mul_vjp0, mul_vjp0_jvp1, any, any);
    mul_vjp0_jvp2 => binary_case!(2, mul, mul_vjp0, mul_vjp0_jvp2, any, any);
    mul_vjp1_jvp0 => binary_case!(0, mul, mul_vjp1, mul_vjp1_jvp0, any, any);
    mul_vjp1_jvp1 => binary_case!(1, mul, mul_vjp1, mul_vjp1_jvp1, any, any);
    mul_vjp1_jvp2 => binary_case!(2, mul, mul_vjp1, mul_vjp1_jvp2, any, any);
    div_vjp0_jvp0 => binary_case!(0, div, div_vjp0, div_vjp0_jvp0, any, divisor);
    div_vjp0_jvp1 => binary_case!(1, div, div_vjp0, div_vjp0_jvp1, any, divisor);
    div_vjp0_jvp2 => binary_case!(2, div, div_vjp0, div_vjp0_jvp2, any, divisor);
    div_vjp1_jvp0 => binary_case!(0, div, div_vjp1, div_vjp1_jvp0, any, divisor);
    div_vjp1_jvp1 => binary_case!(1, div, div_vjp1, div_vjp1_jvp1, any, divisor);
    div_vjp1_jvp2 => binary_case!(2, div, div_vjp1, div_vjp1_jvp2, any, divisor);
    powf_vjp0_jvp0 => binary_case!(0, powf, powf_vjp0, powf_vjp0_jvp0, powf_base, powf_exponent);
    powf_vjp0_jvp1 => binary_case!(1, powf, powf_vjp0, powf_vjp0_jvp1, powf_base, powf_exponent);
    powf_vjp0_jvp2 => binary_case!(2, powf, powf_vjp0, powf_vjp0_jvp2, powf_base, powf_exponent);
    powf_vjp1_jvp0 => binary_case!(0, powf, powf_vjp1, powf_vjp1_jvp0, powf_base, powf_exponent);
    powf_vjp1_jvp1 => binary_case!(1, powf, powf_vjp1, powf_vjp1_jvp1, powf_base, powf_exponent);
    powf_vjp1_jvp2 => binary_case!(2, powf, powf_vjp1, powf_vjp1_jvp2, powf_base, powf_exponent);
    atan2_vjp0_jvp0 => binary_case!(0, atan2, atan2_vjp0, atan2_vjp0_jvp0, atan2_dom, atan2_dom);
    atan2_vjp0_jvp1 => binary_case!(1, atan2, atan2_vjp0, atan2_vjp0_jvp1, atan2_dom, atan2_dom);
    atan2_vjp0_jvp2 => binary_case!(2, atan2, atan2_vjp0, atan2_vjp0_jvp2, atan2_dom, atan2_dom);
    atan2_vjp1_jvp0 => binary_case!(0, atan2, atan2_vjp1, atan2_vjp1_jvp0, atan2_dom, atan2_dom);
    atan2_vjp1_jvp1 => binary_case!(1, atan2, atan2_vjp1, atan2_vjp1_jvp1, atan2_dom, atan2_dom);
    atan2_vjp1_jvp2 => binary_case!(2, atan2, atan2_vjp1, atan2_vjp1_jvp2, atan2_dom, atan2_dom);
    max_vjp0_jvp0 => binary_case!(0, max, max_vjp0, max_vjp0_jvp0, grid, half_grid);
    max_vjp0_jvp1 => binary_case!(1, max, max_vjp0, max_vjp0_jvp1, grid, half_grid);
    max_vjp0_jvp2 => binary_case!(2, max, max_vjp0, max_vjp0_jvp2, grid, half_grid);
    max_vjp1_jvp0 => binary_case!(0, max, max_vjp1, max_vjp1_jvp0, grid, half_grid);
    max_vjp1_jvp1 => binary_case!(1, max, max_vjp1, max_vjp1_jvp1, grid, half_grid);
    max_vjp1_jvp2 => binary_case!(2, max, max_vjp1, max_vjp1_jvp2, grid, half_grid);
    min_vjp0_jvp0 => binary_case!(0, min, min_vjp0, min_vjp0_jvp0, half_grid, grid);
    min_vjp0_jvp1 => binary_case!(1, min, min_vjp0, min_vjp0_jvp1, half_grid, grid);
    min_vjp0_jvp2 => binary_case!(2, min, min_vjp0, min_vjp0_jvp2, half_grid, grid);
    min_vjp1_jvp0 => binary_case!(0, min, min_vjp1, min_vjp1_jvp0, half_grid, grid);
    min_vjp1_jvp1 => binary_case!(1, min, min_vjp1, min_vjp1_jvp1, half_grid, grid);
    min_vjp1_jvp2 => binary_case!(2, min, min_vjp1, min_vjp1_jvp2, half_grid, grid);
    hypot_vjp0_jvp0 => binary_case!(0, hypot, hypot_vjp0, hypot_vjp0_jvp0, atan2_dom, any);
    hypot_vjp0_jvp1 => binary_case!(1, hypot, hypot_vjp0, hypot_vjp0_jvp1, atan2_dom, any);
    hypot_vjp0_jvp2 => binary_case!(2, hypot, hypot_vjp0, hypot_vjp0_jvp2, atan2_dom, any);
    hypot_vjp1_jvp0 => binary_case!(0, hypot, hypot_vjp1, hypot_vjp1_jvp0, atan2_dom, any);
    hypot_vjp1_jvp1 => binary_case!(1, hypot, hypot_vjp1, hypot_vjp1_jvp1, atan2_dom, any);
    hypot_vjp1_jvp2 => binary_case!(2, hypot, hypot_vjp1, hypot_vjp1_jvp2, atan2_dom, any);

    // Reductions: (x, g) and (x, axis, g).
    sum_vjp_jvp0 => reduce_case!(0, sum, sum_vjp, sum_vjp_jvp0, any);
    sum_vjp_jvp1 => reduce_case!(1, sum, sum_vjp, sum_vjp_jvp1, any);
    mean_vjp_jvp0 => reduce_case!(0, mean, mean_vjp, mean_vjp_jvp0, any);
    mean_vjp_jvp1 => reduce_case!(1, mean, mean_vjp, mean_vjp_jvp1, any);
    product_vjp_jvp0 => reduce_case!(0, product, product_vjp, product_vjp_jvp0, product_dom);
    product_vjp_jvp1 => reduce_case!(1, product, product_vjp, product_vjp_jvp1, product_dom);
    sum_axis_vjp_jvp0 => axis_case!(0, sum_axis, sum_axis_vjp, sum_axis_vjp_jvp0);
    sum_axis_vjp_jvp1 => axis_case!(1, sum_axis, sum_axis_vjp, sum_axis_vjp_jvp1);
    mean_axis_vjp_jvp0 => axis_case!(0, mean_axis, mean_axis_vjp, mean_axis_vjp_jvp0);
    mean_axis_vjp_jvp1 => axis_case!(1, mean_axis, mean_axis_vjp, mean_axis_vjp_jvp1);
    var_vjp_jvp0 => spread_case!(0, var, var_vjp, var_vjp_jvp0);
    var_vjp_jvp1 => spread_case!(1, var, var_vjp, var_vjp_jvp1);
    std_vjp_jvp0 => spread_case!(0, std, std_vjp, std_vjp_jvp0);
    std_vjp_jvp1 => spread_case!(1, std, std_vjp, std_vjp_jvp1);
    var_axis_vjp_jvp0 => spread_axis_case!(0, var_axis, var_axis_vjp, var_axis_vjp_jvp0);
    var_axis_vjp_jvp1 => spread_axis_case!(1, var_axis, var_axis_vjp, var_axis_vjp_jvp1);
    std_axis_vjp_jvp0 => spread_axis_case!(0, std_axis, std_axis_vjp, std_axis_vjp_jvp0);
    std_axis_vjp_jvp1 => spread_axis_case!(1, std_axis, std_axis_vjp, std_axis_vjp_jvp1);
    product_axis_vjp_jvp0 => product_axis_case!(0, product_axis_vjp_jvp0);
    product_axis_vjp_jvp1 => product_axis_case!(1, product_axis_vjp_jvp1);

    // Linear algebra: (a, b, g) and (x, g).
    dot_vjp0_jvp0 => dot_case!(0, dot_vjp0, dot_vjp0_jvp0);
    dot_vjp0_jvp1 => dot_case!(1, dot_vjp0, dot_vjp0_jvp1);
    dot_vjp0_jvp2 => dot_case!(2, dot_vjp0, dot_vjp0_jvp2);
    dot_vjp1_jvp0 => dot_case!(0, dot_vjp1, dot_vjp1_jvp0);
    dot_vjp1_jvp1 => dot_case!(1, dot_vjp1, dot_vjp1_jvp1);
    dot_vjp1_jvp2 => dot_case!(2, dot_vjp1, dot_vjp1_jvp2);
    t_vjp_jvp0 => t_case!(0, t_vjp_jvp0);
    t_vjp_jvp1 => t_case!(1, t_vjp_jvp1);

    // Shape operations: (x, extras.., g).
    slice_vjp_jvp0 => slice_case!(0, slice_vjp_jvp0);
    slice_vjp_jvp1 => slice_case!(1, slice_vjp_jvp1);
    insert_axis_vjp_jvp0 => insert_axis_case!(0, insert_axis_vjp_jvp0);
    insert_axis_vjp_jvp1 => insert_axis_case!(1, insert_axis_vjp_jvp1);
    index_axis_vjp_jvp0 => index_axis_case!(0, index_axis_vjp_jvp0);
    index_axis_vjp_jvp1 => index_axis_case!(1, index_axis_vjp_jvp1);
    select_vjp_jvp0 => select_case!(0, select_vjp_jvp0);
    select_vjp_jvp1 => select_case!(1, select_vjp_jvp1);
    diag_vjp_jvp0 => diag_case!(0, diag_vjp_jvp0);
    diag_vjp_jvp1 => diag_case!(1, diag_vjp_jvp1);
    row_vjp_jvp0 => lane_case!(0, row, row_vjp, row_vjp_jvp0, 0);
    row_vjp_jvp1 => lane_case!(1, row, row_vjp, row_vjp_jvp1, 0);
    column_vjp_jvp0 => lane_case!(0, column, column_vjp, column_vjp_jvp0, 1);
    column_vjp_jvp1 => lane_case!(1, column, column_vjp, column_vjp_jvp1, 1);
    broadcast_vjp_jvp0 => broadcast_case!(0, broadcast_vjp_jvp0);
    broadcast_vjp_jvp1 => broadcast_case!(1, broadcast_vjp_jvp1);
    reshape_vjp_jvp0 => reshape_case!(0, reshape_vjp_jvp0);
    reshape_vjp_jvp1 => reshape_case!(1, reshape_vjp_jvp1);
    from_elem_vjp_jvp0 => from_elem_case!(0, from_elem_vjp_jvp0);
    from_elem_vjp_jvp1 => from_elem_case!(1, from_elem_vjp_jvp1);
    concatenate_vjp_jvp0 => join_case!(0, concatenate, concatenate_vjp, concatenate_vjp_jvp0, [0, 1], two_parts);
    concatenate_vjp_jvp1 => join_case!(1, concatenate, concatenate_vjp, concatenate_vjp_jvp1, [0, 1], two_parts);
    stack_vjp_jvp0 => join_case!(0, stack, stack_vjp, stack_vjp_jvp0, [0, 1, 2], same_parts);
    stack_vjp_jvp1 => join_case!(1, stack, stack_vjp, stack_vjp_jvp1, [0, 1, 2], same_parts);

    // Copies: (x, g).
    to_owned_vjp_jvp0 => copy_case!(0, to_owned, to_owned_vjp, to_owned_vjp_jvp0);
    to_owned_vjp_jvp1 => copy_case!(1, to_owned, to_owned_vjp, to_owned_vjp_jvp1);
    carry_vjp_jvp0 => copy_case!(0, carry, carry_vjp, carry_vjp_jvp0);
    carry_vjp_jvp1 => copy_case!(1, carry, carry_vjp, carry_vjp_jvp1);
    snapshot_vjp_jvp0 => copy_case!(0, snapshot, snapshot_vjp, snapshot_vjp_jvp0);
    snapshot_vjp_jvp1 => copy_case!(1, snapshot, snapshot_vjp, snapshot_vjp_jvp1);
}

// ---------------------------------------------------------------------------------------------------------
// Coverage: every reverse rule of the macro's table has a case for each of its argument positions.

/// The reverse rules of `autodiff-macros/src/prims.rs`, with the number of their differentiable argument
/// positions (operands, `y` where the rule reads it, the seed), as `{R}_jvp{j}` names. Rows without a
/// derivative (`Family::Stop`), the element and field reads (`index`, `element`, `field`: their reverse
/// rules add into a gradient in place) are not covered; `concatenate!` and `stack!` are not rows.
fn expected_rules() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../autodiff-macros/src/prims.rs"
    );
    let source = std::fs::read_to_string(path).expect("the macro crate's table, prims.rs");
    // (name, arity, reads_output)
    let mut rows: Vec<(String, usize, bool)> = Vec::new();
    // row("name", Family::.., arity, extras, reads_output)
    for piece in source.split("row(").skip(1) {
        let args: Vec<&str> = piece.split(',').map(str::trim).collect();
        let Some(name) = args[0].strip_prefix('"').and_then(|a| a.strip_suffix('"')) else {
            continue;
        };
        if args[1] == "Family::Stop" {
            continue;
        }
        let arity = args[2].parse().expect("a row's arity");
        let reads = match args[4].split(')').next().unwrap_or("").trim() {
            "true" => true,
            "false" => false,
            other => panic!("a row's reads_output: {other}"),
        };
        rows.push((name.to_string(), arity, reads));
    }
    // unwrapping("name", Family::.., extras): one operand, not reading the output
    for piece in source.split("unwrapping(").skip(1) {
        let first = piece.split(',').next().unwrap_or("").trim();
        if let Some(name) = first.strip_prefix('"').and_then(|a| a.strip_suffix('"')) {
            rows.push((name.to_string(), 1, false));
        }
    }
    // static UNARY: [Prim; N] = unary!("exp", ..): `row($name, Family::Unary, 1, 0, true)`
    let unary = source
        .split("= unary!(")
        .nth(1)
        .and_then(|rest| rest.split(");").next())
        .expect("the unary rows");
    for name in unary.split(',') {
        let name = name.trim().trim_matches('"');
        if !name.is_empty() {
            rows.push((name.to_string(), 1, true));
        }
    }
    rows.retain(|(name, _, _)| !["index", "element", "field"].contains(&name.as_str()));
    assert!(rows.len() > 50, "too few rows read from prims.rs: {rows:?}");
    let mut expected = Vec::new();
    for (name, arity, reads) in rows {
        let vjps: Vec<String> = if arity == 1 {
            vec![format!("{name}_vjp")]
        } else {
            (0..arity).map(|k| format!("{name}_vjp{k}")).collect()
        };
        let positions = arity + usize::from(reads) + 1;
        for vjp in vjps {
            expected.extend((0..positions).map(|j| format!("{vjp}_jvp{j}")));
        }
    }
    // concatenate!/stack!: (parts, g)
    for join in ["concatenate_vjp", "stack_vjp"] {
        expected.extend((0..2).map(|j| format!("{join}_jvp{j}")));
    }
    expected.sort();
    expected
}

#[test]
fn every_reverse_rule_has_its_cases() {
    let mut names: Vec<String> = cases().iter().map(|(n, _)| n.to_string()).collect();
    names.sort();
    let count = names.len();
    names.dedup();
    assert_eq!(names.len(), count, "a case is listed twice");
    assert_eq!(
        names,
        expected_rules(),
        "the cases differ from the reverse rules of prims.rs"
    );
}

// ---------------------------------------------------------------------------------------------------------
// Closed forms.

#[test]
fn closed_forms_of_unary_rules() {
    let (x, g, d) = (0.7_f64, -1.3_f64, 0.4_f64);
    let y = x.sin();
    // sin_vjp = g cos x: along x, -g sin(x) d; it does not read y.
    assert_eq!(rules::sin_vjp_jvp0(&x, &y, &g, &d), -g * x.sin() * d);
    assert_eq!(rules::sin_vjp_jvp1(&x, &y, &g, &d), 0.0);
    assert_eq!(rules::sin_vjp_jvp2(&x, &y, &g, &d), x.cos() * d);
    // tanh_vjp = g (1 - y^2): zero along x, -2 g y d along y.
    let y = x.tanh();
    assert_eq!(rules::tanh_vjp_jvp0(&x, &y, &g, &d), 0.0);
    let along_y = rules::tanh_vjp_jvp1(&x, &y, &g, &d);
    assert!((along_y - (-2.0 * g * y * d)).abs() <= 1e-15);
    // exp_vjp = g y: along y, g d.
    let y = x.exp();
    assert_eq!(rules::exp_vjp_jvp1(&x, &y, &g, &d), g * d);
    assert_eq!(rules::exp_vjp_jvp0(&x, &y, &g, &d), 0.0);
    // ln_vjp = g / x: along x, -g d / x^2.
    let along_x = rules::ln_vjp_jvp0(&x, &x.ln(), &g, &d);
    assert!((along_x - (-g * d / (x * x))).abs() <= 1e-15);
    // powi_vjp = g n x^(n-1): along x, g n (n-1) x^(n-2) d.
    for n in [-2, 0, 1, 2, 3, 4, 5] {
        let y = x.powi(n);
        let expected = g * f64::from(n * (n - 1)) * x.powi(n - 2) * d;
        let got = rules::powi_vjp_jvp0(&x, n, &y, &g, &d);
        assert!(
            (got - expected).abs() <= 1e-14 * expected.abs().max(1.0),
            "powi n = {n}: {got} vs {expected}"
        );
    }
    // Arrays: elementwise, of the output's shape.
    let xs: Array1<f64> = array![0.5, -1.0, 2.0];
    let ys = rules::sin(&xs);
    let (gs, ds) = (array![1.0, 2.0, -1.0], array![0.5, 0.5, 2.0]);
    let expected = Array1::from_shape_fn(3, |i| -gs[i] * xs[i].sin() * ds[i]);
    assert_eq!(rules::sin_vjp_jvp0(&xs, &ys, &gs, &ds), expected);
}

#[test]
fn kinks_take_the_first_order_choice() {
    // abs: g or -g, constant on each side and at 0 (which takes +1): no second derivative.
    let x = array![-1.0, 0.0, -0.0, 2.0];
    let y = rules::abs(&x);
    let (g, d) = (array![1.0, 2.0, 3.0, 4.0], array![1.0, 1.0, 1.0, 1.0]);
    assert_eq!(rules::abs_vjp_jvp0(&x, &y, &g, &d), Array1::zeros(4));
    // ... and along the seed, the first-order rule's +1 at 0.
    assert_eq!(
        rules::abs_vjp_jvp2(&x, &y, &g, &d),
        array![-1.0, 1.0, 1.0, 1.0]
    );
    // max/min: the shares are constant; a tie splits the seed's tangent in halves.
    assert_eq!(rules::max_vjp0_jvp0(&2.0_f64, &2.0, &1.0, &1.0), 0.0);
    assert_eq!(rules::max_vjp0_jvp1(&2.0_f64, &2.0, &1.0, &1.0), 0.0);
    assert_eq!(rules::max_vjp0_jvp2(&2.0_f64, &2.0, &1.0, &3.0), 1.5);
    assert_eq!(rules::min_vjp1_jvp2(&2.0_f64, &2.0, &1.0, &-1.0), -0.5);
    // clamp: a tie with a bound passes half of the seed's tangent, and nothing along x.
    let x = array![-1.0, 0.0, 0.5, 1.0, 2.0];
    let y = rules::clamp(&x, &0.0, &1.0);
    let g = Array1::from_elem(5, 1.0);
    let d = Array1::from_elem(5, 2.0);
    assert_eq!(
        rules::clamp_vjp0_jvp4(&x, &0.0, &1.0, &y, &g, &d),
        array![0.0, 1.0, 2.0, 1.0, 0.0]
    );
    assert_eq!(
        rules::clamp_vjp0_jvp0(&x, &0.0, &1.0, &y, &g, &d),
        Array1::zeros(5)
    );
    assert_eq!(rules::clamp_vjp1_jvp4(&x, &0.0, &1.0, &y, &g, &d), 3.0);
    // powf: d/da is 0 where b == 0, in each of its derivatives.
    assert_eq!(rules::powf_vjp0_jvp0(&2.0_f64, &0.0, &1.0, &1.0), 0.0);
    assert_eq!(rules::powf_vjp0_jvp1(&2.0_f64, &0.0, &1.0, &1.0), 0.0);
    // hypot at the origin: half of the seed, constant there.
    assert_eq!(rules::hypot_vjp0_jvp0(&0.0_f64, &0.0, &1.0, &1.0), 0.0);
    assert_eq!(rules::hypot_vjp0_jvp2(&0.0_f64, &0.0, &1.0, &4.0), 2.0);
}

#[test]
fn closed_forms_with_broadcasting() {
    // mul_vjp0(a, b, g) = sum_to(a, g * b) for a row a (3,) and a matrix b (2, 3): along b, the
    // columns of g * b_dot summed.
    let a = array![1.0, 2.0, 3.0];
    let b = array![[1.0, -1.0, 0.5], [2.0, 0.0, 1.0]];
    let g = array![[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]];
    let b_dot = array![[0.5, 1.0, -1.0], [1.0, 2.0, 0.0]];
    let expected = (&g * &b_dot).sum_axis(Axis(0));
    assert_eq!(rules::mul_vjp0_jvp1(&a, &b, &g, &b_dot), expected);
    // ... along a, zero of a's shape.
    assert_eq!(
        rules::mul_vjp0_jvp0(&a, &b, &g, &array![1.0, 1.0, 1.0]),
        Array1::zeros(3)
    );
    // mul_vjp1(a, b, g) = g * a (of b's shape): along a (a row), g * a_dot broadcast.
    let a_dot = array![1.0, 0.0, -2.0];
    assert_eq!(rules::mul_vjp1_jvp0(&a, &b, &g, &a_dot), &g * &a_dot);
    // A scalar operand: its gradient is a sum over the output.
    let s = 2.0_f64;
    // mul_vjp0(s, b, g) = sum(g * b): along b, sum(g * b_dot); along g, sum(g_dot * b).
    assert_eq!(
        rules::mul_vjp0_jvp1(&s, &b, &g, &b_dot),
        (&g * &b_dot).sum()
    );
    assert_eq!(
        rules::mul_vjp0_jvp2(&s, &b, &g, &b_dot),
        (&b_dot * &b).sum()
    );
    // div_vjp1(a, b, g) = -g a / b^2: along b, 2 g a b_dot / b^3.
    let (a, b, g, b_dot) = (3.0_f64, 2.0_f64, 0.5_f64, -1.0_f64);
    assert_eq!(
        rules::div_vjp1_jvp1(&a, &b, &g, &b_dot),
        2.0 * g * a * b_dot / (b * b * b)
    );
}

#[test]
fn closed_forms_of_reductions_and_dot() {
    // product_vjp(x, g)[i] = g prod_{j != i} x[j], with a zero in x: exact.
    let x = array![0.0_f64, 2.0, 3.0];
    let along = rules::product_vjp_jvp0(&x, &2.0, &array![1.0, 0.0, 0.0]);
    assert_eq!(along, array![0.0, 6.0, 4.0]);
    let along = rules::product_vjp_jvp0(&x, &1.0, &array![0.0, 1.0, 1.0]);
    assert_eq!(along, array![5.0, 0.0, 0.0]);
    // sum_vjp: zero along x, g_dot everywhere along g.
    assert_eq!(
        rules::sum_vjp_jvp0(&x, &1.0, &array![1.0, 1.0, 1.0]),
        Array1::zeros(3)
    );
    assert_eq!(rules::sum_vjp_jvp1(&x, &1.0, &0.5), array![0.5, 0.5, 0.5]);
    // dot_vjp0(A, B, G) = G Bᵀ: along B, G B_dotᵀ; along A, zero.
    let a = array![[1.0, 2.0], [3.0, 4.0]];
    let b = array![[0.5, -1.0, 2.0], [1.0, 0.0, 1.0]];
    let g = array![[1.0, 0.0, 2.0], [-1.0, 1.0, 0.5]];
    let b_dot = array![[1.0, 2.0, 3.0], [0.0, -1.0, 1.0]];
    assert_eq!(rules::dot_vjp0_jvp1(&a, &b, &g, &b_dot), g.dot(&b_dot.t()));
    assert_eq!(
        rules::dot_vjp0_jvp0(&a, &b, &g, &a),
        Array2::<f64>::zeros((2, 2))
    );
    // dot_vjp1(A, B, G) = Aᵀ G: along A, A_dotᵀ G.
    let a_dot = array![[0.0, 1.0], [2.0, -1.0]];
    assert_eq!(rules::dot_vjp1_jvp0(&a, &b, &g, &a_dot), a_dot.t().dot(&g));
    // vector·vector: the seed is a scalar.
    let (u, v) = (array![1.0, 2.0], array![3.0, -1.0]);
    assert_eq!(
        rules::dot_vjp0_jvp1(&u, &v, &2.0, &array![1.0, 1.0]),
        array![2.0, 2.0]
    );
    assert_eq!(rules::dot_vjp0_jvp2(&u, &v, &2.0, &0.5), array![1.5, -0.5]);
}

// ---------------------------------------------------------------------------------------------------------
// The forms generated code passes: operands that are references (a parameter `x: &Array1<f64>` is passed
// as `&x`), constants `&(2.0)`, views, a seed constant, and `f32`.

#[test]
fn argument_forms_of_generated_code() {
    let x = array![0.5, 1.5, -2.0];
    let x_ref: &Array1<f64> = &x;
    let y = rules::exp(&x_ref);
    let g = array![1.0, -1.0, 2.0];
    let d = array![0.5, 0.25, 1.0];
    // An operand that is a reference, a tangent that is a view.
    let by_ref = rules::exp_vjp_jvp1(&x_ref, &y, &g, &d.view());
    assert_eq!(by_ref, rules::exp_vjp_jvp1(&x, &y, &g, &d));
    assert_eq!(by_ref, &g * &d);
    // A constant operand `&(2.0)`, its type inferred from the other operand.
    let along = rules::mul_vjp0_jvp2(&x_ref, &(2.0), &g, &d);
    assert_eq!(along, &d * 2.0);
    assert_eq!(
        rules::mul_vjp1_jvp0(&x_ref, &(2.0), &g, &d),
        (&g * &d).sum()
    );
    // The seed `one::<f64>()` of a scalar output, by reference.
    let seed = rules::one::<f64>();
    assert_eq!(
        rules::sum_vjp_jvp1(&x_ref, &seed, &0.5),
        array![0.5, 0.5, 0.5]
    );
    // A seed that is a view, for a rule taking an owned seed.
    let gs = array![[1.0, 2.0], [3.0, 4.0]];
    let m = array![[1.0, 0.0], [0.0, 2.0]];
    assert_eq!(
        rules::t_vjp_jvp1(&m, &gs.view(), &gs.view()),
        gs.t().to_owned()
    );
    // f32.
    let x32 = array![0.5_f32, 1.0];
    let y32 = rules::sin(&x32);
    let got = rules::sin_vjp_jvp0(&x32, &y32, &array![1.0_f32, 1.0], &array![1.0_f32, 2.0]);
    assert_eq!(got, array![-(0.5_f32.sin()), -2.0 * 1.0_f32.sin()]);
    let got = rules::div_vjp1_jvp1(&1.0_f32, &x32, &array![1.0_f32, 1.0], &array![1.0_f32, 1.0]);
    assert_eq!(got, array![16.0_f32, 2.0]);
}

// ---------------------------------------------------------------------------------------------------------
// Forward over reverse, by hand: the adjoint program of a function as generated code writes it, and its
// JVP written with the second-order rules, as the macro prints it; the result is a Hessian-vector
// product, checked against central differences of the gradient.

/// `f(x) = sum(tanh(W * x)) + sum(exp(A·x)^2)` for a row `x` broadcast against the matrix `W`: its
/// gradient, by the reverse rules in the order of an adjoint program.
fn gradient(x: &Array1<f64>, w: &Array2<f64>, a: &Array2<f64>) -> Array1<f64> {
    let (t1, t2) = (rules::mul(w, x), rules::dot(a, x));
    let (t4, t5) = (rules::tanh(&t1), rules::exp(&t2));
    let t6 = rules::powi(&t5, 2);
    let seed = rules::one::<f64>();
    let t4_bar = rules::sum_vjp(&t4, seed);
    let t6_bar = rules::sum_vjp(&t6, seed);
    let t1_bar = rules::tanh_vjp(&t1, &t4, t4_bar);
    let t5_bar = rules::powi_vjp(&t5, 2, &t6, t6_bar);
    let t2_bar = rules::exp_vjp(&t2, &t5, t5_bar);
    rules::mul_vjp1(w, x, t1_bar) + rules::dot_vjp1(a, x, t2_bar)
}

#[test]
fn hessian_vector_product_by_hand() {
    let mut r = Rng(7);
    let x = arr(3, &mut r, |r| r.range(-1.0, 1.0));
    let w = arr((2, 3), &mut r, any);
    let a = arr((4, 3), &mut r, |r| r.range(-0.5, 0.5));
    let x_dot = like(&x, &mut r);
    let x = &x; // a parameter taken by reference, passed as `&x`

    // The primal and its tangent along x_dot.
    let (t1, t2) = (rules::mul(&w, &x), rules::dot(&a, &x));
    let (t4, t5) = (rules::tanh(&t1), rules::exp(&t2));
    let t6 = rules::powi(&t5, 2);
    let t1_dot = rules::mul_jvp1(&w, &x, &x_dot);
    let t2_dot = rules::dot_jvp1(&a, &x, &x_dot);
    let t4_dot = rules::tanh_jvp(&t1, &t4, &t1_dot);
    let t5_dot = rules::exp_jvp(&t2, &t5, &t2_dot);
    let t6_dot = rules::powi_jvp(&t5, 2, &t6, &t5_dot);

    // The adjoint program, and its tangent (the seed is a constant: no rule along it).
    let seed = rules::to_owned(&rules::one::<f64>());
    let t4_bar = rules::sum_vjp(&t4, seed);
    let t4_bar_dot = rules::sum_vjp_jvp0(&t4, &seed, &t4_dot);
    let t6_bar = rules::sum_vjp(&t6, seed);
    let t6_bar_dot = rules::sum_vjp_jvp0(&t6, &seed, &t6_dot);
    let t1_bar = rules::tanh_vjp(&t1, &t4, t4_bar.clone());
    let t1_bar_dot = rules::add(
        &rules::add(
            &rules::tanh_vjp_jvp0(&t1, &t4, &t4_bar, &t1_dot),
            &rules::tanh_vjp_jvp1(&t1, &t4, &t4_bar, &t4_dot),
        ),
        &rules::tanh_vjp_jvp2(&t1, &t4, &t4_bar, &t4_bar_dot),
    );
    let t5_bar = rules::powi_vjp(&t5, 2, &t6, t6_bar.clone());
    let t5_bar_dot = rules::add(
        &rules::add(
            &rules::powi_vjp_jvp0(&t5, 2, &t6, &t6_bar, &t5_dot),
            &rules::powi_vjp_jvp1(&t5, 2, &t6, &t6_bar, &t6_dot),
        ),
        &rules::powi_vjp_jvp2(&t5, 2, &t6, &t6_bar, &t6_bar_dot),
    );
    let t2_bar = rules::exp_vjp(&t2, &t5, t5_bar.clone());
    let t2_bar_dot = rules::add(
        &rules::add(
            &rules::exp_vjp_jvp0(&t2, &t5, &t5_bar, &t2_dot),
            &rules::exp_vjp_jvp1(&t2, &t5, &t5_bar, &t5_dot),
        ),
        &rules::exp_vjp_jvp2(&t2, &t5, &t5_bar, &t5_bar_dot),
    );
    // x_bar = mul_vjp1(w, x, t1_bar) + dot_vjp1(a, x, t2_bar); w and a are constants.
    let hvp = rules::add(
        &rules::add(
            &rules::mul_vjp1_jvp1(&w, &x, &t1_bar, &x_dot),
            &rules::mul_vjp1_jvp2(&w, &x, &t1_bar, &t1_bar_dot),
        ),
        &rules::add(
            &rules::dot_vjp1_jvp1(&a, &x, &t2_bar, &x_dot),
            &rules::dot_vjp1_jvp2(&a, &x, &t2_bar, &t2_bar_dot),
        ),
    );

    check(
        "Hessian-vector product",
        |x: &Array1<f64>| gradient(x, &w, &a),
        x,
        &x_dot,
        hvp.clone(),
    );
    // The Hessian is symmetric: <v, H u> = <u, H v> for a second direction u.
    let u = like(x, &mut r);
    let hu = {
        let (p, m) = (x + &(&u * STEP), x - &(&u * STEP));
        (gradient(&p, &w, &a) - gradient(&m, &w, &a)) / (2.0 * STEP)
    };
    let (vhu, uhv) = (x_dot.dot(&hu), u.dot(&hvp));
    assert!(
        (vhu - uhv).abs() <= 1e-6 * vhu.abs().max(uhv.abs()).max(1.0),
        "<v, Hu> = {vhu} but <u, Hv> = {uhv}"
    );
}
