//! Calls of differentiable functions: which arguments of a call are differentiable (by type), and how a
//! callee's pullback result (one tangent per differentiable parameter) is spread back over the arguments.
//!
//! A call `g(a, n, b)` in a `#[differentiable]` function runs `g_vjp(a, n, b)`; its pullback returns one
//! tangent per differentiable parameter, `(a_bar, b_bar)`. [`ArgKind`] classifies each argument's type as
//! [`Diff`] or [`Constant`], and [`Spread`] turns `(a_bar, b_bar)` into `(a_bar, (), b_bar)`, so that the
//! generated code can take the tangent of argument `k` by position.

use crate::real::Real;
use ndarray::{ArrayBase, Axis, Data, Dimension};

/// Marks a differentiable argument.
#[derive(Clone, Copy, Debug, Default)]
pub struct Diff;

/// Marks a constant argument (an integer, `bool`, a string, an axis...).
#[derive(Clone, Copy, Debug, Default)]
pub struct Constant;

/// Whether an argument of this type is differentiable: [`Diff`] or [`Constant`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of a call inside a #[differentiable] function",
    note = "arguments are floats, arrays and `Vec`s of floats, `#[derive(Differentiable)]` structs, or constants (integers, `bool`, `Axis`, strings); wrap anything else in `stop_gradient(..)` outside the call"
)]
pub trait ArgKind {
    /// [`Diff`] or [`Constant`].
    type Kind: Copy + Default;
}

impl<T: ArgKind + ?Sized> ArgKind for &T {
    type Kind = T::Kind;
}

macro_rules! kinds {
    ($kind:ty: $($t:ty),*) => {$(
        impl ArgKind for $t {
            type Kind = $kind;
        }
    )*};
}
kinds!(Diff: f32, f64);
kinds!(Constant: usize, isize, u8, u16, u32, u64, u128, i8, i16, i32, i64, i128, bool, char, str, String, Axis);

impl<F: Real> ArgKind for Vec<F> {
    type Kind = Diff;
}
impl<F: Real> ArgKind for [F] {
    type Kind = Diff;
}
impl<F: Real, const N: usize> ArgKind for [F; N] {
    type Kind = Diff;
}
impl<A: Real, S: Data<Elem = A>, D: Dimension> ArgKind for ArrayBase<S, D> {
    type Kind = Diff;
}

/// The kind of an argument, as a value (for [`spread`]).
#[inline]
pub fn arg_kind<T: ArgKind + ?Sized>(_argument: &T) -> T::Kind {
    T::Kind::default()
}

/// A pullback's result, nested as `(t0, (t1, ()))`, spread over the arguments described by `Kinds`
/// (nested the same way): a tangent for each [`Diff`], `()` for each [`Constant`].
#[diagnostic::on_unimplemented(
    message = "the pullback of this call returned tangents that do not match the call's differentiable arguments",
    label = "the callee's `_vjp` must return `(value, pullback)`, and `pullback(seed)` a tuple with one tangent per differentiable parameter, in order",
    note = "for `fn g(x: f64, n: usize, w: &Array1<f64>) -> f64` the rule is `fn g_vjp(x: f64, n: usize, w: &Array1<f64>) -> (f64, impl FnOnce(f64) -> (f64, Array1<f64>))`"
)]
pub trait Spread<Kinds> {
    /// One entry per argument.
    type Out;
    /// Spreads the tangents.
    fn spread(self) -> Self::Out;
}

impl Spread<()> for () {
    type Out = ();
    #[inline]
    fn spread(self) {}
}

impl<T, G: Spread<R>, R> Spread<(Diff, R)> for (T, G) {
    type Out = (T, G::Out);
    #[inline]
    fn spread(self) -> Self::Out {
        (self.0, self.1.spread())
    }
}

impl<G: Spread<R>, R> Spread<(Constant, R)> for G {
    type Out = ((), G::Out);
    #[inline]
    fn spread(self) -> Self::Out {
        ((), self.spread())
    }
}

/// A tuple of tangents, as the nested pairs that [`Spread`] takes.
#[diagnostic::on_unimplemented(
    message = "the pullback of this call returned `{Self}`, not a tuple of tangents",
    label = "`pullback(seed)` must return a tuple with one tangent per differentiable parameter, like `(x_bar,)`"
)]
pub trait Nest {
    /// `(t0, (t1, ()))`.
    type Nested;
    /// The nested form.
    fn nest(self) -> Self::Nested;
}

macro_rules! nest {
    ($(($($t:ident $v:ident),*)),* $(,)?) => {$(
        impl<$($t),*> Nest for ($($t,)*) {
            type Nested = nest!(@ty $($t)*);
            #[inline]
            #[allow(clippy::unused_unit)]
            fn nest(self) -> Self::Nested {
                let ($($v,)*) = self;
                nest!(@val $($v)*)
            }
        }
    )*};
    (@ty) => { () };
    (@ty $t:ident $($rest:ident)*) => { ($t, nest!(@ty $($rest)*)) };
    (@val) => { () };
    (@val $v:ident $($rest:ident)*) => { ($v, nest!(@val $($rest)*)) };
}
nest!(
    (),
    (T0 t0),
    (T0 t0, T1 t1),
    (T0 t0, T1 t1, T2 t2),
    (T0 t0, T1 t1, T2 t2, T3 t3),
    (T0 t0, T1 t1, T2 t2, T3 t3, T4 t4),
    (T0 t0, T1 t1, T2 t2, T3 t3, T4 t4, T5 t5),
    (T0 t0, T1 t1, T2 t2, T3 t3, T4 t4, T5 t5, T6 t6),
    (T0 t0, T1 t1, T2 t2, T3 t3, T4 t4, T5 t5, T6 t6, T7 t7),
    (T0 t0, T1 t1, T2 t2, T3 t3, T4 t4, T5 t5, T6 t6, T7 t7, T8 t8),
    (T0 t0, T1 t1, T2 t2, T3 t3, T4 t4, T5 t5, T6 t6, T7 t7, T8 t8, T9 t9),
    (T0 t0, T1 t1, T2 t2, T3 t3, T4 t4, T5 t5, T6 t6, T7 t7, T8 t8, T9 t9, T10 t10),
    (T0 t0, T1 t1, T2 t2, T3 t3, T4 t4, T5 t5, T6 t6, T7 t7, T8 t8, T9 t9, T10 t10, T11 t11),
);

/// Spreads a pullback's tangents over a call's arguments: `kinds` is `(kind0, (kind1, ()))`, the result
/// `(tangent0 or (), (tangent1 or (), ()))`.
#[inline]
pub fn spread<G: Nest, K>(tangents: G, _kinds: K) -> <G::Nested as Spread<K>>::Out
where
    G::Nested: Spread<K>,
{
    tangents.nest().spread()
}

/// [`spread`] of a borrowed tuple (a copy of it): the tangents a call's second-order rule gave (`g_vjp_jvp`),
/// per argument.
#[inline]
pub fn spread_ref<G: Nest + Clone, K>(tangents: &G, kinds: K) -> <G::Nested as Spread<K>>::Out
where
    G::Nested: Spread<K>,
{
    spread(tangents.clone(), kinds)
}

/// Forward rule of [`spread_ref`]: the tangent spread the same way.
#[inline]
pub fn spread_ref_jvp<G: Nest + Clone, K>(
    tangents: &G,
    kinds: K,
    tangents_dot: &G,
) -> <G::Nested as Spread<K>>::Out
where
    G::Nested: Spread<K>,
{
    let _ = tangents;
    spread(tangents_dot.clone(), kinds)
}

/// The tangent an argument gets in a forward-mode call when it carries none: a zero of its tangent type
/// for a differentiable argument (a float literal, a value that does not depend on the parameters), `()`
/// for a constant (which [`Gather`] leaves out).
pub trait KindZero<T: ?Sized> {
    /// The zero, or `()`.
    type Out;
    /// The zero for `x`.
    fn zero(x: &T) -> Self::Out;
}

impl<T: crate::Differentiable + ?Sized> KindZero<T> for Diff {
    type Out = T::Tangent;
    #[inline]
    fn zero(x: &T) -> T::Tangent {
        x.zero_tangent()
    }
}

impl<T: ?Sized> KindZero<T> for Constant {
    type Out = ();
    #[inline]
    fn zero(_: &T) {}
}

/// The tangent of an argument without one (see [`KindZero`]).
#[inline]
pub fn arg_zero<T: ArgKind + ?Sized>(x: &T) -> <T::Kind as KindZero<T>>::Out
where
    T::Kind: KindZero<T>,
{
    <T::Kind as KindZero<T>>::zero(x)
}

/// Per-argument tangents of a call, nested as `(t0, (t1, ()))`, gathered into the tuple the callee's
/// `g_jvp` takes: one tangent per [`Diff`] argument, in order (the entries of [`Constant`] arguments are
/// left out). The reverse of [`Spread`].
#[diagnostic::on_unimplemented(
    message = "the tangents of this call do not match the callee's differentiable arguments",
    label = "the callee's `_jvp` takes its parameters, then a tuple with one tangent per differentiable parameter, in order"
)]
pub trait Gather<Kinds> {
    /// The tangents of the differentiable arguments, nested.
    type Nested;
    /// Gathers them.
    fn gather(self) -> Self::Nested;
}

impl Gather<()> for () {
    type Nested = ();
    #[inline]
    fn gather(self) {}
}

impl<T, G: Gather<R>, R> Gather<(Diff, R)> for (T, G) {
    type Nested = (T, G::Nested);
    #[inline]
    fn gather(self) -> Self::Nested {
        (self.0, self.1.gather())
    }
}

impl<C, G: Gather<R>, R> Gather<(Constant, R)> for (C, G) {
    type Nested = G::Nested;
    #[inline]
    fn gather(self) -> Self::Nested {
        self.1.gather()
    }
}

/// Nested pairs `(t0, (t1, ()))` as the flat tuple `(t0, t1)` (the inverse of [`Nest`]).
pub trait Unnest {
    /// The flat tuple.
    type Flat;
    /// The flat form.
    fn unnest(self) -> Self::Flat;
}

macro_rules! unnest {
    ($(($($t:ident $v:ident),*)),* $(,)?) => {$(
        impl<$($t),*> Unnest for nest!(@ty $($t)*) {
            type Flat = ($($t,)*);
            #[inline]
            #[allow(clippy::unused_unit)]
            fn unnest(self) -> Self::Flat {
                let unnest!(@pat $($v)*) = self;
                ($($v,)*)
            }
        }
    )*};
    (@pat) => { () };
    (@pat $v:ident $($rest:ident)*) => { ($v, unnest!(@pat $($rest)*)) };
}
unnest!(
    (),
    (T0 t0),
    (T0 t0, T1 t1),
    (T0 t0, T1 t1, T2 t2),
    (T0 t0, T1 t1, T2 t2, T3 t3),
    (T0 t0, T1 t1, T2 t2, T3 t3, T4 t4),
    (T0 t0, T1 t1, T2 t2, T3 t3, T4 t4, T5 t5),
    (T0 t0, T1 t1, T2 t2, T3 t3, T4 t4, T5 t5, T6 t6),
    (T0 t0, T1 t1, T2 t2, T3 t3, T4 t4, T5 t5, T6 t6, T7 t7),
    (T0 t0, T1 t1, T2 t2, T3 t3, T4 t4, T5 t5, T6 t6, T7 t7, T8 t8),
    (T0 t0, T1 t1, T2 t2, T3 t3, T4 t4, T5 t5, T6 t6, T7 t7, T8 t8, T9 t9),
    (T0 t0, T1 t1, T2 t2, T3 t3, T4 t4, T5 t5, T6 t6, T7 t7, T8 t8, T9 t9, T10 t10),
    (T0 t0, T1 t1, T2 t2, T3 t3, T4 t4, T5 t5, T6 t6, T7 t7, T8 t8, T9 t9, T10 t10, T11 t11),
);

/// A call's per-argument tangents (`(t0, (t1, ()))`, one entry per argument: a tangent, or `()` for a
/// constant) as the tuple its `g_jvp` takes: `kinds` is `(kind0, (kind1, ()))`.
#[inline]
pub fn gather<T: Gather<K>, K>(tangents: T, _kinds: K) -> <T::Nested as Unnest>::Flat
where
    T::Nested: Unnest,
{
    tangents.gather().unnest()
}

/// A tuple of differentiable arguments is one (its tangent is the tuple of theirs).
macro_rules! tuple_kinds {
    ($(($($T:ident),+);)*) => {$(
        impl<$($T: ArgKind<Kind = Diff>),+> ArgKind for ($($T,)+) {
            type Kind = Diff;
        }
    )*};
}
tuple_kinds! {
    (A);
    (A, B);
    (A, B, C);
    (A, B, C, D);
    (A, B, C, D, E);
    (A, B, C, D, E, G);
}
