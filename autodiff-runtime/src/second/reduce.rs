//! Second-order rules of the reductions' reverse rules (`sum_vjp`, `mean_vjp`, `product_vjp`,
//! `sum_axis_vjp`, `mean_axis_vjp`, `var_vjp`, `std_vjp`, `var_axis_vjp`, `std_axis_vjp`,
//! `product_axis_vjp`).
//!
//! All but `product_vjp` spread the seed over `x`'s shape without reading `x`'s values: along `x` they
//! are zero, along the seed the rule itself. `product_vjp` gives element `i` the seed times the product
//! of the other elements; along `x` that is differentiated with the same prefix and suffix products,
//! carried as (value, tangent) pairs, so that zeros in `x` are exact.

use crate::operand::{ArrayArg, ScalarArg};
use crate::real::Real;
use crate::shape::check_seed;
use ndarray::{Array, Axis, Dimension, RemoveAxis, Zip};
use num_traits::{One, Zero};

/// Panics, at the caller's location, unless the tangent `dot` has the shape of the operand `x`.
#[inline]
#[track_caller]
fn check_tangent<X: ArrayArg + ?Sized, T: ArrayArg + ?Sized>(x: &X, dot: &T) {
    check_seed(x.view().shape(), dot.view().shape());
}

/// A zero of `x`'s shape, after checking that `x_dot` has that shape.
#[inline]
#[track_caller]
fn zeros_of<X: ArrayArg + ?Sized, T: ArrayArg + ?Sized>(
    x: &X,
    x_dot: &T,
) -> Array<X::Elem, X::Dim> {
    check_tangent(x, x_dot);
    Array::zeros(x.view().raw_dim())
}

macro_rules! spread_second {
    ($($vjp:ident: $jvp0:ident, $jvp1:ident;)*) => {$(
        #[doc = concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::reduce::", stringify!($vjp), ") along `x` \
             (`x_dot`, of `x`'s shape): zero (the rule reads only `x`'s shape), a zero of `x`'s shape."
        )]
        #[inline]
        #[track_caller]
        pub fn $jvp0<X, G, T>(x: &X, g: &G, x_dot: &T) -> Array<X::Elem, X::Dim>
        where
            X: ArrayArg + ?Sized,
            G: ScalarArg<X::Elem> + ?Sized,
            T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
        {
            let _ = g;
            zeros_of(x, x_dot)
        }

        #[doc = concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::reduce::", stringify!($vjp), ") along the seed \
             `g` (`g_dot`, a scalar): the rule applied to `g_dot`."
        )]
        #[inline]
        pub fn $jvp1<X, G, T>(x: &X, g: &G, g_dot: &T) -> Array<X::Elem, X::Dim>
        where
            X: ArrayArg + ?Sized,
            G: ScalarArg<X::Elem> + ?Sized,
            T: ScalarArg<X::Elem> + ?Sized,
        {
            let _ = g;
            crate::reduce::$vjp(x, g_dot.get())
        }
    )*};
}

spread_second! {
    sum_vjp: sum_vjp_jvp0, sum_vjp_jvp1;
    mean_vjp: mean_vjp_jvp0, mean_vjp_jvp1;
}

/// Derivative of [`product_vjp`](crate::reduce::product_vjp) (element `i`: `g * prod_{j != i} x[j]`)
/// along `x` (`x_dot`, of `x`'s shape): element `i` is `g * sum_{k != i} x_dot[k] * prod_{j != i, k}
/// x[j]`. Computed with prefix and suffix products of (value, tangent) pairs, so exact where elements are
/// zero, in `O(n)`.
#[track_caller]
pub fn product_vjp_jvp0<X, G, T>(x: &X, g: &G, x_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    G: ScalarArg<X::Elem> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    let (view, dots) = (x.view(), x_dot.view());
    let values: Vec<X::Elem> = view.iter().copied().collect();
    let tangents: Vec<X::Elem> = dots.iter().copied().collect();
    let n = values.len();
    let g = g.get();
    // (v, t) * (w, s) = (v w, t w + v s): the product and its tangent.
    let times = |(v, t): (X::Elem, X::Elem), (w, s): (X::Elem, X::Elem)| (v * w, t * w + v * s);
    let mut prefixes = vec![(X::Elem::one(), X::Elem::zero()); n];
    let mut prefix = (X::Elem::one(), X::Elem::zero());
    for i in 0..n {
        prefixes[i] = prefix;
        prefix = times(prefix, (values[i], tangents[i]));
    }
    let mut out = vec![X::Elem::zero(); n];
    let mut suffix = (X::Elem::one(), X::Elem::zero());
    for i in (0..n).rev() {
        out[i] = g * times(prefixes[i], suffix).1;
        suffix = times(suffix, (values[i], tangents[i]));
    }
    Array::from_shape_vec(view.raw_dim(), out).expect("as many elements as x")
}

/// Derivative of [`product_vjp`](crate::reduce::product_vjp) along the seed `g` (`g_dot`, a scalar): the
/// rule applied to `g_dot`.
#[inline]
pub fn product_vjp_jvp1<X, G, T>(x: &X, g: &G, g_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    G: ScalarArg<X::Elem> + ?Sized,
    T: ScalarArg<X::Elem> + ?Sized,
{
    let _ = g;
    crate::reduce::product_vjp(x, g_dot.get())
}

macro_rules! axis_second {
    ($($vjp:ident: $jvp0:ident, $jvp1:ident;)*) => {$(
        #[doc = concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::reduce::", stringify!($vjp), ") along `x` \
             (`x_dot`, of `x`'s shape): zero (the rule reads only `x`'s shape), a zero of `x`'s shape."
        )]
        #[inline]
        #[track_caller]
        pub fn $jvp0<X, G, T>(x: &X, axis: Axis, g: &G, x_dot: &T) -> Array<X::Elem, X::Dim>
        where
            X: ArrayArg + ?Sized,
            X::Dim: RemoveAxis,
            G: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Smaller> + ?Sized,
            T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
        {
            let _ = (axis, g);
            zeros_of(x, x_dot)
        }

        #[doc = concat!(
            "Derivative of [`", stringify!($vjp), "`](crate::reduce::", stringify!($vjp), ") along the seed \
             `g` (`g_dot`, of `g`'s shape): the rule applied to `g_dot`."
        )]
        #[inline]
        #[track_caller]
        pub fn $jvp1<X, G, T>(x: &X, axis: Axis, g: &G, g_dot: &T) -> Array<X::Elem, X::Dim>
        where
            X: ArrayArg + ?Sized,
            X::Dim: RemoveAxis,
            G: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Smaller> + ?Sized,
            T: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Smaller> + ?Sized,
        {
            let _ = g;
            crate::reduce::$vjp(x, axis, g_dot.view().to_owned())
        }
    )*};
}

axis_second! {
    sum_axis_vjp: sum_axis_vjp_jvp0, sum_axis_vjp_jvp1;
    mean_axis_vjp: mean_axis_vjp_jvp0, mean_axis_vjp_jvp1;
}

/// Derivative of [`var_vjp`](crate::reduce::var_vjp) (element `i`: `2 g (x_i - mean) / (n - ddof)`) along
/// `x` (`x_dot`, of `x`'s shape): `2 g (x_dot[i] - mean(x_dot)) / (n - ddof)`.
#[track_caller]
pub fn var_vjp_jvp0<X, G, T>(x: &X, ddof: X::Elem, g: &G, x_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    G: ScalarArg<X::Elem> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    crate::reduce::var_vjp(x_dot, ddof, g.get())
}

/// Derivative of [`var_vjp`](crate::reduce::var_vjp) along the seed `g` (`g_dot`, a scalar): the rule
/// applied to `g_dot`.
#[inline]
#[track_caller]
pub fn var_vjp_jvp1<X, G, T>(x: &X, ddof: X::Elem, g: &G, g_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    G: ScalarArg<X::Elem> + ?Sized,
    T: ScalarArg<X::Elem> + ?Sized,
{
    let _ = g;
    crate::reduce::var_vjp(x, ddof, g_dot.get())
}

/// Derivative of [`std_vjp`](crate::reduce::std_vjp) (element `i`: `g (x_i - mean) / (c s)`, with
/// `c = n - ddof` and `s` the standard deviation) along `x` (`x_dot`, of `x`'s shape):
/// `g (x_dot[i] - mean(x_dot)) / (c s) - g (x_i - mean) s_dot / (c s^2)`, where
/// `s_dot = sum_k (x_k - mean) x_dot[k] / (c s)`.
#[track_caller]
pub fn std_vjp_jvp0<X, G, T>(x: &X, ddof: X::Elem, g: &G, x_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    G: ScalarArg<X::Elem> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    let s = crate::reduce::std(x, ddof);
    let c = <X::Elem as Real>::cast_from(x.view().len() as f64) - ddof;
    let g = g.get();
    let s_dot = crate::jvp::std_jvp(x, ddof, x_dot);
    let (along, across) = (g / (c * s), g * s_dot / (c * s * s));
    let mut out = crate::reduce::centered(x_dot);
    Zip::from(&mut out)
        .and(&crate::reduce::centered(x))
        .for_each(|o, &cx| *o = along * *o - across * cx);
    out
}

/// Derivative of [`std_vjp`](crate::reduce::std_vjp) along the seed `g` (`g_dot`, a scalar): the rule
/// applied to `g_dot`.
#[inline]
#[track_caller]
pub fn std_vjp_jvp1<X, G, T>(x: &X, ddof: X::Elem, g: &G, g_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    G: ScalarArg<X::Elem> + ?Sized,
    T: ScalarArg<X::Elem> + ?Sized,
{
    let _ = g;
    crate::reduce::std_vjp(x, ddof, g_dot.get())
}

/// Derivative of [`var_axis_vjp`](crate::reduce::var_axis_vjp) along `x` (`x_dot`, of `x`'s shape): along
/// each lane, `2 g (x_dot[i] - mean(x_dot)) / (n - ddof)`.
#[track_caller]
pub fn var_axis_vjp_jvp0<X, G, T>(
    x: &X,
    axis: Axis,
    ddof: X::Elem,
    g: &G,
    x_dot: &T,
) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
    G: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Smaller> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    crate::reduce::var_axis_vjp(x_dot, axis, ddof, g.view().to_owned())
}

/// Derivative of [`var_axis_vjp`](crate::reduce::var_axis_vjp) along the seed `g` (`g_dot`, of `g`'s
/// shape): the rule applied to `g_dot`.
#[inline]
#[track_caller]
pub fn var_axis_vjp_jvp1<X, G, T>(
    x: &X,
    axis: Axis,
    ddof: X::Elem,
    g: &G,
    g_dot: &T,
) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
    G: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Smaller> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Smaller> + ?Sized,
{
    let _ = g;
    crate::reduce::var_axis_vjp(x, axis, ddof, g_dot.view().to_owned())
}

/// Derivative of [`std_axis_vjp`](crate::reduce::std_axis_vjp) along `x` (`x_dot`, of `x`'s shape): along
/// each lane, as [`std_vjp_jvp0`] with the lane's seed, mean and standard deviation.
#[track_caller]
pub fn std_axis_vjp_jvp0<X, G, T>(
    x: &X,
    axis: Axis,
    ddof: X::Elem,
    g: &G,
    x_dot: &T,
) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
    G: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Smaller> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    let s = crate::reduce::std_axis(x, axis, ddof);
    check_seed(s.shape(), g.view().shape());
    let c = <X::Elem as Real>::cast_from(x.view().len_of(axis) as f64) - ddof;
    let s_dot = crate::jvp::std_axis_jvp(x, axis, ddof, x_dot);
    let along = Zip::from(&g.view())
        .and(&s)
        .map_collect(|&g, &s| g / (c * s));
    let across = Zip::from(&g.view())
        .and(&s)
        .and(&s_dot)
        .map_collect(|&g, &s, &sd| g * sd / (c * s * s));
    let (mut out, _) = crate::reduce::centered_axis(x_dot, axis);
    out *= &crate::reduce::expand::<X::Elem, X::Dim>(along, axis);
    let (mut cx, _) = crate::reduce::centered_axis(x, axis);
    cx *= &crate::reduce::expand::<X::Elem, X::Dim>(across, axis);
    out - cx
}

/// Derivative of [`std_axis_vjp`](crate::reduce::std_axis_vjp) along the seed `g` (`g_dot`, of `g`'s
/// shape): the rule applied to `g_dot`.
#[inline]
#[track_caller]
pub fn std_axis_vjp_jvp1<X, G, T>(
    x: &X,
    axis: Axis,
    ddof: X::Elem,
    g: &G,
    g_dot: &T,
) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
    G: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Smaller> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Smaller> + ?Sized,
{
    let _ = g;
    crate::reduce::std_axis_vjp(x, axis, ddof, g_dot.view().to_owned())
}

/// Derivative of [`product_axis_vjp`](crate::reduce::product_axis_vjp) along `x` (`x_dot`, of `x`'s
/// shape): along each lane, as [`product_vjp_jvp0`] with the lane's seed (prefix and suffix products of
/// (value, tangent) pairs, exact at zeros).
#[track_caller]
pub fn product_axis_vjp_jvp0<X, G, T>(x: &X, axis: Axis, g: &G, x_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
    G: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Smaller> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim> + ?Sized,
{
    check_tangent(x, x_dot);
    let (view, dots, g) = (x.view(), x_dot.view(), g.view());
    crate::shape::check_axis(axis, view.ndim());
    check_seed(view.raw_dim().remove_axis(axis).slice(), g.shape());
    let mut out = Array::zeros(view.raw_dim());
    Zip::from(out.lanes_mut(axis))
        .and(view.lanes(axis))
        .and(dots.lanes(axis))
        .and(&g)
        .for_each(|mut out, values, tangents, &g| {
            let values: Vec<X::Elem> = values.iter().copied().collect();
            let tangents: Vec<X::Elem> = tangents.iter().copied().collect();
            for (o, v) in out
                .iter_mut()
                .zip(product_partial_tangents(&values, &tangents, g))
            {
                *o = v;
            }
        });
    out
}

/// `g * d/dt prod_{j != i} (values[j] + t tangents[j])` at `t = 0`, for every `i`: prefix and suffix
/// products of (value, tangent) pairs.
fn product_partial_tangents<F: Real>(values: &[F], tangents: &[F], g: F) -> Vec<F> {
    let n = values.len();
    let times = |(v, t): (F, F), (w, s): (F, F)| (v * w, t * w + v * s);
    let mut prefixes = vec![(F::one(), F::zero()); n];
    let mut prefix = (F::one(), F::zero());
    for i in 0..n {
        prefixes[i] = prefix;
        prefix = times(prefix, (values[i], tangents[i]));
    }
    let mut out = vec![F::zero(); n];
    let mut suffix = (F::one(), F::zero());
    for i in (0..n).rev() {
        out[i] = g * times(prefixes[i], suffix).1;
        suffix = times(suffix, (values[i], tangents[i]));
    }
    out
}

/// Derivative of [`product_axis_vjp`](crate::reduce::product_axis_vjp) along the seed `g` (`g_dot`, of
/// `g`'s shape): the rule applied to `g_dot`.
#[inline]
#[track_caller]
pub fn product_axis_vjp_jvp1<X, G, T>(x: &X, axis: Axis, g: &G, g_dot: &T) -> Array<X::Elem, X::Dim>
where
    X: ArrayArg + ?Sized,
    X::Dim: RemoveAxis,
    G: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Smaller> + ?Sized,
    T: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Smaller> + ?Sized,
{
    let _ = g;
    crate::reduce::product_axis_vjp(x, axis, g_dot.view().to_owned())
}
