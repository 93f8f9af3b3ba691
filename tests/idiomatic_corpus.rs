//! Issue 11: an adversarial corpus of idiomatic functions that mix the constructs of the subset
//! (iterators inside `match` arms, closures in loops, late initialization from a `match` on a constant
//! enum, `if let`, early returns, element writes, ndarray statistics, structs, f32; and the values built
//! in a function: literals, `push`, `collect`, `filter`, rows, tuples, struct literals). Every gradient is
//! checked against central differences (`check_grad`), and many against a closed form derived by hand.
//! Each `#[test]` groups a theme; a failure names the function.
#![deny(warnings)]
// The functions are written as users write them: index loops, `&Vec<f64>` parameters, a `let` before
// the value it returns.
#![allow(
    clippy::needless_range_loop,
    clippy::ptr_arg,
    clippy::let_and_return,
    clippy::useless_vec
)]

use autodiff::ndarray::{array, s, Array1, Array2, Axis};
use autodiff::nn;
use autodiff::prelude::*;
use autodiff::GradCheckError;

// ---------------------------------------------------------------------------------------------------
// Helpers.

#[track_caller]
fn ok(r: Result<(), GradCheckError>, what: &str) {
    if let Err(e) = r {
        panic!("{what}: {e}");
    }
}

/// `check_grad` for a function of one scalar.
#[track_caller]
fn fd_scalar(f: impl Fn(f64) -> f64, g: impl Fn(f64) -> f64, x: f64, what: &str) {
    ok(check_grad(|x: &f64| f(*x), |x: &f64| g(*x), &x), what);
}

/// `check_grad` for a function of one `f32`.
#[track_caller]
fn fd_scalar32(f: impl Fn(f32) -> f32, g: impl Fn(f32) -> f32, x: f32, what: &str) {
    ok(check_grad(|x: &f32| f(*x), |x: &f32| g(*x), &x), what);
}

/// `check_grad` for a function of one `Array1<f64>`.
#[track_caller]
fn fd_arr(
    f: impl Fn(&Array1<f64>) -> f64,
    g: impl Fn(&Array1<f64>) -> Array1<f64>,
    x: &Array1<f64>,
    what: &str,
) {
    ok(check_grad(f, g, x), what);
}

/// `check_grad` for a function of one `Array2<f64>`.
#[track_caller]
fn fd_mat(
    f: impl Fn(&Array2<f64>) -> f64,
    g: impl Fn(&Array2<f64>) -> Array2<f64>,
    x: &Array2<f64>,
    what: &str,
) {
    ok(check_grad(f, g, x), what);
}

#[track_caller]
fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-10 * want.abs().max(1.0),
        "{what}: got {got:e}, closed form {want:e}"
    );
}

#[track_caller]
fn close_arr(got: &Array1<f64>, want: &Array1<f64>, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (k, (a, b)) in got.iter().zip(want.iter()).enumerate() {
        assert!(
            (a - b).abs() <= 1e-10 * b.abs().max(1.0),
            "{what}: component {k}: got {a:e}, closed form {b:e}"
        );
    }
}

fn x5() -> Array1<f64> {
    array![0.3, -1.2, 0.75, 2.1, -0.4]
}

fn m34() -> Array2<f64> {
    array![
        [0.5, -0.3, 1.2, 0.8],
        [-1.1, 0.4, 0.9, -0.2],
        [0.7, 1.5, -0.6, 0.35]
    ]
}

// ---------------------------------------------------------------------------------------------------
// Theme 1: scalar control flow (loops, match, early return, late initialization).

#[differentiable]
fn newton_sqrt(a: f64) -> f64 {
    let mut x = a;
    for _ in 0..20 {
        x = 0.5 * (x + a / x);
    }
    x
}

#[differentiable]
fn taylor_exp(x: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..25 {
        term *= x / k as f64;
        sum += term;
    }
    sum
}

#[differentiable(constant = k)]
fn piecewise_match(x: f64, k: u8) -> f64 {
    match k {
        0 => x.sin() * x,
        1 | 2 => {
            let y = x * x;
            y.sqrt() + y
        }
        3..=7 => x.powi(k as i32),
        n if n > 100 => x / n as f64,
        _ => x.exp(),
    }
}

#[differentiable]
fn early_return_in_loop(x: f64) -> f64 {
    let mut y = x;
    for i in 0..50 {
        y = y * 1.3 + 0.1 * i as f64;
        if y > 10.0 {
            return y.ln();
        }
    }
    y
}

#[differentiable]
fn while_halving(x: f64) -> f64 {
    let mut y = x * x + 1.0;
    let mut n = 0;
    while n < 8 {
        y = y.sqrt() + 0.5;
        n += 1;
    }
    y
}

#[differentiable]
fn loop_with_break(x: f64) -> f64 {
    let mut acc = 0.0;
    let mut i = 0;
    loop {
        acc += (x * i as f64).cos();
        i += 1;
        if i == 7 {
            break;
        }
    }
    acc
}

#[differentiable]
fn late_init_if(x: f64) -> f64 {
    let y: f64;
    if x > 1.0 {
        y = x.ln();
    } else if x > 0.0 {
        y = x - 1.0;
    } else {
        y = x.exp() - 2.0;
    }
    y * y
}

#[derive(Clone, Copy, Debug)]
pub enum Act {
    Tanh,
    Relu,
    Softplus,
    Leaky(f64),
}

// Late initialization from `match` arms is the construct under test.
#[allow(clippy::needless_late_init)]
#[differentiable(constant = act)]
fn activate(x: f64, act: Act) -> f64 {
    let y;
    match act {
        Act::Tanh => y = x.tanh(),
        Act::Relu => y = x.max(0.0),
        Act::Softplus => {
            y = (1.0 + x.exp()).ln();
        }
        Act::Leaky(_) => y = if x > 0.0 { x } else { 0.01 * x },
    }
    y * 2.0 + x
}

#[differentiable(constant = act)]
fn activate_if_let(x: f64, act: Act) -> f64 {
    if let Act::Leaky(slope) = act {
        if x > 0.0 {
            x
        } else {
            slope * x
        }
    } else if let Act::Tanh = act {
        x.tanh()
    } else {
        nn::softplus(x)
    }
}

#[differentiable(constant = p)]
fn if_let_power(x: f64, p: Option<i32>) -> f64 {
    let base = (x * x + 1.0).sqrt();
    if let Some(k) = p {
        base.powi(k)
    } else {
        base.ln()
    }
}

#[differentiable]
fn continue_odd(x: f64) -> f64 {
    let mut s = 0.0;
    for k in 0..10 {
        if k % 2 == 1 {
            continue;
        }
        s += (x + k as f64).sin() / (k as f64 + 1.0);
    }
    s
}

#[differentiable]
fn rev_step_loop(x: f64) -> f64 {
    let mut s = x;
    for k in (1..12).rev().step_by(3) {
        s = s * 0.9 + (k as f64) * x.cos();
    }
    s
}

#[differentiable]
fn nested_closure_branch(x: f64) -> f64 {
    let sq = |v: f64| v * v;
    let cube = |v: f64| {
        let t = sq(v);
        t * v
    };
    if x > 0.0 {
        cube(x) + sq(x)
    } else {
        sq(x) - x
    }
}

#[differentiable]
fn guard_chain(x: f64) -> f64 {
    if x < -2.0 {
        return -x;
    }
    if x < 0.0 {
        return x * x / 2.0 + 2.0 - 2.0;
    }
    let y = if x > 3.0 { x.ln() } else { return x.exp() };
    y * 3.0
}

#[differentiable]
fn bisection_like(x: f64) -> f64 {
    let mut lo = 0.0;
    let mut hi = x;
    for _ in 0..10 {
        let mid = 0.5 * (lo + hi);
        if mid * mid > 2.0 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    lo + hi
}

#[differentiable]
fn logistic_map(r: f64) -> f64 {
    let mut x = 0.3;
    for _ in 0..8 {
        x = r * x * (1.0 - x);
    }
    x
}

#[differentiable]
fn clamp_and_mul_add(x: f64) -> f64 {
    let c = x.clamp(-1.0, 1.0);
    c.mul_add(x, 0.5).hypot(x) + x.atan2(2.0)
}

#[differentiable(argnums = (0, 1))]
fn two_params_match(x: f64, y: f64) -> f64 {
    let sel = 2;
    let z = match sel {
        1 => x,
        2 => x * y,
        _ => y,
    };
    z.sin() + y.cosh()
}

#[differentiable(constant = n)]
fn horner_loop(x: f64, n: usize) -> f64 {
    let mut p = 0.0;
    for k in (0..=n).rev() {
        p = p * x + 1.0 / (k as f64 + 1.0);
    }
    p
}

#[differentiable]
fn smooth_abs_loop(x: f64) -> f64 {
    let eps = [1.0, 0.1, 0.01];
    let mut s = 0.0;
    for e in eps {
        s += (x * x + e).sqrt();
    }
    s
}

#[test]
fn scalar_control_flow() {
    for x in [0.3, 1.7, 2.9] {
        fd_scalar(newton_sqrt, newton_sqrt_grad, x, "newton_sqrt");
        close(
            newton_sqrt_grad(x),
            0.5 / x.sqrt(),
            "newton_sqrt closed form",
        );
        fd_scalar(taylor_exp, taylor_exp_grad, x, "taylor_exp");
        close(taylor_exp_grad(x), x.exp(), "taylor_exp closed form");
    }
    for k in [0u8, 1, 2, 5, 101, 50] {
        fd_scalar(
            |x| piecewise_match(x, k),
            |x| piecewise_match_grad(x, k),
            1.3,
            "piecewise_match",
        );
    }
    close(
        piecewise_match_grad(1.3, 5),
        5.0 * 1.3f64.powi(4),
        "piecewise_match k=5 closed form",
    );
    for x in [0.5, 2.0, 4.0] {
        fd_scalar(
            early_return_in_loop,
            early_return_in_loop_grad,
            x,
            "early_return_in_loop",
        );
    }
    fd_scalar(while_halving, while_halving_grad, 0.8, "while_halving");
    fd_scalar(
        loop_with_break,
        loop_with_break_grad,
        0.4,
        "loop_with_break",
    );
    let lwb: f64 = (0..7).map(|i| -(i as f64) * (0.4 * i as f64).sin()).sum();
    close(
        loop_with_break_grad(0.4),
        lwb,
        "loop_with_break closed form",
    );
    for x in [-0.5, 0.5, 2.5] {
        fd_scalar(late_init_if, late_init_if_grad, x, "late_init_if");
    }
    close(
        late_init_if_grad(2.5),
        2.0 * 2.5f64.ln() / 2.5,
        "late_init_if closed form",
    );
    for act in [Act::Tanh, Act::Relu, Act::Softplus, Act::Leaky(0.2)] {
        for x in [-0.7, 0.9] {
            fd_scalar(
                |x| activate(x, act),
                |x| activate_grad(x, act),
                x,
                "activate",
            );
            fd_scalar(
                |x| activate_if_let(x, act),
                |x| activate_if_let_grad(x, act),
                x,
                "activate_if_let",
            );
        }
    }
    close(
        activate_grad(-0.7, Act::Tanh),
        2.0 * (1.0 - 0.7f64.tanh().powi(2)) + 1.0,
        "activate closed form",
    );
    close(
        activate_if_let_grad(-0.7, Act::Leaky(0.2)),
        0.2,
        "activate_if_let closed form",
    );
    for p in [Some(3), None, Some(-1)] {
        fd_scalar(
            |x| if_let_power(x, p),
            |x| if_let_power_grad(x, p),
            0.6,
            "if_let_power",
        );
    }
    close(
        if_let_power_grad(0.6, None),
        0.6 / 1.36,
        "if_let_power closed form",
    );
    fd_scalar(continue_odd, continue_odd_grad, 0.2, "continue_odd");
    fd_scalar(rev_step_loop, rev_step_loop_grad, 0.7, "rev_step_loop");
    for x in [-1.5, 0.8] {
        fd_scalar(
            nested_closure_branch,
            nested_closure_branch_grad,
            x,
            "nested_closure_branch",
        );
    }
    close(
        nested_closure_branch_grad(0.8),
        3.0 * 0.64 + 1.6,
        "nested_closure_branch closed form",
    );
    for x in [-3.0, -1.0, 1.0, 4.0] {
        fd_scalar(guard_chain, guard_chain_grad, x, "guard_chain");
    }
    close(guard_chain_grad(4.0), 0.75, "guard_chain closed form");
    fd_scalar(bisection_like, bisection_like_grad, 3.1, "bisection_like");
    fd_scalar(logistic_map, logistic_map_grad, 2.7, "logistic_map");
    for x in [-1.6, 0.4, 1.9] {
        fd_scalar(
            clamp_and_mul_add,
            clamp_and_mul_add_grad,
            x,
            "clamp_and_mul_add",
        );
    }
    let (x, y) = (0.7, -0.4);
    let (gx, gy) = two_params_match_grad(x, y);
    close(gx, y * (x * y).cos(), "two_params_match gx closed form");
    close(
        gy,
        x * (x * y).cos() + y.sinh(),
        "two_params_match gy closed form",
    );
    fd_scalar(
        |x| two_params_match(x, y),
        |x| two_params_match_grad_0(x, y),
        x,
        "two_params_match",
    );
    fd_scalar(
        |y| two_params_match(x, y),
        |y| two_params_match_grad_1(x, y),
        y,
        "two_params_match",
    );
    fd_scalar(
        |x| horner_loop(x, 6),
        |x| horner_loop_grad(x, 6),
        0.8,
        "horner_loop",
    );
    let hl: f64 = (1..=6)
        .map(|k| k as f64 * 0.8f64.powi(k - 1) / (k as f64 + 1.0))
        .sum();
    close(horner_loop_grad(0.8, 6), hl, "horner_loop closed form");
    fd_scalar(
        smooth_abs_loop,
        smooth_abs_loop_grad,
        -0.3,
        "smooth_abs_loop",
    );
    let sal: f64 = [1.0f64, 0.1, 0.01]
        .iter()
        .map(|e| -0.3 / (0.09 + e).sqrt())
        .sum();
    close(
        smooth_abs_loop_grad(-0.3),
        sal,
        "smooth_abs_loop closed form",
    );
}

// ---------------------------------------------------------------------------------------------------
// Theme 2: iterators and closures over arrays, Vecs and slices.

#[differentiable]
fn enumerate_in_match_arm(x: &Array1<f64>) -> f64 {
    let mode = x.len() % 3;
    let w = |i: usize, v: f64| (i as f64 + 1.0) * v * v;
    match mode {
        0 => x.sum(),
        _ => {
            let mut s = 0.0;
            for (i, v) in x.iter().enumerate() {
                s += w(i, *v);
            }
            s
        }
    }
}

#[differentiable]
fn fold_zip_guard(x: &Array1<f64>) -> f64 {
    let target = array![1.0, 0.0, -1.0, 2.0, 0.5];
    x.iter().zip(target.iter()).fold(0.0, |acc, (&a, &t)| {
        if t > 0.0 {
            acc + (a - t) * (a - t)
        } else {
            acc + (a - t).abs()
        }
    })
}

#[differentiable]
fn map_sum_in_expr(x: &Array1<f64>) -> f64 {
    let n = x.len() as f64;
    1.0 + x.iter().map(|v| v.sin() * v).sum::<f64>() / n
}

#[differentiable]
fn l2_norm_iter(x: &Array1<f64>) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt()
}

#[differentiable]
fn product_iter(x: &Array1<f64>) -> f64 {
    x.iter().map(|v| 1.0 + v * v).product::<f64>()
}

#[differentiable]
fn windowed_diffs(x: &Array1<f64>) -> f64 {
    x.iter()
        .zip(x.iter().skip(1))
        .map(|(a, b)| (b - a).powi(2))
        .sum::<f64>()
}

#[differentiable]
fn take_skip_rev(x: &Array1<f64>) -> f64 {
    let head: f64 = x.iter().take(3).map(|v| v.exp()).sum();
    let tail: f64 = x.iter().rev().skip(1).step_by(2).map(|v| v * 2.0).sum();
    head * tail
}

#[differentiable]
fn ema(x: &Array1<f64>) -> f64 {
    let alpha = 0.3;
    x.iter().fold(0.0, |m, &v| alpha * v + (1.0 - alpha) * m)
}

#[differentiable]
fn soft_max_fold(x: &Array1<f64>) -> f64 {
    let m = x.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let z: f64 = x.iter().map(|v| (v - m).exp()).sum();
    m + z.ln()
}

#[differentiable]
fn enumerate_zip_weights(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (i, (a, b)) in x.iter().zip(y.iter()).enumerate() {
        let w = 1.0 / (1.0 + i as f64);
        s += w * a * b;
    }
    s
}

#[differentiable]
fn vec_loop(x: &Vec<f64>) -> f64 {
    let mut s = 0.0;
    for v in x {
        s += v.tanh();
    }
    s
}

#[differentiable]
fn slice_copied_map(x: &[f64]) -> f64 {
    x.iter().copied().map(f64::exp).sum::<f64>().ln()
}

#[differentiable]
fn fixed_array_poly(x: [f64; 3]) -> f64 {
    let (a, b, c) = (x[0], x[1], x[2]);
    a * b + b * c + c * a
}

#[differentiable]
fn for_each_accumulate(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    x.iter().enumerate().for_each(|(i, v)| {
        if i % 2 == 0 {
            s += v * v;
        } else {
            s -= v;
        }
    });
    s
}

#[differentiable]
fn range_map_dot(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let n = x.len();
    (0..n).map(|i| x[i] * y[n - 1 - i]).sum::<f64>()
}

#[differentiable]
fn closure_capturing_param(x: &Array1<f64>) -> f64 {
    let mu = x.mean().unwrap();
    let dev = |v: f64| (v - mu) * (v - mu);
    let mut s = 0.0;
    for &v in x.iter() {
        s += dev(v);
    }
    s / x.len() as f64
}

#[differentiable]
fn closure_two_args_loop(x: &Array1<f64>) -> f64 {
    let huber = |r: f64, d: f64| {
        if r.abs() <= d {
            0.5 * r * r
        } else {
            d * (r.abs() - 0.5 * d)
        }
    };
    let mut s = 0.0;
    for v in x.iter() {
        s += huber(*v, 1.0);
    }
    s
}

#[differentiable]
fn mapv_named_closure(x: &Array1<f64>) -> f64 {
    let sigmoid = |v: f64| 1.0 / (1.0 + (-v).exp());
    x.mapv(sigmoid).sum() + sigmoid(x[0])
}

#[differentiable]
fn mapv_capturing(x: &Array1<f64>) -> f64 {
    let scale = x[1] * 2.0;
    x.mapv(|v| (v * scale).sin()).sum()
}

#[differentiable]
fn count_mean(x: &Array1<f64>) -> f64 {
    let n = x.iter().count() as f64;
    x.iter().map(|v| v.powi(3)).sum::<f64>() / n
}

#[differentiable]
fn zip_three(x: &Array1<f64>, y: &Array1<f64>, z: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for ((a, b), c) in x.iter().zip(y.iter()).zip(z.iter()) {
        s += a * b.exp() - c * a;
    }
    s
}

#[differentiable]
fn for_ref_array(x: &Array1<f64>) -> f64 {
    let mut best = 0.0;
    for v in x {
        if *v > best {
            best = *v;
        }
    }
    best * best
}

#[differentiable]
fn rev_fold_horner(c: &Array1<f64>) -> f64 {
    let t = 0.7;
    c.iter().rev().fold(0.0, |acc, &ck| acc * t + ck)
}

#[differentiable]
fn nested_iter_sum(m: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..m.nrows() {
        let row_sq: f64 = (0..m.ncols()).map(|j| m[[i, j]] * m[[i, j]]).sum();
        s += row_sq.sqrt();
    }
    s
}

#[differentiable]
fn cloned_take(x: &Vec<f64>) -> f64 {
    x.iter().cloned().take(2).map(|v| v * v * v).sum::<f64>()
}

#[test]
fn iterators_and_closures() {
    let x = x5();
    let y = array![1.1, 0.2, -0.7, 0.4, 0.9];
    let z = array![-0.5, 0.6, 0.3, -1.4, 0.8];
    fd_arr(
        enumerate_in_match_arm,
        enumerate_in_match_arm_grad,
        &x,
        "enumerate_in_match_arm",
    );
    let want: Array1<f64> = (0..5).map(|i| 2.0 * (i as f64 + 1.0) * x[i]).collect();
    close_arr(
        &enumerate_in_match_arm_grad(&x),
        &want,
        "enumerate_in_match_arm closed form",
    );
    let x6 = array![0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    close_arr(
        &enumerate_in_match_arm_grad(&x6),
        &Array1::ones(6),
        "enumerate_in_match_arm n=6",
    );
    fd_arr(fold_zip_guard, fold_zip_guard_grad, &x, "fold_zip_guard");
    fd_arr(map_sum_in_expr, map_sum_in_expr_grad, &x, "map_sum_in_expr");
    close_arr(
        &map_sum_in_expr_grad(&x),
        &x.mapv(|v| (v.sin() + v * v.cos()) / 5.0),
        "map_sum_in_expr closed form",
    );
    fd_arr(l2_norm_iter, l2_norm_iter_grad, &x, "l2_norm_iter");
    let n = x.dot(&x).sqrt();
    close_arr(
        &l2_norm_iter_grad(&x),
        &(&x / n),
        "l2_norm_iter closed form",
    );
    fd_arr(product_iter, product_iter_grad, &x, "product_iter");
    let p = product_iter(&x);
    close_arr(
        &product_iter_grad(&x),
        &x.mapv(|v| p * 2.0 * v / (1.0 + v * v)),
        "product_iter closed form",
    );
    fd_arr(windowed_diffs, windowed_diffs_grad, &x, "windowed_diffs");
    fd_arr(take_skip_rev, take_skip_rev_grad, &x, "take_skip_rev");
    fd_arr(ema, ema_grad, &x, "ema");
    let want: Array1<f64> = (0..5).map(|i| 0.3 * 0.7f64.powi(4 - i)).collect();
    close_arr(&ema_grad(&x), &want, "ema closed form");
    fd_arr(soft_max_fold, soft_max_fold_grad, &x, "soft_max_fold");
    let e = x.mapv(f64::exp);
    close_arr(
        &soft_max_fold_grad(&x),
        &(&e / e.sum()),
        "soft_max_fold closed form (softmax)",
    );
    fd_arr(
        |x| enumerate_zip_weights(x, &y),
        |x| enumerate_zip_weights_grad(x, &y),
        &x,
        "enumerate_zip_weights",
    );
    let v = vec![0.3, -0.8, 1.4];
    ok(
        check_grad(|v: &Vec<f64>| vec_loop(v), vec_loop_grad, &v),
        "vec_loop",
    );
    let want: Vec<f64> = v.iter().map(|a: &f64| 1.0 - a.tanh().powi(2)).collect();
    close_arr(
        &Array1::from(vec_loop_grad(&v)),
        &Array1::from(want),
        "vec_loop closed form",
    );
    ok(
        check_grad(
            |v: &Vec<f64>| slice_copied_map(v),
            |v| slice_copied_map_grad(v).to_vec(),
            &v,
        ),
        "slice_copied_map",
    );
    let a = [0.5, -1.5, 2.0];
    ok(
        check_grad(
            |a: &[f64; 3]| fixed_array_poly(*a),
            |a| fixed_array_poly_grad(*a),
            &a,
        ),
        "fixed_array_poly",
    );
    let g = fixed_array_poly_grad(a);
    close_arr(
        &Array1::from(g.to_vec()),
        &array![a[1] + a[2], a[0] + a[2], a[0] + a[1]],
        "fixed_array_poly closed form",
    );
    fd_arr(
        for_each_accumulate,
        for_each_accumulate_grad,
        &x,
        "for_each_accumulate",
    );
    fd_arr(
        |x| range_map_dot(x, &y),
        |x| range_map_dot_grad(x, &y),
        &x,
        "range_map_dot",
    );
    let want: Array1<f64> = (0..5).map(|i| y[4 - i]).collect();
    close_arr(
        &range_map_dot_grad(&x, &y),
        &want,
        "range_map_dot closed form",
    );
    fd_arr(
        closure_capturing_param,
        closure_capturing_param_grad,
        &x,
        "closure_capturing_param",
    );
    let mu = x.mean().unwrap();
    close_arr(
        &closure_capturing_param_grad(&x),
        &x.mapv(|v| 2.0 * (v - mu) / 5.0),
        "closure_capturing_param closed form",
    );
    fd_arr(
        closure_two_args_loop,
        closure_two_args_loop_grad,
        &x,
        "closure_two_args_loop",
    );
    close_arr(
        &closure_two_args_loop_grad(&x),
        &x.mapv(|v| v.clamp(-1.0, 1.0)),
        "closure_two_args_loop closed form",
    );
    fd_arr(
        mapv_named_closure,
        mapv_named_closure_grad,
        &x,
        "mapv_named_closure",
    );
    fd_arr(mapv_capturing, mapv_capturing_grad, &x, "mapv_capturing");
    fd_arr(count_mean, count_mean_grad, &x, "count_mean");
    fd_arr(
        |x| zip_three(x, &y, &z),
        |x| zip_three_grad(x, &y, &z),
        &x,
        "zip_three",
    );
    fd_arr(for_ref_array, for_ref_array_grad, &x, "for_ref_array");
    fd_arr(rev_fold_horner, rev_fold_horner_grad, &x, "rev_fold_horner");
    let want: Array1<f64> = (0..5).map(|k| 0.7f64.powi(k)).collect();
    close_arr(
        &rev_fold_horner_grad(&x),
        &want,
        "rev_fold_horner closed form",
    );
    fd_mat(
        nested_iter_sum,
        nested_iter_sum_grad,
        &m34(),
        "nested_iter_sum",
    );
    ok(
        check_grad(|v: &Vec<f64>| cloned_take(v), cloned_take_grad, &v),
        "cloned_take",
    );
}

// ---------------------------------------------------------------------------------------------------
// Theme 3: ndarray statistics, shapes and linear algebra, element writes.

#[differentiable]
fn standardize_loss(x: &Array1<f64>) -> f64 {
    let mu = x.mean().unwrap();
    let sd = x.std(0.0);
    x.mapv(|v| ((v - mu) / sd).powi(4)).mean().unwrap()
}

#[differentiable]
fn variance_ddof1(x: &Array1<f64>) -> f64 {
    x.var(1.0)
}

#[differentiable]
fn coefficient_of_variation(x: &Array1<f64>) -> f64 {
    let shifted = x + 3.0;
    shifted.std(1.0) / shifted.mean().expect("non-empty")
}

#[differentiable]
fn trace_of_square(m: &Array2<f64>) -> f64 {
    let sq = m.dot(m);
    sq.diag().sum()
}

#[differentiable]
fn row_column_products(m: &Array2<f64>) -> f64 {
    let r = m.row(1);
    let c = m.column(2);
    r.dot(&r) + c.mapv(|v| v.exp()).sum()
}

#[differentiable]
fn var_axis_loss(m: &Array2<f64>) -> f64 {
    m.var_axis(Axis(0), 0.0).sum() + m.std_axis(Axis(1), 1.0).mapv(|v| v * v).sum()
}

#[differentiable]
fn product_axis_log(m: &Array2<f64>) -> f64 {
    let p = m.mapv(|v| 1.0 + v * v).product_axis(Axis(1));
    p.mapv(f64::ln).sum()
}

#[differentiable]
fn quadratic_form(a: &Array2<f64>, x: &Array1<f64>) -> f64 {
    let ax = a.dot(x);
    x.dot(&ax)
}

#[differentiable]
fn gram_frobenius(m: &Array2<f64>) -> f64 {
    let g = m.t().dot(m);
    (&g * &g).sum().sqrt()
}

#[differentiable]
fn softmax_cross_entropy(logits: &Array2<f64>, labels: &[usize]) -> f64 {
    let lp = nn::log_softmax(logits, Axis(1));
    let mut loss = 0.0;
    for (i, &y) in labels.iter().enumerate() {
        loss -= lp[[i, y]];
    }
    loss / labels.len() as f64
}

#[differentiable]
fn mse_with_bias(w: &Array1<f64>, x: &Array2<f64>, y: &Array1<f64>) -> f64 {
    let pred = x.dot(w) + 0.1;
    let r = &pred - y;
    r.mapv(|v| v * v).mean().unwrap()
}

#[differentiable]
fn slice_diffs(x: &Array1<f64>) -> f64 {
    let d = &x.slice(s![1..]) - &x.slice(s![..-1]);
    d.mapv(|v| v.abs()).sum() + x.slice(s![..;2]).sum()
}

#[differentiable]
fn cumsum_into_local(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut c = Array1::zeros(n);
    c[0] = x[0];
    for i in 1..n {
        c[i] = c[i - 1] + x[i];
    }
    c.mapv(|v| v * v).sum()
}

#[differentiable]
fn outer_product_writes(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut m = Array2::zeros((n, n));
    for i in 0..n {
        for j in 0..n {
            m[[i, j]] = x[i] * x[j] / (1.0 + (i + j) as f64);
        }
    }
    m.sum()
}

#[differentiable]
fn vec_recurrence(x: &Array1<f64>) -> f64 {
    let mut y = vec![0.0; x.len()];
    y[0] = x[0];
    for t in 1..x.len() {
        y[t] = 0.5 * y[t - 1] + x[t].sin();
    }
    y[x.len() - 1]
}

#[differentiable]
fn to_owned_scaled(x: &Array1<f64>) -> f64 {
    let mut y = x.to_owned();
    for i in 0..y.len() {
        if i % 2 == 0 {
            y[i] *= 2.0;
        } else {
            y[i] -= 1.0;
        }
    }
    (&y * &y).sum()
}

#[differentiable]
fn layer_norm_like(m: &Array2<f64>) -> f64 {
    let mu = m.mean_axis(Axis(1)).unwrap().insert_axis(Axis(1));
    let c = m - &mu;
    let var = c
        .mapv(|v| v * v)
        .mean_axis(Axis(1))
        .unwrap()
        .insert_axis(Axis(1));
    let z = &c / &var.mapv(|v| (v + 1e-5).sqrt());
    z.mapv(f64::tanh).sum()
}

#[differentiable]
fn sum_axis_softplus(m: &Array2<f64>) -> f64 {
    let s = m.sum_axis(Axis(0));
    nn::softplus(&s).sum()
}

#[differentiable]
fn concat_stack(x: &Array1<f64>) -> f64 {
    let a = x.slice(s![..2]).to_owned();
    let b = x.slice(s![3..]).to_owned();
    let m = autodiff::ndarray::stack![Axis(0), a, b];
    let c = autodiff::ndarray::concatenate![Axis(0), x.view(), a.view()];
    m.sum() * 0.5 + c.mapv(|v| v * v).sum()
}

#[differentiable]
fn reshape_matmul(x: &Array1<f64>) -> f64 {
    let m = x.to_shape((2, 3)).unwrap().to_owned();
    let g = m.dot(&m.t());
    g.sum()
}

#[differentiable]
fn index_axis_rows(m: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..m.nrows() {
        let r = m.index_axis(Axis(0), i);
        s += r.dot(&r).sqrt() * (i as f64 + 1.0);
    }
    s
}

#[differentiable]
fn clip_and_pow(x: &Array1<f64>) -> f64 {
    x.clamp(-1.0, 1.0).powi(3).sum() + x.mapv(|v| v.exp2()).sum()
}

#[differentiable]
fn mapv_path_fn(x: &Array1<f64>) -> f64 {
    x.mapv(f64::atan).sum() * x.mapv(f64::cos).sum()
}

#[differentiable]
fn broadcast_bias(m: &Array2<f64>) -> f64 {
    let b = m.row(0).to_owned();
    let z = m + &b.broadcast((3, 4)).unwrap();
    z.mapv(|v| v.sin()).sum()
}

#[differentiable]
fn from_elem_scalar(x: f64) -> f64 {
    let a = Array1::from_elem(4, x);
    let w = array![1.0, 2.0, 3.0, 4.0];
    (&a * &w).mapv(|v| v.tanh()).sum()
}

#[differentiable]
fn diag_minus_offdiag(m: &Array2<f64>) -> f64 {
    let d = m.diag().to_owned();
    let total = m.sum();
    d.sum() * 2.0 - total + d.std(0.0)
}

#[differentiable]
fn attention_like(q: &Array2<f64>) -> f64 {
    let scores = q.dot(&q.t()) / (q.ncols() as f64).sqrt();
    let p = nn::softmax(&scores, Axis(1));
    p.dot(q).sum()
}

#[test]
fn ndarray_statistics_and_shapes() {
    let x = x5();
    let m = m34();
    fd_arr(
        standardize_loss,
        standardize_loss_grad,
        &x,
        "standardize_loss",
    );
    fd_arr(variance_ddof1, variance_ddof1_grad, &x, "variance_ddof1");
    let mu = x.mean().unwrap();
    close_arr(
        &variance_ddof1_grad(&x),
        &x.mapv(|v| 2.0 * (v - mu) / 4.0),
        "variance_ddof1 closed form",
    );
    fd_arr(
        coefficient_of_variation,
        coefficient_of_variation_grad,
        &x,
        "coefficient_of_variation",
    );
    let sq = array![[0.5, -0.3, 1.2], [-1.1, 0.4, 0.9], [0.7, 1.5, -0.6]];
    fd_mat(
        trace_of_square,
        trace_of_square_grad,
        &sq,
        "trace_of_square",
    );
    let g = trace_of_square_grad(&sq);
    let want = sq.t().to_owned() * 2.0;
    for (a, b) in g.iter().zip(want.iter()) {
        close(*a, *b, "trace_of_square closed form 2 M^T");
    }
    fd_mat(
        row_column_products,
        row_column_products_grad,
        &m,
        "row_column_products",
    );
    fd_mat(var_axis_loss, var_axis_loss_grad, &m, "var_axis_loss");
    fd_mat(
        product_axis_log,
        product_axis_log_grad,
        &m,
        "product_axis_log",
    );
    let g = product_axis_log_grad(&m);
    for (a, v) in g.iter().zip(m.iter()) {
        close(*a, 2.0 * v / (1.0 + v * v), "product_axis_log closed form");
    }
    let a = array![[2.0, 0.5, -0.3], [0.1, 1.0, 0.4], [-0.7, 0.2, 1.5]];
    let v3 = array![0.4, -0.9, 1.3];
    fd_mat(
        |a| quadratic_form(a, &v3),
        |a| quadratic_form_grad(a, &v3),
        &a,
        "quadratic_form",
    );
    let g = quadratic_form_grad(&a, &v3);
    for i in 0..3 {
        for j in 0..3 {
            close(g[[i, j]], v3[i] * v3[j], "quadratic_form closed form x x^T");
        }
    }
    fd_mat(gram_frobenius, gram_frobenius_grad, &m, "gram_frobenius");
    let labels = [2usize, 0, 3];
    fd_mat(
        |l| softmax_cross_entropy(l, &labels),
        |l| softmax_cross_entropy_grad(l, &labels),
        &m,
        "softmax_cross_entropy",
    );
    let g = softmax_cross_entropy_grad(&m, &labels);
    for i in 0..3 {
        let e = m.row(i).mapv(f64::exp);
        let p = &e / e.sum();
        for j in 0..4 {
            let want = (p[j] - if labels[i] == j { 1.0 } else { 0.0 }) / 3.0;
            close(
                g[[i, j]],
                want,
                "softmax_cross_entropy closed form (p - onehot)/n",
            );
        }
    }
    let w = array![0.2, -0.5, 0.9, 0.1];
    let yt = array![1.0, -0.5, 0.3];
    fd_arr(
        |w| mse_with_bias(w, &m, &yt),
        |w| mse_with_bias_grad(w, &m, &yt),
        &w,
        "mse_with_bias",
    );
    let r = m.dot(&w) + 0.1 - &yt;
    close_arr(
        &mse_with_bias_grad(&w, &m, &yt),
        &(m.t().dot(&r) * (2.0 / 3.0)),
        "mse_with_bias closed form",
    );
    fd_arr(slice_diffs, slice_diffs_grad, &x, "slice_diffs");
    fd_arr(
        cumsum_into_local,
        cumsum_into_local_grad,
        &x,
        "cumsum_into_local",
    );
    let mut cs = x.clone();
    for i in 1..5 {
        cs[i] += cs[i - 1];
    }
    let want: Array1<f64> = (0..5).map(|k| (k..5).map(|i| 2.0 * cs[i]).sum()).collect();
    close_arr(
        &cumsum_into_local_grad(&x),
        &want,
        "cumsum_into_local closed form",
    );
    fd_arr(
        outer_product_writes,
        outer_product_writes_grad,
        &x,
        "outer_product_writes",
    );
    fd_arr(vec_recurrence, vec_recurrence_grad, &x, "vec_recurrence");
    let want: Array1<f64> = (0..5)
        .map(|t| {
            if t == 0 {
                0.5f64.powi(4)
            } else {
                0.5f64.powi(4 - t as i32) * x[t].cos()
            }
        })
        .collect();
    close_arr(
        &vec_recurrence_grad(&x),
        &want,
        "vec_recurrence closed form",
    );
    fd_arr(to_owned_scaled, to_owned_scaled_grad, &x, "to_owned_scaled");
    let want: Array1<f64> = (0..5)
        .map(|i| {
            if i % 2 == 0 {
                8.0 * x[i]
            } else {
                2.0 * (x[i] - 1.0)
            }
        })
        .collect();
    close_arr(
        &to_owned_scaled_grad(&x),
        &want,
        "to_owned_scaled closed form",
    );
    fd_mat(layer_norm_like, layer_norm_like_grad, &m, "layer_norm_like");
    fd_mat(
        sum_axis_softplus,
        sum_axis_softplus_grad,
        &m,
        "sum_axis_softplus",
    );
    fd_arr(concat_stack, concat_stack_grad, &x, "concat_stack");
    let x6 = array![0.3, -1.2, 0.75, 2.1, -0.4, 0.6];
    fd_arr(reshape_matmul, reshape_matmul_grad, &x6, "reshape_matmul");
    fd_mat(index_axis_rows, index_axis_rows_grad, &m, "index_axis_rows");
    fd_arr(clip_and_pow, clip_and_pow_grad, &x, "clip_and_pow");
    fd_arr(mapv_path_fn, mapv_path_fn_grad, &x, "mapv_path_fn");
    fd_mat(broadcast_bias, broadcast_bias_grad, &m, "broadcast_bias");
    fd_scalar(
        from_elem_scalar,
        from_elem_scalar_grad,
        0.3,
        "from_elem_scalar",
    );
    let want: f64 = (1..=4)
        .map(|k| k as f64 * (1.0 - (0.3 * k as f64).tanh().powi(2)))
        .sum();
    close(
        from_elem_scalar_grad(0.3),
        want,
        "from_elem_scalar closed form",
    );
    fd_mat(
        diag_minus_offdiag,
        diag_minus_offdiag_grad,
        &sq,
        "diag_minus_offdiag",
    );
    fd_mat(attention_like, attention_like_grad, &m, "attention_like");
}

// ---------------------------------------------------------------------------------------------------
// Theme 4: parameter structs, constant enums and configuration, calls between functions.

#[derive(Clone, Debug, Differentiable)]
pub struct Linear {
    w: Array2<f64>,
    b: Array1<f64>,
}

#[derive(Clone, Debug, Differentiable)]
pub struct Mlp {
    l1: Linear,
    l2: Linear,
    temperature: f64,
    depth: usize,
}

impl Linear {
    #[differentiable]
    fn energy(&self, x: &Array1<f64>) -> f64 {
        let z = self.w.dot(x) + &self.b;
        z.iter().map(|v| v * v).sum::<f64>()
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Norm {
    L1,
    L2,
    Huber { delta: f64 },
    Off,
}

#[derive(Clone, Copy, Debug)]
pub enum Reduce {
    Sum,
    Mean,
}

#[differentiable]
fn mlp_loss(p: &Mlp, x: &Array1<f64>) -> f64 {
    let h = (p.l1.w.dot(x) + &p.l1.b).mapv(|v| v.tanh());
    let out = p.l2.w.dot(&h) + &p.l2.b;
    let mut s = 0.0;
    for (i, v) in out.iter().enumerate() {
        s += (v / p.temperature - i as f64).powi(2);
    }
    s
}

#[differentiable]
fn mlp_depth_loop(p: &Mlp, x: &Array1<f64>) -> f64 {
    let mut h = x.to_owned();
    for _ in 0..p.depth {
        h = (p.l1.w.dot(&h) + &p.l1.b).mapv(f64::tanh) * 0.5 + &h * 0.5;
    }
    h.sum() * p.temperature
}

#[differentiable]
fn linear_energy_call(p: &Linear, x: &Array1<f64>) -> f64 {
    p.energy(x) + (&p.b * &p.b).sum()
}

// Late initialization from `match` arms is the construct under test.
#[allow(clippy::needless_late_init)]
#[differentiable(constant = (norm, reduce))]
fn regularized(w: &Array1<f64>, norm: Norm, reduce: Reduce) -> f64 {
    let penalty;
    match norm {
        Norm::L1 => penalty = w.mapv(|v| v.abs()).sum(),
        Norm::L2 => penalty = w.dot(w),
        Norm::Huber { .. } => {
            let mut s = 0.0;
            for v in w.iter() {
                s += if v.abs() < 1.0 {
                    0.5 * v * v
                } else {
                    v.abs() - 0.5
                };
            }
            penalty = s;
        }
        Norm::Off => penalty = 0.0,
    }
    let fit = (w - 0.5).mapv(|v| v * v);
    let data = match reduce {
        Reduce::Sum => fit.sum(),
        Reduce::Mean => fit.mean().unwrap(),
    };
    data + 0.1 * penalty
}

#[differentiable(constant = norm)]
fn huber_bound(w: &Array1<f64>, norm: Norm) -> f64 {
    if let Norm::Huber { delta } = norm {
        w.iter()
            .map(|v| {
                if v.abs() <= delta {
                    0.5 * v * v
                } else {
                    delta * (v.abs() - 0.5 * delta)
                }
            })
            .sum::<f64>()
    } else {
        w.dot(w)
    }
}

#[differentiable(constant = pick)]
fn if_let_slice(x: &Array1<f64>, pick: Option<usize>) -> f64 {
    let part = if let Some(k) = pick {
        x.slice(s![..k]).to_owned()
    } else {
        x.to_owned()
    };
    part.mapv(|v| v.exp()).sum().ln()
}

#[differentiable]
fn helper_square_sum(x: &Array1<f64>) -> f64 {
    x.iter().map(|v| v * v).sum()
}

#[differentiable]
fn calls_helper(x: &Array1<f64>) -> f64 {
    let a = helper_square_sum(x);
    let b = helper_square_sum(&x.mapv(f64::sin));
    a.sqrt() + b
}

#[differentiable(constant = k)]
fn top_k_prefix(x: &Array1<f64>, k: usize) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        if i >= k {
            break;
        }
        s += v * v * (k - i) as f64;
    }
    s
}

#[differentiable(constant = ks)]
fn selected_indices(x: &Array1<f64>, ks: &[usize]) -> f64 {
    let mut s = 0.0;
    for &k in ks.iter() {
        s += x[k].powi(2) * 0.5;
    }
    let m = *ks.iter().max().unwrap();
    s + x[m]
}

#[differentiable]
fn stop_grad_baseline(x: &Array1<f64>) -> f64 {
    let baseline = stop_gradient(x.mean().unwrap());
    x.mapv(|v| (v - baseline).powi(2)).sum()
}

#[differentiable(has_aux)]
fn loss_with_aux(x: &Array1<f64>) -> (f64, usize) {
    let l = x.iter().map(|v| (v - 1.0).powi(2)).sum::<f64>();
    (l, x.len())
}

#[differentiable]
fn tuple_locals(x: &Array1<f64>) -> f64 {
    let (lo, hi) = (x[0].min(x[1]), x[0].max(x[1]));
    let mut acc = (0.0, 1.0);
    for v in x.iter() {
        acc.0 += v * lo;
        acc.1 *= 1.0 + 0.1 * v * hi;
    }
    acc.0 + acc.1
}

#[differentiable]
fn swap_tuple(x: f64, y: f64) -> f64 {
    let (mut a, mut b) = (x, y);
    for _ in 0..3 {
        let t = a + b;
        a = b;
        b = t;
    }
    a * b
}

#[test]
fn structs_enums_and_calls() {
    let p = Mlp {
        l1: Linear {
            w: array![[0.3, -0.2, 0.5], [0.1, 0.4, -0.6], [-0.3, 0.2, 0.1]],
            b: array![0.05, -0.1, 0.2],
        },
        l2: Linear {
            w: array![[0.7, -0.4, 0.2], [0.3, 0.9, -0.5]],
            b: array![0.0, 0.1],
        },
        temperature: 1.3,
        depth: 3,
    };
    let x = array![0.4, -0.7, 1.1];
    ok(
        check_grad(
            |p: &Mlp| mlp_loss(p, &x),
            |p: &Mlp| mlp_loss_grad(p, &x),
            &p,
        ),
        "mlp_loss",
    );
    ok(
        check_grad(
            |p: &Mlp| mlp_depth_loop(p, &x),
            |p: &Mlp| mlp_depth_loop_grad(p, &x),
            &p,
        ),
        "mlp_depth_loop",
    );
    let g = mlp_depth_loop_grad(&p, &x);
    assert_eq!(g.depth, 3, "mlp_depth_loop: constant field copied");
    close(
        g.temperature,
        mlp_depth_loop(&p, &x) / 1.3,
        "mlp_depth_loop d/dtemperature closed form",
    );
    ok(
        check_grad(
            |l: &Linear| linear_energy_call(l, &x),
            |l: &Linear| linear_energy_call_grad(l, &x),
            &p.l1,
        ),
        "linear_energy_call",
    );
    let gl = linear_energy_call_grad(&p.l1, &x);
    let z = p.l1.w.dot(&x) + &p.l1.b;
    close_arr(
        &gl.b,
        &(&z * 2.0 + &p.l1.b * 2.0),
        "linear_energy_call db closed form",
    );
    let w = array![0.3, -1.4, 0.75, 2.2];
    for norm in [Norm::L1, Norm::L2, Norm::Huber { delta: 1.0 }, Norm::Off] {
        for reduce in [Reduce::Sum, Reduce::Mean] {
            fd_arr(
                |w| regularized(w, norm, reduce),
                |w| regularized_grad(w, norm, reduce),
                &w,
                "regularized",
            );
        }
        fd_arr(
            |w| huber_bound(w, norm),
            |w| huber_bound_grad(w, norm),
            &w,
            "huber_bound",
        );
    }
    close_arr(
        &regularized_grad(&w, Norm::L2, Reduce::Mean),
        &w.mapv(|v| (v - 0.5) / 2.0 + 0.2 * v),
        "regularized L2/Mean closed form",
    );
    close_arr(
        &huber_bound_grad(&w, Norm::Huber { delta: 0.5 }),
        &w.mapv(|v| v.clamp(-0.5, 0.5)),
        "huber_bound closed form",
    );
    let x5 = x5();
    for pick in [Some(2), Some(5), None] {
        fd_arr(
            |x| if_let_slice(x, pick),
            |x| if_let_slice_grad(x, pick),
            &x5,
            "if_let_slice",
        );
    }
    let e = x5.slice(s![..2]).mapv(f64::exp);
    let want = array![e[0] / e.sum(), e[1] / e.sum(), 0.0, 0.0, 0.0];
    close_arr(
        &if_let_slice_grad(&x5, Some(2)),
        &want,
        "if_let_slice closed form",
    );
    fd_arr(calls_helper, calls_helper_grad, &x5, "calls_helper");
    let n = x5.dot(&x5).sqrt();
    close_arr(
        &calls_helper_grad(&x5),
        &x5.mapv(|v| v / n + 2.0 * v.sin() * v.cos()),
        "calls_helper closed form",
    );
    for k in [0, 2, 5, 9] {
        fd_arr(
            |x| top_k_prefix(x, k),
            |x| top_k_prefix_grad(x, k),
            &x5,
            "top_k_prefix",
        );
    }
    let ks = [3usize, 1, 3];
    fd_arr(
        |x| selected_indices(x, &ks),
        |x| selected_indices_grad(x, &ks),
        &x5,
        "selected_indices",
    );
    close_arr(
        &selected_indices_grad(&x5, &ks),
        &array![0.0, x5[1], 0.0, 2.0 * x5[3] + 1.0, 0.0],
        "selected_indices closed form",
    );
    let gs = stop_grad_baseline_grad(&x5);
    let mu = x5.mean().unwrap();
    close_arr(
        &gs,
        &x5.mapv(|v| 2.0 * (v - mu)),
        "stop_grad_baseline closed form",
    );
    let ((v, aux), g) = loss_with_aux_value_and_grad(&x5);
    assert_eq!((v, aux), loss_with_aux(&x5));
    close_arr(
        &g,
        &x5.mapv(|v| 2.0 * (v - 1.0)),
        "loss_with_aux closed form",
    );
    fd_arr(
        |x| loss_with_aux(x).0,
        |x| loss_with_aux_grad(x).0,
        &x5,
        "loss_with_aux",
    );
    fd_arr(tuple_locals, tuple_locals_grad, &x5, "tuple_locals");
    fd_scalar(
        |x| swap_tuple(x, 0.6),
        |x| swap_tuple_grad(x, 0.6),
        0.9,
        "swap_tuple",
    );
}

// ---------------------------------------------------------------------------------------------------
// Theme 5: f32, and more mixtures of the constructs above.

#[differentiable]
fn newton_sqrt32(a: f32) -> f32 {
    let mut x = a;
    for _ in 0..12 {
        x = 0.5 * (x + a / x);
    }
    x
}

#[differentiable]
fn l2_norm_iter32(x: &Array1<f32>) -> f32 {
    x.iter().map(|v| v * v).sum::<f32>().sqrt()
}

#[differentiable(constant = act)]
fn activate32(x: f32, act: Act) -> f32 {
    let y = match act {
        Act::Tanh => x.tanh(),
        Act::Relu => x.max(0.0),
        _ => (1.0 + x.exp()).ln(),
    };
    y * y
}

#[differentiable]
fn ema32(x: &Array1<f32>) -> f32 {
    x.iter().fold(0.0f32, |m, &v| 0.25 * v + 0.75 * m)
}

#[differentiable]
fn variance32(x: &Array1<f32>) -> f32 {
    x.var(0.0) + x.std(1.0)
}

#[differentiable]
fn mapv_closure32(x: &Array1<f32>) -> f32 {
    let g = |v: f32| v * (1.0 + v.exp()).recip();
    x.mapv(g).sum()
}

#[differentiable]
fn enumerate_match32(x: &Array1<f32>) -> f32 {
    let mut s = 0.0f32;
    for (i, v) in x.iter().enumerate() {
        s += match i % 3 {
            0 => v.sin(),
            1 => v * v,
            _ => -v,
        };
    }
    s
}

#[differentiable]
fn matvec_slice32(m: &Array2<f32>) -> f32 {
    let r = m.row(0);
    let c = m.slice(s![.., 1..3]);
    c.sum_axis(Axis(1)).dot(&m.column(0)) + r.sum()
}

#[differentiable]
fn early_return32(x: f32) -> f32 {
    let mut y = x;
    for _ in 0..20 {
        if y.abs() > 5.0 {
            return y;
        }
        y = y * 1.5 + 0.25;
    }
    y
}

#[differentiable]
fn zip_fold_guard32(x: &Array1<f32>, y: &Array1<f32>) -> f32 {
    x.iter().zip(y.iter()).fold(0.0f32, |acc, (a, b)| {
        if b > a {
            acc + b - a
        } else {
            acc + (a - b) * 0.5
        }
    })
}

#[differentiable]
fn geometric_mean(x: &Array1<f64>) -> f64 {
    let n = x.len() as f64;
    (x.mapv(f64::ln).sum() / n).exp()
}

#[differentiable]
fn log_sum_exp_loop(x: &Array1<f64>) -> f64 {
    let mut m = f64::NEG_INFINITY;
    for &v in x.iter() {
        m = m.max(v);
    }
    let mut s = 0.0;
    for &v in x.iter() {
        s += (v - m).exp();
    }
    m + s.ln()
}

#[differentiable]
fn polyline_length(p: &Array2<f64>) -> f64 {
    let mut len = 0.0;
    for i in 1..p.nrows() {
        let dx = p[[i, 0]] - p[[i - 1, 0]];
        let dy = p[[i, 1]] - p[[i - 1, 1]];
        len += dx.hypot(dy);
    }
    len
}

#[differentiable]
fn matrix_power_trace(m: &Array2<f64>) -> f64 {
    let mut acc = m.to_owned();
    for _ in 0..3 {
        acc = acc.dot(m) * 0.5;
    }
    acc.diag().sum()
}

#[differentiable]
fn triangular_writes(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut l = Array2::zeros((n, n));
    for i in 0..n {
        for j in 0..=i {
            l[[i, j]] = x[i] - x[j] * 0.5;
        }
    }
    let v = l.dot(x);
    v.dot(&v)
}

#[differentiable]
fn running_max_penalty(x: &Array1<f64>) -> f64 {
    let mut best = x[0];
    let mut pen = 0.0;
    for i in 1..x.len() {
        if x[i] < best {
            pen += (best - x[i]).powi(2);
        } else {
            best = x[i];
        }
    }
    pen
}

#[differentiable]
fn rbf_kernel_sum(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let k = |a: f64, b: f64| (-(a - b).powi(2) / 2.0).exp();
    let mut s = 0.0;
    for i in 0..n {
        for j in (i + 1)..n {
            s += k(x[i], x[j]);
        }
    }
    s
}

#[differentiable]
fn gradient_descent_unrolled(x0: f64) -> f64 {
    let lr = 0.1;
    let mut x = x0;
    for _ in 0..10 {
        let g = 2.0 * (x - 3.0) + x.cos();
        x -= lr * g;
    }
    x * x
}

#[differentiable]
fn ode_euler(k: f64) -> f64 {
    let dt = 0.05;
    let mut y = 1.0;
    let mut t: f64 = 0.0;
    while t < 1.0 - 1e-9 {
        y += dt * (-k * y + t.sin());
        t += dt;
    }
    y
}

#[differentiable]
fn sigmoid_bce(w: &Array1<f64>) -> f64 {
    let xs = array![
        [1.0, 0.5, -0.3],
        [0.2, -1.0, 0.8],
        [-0.6, 0.3, 1.2],
        [0.9, 0.9, -0.1]
    ];
    let ys = [1.0, 0.0, 1.0, 0.0];
    let z = xs.dot(w);
    let mut loss = 0.0;
    for (zi, &yi) in z.iter().zip(ys.iter()) {
        let p = nn::sigmoid(*zi);
        loss -= yi * p.ln() + (1.0 - yi) * (1.0 - p).ln();
    }
    loss / ys.len() as f64
}

#[differentiable]
fn relu_network(x: &Array1<f64>) -> f64 {
    let w = array![[0.5, -0.2, 0.1, 0.3, -0.4], [0.2, 0.7, -0.5, 0.1, 0.6]];
    let h = nn::relu(&w.dot(x));
    nn::logsumexp(&h.insert_axis(Axis(0)), Axis(1)).sum()
}

#[differentiable]
fn cosine_similarity(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let dot = x.iter().zip(y.iter()).map(|(a, b)| a * b).sum::<f64>();
    let nx = x.dot(x).sqrt();
    let ny = y.dot(y).sqrt();
    dot / (nx * ny)
}

#[differentiable]
fn trapezoid(y: &Array1<f64>) -> f64 {
    let h = 0.1;
    let n = y.len();
    let mut s = 0.5 * (y[0] + y[n - 1]);
    for i in 1..n - 1 {
        s += y[i];
    }
    s * h
}

#[differentiable]
fn shadowed_params(x: f64, y: f64) -> f64 {
    let x = x * 2.0;
    let y = y + x;
    let x = {
        let t = x.sin();
        t * y
    };
    x + y
}

#[differentiable(constant = order)]
fn finite_difference_stencil(x: &Array1<f64>, order: usize) -> f64 {
    let coeffs: [f64; 3] = match order {
        1 => [-0.5, 0.0, 0.5],
        _ => [1.0, -2.0, 1.0],
    };
    let mut s = 0.0;
    for i in 1..x.len() - 1 {
        let d = coeffs[0] * x[i - 1] + coeffs[1] * x[i] + coeffs[2] * x[i + 1];
        s += d * d;
    }
    s
}

#[test]
fn single_precision_and_mixtures() {
    for a in [0.5f32, 2.0, 7.5] {
        fd_scalar32(newton_sqrt32, newton_sqrt32_grad, a, "newton_sqrt32");
        assert!(
            (newton_sqrt32_grad(a) - 0.5 / a.sqrt()).abs() < 1e-4,
            "newton_sqrt32 closed form"
        );
    }
    let x32 = array![0.3f32, -1.2, 0.75, 2.1, -0.4];
    let y32 = array![1.1f32, 0.2, -0.7, 0.4, 0.9];
    ok(
        check_grad(l2_norm_iter32, l2_norm_iter32_grad, &x32),
        "l2_norm_iter32",
    );
    for act in [Act::Tanh, Act::Relu, Act::Softplus] {
        fd_scalar32(
            |x| activate32(x, act),
            |x| activate32_grad(x, act),
            0.6,
            "activate32",
        );
        fd_scalar32(
            |x| activate32(x, act),
            |x| activate32_grad(x, act),
            -0.8,
            "activate32",
        );
    }
    ok(check_grad(ema32, ema32_grad, &x32), "ema32");
    ok(check_grad(variance32, variance32_grad, &x32), "variance32");
    ok(
        check_grad(mapv_closure32, mapv_closure32_grad, &x32),
        "mapv_closure32",
    );
    ok(
        check_grad(enumerate_match32, enumerate_match32_grad, &x32),
        "enumerate_match32",
    );
    let m32 = m34().mapv(|v| v as f32);
    ok(
        check_grad(matvec_slice32, matvec_slice32_grad, &m32),
        "matvec_slice32",
    );
    for x in [0.3f32, -0.6, 1.0] {
        fd_scalar32(early_return32, early_return32_grad, x, "early_return32");
    }
    ok(
        check_grad(
            |x| zip_fold_guard32(x, &y32),
            |x| zip_fold_guard32_grad(x, &y32),
            &x32,
        ),
        "zip_fold_guard32",
    );
    let pos = array![0.5, 1.2, 2.0, 0.8];
    fd_arr(geometric_mean, geometric_mean_grad, &pos, "geometric_mean");
    let gm = geometric_mean(&pos);
    close_arr(
        &geometric_mean_grad(&pos),
        &pos.mapv(|v| gm / (4.0 * v)),
        "geometric_mean closed form",
    );
    let x = x5();
    fd_arr(
        log_sum_exp_loop,
        log_sum_exp_loop_grad,
        &x,
        "log_sum_exp_loop",
    );
    let e = x.mapv(f64::exp);
    close_arr(
        &log_sum_exp_loop_grad(&x),
        &(&e / e.sum()),
        "log_sum_exp_loop closed form",
    );
    let pts = array![[0.0, 0.0], [1.0, 0.5], [1.5, 2.0], [3.0, 2.2]];
    fd_mat(
        polyline_length,
        polyline_length_grad,
        &pts,
        "polyline_length",
    );
    let sq = array![[0.5, -0.3, 1.2], [-1.1, 0.4, 0.9], [0.7, 1.5, -0.6]];
    fd_mat(
        matrix_power_trace,
        matrix_power_trace_grad,
        &sq,
        "matrix_power_trace",
    );
    let m3 = sq.dot(&sq).dot(&sq);
    let g = matrix_power_trace_grad(&sq);
    for (a, b) in g.iter().zip(m3.t().iter()) {
        close(
            *a,
            4.0 * b / 8.0,
            "matrix_power_trace closed form (4/8) (M^3)^T",
        );
    }
    fd_arr(
        triangular_writes,
        triangular_writes_grad,
        &x,
        "triangular_writes",
    );
    fd_arr(
        running_max_penalty,
        running_max_penalty_grad,
        &x,
        "running_max_penalty",
    );
    fd_arr(rbf_kernel_sum, rbf_kernel_sum_grad, &x, "rbf_kernel_sum");
    fd_scalar(
        gradient_descent_unrolled,
        gradient_descent_unrolled_grad,
        0.5,
        "gradient_descent_unrolled",
    );
    fd_scalar(ode_euler, ode_euler_grad, 0.8, "ode_euler");
    let w = array![0.3, -0.2, 0.5];
    fd_arr(sigmoid_bce, sigmoid_bce_grad, &w, "sigmoid_bce");
    let xs = array![
        [1.0, 0.5, -0.3],
        [0.2, -1.0, 0.8],
        [-0.6, 0.3, 1.2],
        [0.9, 0.9, -0.1]
    ];
    let ys = array![1.0, 0.0, 1.0, 0.0];
    let p = xs.dot(&w).mapv(|z| 1.0 / (1.0 + (-z).exp()));
    close_arr(
        &sigmoid_bce_grad(&w),
        &(xs.t().dot(&(&p - &ys)) / 4.0),
        "sigmoid_bce closed form",
    );
    fd_arr(relu_network, relu_network_grad, &x, "relu_network");
    let y = array![1.1, 0.2, -0.7, 0.4, 0.9];
    fd_arr(
        |x| cosine_similarity(x, &y),
        |x| cosine_similarity_grad(x, &y),
        &x,
        "cosine_similarity",
    );
    let (nx, ny, d) = (x.dot(&x).sqrt(), y.dot(&y).sqrt(), x.dot(&y));
    close_arr(
        &cosine_similarity_grad(&x, &y),
        &(&y / (nx * ny) - &x * (d / (nx.powi(3) * ny))),
        "cosine_similarity closed form",
    );
    fd_arr(trapezoid, trapezoid_grad, &x, "trapezoid");
    close_arr(
        &trapezoid_grad(&x),
        &array![0.05, 0.1, 0.1, 0.1, 0.05],
        "trapezoid closed form",
    );
    fd_scalar(
        |x| shadowed_params(x, 0.3),
        |x| shadowed_params_grad(x, 0.3),
        0.7,
        "shadowed_params",
    );
    for order in [1, 2] {
        fd_arr(
            |x| finite_difference_stencil(x, order),
            |x| finite_difference_stencil_grad(x, order),
            &x,
            "finite_difference_stencil",
        );
    }
}

// ---------------------------------------------------------------------------------------------------
// Theme 6: adversarial semantics (closure capture and shadowing, adapter order, `mut` parameters,
// precedence, early exits): the value of `f_value_and_grad` must keep the bits of `f`, and the gradient
// must agree with central differences.

#[differentiable]
fn shadow_after_closure(x: f64) -> f64 {
    let a = x * 2.0;
    let f = |v: f64| v * a;
    let a = 100.0;
    f(x) + a
}

#[differentiable]
fn param_name_collision(x: f64) -> f64 {
    let v = x * 3.0;
    let f = |v: f64| v + 1.0;
    f(x * x) * v
}

#[differentiable]
fn fold_ref(x: &Array1<f64>) -> f64 {
    x.iter().fold(0.0, |acc, v| acc + v * v)
}

#[differentiable]
fn sum_typed_let(x: &Array1<f64>) -> f64 {
    let total: f64 = x.iter().sum();
    total * total
}

#[differentiable]
fn enumerate_map(x: &Array1<f64>) -> f64 {
    x.iter().enumerate().map(|(i, v)| v * i as f64).sum::<f64>()
}

#[differentiable]
fn named_closure_in_map(x: &Array1<f64>) -> f64 {
    let sq = |v: f64| v * v;
    x.iter().copied().map(sq).sum::<f64>()
}

#[differentiable]
fn mapv_if(x: &Array1<f64>) -> f64 {
    x.mapv(|v| if v > 0.0 { v } else { 0.01 * v }).sum()
}

#[differentiable]
fn f64_max_path(x: f64, y: f64) -> f64 {
    f64::max(x, y) + f64::hypot(x, y)
}

#[differentiable]
fn zip_deref(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    x.iter().zip(y.iter()).map(|(a, b)| *a * *b).sum::<f64>()
}

#[differentiable]
fn early_return_match_in_loop(x: f64) -> f64 {
    let mut y = x;
    for k in 0..6 {
        match k % 3 {
            0 => y *= 1.2,
            1 => {
                if y > 3.0 {
                    return y.sqrt();
                }
            }
            _ => y += 0.3,
        }
    }
    y
}

#[differentiable]
fn inner_break(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        for j in 0..x.len() {
            if j > i {
                break;
            }
            s += x[i] * x[j];
        }
    }
    s
}

#[differentiable]
fn closure_calls_in_mapv(x: &Array1<f64>) -> f64 {
    let sq = |v: f64| v * v;
    x.mapv(|v| sq(v) + 1.0).sum()
}

#[differentiable]
fn closure_ref_param(x: &Array1<f64>) -> f64 {
    let f = |v: &f64| v * 2.0;
    x.iter().map(f).sum::<f64>()
}

#[differentiable]
fn closure_in_loop_capturing_mut(x: f64) -> f64 {
    let mut s = 1.0;
    for _ in 0..3 {
        let f = |v: f64| v * s;
        s += f(x);
    }
    s
}

#[differentiable]
fn std_mean_division(x: &Array1<f64>) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

#[differentiable]
fn nested_fold(m: &Array2<f64>) -> f64 {
    (0..m.nrows())
        .map(|i| {
            (0..m.ncols())
                .map(|j| m[[i, j]] * (i + j) as f64)
                .sum::<f64>()
        })
        .sum::<f64>()
}

#[differentiable]
fn labels_zip(x: &Array1<f64>, labels: &[usize]) -> f64 {
    let mut s = 0.0;
    for (&l, v) in labels.iter().zip(x.iter()) {
        if l == 1 {
            s += v * v;
        }
    }
    s
}

#[differentiable]
fn if_let_in_loop(x: &Array1<f64>, skip: Option<usize>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if let Some(k) = skip {
            if k == i {
                continue;
            }
        }
        s += x[i].exp();
    }
    s
}

#[differentiable]
fn manual_matmul(a: &Array2<f64>) -> f64 {
    let (n, k) = (a.nrows(), a.ncols());
    let mut c = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in 0..n {
            for l in 0..k {
                c[[i, j]] += a[[i, l]] * a[[j, l]];
            }
        }
    }
    let mut t = 0.0;
    for i in 0..n {
        t += c[[i, i]] * c[[i, (i + 1) % n]];
    }
    t
}

#[differentiable]
fn inplace_cumsum(x: &Array1<f64>) -> f64 {
    let mut y = x.to_owned();
    for i in 1..y.len() {
        y[i] += y[i - 1] * 0.5;
    }
    y.mapv(|v| v.sin()).sum()
}

#[differentiable]
fn while_value_cond(x: f64) -> f64 {
    let mut y = x;
    let mut n = 0;
    while y < 10.0 && n < 100 {
        y = y * 1.7 + 0.2;
        n += 1;
    }
    y
}

#[differentiable]
fn closure_index(x: &Array1<f64>) -> f64 {
    let w = array![0.5, 1.0, 1.5, 2.0, 2.5];
    let at = |i: usize| x[i] * w[i];
    let mut s = 0.0;
    for i in 0..x.len() {
        s += at(i) * at((i + 1) % x.len());
    }
    s
}

#[differentiable]
fn row_in_loop(m: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..m.nrows() {
        let r = m.row(i);
        s += r.std(0.0) * (i as f64 + 1.0) + r.var(1.0);
    }
    s
}

#[differentiable]
fn diag_rect(m: &Array2<f64>) -> f64 {
    m.diag().mapv(|v| v.exp()).sum()
}

#[differentiable]
fn var_2d(m: &Array2<f64>) -> f64 {
    m.var(1.0) * m.std(0.0)
}

#[differentiable]
fn std_captured(x: &Array1<f64>) -> f64 {
    let sd = x.std(1.0);
    let mu = x.mean().unwrap();
    x.mapv(|v| ((v - mu) / sd).tanh()).sum()
}

#[differentiable]
fn array_then_whole_read(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = Array1::zeros(n);
    for i in 0..n {
        y[i] = x[i] * x[(i + 1) % n];
    }
    y.sum() + y.dot(&y)
}

#[differentiable]
fn column_writes_2d(m: &Array2<f64>) -> f64 {
    let mut out = Array2::zeros((m.ncols(), m.nrows()));
    for i in 0..m.nrows() {
        for j in 0..m.ncols() {
            out[[j, i]] = m[[i, j]].powi(2);
            if j > 0 {
                out[[j, i]] -= out[[j - 1, i]] * 0.5;
            }
        }
    }
    out.sum_axis(Axis(0)).mapv(|v| v.sin()).sum()
}

#[differentiable]
fn return_inside_nested(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        for j in 0..x.len() {
            s += x[i] * x[j];
            if s > 2.0 {
                return s * x[j];
            }
        }
    }
    s
}

#[differentiable]
fn mapv_of_mapv(x: &Array1<f64>) -> f64 {
    let a = 0.5 * x[0];
    let f = |v: f64| v * a;
    x.mapv(f).mapv(|v| v.exp()).mapv(f).sum()
}

#[differentiable]
fn var_named_s_with_slice(x: &Array1<f64>) -> f64 {
    let s = 2.0;
    x.slice(s![1..]).sum() * s
}

#[differentiable]
fn slices_in_loop(x: &Array1<f64>) -> f64 {
    let mut acc = 0.0;
    for i in 0..x.len() - 1 {
        acc += x.slice(s![i..i + 2]).sum();
    }
    acc
}

// Late initialization in a loop body is the construct under test.
#[allow(clippy::needless_late_init)]
#[differentiable]
fn deref_late_init(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for v in x.iter() {
        let w;
        if *v > 0.0 {
            w = *v;
        } else {
            w = 0.0;
        }
        s += w;
    }
    s
}

#[differentiable]
fn move_closure(x: f64) -> f64 {
    let mut a = x;
    let f = move |v: f64| v * a;
    a = 5.0 * x;
    f(2.0) + a
}

#[differentiable]
fn enum_rev(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate().rev() {
        s = s * 0.5 + v * (i as f64 + 1.0);
    }
    s
}

#[differentiable]
fn rev_enum(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().rev().enumerate() {
        s = s * 0.5 + v * (i as f64 + 1.0);
    }
    s
}

#[differentiable]
fn step_skip(x: &Array1<f64>) -> f64 {
    let a = x
        .iter()
        .step_by(2)
        .skip(1)
        .fold(0.0, |acc, &v| acc * 0.3 + v);
    let b = x
        .iter()
        .skip(1)
        .step_by(2)
        .fold(0.0, |acc, &v| acc * 0.3 + v);
    a * 10.0 + b
}

#[differentiable]
fn zip_unequal(x: &Array1<f64>) -> f64 {
    let w = array![1.0, 2.0, 3.0];
    x.iter().zip(w.iter()).map(|(a, b)| a * b).sum::<f64>()
}

#[differentiable]
fn take_more(x: &Array1<f64>) -> f64 {
    x.iter().take(100).map(|v| v * v).sum::<f64>()
}

#[differentiable]
fn range_step_rev(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in (0..x.len()).step_by(2).rev() {
        s = s * 0.5 + x[i];
    }
    s
}

#[differentiable]
fn mut_param(mut x: f64) -> f64 {
    x += 1.0;
    x *= x;
    x
}

#[differentiable]
fn neg_powi(x: f64) -> f64 {
    -x.powi(2) + -x.exp() * 2.0
}

#[differentiable]
fn literal_receiver(x: f64) -> f64 {
    2.0_f64.powf(x) + 10f64.powf(x * 0.5)
}

#[differentiable]
fn shadow_in_loop(x: f64) -> f64 {
    let mut acc = 0.0;
    let mut s = x;
    for _ in 0..3 {
        let s2 = s * 2.0;
        let s = s2.sin();
        acc += s;
    }
    s = acc;
    s
}

#[differentiable]
fn empty_guard(x: &Array1<f64>) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    x[x.len() - 1] * x[0]
}

#[differentiable]
fn closure_ret_type(x: f64) -> f64 {
    let f = |v: f64| -> f64 { v * 2.0 + x };
    let g = |v| v * 3.0;
    f(x) * g(x)
}

#[differentiable]
fn closure_alias(x: f64) -> f64 {
    let f = |v: f64| v.sin();
    let g = f;
    g(x) + f(2.0 * x)
}

#[differentiable]
fn helper_exp(x: f64) -> f64 {
    x.exp()
}

#[differentiable]
fn closure_calls_fn(x: f64) -> f64 {
    let f = |v: f64| helper_exp(v) * v;
    f(x) + f(x * x)
}

#[differentiable]
fn nested_closure_capture_order(x: f64) -> f64 {
    let a = x;
    let f = |v: f64| v + a;
    let a = f(1.0);
    let g = |v: f64| v * a;
    g(x)
}

#[differentiable]
fn loop_break_in_match(x: f64) -> f64 {
    let mut y = x;
    let mut k = 0;
    loop {
        match k {
            0..=2 => y *= 1.1,
            _ => {
                if y > 1.0 {
                    break;
                }
                y += 0.5;
            }
        }
        k += 1;
        if k > 20 {
            break;
        }
    }
    y
}

/// The value of `vg` keeps the bits of `f`, and `check_grad` passes, for a scalar input.
#[track_caller]
fn bits_and_fd(f: impl Fn(f64) -> f64, vg: impl Fn(f64) -> (f64, f64), x: f64, what: &str) {
    assert_eq!(vg(x).0.to_bits(), f(x).to_bits(), "{what}: value bits");
    fd_scalar(&f, |x| vg(x).1, x, what);
}

/// The same for an `Array1<f64>` input.
#[track_caller]
fn bits_and_fd_arr(
    f: impl Fn(&Array1<f64>) -> f64,
    vg: impl Fn(&Array1<f64>) -> (f64, Array1<f64>),
    x: &Array1<f64>,
    what: &str,
) {
    assert_eq!(vg(x).0.to_bits(), f(x).to_bits(), "{what}: value bits");
    fd_arr(&f, |x| vg(x).1, x, what);
}

/// The same for an `Array2<f64>` input.
#[track_caller]
fn bits_and_fd_mat(
    f: impl Fn(&Array2<f64>) -> f64,
    vg: impl Fn(&Array2<f64>) -> (f64, Array2<f64>),
    x: &Array2<f64>,
    what: &str,
) {
    assert_eq!(vg(x).0.to_bits(), f(x).to_bits(), "{what}: value bits");
    fd_mat(&f, |x| vg(x).1, x, what);
}

#[test]
fn adversarial_semantics() {
    let x = x5();
    let y = array![1.1, 0.2, -0.7, 0.4, 0.9];
    let x7 = array![0.3, -1.2, 0.75, 2.1, -0.4, 0.9, 1.3];
    let m = m34();
    bits_and_fd(
        shadow_after_closure,
        shadow_after_closure_value_and_grad,
        0.7,
        "shadow_after_closure",
    );
    close(
        shadow_after_closure_grad(0.7),
        4.0 * 0.7,
        "shadow_after_closure closed form (captures the first a)",
    );
    bits_and_fd(
        param_name_collision,
        param_name_collision_value_and_grad,
        0.7,
        "param_name_collision",
    );
    bits_and_fd_arr(fold_ref, fold_ref_value_and_grad, &x, "fold_ref");
    close_arr(&fold_ref_grad(&x), &(&x * 2.0), "fold_ref closed form");
    bits_and_fd_arr(
        sum_typed_let,
        sum_typed_let_value_and_grad,
        &x,
        "sum_typed_let",
    );
    bits_and_fd_arr(
        enumerate_map,
        enumerate_map_value_and_grad,
        &x,
        "enumerate_map",
    );
    close_arr(
        &enumerate_map_grad(&x),
        &array![0.0, 1.0, 2.0, 3.0, 4.0],
        "enumerate_map closed form",
    );
    bits_and_fd_arr(
        named_closure_in_map,
        named_closure_in_map_value_and_grad,
        &x,
        "named_closure_in_map",
    );
    bits_and_fd_arr(mapv_if, mapv_if_value_and_grad, &x, "mapv_if");
    close_arr(
        &mapv_if_grad(&x),
        &x.mapv(|v| if v > 0.0 { 1.0 } else { 0.01 }),
        "mapv_if closed form",
    );
    bits_and_fd(
        |x| f64_max_path(x, 0.2),
        |x| f64_max_path_value_and_grad(x, 0.2),
        0.7,
        "f64_max_path",
    );
    bits_and_fd_arr(
        |x| zip_deref(x, &y),
        |x| zip_deref_value_and_grad(x, &y),
        &x,
        "zip_deref",
    );
    for x0 in [0.5, 2.0, 3.5] {
        bits_and_fd(
            early_return_match_in_loop,
            early_return_match_in_loop_value_and_grad,
            x0,
            "early_return_match_in_loop",
        );
    }
    bits_and_fd_arr(inner_break, inner_break_value_and_grad, &x, "inner_break");
    bits_and_fd_arr(
        closure_calls_in_mapv,
        closure_calls_in_mapv_value_and_grad,
        &x,
        "closure_calls_in_mapv",
    );
    bits_and_fd_arr(
        closure_ref_param,
        closure_ref_param_value_and_grad,
        &x,
        "closure_ref_param",
    );
    bits_and_fd(
        closure_in_loop_capturing_mut,
        closure_in_loop_capturing_mut_value_and_grad,
        0.7,
        "closure_in_loop_capturing_mut",
    );
    bits_and_fd_arr(
        std_mean_division,
        std_mean_division_value_and_grad,
        &x,
        "std_mean_division",
    );
    bits_and_fd_mat(nested_fold, nested_fold_value_and_grad, &m, "nested_fold");
    let labels = [1usize, 0, 1, 1, 0];
    bits_and_fd_arr(
        |x| labels_zip(x, &labels),
        |x| labels_zip_value_and_grad(x, &labels),
        &x,
        "labels_zip",
    );
    close_arr(
        &labels_zip_grad(&x, &labels),
        &array![2.0 * x[0], 0.0, 2.0 * x[2], 2.0 * x[3], 0.0],
        "labels_zip closed form",
    );
    for skip in [Some(2), None] {
        bits_and_fd_arr(
            |x| if_let_in_loop(x, skip),
            |x| if_let_in_loop_value_and_grad(x, skip),
            &x,
            "if_let_in_loop",
        );
    }
    bits_and_fd_mat(
        manual_matmul,
        manual_matmul_value_and_grad,
        &m,
        "manual_matmul",
    );
    bits_and_fd_arr(
        inplace_cumsum,
        inplace_cumsum_value_and_grad,
        &x,
        "inplace_cumsum",
    );
    for x0 in [0.5, 3.0, 12.0] {
        bits_and_fd(
            while_value_cond,
            while_value_cond_value_and_grad,
            x0,
            "while_value_cond",
        );
    }
    bits_and_fd_arr(
        closure_index,
        closure_index_value_and_grad,
        &x,
        "closure_index",
    );
    bits_and_fd_mat(row_in_loop, row_in_loop_value_and_grad, &m, "row_in_loop");
    bits_and_fd_mat(diag_rect, diag_rect_value_and_grad, &m, "diag_rect");
    bits_and_fd_mat(var_2d, var_2d_value_and_grad, &m, "var_2d");
    bits_and_fd_arr(
        std_captured,
        std_captured_value_and_grad,
        &x,
        "std_captured",
    );
    bits_and_fd_arr(
        array_then_whole_read,
        array_then_whole_read_value_and_grad,
        &x,
        "array_then_whole_read",
    );
    bits_and_fd_mat(
        column_writes_2d,
        column_writes_2d_value_and_grad,
        &m,
        "column_writes_2d",
    );
    bits_and_fd_arr(
        return_inside_nested,
        return_inside_nested_value_and_grad,
        &x,
        "return_inside_nested",
    );
    bits_and_fd_arr(
        return_inside_nested,
        return_inside_nested_value_and_grad,
        &(&x * 0.1),
        "return_inside_nested (no return)",
    );
    bits_and_fd_arr(
        mapv_of_mapv,
        mapv_of_mapv_value_and_grad,
        &x,
        "mapv_of_mapv",
    );
    bits_and_fd_arr(
        var_named_s_with_slice,
        var_named_s_with_slice_value_and_grad,
        &x,
        "var_named_s_with_slice",
    );
    bits_and_fd_arr(
        slices_in_loop,
        slices_in_loop_value_and_grad,
        &x,
        "slices_in_loop",
    );
    close_arr(
        &slices_in_loop_grad(&x),
        &array![1.0, 2.0, 2.0, 2.0, 1.0],
        "slices_in_loop closed form",
    );
    bits_and_fd_arr(
        deref_late_init,
        deref_late_init_value_and_grad,
        &x,
        "deref_late_init",
    );
    bits_and_fd(
        move_closure,
        move_closure_value_and_grad,
        0.7,
        "move_closure",
    );
    close(
        move_closure_grad(0.7),
        7.0,
        "move_closure closed form (the moved copy of a)",
    );
    bits_and_fd_arr(enum_rev, enum_rev_value_and_grad, &x, "enum_rev");
    bits_and_fd_arr(rev_enum, rev_enum_value_and_grad, &x, "rev_enum");
    close_arr(
        &enum_rev_grad(&x),
        &array![1.0, 1.0, 0.75, 0.5, 0.3125],
        "enum_rev closed form",
    );
    bits_and_fd_arr(step_skip, step_skip_value_and_grad, &x7, "step_skip");
    bits_and_fd_arr(zip_unequal, zip_unequal_value_and_grad, &x, "zip_unequal");
    close_arr(
        &zip_unequal_grad(&x),
        &array![1.0, 2.0, 3.0, 0.0, 0.0],
        "zip_unequal closed form",
    );
    bits_and_fd_arr(take_more, take_more_value_and_grad, &x, "take_more");
    bits_and_fd_arr(
        range_step_rev,
        range_step_rev_value_and_grad,
        &x7.slice(s![..6]).to_owned(),
        "range_step_rev",
    );
    bits_and_fd(mut_param, mut_param_value_and_grad, 0.7, "mut_param");
    close(mut_param_grad(0.7), 2.0 * 1.7, "mut_param closed form");
    bits_and_fd(neg_powi, neg_powi_value_and_grad, 0.7, "neg_powi");
    close(
        neg_powi_grad(0.7),
        -1.4 - 2.0 * 0.7f64.exp(),
        "neg_powi closed form",
    );
    bits_and_fd(
        literal_receiver,
        literal_receiver_value_and_grad,
        0.7,
        "literal_receiver",
    );
    bits_and_fd(
        shadow_in_loop,
        shadow_in_loop_value_and_grad,
        0.7,
        "shadow_in_loop",
    );
    bits_and_fd_arr(empty_guard, empty_guard_value_and_grad, &x, "empty_guard");
    assert_eq!(
        empty_guard_value_and_grad(&Array1::zeros(0)).0,
        0.0,
        "empty_guard on no elements"
    );
    bits_and_fd(
        closure_ret_type,
        closure_ret_type_value_and_grad,
        0.7,
        "closure_ret_type",
    );
    bits_and_fd(
        closure_alias,
        closure_alias_value_and_grad,
        0.7,
        "closure_alias",
    );
    bits_and_fd(
        closure_calls_fn,
        closure_calls_fn_value_and_grad,
        0.7,
        "closure_calls_fn",
    );
    bits_and_fd(
        nested_closure_capture_order,
        nested_closure_capture_order_value_and_grad,
        0.7,
        "nested_closure_capture_order",
    );
    close(
        nested_closure_capture_order_grad(0.7),
        1.0 + 2.0 * 0.7,
        "nested_closure_capture_order closed form",
    );
    for x0 in [0.2, 0.9, 1.5] {
        bits_and_fd(
            loop_break_in_match,
            loop_break_in_match_value_and_grad,
            x0,
            "loop_break_in_match",
        );
    }
}

// ---------------------------------------------------------------------------------------------------
// Theme 7: element writes overwritten and read back, scatter-adds, a struct with a `Vec` field and a
// `&self` method over a zip, forward mode (`jvp`) through iterators, closures and element writes.

#[derive(Clone, Debug, Differentiable)]
pub struct Scorer {
    w: Vec<f64>,
    a: Array1<f64>,
    c: f64,
}

impl Scorer {
    #[differentiable]
    fn score(&self, x: &Array1<f64>) -> f64 {
        let mut s = 0.0;
        for (i, (wi, xi)) in self.w.iter().zip(x.iter()).enumerate() {
            s += wi * xi * self.a[i] + self.c;
        }
        s * s
    }
}

#[differentiable(jvp)]
fn multi_write(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = Array1::zeros(n);
    for i in 0..n {
        y[i] = x[i];
        y[i] *= x[i];
        y[i] -= 0.5 * x[(i + 1) % n];
        y[i] /= 1.0 + x[i] * x[i];
        if i > 0 {
            y[i] += y[i - 1] * 0.3;
        }
    }
    y.iter().map(|v| v * v).sum::<f64>()
}

#[differentiable(jvp)]
fn iter_jvp(x: &Array1<f64>) -> f64 {
    let f = |v: f64| v.tanh() * 2.0;
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        s += match i % 2 {
            0 => f(*v),
            _ => v.exp(),
        };
    }
    s + x.iter().fold(0.0, |a, &v| a * 0.5 + v)
}

#[differentiable(jvp)]
fn while_writes(x: &Array1<f64>) -> f64 {
    let mut y = x.to_owned();
    let mut k = 0;
    while k < 3 {
        for i in 1..y.len() {
            y[i] = y[i] * 0.5 + y[i - 1].sin();
        }
        k += 1;
    }
    y.sum()
}

#[differentiable]
fn zip_skip_sin(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (a, b) in x.iter().zip(x.iter().skip(1)) {
        s += (a * b).sin();
    }
    s
}

#[differentiable]
fn f32_iter(x: &Array1<f32>) -> f32 {
    let m = x.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    x.iter().map(|v| (v - m).exp()).sum::<f32>().ln() + m
}

#[differentiable]
fn vec_write(x: &Vec<f64>) -> f64 {
    let mut y = vec![0.0; x.len()];
    for (i, v) in x.iter().enumerate() {
        y[i] = v * v;
    }
    for i in (0..y.len()).rev() {
        if i + 1 < y.len() {
            y[i] += y[i + 1];
        }
    }
    y[0]
}

#[differentiable]
fn scatter_add(x: &Array1<f64>) -> f64 {
    let idx = [0usize, 2, 0, 1, 2];
    let mut b = Array1::zeros(3);
    for (k, &j) in idx.iter().enumerate() {
        b[j] += x[k] * x[k];
    }
    b.mapv(f64::sqrt).sum()
}

#[differentiable]
fn overwrite_twice(x: &Array1<f64>) -> f64 {
    let mut y = x.to_owned();
    for i in 0..y.len() {
        y[i] *= 2.0;
        y[i] = y[i].sin();
    }
    for i in 0..y.len() {
        y[i] = y[i] * y[i];
    }
    y.sum()
}

#[differentiable]
fn sum_type_inferred(x: &Array1<f64>) -> f64 {
    let n = x.iter().map(|v| v * v).sum::<f64>();
    let total = x.iter().sum::<f64>();
    n / total.abs().max(1.0)
}

#[differentiable]
fn fold_nan_max(x: &Array1<f64>) -> f64 {
    x.iter().cloned().fold(f64::NAN, f64::max)
}

#[differentiable]
fn zip_array_direct(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

#[differentiable]
fn dot_norm(x: &Array1<f64>) -> f64 {
    let nrm = x.dot(x).sqrt();
    (x / nrm).mapv(|v| v.powi(3)).sum()
}

#[test]
fn writes_structs_and_forward_mode() {
    let x = x5();
    let y = array![1.1, 0.2, -0.7, 0.4, 0.9];
    let d = array![0.2, 0.5, -0.3, 1.0, 0.7];
    let p = Scorer {
        w: vec![0.5, -0.2, 0.3, 1.1, 0.4],
        a: array![1.0, 0.5, -0.5, 2.0, 0.1],
        c: 0.2,
    };
    ok(
        check_grad(|p: &Scorer| p.score(&x), |p: &Scorer| p.score_grad(&x), &p),
        "Scorer::score",
    );
    let g = p.score_grad(&x);
    let inner: f64 = (0..5).map(|i| p.w[i] * x[i] * p.a[i] + p.c).sum();
    close(g.c, 2.0 * inner * 5.0, "Scorer::score d/dc closed form");
    type F = fn(&Array1<f64>) -> f64;
    type G = fn(&Array1<f64>) -> Array1<f64>;
    type J = fn(&Array1<f64>, (Array1<f64>,)) -> (f64, f64);
    let forward: [(&str, F, G, J); 3] = [
        (
            "multi_write",
            multi_write,
            multi_write_grad,
            multi_write_jvp,
        ),
        ("iter_jvp", iter_jvp, iter_jvp_grad, iter_jvp_jvp),
        (
            "while_writes",
            while_writes,
            while_writes_grad,
            while_writes_jvp,
        ),
    ];
    for (name, f, g, j) in forward {
        fd_arr(f, g, &x, name);
        let (v, t) = j(&x, (d.clone(),));
        assert_eq!(v.to_bits(), f(&x).to_bits(), "{name}: jvp value bits");
        close(
            t,
            g(&x).dot(&d),
            &format!("{name}: jvp tangent vs grad . d"),
        );
    }
    fd_arr(zip_skip_sin, zip_skip_sin_grad, &x, "zip_skip_sin");
    let x32 = x.mapv(|v| v as f32);
    ok(check_grad(f32_iter, f32_iter_grad, &x32), "f32_iter");
    let xv = x.to_vec();
    ok(
        check_grad(|v: &Vec<f64>| vec_write(v), vec_write_grad, &xv),
        "vec_write",
    );
    close_arr(
        &Array1::from(vec_write_grad(&xv)),
        &(&x * 2.0),
        "vec_write closed form",
    );
    fd_arr(scatter_add, scatter_add_grad, &x, "scatter_add");
    fd_arr(overwrite_twice, overwrite_twice_grad, &x, "overwrite_twice");
    close_arr(
        &overwrite_twice_grad(&x),
        &x.mapv(|v| 2.0 * (2.0 * v).sin() * (2.0 * v).cos() * 2.0),
        "overwrite_twice closed form",
    );
    fd_arr(
        sum_type_inferred,
        sum_type_inferred_grad,
        &x,
        "sum_type_inferred",
    );
    fd_arr(fold_nan_max, fold_nan_max_grad, &x, "fold_nan_max");
    close_arr(
        &fold_nan_max_grad(&x),
        &array![0.0, 0.0, 0.0, 1.0, 0.0],
        "fold_nan_max closed form",
    );
    fd_arr(
        |x| zip_array_direct(x, &y),
        |x| zip_array_direct_grad(x, &y),
        &x,
        "zip_array_direct",
    );
    close_arr(
        &zip_array_direct_grad(&x, &y),
        &y,
        "zip_array_direct closed form",
    );
    fd_arr(dot_norm, dot_norm_grad, &x, "dot_norm");
}

// ---------------------------------------------------------------------------------------------------
// Theme 8: building values, mixed: literals of values in a `match` arm, `push` through a local closure
// in an enumerate loop, `collect` then a fold, loops over rows with a `filter`, a `vjp` helper's tuple
// output read by field, struct literals passed to a method, `from_shape_fn` Gram matrices, `fill` and
// `assign`, generic functions that push and fold, tuple parameters over rows, `outer_iter` in a `match`.

#[differentiable]
fn softmax_sq(x: &Array1<f64>) -> f64 {
    let e: Vec<f64> = x.iter().map(|v| v.exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).fold(0.0, |a, p| a + p * p)
}

#[differentiable]
fn rotate_by_kind(t: f64, k: usize) -> f64 {
    let (c, s) = (t.cos(), t.sin());
    match k {
        0 => {
            let r = array![[c, -s], [s, c]];
            r.dot(&array![1.0, 2.0]).sum()
        }
        _ => {
            let v = [c * c, s, 1.0];
            v[0] * v[1] + v[2]
        }
    }
}

#[differentiable]
fn pushed_through_closure(x: &Array1<f64>) -> f64 {
    let sq = |v: f64| v * v;
    let mut out = Vec::new();
    for (i, v) in x.iter().enumerate() {
        out.push(sq(*v) * (i as f64 + 1.0));
    }
    out.iter().sum()
}

#[differentiable]
fn positive_row_energy(m: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for row in m.rows() {
        s += row.iter().filter(|v| **v > 0.0).map(|v| v * v).sum::<f64>();
    }
    s
}

#[differentiable(vjp)]
fn mean_and_spread(x: &Array1<f64>) -> (f64, f64) {
    let m = x.mean().unwrap();
    (m, x.mapv(|v| (v - m).powi(2)).sum())
}

#[differentiable]
fn uses_tuple_output(x: &Array1<f64>) -> f64 {
    let t = mean_and_spread(x);
    t.0 * t.1 + t.1.sqrt()
}

#[derive(Clone, Debug, Differentiable)]
pub struct Affine {
    pub w: Array1<f64>,
    pub b: f64,
}

impl Affine {
    #[differentiable]
    pub fn apply(&self, x: &Array1<f64>) -> f64 {
        (x.dot(&self.w) + self.b).tanh()
    }
}

#[differentiable]
fn built_affine(x: &Array1<f64>) -> f64 {
    let mut total = 0.0;
    for k in 0..3 {
        let a = Affine {
            w: x * (k as f64 + 1.0),
            b: x[k],
        };
        total += a.apply(x);
    }
    total
}

#[differentiable]
fn gram_kernel(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let g = Array2::from_shape_fn((n, n), |(i, j)| (-(x[i] - x[j]).powi(2)).exp());
    let d = Array1::from_shape_fn(n, |i| g[[i, i]] * x[i]);
    g.sum() + d.sum()
}

#[differentiable]
fn fill_then_assign(x: &Array1<f64>) -> f64 {
    let mut y: Array1<f64> = Array1::zeros(x.len());
    y.fill(x.sum());
    let first = y.dot(x);
    y.assign(&x.mapv(|v| v.sin()));
    first + y.sum()
}

#[differentiable]
fn squared_steps<F: Real>(x: &Array1<F>) -> F {
    let mut v = Vec::new();
    for i in 1..x.len() {
        v.push(x[i] - x[i - 1]);
    }
    v.iter().fold(F::zero(), |a, &d| a + d * d)
}

#[differentiable(argnums = (0, 1))]
fn rows_through_tuple(p: (&Array1<f64>, f64), m: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for row in m.rows() {
        s += (row.dot(p.0) + p.1).tanh();
    }
    s
}

#[differentiable]
fn outer_by_parity(m: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for (i, r) in m.outer_iter().enumerate() {
        match i % 2 {
            0 => s += r.sum(),
            _ => s -= r[0] * r[1],
        }
    }
    s
}

#[differentiable]
fn collected_slices(x: &Array1<f64>) -> f64 {
    let y: Array1<f64> = x.iter().map(|v| v * 2.0).collect();
    y.slice(s![1..]).dot(&y.slice(s![..-1]))
}

#[differentiable]
fn vec_literal_zip(x: &Array1<f64>, a: f64) -> f64 {
    let w = vec![a, a * a, a.sin()];
    w.iter().zip(x.iter()).map(|(p, q)| p * q).sum::<f64>()
}

#[differentiable]
fn aliased_methods(m: &Array2<f64>) -> f64 {
    let r = m.map(|&v| v * v).sum_axis(Axis(0));
    let c = m.to_owned().mapv_into(|v| v.exp()).column(1).to_owned();
    let first = m.slice(s![0..1, ..]).to_owned().remove_axis(Axis(0));
    r.sum() + c.sum() + first.dot(&first)
}

#[test]
fn building_values_mixed() {
    let x = x5();
    let m = m34();
    fd_arr(softmax_sq, softmax_sq_grad, &x, "softmax_sq");
    // sum p_i^2 with p = softmax(x): d/dx_k = 2 p_k (p_k - sum p^2).
    let e = x.mapv(f64::exp);
    let p = &e / e.sum();
    let s2 = p.dot(&p);
    close_arr(
        &softmax_sq_grad(&x),
        &(&p * 2.0 * &(&p - s2)),
        "softmax_sq closed form",
    );
    for k in [0usize, 1] {
        fd_scalar(
            |t| rotate_by_kind(t, k),
            |t| rotate_by_kind_grad(t, k),
            0.4,
            "rotate_by_kind",
        );
    }
    let t = 0.4f64;
    close(
        rotate_by_kind_grad(t, 0),
        -3.0 * t.sin() - t.cos(),
        "rotate_by_kind 0 closed form",
    );
    fd_arr(
        pushed_through_closure,
        pushed_through_closure_grad,
        &x,
        "pushed_through_closure",
    );
    close_arr(
        &pushed_through_closure_grad(&x),
        &Array1::from_shape_fn(5, |i| 2.0 * x[i] * (i as f64 + 1.0)),
        "pushed_through_closure closed form",
    );
    fd_mat(
        positive_row_energy,
        positive_row_energy_grad,
        &m,
        "positive_row_energy",
    );
    fd_arr(
        uses_tuple_output,
        uses_tuple_output_grad,
        &x,
        "uses_tuple_output",
    );
    fd_arr(built_affine, built_affine_grad, &x, "built_affine");
    fd_arr(gram_kernel, gram_kernel_grad, &x, "gram_kernel");
    fd_arr(
        fill_then_assign,
        fill_then_assign_grad,
        &x,
        "fill_then_assign",
    );
    // (sum x)^2 + sum sin x.
    close_arr(
        &fill_then_assign_grad(&x),
        &x.mapv(|v| 2.0 * x.sum() + v.cos()),
        "fill_then_assign closed form",
    );
    fd_arr(
        squared_steps::<f64>,
        squared_steps_grad::<f64>,
        &x,
        "squared_steps",
    );
    let x32 = x.mapv(|v| v as f32);
    ok(
        check_grad(squared_steps::<f32>, squared_steps_grad::<f32>, &x32),
        "squared_steps f32",
    );
    let w = array![0.2, -0.5, 0.1, 0.3];
    fd_arr(
        |w| rows_through_tuple((w, 0.3), &m),
        |w| rows_through_tuple_grad((w, 0.3), &m).0 .0,
        &w,
        "rows_through_tuple w",
    );
    fd_scalar(
        |b| rows_through_tuple((&w, b), &m),
        |b| rows_through_tuple_grad((&w, b), &m).0 .1,
        0.3,
        "rows_through_tuple b",
    );
    fd_mat(outer_by_parity, outer_by_parity_grad, &m, "outer_by_parity");
    fd_arr(
        collected_slices,
        collected_slices_grad,
        &x,
        "collected_slices",
    );
    let x3 = array![0.3, -1.2, 0.75];
    fd_arr(
        |x| vec_literal_zip(x, 0.6),
        |x| vec_literal_zip_grad(x, 0.6),
        &x3,
        "vec_literal_zip",
    );
    close_arr(
        &vec_literal_zip_grad(&x3, 0.6),
        &array![0.6, 0.36, 0.6f64.sin()],
        "vec_literal_zip closed form",
    );
    fd_mat(aliased_methods, aliased_methods_grad, &m, "aliased_methods");
}

// ---------------------------------------------------------------------------------------------------
// Values of a length known only when they are built: pushes under conditions, `filter` before
// `collect`, arrays from `Vec`s and iterators.

/// Local maxima (strictly above both neighbours), pushed from a loop with a `match` on the position.
#[differentiable]
fn peaks_weighted(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut peaks = Vec::new();
    for i in 0..n {
        let left = match i {
            0 => f64::NEG_INFINITY,
            _ => x[i - 1],
        };
        let right = if i + 1 < n {
            x[i + 1]
        } else {
            f64::NEG_INFINITY
        };
        if x[i] > left && x[i] > right {
            peaks.push(x[i] * (i as f64 + 1.0));
        }
    }
    let a = Array1::from_vec(peaks);
    a.mapv(|p| p.tanh()).sum()
}

/// A closure as the filter's predicate threshold and the map, collected into an array.
#[differentiable(argnums = (0, 1))]
fn thresholded_softplus(x: &Array1<f64>, t: f64) -> f64 {
    let softplus = |v: f64| (1.0 + v.exp()).ln();
    let kept: Array1<f64> = x
        .iter()
        .zip(x.iter().skip(1))
        .filter(|(a, b)| **a + **b > 0.0)
        .map(|(a, b)| softplus(a * t - b))
        .collect();
    kept.sum() / (kept.len() as f64 + 1.0)
}

/// A `Vec` filled from a `match` on a bucket (pushes in its arms), another by `filter` and `collect`.
#[differentiable]
fn split_by_sign(x: &Array1<f64>) -> f64 {
    let mut pos = Vec::new();
    for v in x.iter() {
        match (2.0 * v).floor() as i32 {
            0 => pos.push(v.sqrt()),
            1 | 2 => pos.push(2.0 * v.sqrt()),
            _ => {}
        }
    }
    let neg: Vec<f64> = x
        .iter()
        .copied()
        .filter(|v| *v <= 0.0)
        .map(|v| v * v)
        .collect();
    let p = pos.iter().sum::<f64>();
    let q = neg.iter().fold(0.0, |acc, v| acc + v.sin());
    p * q + p
}

#[test]
fn lengths_known_when_built() {
    let x = array![0.3, 1.1, -0.4, 0.9, 0.2, 1.5];
    fd_arr(peaks_weighted, peaks_weighted_grad, &x, "peaks_weighted");
    // Peaks: x1 (1.1 > 0.3, -0.4) at place 2, x3 (0.9) at 4, x5 (1.5) at 6.
    let g = peaks_weighted_grad(&x);
    let sech2 = |v: f64| 1.0 - v.tanh().powi(2);
    let want = array![
        0.0,
        2.0 * sech2(2.2),
        0.0,
        4.0 * sech2(3.6),
        0.0,
        6.0 * sech2(9.0)
    ];
    close_arr(&g, &want, "peaks_weighted closed form");
    fd_arr(
        |x| thresholded_softplus(x, 0.7),
        |x| thresholded_softplus_grad(x, 0.7).0,
        &x,
        "thresholded_softplus x",
    );
    fd_scalar(
        |t| thresholded_softplus(&x, t),
        |t| thresholded_softplus_grad(&x, t).1,
        0.7,
        "thresholded_softplus t",
    );
    // Buckets 0, 2, -1, 1, 0, 3, -2: pushed sqrt(0.3), 2 sqrt(1.1), 2 sqrt(0.9), sqrt(0.2).
    let x = array![0.3, 1.1, -0.4, 0.9, 0.2, 1.6, -0.7];
    fd_arr(split_by_sign, split_by_sign_grad, &x, "split_by_sign");
    assert_eq!(split_by_sign_value_and_grad(&x).0, split_by_sign(&x));
}
