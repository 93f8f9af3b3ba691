//! Second order (`#[differentiable(hessian)]`): `f_hvp` and `f_hessian` against closed forms (a quadratic
//! form's Hessian is its symmetric part, Rosenbrock's is tridiagonal and known) and against central
//! differences of `f_grad` along the vector, on scalar and array functions of the subset.

use autodiff::ndarray::{array, s, Array1, Array2, Axis};
use autodiff::prelude::*;
mod common;
use common::{close_slices as close, fd_hvp, rosenbrock_hessian_closed};

fn test_vector(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.9 * i as f64 + 0.4).cos())
}

// -------------------------------------------------------------------------------------------------
// Closed forms
// -------------------------------------------------------------------------------------------------

#[differentiable(hessian)]
fn quadratic(x: &Array1<f64>, a: &Array2<f64>, b: &Array1<f64>) -> f64 {
    0.5 * x.dot(&a.dot(x)) - b.dot(x)
}

#[test]
fn a_quadratic_forms_hessian_is_its_symmetric_part() {
    let a = array![[4.0, 1.0, -2.0], [3.0, 2.0, 0.5], [0.0, -1.0, 5.0]];
    let b = array![1.0, -2.0, 0.5];
    let x = array![0.3, -1.2, 2.0];
    let sym = (&a + &a.t()) * 0.5;
    let h = quadratic_hessian(&x, &a, &b);
    assert_eq!(h.shape(), &[3, 3]);
    close(h.as_slice().unwrap(), sym.as_slice().unwrap(), 1e-15, "H");
    let v = array![1.0, 2.0, -3.0];
    let hv = quadratic_hvp(&x, &a, &b, v.clone());
    close(
        hv.as_slice().unwrap(),
        sym.dot(&v).as_slice().unwrap(),
        1e-15,
        "Hv",
    );
}

#[differentiable(hessian)]
fn rosenbrock(x: &Array1<f64>) -> f64 {
    let a = x.slice(s![..-1]);
    let b = x.slice(s![1..]);
    (100.0 * (&b - &a * &a).powi(2) + (1.0 - &a).powi(2)).sum()
}

#[test]
fn rosenbrocks_hessian_is_tridiagonal_and_known() {
    for n in [2, 3, 8, 17, 100] {
        let x = Array1::from_shape_fn(n, |i| (0.37 * i as f64 + 0.1).sin() * 1.5);
        let want = rosenbrock_hessian_closed(&x);
        let h = rosenbrock_hessian(&x);
        close(
            h.as_slice().unwrap(),
            want.as_slice().unwrap(),
            1e-13,
            "Rosenbrock H",
        );
        let v = test_vector(n);
        let hv = rosenbrock_hvp(&x, v.clone());
        close(
            hv.as_slice().unwrap(),
            want.dot(&v).as_slice().unwrap(),
            1e-13,
            "Rosenbrock Hv",
        );
    }
}

#[differentiable(hessian)]
fn scalar_mix(x: f64, y: f64) -> f64 {
    x.sin() * y.exp() + x.powi(3) / y + (x * y).tanh() - x.sqrt()
}

#[test]
fn a_scalar_parameters_hessian_is_its_second_derivative() {
    let (x, y): (f64, f64) = (0.7, 1.3);
    let t = (x * y).tanh();
    let want =
        -x.sin() * y.exp() + 6.0 * x / y - 2.0 * y * y * t * (1.0 - t * t) + 0.25 * x.powf(-1.5);
    let got = scalar_mix_hessian(x, y);
    assert!((got - want).abs() <= 1e-13 * want.abs(), "{got} != {want}");
    assert_eq!(scalar_mix_hvp(x, y, 2.0), 2.0 * got);
}

#[differentiable(wrt = (x, y), hessian)]
fn two_scalars(x: f64, y: f64) -> f64 {
    x * x * y + y.powi(3) - x.atan2(y)
}

#[test]
fn a_tuple_selection_takes_and_gives_a_tuple() {
    let (x, y): (f64, f64) = (0.8, -1.1);
    let r2 = x * x + y * y;
    // d2/dx2 of atan2(x, y) = -2xy/r^4, d2/dy2 = 2xy/r^4, d2/dxdy = (x^2 - y^2)/r^4.
    let (hxx, hyy, hxy) = (
        2.0 * y + 2.0 * x * y / (r2 * r2),
        6.0 * y - 2.0 * x * y / (r2 * r2),
        2.0 * x - (x * x - y * y) / (r2 * r2),
    );
    let (vx, vy) = (0.5, -2.0);
    let (gx, gy) = two_scalars_hvp(x, y, (vx, vy));
    close(
        &[gx, gy],
        &[hxx * vx + hxy * vy, hxy * vx + hyy * vy],
        1e-13,
        "tuple Hv",
    );
}

// -------------------------------------------------------------------------------------------------
// Against differences of the gradient
// -------------------------------------------------------------------------------------------------

#[differentiable(hessian)]
fn logistic(w: &Array1<f64>, b: f64, xm: &Array2<f64>, t: &Array1<f64>) -> f64 {
    let z = xm.dot(w) + b;
    let margins = -t * &z;
    margins.exp().ln_1p().mean().unwrap() + 1e-3 * w.powi(2).sum()
}

#[differentiable(hessian)]
fn softmax_xent(logits: &Array2<f64>, onehot: &Array2<f64>) -> f64 {
    let lse = logits.exp().sum_axis(Axis(1)).ln();
    let picked = (logits * onehot).sum_axis(Axis(1));
    (lse - picked).mean().unwrap()
}

#[differentiable(hessian)]
fn elementwise_zoo(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let a = (x * y).sin() + x.mapv(f64::exp) / (1.0 + y.powi(2));
    let b = x.tanh().powf(2.0) * y.cos() - (x - y).abs().sqrt();
    let c = x.t().to_owned().insert_axis(Axis(0)).sum_axis(Axis(0));
    (a + b).sum() + c.powi(3).mean().unwrap() + x.product()
}

#[test]
fn hvps_agree_with_differences_of_the_gradient() {
    let (n, d) = (40, 7);
    let xm = Array2::from_shape_fn((n, d), |(i, j)| (0.01 * (i * d + j) as f64 + 0.3).sin());
    let t = Array1::from_shape_fn(n, |i| if i % 3 == 0 { 1.0 } else { -1.0 });
    let w = Array1::from_shape_fn(d, |j| 0.2 * (j as f64 - 3.0));
    let v = test_vector(d);
    let grad = |w: &Array1<f64>| logistic_grad(w, 0.1, &xm, &t);
    let want = fd_hvp(grad, &w, &v);
    let got = logistic_hvp(&w, 0.1, &xm, &t, v.clone());
    close(
        got.as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-7,
        "logistic Hv",
    );
    let h = logistic_hessian(&w, 0.1, &xm, &t);
    for i in 0..d {
        for j in 0..d {
            assert!((h[[i, j]] - h[[j, i]]).abs() <= 1e-15, "symmetric");
        }
    }
    close(
        h.dot(&v).as_slice().unwrap(),
        got.as_slice().unwrap(),
        1e-13,
        "H v = hvp",
    );

    let logits = Array2::from_shape_fn((6, 4), |(i, j)| ((i * 4 + j) as f64 * 0.7).sin());
    let onehot = Array2::from_shape_fn((6, 4), |(i, j)| if (i + j) % 4 == 0 { 1.0 } else { 0.0 });
    let v = Array2::from_shape_fn((6, 4), |(i, j)| ((i + 2 * j) as f64).cos());
    let h = 1e-5;
    let want = (softmax_xent_grad(&(&logits + &(&v * h)), &onehot)
        - softmax_xent_grad(&(&logits - &(&v * h)), &onehot))
        / (2.0 * h);
    let got = softmax_xent_hvp(&logits, &onehot, v);
    close(
        got.as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-7,
        "softmax Hv",
    );

    let x = Array1::from_shape_fn(5, |i| 0.3 + 0.2 * i as f64);
    let y = Array1::from_shape_fn(5, |i| -0.5 + 0.45 * i as f64);
    let v = test_vector(5);
    let want = fd_hvp(|x| elementwise_zoo_grad(x, &y), &x, &v);
    let got = elementwise_zoo_hvp(&x, &y, v);
    close(
        got.as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-7,
        "zoo Hv",
    );
}

#[differentiable(argnums = (0, 1, 2, 3), hessian)]
fn mlp(
    w1: &Array2<f64>,
    b1: &Array1<f64>,
    w2: &Array2<f64>,
    b2: &Array1<f64>,
    x: &Array2<f64>,
    y: &Array2<f64>,
) -> f64 {
    let h = (x.dot(w1) + b1).tanh();
    let out = h.dot(w2) + b2;
    (out - y).powi(2).mean().unwrap()
}

#[test]
fn a_tuple_hvp_of_a_network_agrees_with_differences() {
    let m = |r: usize, c: usize, s: f64| {
        Array2::from_shape_fn((r, c), |(i, j)| ((i * c + j) as f64 * s).sin() * 0.5)
    };
    let (w1, w2, x, y) = (m(3, 4, 0.7), m(4, 2, 1.3), m(5, 3, 0.4), m(5, 2, 0.9));
    let (b1, b2) = (array![0.1, -0.2, 0.3, 0.0], array![0.05, -0.1]);
    let v = (
        m(3, 4, 2.1),
        array![1.0, 0.5, -0.5, 2.0],
        m(4, 2, 0.3),
        array![-1.0, 1.0],
    );
    let h = 1e-5;
    let shifted = |sign: f64| {
        mlp_grad(
            &(&w1 + &(&v.0 * (sign * h))),
            &(&b1 + &(&v.1 * (sign * h))),
            &(&w2 + &(&v.2 * (sign * h))),
            &(&b2 + &(&v.3 * (sign * h))),
            &x,
            &y,
        )
    };
    let (p, q) = (shifted(1.0), shifted(-1.0));
    let got = mlp_hvp(&w1, &b1, &w2, &b2, &x, &y, v.clone());
    let d = |a: &[f64], b: &[f64]| -> Vec<f64> {
        a.iter().zip(b).map(|(a, b)| (a - b) / (2.0 * h)).collect()
    };
    close(
        got.0.as_slice().unwrap(),
        &d(p.0.as_slice().unwrap(), q.0.as_slice().unwrap()),
        1e-7,
        "W1",
    );
    close(
        got.1.as_slice().unwrap(),
        &d(p.1.as_slice().unwrap(), q.1.as_slice().unwrap()),
        1e-7,
        "b1",
    );
    close(
        got.2.as_slice().unwrap(),
        &d(p.2.as_slice().unwrap(), q.2.as_slice().unwrap()),
        1e-7,
        "W2",
    );
    close(
        got.3.as_slice().unwrap(),
        &d(p.3.as_slice().unwrap(), q.3.as_slice().unwrap()),
        1e-7,
        "b2",
    );
}

#[differentiable(hessian)]
fn single_precision(x: &Array1<f32>) -> f32 {
    (x.powi(2) * x.sin()).sum()
}

#[test]
fn f32_second_order() {
    let x = Array1::from_vec(vec![0.5f32, -1.0, 2.0]);
    let h = single_precision_hessian(&x);
    for i in 0..3 {
        let xi = x[i] as f64;
        let want = 2.0 * xi.sin() + 4.0 * xi * xi.cos() - xi * xi * xi.sin();
        assert!((h[[i, i]] as f64 - want).abs() <= 1e-5 * want.abs().max(1.0));
        for j in 0..3 {
            if i != j {
                assert_eq!(h[[i, j]], 0.0);
            }
        }
    }
}
