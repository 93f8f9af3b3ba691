//! Parameter structs (`#[derive(Differentiable)]`), field reads, methods with `&self`, and the tangent
//! operations an optimizer needs.
#![deny(warnings)]

use autodiff::ndarray::{array, Array1, Array2};
use autodiff::prelude::*;

#[derive(Clone, Debug, PartialEq, Differentiable)]
struct Layer {
    w: Array2<f64>,
    b: Array1<f64>,
}

#[derive(Clone, Debug, PartialEq, Differentiable)]
struct Model {
    hidden: Layer,
    out: Array1<f64>,
    scale: f64,
    /// A constant: copied into gradients.
    steps: usize,
}

#[differentiable]
fn loss(m: &Model, x: &Array1<f64>) -> f64 {
    let h = (m.hidden.w.dot(x) + &m.hidden.b).mapv(f64::tanh);
    let y = m.out.dot(&h) * m.scale;
    (y - 1.0).powi(2)
}

impl Model {
    #[differentiable]
    fn energy(&self, x: &Array1<f64>) -> f64 {
        let mut e = 0.0;
        for i in 0..x.len() {
            e += self.out[i] * x[i] * self.scale;
        }
        e * e
    }
}

#[differentiable(argnums = 0)]
fn uses_method(m: &Model, x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    m.energy(y) * 0.1 + loss(m, x)
}

fn model() -> Model {
    Model {
        hidden: Layer {
            w: Array2::from_shape_fn((3, 2), |(i, j)| 0.3 * i as f64 - 0.2 * j as f64 + 0.1),
            b: array![0.1, -0.1, 0.2],
        },
        out: array![0.5, -0.3, 0.8],
        scale: 1.5,
        steps: 7,
    }
}

#[test]
fn the_gradient_of_a_struct_is_the_struct() {
    let m = model();
    let x = array![0.4, -0.7];
    let g: Model = loss_grad(&m, &x);
    assert_eq!(g.steps, 7, "constant fields are copied");
    check_grad(|m: &Model| loss(m, &x), |m: &Model| loss_grad(m, &x), &m).unwrap();
}

#[test]
fn methods_with_self_and_calls_to_them() {
    let m = model();
    let x = array![0.4, -0.7, 1.1];
    check_grad(|m: &Model| m.energy(&x), |m: &Model| m.energy_grad(&x), &m).unwrap();
    let x2 = array![0.4, -0.7];
    check_grad(
        |m: &Model| uses_method(m, &x2, &x),
        |m: &Model| uses_method_grad(m, &x2, &x),
        &m,
    )
    .unwrap();
    // The method's gradient flows into the caller's: d(0.1 e)/dm + d loss/dm.
    let mut expected = m.energy_grad(&x);
    expected.scale(0.1);
    expected.add_assign(loss_grad(&m, &x2));
    let got = uses_method_grad(&m, &x2, &x);
    for k in 0..got.num_components() {
        assert!((got.component(k) - expected.component(k)).abs() < 1e-12);
    }
}

#[test]
fn optimizer_operations() {
    let m = model();
    let x = array![0.4, -0.7];
    let g = loss_grad(&m, &x);
    let mut p = m.clone();
    let before = loss(&p, &x);
    for _ in 0..50 {
        let g = loss_grad(&p, &x);
        p.axpy(-0.05, &g);
    }
    assert!(
        loss(&p, &x) < before * 0.5,
        "{} -> {}",
        before,
        loss(&p, &x)
    );
    let mut z = g.zeros_like();
    assert_eq!(z.norm(), 0.0);
    z.add_assign(g.clone());
    z.scale(2.0);
    assert!((z.norm() - 2.0 * g.norm()).abs() < 1e-12);
    assert_eq!(z.steps, 7);
    assert_eq!(g.num_components(), 6 + 3 + 3 + 1);
}

struct Units;

impl Units {
    #[differentiable]
    fn cube(x: f64) -> f64 {
        x * x * x
    }

    #[differentiable]
    fn cube_plus(x: f64) -> f64 {
        Self::cube(x) + Units::cube(2.0 * x)
    }
}

#[test]
fn associated_functions_and_calls_to_them() {
    assert_eq!(Units::cube_grad(2.0), 12.0);
    // d/dx (x^3 + 8 x^3) = 27 x^2
    assert!((Units::cube_plus_grad(0.5) - 27.0 * 0.25).abs() < 1e-12);
}

// ---------------------------------------------------------------------------------------------------------
// Struct literals of `#[derive(Differentiable)]` structs inside a differentiable function: each field's
// gradient is that field of the struct's gradient; in forward mode the tangent struct takes the active
// fields' tangents and the zero tangent of the value for the rest (integers copied).

#[derive(Clone, Debug, Differentiable)]
pub struct Built {
    pub w: Array1<f64>,
    pub b: f64,
    pub n: usize,
}

#[differentiable(jvp)]
fn built_loss(p: &Built, x: &Array1<f64>) -> f64 {
    (x * &p.w).sum() * p.b + p.n as f64
}

#[differentiable(argnums = (0, 1), jvp)]
fn build_and_call(x: &Array1<f64>, s: f64) -> f64 {
    let w = x * s;
    let p = Built { w, b: s * s, n: 3 };
    let q = Built {
        w: x.mapv(|v| v.sin()),
        b: 0.5,
        n: 2,
    };
    built_loss(&p, x) + q.w.sum() * q.b + p.b
}

#[test]
fn struct_literals_against_the_closed_form() {
    let x = array![0.3, -0.5, 1.2];
    let s = 0.7;
    // s^3 sum(x^2) + 3 + 0.5 sum(sin x) + s^2.
    let (gx, gs) = build_and_call_grad(&x, s);
    for i in 0..3 {
        let want = 2.0 * s.powi(3) * x[i] + 0.5 * x[i].cos();
        assert!(
            (gx[i] - want).abs() < 1e-12,
            "d/dx[{i}]: {} != {want}",
            gx[i]
        );
    }
    let want_s = 3.0 * s * s * x.dot(&x) + 2.0 * s;
    assert!((gs - want_s).abs() < 1e-12, "d/ds: {gs} != {want_s}");
    let v = array![1.0, -2.0, 0.5];
    let (value, t) = build_and_call_jvp(&x, s, (v.clone(), 0.25));
    assert_eq!(value.to_bits(), build_and_call(&x, s).to_bits());
    let want_t = gx.dot(&v) + 0.25 * gs;
    assert!((t - want_t).abs() < 1e-12, "jvp: {t} != {want_t}");
    autodiff::check_grad(
        |x: &Array1<f64>| build_and_call(x, s),
        |x| build_and_call_grad(x, s).0,
        &x,
    )
    .unwrap();
}
