//! Binary elementwise operations (`+ - * /`, `powf`, `atan2`, `max`, `min`, `hypot`) over scalars and
//! arrays with broadcasting, and their reverse rules.
//!
//! [`Binary`] is implemented for every pair of operand forms (a scalar `F` or `&F`, an array of any
//! storage or a reference to one). It gives one forward map and one reverse map per side; each public
//! rule below is then a one-line partial derivative. A side's gradient comes back summed to that side's
//! shape (broadcasting's reverse, [`crate::broadcast::sum_to`]).

use crate::broadcast::{broadcast_shape, broadcast_to, sum_to};
use crate::operand::{ArrayArg, ScalarArg};
use crate::real::Real;
use crate::tangent::Tangent;
use ndarray::{Array, ArrayBase, Data, DimMax, Dimension, Zip};
use num_traits::{one, zero, Float};

/// Two operands combined elementwise. `Self` is the left operand, `Rhs` the right one.
pub trait Binary<Rhs: ?Sized> {
    /// The element type.
    type Elem: Real;
    /// The result: a scalar if both sides are scalars, else an array of the broadcast shape. It is its
    /// own tangent type, so it is also the type of the seed `g` of the reverse rules.
    type Output: Tangent;
    /// The gradient type of the left operand.
    type LhsTangent: Tangent;
    /// The gradient type of the right operand.
    type RhsTangent: Tangent;
    /// `out[i] = f(lhs[i], rhs[i])` with broadcasting.
    fn map2(&self, rhs: &Rhs, f: impl Fn(Self::Elem, Self::Elem) -> Self::Elem) -> Self::Output;
    /// `f(g[i], lhs[i], rhs[i])`, summed back to the shape of the left operand.
    fn back_lhs(
        &self,
        rhs: &Rhs,
        g: Self::Output,
        f: impl Fn(Self::Elem, Self::Elem, Self::Elem) -> Self::Elem,
    ) -> Self::LhsTangent;
    /// `f(g[i], lhs[i], rhs[i])`, summed back to the shape of the right operand.
    fn back_rhs(
        &self,
        rhs: &Rhs,
        g: Self::Output,
        f: impl Fn(Self::Elem, Self::Elem, Self::Elem) -> Self::Elem,
    ) -> Self::RhsTangent;
    /// `g` (negated where `negate`) summed back to the shape of the left operand, from a borrowed seed:
    /// a copy only where that shape is the output's. The same bits as [`Binary::back_lhs`] with
    /// `f = ±g`.
    fn pass_lhs(&self, rhs: &Rhs, g: &Self::Output, negate: bool) -> Self::LhsTangent;
    /// As [`Binary::pass_lhs`], for the right operand.
    fn pass_rhs(&self, rhs: &Rhs, g: &Self::Output, negate: bool) -> Self::RhsTangent;
}

/// `-x` where `negate`.
#[inline]
fn signed<F: Real>(x: F, negate: bool) -> F {
    if negate {
        -x
    } else {
        x
    }
}

/// An array's gradient `g` (negated where `negate`) summed to `target`, from a borrowed `g`.
#[inline]
#[track_caller]
fn pass_array<F: Real, G: Dimension, T: Dimension>(
    g: &Array<F, G>,
    target: &T,
    negate: bool,
) -> Array<F, T> {
    let mut out = crate::broadcast::sum_to_ref(g, target);
    if negate {
        out.mapv_inplace(|v| -v);
    }
    out
}

macro_rules! scalar_scalar {
    ($F:ty [$($g:tt)*]: $L:ty, $R:ty) => {
        impl<$($g)*> Binary<$R> for $L {
            type Elem = $F;
            type Output = $F;
            type LhsTangent = $F;
            type RhsTangent = $F;
            #[inline]
            fn map2(&self, rhs: &$R, f: impl Fn($F, $F) -> $F) -> $F {
                f(self.get(), rhs.get())
            }
            #[inline]
            #[track_caller]
            fn back_lhs(&self, rhs: &$R, g: $F, f: impl Fn($F, $F, $F) -> $F) -> $F {
                f(g, self.get(), rhs.get())
            }
            #[inline]
            #[track_caller]
            fn back_rhs(&self, rhs: &$R, g: $F, f: impl Fn($F, $F, $F) -> $F) -> $F {
                f(g, self.get(), rhs.get())
            }
            #[inline]
            fn pass_lhs(&self, _: &$R, g: &$F, negate: bool) -> $F {
                signed(*g, negate)
            }
            #[inline]
            fn pass_rhs(&self, _: &$R, g: &$F, negate: bool) -> $F {
                signed(*g, negate)
            }
        }
    };
}

macro_rules! scalar_array {
    ($F:ty [$($g:tt)*]: $L:ty, $R:ty) => {
        impl<$($g)* S: Data<Elem = $F>, D: Dimension> Binary<$R> for $L {
            type Elem = $F;
            type Output = Array<$F, D>;
            type LhsTangent = $F;
            type RhsTangent = Array<$F, D>;
            #[inline]
            fn map2(&self, rhs: &$R, f: impl Fn($F, $F) -> $F) -> Array<$F, D> {
                let a = self.get();
                rhs.view().mapv(|b| f(a, b))
            }
            #[inline]
            #[track_caller]
            fn back_lhs(&self, rhs: &$R, g: Array<$F, D>, f: impl Fn($F, $F, $F) -> $F) -> $F {
                let a = self.get();
                let mut acc: $F = zero();
                Zip::from(&g).and(&rhs.view()).for_each(|&g, &b| acc += f(g, a, b));
                acc
            }
            #[inline]
            #[track_caller]
            fn back_rhs(&self, rhs: &$R, mut g: Array<$F, D>, f: impl Fn($F, $F, $F) -> $F) -> Array<$F, D> {
                let a = self.get();
                Zip::from(&mut g).and(&rhs.view()).for_each(|g, &b| *g = f(*g, a, b));
                g
            }
            #[inline]
            #[track_caller]
            fn pass_lhs(&self, rhs: &$R, g: &Array<$F, D>, negate: bool) -> $F {
                let mut acc: $F = zero();
                Zip::from(g).and(&rhs.view()).for_each(|&g, _| acc += signed(g, negate));
                acc
            }
            #[inline]
            #[track_caller]
            fn pass_rhs(&self, _: &$R, g: &Array<$F, D>, negate: bool) -> Array<$F, D> {
                g.mapv(|g| signed(g, negate))
            }
        }

        impl<$($g)* S: Data<Elem = $F>, D: Dimension> Binary<$L> for $R {
            type Elem = $F;
            type Output = Array<$F, D>;
            type LhsTangent = Array<$F, D>;
            type RhsTangent = $F;
            #[inline]
            fn map2(&self, rhs: &$L, f: impl Fn($F, $F) -> $F) -> Array<$F, D> {
                let b = rhs.get();
                self.view().mapv(|a| f(a, b))
            }
            #[inline]
            #[track_caller]
            fn back_lhs(&self, rhs: &$L, mut g: Array<$F, D>, f: impl Fn($F, $F, $F) -> $F) -> Array<$F, D> {
                let b = rhs.get();
                Zip::from(&mut g).and(&self.view()).for_each(|g, &a| *g = f(*g, a, b));
                g
            }
            #[inline]
            #[track_caller]
            fn back_rhs(&self, rhs: &$L, g: Array<$F, D>, f: impl Fn($F, $F, $F) -> $F) -> $F {
                let b = rhs.get();
                let mut acc: $F = zero();
                Zip::from(&g).and(&self.view()).for_each(|&g, &a| acc += f(g, a, b));
                acc
            }
            #[inline]
            #[track_caller]
            fn pass_lhs(&self, _: &$L, g: &Array<$F, D>, negate: bool) -> Array<$F, D> {
                g.mapv(|g| signed(g, negate))
            }
            #[inline]
            #[track_caller]
            fn pass_rhs(&self, _: &$L, g: &Array<$F, D>, negate: bool) -> $F {
                let mut acc: $F = zero();
                Zip::from(g).and(&self.view()).for_each(|&g, _| acc += signed(g, negate));
                acc
            }
        }
    };
}

// A scalar by value is any `F: Real` (so that a function generic over `F` type-checks); a reference to one
// is implemented for `f32` and `f64` each, as a generic `&F` would overlap `F` in the coherence check.
scalar_scalar!(F [F: Real]: F, F);
scalar_array!(F [F: Real,]: F, ArrayBase<S, D>);
scalar_array!(F [F: Real,]: F, &ArrayBase<S, D>);

macro_rules! scalar_ref_impls {
    ($($F:ty),*) => {$(
        scalar_scalar!($F []: $F, &$F);
        scalar_scalar!($F []: &$F, $F);
        scalar_scalar!($F []: &$F, &$F);
        scalar_array!($F []: &$F, ArrayBase<S, D>);
        scalar_array!($F []: &$F, &ArrayBase<S, D>);
    )*};
}
scalar_ref_impls!(f32, f64);

macro_rules! array_array {
    ($($L:ty, $R:ty);*) => {$(
        impl<A, S1, S2, D1, D2> Binary<$R> for $L
        where
            A: Real,
            S1: Data<Elem = A>,
            S2: Data<Elem = A>,
            D1: Dimension + DimMax<D2>,
            D2: Dimension,
        {
            type Elem = A;
            type Output = Array<A, <D1 as DimMax<D2>>::Output>;
            type LhsTangent = Array<A, D1>;
            type RhsTangent = Array<A, D2>;
            #[inline]
            #[track_caller]
            fn map2(&self, rhs: &$R, f: impl Fn(A, A) -> A) -> Self::Output {
                let (a, b) = (self.view(), rhs.view());
                let out: <D1 as DimMax<D2>>::Output = broadcast_shape(a.shape(), b.shape());
                Zip::from(&broadcast_to(&a, &out))
                    .and(&broadcast_to(&b, &out))
                    .map_collect(|&x, &y| f(x, y))
            }
            #[inline]
            #[track_caller]
            fn back_lhs(&self, rhs: &$R, mut g: Self::Output, f: impl Fn(A, A, A) -> A) -> Array<A, D1> {
                let (a, b) = (self.view(), rhs.view());
                let out = g.raw_dim();
                Zip::from(&mut g)
                    .and(&broadcast_to(&a, &out))
                    .and(&broadcast_to(&b, &out))
                    .for_each(|g, &x, &y| *g = f(*g, x, y));
                sum_to(g, &a.raw_dim())
            }
            #[inline]
            #[track_caller]
            fn back_rhs(&self, rhs: &$R, mut g: Self::Output, f: impl Fn(A, A, A) -> A) -> Array<A, D2> {
                let (a, b) = (self.view(), rhs.view());
                let out = g.raw_dim();
                Zip::from(&mut g)
                    .and(&broadcast_to(&a, &out))
                    .and(&broadcast_to(&b, &out))
                    .for_each(|g, &x, &y| *g = f(*g, x, y));
                sum_to(g, &b.raw_dim())
            }
            #[inline]
            #[track_caller]
            fn pass_lhs(&self, _: &$R, g: &Self::Output, negate: bool) -> Array<A, D1> {
                pass_array(g, &self.view().raw_dim(), negate)
            }
            #[inline]
            #[track_caller]
            fn pass_rhs(&self, rhs: &$R, g: &Self::Output, negate: bool) -> Array<A, D2> {
                pass_array(g, &rhs.view().raw_dim(), negate)
            }
        }
    )*};
}
array_array!(
    ArrayBase<S1, D1>, ArrayBase<S2, D2>;
    ArrayBase<S1, D1>, &ArrayBase<S2, D2>;
    &ArrayBase<S1, D1>, ArrayBase<S2, D2>;
    &ArrayBase<S1, D1>, &ArrayBase<S2, D2>
);

/// The share of `max`/`min`'s gradient `g` that goes to `x` when the result is `z` (JAX's
/// `g * _balanced_eq(x, z, y)`): `g` if `x` alone attains it, half of it on a tie, and for the side that
/// does not attain it `g * 0` (a zero of `g`'s sign), or zero where `g` is not finite. That side receives nothing whatever
/// reaches the result (the product would give it NaN for an infinite `g`, an overflow upstream, where the
/// function's derivative along it is zero).
#[inline]
fn share<F: Real>(g: F, x: F, z: F, y: F) -> F {
    if x == z {
        if y == z {
            g * F::half()
        } else {
            g
        }
    } else if g.is_finite() {
        g * F::zero()
    } else {
        F::zero()
    }
}

/// Half of `g`: the share of each side where a gradient is split.
#[inline]
fn half_of<F: Real>(g: F) -> F {
    g * F::half()
}

macro_rules! binary_rules {
    ($(
        $(#[$doc:meta])*
        $name:ident, $vjp0:ident, $vjp1:ident: ($a:ident, $b:ident) => $forward:expr;
        lhs: |$g0:ident| $lhs:expr;
        rhs: |$g1:ident| $rhs:expr;
    )*) => {$(
        $(#[$doc])*
        #[inline]
        #[track_caller]
        pub fn $name<L: Binary<R>, R: ?Sized>(lhs: &L, rhs: &R) -> L::Output {
            lhs.map2(rhs, |$a, $b| $forward)
        }

        #[doc = concat!("Reverse rule of [`", stringify!($name), "`] for the left operand.")]
        #[inline]
        #[track_caller]
        #[allow(unused_variables)]
        pub fn $vjp0<L: Binary<R>, R: ?Sized>(lhs: &L, rhs: &R, g: L::Output) -> L::LhsTangent {
            lhs.back_lhs(rhs, g, |$g0, $a, $b| $lhs)
        }

        #[doc = concat!("Reverse rule of [`", stringify!($name), "`] for the right operand.")]
        #[inline]
        #[track_caller]
        #[allow(unused_variables)]
        pub fn $vjp1<L: Binary<R>, R: ?Sized>(lhs: &L, rhs: &R, g: L::Output) -> L::RhsTangent {
            lhs.back_rhs(rhs, g, |$g1, $a, $b| $rhs)
        }
    )*};
}

/// The reverse rules of `a + b` and `a - b` that read their seed rather than take it (`add_vjp1_ref`):
/// the macro gives the seed to the left side's rule and lends it to the right side's, which then sums
/// a broadcast side without copying the seed first.
macro_rules! pass_rules {
    ($($vjp0:ident, $vjp1:ident: $negate:expr;)*) => {$(
        #[doc = concat!("[`", stringify!($vjp0), "`](", stringify!($vjp0), ") of the same seed, borrowed.")]
        #[inline]
        #[track_caller]
        pub fn $vjp0<L: Binary<R>, R: ?Sized>(lhs: &L, rhs: &R, g: &L::Output) -> L::LhsTangent {
            lhs.pass_lhs(rhs, g, false)
        }

        #[doc = concat!("[`", stringify!($vjp1), "`](", stringify!($vjp1), ") of the same seed, borrowed.")]
        #[inline]
        #[track_caller]
        pub fn $vjp1<L: Binary<R>, R: ?Sized>(lhs: &L, rhs: &R, g: &L::Output) -> L::RhsTangent {
            lhs.pass_rhs(rhs, g, $negate)
        }
    )*};
}

pass_rules! {
    add_vjp0_ref, add_vjp1_ref: false;
    sub_vjp0_ref, sub_vjp1_ref: true;
}

binary_rules! {
    /// `a + b`.
    add, add_vjp0, add_vjp1: (a, b) => a + b;
    lhs: |g| g;
    rhs: |g| g;
    /// `a - b`.
    sub, sub_vjp0, sub_vjp1: (a, b) => a - b;
    lhs: |g| g;
    rhs: |g| -g;
    /// `a * b`.
    mul, mul_vjp0, mul_vjp1: (a, b) => a * b;
    lhs: |g| g * b;
    rhs: |g| g * a;
    /// `a / b`.
    div, div_vjp0, div_vjp1: (a, b) => a / b;
    lhs: |g| g / b;
    rhs: |g| -g * a / (b * b);
    /// `a.powf(b)`; as JAX: d/da is 0 where `b == 0`, and d/db takes `ln 1` where `a == 0`.
    powf, powf_vjp0, powf_vjp1: (a, b) => a.powf(b);
    lhs: |g| if b == zero() { zero() } else { g * b * a.powf(b - one()) };
    rhs: |g| g * (if a == zero() { one() } else { a }).ln() * a.powf(b);
    /// `a.atan2(b)` (`a` is y, `b` is x).
    atan2, atan2_vjp0, atan2_vjp1: (a, b) => a.atan2(b);
    lhs: |g| g * b / (a * a + b * b);
    rhs: |g| -g * a / (a * a + b * b);
    /// `a.max(b)`; a tie splits the gradient in halves, as JAX does.
    max, max_vjp0, max_vjp1: (a, b) => a.max(b);
    lhs: |g| share(g, a, a.max(b), b);
    rhs: |g| share(g, b, a.max(b), a);
    /// `a.min(b)`; a tie splits the gradient in halves, as JAX does.
    min, min_vjp0, min_vjp1: (a, b) => a.min(b);
    lhs: |g| share(g, a, a.min(b), b);
    rhs: |g| share(g, b, a.min(b), a);
    /// `a.hypot(b)`; at the origin, where it has no derivative, the gradient is split in halves
    /// `(0.5, 0.5)`, as JAX gives (and as a tie of `max`/`min` splits).
    hypot, hypot_vjp0, hypot_vjp1: (a, b) => a.hypot(b);
    lhs: |g| { let h = a.hypot(b); if h == zero() { half_of(g) } else { g * a / h } };
    rhs: |g| { let h = a.hypot(b); if h == zero() { half_of(g) } else { g * b / h } };
}
