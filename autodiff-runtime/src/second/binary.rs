//! Second-order rules of the elementwise binary primitives (`add_vjp0`, `mul_vjp1`, `powf_vjp0`, ...),
//! with broadcasting.
//!
//! A reverse rule `f_vjpK(a, b, g)` of [`crate::binary`] computes `b_K(g, a, b)` per element of the
//! broadcast output, linear in `g`, and sums it back to operand `K`'s shape. Its second-order rules are
//! `f_vjpK_jvp0` (along `a`), `f_vjpK_jvp1` (along `b`) and `f_vjpK_jvp2` (along `g`). Along an operand,
//! the tangent is broadcast to the output's shape, multiplied by the seed there, and the table's column
//! `∂b_K/∂a` (or `∂b_K/∂b`), which is linear in the seed, is evaluated on that product and summed back
//! to operand `K`'s shape, by the same [`Binary`] map that the reverse rule uses. Along the seed, the rule
//! is applied to the tangent.

use crate::binary::Binary;
use crate::broadcast::{broadcast_shape, broadcast_to};
use crate::jvp::AsView;
use crate::real::Real;
use crate::shape::check_seed;
use crate::tangent::Differentiable;
use ndarray::{Array, ArrayView, Dimension, Zip};
use num_traits::{one, zero};

/// The output type of an elementwise binary primitive (a scalar, or an array of the broadcast shape),
/// built from the seed `g` of a reverse rule and the tangent of one of its arguments, for the
/// second-order rules.
pub trait SecondSeed<F: Real>: Sized {
    /// `g * dot` in the output's shape, where `dot` is the tangent of `a` (`lhs`) or of `b`, broadcast to
    /// the output's shape.
    ///
    /// # Panics
    /// If `g` does not have the output's shape, `dot` its operand's, or `a` and `b` cannot be broadcast
    /// together.
    fn seed_times<L, R, G, T>(a: &L, b: &R, g: &G, dot: &T, lhs: bool) -> Self
    where
        L: AsView<F> + ?Sized,
        R: AsView<F> + ?Sized,
        G: AsView<F> + ?Sized,
        T: AsView<F> + ?Sized;

    /// An owned copy of `g_dot`, a tangent of the seed (of the output's shape).
    ///
    /// # Panics
    /// If `g_dot` does not have the output's shape.
    fn seed_copy<L, R, T>(a: &L, b: &R, g_dot: &T) -> Self
    where
        L: AsView<F> + ?Sized,
        R: AsView<F> + ?Sized,
        T: AsView<F> + ?Sized;
}

/// The only element of a view of a scalar.
#[inline]
#[track_caller]
fn scalar_of<F: Copy, D: Dimension>(view: ArrayView<'_, F, D>) -> F {
    check_seed(&[], view.shape());
    match view.iter().next() {
        Some(&v) => v,
        None => unreachable!("a view of no axes has one element"),
    }
}

impl<F: Real> SecondSeed<F> for F {
    #[inline]
    #[track_caller]
    fn seed_times<L, R, G, T>(a: &L, b: &R, g: &G, dot: &T, lhs: bool) -> F
    where
        L: AsView<F> + ?Sized,
        R: AsView<F> + ?Sized,
        G: AsView<F> + ?Sized,
        T: AsView<F> + ?Sized,
    {
        let _ = (a, b, lhs);
        scalar_of(g.as_view()) * scalar_of(dot.as_view())
    }
    #[inline]
    #[track_caller]
    fn seed_copy<L, R, T>(a: &L, b: &R, g_dot: &T) -> F
    where
        L: AsView<F> + ?Sized,
        R: AsView<F> + ?Sized,
        T: AsView<F> + ?Sized,
    {
        let _ = (a, b);
        scalar_of(g_dot.as_view())
    }
}

impl<F: Real, E: Dimension> SecondSeed<F> for Array<F, E> {
    #[inline]
    #[track_caller]
    fn seed_times<L, R, G, T>(a: &L, b: &R, g: &G, dot: &T, lhs: bool) -> Array<F, E>
    where
        L: AsView<F> + ?Sized,
        R: AsView<F> + ?Sized,
        G: AsView<F> + ?Sized,
        T: AsView<F> + ?Sized,
    {
        let (a, b, g, dot) = (a.as_view(), b.as_view(), g.as_view(), dot.as_view());
        check_seed(if lhs { a.shape() } else { b.shape() }, dot.shape());
        let out: E = broadcast_shape(a.shape(), b.shape());
        check_seed(out.slice(), g.shape());
        Zip::from(&broadcast_to(&g, &out))
            .and(&broadcast_to(&dot, &out))
            .map_collect(|&g, &d| g * d)
    }

    #[inline]
    #[track_caller]
    fn seed_copy<L, R, T>(a: &L, b: &R, g_dot: &T) -> Array<F, E>
    where
        L: AsView<F> + ?Sized,
        R: AsView<F> + ?Sized,
        T: AsView<F> + ?Sized,
    {
        let (a, b, g_dot) = (a.as_view(), b.as_view(), g_dot.as_view());
        let out: E = broadcast_shape(a.shape(), b.shape());
        check_seed(out.slice(), g_dot.shape());
        broadcast_to(&g_dot, &out).to_owned()
    }
}

/// The body of a rule along an operand: a zero of the result's shape (that of the rule's operand, `lhs`
/// or `rhs`), or the column evaluated on `g * dot` and summed back by the reverse rule's map (`back_lhs`
/// or `back_rhs`).
macro_rules! along_operand {
    (0, lhs, $back:ident, $lhs:expr, $a:ident, $b:ident, $g:ident, $dot:ident) => {{
        let _ = ($b, $g, $dot);
        $a.zero_tangent()
    }};
    (0, rhs, $back:ident, $lhs:expr, $a:ident, $b:ident, $g:ident, $dot:ident) => {{
        let _ = ($a, $g, $dot);
        $b.zero_tangent()
    }};
    ((|$gb:ident, $ab:ident, $bb:ident| $partial:expr), $side:ident, $back:ident, $lhs:expr, $a:ident, $b:ident, $g:ident, $dot:ident) => {{
        let seed = <L::Output as SecondSeed<F>>::seed_times($a, $b, $g, $dot, $lhs);
        $a.$back($b, seed, |$gb, $ab, $bb| $partial)
    }};
}

/// The documentation of a column: that it is zero, or its formula.
macro_rules! column_doc {
    (0) => {
        "zero (the formula does not vary with it), a zero of the result's shape"
    };
    ((|$gb:ident, $ab:ident, $bb:ident| $partial:expr)) => {
        concat!(
            "`",
            stringify!($partial),
            "` per element of the output, with `g` the seed times the \
             tangent (broadcast), summed back to the result's shape"
        )
    };
}

macro_rules! second_binary {
    ($(
        $vjp:ident -> $Tangent:ident by $back:ident of $side:ident:
            $jvp0:ident, $jvp1:ident, $jvp2:ident: da $da:tt, db $db:tt;
    )*) => {$(
        #[doc = concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::binary::", stringify!($vjp), ") along `a` \
             (`a_dot`, of `a`'s shape), `b` and `g` held: ", column_doc!($da), "."
        )]
        #[inline]
        #[track_caller]
        #[allow(unused_variables)]
        pub fn $jvp0<F, L, R, G, T>(a: &L, b: &R, g: &G, a_dot: &T) -> L::$Tangent
        where
            F: Real,
            L: Binary<R, Elem = F> + AsView<F> + Differentiable<Tangent = <L as Binary<R>>::LhsTangent>,
            R: AsView<F> + Differentiable<Tangent = <L as Binary<R>>::RhsTangent> + ?Sized,
            G: AsView<F> + ?Sized,
            T: AsView<F> + ?Sized,
            L::Output: SecondSeed<F>,
        {
            along_operand!($da, $side, $back, true, a, b, g, a_dot)
        }

        #[doc = concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::binary::", stringify!($vjp), ") along `b` \
             (`b_dot`, of `b`'s shape), `a` and `g` held: ", column_doc!($db), "."
        )]
        #[inline]
        #[track_caller]
        #[allow(unused_variables)]
        pub fn $jvp1<F, L, R, G, T>(a: &L, b: &R, g: &G, b_dot: &T) -> L::$Tangent
        where
            F: Real,
            L: Binary<R, Elem = F> + AsView<F> + Differentiable<Tangent = <L as Binary<R>>::LhsTangent>,
            R: AsView<F> + Differentiable<Tangent = <L as Binary<R>>::RhsTangent> + ?Sized,
            G: AsView<F> + ?Sized,
            T: AsView<F> + ?Sized,
            L::Output: SecondSeed<F>,
        {
            along_operand!($db, $side, $back, false, a, b, g, b_dot)
        }

        #[doc = concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::binary::", stringify!($vjp), ") along the seed \
             `g` (`g_dot`, of the output's shape): the rule is linear in `g`, so this is the rule applied \
             to `g_dot`."
        )]
        #[inline]
        #[track_caller]
        pub fn $jvp2<F, L, R, G, T>(a: &L, b: &R, g: &G, g_dot: &T) -> L::$Tangent
        where
            F: Real,
            L: Binary<R, Elem = F> + AsView<F> + Differentiable<Tangent = <L as Binary<R>>::LhsTangent>,
            R: AsView<F> + Differentiable<Tangent = <L as Binary<R>>::RhsTangent> + ?Sized,
            G: AsView<F> + ?Sized,
            T: AsView<F> + ?Sized,
            L::Output: SecondSeed<F>,
        {
            let _ = g;
            let seed = <L::Output as SecondSeed<F>>::seed_copy(a, b, g_dot);
            crate::binary::$vjp(a, b, seed)
        }
    )*};
}

/// `ln a`, with `ln 1 = 0` at `a == 0`: the logarithm [`powf_vjp1`](crate::binary::powf_vjp1) takes.
#[inline]
fn safe_ln<F: Real>(a: F) -> F {
    (if a == zero() { one() } else { a }).ln()
}

// The rows of `crate::binary`'s table: for each reverse rule, its formula in a comment, and the columns
// `∂/∂a` and `∂/∂b` of it (`g` being the seed, or the seed times the tangent: every column is linear in it).
second_binary! {
    // g
    add_vjp0 -> LhsTangent by back_lhs of lhs: add_vjp0_jvp0, add_vjp0_jvp1, add_vjp0_jvp2: da 0, db 0;
    // g
    add_vjp1 -> RhsTangent by back_rhs of rhs: add_vjp1_jvp0, add_vjp1_jvp1, add_vjp1_jvp2: da 0, db 0;
    // g
    sub_vjp0 -> LhsTangent by back_lhs of lhs: sub_vjp0_jvp0, sub_vjp0_jvp1, sub_vjp0_jvp2: da 0, db 0;
    // -g
    sub_vjp1 -> RhsTangent by back_rhs of rhs: sub_vjp1_jvp0, sub_vjp1_jvp1, sub_vjp1_jvp2: da 0, db 0;
    // g * b
    mul_vjp0 -> LhsTangent by back_lhs of lhs: mul_vjp0_jvp0, mul_vjp0_jvp1, mul_vjp0_jvp2:
        da 0, db (|g, a, b| g);
    // g * a
    mul_vjp1 -> RhsTangent by back_rhs of rhs: mul_vjp1_jvp0, mul_vjp1_jvp1, mul_vjp1_jvp2:
        da (|g, a, b| g), db 0;
    // g / b
    div_vjp0 -> LhsTangent by back_lhs of lhs: div_vjp0_jvp0, div_vjp0_jvp1, div_vjp0_jvp2:
        da 0, db (|g, a, b| -g / (b * b));
    // -g * a / b^2
    div_vjp1 -> RhsTangent by back_rhs of rhs: div_vjp1_jvp0, div_vjp1_jvp1, div_vjp1_jvp2:
        da (|g, a, b| -g / (b * b)), db (|g, a, b| (g + g) * a / (b * b * b));
    // if b == 0 { 0 } else { g * b * a^(b-1) }
    powf_vjp0 -> LhsTangent by back_lhs of lhs: powf_vjp0_jvp0, powf_vjp0_jvp1, powf_vjp0_jvp2:
        da (|g, a, b| if b == zero() { zero() } else { g * b * (b - one()) * a.powf(b - <F as Real>::cast_from(2.0)) }),
        db (|g, a, b| if b == zero() { zero() } else { g * a.powf(b - one()) * (F::one() + b * safe_ln(a)) });
    // g * ln(a, with ln 1 at a == 0) * a^b
    powf_vjp1 -> RhsTangent by back_rhs of rhs: powf_vjp1_jvp0, powf_vjp1_jvp1, powf_vjp1_jvp2:
        da (|g, a, b| if a == zero() { zero() } else { g * a.powf(b - one()) * (F::one() + b * a.ln()) }),
        db (|g, a, b| { let l = safe_ln(a); g * l * l * a.powf(b) });
    // g * b / (a^2 + b^2)
    atan2_vjp0 -> LhsTangent by back_lhs of lhs: atan2_vjp0_jvp0, atan2_vjp0_jvp1, atan2_vjp0_jvp2:
        da (|g, a, b| { let r = a * a + b * b; -(g + g) * a * b / (r * r) }),
        db (|g, a, b| { let r = a * a + b * b; g * (a * a - b * b) / (r * r) });
    // -g * a / (a^2 + b^2)
    atan2_vjp1 -> RhsTangent by back_rhs of rhs: atan2_vjp1_jvp0, atan2_vjp1_jvp1, atan2_vjp1_jvp2:
        da (|g, a, b| { let r = a * a + b * b; g * (a * a - b * b) / (r * r) }),
        db (|g, a, b| { let r = a * a + b * b; (g + g) * a * b / (r * r) });
    // g times a share that is constant away from ties
    max_vjp0 -> LhsTangent by back_lhs of lhs: max_vjp0_jvp0, max_vjp0_jvp1, max_vjp0_jvp2: da 0, db 0;
    max_vjp1 -> RhsTangent by back_rhs of rhs: max_vjp1_jvp0, max_vjp1_jvp1, max_vjp1_jvp2: da 0, db 0;
    min_vjp0 -> LhsTangent by back_lhs of lhs: min_vjp0_jvp0, min_vjp0_jvp1, min_vjp0_jvp2: da 0, db 0;
    min_vjp1 -> RhsTangent by back_rhs of rhs: min_vjp1_jvp0, min_vjp1_jvp1, min_vjp1_jvp2: da 0, db 0;
    // if h == 0 { g / 2 } else { g * a / h }, h = hypot(a, b)
    hypot_vjp0 -> LhsTangent by back_lhs of lhs: hypot_vjp0_jvp0, hypot_vjp0_jvp1, hypot_vjp0_jvp2:
        da (|g, a, b| { let h = a.hypot(b); if h == zero() { zero() } else { g * b * b / (h * h * h) } }),
        db (|g, a, b| { let h = a.hypot(b); if h == zero() { zero() } else { -g * a * b / (h * h * h) } });
    // if h == 0 { g / 2 } else { g * b / h }
    hypot_vjp1 -> RhsTangent by back_rhs of rhs: hypot_vjp1_jvp0, hypot_vjp1_jvp1, hypot_vjp1_jvp2:
        da (|g, a, b| { let h = a.hypot(b); if h == zero() { zero() } else { -g * a * b / (h * h * h) } }),
        db (|g, a, b| { let h = a.hypot(b); if h == zero() { zero() } else { g * a * a / (h * h * h) } });
}
