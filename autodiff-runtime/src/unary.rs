//! Elementwise functions of one operand (`exp`, `sin`, `tanh`, `powi`, `-x`, ...) over scalars and arrays,
//! and their reverse rules, written as one table of derivatives.
//!
//! Each rule's derivative may use the input `x`, the output `y` and the incoming gradient `g`; at points
//! where a function is not differentiable the value is the one JAX gives (`abs` at 0 takes +1, `sqrt` at
//! 0 gives infinity, `signum` has derivative 0).

use crate::operand::{ArrayArg, ScalarArg};
use crate::real::Real;
use crate::tangent::Tangent;
use ndarray::{Array, ArrayBase, Data, Dimension, Zip};
use num_traits::{one, zero, Float, One, Zero};

/// One operand mapped elementwise. The output is its own tangent type, and also the operand's tangent.
pub trait Elementwise {
    /// The element type.
    type Elem: Real;
    /// A scalar for a scalar operand, an owned array of the same shape for an array.
    type Output: Tangent;
    /// `out[i] = f(x[i])`.
    fn map1(&self, f: impl Fn(Self::Elem) -> Self::Elem) -> Self::Output;
    /// `out[i] = f(g[i], x[i], y[i])`, reusing the buffer of `g`.
    fn back1(
        &self,
        y: &Self::Output,
        g: Self::Output,
        f: impl Fn(Self::Elem, Self::Elem, Self::Elem) -> Self::Elem,
    ) -> Self::Output;
}

impl<F: Real> Elementwise for F {
    type Elem = F;
    type Output = F;
    #[inline]
    fn map1(&self, f: impl Fn(F) -> F) -> F {
        f(*self)
    }
    #[inline]
    fn back1(&self, y: &F, g: F, f: impl Fn(F, F, F) -> F) -> F {
        f(g, *self, *y)
    }
}

// A reference to a scalar, for `f32` and `f64` each (a generic `&F` would overlap `F` in the coherence check).
macro_rules! scalar_ref_elementwise {
    ($($F:ty),*) => {$(
        impl Elementwise for &$F {
            type Elem = $F;
            type Output = $F;
            #[inline]
            fn map1(&self, f: impl Fn($F) -> $F) -> $F {
                f(**self)
            }
            #[inline]
            fn back1(&self, y: &$F, g: $F, f: impl Fn($F, $F, $F) -> $F) -> $F {
                f(g, **self, *y)
            }
        }
    )*};
}
scalar_ref_elementwise!(f32, f64);

macro_rules! array_elementwise {
    ($($T:ty),*) => {$(
        impl<A: Real, S: Data<Elem = A>, D: Dimension> Elementwise for $T {
            type Elem = A;
            type Output = Array<A, D>;
            #[inline]
            fn map1(&self, f: impl Fn(A) -> A) -> Array<A, D> {
                self.mapv(f)
            }
            #[inline]
            #[track_caller]
            fn back1(&self, y: &Array<A, D>, mut g: Array<A, D>, f: impl Fn(A, A, A) -> A) -> Array<A, D> {
                crate::shape::check_seed(ArrayArg::view(self).shape(), g.shape());
                Zip::from(&mut g).and(&ArrayArg::view(self)).and(y).for_each(|g, &x, &y| *g = f(*g, x, y));
                g
            }
        }
    )*};
}
array_elementwise!(ArrayBase<S, D>, &ArrayBase<S, D>);

macro_rules! unary_rules {
    ($(
        $(#[$doc:meta])*
        $name:ident, $vjp:ident: |$x:ident| $forward:expr; |$g:ident, $xb:ident, $y:ident| $back:expr;
    )*) => {$(
        $(#[$doc])*
        #[inline]
        pub fn $name<X: Elementwise + ?Sized>(x: &X) -> X::Output {
            x.map1(|$x| $forward)
        }

        #[doc = concat!("Reverse rule of [`", stringify!($name), "`]: `y` is its output, `g` the output's gradient.")]
        #[inline]
        #[track_caller]
        #[allow(unused_variables)]
        pub fn $vjp<X: Elementwise + ?Sized>(x: &X, y: &X::Output, g: X::Output) -> X::Output {
            x.back1(y, g, |$g, $xb, $y| $back)
        }
    )*};
}

unary_rules! {
    /// `-x`.
    neg, neg_vjp: |x| -x; |g, x, y| -g;
    /// `x.exp()`.
    exp, exp_vjp: |x| x.exp(); |g, x, y| g * y;
    /// `x.exp2()`.
    exp2, exp2_vjp: |x| x.exp2(); |g, x, y| g * y * <X::Elem as Real>::cast_from(std::f64::consts::LN_2);
    /// `x.exp_m1()`.
    exp_m1, exp_m1_vjp: |x| x.exp_m1(); |g, x, y| g * (y + one());
    /// `x.ln()`.
    ln, ln_vjp: |x| x.ln(); |g, x, y| g / x;
    /// `x.ln_1p()`.
    ln_1p, ln_1p_vjp: |x| x.ln_1p(); |g, x, y| g / (x + one());
    /// `x.log2()`.
    log2, log2_vjp: |x| x.log2(); |g, x, y| g / (x * <X::Elem as Real>::cast_from(std::f64::consts::LN_2));
    /// `x.log10()`.
    log10, log10_vjp: |x| x.log10(); |g, x, y| g / (x * <X::Elem as Real>::cast_from(std::f64::consts::LN_10));
    /// `x.sqrt()`; the derivative at 0 is infinite, as in JAX.
    sqrt, sqrt_vjp: |x| x.sqrt(); |g, x, y| g * <X::Elem as Real>::half() / y;
    /// `x.cbrt()`.
    cbrt, cbrt_vjp: |x| x.cbrt(); |g, x, y| g / (<X::Elem as Real>::cast_from(3.0) * y * y);
    /// `x.recip()`.
    recip, recip_vjp: |x| x.recip(); |g, x, y| -g * y * y;
    /// `x.sin()`.
    sin, sin_vjp: |x| x.sin(); |g, x, y| g * x.cos();
    /// `x.cos()`.
    cos, cos_vjp: |x| x.cos(); |g, x, y| -g * x.sin();
    /// `x.tan()`.
    tan, tan_vjp: |x| x.tan(); |g, x, y| g * (y * y + one());
    /// `x.asin()`.
    asin, asin_vjp: |x| x.asin(); |g, x, y| g / (<X::Elem>::one() - x * x).sqrt();
    /// `x.acos()`.
    acos, acos_vjp: |x| x.acos(); |g, x, y| -g / (<X::Elem>::one() - x * x).sqrt();
    /// `x.atan()`.
    atan, atan_vjp: |x| x.atan(); |g, x, y| g / (x * x + one());
    /// `x.sinh()`.
    sinh, sinh_vjp: |x| x.sinh(); |g, x, y| g * x.cosh();
    /// `x.cosh()`.
    cosh, cosh_vjp: |x| x.cosh(); |g, x, y| g * x.sinh();
    /// `x.tanh()`.
    tanh, tanh_vjp: |x| x.tanh(); |g, x, y| g * (<X::Elem>::one() - y * y);
    /// `x.asinh()`.
    asinh, asinh_vjp: |x| x.asinh(); |g, x, y| g / (x * x + one()).sqrt();
    /// `x.acosh()`.
    acosh, acosh_vjp: |x| x.acosh(); |g, x, y| g / ((x - one()) * (x + one())).sqrt();
    /// `x.atanh()`; `(1 - x)(1 + x)` rather than `1 - x * x`, which cancels near ±1 (as JAX).
    atanh, atanh_vjp: |x| x.atanh(); |g, x, y| g / ((<X::Elem>::one() - x) * (<X::Elem>::one() + x));
    /// `x.abs()`; at 0 the derivative is +1, as in JAX.
    abs, abs_vjp: |x| x.abs(); |g, x, y| if x >= zero() { g } else { -g };
    /// `x.signum()`; derivative 0.
    signum, signum_vjp: |x| x.signum(); |g, x, y| zero();
    /// `x.to_degrees()`.
    to_degrees, to_degrees_vjp: |x| x.to_degrees(); |g, x, y| g.to_degrees();
    /// `x.to_radians()`.
    to_radians, to_radians_vjp: |x| x.to_radians(); |g, x, y| g.to_radians();
    /// `x.floor()`; derivative 0, as in JAX.
    floor, floor_vjp: |x| x.floor(); |g, x, y| zero();
    /// `x.ceil()`; derivative 0, as in JAX.
    ceil, ceil_vjp: |x| x.ceil(); |g, x, y| zero();
    /// `x.round()`; derivative 0, as in JAX.
    round, round_vjp: |x| x.round(); |g, x, y| zero();
    /// `x.trunc()`; derivative 0, as in JAX.
    trunc, trunc_vjp: |x| x.trunc(); |g, x, y| zero();
    /// `x.fract()` (`x - x.trunc()`): derivative 1.
    fract, fract_vjp: |x| x.fract(); |g, x, y| g;
    /// `x.pow2()` (ndarray's square).
    pow2, pow2_vjp: |x| x * x; |g, x, y| g * (x + x);
}

/// `x.powi(n)`. The exponent is looked at once per call: powers 1 to 4 are the multiplications that
/// `powi` itself performs (square and multiply), so the results are the same bits, without a call of
/// the `powi` routine per element; `x.powi(2)` costs what `x * x` does.
#[inline]
pub fn powi<X: Elementwise + ?Sized>(x: &X, n: i32) -> X::Output {
    match n {
        1 => x.map1(|v| v),
        2 => x.map1(|v| v * v),
        3 => x.map1(|v| v * (v * v)),
        4 => x.map1(|v| {
            let s = v * v;
            s * s
        }),
        _ => x.map1(|v| v.powi(n)),
    }
}

/// Reverse rule of [`powi`]: `n * x^(n-1)`, and 0 for `n == 0` (as JAX's `integer_pow`); small powers
/// as multiplications, like [`powi`].
#[inline]
#[track_caller]
pub fn powi_vjp<X: Elementwise + ?Sized>(x: &X, n: i32, y: &X::Output, g: X::Output) -> X::Output {
    let c = <X::Elem as Real>::cast_from(f64::from(n));
    match n {
        0 => x.back1(y, g, |_, _, _| zero()),
        1 => x.back1(y, g, |g, _, _| g * c),
        2 => x.back1(y, g, |g, x, _| g * c * x),
        3 => x.back1(y, g, |g, x, _| g * c * (x * x)),
        4 => x.back1(y, g, |g, x, _| g * c * (x * (x * x))),
        _ => x.back1(y, g, |g, x, _| g * c * x.powi(n - 1)),
    }
}

/// JAX's share of `clip`'s gradient (`minimum(hi, maximum(lo, x))`) that goes to each of `x`, `lo`, `hi`.
#[inline]
pub(crate) fn clamp_shares<F: Real>(x: F, lo: F, hi: F) -> (F, F, F) {
    let half = F::half();
    let share = |a: F, b: F| {
        if a > b {
            F::one()
        } else if a == b {
            half
        } else {
            F::zero()
        }
    };
    let m = x.max(lo);
    // maximum(lo, x): x gets share(x, lo), lo gets share(lo, x); minimum(hi, m): m gets share(hi, m).
    let through = share(hi, m);
    (share(x, lo) * through, share(lo, x) * through, share(m, hi))
}

/// `x.clamp(lo, hi)` with scalar bounds.
#[inline]
#[track_caller]
pub fn clamp<X: Elementwise + ?Sized, L: ScalarArg<X::Elem>, H: ScalarArg<X::Elem>>(
    x: &X,
    lo: &L,
    hi: &H,
) -> X::Output {
    let (lo, hi) = (lo.get(), hi.get());
    assert!(lo <= hi, "clamp: min must be less than or equal to max");
    // As `f64::clamp`: a NaN stays NaN (`v.max(lo)` would give `lo`).
    x.map1(|v| if v.is_nan() { v } else { v.max(lo).min(hi) })
}

/// Reverse rule of [`clamp`] for `x`: as JAX's `clip`, a tie with a bound passes half the gradient.
#[inline]
#[track_caller]
pub fn clamp_vjp0<X: Elementwise + ?Sized, L: ScalarArg<X::Elem>, H: ScalarArg<X::Elem>>(
    x: &X,
    lo: &L,
    hi: &H,
    y: &X::Output,
    g: X::Output,
) -> X::Output {
    let (lo, hi) = (lo.get(), hi.get());
    x.back1(y, g, |g, x, _| g * clamp_shares(x, lo, hi).0)
}

/// Reverse rule of [`clamp`] for the lower bound.
#[inline]
#[track_caller]
pub fn clamp_vjp1<X: Elementwise + ?Sized, L: ScalarArg<X::Elem>, H: ScalarArg<X::Elem>>(
    x: &X,
    lo: &L,
    hi: &H,
    y: &X::Output,
    g: X::Output,
) -> X::Elem {
    let (lo, hi) = (lo.get(), hi.get());
    sum_back(x, y, g, |g, x| g * clamp_shares(x, lo, hi).1)
}

/// Reverse rule of [`clamp`] for the upper bound.
#[inline]
#[track_caller]
pub fn clamp_vjp2<X: Elementwise + ?Sized, L: ScalarArg<X::Elem>, H: ScalarArg<X::Elem>>(
    x: &X,
    lo: &L,
    hi: &H,
    y: &X::Output,
    g: X::Output,
) -> X::Elem {
    let (lo, hi) = (lo.get(), hi.get());
    sum_back(x, y, g, |g, x| g * clamp_shares(x, lo, hi).2)
}

/// `sum_i f(g[i], x[i])`: the gradient of a scalar that every element of `x` used.
#[inline]
#[track_caller]
fn sum_back<X: Elementwise + ?Sized>(
    x: &X,
    y: &X::Output,
    g: X::Output,
    f: impl Fn(X::Elem, X::Elem) -> X::Elem,
) -> X::Elem {
    let mut total = X::Elem::zero();
    let terms = x.back1(y, g, |g, x, _| f(g, x));
    for i in 0..terms.num_components() {
        total += <X::Elem as Real>::cast_from(terms.component(i));
    }
    total
}

/// `x.mul_add(a, b)` = `x * a + b` on scalars.
#[inline]
pub fn mul_add<F: Real, X: ScalarArg<F>, A: ScalarArg<F>, B: ScalarArg<F>>(
    x: &X,
    a: &A,
    b: &B,
) -> F {
    x.get().mul_add(a.get(), b.get())
}

/// Reverse rule of [`mul_add`] for `x`.
#[inline]
pub fn mul_add_vjp0<F: Real, X: ScalarArg<F>, A: ScalarArg<F>, B: ScalarArg<F>>(
    _x: &X,
    a: &A,
    _b: &B,
    g: F,
) -> F {
    g * a.get()
}

/// Reverse rule of [`mul_add`] for `a`.
#[inline]
pub fn mul_add_vjp1<F: Real, X: ScalarArg<F>, A: ScalarArg<F>, B: ScalarArg<F>>(
    x: &X,
    _a: &A,
    _b: &B,
    g: F,
) -> F {
    g * x.get()
}

/// Reverse rule of [`mul_add`] for `b`.
#[inline]
pub fn mul_add_vjp2<F: Real, X: ScalarArg<F>, A: ScalarArg<F>, B: ScalarArg<F>>(
    _x: &X,
    _a: &A,
    _b: &B,
    g: F,
) -> F {
    g
}
