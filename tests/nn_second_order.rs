//! Second order through `autodiff::nn`: each function's second-order rule (`nn::f_vjp_jvp`) against central
//! differences of its pullback along the input's and the seed's tangents (and its pullback against the
//! first-order rule, bit for bit), and `f_hvp` of `hessian` functions calling them against differences of
//! `f_grad`, for arrays and scalars.
#![deny(warnings)]

use autodiff::ndarray::{Array, Array1, Array2, Axis};
use autodiff::nn;
use autodiff::prelude::*;
mod common;
use common::{close_slices as close, fd_hvp};

fn matrix(seed: f64) -> Array2<f64> {
    Array2::from_shape_fn((3, 4), |(i, j)| {
        (seed + 1.3 * i as f64 - 0.7 * j as f64).sin() * 2.0
    })
}

/// A rule's tangent against differences of its pullback `pull(x, g)` along `(x_dot, g_dot)`.
fn check_rule<E: autodiff::ndarray::Dimension>(
    what: &str,
    rule: impl Fn(&Array2<f64>, &Array<f64, E>) -> (Array2<f64>, Array2<f64>),
    tangent: &Array2<f64>,
    pull: impl Fn(&Array2<f64>, &Array<f64, E>) -> Array2<f64>,
    (x, g): (&Array2<f64>, &Array<f64, E>),
    (x_dot, g_dot): (&Array2<f64>, &Array<f64, E>),
) {
    let (grad, _) = rule(x, g);
    assert_eq!(
        grad,
        pull(x, g),
        "{what}: the pullback is the first-order rule's"
    );
    let h = 1e-6;
    let at = |e: f64| pull(&(x + &(x_dot * (e * h))), &(g + &(g_dot * (e * h))));
    let want = (at(1.0) - at(-1.0)) / (2.0 * h);
    close(
        tangent.as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-7,
        what,
    );
}

#[test]
fn axis_rules_against_differences_of_their_pullbacks() {
    let (x, x_dot) = (matrix(0.2), matrix(1.9));
    let (g, g_dot) = (matrix(-0.6), matrix(0.8));
    let softmax = |x: &Array2<f64>, g: &Array2<f64>| {
        let ((grad,), (t,)) =
            nn::softmax_vjp_jvp(x, Axis(1), g.clone(), (x_dot.clone(), g_dot.clone()));
        (grad, t)
    };
    let pull = |x: &Array2<f64>, g: &Array2<f64>| nn::softmax_vjp(x, Axis(1)).1(g.clone()).0;
    check_rule(
        "softmax",
        softmax,
        &softmax(&x, &g).1,
        pull,
        (&x, &g),
        (&x_dot, &g_dot),
    );

    let log_softmax = |x: &Array2<f64>, g: &Array2<f64>| {
        let ((grad,), (t,)) =
            nn::log_softmax_vjp_jvp(x, Axis(0), g.clone(), (x_dot.clone(), g_dot.clone()));
        (grad, t)
    };
    let pull = |x: &Array2<f64>, g: &Array2<f64>| nn::log_softmax_vjp(x, Axis(0)).1(g.clone()).0;
    check_rule(
        "log_softmax",
        log_softmax,
        &log_softmax(&x, &g).1,
        pull,
        (&x, &g),
        (&x_dot, &g_dot),
    );

    let (s, s_dot) = (
        Array1::from_vec(vec![0.4, -1.1, 2.0]),
        Array1::from_vec(vec![0.3, 0.9, -0.5]),
    );
    let logsumexp = |x: &Array2<f64>, g: &Array1<f64>| {
        let ((grad,), (t,)) =
            nn::logsumexp_vjp_jvp(x, Axis(1), g.clone(), (x_dot.clone(), s_dot.clone()));
        (grad, t)
    };
    let pull = |x: &Array2<f64>, g: &Array1<f64>| nn::logsumexp_vjp(x, Axis(1)).1(g.clone()).0;
    check_rule(
        "logsumexp",
        logsumexp,
        &logsumexp(&x, &s).1,
        pull,
        (&x, &s),
        (&x_dot, &s_dot),
    );
}

#[test]
fn elementwise_rules_against_differences_of_their_pullbacks() {
    let (x, x_dot) = (matrix(0.2), matrix(1.9));
    let (g, g_dot) = (matrix(-0.6), matrix(0.8));
    macro_rules! check {
        ($vjp_jvp:path, $vjp:path) => {{
            let rule = |x: &Array2<f64>, g: &Array2<f64>| {
                let ((grad,), (t,)) = $vjp_jvp(x, g.clone(), (x_dot.clone(), g_dot.clone()));
                (grad, t)
            };
            let pull = |x: &Array2<f64>, g: &Array2<f64>| $vjp(x).1(g.clone()).0;
            check_rule(
                stringify!($vjp_jvp),
                rule,
                &rule(&x, &g).1,
                pull,
                (&x, &g),
                (&x_dot, &g_dot),
            );
            // Scalars: the same rule on one element.
            let ((grad,), (t,)) = $vjp_jvp(x[[1, 2]], g[[1, 2]], (x_dot[[1, 2]], g_dot[[1, 2]]));
            assert_eq!(grad, $vjp(x[[1, 2]]).1(g[[1, 2]]).0);
            close(&[t], &[rule(&x, &g).1[[1, 2]]], 1e-15, "scalar");
        }};
    }
    check!(nn::sigmoid_vjp_jvp, nn::sigmoid_vjp);
    check!(nn::relu_vjp_jvp, nn::relu_vjp);
    check!(nn::softplus_vjp_jvp, nn::softplus_vjp);
}

#[differentiable(hessian)]
fn classifier(z: &Array2<f64>) -> f64 {
    -(nn::log_softmax(z, Axis(1)) * z.mapv(f64::cos)).sum() + nn::logsumexp(z, Axis(0)).sum() * 0.5
}

#[differentiable(hessian)]
fn attention(z: &Array2<f64>) -> f64 {
    let p = nn::softmax(z, Axis(1));
    (&p * &p).sum()
        + (nn::sigmoid(z) * z).sum()
        + nn::softplus(z).sum()
        + nn::relu(z).mapv(f64::sin).sum()
}

#[differentiable(hessian)]
fn scalar_units(a: f64) -> f64 {
    nn::sigmoid(a) * nn::softplus(a * 2.0) + nn::relu(a).powi(3)
}

fn flat_fd(
    grad: impl Fn(&Array2<f64>) -> Array2<f64>,
    z: &Array2<f64>,
    v: &Array2<f64>,
) -> Array1<f64> {
    let shape = z.raw_dim();
    let flat = |a: &Array1<f64>| a.clone().into_shape_with_order(shape).unwrap();
    fd_hvp(
        |y: &Array1<f64>| Array1::from_iter(grad(&flat(y)).iter().copied()),
        &Array1::from_iter(z.iter().copied()),
        &Array1::from_iter(v.iter().copied()),
    )
}

#[test]
fn hessians_through_nn_calls() {
    let (z, v) = (matrix(0.4), matrix(-1.2));
    let got = classifier_hvp(&z, v.clone());
    let want = flat_fd(classifier_grad, &z, &v);
    close(
        got.as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-6,
        "classifier",
    );

    let got = attention_hvp(&z, v.clone());
    let want = flat_fd(attention_grad, &z, &v);
    close(
        got.as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-6,
        "attention",
    );

    // f_hessian is symmetric to rounding.
    let h = classifier_hessian(&z);
    let asym = (&h - &h.t()).mapv(f64::abs).fold(0.0_f64, |m, &v| m.max(v));
    assert!(asym < 1e-12, "asymmetry {asym}");

    for a in [-0.7, 0.3, 1.4] {
        let h = 1e-5;
        let want = (scalar_units_grad(a + h) - scalar_units_grad(a - h)) / (2.0 * h);
        close(&[scalar_units_hessian(a)], &[want], 1e-6, "scalar");
    }
}
