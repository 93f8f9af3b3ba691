//! `match` on constants, taken apart into `if` chains before lowering: every arm's gradient against its
//! closed form and central differences, in `f64` and `f32`.
#![deny(warnings)]
#![allow(clippy::let_and_return)]

use autodiff::ndarray::{array, Array1};
use autodiff::prelude::*;

/// Literals, `|`, a guarded binding, a range and `_`.
#[differentiable]
fn piecewise(x: f64, k: usize) -> f64 {
    match k {
        0 => x.sin(),
        1 | 2 => x * x,
        n if n > 9 => x * n as f64,
        3..=5 => x.exp(),
        _ => x,
    }
}

/// A `match` as a value inside a loop, on the index (a negative literal and a binding in the last arm).
#[differentiable]
fn weighted_sum(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let w = match i as i64 % 3 - 1 {
            -1 => 2.0,
            0 => x[i],
            r => r as f64 * 0.5,
        };
        s += w * x[i];
    }
    s
}

/// On a `bool` and on a `char`, with arms that are blocks.
#[differentiable]
fn flags(x: f64, on: bool, c: char) -> f64 {
    let a = match on {
        true => {
            let t = x * 3.0;
            t.tanh()
        }
        false => x,
    };
    let b = match c {
        'a'..='m' => a * a,
        _ => a + 1.0,
    };
    b
}

#[differentiable]
fn piecewise_f32(x: f32, k: usize) -> f32 {
    match k {
        0 => x.sin(),
        n => x.powi(n as i32),
    }
}

fn fd(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6;
    (f(x + h) - f(x - h)) / (2.0 * h)
}

#[track_caller]
fn close(got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol * want.abs().max(1.0),
        "{got} != {want}"
    );
}

#[test]
fn every_arm_of_a_match_on_an_integer() {
    let x: f64 = 0.7;
    let want = [
        (0, x.cos()),
        (1, 2.0 * x),
        (2, 2.0 * x),
        (3, x.exp()),
        (5, x.exp()),
        (6, 1.0),
        (9, 1.0),
        (10, 10.0),
        (12, 12.0),
    ];
    for (k, d) in want {
        let (v, g) = piecewise_value_and_grad(x, k);
        assert_eq!(v.to_bits(), piecewise(x, k).to_bits(), "k = {k}");
        close(g, d, 1e-15);
        close(g, fd(|x| piecewise(x, k), x), 1e-8);
    }
}

#[test]
fn a_match_in_a_loop() {
    let x = array![0.3, -1.2, 2.0, 0.5, -0.4];
    let g = weighted_sum_grad(&x);
    // i % 3 - 1: -1 -> 2 x_i, 0 -> x_i^2 (gradient 2 x_i), 1 -> 0.5 x_i.
    let want = array![2.0, 2.0 * -1.2, 0.5, 2.0, 2.0 * -0.4];
    for i in 0..5 {
        close(g[i], want[i], 1e-15);
    }
    check_grad(weighted_sum, weighted_sum_grad, &x).unwrap();
}

#[test]
fn matches_on_bool_and_char() {
    let x: f64 = 0.4;
    for (on, c) in [(true, 'b'), (true, 'z'), (false, 'c'), (false, 'x')] {
        let g = flags_grad(x, on, c);
        close(g, fd(|x| flags(x, on, c), x), 1e-8);
        let a = if on { (3.0 * x).tanh() } else { x };
        let da = if on { 3.0 * (1.0 - a * a) } else { 1.0 };
        let want = if c <= 'm' { 2.0 * a * da } else { da };
        close(g, want, 1e-14);
    }
}

#[test]
fn a_match_in_f32() {
    let x = 0.6f32;
    assert!((piecewise_f32_grad(x, 0) - x.cos()).abs() < 1e-6);
    assert!((piecewise_f32_grad(x, 3) - 3.0 * x * x).abs() < 1e-6);
}

// ---------------------------------------------------------------------------------------------------------
// `Option` parameters are constants, and `match` arms that take fields out of a constant variant
// (`Some(c)`, `Loss::Huber { delta }`, `Loss::Scaled(w, n)`) bind them as the pattern does (by value
// from an owned scrutinee, by reference through a reference).

pub enum Objective {
    Squared,
    Huber { delta: f64 },
    Scaled(f64, usize),
}

#[differentiable(constant = objective)]
fn with_options(
    x: &Array1<f64>,
    clip: Option<f64>,
    repeat: Option<usize>,
    objective: &Objective,
) -> f64 {
    let s = x.sum();
    let s = match clip {
        Some(c) => s.min(c),
        None => s,
    };
    let l = match objective {
        Objective::Squared => s * s,
        Objective::Huber { delta } => {
            if s.abs() < *delta {
                s * s
            } else {
                *delta * s.abs()
            }
        }
        Objective::Scaled(w, n) => s * *w * *n as f64,
    };
    if let Some(n) = repeat {
        l * n as f64
    } else {
        l
    }
}

#[test]
fn options_and_variants_with_fields() {
    let x = array![0.3, -0.5, 1.2];
    let s = x.sum();
    let g = |clip, repeat, o: &Objective| with_options_grad(&x, clip, repeat, o);
    // Clipped below the sum: no gradient.
    assert_eq!(g(Some(0.5), Some(3), &Objective::Squared), Array1::zeros(3));
    // Not clipped: 2 s, times 3.
    for v in g(Some(5.0), Some(3), &Objective::Squared) {
        close(v, 3.0 * 2.0 * s, 1e-12);
    }
    for v in g(None, None, &Objective::Huber { delta: 0.5 }) {
        close(v, 0.5, 1e-12);
    }
    for v in g(None, None, &Objective::Huber { delta: 5.0 }) {
        close(v, 2.0 * s, 1e-12);
    }
    for v in g(None, Some(2), &Objective::Scaled(2.0, 3)) {
        close(v, 2.0 * 6.0, 1e-12);
    }
    autodiff::check_grad(
        |x: &Array1<f64>| with_options(x, None, Some(2), &Objective::Huber { delta: 5.0 }),
        |x| with_options_grad(x, None, Some(2), &Objective::Huber { delta: 5.0 }),
        &x,
    )
    .unwrap();
}

/// Guards that read the fields their variant binds (and differentiable values), through a reference.
#[differentiable(constant = objective)]
fn guarded_fields(x: &Array1<f64>, objective: &Objective) -> f64 {
    let s = x.sum();
    match objective {
        Objective::Huber { delta } if s.abs() < *delta => s * s,
        Objective::Huber { delta } => *delta * s.abs(),
        Objective::Scaled(w, n) if *n > 1 => s * *w * *n as f64,
        Objective::Scaled(w, _) => s.sin() * *w,
        Objective::Squared => s * s * s,
    }
}

#[test]
fn guards_read_the_fields_of_their_variant() {
    let x = array![0.3, -0.5, 1.2];
    let s = x.sum();
    let g = |o: &Objective| guarded_fields_grad(&x, o);
    for (o, want) in [
        (Objective::Huber { delta: 5.0 }, 2.0 * s),
        (Objective::Huber { delta: 0.5 }, 0.5),
        (Objective::Scaled(2.0, 3), 6.0),
        (Objective::Scaled(2.0, 1), 2.0 * s.cos()),
        (Objective::Squared, 3.0 * s * s),
    ] {
        for v in g(&o) {
            close(v, want, 1e-12);
        }
        assert_eq!(
            guarded_fields_value_and_grad(&x, &o).0,
            guarded_fields(&x, &o)
        );
        autodiff::check_grad(
            |x: &Array1<f64>| guarded_fields(x, &o),
            |x| guarded_fields_grad(x, &o),
            &x,
        )
        .unwrap();
    }
}
