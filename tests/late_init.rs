//! Late initialization (`let y; if c { y = a; } else { y = b; }`) and `if let` on constants, rewritten
//! before lowering: gradients against closed forms and central differences, in `f64` and `f32`.
#![deny(warnings)]
// Late initialization is the construct under test.
#![allow(clippy::needless_late_init)]

use autodiff::ndarray::{array, Array1};
use autodiff::prelude::*;

#[differentiable]
fn late_if(x: f64, c: bool) -> f64 {
    let y;
    if c {
        y = x * x;
    } else {
        y = x.sin();
    }
    y + 1.0
}

/// Typed, an `else if` chain, statements before and after the assignment in an arm.
#[differentiable]
fn late_chain(x: f64, k: usize) -> f64 {
    let y: f64;
    let t = x * 3.0;
    if k == 0 {
        let u = t + 1.0;
        y = u * u;
    } else if k == 1 {
        y = t.exp();
        let _unused = k + 1;
    } else {
        y = x;
    }
    y * 2.0
}

/// A `match` whose arms assign, one of them through a nested branch.
#[differentiable]
fn late_match(x: f64, k: usize, flip: bool) -> f64 {
    let y;
    match k {
        0 => y = x.tanh(),
        _ => {
            if flip {
                y = -x * x;
            } else {
                y = x * k as f64;
            }
        }
    }
    y
}

/// An arm that leaves early instead of assigning.
#[differentiable]
fn late_with_return(x: &Array1<f64>, scale: f64) -> f64 {
    let s;
    if scale > 0.0 {
        s = x.mapv(|v| v * v).sum() * scale;
    } else {
        return x.sum();
    }
    s.sqrt()
}

/// Late initialization inside a loop body.
#[differentiable]
fn late_in_loop(x: &Array1<f64>) -> f64 {
    let mut total = 0.0;
    for i in 0..x.len() {
        let w;
        if i % 2 == 0 {
            w = x[i] * x[i];
        } else {
            w = x[i].cos();
        }
        total += w;
    }
    total
}

#[differentiable]
fn late_f32(x: f32, c: bool) -> f32 {
    let y: f32;
    if c {
        y = x.exp();
    } else {
        y = x * x * x;
    }
    y
}

/// `if let Some(k)` on an `Option<usize>` parameter.
#[differentiable(constant = power)]
fn if_let_some(x: f64, power: Option<usize>) -> f64 {
    if let Some(k) = power {
        x.powi(k as i32)
    } else {
        x.exp()
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Penalty {
    None,
    L2(f64),
    Elastic { l1: f64, l2: f64 },
}

/// `if let` on a user's enum, with an `else if let` and a pattern that binds nothing.
#[differentiable(constant = penalty)]
fn penalized(w: &Array1<f64>, penalty: Penalty) -> f64 {
    let fit = (w - 1.0).mapv(|v| v * v).sum();
    let extra = if let Penalty::L2(lambda) = penalty {
        lambda * w.dot(w)
    } else if let Penalty::Elastic { l1, l2 } = penalty {
        l1 * w.abs().sum() + l2 * w.dot(w)
    } else if let Penalty::None = penalty {
        0.0
    } else {
        0.0
    };
    fit + extra
}

/// `if let` as a statement, in a loop, with late initialization in its arm.
#[differentiable(constant = skip)]
fn if_let_statement(x: &Array1<f64>, skip: Option<usize>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let v;
        if let Some(j) = skip {
            if i == j {
                v = 0.0;
            } else {
                v = x[i] * x[i];
            }
        } else {
            v = x[i] * x[i];
        }
        s += v;
    }
    s
}

#[differentiable(jvp, constant = power)]
fn if_let_jvp(x: f64, power: Option<i32>) -> f64 {
    let y;
    if let Some(p) = power {
        y = x.powi(p);
    } else {
        y = x.ln();
    }
    y
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
fn late_initialization_in_branches() {
    let x: f64 = 0.9;
    for c in [true, false] {
        let want = if c { 2.0 * x } else { x.cos() };
        close(late_if_grad(x, c), want, 1e-15);
        close(late_if_grad(x, c), fd(|x| late_if(x, c), x), 1e-8);
    }
    for (k, want) in [
        (0, 2.0 * 2.0 * (3.0 * x + 1.0) * 3.0),
        (1, 2.0 * 3.0 * (3.0 * x).exp()),
        (2, 2.0),
    ] {
        close(late_chain_grad(x, k), want, 1e-14);
        close(late_chain_grad(x, k), fd(|x| late_chain(x, k), x), 1e-8);
    }
    for (k, flip, want) in [
        (0, false, 1.0 - x.tanh().powi(2)),
        (3, true, -2.0 * x),
        (3, false, 3.0),
    ] {
        close(late_match_grad(x, k, flip), want, 1e-15);
        close(
            late_match_grad(x, k, flip),
            fd(|x| late_match(x, k, flip), x),
            1e-8,
        );
    }
}

#[test]
fn late_initialization_with_an_early_return_and_in_a_loop() {
    let x = array![0.5, -1.5, 2.0];
    // sqrt(scale * sum x^2): d/dx_i = scale x_i / value.
    let value = late_with_return(&x, 2.0);
    let g = late_with_return_grad(&x, 2.0);
    for i in 0..3 {
        close(g[i], 2.0 * x[i] / value, 1e-14);
    }
    check_grad(
        |x: &Array1<f64>| late_with_return(x, 2.0),
        |x| late_with_return_grad(x, 2.0),
        &x,
    )
    .unwrap();
    let g = late_with_return_grad(&x, -1.0);
    assert_eq!(g, array![1.0, 1.0, 1.0]);
    let g = late_in_loop_grad(&x);
    close(g[0], 1.0, 1e-15);
    close(g[1], 1.5f64.sin(), 1e-15);
    close(g[2], 4.0, 1e-15);
    check_grad(late_in_loop, late_in_loop_grad, &x).unwrap();
}

#[test]
fn late_initialization_in_f32() {
    let x = 0.4f32;
    assert!((late_f32_grad(x, true) - x.exp()).abs() < 1e-6);
    assert!((late_f32_grad(x, false) - 3.0 * x * x).abs() < 1e-6);
}

#[test]
fn if_let_on_an_option() {
    let x: f64 = 1.3;
    close(if_let_some_grad(x, Some(3)), 3.0 * x * x, 1e-15);
    close(if_let_some_grad(x, None), x.exp(), 1e-15);
    for p in [Some(0), Some(2), None] {
        close(if_let_some_grad(x, p), fd(|x| if_let_some(x, p), x), 1e-8);
    }
    let v = array![0.3, -0.7, 1.2, 2.0];
    let g = if_let_statement_grad(&v, Some(1));
    assert_eq!(g, array![0.6, 0.0, 2.4, 4.0]);
    check_grad(
        |v: &Array1<f64>| if_let_statement(v, None),
        |v| if_let_statement_grad(v, None),
        &v,
    )
    .unwrap();
}

#[test]
fn if_let_on_a_users_enum() {
    let w = array![0.5, -2.0, 1.5];
    for p in [
        Penalty::None,
        Penalty::L2(0.3),
        Penalty::Elastic { l1: 0.1, l2: 0.2 },
    ] {
        let g = penalized_grad(&w, p);
        let want = w.mapv(|v| 2.0 * (v - 1.0))
            + match p {
                Penalty::None => w.mapv(|_| 0.0),
                Penalty::L2(l) => 2.0 * l * &w,
                Penalty::Elastic { l1, l2 } => w.mapv(|v| l1 * v.signum() + 2.0 * l2 * v),
            };
        for i in 0..3 {
            close(g[i], want[i], 1e-14);
        }
        check_grad(
            |w: &Array1<f64>| penalized(w, p),
            |w| penalized_grad(w, p),
            &w,
        )
        .unwrap();
    }
}

#[test]
fn if_let_forward_mode() {
    let x: f64 = 0.8;
    for (p, want) in [(Some(3), 3.0 * x * x), (None, 1.0 / x)] {
        let (value, t) = if_let_jvp_jvp(x, p, (0.5,));
        assert_eq!(value, if_let_jvp(x, p));
        close(t, 0.5 * want, 1e-15);
    }
}
