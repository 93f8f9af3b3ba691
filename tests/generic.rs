//! Functions generic over their float type (`F: Real`, API.md "Generic functions"): every generated item
//! carries the function's generics and `where` clause, and `f_grad::<f32>` and `f_grad::<f64>` both work.
//! Each function is checked at `f64` against central differences (and closed forms where they exist),
//! and at `f32` against the `f64` gradient within single precision; `value_and_grad`'s value is `f`'s,
//! bit for bit, at both types.

use autodiff::ndarray::{s, Array, Array1, Array2, Axis, Dimension, Ix2};
use autodiff::prelude::*;
use autodiff::{check_grad, Real};

/// Rosenbrock with slices; constants written as `F::from(..)` (a fused kernel over two slices of `x`).
#[differentiable(jvp, hessian)]
pub fn rosen<F: Real>(x: &Array1<F>) -> F {
    let hundred = F::from(100.0).unwrap();
    let a = x.slice(s![..-1]);
    let b = x.slice(s![1..]);
    ((&b - &a * &a).powi(2) * hundred + (&a - F::one()).powi(2)).sum()
}

/// The same function as an index loop with a carried sum.
#[differentiable(jvp)]
pub fn rosen_loop<F: Real>(x: &Array1<F>) -> F {
    let mut s = F::zero();
    for i in 0..x.len() - 1 {
        let t = x[i + 1] - x[i] * x[i];
        s += F::from(100.0).unwrap() * t * t + (F::one() - x[i]).powi(2);
    }
    s
}

/// Scalars only: a `while` loop, `max`, `atan2`, `powf`.
#[differentiable(argnums = (0, 1))]
pub fn scalars<F: Real>(a: F, b: F) -> F {
    let mut y = a;
    let mut k = 0;
    while k < 3 {
        y = y * b + a.sin();
        k += 1;
    }
    y.max(b) + a.atan2(b) + a.powf(b)
}

/// A generic callee, called with an array and a scalar.
#[differentiable(argnums = (0, 1), jvp)]
pub fn helper<F: Real>(x: &Array1<F>, s: F) -> F {
    (x * s).sum() + s * s
}

/// Iterator loops over the elements, a branch on the index, a sum of a map, and a call.
#[differentiable(argnums = (0, 1), jvp)]
pub fn iters<F: Real>(x: &Array1<F>, s: F) -> F {
    let mut acc = F::zero();
    for v in x.iter() {
        acc += *v * s;
    }
    for (i, v) in x.iter().enumerate() {
        if i % 2 == 0 {
            acc += v.sin();
        }
    }
    let total: F = x.iter().map(|v| *v * *v).sum();
    acc + helper(x, s) + total
}

/// A layer: `dot`, a broadcast bias, `tanh`, a `mapv` closure with a branch, an axis sum, a call, and a
/// branch on a value; the bound in a `where` clause.
#[differentiable(argnums = (0, 1), jvp)]
pub fn layer<F>(w: &Array2<F>, b: &Array1<F>, x: &Array2<F>) -> F
where
    F: Real,
{
    let h = (x.dot(w) + b).tanh();
    let m = h.mapv(|v| if v > F::zero() { v * v } else { -v });
    let c = rosen(&m.sum_axis(Axis(0)));
    if c > F::one() {
        c.ln() + m.mean().unwrap()
    } else {
        c * F::from_f64(2.0).unwrap()
    }
}

/// A generic struct of parameters.
#[derive(Clone, Debug, Differentiable)]
pub struct Params<F: Real> {
    pub w: Array1<F>,
    pub b: F,
}

#[differentiable]
pub fn with_params<F: Real>(p: &Params<F>, x: &Array1<F>) -> F {
    ((x * &p.w).mapv(|v| v.tanh()) + p.b).sum()
}

/// Generic over the dimension too.
#[differentiable]
pub fn any_dim<F: Real, D: Dimension>(x: &Array<F, D>) -> F {
    (x * x).sum() + x.mapv(|v| v.exp()).mean().unwrap()
}

/// An array output: its pullback.
#[differentiable(vjp)]
pub fn vec_out<F: Real>(x: &Array1<F>) -> Array1<F> {
    x.mapv(|v| v.sin()) * F::from(3.0).unwrap()
}

/// An array output with its Jacobian (`vjp` and `jvp`: forward columns where the input is smaller).
#[differentiable(vjp, jvp)]
pub fn layer_out<F: Real>(x: &Array1<F>, w: &Array2<F>) -> Array1<F> {
    w.dot(x).mapv(|v| v.tanh())
}

/// `has_aux`, generic.
#[differentiable(argnums = (0, 1), has_aux)]
pub fn with_aux<F: Real>(x: &Array1<F>, s: F) -> (F, Array1<F>) {
    let y = x * s;
    (y.sum(), y)
}

fn x0() -> Array1<f64> {
    Array1::from_vec(vec![0.3, -0.7, 1.1, 0.4, -1.3])
}

fn to32<D: Dimension>(a: &Array<f64, D>) -> Array<f32, D> {
    a.mapv(|v| v as f32)
}

fn fd(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6;
    (f(x + h) - f(x - h)) / (2.0 * h)
}

/// `got` (single precision) against `want` (double), relative to the size of `want`.
fn close32(got: f32, want: f64, what: &str) {
    let tol = 1e-4 * (1.0 + want.abs());
    assert!(
        (got as f64 - want).abs() <= tol,
        "{what}: f32 {got} against f64 {want}"
    );
}

/// Rosenbrock's gradient in closed form.
fn rosen_closed(x: &Array1<f64>) -> Array1<f64> {
    let n = x.len();
    Array1::from_shape_fn(n, |i| {
        let mut g = 0.0;
        if i + 1 < n {
            g += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
        }
        if i > 0 {
            g += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
        }
        g
    })
}

#[test]
fn rosenbrock_at_both_precisions_matches_the_closed_form() {
    let x = x0();
    let want = rosen_closed(&x);
    for (name, g) in [("slices", rosen_grad(&x)), ("loop", rosen_loop_grad(&x))] {
        for i in 0..x.len() {
            assert!(
                (g[i] - want[i]).abs() <= 1e-12 * (1.0 + want[i].abs()),
                "{name} [{i}]: {} against {}",
                g[i],
                want[i]
            );
        }
    }
    let x32 = to32(&x);
    for (name, g) in [
        ("slices", rosen_grad::<f32>(&x32)),
        ("loop", rosen_loop_grad::<f32>(&x32)),
    ] {
        for i in 0..x.len() {
            close32(g[i], want[i], &format!("{name} [{i}]"));
        }
    }
    // The value of value_and_grad is f's, at both types.
    assert_eq!(rosen_value_and_grad(&x).0.to_bits(), rosen(&x).to_bits());
    assert_eq!(
        rosen_value_and_grad(&x32).0.to_bits(),
        rosen(&x32).to_bits()
    );
    assert_eq!(
        rosen_loop_value_and_grad(&x32).0.to_bits(),
        rosen_loop(&x32).to_bits()
    );
}

#[test]
fn forward_mode_and_the_hessian_are_generic_too() {
    let x = x0();
    let v = Array1::from_shape_fn(x.len(), |i| (i as f64 * 0.9).cos());
    let g = rosen_grad(&x);
    let (value, tangent) = rosen_jvp(&x, (v.clone(),));
    assert_eq!(value.to_bits(), rosen(&x).to_bits());
    assert!((tangent - g.dot(&v)).abs() < 1e-10 * (1.0 + tangent.abs()));
    let (_, tangent_loop) = rosen_loop_jvp(&x, (v.clone(),));
    assert!((tangent_loop - g.dot(&v)).abs() < 1e-10 * (1.0 + tangent.abs()));
    let (_, t32) = rosen_jvp(&to32(&x), (to32(&v),));
    close32(t32, g.dot(&v), "jvp f32");
    // Rosenbrock's Hessian is tridiagonal and known.
    let h = rosen_hessian(&x);
    let n = x.len();
    for i in 0..n {
        for j in 0..n {
            let mut want = 0.0;
            if i == j {
                if i + 1 < n {
                    want += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
                }
                if i > 0 {
                    want += 200.0;
                }
            } else if j == i + 1 || i == j + 1 {
                want = -400.0 * x[i.min(j)];
            }
            assert!(
                (h[[i, j]] - want).abs() <= 1e-10 * (1.0 + want.abs()),
                "H[{i},{j}] = {} against {want}",
                h[[i, j]]
            );
        }
    }
    let h32 = rosen_hessian(&to32(&x));
    for ((i, j), &w) in h.indexed_iter() {
        close32(h32[[i, j]], w, &format!("H32[{i},{j}]"));
    }
    let hv = rosen_hvp(&x, v.clone());
    let hv_want = h.dot(&v);
    for i in 0..n {
        assert!((hv[i] - hv_want[i]).abs() <= 1e-10 * (1.0 + hv_want[i].abs()));
    }
}

#[test]
fn scalar_loops_calls_and_iterators_against_finite_differences() {
    let (ga, gb) = scalars_grad(0.4f64, 1.3);
    assert!((ga - fd(|a| scalars(a, 1.3), 0.4)).abs() < 1e-6);
    assert!((gb - fd(|b| scalars(0.4, b), 1.3)).abs() < 1e-6);
    let (ga32, gb32) = scalars_grad(0.4f32, 1.3f32);
    close32(ga32, ga, "scalars a");
    close32(gb32, gb, "scalars b");

    let x = x0();
    let (gx, gs) = iters_grad(&x, 0.7);
    assert!((gs - fd(|e| iters(&x, e), 0.7)).abs() < 1e-6);
    check_grad(
        |x: &Array1<f64>| iters(x, 0.7),
        |x| iters_grad(x, 0.7).0,
        &x,
    )
    .unwrap();
    let (gx32, gs32) = iters_grad(&to32(&x), 0.7f32);
    close32(gs32, gs, "iters s");
    for i in 0..x.len() {
        close32(gx32[i], gx[i], "iters x");
    }
    let (value, tangent) = iters_jvp(&x, 0.7, (Array1::ones(x.len()), 1.0));
    assert_eq!(value.to_bits(), iters(&x, 0.7).to_bits());
    assert!((tangent - (gx.sum() + gs)).abs() < 1e-10 * (1.0 + tangent.abs()));
}

#[test]
fn a_layer_a_struct_and_any_dimension() {
    let w = Array2::from_shape_fn((3, 5), |(i, j)| ((i * 5 + j) as f64 * 0.3).sin());
    let b = Array1::from_vec(vec![0.1, -0.2, 0.3, 0.05, 0.0]);
    let xm = Array2::from_shape_fn((4, 3), |(i, j)| ((i * 3 + j) as f64 * 0.7).cos());
    let (gw, gb) = layer_grad(&w, &b, &xm);
    check_grad(
        |w: &Array2<f64>| layer(w, &b, &xm),
        |w| layer_grad(w, &b, &xm).0,
        &w,
    )
    .unwrap();
    check_grad(
        |b: &Array1<f64>| layer(&w, b, &xm),
        |b| layer_grad(&w, b, &xm).1,
        &b,
    )
    .unwrap();
    let (gw32, gb32) = layer_grad(&to32(&w), &to32(&b), &to32(&xm));
    for ((i, j), &g) in gw.indexed_iter() {
        close32(gw32[[i, j]], g, "layer w");
    }
    for (i, &g) in gb.iter().enumerate() {
        close32(gb32[i], g, "layer b");
    }

    let x = x0();
    let p = Params {
        w: x.mapv(|v| v * 0.5),
        b: 0.2,
    };
    let gp = with_params_grad(&p, &x);
    let fb = fd(
        |e| {
            let q = Params { b: e, ..p.clone() };
            with_params(&q, &x)
        },
        0.2,
    );
    assert!((gp.b - fb).abs() < 1e-6);
    // d/dw_i of tanh(x_i w_i) is x_i (1 - tanh^2).
    for i in 0..x.len() {
        let t = (x[i] * p.w[i]).tanh();
        assert!((gp.w[i] - x[i] * (1.0 - t * t)).abs() < 1e-12);
    }
    let p32 = Params {
        w: to32(&p.w),
        b: 0.2f32,
    };
    let gp32 = with_params_grad(&p32, &to32(&x));
    close32(gp32.b, gp.b, "params b");

    let m = Array2::from_shape_fn((2, 3), |(i, j)| (i as f64 - j as f64) * 0.4);
    let gm = any_dim_grad(&m);
    let n = m.len() as f64;
    for ((i, j), &g) in gm.indexed_iter() {
        let v = m[[i, j]];
        assert!((g - (2.0 * v + v.exp() / n)).abs() < 1e-12);
    }
    let g1 = any_dim_grad::<f32, _>(&to32(&x));
    close32(
        g1[2],
        2.0 * x[2] + x[2].exp() / x.len() as f64,
        "any_dim f32",
    );
    let _: Array<f64, Ix2> = gm;
}

#[test]
fn the_pullback_of_an_array_output() {
    let x = x0();
    let (y, pullback) = vec_out_vjp(&x);
    let seed = Array1::from_shape_fn(x.len(), |i| i as f64 - 1.0);
    let (g,) = pullback(seed.clone());
    for i in 0..x.len() {
        assert_eq!(y[i].to_bits(), vec_out(&x)[i].to_bits());
        assert!((g[i] - 3.0 * x[i].cos() * seed[i]).abs() < 1e-12);
    }
    let x32 = to32(&x);
    let (_, pullback32) = vec_out_vjp(&x32);
    let (g32,) = pullback32(to32(&seed));
    close32(g32[1], g[1], "vjp f32");
}

#[test]
fn jacobians_and_auxiliary_outputs() {
    let x = Array1::from_vec(vec![0.3, -0.2]);
    let w = Array2::from_shape_fn((3, 2), |(i, j)| (i + 2 * j) as f64 * 0.3 - 0.4);
    let y = layer_out(&x, &w);
    // d tanh(W x) / dx = diag(1 - y^2) W.
    let want = Array2::from_shape_fn((3, 2), |(i, j)| (1.0 - y[i] * y[i]) * w[[i, j]]);
    let jx = layer_out_jacobian(&x, &w);
    for ((i, j), &v) in want.indexed_iter() {
        assert!(
            (jx[[i, j]] - v).abs() < 1e-12,
            "J[{i},{j}] = {} against {v}",
            jx[[i, j]]
        );
    }
    let jx32 = layer_out_jacobian(&to32(&x), &to32(&w));
    for ((i, j), &v) in want.indexed_iter() {
        close32(jx32[[i, j]], v, "jacobian f32");
    }

    let x = x0();
    let ((gx, gs), aux) = with_aux_grad(&to32(&x), 2.0f32);
    assert!(gx.iter().all(|&g| g == 2.0));
    close32(gs, x.sum(), "aux s");
    assert_eq!(aux, to32(&x) * 2.0f32);
}
