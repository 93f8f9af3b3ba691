//! Second order and forward mode with parameter structs and methods: `f_hvp` of functions of
//! `#[derive(Differentiable)]` structs (field reads, nested fields, a constant field), of `&self` methods,
//! and of functions that call a method; `f_jvp` through a method call; `f_hessian` of a method and of a
//! generic scalar. Against closed forms and central differences of `f_grad`.
#![deny(warnings)]

use autodiff::ndarray::{array, Array1, Array2};
use autodiff::prelude::*;
mod common;
use common::close_slices as close;

#[derive(Clone, Debug, Differentiable)]
struct Pair {
    w: Array1<f64>,
    s: f64,
}

#[derive(Clone, Debug, Differentiable)]
struct Layer {
    w: Array2<f64>,
    b: Array1<f64>,
}

#[derive(Clone, Debug, Differentiable)]
struct Model {
    hidden: Layer,
    out: Array1<f64>,
    scale: f64,
    steps: usize,
}

/// `s * |w|^2`: gradient `(2 s w, |w|^2)`, Hessian-vector product `(2 s vw + 2 vs w, 2 w.vw)`.
#[differentiable(hessian)]
fn weighted_norm(p: &Pair) -> f64 {
    p.w.dot(&p.w) * p.s
}

#[differentiable(hessian)]
fn model_loss(m: &Model, x: &Array1<f64>) -> f64 {
    let h = (m.hidden.w.dot(x) + &m.hidden.b).mapv(f64::tanh);
    let y = m.out.dot(&h) * m.scale;
    (y - 1.0).powi(2) + m.out.sum() * m.steps as f64 * 0.01
}

impl Pair {
    /// With respect to `self` (a method's default selection).
    #[differentiable(hessian)]
    fn energy(&self, x: &Array1<f64>) -> f64 {
        (&self.w * x).mapv(f64::sin).sum() * self.s
    }

    /// With respect to `x`: it has an `f_hessian`, a method too.
    #[differentiable(hessian, argnums = 1)]
    fn potential(&self, x: &Array1<f64>) -> f64 {
        (&self.w * x * x).sum() + (x.sum() * self.s).cos()
    }
}

/// A method called from a `hessian` function, with respect to both parameters.
#[differentiable(hessian, argnums = (0, 1))]
fn through_method(p: &Pair, x: &Array1<f64>) -> f64 {
    p.energy(x).sin() + (x * x).sum() * p.s
}

/// A method of a struct built in the function.
#[differentiable(hessian, argnums = (0, 1))]
fn built(x: &Array1<f64>, s: f64) -> f64 {
    let p = Pair { w: x * 2.0, s };
    p.energy(x) * s
}

/// Forward mode through a method call.
#[differentiable(jvp)]
fn forward_through(p: &Pair, x: &Array1<f64>) -> f64 {
    p.energy(x).exp() * x.sum()
}

#[differentiable(hessian)]
fn generic_scalar<F: Real>(x: F, y: F) -> F {
    x.sin() * y + x * x * x
}

fn pair(seed: f64) -> Pair {
    Pair {
        w: array![0.3 + seed, -0.2, 0.7 * seed],
        s: 1.3 - seed,
    }
}

fn model(seed: f64) -> Model {
    Model {
        hidden: Layer {
            w: Array2::from_shape_fn((3, 2), |(i, j)| {
                (seed + 0.7 * i as f64 - 0.4 * j as f64).sin()
            }),
            b: Array1::from_shape_fn(3, |i| (seed * 0.5 + i as f64).cos() * 0.3),
        },
        out: Array1::from_shape_fn(3, |i| (seed - 0.3 * i as f64).sin()),
        scale: 0.8 + seed,
        steps: 3,
    }
}

/// `x + e v` for any differentiable value.
fn shifted<T: Tangent>(x: &T, e: f64, v: &T) -> T {
    let mut y = x.clone();
    y.axpy(e, v);
    y
}

/// Central differences of `grad` along `v` at `x`, as components.
fn fd_along<T: Tangent>(grad: impl Fn(&T) -> T, x: &T, v: &T) -> Vec<f64> {
    let h = 1e-5;
    let (p, m) = (grad(&shifted(x, h, v)), grad(&shifted(x, -h, v)));
    p.components()
        .iter()
        .zip(m.components())
        .map(|(a, b)| (a - b) / (2.0 * h))
        .collect()
}

#[test]
fn a_struct_parameter_against_its_closed_form() {
    let (p, v) = (pair(0.4), pair(-0.9));
    let got = weighted_norm_hvp(&p, v.clone());
    let want_w = &v.w * (2.0 * p.s) + &p.w * (2.0 * v.s);
    let want_s = 2.0 * p.w.dot(&v.w);
    close(
        got.w.as_slice().unwrap(),
        want_w.as_slice().unwrap(),
        1e-12,
        "H w",
    );
    close(&[got.s], &[want_s], 1e-12, "H s");
    // The same against differences of the gradient, and the Hessian has no `f_hessian` for a struct
    // (its tangent has no element type): the product is what a user calls.
    close(
        &got.components(),
        &fd_along(weighted_norm_grad, &p, &v),
        1e-7,
        "H v, differences",
    );
}

#[test]
fn nested_fields_and_a_constant_field() {
    let (m, vm) = (model(0.3), model(-0.6));
    let x = array![0.5, -1.2];
    let got = model_loss_hvp(&m, &x, vm.clone());
    let want = fd_along(|m: &Model| model_loss_grad(m, &x), &m, &vm);
    close(&got.components(), &want, 1e-6, "H v");
    // The constant field is copied from the point, as in the gradient.
    assert_eq!(got.steps, m.steps);
    // `f_jvp` (which `hessian` generates too) is the gradient along the direction.
    let (value, t) = model_loss_jvp(&m, &x, (vm.clone(), Array1::zeros(2)));
    assert_eq!(value, model_loss(&m, &x));
    let g = model_loss_grad(&m, &x);
    let want: f64 = g
        .components()
        .iter()
        .zip(vm.components())
        .map(|(a, b)| a * b)
        .sum();
    close(&[t], &[want], 1e-12, "jvp");
}

#[test]
fn methods_have_second_order_items() {
    let (p, v) = (pair(0.2), pair(0.5));
    let x = array![0.4, 0.1, -0.5];
    let got = p.energy_hvp(&x, v.clone());
    let want = fd_along(|p: &Pair| p.energy_grad(&x), &p, &v);
    close(&got.components(), &want, 1e-7, "self");

    // `f_hessian` with respect to `x`: `diag(2 w) - s^2 cos(s sum x)` everywhere, symmetric.
    let h = p.potential_hessian(&x);
    let c = (x.sum() * p.s).cos() * p.s * p.s;
    let want = Array2::from_shape_fn((3, 3), |(i, j)| if i == j { 2.0 * p.w[i] - c } else { -c });
    close(
        h.as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-12,
        "potential",
    );
}

#[test]
fn a_method_called_from_a_hessian_function() {
    let (p, vp) = (pair(0.1), pair(0.7));
    let (x, vx) = (array![0.3, -0.8, 0.6], array![0.2, 0.5, -0.4]);
    let (hp, hx) = through_method_hvp(&p, &x, (vp.clone(), vx.clone()));
    let h = 1e-5;
    let step = |e: f64| through_method_grad(&shifted(&p, e * h, &vp), &shifted(&x, e * h, &vx));
    let ((pp, xp), (pm, xm)) = (step(1.0), step(-1.0));
    let want_p: Vec<f64> = pp
        .components()
        .iter()
        .zip(pm.components())
        .map(|(a, b)| (a - b) / (2.0 * h))
        .collect();
    let want_x = (xp - xm) / (2.0 * h);
    close(&hp.components(), &want_p, 1e-6, "H p");
    close(
        hx.as_slice().unwrap(),
        want_x.as_slice().unwrap(),
        1e-6,
        "H x",
    );

    // A method of a struct the function builds from its parameters.
    let (y, s, vy, vs) = (array![0.3, -0.2, 0.9], 0.7, array![1.0, 0.5, -0.5], 0.3);
    let (gy, gs) = built_hvp(&y, s, (vy.clone(), vs));
    let step = |e: f64| built_grad(&(&y + &(&vy * (e * h))), s + e * h * vs);
    let ((yp, sp), (ym, sm)) = (step(1.0), step(-1.0));
    close(
        gy.as_slice().unwrap(),
        ((yp - ym) / (2.0 * h)).as_slice().unwrap(),
        1e-6,
        "built: H y",
    );
    close(&[gs], &[(sp - sm) / (2.0 * h)], 1e-6, "built: H s");
}

#[test]
fn forward_mode_through_a_method_call() {
    let (p, vp) = (pair(0.3), pair(-0.4));
    let (x, vx) = (array![0.3, -0.8, 0.6], array![0.2, 0.5, -0.4]);
    let (value, t) = forward_through_jvp(&p, &x, (vp.clone(), vx.clone()));
    assert_eq!(value, forward_through(&p, &x));
    let h = 1e-6;
    let at = |e: f64| forward_through(&shifted(&p, e * h, &vp), &shifted(&x, e * h, &vx));
    close(
        &[t],
        &[(at(1.0) - at(-1.0)) / (2.0 * h)],
        1e-7,
        "differences",
    );
    let (gp, gx) = (
        forward_through_grad_0(&p, &x),
        forward_through_grad_1(&p, &x),
    );
    let want: f64 = gp
        .components()
        .iter()
        .zip(vp.components())
        .map(|(a, b)| a * b)
        .sum::<f64>()
        + gx.dot(&vx);
    close(&[t], &[want], 1e-12, "gradient along the direction");
}

#[test]
fn the_hessian_of_a_generic_scalar() {
    // d2/dx2 (y sin x + x^3) = -y sin x + 6 x.
    let (x, y) = (0.3, 2.0);
    let want = -y * f64::sin(x) + 6.0 * x;
    close(&[generic_scalar_hessian(x, y)], &[want], 1e-12, "f64");
    let got32 = generic_scalar_hessian(x as f32, y as f32);
    close(&[got32 as f64], &[want], 1e-5, "f32");
}
