//! Building values (SUBSET.md, "Ordinary Rust"): literals of differentiable scalars `[a, b, c]`,
//! `vec![a, b]`, `array![a, b]` and `array![[a, b], [c, d]]` (each part's gradient is its element of the
//! literal's gradient); `Vec::new()` with `push` (a buffer of the final length written element by
//! element); `collect` of an iterator chain; `ndarray`'s `fold`. Every function against central
//! differences and its closed form, in `f64` and `f32`, and through `f_jvp`.

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

/// Pushes in a loop whose bound is computed after the `Vec`, read back after it.
#[allow(clippy::needless_range_loop)]
#[differentiable(jvp)]
fn pushed(x: &Array1<f64>) -> f64 {
    let mut v = Vec::new();
    let n = x.len();
    for i in 0..n {
        v.push(x[i] * x[i]);
    }
    let mut acc = 0.0;
    for i in 0..v.len() {
        acc += v[i] * (i as f64 + 1.0);
    }
    acc
}

/// A push on its own, then pushes that read the last element back (`v.len()` while pushing).
#[differentiable(argnums = (0, 1), jvp)]
fn recurrence(a: f64, b: f64) -> f64 {
    let mut v: Vec<f64> = Vec::with_capacity(5);
    v.push(b);
    for _ in 1..5 {
        v.push(v[v.len() - 1] * a + 1.0);
    }
    v.iter().sum()
}

/// A push per item of an iterator loop, into `vec![]`.
#[differentiable]
fn pushed_from_iterator(x: &Array1<f64>) -> f64 {
    let mut out = vec![];
    for (i, v) in x.iter().enumerate() {
        out.push(v.sin() * i as f64);
    }
    out[2] + out[1] * out[2]
}

/// Pushes in a generic function.
#[differentiable]
fn pushed_generic<F: Real>(x: &Array1<F>) -> F {
    let mut v = Vec::new();
    for i in 0..x.len() {
        v.push(x[i].exp());
    }
    v[0] * v[x.len() - 1]
}

/// `collect` into a `Vec` (typed by the `let`, or by a turbofish) and into an `Array1`.
#[differentiable(jvp)]
fn collected(x: &Array1<f64>) -> f64 {
    let v: Vec<f64> = x.iter().map(|v| v * 2.0).collect();
    let w = x.iter().rev().map(|v| v.sin()).collect::<Vec<f64>>();
    let a: Array1<f64> = x.iter().map(|&v| v * v).collect();
    v[1] * w[0] + a.sum()
}

/// `ndarray`'s `fold`: a maximum, and a sum of squares.
#[differentiable]
fn folded(x: &Array1<f64>) -> f64 {
    x.fold(f64::NEG_INFINITY, |a, &b| a.max(b)) + x.fold(0.0, |a, b| a + b * b)
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

#[test]
fn pushes_against_closed_forms() {
    let x = array![0.3, -0.5, 1.2];
    // sum_i (i + 1) x_i^2.
    let g = pushed_grad(&x);
    for i in 0..3 {
        close(g[i], 2.0 * (i as f64 + 1.0) * x[i]);
    }
    // v_k = a v_{k-1} + 1 from v_0 = b: the sum is b S + 4 + 3a + 2a^2 + a^3, S = 1 + a + .. + a^4.
    let (a, b) = (0.5, 2.0);
    let (ga, gb) = recurrence_grad(a, b);
    close(gb, 1.0 + a + a * a + a.powi(3) + a.powi(4));
    close(
        ga,
        b * (1.0 + 2.0 * a + 3.0 * a * a + 4.0 * a.powi(3)) + 3.0 + 4.0 * a + 3.0 * a * a,
    );
    // 2 sin x2 + 2 sin x1 sin x2.
    let g = pushed_from_iterator_grad(&x);
    close(g[0], 0.0);
    close(g[1], 2.0 * x[1].cos() * x[2].sin());
    close(g[2], 2.0 * x[2].cos() + 2.0 * x[1].sin() * x[2].cos());
    // exp(x0 + x_last).
    let g = pushed_generic_grad(&x);
    let e = (x[0] + x[2]).exp();
    close(g[0], e);
    close(g[1], 0.0);
    close(g[2], e);
    let g32 = pushed_generic_grad(&x.mapv(|v| v as f32));
    assert!((g32[2] as f64 - e).abs() < 1e-5 * e);
    check_grad(pushed, pushed_grad, &x).unwrap();
    check_grad(pushed_from_iterator, pushed_from_iterator_grad, &x).unwrap();
    let v = array![1.0, -0.5, 0.25];
    close(pushed_jvp(&x, (v.clone(),)).1, pushed_grad(&x).dot(&v));
    close(recurrence_jvp(a, b, (1.0, 0.0)).1, ga);
}

#[test]
fn collect_and_fold() {
    let x = array![0.3, -0.5, 1.2];
    // 2 x1 sin x2 + sum x^2.
    let g = collected_grad(&x);
    close(g[0], 2.0 * x[0]);
    close(g[1], 2.0 * x[2].sin() + 2.0 * x[1]);
    close(g[2], 2.0 * x[1] * x[2].cos() + 2.0 * x[2]);
    check_grad(collected, collected_grad, &x).unwrap();
    let v = array![0.5, 1.0, -1.0];
    close(collected_jvp(&x, (v.clone(),)).1, g.dot(&v));
    // max is x2; plus sum x^2.
    let g = folded_grad(&x);
    close(g[0], 2.0 * x[0]);
    close(g[1], 2.0 * x[1]);
    close(g[2], 1.0 + 2.0 * x[2]);
    check_grad(folded, folded_grad, &x).unwrap();
}

/// `[v; n]` and `vec![v; n]` of a value (`n` an integer literal), and `Array1::from_elem`: the value in each
/// place, its gradient the sum of theirs.
#[allow(clippy::useless_vec)]
#[differentiable(jvp)]
fn repeated(x: f64) -> f64 {
    let a = [x * 2.0; 3];
    let v = vec![x.sin(); 2];
    let w = Array1::from_elem(4, x * x);
    a[0] * a[2] + v[1] * a.iter().sum::<f64>() + w.sum() * v[0]
}

#[differentiable]
fn repeated_f32(x: f32) -> f32 {
    let a = [x.exp(); 5];
    a.iter().sum::<f32>() * a[1]
}

#[test]
fn repeated_literals_against_closed_forms_and_differences() {
    for x in [0.7f64, -1.3, 2.2] {
        // 4x^2 + 6x sin x + 4x^2 sin x.
        let want =
            8.0 * x + 6.0 * x.sin() + 6.0 * x * x.cos() + 8.0 * x * x.sin() + 4.0 * x * x * x.cos();
        close(repeated_grad(x), want);
        let f = fd(repeated, x);
        assert!((repeated_grad(x) - f).abs() <= 1e-6 * (1.0 + f.abs()));
        let (value, tangent) = repeated_jvp(x, (1.0,));
        close(value, repeated(x));
        close(tangent, want);
        // 5 e^{2x}: derivative 10 e^{2x}.
        let g = repeated_f32_grad(x as f32);
        let w = 10.0 * (2.0 * x).exp();
        assert!(((g as f64) - w).abs() <= 1e-5 * w, "{g} against {w}");
    }
}

/// Pushes under a condition: the loop runs once before (changing nothing else) to count them.
#[differentiable(jvp)]
fn clipped(x: &Array1<f64>) -> f64 {
    let mut big = Vec::new();
    for i in 0..x.len() {
        let t = x[i] * x[i];
        if t > 0.5 {
            big.push(t * x[i]);
        } else if big.is_empty() {
            big.push(-t);
        }
    }
    let mut s = 0.0;
    for (k, v) in big.iter().enumerate() {
        s += v * (k as f64 + 1.0);
    }
    s
}

/// A push on its own, then pushes after a `continue`, from an iterator loop.
#[differentiable]
fn kept_after_continue<F: Real>(x: &Array1<F>) -> F {
    let mut out = vec![];
    out.push(x[0]);
    for v in x.iter() {
        if *v < F::zero() {
            continue;
        }
        out.push(v.exp());
    }
    let mut s = F::zero();
    for k in 0..out.len() {
        s += out[k] * out[0];
    }
    s
}

/// `while` pushing until a length (`v.len()` as the counter in the replay too).
#[differentiable(argnums = (0, 1))]
fn powers(a: f64, b: f64) -> f64 {
    let mut v = Vec::new();
    while v.len() < 4 {
        v.push(a.powi(v.len() as i32) * b);
    }
    v[3] + v[1]
}

#[test]
fn pushes_under_conditions_against_closed_forms() {
    let x = array![0.3, -0.9, 1.2, 0.1];
    // t = x^2: 0.09 (big empty: pushes -t), 0.81 (t x), 1.44 (t x), 0.01 (len 3: nothing).
    let (v, g) = clipped_value_and_grad(&x);
    assert_eq!(v, clipped(&x));
    close(v, -0.09 + 2.0 * (-0.9f64).powi(3) + 3.0 * 1.2f64.powi(3));
    let want = [-2.0 * 0.3, 2.0 * 3.0 * 0.81, 3.0 * 3.0 * 1.44, 0.0];
    for i in 0..4 {
        close(g[i], want[i]);
    }
    check_grad(clipped, clipped_grad, &x).unwrap();
    let dir = array![1.0, -0.5, 0.25, 2.0];
    close(clipped_jvp(&x, (dir.clone(),)).1, g.dot(&dir));

    // out = [x0, exp(x0) if x0 >= 0, exp(x2), exp(x3)]; s = x0 * sum(out).
    let (v, g) = kept_after_continue_value_and_grad(&x);
    assert_eq!(v, kept_after_continue(&x));
    let (e0, e2, e3) = (x[0].exp(), x[2].exp(), x[3].exp());
    let sum = x[0] + e0 + e2 + e3;
    close(g[0], sum + x[0] * (1.0 + e0));
    close(g[1], 0.0);
    close(g[2], x[0] * e2);
    close(g[3], x[0] * e3);
    check_grad(kept_after_continue, kept_after_continue_grad, &x).unwrap();
    let g32 = kept_after_continue_grad(&x.mapv(|v| v as f32));
    assert!((g32[2] as f64 - x[0] * e2).abs() < 1e-5);

    // v_k = a^k b: a^3 b + a b.
    let (a, b) = (0.7, 1.3);
    let (ga, gb) = powers_grad(a, b);
    close(ga, 3.0 * a * a * b + b);
    close(gb, a.powi(3) + a);
}
