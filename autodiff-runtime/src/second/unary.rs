//! Second-order rules of the elementwise functions of one operand (`exp_vjp`, `powi_vjp`, ...), of
//! `clamp`'s three reverse rules and of `mul_add`'s.
//!
//! A reverse rule `f_vjp(x, y, g)` of the table in [`crate::unary`] computes `b(g, x, y)` per element,
//! linear in `g`. Its second-order rules are `f_vjp_jvp0` (along `x`: `∂b/∂x · x_dot`), `f_vjp_jvp1`
//! (along `y`: `∂b/∂y · y_dot`) and `f_vjp_jvp2` (along `g`: `b(g_dot, x, y)`, the reverse rule itself
//! applied to the tangent). The table below has the same rows as the first-order table, with the two
//! partial derivatives `∂b/∂x` and `∂b/∂y` as its columns (`0` where the formula does not vary).

use crate::operand::ScalarArg;
use crate::real::Real;
use crate::tangent::Tangent;
use crate::unary::Elementwise;
use num_traits::{one, zero, Float, One, Zero};

/// `partial(g[i], x[i], y[i]) * dot[i]`, elementwise, in the output's shape: the derivative of a reverse
/// rule of one operand along the argument whose tangent is `dot` (`x` or `y`, of the same shape).
#[inline]
#[track_caller]
fn along<X, G, T>(
    x: &X,
    y: &X::Output,
    g: &G,
    dot: &T,
    partial: impl Fn(X::Elem, X::Elem, X::Elem) -> X::Elem,
) -> X::Output
where
    X: Elementwise + ?Sized,
    G: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
    T: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
{
    let partials = x.back1(y, g.map1(|v| v), partial);
    dot.back1(y, partials, |p, d, _| p * d)
}

/// The body of a second-order rule of the table: a zero of the output's shape, or [`along`] the partial.
macro_rules! partial_body {
    (0, $x:ident, $y:ident, $g:ident, $dot:ident) => {{
        let _ = ($x, $g, $dot);
        $y.zeros_like()
    }};
    ((|$gb:ident, $xb:ident, $yb:ident| $partial:expr), $x:ident, $y:ident, $g:ident, $dot:ident) => {
        along($x, $y, $g, $dot, |$gb, $xb, $yb| $partial)
    };
}

/// The documentation of a partial derivative: that it is zero, or its formula.
macro_rules! partial_doc {
    (0, $dot:ident) => {
        "zero (the formula does not vary with it): a zero of the output's shape"
    };
    ((|$gb:ident, $xb:ident, $yb:ident| $partial:expr), $dot:ident) => {
        concat!(
            "`(",
            stringify!($partial),
            ") * ",
            stringify!($dot),
            "`, elementwise"
        )
    };
}

macro_rules! second_unary {
    ($($vjp:ident => $jvp0:ident, $jvp1:ident, $jvp2:ident: dx $dx:tt, dy $dy:tt;)*) => {$(
        #[doc = concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::unary::", stringify!($vjp), ") along `x` \
             (`x_dot`, of `x`'s shape), `y` and `g` held: ", partial_doc!($dx, x_dot), "."
        )]
        #[inline]
        #[track_caller]
        #[allow(unused_variables, clippy::neg_multiply)]
        pub fn $jvp0<X, G, T>(x: &X, y: &X::Output, g: &G, x_dot: &T) -> X::Output
        where
            X: Elementwise + ?Sized,
            G: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
            T: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
        {
            partial_body!($dx, x, y, g, x_dot)
        }

        #[doc = concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::unary::", stringify!($vjp), ") along its \
             output argument `y` (`y_dot`, of `y`'s shape), `x` and `g` held: ", partial_doc!($dy, y_dot), "."
        )]
        #[inline]
        #[track_caller]
        #[allow(unused_variables, clippy::neg_multiply)]
        pub fn $jvp1<X, G, T>(x: &X, y: &X::Output, g: &G, y_dot: &T) -> X::Output
        where
            X: Elementwise + ?Sized,
            G: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
            T: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
        {
            partial_body!($dy, x, y, g, y_dot)
        }

        #[doc = concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::unary::", stringify!($vjp), ") along the seed \
             `g` (`g_dot`, of `g`'s shape): the rule is linear in `g`, so this is the rule applied to `g_dot`."
        )]
        #[inline]
        #[track_caller]
        pub fn $jvp2<X, G, T>(x: &X, y: &X::Output, g: &G, g_dot: &T) -> X::Output
        where
            X: Elementwise + ?Sized,
            G: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
            T: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
        {
            let _ = g;
            crate::unary::$vjp(x, y, g_dot.map1(|v| v))
        }
    )*};
}

/// `value` as the element type `F`.
#[inline]
fn c<F: Real>(value: f64) -> F {
    F::cast_from(value)
}

// The rows of `crate::unary`'s table, in its order: `b(g, x, y)` there, `∂b/∂x` and `∂b/∂y` here.
second_unary! {
    // -g
    neg_vjp => neg_vjp_jvp0, neg_vjp_jvp1, neg_vjp_jvp2: dx 0, dy 0;
    // g * y
    exp_vjp => exp_vjp_jvp0, exp_vjp_jvp1, exp_vjp_jvp2: dx 0, dy (|g, x, y| g);
    // g * y * ln 2
    exp2_vjp => exp2_vjp_jvp0, exp2_vjp_jvp1, exp2_vjp_jvp2:
        dx 0, dy (|g, x, y| g * c::<X::Elem>(std::f64::consts::LN_2));
    // g * (y + 1)
    exp_m1_vjp => exp_m1_vjp_jvp0, exp_m1_vjp_jvp1, exp_m1_vjp_jvp2: dx 0, dy (|g, x, y| g);
    // g / x
    ln_vjp => ln_vjp_jvp0, ln_vjp_jvp1, ln_vjp_jvp2: dx (|g, x, y| -g / (x * x)), dy 0;
    // g / (x + 1)
    ln_1p_vjp => ln_1p_vjp_jvp0, ln_1p_vjp_jvp1, ln_1p_vjp_jvp2:
        dx (|g, x, y| { let u = x + one(); -g / (u * u) }), dy 0;
    // g / (x ln 2)
    log2_vjp => log2_vjp_jvp0, log2_vjp_jvp1, log2_vjp_jvp2:
        dx (|g, x, y| -g / (x * x * c::<X::Elem>(std::f64::consts::LN_2))), dy 0;
    // g / (x ln 10)
    log10_vjp => log10_vjp_jvp0, log10_vjp_jvp1, log10_vjp_jvp2:
        dx (|g, x, y| -g / (x * x * c::<X::Elem>(std::f64::consts::LN_10))), dy 0;
    // g * 1/2 / y
    sqrt_vjp => sqrt_vjp_jvp0, sqrt_vjp_jvp1, sqrt_vjp_jvp2:
        dx 0, dy (|g, x, y| -g * <X::Elem as Real>::half() / (y * y));
    // g / (3 y^2)
    cbrt_vjp => cbrt_vjp_jvp0, cbrt_vjp_jvp1, cbrt_vjp_jvp2:
        dx 0, dy (|g, x, y| -g * c::<X::Elem>(2.0) / (c::<X::Elem>(3.0) * y * y * y));
    // -g * y * y
    recip_vjp => recip_vjp_jvp0, recip_vjp_jvp1, recip_vjp_jvp2:
        dx 0, dy (|g, x, y| -g * (y + y));
    // g * cos x
    sin_vjp => sin_vjp_jvp0, sin_vjp_jvp1, sin_vjp_jvp2: dx (|g, x, y| -g * x.sin()), dy 0;
    // -g * sin x
    cos_vjp => cos_vjp_jvp0, cos_vjp_jvp1, cos_vjp_jvp2: dx (|g, x, y| -g * x.cos()), dy 0;
    // g * (y^2 + 1)
    tan_vjp => tan_vjp_jvp0, tan_vjp_jvp1, tan_vjp_jvp2: dx 0, dy (|g, x, y| g * (y + y));
    // g / sqrt(1 - x^2)
    asin_vjp => asin_vjp_jvp0, asin_vjp_jvp1, asin_vjp_jvp2:
        dx (|g, x, y| { let u = <X::Elem>::one() - x * x; g * x / (u * u.sqrt()) }), dy 0;
    // -g / sqrt(1 - x^2)
    acos_vjp => acos_vjp_jvp0, acos_vjp_jvp1, acos_vjp_jvp2:
        dx (|g, x, y| { let u = <X::Elem>::one() - x * x; -g * x / (u * u.sqrt()) }), dy 0;
    // g / (x^2 + 1)
    atan_vjp => atan_vjp_jvp0, atan_vjp_jvp1, atan_vjp_jvp2:
        dx (|g, x, y| { let u = x * x + one(); -g * (x + x) / (u * u) }), dy 0;
    // g * cosh x
    sinh_vjp => sinh_vjp_jvp0, sinh_vjp_jvp1, sinh_vjp_jvp2: dx (|g, x, y| g * x.sinh()), dy 0;
    // g * sinh x
    cosh_vjp => cosh_vjp_jvp0, cosh_vjp_jvp1, cosh_vjp_jvp2: dx (|g, x, y| g * x.cosh()), dy 0;
    // g * (1 - y^2)
    tanh_vjp => tanh_vjp_jvp0, tanh_vjp_jvp1, tanh_vjp_jvp2: dx 0, dy (|g, x, y| -g * (y + y));
    // g / sqrt(x^2 + 1)
    asinh_vjp => asinh_vjp_jvp0, asinh_vjp_jvp1, asinh_vjp_jvp2:
        dx (|g, x, y| { let u = x * x + one(); -g * x / (u * u.sqrt()) }), dy 0;
    // g / sqrt((x - 1)(x + 1))
    acosh_vjp => acosh_vjp_jvp0, acosh_vjp_jvp1, acosh_vjp_jvp2:
        dx (|g, x, y| { let u = (x - one()) * (x + one()); -g * x / (u * u.sqrt()) }), dy 0;
    // g / ((1 - x)(1 + x))
    atanh_vjp => atanh_vjp_jvp0, atanh_vjp_jvp1, atanh_vjp_jvp2:
        dx (|g, x, y| {
            let u = (<X::Elem>::one() - x) * (<X::Elem>::one() + x);
            g * (x + x) / (u * u)
        }), dy 0;
    // g or -g by the sign of x: constant on each branch
    abs_vjp => abs_vjp_jvp0, abs_vjp_jvp1, abs_vjp_jvp2: dx 0, dy 0;
    // 0
    signum_vjp => signum_vjp_jvp0, signum_vjp_jvp1, signum_vjp_jvp2: dx 0, dy 0;
    // g in degrees
    to_degrees_vjp => to_degrees_vjp_jvp0, to_degrees_vjp_jvp1, to_degrees_vjp_jvp2: dx 0, dy 0;
    // g in radians
    to_radians_vjp => to_radians_vjp_jvp0, to_radians_vjp_jvp1, to_radians_vjp_jvp2: dx 0, dy 0;
    // 0
    floor_vjp => floor_vjp_jvp0, floor_vjp_jvp1, floor_vjp_jvp2: dx 0, dy 0;
    // 0
    ceil_vjp => ceil_vjp_jvp0, ceil_vjp_jvp1, ceil_vjp_jvp2: dx 0, dy 0;
    // 0
    round_vjp => round_vjp_jvp0, round_vjp_jvp1, round_vjp_jvp2: dx 0, dy 0;
    // 0
    trunc_vjp => trunc_vjp_jvp0, trunc_vjp_jvp1, trunc_vjp_jvp2: dx 0, dy 0;
    // g
    fract_vjp => fract_vjp_jvp0, fract_vjp_jvp1, fract_vjp_jvp2: dx 0, dy 0;
    // g * 2x
    pow2_vjp => pow2_vjp_jvp0, pow2_vjp_jvp1, pow2_vjp_jvp2: dx (|g, x, y| g + g), dy 0;
}

// ---------------------------------------------------------------------------------------------------------
// powi.

/// Derivative of [`powi_vjp`](crate::unary::powi_vjp) (`g * n * x^(n-1)`, 0 for `n == 0`) along `x`
/// (`x_dot`), `y` and `g` held: `g * n (n-1) x^(n-2) * x_dot`, with small powers as multiplications; a
/// zero of `x`'s shape for `n` of 0 or 1.
#[inline]
#[track_caller]
pub fn powi_vjp_jvp0<X, G, T>(x: &X, n: i32, y: &X::Output, g: &G, x_dot: &T) -> X::Output
where
    X: Elementwise + ?Sized,
    G: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
    T: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
{
    let c = <X::Elem as Real>::cast_from(f64::from(n) * (f64::from(n) - 1.0));
    match n {
        0 | 1 => y.zeros_like(),
        2 => along(x, y, g, x_dot, |g, _, _| g * c),
        3 => along(x, y, g, x_dot, |g, x, _| g * c * x),
        4 => along(x, y, g, x_dot, |g, x, _| g * c * (x * x)),
        _ => along(x, y, g, x_dot, |g, x, _| g * c * x.powi(n - 2)),
    }
}

/// Derivative of [`powi_vjp`](crate::unary::powi_vjp) along its output argument `y`: zero (the rule does
/// not read `y`), a zero of `y`'s shape.
#[inline]
pub fn powi_vjp_jvp1<X, G, T>(x: &X, n: i32, y: &X::Output, g: &G, y_dot: &T) -> X::Output
where
    X: Elementwise + ?Sized,
    G: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
    T: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
{
    let _ = (x, n, g, y_dot);
    y.zeros_like()
}

/// Derivative of [`powi_vjp`](crate::unary::powi_vjp) along the seed `g`: the rule applied to `g_dot`.
#[inline]
#[track_caller]
pub fn powi_vjp_jvp2<X, G, T>(x: &X, n: i32, y: &X::Output, g: &G, g_dot: &T) -> X::Output
where
    X: Elementwise + ?Sized,
    G: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
    T: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
{
    let _ = g;
    crate::unary::powi_vjp(x, n, y, g_dot.map1(|v| v))
}

// ---------------------------------------------------------------------------------------------------------
// clamp: each reverse rule is the seed times a share that is constant in `x`, `lo` and `hi` away from
// ties (JAX's `clip`), so only the seed's position has a nonzero derivative.

macro_rules! clamp_second {
    ($($vjp:ident -> $out:ident: $jvp0:ident, $jvp1:ident, $jvp2:ident, $jvp3:ident, $jvp4:ident
        zero $zero:expr;)*) => {$(
        #[doc = concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::unary::", stringify!($vjp), ") along `x` \
             (`x_dot`): zero, the shares of `clamp` being constant in `x` away from the bounds."
        )]
        #[inline]
        pub fn $jvp0<X, L, H, G, T>(x: &X, lo: &L, hi: &H, y: &X::Output, g: &G, x_dot: &T) -> X::$out
        where
            X: Elementwise + ?Sized,
            L: ScalarArg<X::Elem>,
            H: ScalarArg<X::Elem>,
            G: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
            T: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
        {
            let _ = (x, lo, hi, g, x_dot);
            $zero(y)
        }

        #[doc = concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::unary::", stringify!($vjp), ") along the lower \
             bound (`lo_dot`): zero, the shares being constant in `lo` away from ties."
        )]
        #[inline]
        pub fn $jvp1<X, L, H, G, T>(x: &X, lo: &L, hi: &H, y: &X::Output, g: &G, lo_dot: &T) -> X::$out
        where
            X: Elementwise + ?Sized,
            L: ScalarArg<X::Elem>,
            H: ScalarArg<X::Elem>,
            G: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
            T: ScalarArg<X::Elem> + ?Sized,
        {
            let _ = (x, lo, hi, g, lo_dot);
            $zero(y)
        }

        #[doc = concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::unary::", stringify!($vjp), ") along the upper \
             bound (`hi_dot`): zero, the shares being constant in `hi` away from ties."
        )]
        #[inline]
        pub fn $jvp2<X, L, H, G, T>(x: &X, lo: &L, hi: &H, y: &X::Output, g: &G, hi_dot: &T) -> X::$out
        where
            X: Elementwise + ?Sized,
            L: ScalarArg<X::Elem>,
            H: ScalarArg<X::Elem>,
            G: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
            T: ScalarArg<X::Elem> + ?Sized,
        {
            let _ = (x, lo, hi, g, hi_dot);
            $zero(y)
        }

        #[doc = concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::unary::", stringify!($vjp), ") along its output \
             argument `y` (`y_dot`): zero, the rule does not read `y`."
        )]
        #[inline]
        pub fn $jvp3<X, L, H, G, T>(x: &X, lo: &L, hi: &H, y: &X::Output, g: &G, y_dot: &T) -> X::$out
        where
            X: Elementwise + ?Sized,
            L: ScalarArg<X::Elem>,
            H: ScalarArg<X::Elem>,
            G: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
            T: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
        {
            let _ = (x, lo, hi, g, y_dot);
            $zero(y)
        }

        #[doc = concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::unary::", stringify!($vjp), ") along the seed \
             `g` (`g_dot`, of `g`'s shape): the rule applied to `g_dot`."
        )]
        #[inline]
        #[track_caller]
        pub fn $jvp4<X, L, H, G, T>(x: &X, lo: &L, hi: &H, y: &X::Output, g: &G, g_dot: &T) -> X::$out
        where
            X: Elementwise + ?Sized,
            L: ScalarArg<X::Elem>,
            H: ScalarArg<X::Elem>,
            G: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
            T: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
        {
            let _ = g;
            crate::unary::$vjp(x, lo, hi, y, g_dot.map1(|v| v))
        }
    )*};
}

/// A zero of the shape of `y` (the gradient of `x` in `clamp_vjp0`).
#[inline]
fn zero_like<O: Tangent>(y: &O) -> O {
    y.zeros_like()
}

/// A scalar zero (the gradient of a bound in `clamp_vjp1`, `clamp_vjp2`).
#[inline]
fn zero_scalar<O, F: Zero>(_y: &O) -> F {
    zero()
}

clamp_second! {
    clamp_vjp0 -> Output: clamp_vjp0_jvp0, clamp_vjp0_jvp1, clamp_vjp0_jvp2, clamp_vjp0_jvp3, clamp_vjp0_jvp4
        zero zero_like;
    clamp_vjp1 -> Elem: clamp_vjp1_jvp0, clamp_vjp1_jvp1, clamp_vjp1_jvp2, clamp_vjp1_jvp3, clamp_vjp1_jvp4
        zero zero_scalar;
    clamp_vjp2 -> Elem: clamp_vjp2_jvp0, clamp_vjp2_jvp1, clamp_vjp2_jvp2, clamp_vjp2_jvp3, clamp_vjp2_jvp4
        zero zero_scalar;
}

// ---------------------------------------------------------------------------------------------------------
// mul_add (scalars): `x * a + b`, whose reverse rules are `g * a`, `g * x` and `g`.

macro_rules! mul_add_second {
    ($($(#[$doc:meta])* $name:ident: |$x:ident, $a:ident, $b:ident, $g:ident, $dot:ident| $body:expr;)*) => {$(
        $(#[$doc])*
        #[inline]
        #[allow(unused_variables)]
        pub fn $name<F, X, A, B, G, T>($x: &X, $a: &A, $b: &B, $g: &G, $dot: &T) -> F
        where
            F: Real,
            X: ScalarArg<F>,
            A: ScalarArg<F>,
            B: ScalarArg<F>,
            G: ScalarArg<F> + ?Sized,
            T: ScalarArg<F> + ?Sized,
        {
            $body
        }
    )*};
}

mul_add_second! {
    /// Derivative of [`mul_add_vjp0`](crate::unary::mul_add_vjp0) (`g * a`) along `x`: zero.
    mul_add_vjp0_jvp0: |x, a, b, g, x_dot| F::zero();
    /// Derivative of [`mul_add_vjp0`](crate::unary::mul_add_vjp0) (`g * a`) along `a`: `g * a_dot`.
    mul_add_vjp0_jvp1: |x, a, b, g, a_dot| g.get() * a_dot.get();
    /// Derivative of [`mul_add_vjp0`](crate::unary::mul_add_vjp0) (`g * a`) along `b`: zero.
    mul_add_vjp0_jvp2: |x, a, b, g, b_dot| F::zero();
    /// Derivative of [`mul_add_vjp0`](crate::unary::mul_add_vjp0) along the seed: the rule applied to
    /// `g_dot`.
    mul_add_vjp0_jvp3: |x, a, b, g, g_dot| crate::unary::mul_add_vjp0(x, a, b, g_dot.get());
    /// Derivative of [`mul_add_vjp1`](crate::unary::mul_add_vjp1) (`g * x`) along `x`: `g * x_dot`.
    mul_add_vjp1_jvp0: |x, a, b, g, x_dot| g.get() * x_dot.get();
    /// Derivative of [`mul_add_vjp1`](crate::unary::mul_add_vjp1) (`g * x`) along `a`: zero.
    mul_add_vjp1_jvp1: |x, a, b, g, a_dot| F::zero();
    /// Derivative of [`mul_add_vjp1`](crate::unary::mul_add_vjp1) (`g * x`) along `b`: zero.
    mul_add_vjp1_jvp2: |x, a, b, g, b_dot| F::zero();
    /// Derivative of [`mul_add_vjp1`](crate::unary::mul_add_vjp1) along the seed: the rule applied to
    /// `g_dot`.
    mul_add_vjp1_jvp3: |x, a, b, g, g_dot| crate::unary::mul_add_vjp1(x, a, b, g_dot.get());
    /// Derivative of [`mul_add_vjp2`](crate::unary::mul_add_vjp2) (`g`) along `x`: zero.
    mul_add_vjp2_jvp0: |x, a, b, g, x_dot| F::zero();
    /// Derivative of [`mul_add_vjp2`](crate::unary::mul_add_vjp2) (`g`) along `a`: zero.
    mul_add_vjp2_jvp1: |x, a, b, g, a_dot| F::zero();
    /// Derivative of [`mul_add_vjp2`](crate::unary::mul_add_vjp2) (`g`) along `b`: zero.
    mul_add_vjp2_jvp2: |x, a, b, g, b_dot| F::zero();
    /// Derivative of [`mul_add_vjp2`](crate::unary::mul_add_vjp2) along the seed: the rule applied to
    /// `g_dot`.
    mul_add_vjp2_jvp3: |x, a, b, g, g_dot| crate::unary::mul_add_vjp2(x, a, b, g_dot.get());
}
