//! Building values (SUBSET.md, "Ordinary Rust"): literals of differentiable scalars `[a, b, c]`,
//! `vec![a, b]`, `array![a, b]` and `array![[a, b], [c, d]]`. Each part's gradient is its element of the
//! literal's gradient. Every function against central differences and its closed form, in `f64` and
//! `f32`, and through `f_jvp`.

use autodiff::ndarray::{array, Array1};
use autodiff::prelude::*;
use autodiff::{check_grad, Real};

/// A fixed array of values and a constant, read back by element.
#[differentiable(jvp)]
fn fixed(x: &Array1<f64>) -> f64 {
    let v = [x[0] * 2.0, x[1].sin(), 3.0];
    v[0] + v[1] * v[2] + v[0] * v[1]
}

/// `array!` of values, used as an array.
#[differentiable(jvp)]
fn vector(x: &Array1<f64>) -> f64 {
    let v = array![x[0] * 2.0, x[1].sin()];
    v.dot(x) + v.mapv(|e| e * e).sum()
}

/// `vec!` of values.
#[allow(clippy::useless_vec)]
#[differentiable(argnums = (0, 1), jvp)]
fn vec_of(a: f64, b: f64) -> f64 {
    let v = vec![a * b, a + b];
    v[0] * v[1]
}

/// A rotation matrix from an angle, applied to a constant vector.
#[differentiable(jvp)]
fn rotation(t: f64) -> f64 {
    let (c, s) = (t.cos(), t.sin());
    let r = array![[c, -s], [s, c]];
    let p = r.dot(&array![1.0, 2.0]);
    p[0] * p[1]
}

/// A literal in a loop: one per iteration, its elements summed.
#[differentiable]
fn in_a_loop(x: &Array1<f64>) -> f64 {
    let mut total = 0.0;
    for i in 0..x.len() - 1 {
        let pair = [x[i], x[i + 1] * x[i]];
        total += pair[0] * pair[1] + pair[1];
    }
    total
}

/// Generic over the float type.
#[differentiable(jvp)]
fn generic<F: Real>(x: &Array1<F>) -> F {
    let m = array![[x[0], x[1]], [x[1] * x[0], F::one()]];
    let w = [x[0].exp(), x[1]];
    m.sum() * w[0] + w[1]
}

fn fd(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6;
    (f(x + h) - f(x - h)) / (2.0 * h)
}

fn close(got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 1e-12 * (1.0 + want.abs()),
        "{got} against {want}"
    );
}

#[test]
fn literals_against_closed_forms() {
    let x = array![0.3, -0.5];
    // 2x0 + 3 sin x1 + 2 x0 sin x1.
    let g = fixed_grad(&x);
    close(g[0], 2.0 + 2.0 * x[1].sin());
    close(g[1], 3.0 * x[1].cos() + 2.0 * x[0] * x[1].cos());
    // 2 x0^2 + x1 sin x1 + 4 x0^2 + sin^2 x1.
    let g = vector_grad(&x);
    close(g[0], 12.0 * x[0]);
    close(
        g[1],
        x[1].sin() + x[1] * x[1].cos() + 2.0 * x[1].sin() * x[1].cos(),
    );
    // (ab)(a + b).
    let (ga, gb) = vec_of_grad(0.3, 0.7);
    close(ga, 0.7 * 1.0 + 0.3 * 0.7);
    close(gb, 0.3 * 1.0 + 0.3 * 0.7);
    // (c - 2s)(s + 2c): derivative (c - 2s)^2 - (s + 2c)^2.
    let t = 0.4f64;
    let (c, s) = (t.cos(), t.sin());
    close(
        rotation_grad(t),
        (c - 2.0 * s).powi(2) - (s + 2.0 * c).powi(2),
    );
}

#[test]
fn literals_against_finite_differences_and_forward_mode() {
    let x = array![0.3, -0.5, 1.1, 0.7];
    check_grad(in_a_loop, in_a_loop_grad, &x).unwrap();
    let x2 = array![0.3, -0.5];
    check_grad(fixed, fixed_grad, &x2).unwrap();
    check_grad(vector, vector_grad, &x2).unwrap();
    check_grad(generic::<f64>, generic_grad::<f64>, &x2).unwrap();
    let g = rotation_grad(0.9);
    assert!((g - fd(rotation, 0.9)).abs() < 1e-7);
    // f_jvp along a direction is the gradient's dot product with it.
    let v = array![0.25, -1.5];
    let (value, t) = fixed_jvp(&x2, (v.clone(),));
    assert_eq!(value.to_bits(), fixed(&x2).to_bits());
    close(t, fixed_grad(&x2).dot(&v));
    close(vector_jvp(&x2, (v.clone(),)).1, vector_grad(&x2).dot(&v));
    close(generic_jvp(&x2, (v.clone(),)).1, generic_grad(&x2).dot(&v));
    close(rotation_jvp(0.9, (2.0,)).1, 2.0 * g);
    let (ga, gb) = vec_of_grad(0.3, 0.7);
    close(vec_of_jvp(0.3, 0.7, (1.0, -2.0)).1, ga - 2.0 * gb);
}

#[test]
fn single_precision() {
    let x = array![0.3f64, -0.5];
    let g64 = generic_grad(&x);
    let g32 = generic_grad(&x.mapv(|v| v as f32));
    for i in 0..2 {
        assert!((g32[i] as f64 - g64[i]).abs() < 1e-5 * (1.0 + g64[i].abs()));
    }
    assert_eq!(
        generic_value_and_grad(&x.mapv(|v| v as f32)).0.to_bits(),
        generic(&x.mapv(|v| v as f32)).to_bits()
    );
}
