//! Model pieces with their own derivative rules: `sigmoid`, `relu`, `softplus` (elementwise, scalars and
//! arrays) and `logsumexp`, `softmax`, `log_softmax` over an axis, all shifted by the maximum so that
//! large inputs do not overflow. Each `f` has an `f_vjp` with the calling convention of generated
//! pullbacks, so a `#[differentiable]` function calls them like any other differentiable function.

use crate::operand::ArrayArg;
use crate::real::Real;
use crate::unary::Elementwise;
use ndarray::{Array, Axis, Dimension, RemoveAxis, Zip};
use num_traits::{Float, One, Zero};

fn sigmoid_scalar<F: Real>(x: F) -> F {
    if x >= F::zero() {
        F::one() / (F::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (F::one() + e)
    }
}

/// The logistic function `1 / (1 + e^-x)`, elementwise.
pub fn sigmoid<X: Elementwise>(x: X) -> X::Output {
    x.map1(sigmoid_scalar)
}

/// [`sigmoid`] and its pullback: `g * y * (1 - y)`.
#[allow(clippy::type_complexity)]
pub fn sigmoid_vjp<X: Elementwise>(x: X) -> (X::Output, impl FnOnce(X::Output) -> (X::Output,)) {
    let y = x.map1(sigmoid_scalar);
    let value = y.clone();
    (value, move |g| {
        (x.back1(&y, g, |g, _, y| g * y * (X::Elem::one() - y)),)
    })
}

/// `max(x, 0)`, elementwise.
pub fn relu<X: Elementwise>(x: X) -> X::Output {
    x.map1(|v| {
        if v > X::Elem::zero() {
            v
        } else {
            X::Elem::zero()
        }
    })
}

/// [`relu`] and its pullback: `g` where `x > 0`, else 0 (at 0 as well, as JAX's `relu`).
#[allow(clippy::type_complexity)]
pub fn relu_vjp<X: Elementwise>(x: X) -> (X::Output, impl FnOnce(X::Output) -> (X::Output,)) {
    let y = x.map1(|v| {
        if v > X::Elem::zero() {
            v
        } else {
            X::Elem::zero()
        }
    });
    let value = y.clone();
    (value, move |g| {
        (x.back1(&y, g, |g, x, _| {
            if x > X::Elem::zero() {
                g
            } else {
                X::Elem::zero()
            }
        }),)
    })
}

fn softplus_scalar<F: Real>(x: F) -> F {
    x.max(F::zero()) + (-x.abs()).exp().ln_1p()
}

/// `ln(1 + e^x)`, elementwise, computed without overflow.
pub fn softplus<X: Elementwise>(x: X) -> X::Output {
    x.map1(softplus_scalar)
}

/// [`softplus`] and its pullback: `g * sigmoid(x)`.
#[allow(clippy::type_complexity)]
pub fn softplus_vjp<X: Elementwise>(x: X) -> (X::Output, impl FnOnce(X::Output) -> (X::Output,)) {
    let y = x.map1(softplus_scalar);
    let value = y.clone();
    (value, move |g| {
        (x.back1(&y, g, |g, x, _| g * sigmoid_scalar(x)),)
    })
}

/// The maximum of each lane along `axis`, with the axis kept (length 1), for broadcasting.
fn lane_max<F: Real, D: Dimension + RemoveAxis>(
    x: &ndarray::ArrayView<'_, F, D>,
    axis: Axis,
) -> Array<F, D> {
    x.map_axis(axis, |lane| lane.fold(F::neg_infinity(), |m, &v| m.max(v)))
        .insert_axis(axis)
        .into_dimensionality::<D>()
        .expect("one axis inserted back")
}

/// `x` minus its maximum along `axis`, with `-inf` lanes left at 0 shift.
fn shifted<F: Real, D: Dimension + RemoveAxis>(
    x: &ndarray::ArrayView<'_, F, D>,
    axis: Axis,
) -> Array<F, D> {
    let m = lane_max(x, axis).mapv(|m| if m.is_finite() { m } else { F::zero() });
    let mut out = x.to_owned();
    Zip::from(&mut out)
        .and_broadcast(&m)
        .for_each(|v, &m| *v -= m);
    out
}

/// `softmax` along `axis`: `exp(x - max) / sum(exp(x - max))`.
pub fn softmax<X: ArrayArg>(x: X, axis: Axis) -> Array<X::Elem, X::Dim>
where
    X::Dim: RemoveAxis,
{
    let mut e = shifted(&x.view(), axis).mapv(|v| v.exp());
    let s = e.sum_axis(axis).insert_axis(axis);
    Zip::from(&mut e)
        .and_broadcast(&s)
        .for_each(|v, &s| *v /= s);
    e
}

/// [`softmax`] and its pullback: `y * (g - sum(g * y, axis))`.
#[allow(clippy::type_complexity)]
pub fn softmax_vjp<X: ArrayArg>(
    x: X,
    axis: Axis,
) -> (
    Array<X::Elem, X::Dim>,
    impl FnOnce(Array<X::Elem, X::Dim>) -> (Array<X::Elem, X::Dim>,),
)
where
    X::Dim: RemoveAxis,
{
    let y = softmax(&x, axis);
    let value = y.clone();
    (value, move |g: Array<X::Elem, X::Dim>| {
        let dot = (&g * &y).sum_axis(axis).insert_axis(axis);
        let mut out = g;
        Zip::from(&mut out)
            .and(&y)
            .and_broadcast(&dot)
            .for_each(|g, &y, &d| *g = y * (*g - d));
        (out,)
    })
}

/// `ln(sum(exp(x)))` along `axis`, shifted by the maximum.
pub fn logsumexp<X: ArrayArg>(x: X, axis: Axis) -> Array<X::Elem, <X::Dim as Dimension>::Smaller>
where
    X::Dim: RemoveAxis,
{
    let view = x.view();
    let m = lane_max(&view, axis).mapv(|m| if m.is_finite() { m } else { X::Elem::zero() });
    let sums = shifted(&view, axis).mapv(|v| v.exp()).sum_axis(axis);
    let m = m.index_axis_move(axis, 0);
    Zip::from(&sums).and(&m).map_collect(|&s, &m| s.ln() + m)
}

/// [`logsumexp`] and its pullback: `g` broadcast along `axis`, times `softmax(x)`.
#[allow(clippy::type_complexity)]
pub fn logsumexp_vjp<X: ArrayArg>(
    x: X,
    axis: Axis,
) -> (
    Array<X::Elem, <X::Dim as Dimension>::Smaller>,
    impl FnOnce(Array<X::Elem, <X::Dim as Dimension>::Smaller>) -> (Array<X::Elem, X::Dim>,),
)
where
    X::Dim: RemoveAxis,
{
    let value = logsumexp(&x, axis);
    let p = softmax(&x, axis);
    (
        value,
        move |g: Array<X::Elem, <X::Dim as Dimension>::Smaller>| {
            let g = g.insert_axis(axis);
            let mut out = p;
            Zip::from(&mut out)
                .and_broadcast(&g)
                .for_each(|p, &g| *p *= g);
            (out,)
        },
    )
}

/// `log_softmax` along `axis`: `x - logsumexp(x)`.
pub fn log_softmax<X: ArrayArg>(x: X, axis: Axis) -> Array<X::Elem, X::Dim>
where
    X::Dim: RemoveAxis,
{
    let s = shifted(&x.view(), axis);
    let lse = s
        .mapv(|v| v.exp())
        .sum_axis(axis)
        .mapv(|v| v.ln())
        .insert_axis(axis);
    let mut out = s;
    Zip::from(&mut out)
        .and_broadcast(&lse)
        .for_each(|v, &l| *v -= l);
    out
}

/// [`log_softmax`] and its pullback: `g - softmax(x) * sum(g, axis)`.
#[allow(clippy::type_complexity)]
pub fn log_softmax_vjp<X: ArrayArg>(
    x: X,
    axis: Axis,
) -> (
    Array<X::Elem, X::Dim>,
    impl FnOnce(Array<X::Elem, X::Dim>) -> (Array<X::Elem, X::Dim>,),
)
where
    X::Dim: RemoveAxis,
{
    let y = log_softmax(&x, axis);
    let value = y.clone();
    (value, move |g: Array<X::Elem, X::Dim>| {
        let total = g.sum_axis(axis).insert_axis(axis);
        let mut out = g;
        Zip::from(&mut out)
            .and(&y)
            .and_broadcast(&total)
            .for_each(|g, &y, &t| *g -= y.exp() * t);
        (out,)
    })
}

// ---------------------------------------------------------------------------------------------------------
// Forward rules, with the calling convention of generated `f_jvp`: the arguments as the call passes them,
// then a tuple with the tangent of each differentiable one; the value and the output's tangent.

/// [`sigmoid`] and its tangent along `x_dot`: `x_dot * y * (1 - y)` (the derivative is diagonal).
pub fn sigmoid_jvp<X, T>(x: X, (x_dot,): (T,)) -> (X::Output, X::Output)
where
    X: Elementwise,
    T: Elementwise<Elem = X::Elem, Output = X::Output>,
{
    let (value, pullback) = sigmoid_vjp(x);
    (value, pullback(x_dot.map1(|v| v)).0)
}

/// [`relu`] and its tangent along `x_dot`: `x_dot` where `x > 0`, else 0 (the derivative is diagonal).
pub fn relu_jvp<X, T>(x: X, (x_dot,): (T,)) -> (X::Output, X::Output)
where
    X: Elementwise,
    T: Elementwise<Elem = X::Elem, Output = X::Output>,
{
    let (value, pullback) = relu_vjp(x);
    (value, pullback(x_dot.map1(|v| v)).0)
}

/// [`softplus`] and its tangent along `x_dot`: `x_dot * sigmoid(x)` (the derivative is diagonal).
pub fn softplus_jvp<X, T>(x: X, (x_dot,): (T,)) -> (X::Output, X::Output)
where
    X: Elementwise,
    T: Elementwise<Elem = X::Elem, Output = X::Output>,
{
    let (value, pullback) = softplus_vjp(x);
    (value, pullback(x_dot.map1(|v| v)).0)
}

/// [`softmax`] and its tangent along `x_dot`: `y * (x_dot - sum(x_dot * y, axis))` (the Jacobian
/// `diag(y) - y y^T` of each lane is symmetric, so this is the pullback of the tangent).
#[track_caller]
#[allow(clippy::type_complexity)]
pub fn softmax_jvp<X, T>(
    x: X,
    axis: Axis,
    (x_dot,): (T,),
) -> (Array<X::Elem, X::Dim>, Array<X::Elem, X::Dim>)
where
    X: ArrayArg,
    X::Dim: RemoveAxis,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim>,
{
    crate::shape::check_seed(x.view().shape(), x_dot.view().shape());
    let (value, pullback) = softmax_vjp(x, axis);
    (value, pullback(x_dot.view().to_owned()).0)
}

/// [`logsumexp`] and its tangent along `x_dot`: `sum(softmax(x) * x_dot, axis)`.
#[track_caller]
#[allow(clippy::type_complexity)]
pub fn logsumexp_jvp<X, T>(
    x: X,
    axis: Axis,
    (x_dot,): (T,),
) -> (
    Array<X::Elem, <X::Dim as Dimension>::Smaller>,
    Array<X::Elem, <X::Dim as Dimension>::Smaller>,
)
where
    X: ArrayArg,
    X::Dim: RemoveAxis,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim>,
{
    crate::shape::check_seed(x.view().shape(), x_dot.view().shape());
    let value = logsumexp(&x, axis);
    let p = softmax(&x, axis);
    let tangent = (&p * &x_dot.view()).sum_axis(axis);
    (value, tangent)
}

/// [`log_softmax`] and its tangent along `x_dot`: `x_dot - sum(softmax(x) * x_dot, axis)`.
#[track_caller]
#[allow(clippy::type_complexity)]
pub fn log_softmax_jvp<X, T>(
    x: X,
    axis: Axis,
    (x_dot,): (T,),
) -> (Array<X::Elem, X::Dim>, Array<X::Elem, X::Dim>)
where
    X: ArrayArg,
    X::Dim: RemoveAxis,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim>,
{
    crate::shape::check_seed(x.view().shape(), x_dot.view().shape());
    let value = log_softmax(&x, axis);
    let p = softmax(&x, axis);
    let dot = (&p * &x_dot.view()).sum_axis(axis).insert_axis(axis);
    let mut tangent = x_dot.view().to_owned();
    Zip::from(&mut tangent)
        .and_broadcast(&dot)
        .for_each(|t, &d| *t -= d);
    (value, tangent)
}

// ---------------------------------------------------------------------------------------------------------
// Second-order rules, with the calling convention of generated `f_vjp_jvp`: the arguments as the call passes
// them, the seed, then a tuple with the tangent of each differentiable argument and the seed's tangent; the
// pullback applied to the seed and its tangent. The pullback's value is the first-order rule's, bit for bit.

/// The second-order rule of an elementwise function: `rule(g, x)` is its pullback at one element, `curve(g,
/// x, x_dot)` the pullback's derivative along `x` times `x_dot` (`g f''(x) x_dot`). The tangent is
/// `rule(g_dot, x) + curve(g, x, x_dot)`.
#[allow(clippy::type_complexity)]
fn elementwise_vjp_jvp<X, G, T, S>(
    x: X,
    seed: G,
    (x_dot, seed_dot): (T, S),
    rule: impl Fn(X::Elem, X::Elem) -> X::Elem,
    curve: impl Fn(X::Elem, X::Elem, X::Elem) -> X::Elem,
) -> ((X::Output,), (X::Output,))
where
    X: Elementwise,
    G: Elementwise<Elem = X::Elem, Output = X::Output>,
    T: Elementwise<Elem = X::Elem, Output = X::Output>,
    S: Elementwise<Elem = X::Elem, Output = X::Output>,
{
    use crate::tangent::Tangent;
    let g = seed.map1(|v| v);
    let x_dot = x_dot.map1(|v| v);
    let grad = x.back1(&x_dot, g.clone(), |g, x, _| rule(g, x));
    let mut tangent = x.back1(&x_dot, g, curve);
    tangent.add_assign(x.back1(&x_dot, seed_dot.map1(|v| v), |g_dot, x, _| rule(g_dot, x)));
    ((grad,), (tangent,))
}

/// [`sigmoid`]'s second-order rule: the pullback `g y (1 - y)` and its tangent
/// `g_dot y (1 - y) + g y (1 - y) (1 - 2 y) x_dot`.
#[allow(clippy::type_complexity)]
pub fn sigmoid_vjp_jvp<X, G, T, S>(x: X, seed: G, tangents: (T, S)) -> ((X::Output,), (X::Output,))
where
    X: Elementwise,
    G: Elementwise<Elem = X::Elem, Output = X::Output>,
    T: Elementwise<Elem = X::Elem, Output = X::Output>,
    S: Elementwise<Elem = X::Elem, Output = X::Output>,
{
    let one = X::Elem::one();
    elementwise_vjp_jvp(
        x,
        seed,
        tangents,
        |g, x| {
            let y = sigmoid_scalar(x);
            g * y * (one - y)
        },
        |g, x, x_dot| {
            let y = sigmoid_scalar(x);
            g * (y * (one - y) * (one - (y + y))) * x_dot
        },
    )
}

/// [`relu`]'s second-order rule: the pullback `g` where `x > 0` (else 0) and its tangent `g_dot` where
/// `x > 0` (the second derivative is zero wherever it exists; JAX gives the same).
#[allow(clippy::type_complexity)]
pub fn relu_vjp_jvp<X, G, T, S>(x: X, seed: G, tangents: (T, S)) -> ((X::Output,), (X::Output,))
where
    X: Elementwise,
    G: Elementwise<Elem = X::Elem, Output = X::Output>,
    T: Elementwise<Elem = X::Elem, Output = X::Output>,
    S: Elementwise<Elem = X::Elem, Output = X::Output>,
{
    let zero = X::Elem::zero();
    elementwise_vjp_jvp(
        x,
        seed,
        tangents,
        |g, x| if x > zero { g } else { zero },
        |_, _, _| zero,
    )
}

/// [`softplus`]'s second-order rule: the pullback `g sigmoid(x)` and its tangent
/// `g_dot sigmoid(x) + g sigmoid(x) (1 - sigmoid(x)) x_dot`.
#[allow(clippy::type_complexity)]
pub fn softplus_vjp_jvp<X, G, T, S>(x: X, seed: G, tangents: (T, S)) -> ((X::Output,), (X::Output,))
where
    X: Elementwise,
    G: Elementwise<Elem = X::Elem, Output = X::Output>,
    T: Elementwise<Elem = X::Elem, Output = X::Output>,
    S: Elementwise<Elem = X::Elem, Output = X::Output>,
{
    let one = X::Elem::one();
    elementwise_vjp_jvp(
        x,
        seed,
        tangents,
        |g, x| g * sigmoid_scalar(x),
        |g, x, x_dot| {
            let s = sigmoid_scalar(x);
            g * (s * (one - s)) * x_dot
        },
    )
}

/// Each of `others` has `x`'s shape (a rule's seed and tangents), or a panic at the caller's location.
#[track_caller]
fn same_shapes<F, D: Dimension>(
    x: &ndarray::ArrayView<'_, F, D>,
    others: [&ndarray::ArrayView<'_, F, D>; 3],
) {
    for o in others {
        crate::shape::check_seed(x.shape(), o.shape());
    }
}

/// `sum(a * b, axis)` with the axis kept (length 1), for broadcasting.
fn lane_dot<F: Real, D: Dimension + RemoveAxis>(
    a: &ndarray::ArrayView<'_, F, D>,
    b: &ndarray::ArrayView<'_, F, D>,
    axis: Axis,
) -> Array<F, D> {
    (a * b)
        .sum_axis(axis)
        .insert_axis(axis)
        .into_dimensionality::<D>()
        .expect("one axis inserted back")
}

/// `softmax(x)` along `axis` and its tangent along `x_dot`: `y (x_dot - sum(y x_dot))`.
fn softmax_with_tangent<F: Real, D: Dimension + RemoveAxis>(
    x: &ndarray::ArrayView<'_, F, D>,
    x_dot: &ndarray::ArrayView<'_, F, D>,
    axis: Axis,
) -> (Array<F, D>, Array<F, D>) {
    let y = softmax(x, axis);
    let dot = lane_dot(&y.view(), x_dot, axis);
    let mut y_dot = x_dot.to_owned();
    Zip::from(&mut y_dot)
        .and(&y)
        .and_broadcast(&dot)
        .for_each(|t, &y, &d| *t = y * (*t - d));
    (y, y_dot)
}

/// [`softmax`]'s second-order rule: the pullback `y (g - sum(g y))` and its tangent
/// `y_dot (g - sum(g y)) + y (g_dot - sum(g_dot y) - sum(g y_dot))`, with `y_dot` softmax's tangent.
#[track_caller]
#[allow(clippy::type_complexity)]
pub fn softmax_vjp_jvp<X, G, T, S>(
    x: X,
    axis: Axis,
    seed: G,
    (x_dot, seed_dot): (T, S),
) -> ((Array<X::Elem, X::Dim>,), (Array<X::Elem, X::Dim>,))
where
    X: ArrayArg,
    X::Dim: RemoveAxis,
    G: ArrayArg<Elem = X::Elem, Dim = X::Dim>,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim>,
    S: ArrayArg<Elem = X::Elem, Dim = X::Dim>,
{
    let (x, g, x_dot, g_dot) = (x.view(), seed.view(), x_dot.view(), seed_dot.view());
    same_shapes(&x, [&g, &x_dot, &g_dot]);
    let (y, y_dot) = softmax_with_tangent(&x, &x_dot, axis);
    let grad = softmax_vjp(&x, axis).1(g.to_owned()).0;
    let gy = lane_dot(&g, &y.view(), axis);
    let gdy = lane_dot(&g_dot, &y.view(), axis);
    let gydot = lane_dot(&g, &y_dot.view(), axis);
    let mut tangent = g_dot.to_owned();
    Zip::from(&mut tangent)
        .and(&g)
        .and(&y)
        .and(&y_dot)
        .for_each(|t, &g, &y, &y_dot| *t = y_dot * g + y * *t);
    Zip::from(&mut tangent)
        .and(&y)
        .and(&y_dot)
        .and_broadcast(&gy)
        .and_broadcast(&gdy)
        .and_broadcast(&gydot)
        .for_each(|t, &y, &y_dot, &gy, &gdy, &gydot| *t -= y_dot * gy + y * (gdy + gydot));
    ((grad,), (tangent,))
}

/// [`logsumexp`]'s second-order rule: the pullback `g softmax(x)` (`g` broadcast along `axis`) and its
/// tangent `g_dot p + g p_dot`, with `p_dot` softmax's tangent.
#[track_caller]
#[allow(clippy::type_complexity)]
pub fn logsumexp_vjp_jvp<X, G, T, S>(
    x: X,
    axis: Axis,
    seed: G,
    (x_dot, seed_dot): (T, S),
) -> ((Array<X::Elem, X::Dim>,), (Array<X::Elem, X::Dim>,))
where
    X: ArrayArg,
    X::Dim: RemoveAxis,
    G: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Smaller>,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim>,
    S: ArrayArg<Elem = X::Elem, Dim = <X::Dim as Dimension>::Smaller>,
{
    let (x, x_dot) = (x.view(), x_dot.view());
    crate::shape::check_seed(x.shape(), x_dot.shape());
    let (p, p_dot) = softmax_with_tangent(&x, &x_dot, axis);
    let grad = logsumexp_vjp(&x, axis).1(seed.view().to_owned()).0;
    let g = seed.view().insert_axis(axis);
    let g_dot = seed_dot.view().insert_axis(axis);
    let mut tangent = p_dot;
    Zip::from(&mut tangent)
        .and(&p)
        .and_broadcast(&g)
        .and_broadcast(&g_dot)
        .for_each(|t, &p, &g, &g_dot| *t = g_dot * p + g * *t);
    ((grad,), (tangent,))
}

/// [`log_softmax`]'s second-order rule: the pullback `g - p sum(g)` (`p = softmax(x)`) and its tangent
/// `g_dot - p_dot sum(g) - p sum(g_dot)`.
#[track_caller]
#[allow(clippy::type_complexity)]
pub fn log_softmax_vjp_jvp<X, G, T, S>(
    x: X,
    axis: Axis,
    seed: G,
    (x_dot, seed_dot): (T, S),
) -> ((Array<X::Elem, X::Dim>,), (Array<X::Elem, X::Dim>,))
where
    X: ArrayArg,
    X::Dim: RemoveAxis,
    G: ArrayArg<Elem = X::Elem, Dim = X::Dim>,
    T: ArrayArg<Elem = X::Elem, Dim = X::Dim>,
    S: ArrayArg<Elem = X::Elem, Dim = X::Dim>,
{
    let (x, g, x_dot, g_dot) = (x.view(), seed.view(), x_dot.view(), seed_dot.view());
    same_shapes(&x, [&g, &x_dot, &g_dot]);
    let (p, p_dot) = softmax_with_tangent(&x, &x_dot, axis);
    let grad = log_softmax_vjp(&x, axis).1(g.to_owned()).0;
    let total = g.sum_axis(axis).insert_axis(axis);
    let total_dot = g_dot.sum_axis(axis).insert_axis(axis);
    let mut tangent = g_dot.to_owned();
    Zip::from(&mut tangent)
        .and(&p)
        .and(&p_dot)
        .and_broadcast(&total)
        .and_broadcast(&total_dot)
        .for_each(|t, &p, &p_dot, &s, &s_dot| *t -= p_dot * s + p * s_dot);
    ((grad,), (tangent,))
}
