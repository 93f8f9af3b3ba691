//! Forward (JVP) rules: for every primitive `op`, the tangent of its output given the tangent of one operand.
//!
//! Generated forward-mode code calls `op_jvp(x, extras.., [y,] x_dot)` for a primitive of one operand and
//! `op_jvpK(a, b, [c,] extras.., [y,] dot_k)` for operand `K` of one with more; each returns the output's
//! tangent contribution from that operand alone, in the output's shape (a scalar operand's tangent reaches
//! every element of a broadcast output), and the generated code sums the contributions with [`add`].
//! Operands take the forms the forward functions accept; a scalar's tangent is `F`, an array's an owned
//! array of its shape, passed by reference.
//!
//! The rules are derived from the reverse rules rather than restated, so that the two cannot disagree
//! (also at the points where a function has no derivative: `abs` at 0 takes +1, a tie of `max` passes
//! half to each side, ...):
//! - an elementwise function of one operand has a diagonal derivative, so its JVP is its VJP applied to
//!   the tangent;
//! - an elementwise function of two operands evaluates its VJP with both operands and the tangent
//!   broadcast to the output's shape, where the VJP's per-element partial derivative times the seed is
//!   exactly the JVP (nothing is summed back);
//! - a linear primitive (`sum`, `slice`, `dot` in each side, copies, element reads) applies itself to the
//!   tangent; `product` and `clamp`'s bounds use the partial derivatives their reverse rules use.
//!
//! [`add`]: crate::binary::add

use crate::binary::Binary;
use crate::broadcast::{broadcast_shape, broadcast_to};
use crate::element::{Elements, Flat};
use crate::linalg::DotDims;
use crate::operand::{ArrayArg, ScalarArg};
use crate::real::Real;
use crate::shape::{check_seed, OwnedCopy};
use crate::unary::{clamp_shares, Elementwise};
use ndarray::{
    Array, Array1, ArrayBase, ArrayView, Axis, Data, Dimension, IntoDimension, Ix0, Ix2,
    RemoveAxis, ShapeBuilder, SliceArg, Zip,
};
use num_traits::{One, Zero};

// ---------------------------------------------------------------------------------------------------------
// Elementwise functions of one operand.

macro_rules! unary_jvps {
    ($($name:ident: $jvp:ident = $vjp:ident;)*) => {$(
        #[doc = concat!(
            "Forward rule of [`", stringify!($name), "`](crate::unary::", stringify!($name), "): `y` is its \
             output, `x_dot` the tangent of `x`. The derivative is diagonal, so this is the reverse rule [`",
            stringify!($vjp), "`](crate::unary::", stringify!($vjp), ") applied to `x_dot`."
        )]
        #[inline]
        #[track_caller]
        pub fn $jvp<X, T>(x: &X, y: &X::Output, x_dot: &T) -> X::Output
        where
            X: Elementwise + ?Sized,
            T: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
        {
            crate::unary::$vjp(x, y, x_dot.map1(|v| v))
        }
    )*};
}

unary_jvps! {
    neg: neg_jvp = neg_vjp;
    exp: exp_jvp = exp_vjp;
    exp2: exp2_jvp = exp2_vjp;
    exp_m1: exp_m1_jvp = exp_m1_vjp;
    ln: ln_jvp = ln_vjp;
    ln_1p: ln_1p_jvp = ln_1p_vjp;
    log2: log2_jvp = log2_vjp;
    log10: log10_jvp = log10_vjp;
    sqrt: sqrt_jvp = sqrt_vjp;
    cbrt: cbrt_jvp = cbrt_vjp;
    recip: recip_jvp = recip_vjp;
    sin: sin_jvp = sin_vjp;
    cos: cos_jvp = cos_vjp;
    tan: tan_jvp = tan_vjp;
    asin: asin_jvp = asin_vjp;
    acos: acos_jvp = acos_vjp;
    atan: atan_jvp = atan_vjp;
    sinh: sinh_jvp = sinh_vjp;
    cosh: cosh_jvp = cosh_vjp;
    tanh: tanh_jvp = tanh_vjp;
    asinh: asinh_jvp = asinh_vjp;
    acosh: acosh_jvp = acosh_vjp;
    atanh: atanh_jvp = atanh_vjp;
    abs: abs_jvp = abs_vjp;
    signum: signum_jvp = signum_vjp;
    to_degrees: to_degrees_jvp = to_degrees_vjp;
    to_radians: to_radians_jvp = to_radians_vjp;
    floor: floor_jvp = floor_vjp;
    ceil: ceil_jvp = ceil_vjp;
    round: round_jvp = round_vjp;
    trunc: trunc_jvp = trunc_vjp;
    fract: fract_jvp = fract_vjp;
    pow2: pow2_jvp = pow2_vjp;
}

/// Forward rule of [`powi`](crate::unary::powi): the reverse rule [`powi_vjp`](crate::unary::powi_vjp)
/// applied to `x_dot` (0 for `n == 0`).
#[inline]
#[track_caller]
pub fn powi_jvp<X, T>(x: &X, n: i32, y: &X::Output, x_dot: &T) -> X::Output
where
    X: Elementwise + ?Sized,
    T: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
{
    crate::unary::powi_vjp(x, n, y, x_dot.map1(|v| v))
}

/// Forward rule of [`clamp`](crate::unary::clamp) for `x`: the reverse rule
/// [`clamp_vjp0`](crate::unary::clamp_vjp0) applied to `x_dot` (a tie with a bound passes half, as JAX's
/// `clip`).
#[inline]
#[track_caller]
pub fn clamp_jvp0<X, L, H, T>(x: &X, lo: &L, hi: &H, y: &X::Output, x_dot: &T) -> X::Output
where
    X: Elementwise + ?Sized,
    L: ScalarArg<X::Elem>,
    H: ScalarArg<X::Elem>,
    T: Elementwise<Elem = X::Elem, Output = X::Output> + ?Sized,
{
    crate::unary::clamp_vjp0(x, lo, hi, y, x_dot.map1(|v| v))
}

/// Forward rule of [`clamp`](crate::unary::clamp) for the lower bound: `lo_dot` times the share of each
/// element that [`clamp_vjp1`](crate::unary::clamp_vjp1) sums, in `x`'s shape.
#[inline]
pub fn clamp_jvp1<X, L, H, T>(x: &X, lo: &L, hi: &H, _y: &X::Output, lo_dot: &T) -> X::Output
where
    X: Elementwise + ?Sized,
    L: ScalarArg<X::Elem>,
    H: ScalarArg<X::Elem>,
    T: ScalarArg<X::Elem> + ?Sized,
{
    let (lo, hi, dot) = (lo.get(), hi.get(), lo_dot.get());
    x.map1(|x| dot * clamp_shares(x, lo, hi).1)
}

/// Forward rule of [`clamp`](crate::unary::clamp) for the upper bound: `hi_dot` times the share of each
/// element that [`clamp_vjp2`](crate::unary::clamp_vjp2) sums, in `x`'s shape.
#[inline]
pub fn clamp_jvp2<X, L, H, T>(x: &X, lo: &L, hi: &H, _y: &X::Output, hi_dot: &T) -> X::Output
where
    X: Elementwise + ?Sized,
    L: ScalarArg<X::Elem>,
    H: ScalarArg<X::Elem>,
    T: ScalarArg<X::Elem> + ?Sized,
{
    let (lo, hi, dot) = (lo.get(), hi.get(), hi_dot.get());
    x.map1(|x| dot * clamp_shares(x, lo, hi).2)
}

/// Forward rule of [`mul_add`](crate::unary::mul_add) for `x`: `a * x_dot`.
#[inline]
pub fn mul_add_jvp0<F, X, A, B, T>(x: &X, a: &A, b: &B, x_dot: &T) -> F
where
    F: Real,
    X: ScalarArg<F>,
    A: ScalarArg<F>,
    B: ScalarArg<F>,
    T: ScalarArg<F> + ?Sized,
{
    crate::unary::mul_add_vjp0(x, a, b, x_dot.get())
}

/// Forward rule of [`mul_add`](crate::unary::mul_add) for `a`: `x * a_dot`.
#[inline]
pub fn mul_add_jvp1<F, X, A, B, T>(x: &X, a: &A, b: &B, a_dot: &T) -> F
where
    F: Real,
    X: ScalarArg<F>,
    A: ScalarArg<F>,
    B: ScalarArg<F>,
    T: ScalarArg<F> + ?Sized,
{
    crate::unary::mul_add_vjp1(x, a, b, a_dot.get())
}

/// Forward rule of [`mul_add`](crate::unary::mul_add) for `b`: `b_dot`.
#[inline]
pub fn mul_add_jvp2<F, X, A, B, T>(x: &X, a: &A, b: &B, b_dot: &T) -> F
where
    F: Real,
    X: ScalarArg<F>,
    A: ScalarArg<F>,
    B: ScalarArg<F>,
    T: ScalarArg<F> + ?Sized,
{
    crate::unary::mul_add_vjp2(x, a, b, b_dot.get())
}

// ---------------------------------------------------------------------------------------------------------
// Elementwise functions of two operands, with broadcasting.

/// An operand or a tangent of an elementwise rule seen as an array view: a scalar (`F`, `&F`) as a view of
/// no axes, an array of any storage (or a reference to one) as itself. The element type is a parameter, as
/// in [`ScalarArg`], so that a float literal takes its type from the other operands.
pub trait AsView<F: Real> {
    /// The dimension of the view ([`Ix0`](type@Ix0) for a scalar).
    type Dim: Dimension;
    /// The view.
    fn as_view(&self) -> ArrayView<'_, F, Self::Dim>;
}

// For `f32` and `f64` each (a generic `F` would overlap the blanket `&T` below in the coherence check;
// `Real` requires it, so that a function generic over `F: Real` has it).
macro_rules! scalar_as_view {
    ($($F:ty),*) => {$(
        impl AsView<$F> for $F {
            type Dim = Ix0;
            #[inline]
            fn as_view(&self) -> ArrayView<'_, $F, Ix0> {
                ndarray::aview0(self)
            }
        }
    )*};
}
scalar_as_view!(f32, f64);

impl<F: Real, S: Data<Elem = F>, D: Dimension> AsView<F> for ArrayBase<S, D> {
    type Dim = D;
    #[inline]
    fn as_view(&self) -> ArrayView<'_, F, D> {
        ArrayArg::view(self)
    }
}

impl<F: Real, T: AsView<F> + ?Sized> AsView<F> for &T {
    type Dim = T::Dim;
    #[inline]
    fn as_view(&self) -> ArrayView<'_, F, T::Dim> {
        (**self).as_view()
    }
}

/// The two reverse rules of an elementwise binary primitive (`{name}_vjp0`, `{name}_vjp1`), which the
/// forward rules evaluate on operands broadcast to the output's shape.
pub trait BinaryPartials {
    /// The reverse rule for the left operand.
    fn lhs<L: Binary<R>, R: ?Sized>(a: &L, b: &R, g: L::Output) -> L::LhsTangent;
    /// The reverse rule for the right operand.
    fn rhs<L: Binary<R>, R: ?Sized>(a: &L, b: &R, g: L::Output) -> L::RhsTangent;
}

/// The output type of an elementwise binary primitive (a scalar, or an array of the broadcast shape),
/// built as the output's tangent from the tangent of one operand.
pub trait ElementwiseTangent<F: Real>: Sized {
    /// The tangent of `f(a, b)` from the tangent `dot` of `a` (if `lhs`) or of `b`, where `P` holds the
    /// reverse rules of `f`: `P`'s rule for that side, evaluated with `a`, `b` and the seed `dot` all
    /// broadcast to the output's shape, gives `∂f/∂side · dot` per element and sums nothing back.
    ///
    /// # Panics
    /// If `dot` does not have its operand's shape, or `a` and `b` cannot be broadcast together.
    fn from_partial<P, L, R, T>(a: &L, b: &R, dot: &T, lhs: bool) -> Self
    where
        P: BinaryPartials,
        L: AsView<F> + ?Sized,
        R: AsView<F> + ?Sized,
        T: AsView<F> + ?Sized;
}

/// The only element of a view of a scalar operand.
#[inline]
#[track_caller]
fn scalar_of<F: Copy, D: Dimension>(view: ArrayView<'_, F, D>) -> F {
    check_seed(&[], view.shape());
    match view.iter().next() {
        Some(&v) => v,
        None => unreachable!("a view of no axes has one element"),
    }
}

impl<F: Real> ElementwiseTangent<F> for F {
    #[inline]
    #[track_caller]
    fn from_partial<P, L, R, T>(a: &L, b: &R, dot: &T, lhs: bool) -> F
    where
        P: BinaryPartials,
        L: AsView<F> + ?Sized,
        R: AsView<F> + ?Sized,
        T: AsView<F> + ?Sized,
    {
        let (a, b, dot) = (
            scalar_of(a.as_view()),
            scalar_of(b.as_view()),
            scalar_of(dot.as_view()),
        );
        if lhs {
            P::lhs(&a, &b, dot)
        } else {
            P::rhs(&a, &b, dot)
        }
    }
}

impl<F: Real, E: Dimension> ElementwiseTangent<F> for Array<F, E> {
    #[inline]
    #[track_caller]
    fn from_partial<P, L, R, T>(a: &L, b: &R, dot: &T, lhs: bool) -> Array<F, E>
    where
        P: BinaryPartials,
        L: AsView<F> + ?Sized,
        R: AsView<F> + ?Sized,
        T: AsView<F> + ?Sized,
    {
        let (a, b, dot) = (a.as_view(), b.as_view(), dot.as_view());
        check_seed(if lhs { a.shape() } else { b.shape() }, dot.shape());
        let out: E = broadcast_shape(a.shape(), b.shape());
        let (a, b) = (broadcast_to(&a, &out), broadcast_to(&b, &out));
        let seed = broadcast_to(&dot, &out).to_owned();
        if lhs {
            P::lhs(&a, &b, seed)
        } else {
            P::rhs(&a, &b, seed)
        }
    }
}

macro_rules! binary_jvps {
    ($($name:ident: $rules:ident($vjp0:ident, $vjp1:ident) => $jvp0:ident, $jvp1:ident;)*) => {$(
        struct $rules;

        impl BinaryPartials for $rules {
            #[inline]
            #[track_caller]
            fn lhs<L: Binary<R>, R: ?Sized>(a: &L, b: &R, g: L::Output) -> L::LhsTangent {
                crate::binary::$vjp0(a, b, g)
            }
            #[inline]
            #[track_caller]
            fn rhs<L: Binary<R>, R: ?Sized>(a: &L, b: &R, g: L::Output) -> L::RhsTangent {
                crate::binary::$vjp1(a, b, g)
            }
        }

        #[doc = concat!(
            "Forward rule of [`", stringify!($name), "`](crate::binary::", stringify!($name), ") for the \
             left operand: `∂f/∂a · a_dot` in the output's (broadcast) shape, from the reverse rule [`",
            stringify!($vjp0), "`](crate::binary::", stringify!($vjp0), ")."
        )]
        #[inline]
        #[track_caller]
        pub fn $jvp0<F, L, R, T>(a: &L, b: &R, a_dot: &T) -> L::Output
        where
            F: Real,
            L: Binary<R, Elem = F> + AsView<F>,
            R: AsView<F> + ?Sized,
            T: AsView<F> + ?Sized,
            L::Output: ElementwiseTangent<F>,
        {
            <L::Output as ElementwiseTangent<F>>::from_partial::<$rules, L, R, T>(a, b, a_dot, true)
        }

        #[doc = concat!(
            "Forward rule of [`", stringify!($name), "`](crate::binary::", stringify!($name), ") for the \
             right operand: `∂f/∂b · b_dot` in the output's (broadcast) shape, from the reverse rule [`",
            stringify!($vjp1), "`](crate::binary::", stringify!($vjp1), ")."
        )]
        #[inline]
        #[track_caller]
        pub fn $jvp1<F, L, R, T>(a: &L, b: &R, b_dot: &T) -> L::Output
        where
            F: Real,
            L: Binary<R, Elem = F> + AsView<F>,
            R: AsView<F> + ?Sized,
            T: AsView<F> + ?Sized,
            L::Output: ElementwiseTangent<F>,
        {
            <L::Output as ElementwiseTangent<F>>::from_partial::<$rules, L, R, T>(a, b, b_dot, false)
        }
    )*};
}

binary_jvps! {
    add: AddRules(add_vjp0, add_vjp1) => add_jvp0, add_jvp1;
    sub: SubRules(sub_vjp0, sub_vjp1) => sub_jvp0, sub_jvp1;
    mul: MulRules(mul_vjp0, mul_vjp1) => mul_jvp0, mul_jvp1;
    div: DivRules(div_vjp0, div_vjp1) => div_jvp0, div_jvp1;
    powf: PowfRules(powf_vjp0, powf_vjp1) => powf_jvp0, powf_jvp1;
    atan2: Atan2Rules(atan2_vjp0, atan2_vjp1) => atan2_jvp0, atan2_jvp1;
    max: MaxRules(max_vjp0, max_vjp1) => max_jvp0, max_jvp1;
    min: MinRules(min_vjp0, min_vjp1) => min_jvp0, min_jvp1;
    hypot: HypotRules(hypot_vjp0, hypot_vjp1) => hypot_jvp0, hypot_jvp1;
}

// ---------------------------------------------------------------------------------------------------------
// Reductions.

/// Panics, at the caller's location, unless the tangent `x_dot` has the shape of the operand `x`.
#[inline]
#[track_caller]
fn check_tangent<X: ArrayArg + ?Sized, T: ArrayArg + ?Sized>(x: &X, x_dot: &T) {
    check_seed(x.view().shape(), x_dot.view().shape());
}

/// Forward rule of [`sum`](crate::reduce::sum): the sum of the tangent.
#[inline]
#[track_caller]
pub fn sum_jvp<X, T>(x: &X, x_dot: &T) -> X::Elem
where
    X: ArrayArg + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    crate::reduce::sum(x_dot)
}

/// Forward rule of [`mean`](crate::reduce::mean): the mean of the tangent.
///
/// # Panics
/// If `x` is empty, as [`mean`](crate::reduce::mean) does.
#[inline]
#[track_caller]
pub fn mean_jvp<X, T>(x: &X, x_dot: &T) -> X::Elem
where
    X: ArrayArg + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    crate::reduce::mean(x_dot)
}

/// Forward rule of [`product`](crate::reduce::product): `sum_i x_dot[i] * prod_{j != i} x[j]`, with the
/// partial derivatives of [`product_vjp`](crate::reduce::product_vjp) (exact where elements are zero).
#[inline]
#[track_caller]
pub fn product_jvp<X, T>(x: &X, x_dot: &T) -> X::Elem
where
    X: ArrayArg + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    let partials = crate::reduce::product_vjp(x, X::Elem::one());
    let mut total = X::Elem::zero();
    Zip::from(&partials)
        .and(&x_dot.view())
        .for_each(|&p, &d| total += p * d);
    total
}

/// Forward rule of [`sum_axis`](crate::reduce::sum_axis): the tangent summed along `axis`.
#[inline]
#[track_caller]
pub fn sum_axis_jvp<X, T>(
    x: &X,
    axis: Axis,
    x_dot: &T,
) -> Array<X::Elem, <X::Dim as Dimension>::Smaller>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    crate::reduce::sum_axis(x_dot, axis)
}

/// Forward rule of [`mean_axis`](crate::reduce::mean_axis): the tangent's mean along `axis`.
///
/// # Panics
/// If the axis has length 0, as [`mean_axis`](crate::reduce::mean_axis) does.
#[inline]
#[track_caller]
pub fn mean_axis_jvp<X, T>(
    x: &X,
    axis: Axis,
    x_dot: &T,
) -> Array<X::Elem, <X::Dim as Dimension>::Smaller>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    crate::reduce::mean_axis(x_dot, axis)
}

// ---------------------------------------------------------------------------------------------------------
// Linear algebra.

/// Forward rule of [`dot`](crate::linalg::dot) for `a`: `a_dot · b`.
#[inline]
#[track_caller]
pub fn dot_jvp0<A, B, T>(a: &A, b: &B, a_dot: &T) -> <A::Dim as DotDims<B::Dim>>::Product<A::Elem>
where
    A: ArrayArg + ?Sized,
    B: ArrayArg<Elem = A::Elem> + ?Sized,
    A::Dim: DotDims<B::Dim>,
    T: ArrayArg<Elem = A::Elem, Dim = A::Dim> + ?Sized,
{
    check_tangent(a, a_dot);
    crate::linalg::dot(a_dot, b)
}

/// Forward rule of [`dot`](crate::linalg::dot) for `b`: `a · b_dot`.
#[inline]
#[track_caller]
pub fn dot_jvp1<A, B, T>(a: &A, b: &B, b_dot: &T) -> <A::Dim as DotDims<B::Dim>>::Product<A::Elem>
where
    A: ArrayArg + ?Sized,
    B: ArrayArg<Elem = A::Elem> + ?Sized,
    A::Dim: DotDims<B::Dim>,
    T: ArrayArg<Elem = A::Elem, Dim = B::Dim> + ?Sized,
{
    check_tangent(b, b_dot);
    crate::linalg::dot(a, b_dot)
}

/// Forward rule of [`t`](crate::linalg::t): the tangent transposed.
#[inline]
#[track_caller]
pub fn t_jvp<X, T>(x: &X, x_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    crate::linalg::t(x_dot)
}

// ---------------------------------------------------------------------------------------------------------
// Shape operations.

/// Forward rule of [`slice`](crate::shape::slice): the same slice of the tangent.
#[inline]
#[track_caller]
pub fn slice_jvp<X, I, T>(x: &X, info: I, x_dot: &T) -> Array<X::Elem, I::OutDim>
where
    X: ArrayArg + ?Sized,
    I: SliceArg<X::Dim>,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    slice_jvp_view(x, info, x_dot).to_owned()
}

/// [`slice_jvp`] as a view into the tangent (no copy): see [`slice_view`](crate::shape::slice_view).
#[inline]
#[track_caller]
pub fn slice_jvp_view<'t, X, I, T>(
    x: &X,
    info: I,
    x_dot: &'t T,
) -> ndarray::ArrayView<'t, X::Elem, I::OutDim>
where
    X: ArrayArg + ?Sized,
    I: SliceArg<X::Dim>,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    crate::shape::slice_view(x_dot, info)
}

/// Forward rule of [`insert_axis`](crate::shape::insert_axis): the tangent with the same new axis.
#[inline]
#[track_caller]
pub fn insert_axis_jvp<X, T>(
    x: &X,
    axis: Axis,
    x_dot: &T,
) -> Array<X::Elem, <X::Dim as Dimension>::Larger>
where
    X: ArrayArg + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    crate::shape::insert_axis(x_dot, axis)
}

/// Forward rule of [`index_axis`](crate::shape::index_axis): the tangent's subarray at index `i` along
/// `axis`.
#[inline]
#[track_caller]
pub fn index_axis_jvp<X, T>(
    x: &X,
    axis: Axis,
    i: usize,
    x_dot: &T,
) -> Array<X::Elem, <X::Dim as Dimension>::Smaller>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    crate::shape::index_axis(x_dot, axis, i)
}

/// Forward rule of [`select`](crate::shape::select): the tangent's subarrays at `indices`.
#[inline]
#[track_caller]
pub fn select_jvp<X, T>(x: &X, axis: Axis, indices: &[usize], x_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    crate::shape::select(x_dot, axis, indices)
}

/// Forward rule of [`broadcast`](crate::shape::broadcast): the tangent repeated to `shape`.
#[inline]
#[track_caller]
pub fn broadcast_jvp<X, E, T>(x: &X, shape: E, x_dot: &T) -> Array<X::Elem, E::Dim>
where
    X: ArrayArg + ?Sized,
    E: IntoDimension,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    crate::shape::broadcast(x_dot, shape)
}

/// Forward rule of [`reshape`](crate::shape::reshape): the tangent's elements, in row-major order, in
/// the new shape.
#[inline]
#[track_caller]
pub fn reshape_jvp<X, E, T>(x: &X, shape: E, x_dot: &T) -> Array<X::Elem, E::Dim>
where
    X: ArrayArg + ?Sized,
    E: IntoDimension,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    crate::shape::reshape(x_dot, shape)
}

/// Forward rule of [`from_elem`](crate::shape::from_elem): an array of `shape` filled with the tangent.
#[inline]
pub fn from_elem_jvp<F, X, Sh, T>(_x: &X, shape: Sh, x_dot: &T) -> Array<F, Sh::Dim>
where
    F: Real,
    X: ScalarArg<F> + ?Sized,
    Sh: ShapeBuilder,
    T: ScalarArg<F> + ?Sized,
{
    crate::shape::from_elem(x_dot, shape)
}

/// Forward rule of [`concatenate`](crate::shape::concatenate): the parts' tangents concatenated (one
/// tangent per part, in order, each of its part's shape).
///
/// # Panics
/// If the tangents' shapes differ off `axis`.
#[inline]
#[track_caller]
pub fn concatenate_jvp<F: Real, D: RemoveAxis>(
    axis: Axis,
    parts_dots: &[ArrayView<'_, F, D>],
) -> Array<F, D> {
    crate::shape::concatenate(axis, parts_dots)
}

/// Forward rule of [`stack`](crate::shape::stack): the parts' tangents stacked (one tangent per part, in
/// order, each of its part's shape).
///
/// # Panics
/// If the tangents' shapes differ.
#[inline]
#[track_caller]
pub fn stack_jvp<F: Real, D: Dimension>(
    axis: Axis,
    parts_dots: &[ArrayView<'_, F, D>],
) -> Array<F, D::Larger>
where
    D::Larger: RemoveAxis,
{
    crate::shape::stack(axis, parts_dots)
}

// ---------------------------------------------------------------------------------------------------------
// Copies and element reads.

/// Forward rule of [`to_owned`](crate::shape::to_owned): an owned copy of the tangent.
#[inline]
pub fn to_owned_jvp<X: ?Sized, T: OwnedCopy + ?Sized>(_x: &X, x_dot: &T) -> T::Owned {
    x_dot.owned_copy()
}

/// Forward rule of [`carry`](crate::glue::carry): a copy of the tangent.
#[inline]
pub fn carry_jvp<X: ?Sized, T: Clone>(_x: &X, x_dot: &T) -> T {
    x_dot.clone()
}

/// Forward rule of [`snapshot`](crate::glue::snapshot): a copy of the tangent.
#[inline]
pub fn snapshot_jvp<X: ?Sized, T: Clone>(_x: &X, x_dot: &T) -> T {
    x_dot.clone()
}

/// Panics, at the caller's location, unless a container and its tangent have as many elements.
#[inline]
#[track_caller]
fn check_count(value: usize, tangent: usize) {
    if value != tangent {
        panic!("a tangent of {tangent} elements was passed for a value of {value} elements");
    }
}

/// Forward rule of [`index`](crate::element::index): `x_dot[i]`.
///
/// # Panics
/// If `i` is out of bounds, or the tangent has not as many elements as `x`.
#[inline]
#[track_caller]
pub fn index_jvp<I, X, T>(x: &X, i: I, x_dot: &T) -> X::Elem
where
    X: Elements<I> + ?Sized,
    T: Elements<I, Elem = X::Elem> + ?Sized,
{
    check_count(x.count(), x_dot.count());
    x_dot.get(i)
}

/// Forward rule of [`element`](crate::element::element): the `i`-th element of the tangent in iteration
/// (row-major) order.
///
/// # Panics
/// If `i` is out of bounds, or the tangent has not as many elements as `x`.
#[inline]
#[track_caller]
pub fn element_jvp<X, T>(x: &X, i: usize, x_dot: &T) -> X::Elem
where
    X: Flat + ?Sized,
    T: Flat<Elem = X::Elem> + ?Sized,
{
    check_count(x.flat_len(), x_dot.flat_len());
    x_dot.flat(i)
}

// ---------------------------------------------------------------------------------------------------------
// Closures.

/// Forward rule of [`mapv`](crate::glue::mapv): `f(x[i], x_dot[i])` is the closure's value at `x[i]` and
/// its derivative there times `x_dot[i]`; returns the output and its tangent.
#[inline]
#[track_caller]
#[allow(clippy::type_complexity)]
pub fn mapv_jvp<X, T>(
    x: &X,
    x_dot: &T,
    mut f: impl FnMut(X::Elem, X::Elem) -> (X::Elem, X::Elem),
) -> (Array<X::Elem, X::Dim>, Array<X::Elem, X::Dim>)
where
    X: ArrayArg + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    let (x, x_dot) = (x.view(), x_dot.view());
    check_seed(x.shape(), x_dot.shape());
    let mut y = Array::zeros(x.raw_dim());
    let mut y_dot = Array::zeros(x.raw_dim());
    Zip::from(&mut y)
        .and(&mut y_dot)
        .and(&x)
        .and(&x_dot)
        .for_each(|y, y_dot, &x, &d| (*y, *y_dot) = f(x, d));
    (y, y_dot)
}

/// The tangent alone of [`mapv`](crate::glue::mapv) along `x_dot`: `out[i] = t(x[i], x_dot[i])`, where
/// `t` gives the closure's output tangent from its input and the input's tangent (forward mode, whose
/// forward sweep has computed the output already).
#[inline]
#[track_caller]
pub fn mapv_tangent<X, T>(
    x: &X,
    x_dot: &T,
    mut t: impl FnMut(X::Elem, X::Elem) -> X::Elem,
) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    let (x, x_dot) = (x.view(), x_dot.view());
    check_seed(x.shape(), x_dot.shape());
    Zip::from(&x).and(&x_dot).map_collect(|&x, &d| t(x, d))
}

// ---------------------------------------------------------------------------------------------------------
// Statistics and products along an axis, diagonals, rows and columns.

/// `partials * x_dot` summed along `axis`: the forward rule of a reduction along `axis` whose reverse
/// rule with a seed of ones gives each element's partial derivative.
fn contract<F: Real, D: RemoveAxis, T: ArrayArg<Elem = F, Dim = D> + ?Sized>(
    partials: Array<F, D>,
    x_dot: &T,
    axis: Axis,
) -> Array<F, D::Smaller> {
    let mut terms = partials;
    terms *= &x_dot.view();
    terms.sum_axis(axis)
}

/// `<partials, x_dot>` over all elements.
fn contract_all<F: Real, D: Dimension>(partials: &Array<F, D>, x_dot: ArrayView<'_, F, D>) -> F {
    let mut total = F::zero();
    Zip::from(partials)
        .and(&x_dot)
        .for_each(|&p, &d| total += p * d);
    total
}

/// Forward rule of [`var`](crate::reduce::var): `2 sum_i (x_i - mean) x_dot[i] / (n - ddof)`.
///
/// # Panics
/// As [`var`](crate::reduce::var) does.
#[inline]
#[track_caller]
pub fn var_jvp<X, T>(x: &X, ddof: X::Elem, x_dot: &T) -> X::Elem
where
    X: ArrayArg + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    contract_all(
        &crate::reduce::var_vjp(x, ddof, X::Elem::one()),
        x_dot.view(),
    )
}

/// Forward rule of [`std`](crate::reduce::std): `sum_i (x_i - mean) x_dot[i] / ((n - ddof) std)`.
///
/// # Panics
/// As [`std`](crate::reduce::std) does.
#[inline]
#[track_caller]
pub fn std_jvp<X, T>(x: &X, ddof: X::Elem, x_dot: &T) -> X::Elem
where
    X: ArrayArg + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    contract_all(
        &crate::reduce::std_vjp(x, ddof, X::Elem::one()),
        x_dot.view(),
    )
}

/// A seed of ones for a reduction of `x` along `axis`.
#[track_caller]
fn ones_reduced<X>(x: &X, axis: Axis) -> Array<X::Elem, <X::Dim as Dimension>::Smaller>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
{
    let view = x.view();
    crate::shape::check_axis(axis, view.ndim());
    Array::ones(view.raw_dim().remove_axis(axis))
}

/// Forward rule of [`var_axis`](crate::reduce::var_axis): along each lane, `2 sum_i (x_i - mean)
/// x_dot[i] / (n - ddof)`.
///
/// # Panics
/// As [`var_axis`](crate::reduce::var_axis) does.
#[inline]
#[track_caller]
pub fn var_axis_jvp<X, T>(
    x: &X,
    axis: Axis,
    ddof: X::Elem,
    x_dot: &T,
) -> Array<X::Elem, <X::Dim as Dimension>::Smaller>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    let ones = ones_reduced(x, axis);
    contract(
        crate::reduce::var_axis_vjp(x, axis, ddof, ones),
        x_dot,
        axis,
    )
}

/// Forward rule of [`std_axis`](crate::reduce::std_axis): along each lane, `sum_i (x_i - mean) x_dot[i]
/// / ((n - ddof) std)`.
///
/// # Panics
/// As [`std_axis`](crate::reduce::std_axis) does.
#[inline]
#[track_caller]
pub fn std_axis_jvp<X, T>(
    x: &X,
    axis: Axis,
    ddof: X::Elem,
    x_dot: &T,
) -> Array<X::Elem, <X::Dim as Dimension>::Smaller>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    let ones = ones_reduced(x, axis);
    contract(
        crate::reduce::std_axis_vjp(x, axis, ddof, ones),
        x_dot,
        axis,
    )
}

/// Forward rule of [`product_axis`](crate::reduce::product_axis): along each lane, `sum_i x_dot[i]
/// prod_{j != i} x[j]`, with the partial derivatives of
/// [`product_axis_vjp`](crate::reduce::product_axis_vjp) (exact where elements are zero).
#[inline]
#[track_caller]
pub fn product_axis_jvp<X, T>(
    x: &X,
    axis: Axis,
    x_dot: &T,
) -> Array<X::Elem, <X::Dim as Dimension>::Smaller>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    let ones = ones_reduced(x, axis);
    contract(crate::reduce::product_axis_vjp(x, axis, ones), x_dot, axis)
}

/// Forward rule of [`diag`](crate::shape::diag): the tangent's diagonal.
#[inline]
#[track_caller]
pub fn diag_jvp<X, T>(x: &X, x_dot: &T) -> Array1<X::Elem>
where
    X: ArrayArg + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    crate::shape::diag(x_dot)
}

/// Forward rule of [`row`](crate::shape::row): the tangent's row `i`.
#[inline]
#[track_caller]
pub fn row_jvp<X, T>(m: &X, i: usize, m_dot: &T) -> Array1<X::Elem>
where
    X: ArrayArg<Dim = Ix2> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = Ix2> + ?Sized,
{
    check_tangent(m, m_dot);
    crate::shape::row(m_dot, i)
}

/// Forward rule of [`column`](crate::shape::column): the tangent's column `j`.
#[inline]
#[track_caller]
pub fn column_jvp<X, T>(m: &X, j: usize, m_dot: &T) -> Array1<X::Elem>
where
    X: ArrayArg<Dim = Ix2> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = Ix2> + ?Sized,
{
    check_tangent(m, m_dot);
    crate::shape::column(m_dot, j)
}
