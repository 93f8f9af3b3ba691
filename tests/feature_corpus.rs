//! A corpus of small functions mixing the recent features: forward mode, `return` anywhere, arrays
//! read in the loops that write them, calls, `mapv` closures over outer values, f32, shape ops.
#![deny(warnings)]
#![allow(clippy::all)]

use autodiff::ndarray::{array, Array, Array1, Array2, Array3, Axis};
use autodiff::nn;
use autodiff::prelude::*;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn fd(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6 * x.abs().max(1.0);
    (f(x + h) - f(x - h)) / (2.0 * h)
}

fn fd32(f: impl Fn(f32) -> f32, x: f32) -> f32 {
    let xd = x as f64;
    let g = |v: f64| f(v as f32) as f64;
    let h = 1e-2 * xd.abs().max(1.0);
    // f32 steps: the step actually representable
    let (p, m) = ((xd + h) as f32 as f64, (xd - h) as f32 as f64);
    ((g(p) - g(m)) / (p - m)) as f32
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

#[track_caller]
fn assert_close(got: f64, expected: f64, tol: f64, what: &str) {
    assert!(
        close(got, expected, tol),
        "{what}: got {got}, expected {expected}"
    );
}

#[track_caller]
fn assert_arr_close<D: autodiff::ndarray::Dimension>(
    got: &Array<f64, D>,
    expected: &Array<f64, D>,
    tol: f64,
    what: &str,
) {
    assert_eq!(got.shape(), expected.shape(), "{what}: shapes");
    for (a, b) in got.iter().zip(expected.iter()) {
        assert!(close(*a, *b, tol), "{what}: got {got}, expected {expected}");
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Forward mode with loops, branches and returns
// ---------------------------------------------------------------------------------------------

#[differentiable]
fn fm_loop_branch_return(x: f64, y: f64) -> f64 {
    let mut s = x;
    for k in 0..6 {
        let t = s * y + (k as f64) * 0.1;
        if t > 4.0 {
            return t.ln() * x;
        }
        if k % 2 == 0 {
            s = s * 1.1 + x.sin();
        } else {
            s -= 0.05 * y;
        }
    }
    s * s
}

#[test]
fn forward_loop_branch_return() {
    // (0.3, 0.7): never returns; (1.2, 1.5): returns in the loop.
    for (x, y) in [(0.3, 0.7), (1.2, 1.5), (-0.4, 0.9), (2.0, 2.5)] {
        let (v, pb) = fm_loop_branch_return_vjp(x, y);
        let (gx, gy) = pb(1.0);
        assert_eq!(v, fm_loop_branch_return(x, y));
        assert_close(
            fm_loop_branch_return_grad_0(x, y),
            gx,
            1e-12,
            "fwd 0 vs vjp",
        );
        assert_close(
            fm_loop_branch_return_grad_1(x, y),
            gy,
            1e-12,
            "fwd 1 vs vjp",
        );
        assert_close(gx, fd(|x| fm_loop_branch_return(x, y), x), 1e-6, "gx vs fd");
        assert_close(gy, fd(|y| fm_loop_branch_return(x, y), y), 1e-6, "gy vs fd");
        let (v2, g2) = fm_loop_branch_return_value_and_grad(x, y);
        assert_eq!(v2, fm_loop_branch_return(x, y));
        assert_close(g2, gx, 1e-12, "value_and_grad");
    }
}

#[differentiable]
fn fm_guard_chain(x: f64) -> f64 {
    if x < -1.0 {
        return x * x;
    } else if x < 0.0 {
        return -x.powi(3);
    } else if x > 5.0 {
        return x.ln();
    }
    let y = if x > 2.0 {
        x.sqrt()
    } else {
        return x.exp() * 0.5;
    };
    y * x
}

#[test]
fn forward_guard_chain() {
    let closed = |x: f64| -> f64 {
        if x < -1.0 {
            2.0 * x
        } else if x < 0.0 {
            -3.0 * x * x
        } else if x > 5.0 {
            1.0 / x
        } else if x > 2.0 {
            1.5 * x.sqrt()
        } else {
            x.exp() * 0.5
        }
    };
    for x in [-2.5, -0.5, 0.7, 3.0, 7.0] {
        let g = fm_guard_chain_grad(x);
        assert_close(g, closed(x), 1e-12, &format!("closed form at {x}"));
        let (_, pb) = fm_guard_chain_vjp(x);
        assert_close(g, pb(1.0).0, 1e-12, &format!("fwd vs vjp at {x}"));
        check_grad(
            |x: &f64| fm_guard_chain(*x),
            |x: &f64| fm_guard_chain_grad(*x),
            &x,
        )
        .unwrap();
        assert_eq!(fm_guard_chain_value_and_grad(x).0, fm_guard_chain(x));
    }
}

#[differentiable]
fn fm_slice_while(x: f64, c: &[f64]) -> f64 {
    let mut i = 0;
    let mut acc = 0.0;
    while i < c.len() {
        acc = acc * x + c[i];
        if acc.abs() > 50.0 {
            return acc / x;
        }
        i += 1;
    }
    acc
}

#[test]
fn forward_slice_while_return() {
    let c = vec![1.0, -2.0, 3.0, 0.5, 4.0];
    for x in [0.8, 1.7, 4.0] {
        let g = fm_slice_while_grad(x, &c);
        let (v, pb) = fm_slice_while_vjp(x, &c);
        assert_eq!(v, fm_slice_while(x, &c));
        let (px, pc) = pb(1.0);
        assert_close(g, px, 1e-12, "fwd vs vjp");
        assert_close(g, fd(|x| fm_slice_while(x, &c), x), 1e-6, "fd");
        check_grad(
            |c: &Vec<f64>| fm_slice_while(x, c),
            |c: &Vec<f64>| fm_slice_while_grad_1(x, c),
            &c,
        )
        .unwrap();
        let pc = Array1::from(pc);
        let g1 = Array1::from(fm_slice_while_grad_1(x, &c));
        assert_arr_close(&pc, &g1, 1e-12, "grad_1 vs vjp");
    }
}

#[differentiable]
fn fm_nested_return(x: f64, n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        for j in 0..n {
            s += (x * (i + 1) as f64 - j as f64).tanh();
            if s > 3.0 {
                return s * x;
            }
        }
        s *= 0.9;
    }
    s
}

#[test]
fn forward_nested_loops_return_at_depth_two() {
    for (x, n) in [(0.3, 3), (1.4, 4), (2.2, 3), (-0.6, 4)] {
        let g = fm_nested_return_grad(x, n);
        let (_, pb) = fm_nested_return_vjp(x, n);
        assert_close(g, pb(1.0).0, 1e-12, "fwd vs vjp");
        assert_close(g, fd(|x| fm_nested_return(x, n), x), 1e-6, "fd");
        assert_eq!(
            fm_nested_return_value_and_grad(x, n).0,
            fm_nested_return(x, n)
        );
    }
}

#[differentiable]
fn fm_loop_keyword(x: f64) -> f64 {
    let mut v = x;
    let mut k = 0;
    loop {
        k += 1;
        if k > 12 {
            break;
        }
        if k % 3 == 0 {
            continue;
        }
        v = v.sin() + 0.5 * x;
        if v > 2.0 {
            return v * v;
        }
    }
    v
}

#[test]
fn forward_loop_break_continue_return() {
    for x in [0.2, -0.8, 1.1, 3.0] {
        let g = fm_loop_keyword_grad(x);
        let (_, pb) = fm_loop_keyword_vjp(x);
        assert_close(g, pb(1.0).0, 1e-12, "fwd vs vjp");
        assert_close(g, fd(fm_loop_keyword, x), 1e-6, &format!("fd at {x}"));
    }
}

#[differentiable]
fn fm_f32(x: f32, y: f32) -> f32 {
    let mut s = 0.0;
    let mut p = 1.0;
    for k in 0..5 {
        let t = (x * k as f32).cos() * y;
        if t > 0.2 {
            s += t * p;
        } else {
            p = p * 0.5 + t;
        }
        if s > 5.0 {
            return s.sqrt();
        }
    }
    s * p + y * y
}

#[test]
fn forward_f32() {
    for (x, y) in [(0.3f32, 0.9f32), (1.0, -0.7), (0.05, 3.0)] {
        let (v, pb) = fm_f32_vjp(x, y);
        assert_eq!(v, fm_f32(x, y));
        let (gx, gy) = pb(1.0);
        assert!((fm_f32_grad_0(x, y) - gx).abs() <= 1e-5 * gx.abs().max(1.0));
        assert!((fm_f32_grad_1(x, y) - gy).abs() <= 1e-5 * gy.abs().max(1.0));
        let fx = fd32(|x| fm_f32(x, y), x);
        let fy = fd32(|y| fm_f32(x, y), y);
        assert!((gx - fx).abs() <= 2e-2 * fx.abs().max(1.0), "{gx} vs {fx}");
        assert!((gy - fy).abs() <= 2e-2 * fy.abs().max(1.0), "{gy} vs {fy}");
        assert_eq!(fm_f32_value_and_grad(x, y).0, fm_f32(x, y));
    }
}

#[differentiable]
fn sq(x: f64) -> f64 {
    x * x
}

#[differentiable]
fn poly2(x: f64, a: f64, k: usize) -> f64 {
    a * x.powi(2) + x * k as f64
}

#[differentiable]
fn fm_calls(x: f64, y: f64) -> f64 {
    let mut s = 0.0;
    for k in 0..4 {
        if k % 2 == 0 {
            s += sq(x * y + k as f64 * 0.1);
        } else {
            s += poly2(s * 0.1, y, k);
        }
        if s > 20.0 {
            return sq(s.sqrt());
        }
    }
    s
}

#[test]
fn forward_through_calls_in_loops_and_branches() {
    for (x, y) in [(0.3, 0.5), (1.5, 2.0), (-0.7, 1.1)] {
        let (_, pb) = fm_calls_vjp(x, y);
        let (gx, gy) = pb(1.0);
        assert_close(fm_calls_grad_0(x, y), gx, 1e-12, "fwd 0 vs vjp");
        assert_close(fm_calls_grad_1(x, y), gy, 1e-12, "fwd 1 vs vjp");
        assert_close(gx, fd(|x| fm_calls(x, y), x), 1e-6, "fd x");
        assert_close(gy, fd(|y| fm_calls(x, y), y), 1e-6, "fd y");
    }
}

#[differentiable]
fn fm_fixed(x: f64, c: [f64; 4]) -> f64 {
    let mut s = c[0];
    for i in 1..4 {
        s = (s * x).sin() + c[i] * x;
    }
    s
}

#[test]
fn forward_fixed_array() {
    let c = [0.5, -1.0, 0.25, 2.0];
    for x in [0.4, -1.3] {
        let (_, pb) = fm_fixed_vjp(x, c);
        let (gx, gc) = pb(1.0);
        assert_close(fm_fixed_grad_0(x, c), gx, 1e-12, "fwd vs vjp");
        assert_close(gx, fd(|x| fm_fixed(x, c), x), 1e-6, "fd");
        check_grad(
            |c: &[f64; 4]| fm_fixed(x, *c),
            |c: &[f64; 4]| fm_fixed_grad_1(x, *c),
            &c,
        )
        .unwrap();
        let g1 = fm_fixed_grad_1(x, c);
        for i in 0..4 {
            assert_close(g1[i], gc[i], 1e-12, "grad_1 vs vjp");
        }
    }
}

#[differentiable]
fn fm_mixed(x: f64, w: &Array1<f64>) -> f64 {
    // For grad_0 the array w is a constant; (w * x) is an active array though.
    let m = w.sum();
    let mut s = 0.0;
    for i in 0..w.len() {
        s += (w[i] * x).sin() * m;
    }
    s + (w * x).mapv(f64::tanh).sum()
}

#[test]
fn forward_or_reverse_with_an_array_parameter() {
    let w = array![0.3, -1.2, 0.8];
    for x in [0.5, -1.5] {
        let (_, pb) = fm_mixed_vjp(x, &w);
        let (gx, gw) = pb(1.0);
        assert_close(fm_mixed_grad_0(x, &w), gx, 1e-12, "grad_0 vs vjp");
        assert_close(gx, fd(|x| fm_mixed(x, &w), x), 1e-6, "fd");
        assert_arr_close(&fm_mixed_grad_1(x, &w), &gw, 1e-12, "grad_1 vs vjp");
        check_grad(
            |w: &Array1<f64>| fm_mixed(x, w),
            |w: &Array1<f64>| fm_mixed_grad_1(x, w),
            &w,
        )
        .unwrap();
    }
}

fn round_ste(x: f64) -> f64 {
    x.round()
}

fn round_ste_vjp(x: f64) -> (f64, impl FnOnce(f64) -> (f64,)) {
    (x.round(), |g| (g,))
}

#[differentiable]
fn fm_custom_rule(x: f64) -> f64 {
    let mut q = x;
    for _ in 0..3 {
        q = round_ste(q * 4.0) / 4.0 * 1.5;
    }
    q * x
}

#[test]
fn forward_through_a_custom_rule() {
    for x in [0.3, 1.1, -0.6] {
        // STE: dq/dx = 1.5^3 through the loop; d(q x)/dx = q + x * 1.5^3.
        let mut q = x;
        for _ in 0..3 {
            q = (q * 4.0_f64).round() / 4.0 * 1.5;
        }
        let expected = q + x * 1.5f64.powi(3);
        assert_close(fm_custom_rule_grad(x), expected, 1e-12, "closed form (STE)");
        let (_, pb) = fm_custom_rule_vjp(x);
        assert_close(pb(1.0).0, expected, 1e-12, "vjp (STE)");
    }
}

#[differentiable]
fn fm_nn(x: f64) -> f64 {
    let mut h = x;
    for k in 0..4 {
        if h > 0.5 {
            h = nn::sigmoid(h * 2.0) + nn::softplus(h - k as f64);
        } else {
            h = nn::relu(h + 1.0) * 0.7;
        }
    }
    h
}

#[test]
fn forward_through_nn_scalars() {
    for x in [0.1, 0.9, -0.5, 2.0] {
        let g = fm_nn_grad(x);
        let (_, pb) = fm_nn_vjp(x);
        assert_close(g, pb(1.0).0, 1e-12, "fwd vs vjp");
        assert_close(g, fd(fm_nn, x), 1e-6, &format!("fd at {x}"));
    }
}

#[differentiable]
fn fm_stop(x: f64, y: f64) -> f64 {
    let s = stop_gradient(x * y);
    let mut t = 0.0;
    for k in 0..3 {
        t += (x * s + k as f64).sin() * y;
    }
    t
}

#[test]
fn forward_with_stop_gradient() {
    let (x, y) = (0.7, -0.4);
    let s = x * y;
    let expected_x: f64 = (0..3).map(|k| (x * s + k as f64).cos() * s * y).sum();
    let expected_y: f64 = (0..3).map(|k| (x * s + k as f64).sin()).sum();
    assert_close(fm_stop_grad_0(x, y), expected_x, 1e-12, "fwd x");
    assert_close(fm_stop_grad_1(x, y), expected_y, 1e-12, "fwd y");
    let (_, pb) = fm_stop_vjp(x, y);
    let (gx, gy) = pb(1.0);
    assert_close(gx, expected_x, 1e-12, "vjp x");
    assert_close(gy, expected_y, 1e-12, "vjp y");
}

#[differentiable]
fn fm_binary(x: f64, y: f64) -> f64 {
    let a = x.atan2(y) + x.hypot(y);
    let b = x.abs().powf(y) + x.mul_add(y, 0.3);
    let c = x.max(y) * x.min(0.5 * y) + (x * y).clamp(-0.5, 0.5);
    let mut s = a * b + c;
    if s > 1.0 {
        s = s.ln();
    }
    s
}

#[test]
fn forward_binary_scalar_functions() {
    for (x, y) in [(0.7, 1.3), (-0.4, 0.9), (1.8, 0.6)] {
        let (_, pb) = fm_binary_vjp(x, y);
        let (gx, gy) = pb(1.0);
        assert_close(fm_binary_grad_0(x, y), gx, 1e-12, "fwd 0 vs vjp");
        assert_close(fm_binary_grad_1(x, y), gy, 1e-12, "fwd 1 vs vjp");
        assert_close(gx, fd(|x| fm_binary(x, y), x), 1e-6, "fd x");
        assert_close(gy, fd(|y| fm_binary(x, y), y), 1e-6, "fd y");
    }
}

#[differentiable]
fn fm_shadow(x: f64) -> f64 {
    let x = x * 2.0;
    let mut y = x;
    for i in 0..3 {
        let x = y + i as f64;
        if x > 3.0 {
            y /= x;
        } else {
            y *= x;
            y -= 0.1;
        }
    }
    let y = y + x;
    y
}

#[test]
fn forward_shadowing_and_compound_assignment() {
    for x in [0.3, 0.8, -0.45] {
        let g = fm_shadow_grad(x);
        let (_, pb) = fm_shadow_vjp(x);
        assert_close(g, pb(1.0).0, 1e-12, "fwd vs vjp");
        assert_close(g, fd(fm_shadow, x), 1e-6, &format!("fd at {x}"));
    }
}

#[differentiable]
fn la_overwrite_return(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = x.to_owned();
    for k in 0..3 {
        for i in 1..n {
            y[i] = y[i] * 0.5 + y[i - 1].sin();
            if k == 2 && y[i] < -0.8 {
                return y[i] * x[0];
            }
        }
    }
    let mut s = 0.0;
    for i in 0..n {
        s += y[i] * y[i];
    }
    s
}

#[test]
fn overwritten_elements_with_return_in_nested_loop() {
    let a = array![0.4, -0.2, 0.9, 1.3];
    check_grad(la_overwrite_return, la_overwrite_return_grad, &a).unwrap();
    let b = array![-1.4, -2.0, -3.0, 0.5];
    // This one returns.
    check_grad(la_overwrite_return, la_overwrite_return_grad, &b).unwrap();
    for x in [&a, &b] {
        let (v, pb) = la_overwrite_return_vjp(x);
        assert_eq!(v, la_overwrite_return(x));
        assert_arr_close(&pb(1.0).0, &la_overwrite_return_grad(x), 1e-12, "vjp");
    }
}

#[differentiable]
fn la_mul_div(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = x.to_owned();
    for i in 1..n {
        y[i] *= y[i - 1];
        y[i] /= 1.0 + y[i] * y[i];
        y[i] += x[i];
    }
    let mut p = 1.0;
    for i in 0..n {
        p *= y[i] + 2.0;
    }
    p
}

#[test]
fn element_mul_div_assign_reading_self() {
    let x = array![0.7, -0.4, 1.2, 0.3, -0.9];
    check_grad(la_mul_div, la_mul_div_grad, &x).unwrap();
    assert_eq!(la_mul_div_value_and_grad(&x).0, la_mul_div(&x));
}

#[differentiable]
fn la_nested_2d(x: &Array2<f64>) -> f64 {
    let r = x.nrows();
    let c = x.ncols();
    let mut m = x.to_owned();
    for i in 1..r {
        for j in 0..c {
            m[[i, j]] = m[[i - 1, j]] * m[[i, j]] + m[[i, (j + 1) % c]].tanh();
        }
    }
    m.sum()
}

#[test]
fn nested_loops_write_and_read_a_matrix() {
    let x = Array2::from_shape_fn((3, 4), |(i, j)| (0.4 * (i * 4 + j) as f64).sin());
    check_grad(la_nested_2d, la_nested_2d_grad, &x).unwrap();
}

#[differentiable]
fn la_scalar_param(x: f64, n: usize) -> f64 {
    let mut y = Array1::zeros(n);
    y[0] = x;
    for t in 1..n {
        y[t] = (y[t - 1] * x).sin() + 0.1;
    }
    y[n - 1] * y[0]
}

#[test]
fn scalar_parameter_through_a_logged_array() {
    for x in [0.6, -1.1, 2.0] {
        let g = la_scalar_param_grad(x, 5);
        let (_, pb) = la_scalar_param_vjp(x, 5);
        assert_close(g, pb(1.0).0, 1e-12, "grad vs vjp");
        assert_close(g, fd(|x| la_scalar_param(x, 5), x), 1e-6, "fd");
    }
}

#[differentiable]
fn la_return_nested(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = x.to_owned();
    for i in 0..n {
        y[i] = y[i] * 1.5;
        for j in 0..i {
            y[i] += y[j] * 0.25;
            if y[i] > 4.0 {
                return y[i] + y[j] * x[i];
            }
        }
    }
    y[n - 1] * y[0]
}

#[test]
fn return_in_inner_loop_reading_outer_written_array() {
    let a = array![0.2, 0.4, -0.3, 0.6];
    check_grad(la_return_nested, la_return_nested_grad, &a).unwrap();
    let b = array![1.0, 1.5, 2.0, 0.3];
    check_grad(la_return_nested, la_return_nested_grad, &b).unwrap();
    let (v, pb) = la_return_nested_vjp(&b);
    assert_eq!(v, la_return_nested(&b));
    assert_arr_close(&pb(1.0).0, &la_return_nested_grad(&b), 1e-12, "vjp");
}

#[differentiable]
fn la_reverse_loop(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = x.to_owned();
    for i in (0..n - 1).rev() {
        y[i] = y[i + 1] * y[i] - 0.2;
    }
    for i in (0..n).step_by(2) {
        y[i] *= 2.0;
    }
    y[0] + y[1] * y[2]
}

#[test]
fn reversed_and_stepped_loops_over_a_logged_array() {
    let x = array![0.5, -1.2, 0.9, 1.1, 0.4];
    check_grad(la_reverse_loop, la_reverse_loop_grad, &x).unwrap();
}

// ---------------------------------------------------------------------------------------------
// 3. Calls inside loops that write arrays; methods; constant arguments; nn
// ---------------------------------------------------------------------------------------------

#[differentiable]
fn helper(x: f64, k: usize) -> f64 {
    if k % 2 == 0 {
        x.sin() * k as f64
    } else {
        x * x + 1.0
    }
}

#[differentiable(vjp)]
fn dense(w: &Array2<f64>, x: &Array1<f64>) -> Array1<f64> {
    w.dot(x).mapv(f64::tanh)
}

#[differentiable(argnums = (0, 1))]
fn call_vjp_layer_loop(w: &Array2<f64>, x: &Array1<f64>) -> f64 {
    let mut h = x.to_owned();
    for k in 0..3 {
        h = dense(w, &h) * (k + 1) as f64;
        if h.sum() > 100.0 {
            return h.sum();
        }
    }
    (&h * &h).sum()
}

#[test]
fn vjp_layer_called_in_a_loop() {
    let w = Array2::from_shape_fn((3, 3), |(i, j)| 0.3 * i as f64 - 0.2 * j as f64 + 0.1);
    let x = array![0.5, -0.4, 0.9];
    check_grad(
        |w: &Array2<f64>| call_vjp_layer_loop(w, &x),
        |w: &Array2<f64>| call_vjp_layer_loop_grad_0(w, &x),
        &w,
    )
    .unwrap();
    check_grad(
        |x: &Array1<f64>| call_vjp_layer_loop(&w, x),
        |x: &Array1<f64>| call_vjp_layer_loop_grad_1(&w, x),
        &x,
    )
    .unwrap();
}

#[derive(Clone, Debug, Differentiable)]
struct Params {
    w: Array1<f64>,
    scale: f64,
    steps: usize,
}

impl Params {
    #[differentiable]
    fn score(&self, x: f64) -> f64 {
        let mut s = 0.0;
        for i in 0..self.w.len() {
            s += (self.w[i] * x).sin() * self.scale;
        }
        s
    }

    #[differentiable]
    fn guarded(&self, x: &Array1<f64>) -> f64 {
        let mut acc = 0.0;
        for i in 0..x.len() {
            acc += self.w[i] * x[i];
            if acc > 2.0 {
                return acc * self.scale;
            }
        }
        acc * acc
    }
}

fn params() -> Params {
    Params {
        w: array![0.5, -0.3, 0.8],
        scale: 1.3,
        steps: 3,
    }
}

#[differentiable]
fn nn_loop(x: &Array2<f64>, onehot: &Array2<f64>) -> f64 {
    let mut h = x.to_owned();
    let mut total = 0.0;
    for _ in 0..3 {
        let p = nn::softmax(&h, Axis(1));
        total -= (nn::log_softmax(&h, Axis(1)) * onehot).sum();
        h = &h * 0.5 + &p;
    }
    total + nn::sigmoid(&h).sum()
}

#[test]
fn nn_inside_a_loop() {
    let x = Array2::from_shape_fn((3, 4), |(i, j)| (1.1 * (i * 4 + j) as f64).cos() * 2.0);
    let onehot = Array2::from_shape_fn((3, 4), |(i, j)| f64::from(u8::from(j == i)));
    check_grad(
        |x: &Array2<f64>| nn_loop(x, &onehot),
        |x: &Array2<f64>| nn_loop_grad(x, &onehot),
        &x,
    )
    .unwrap();
}

#[differentiable]
fn call_in_branch_return(x: f64, y: &Array1<f64>) -> f64 {
    if x > 1.0 {
        return sq(x) * y.sum();
    }
    let mut s = 0.0;
    for i in 0..y.len() {
        s += helper(y[i] * x, i);
        if s > 3.0 {
            return helper(s, 1);
        }
    }
    s
}

#[test]
fn calls_in_branches_with_returns() {
    let y = array![0.5, 1.5, -0.7, 2.5];
    for x in [0.4, 2.0, 0.95, -0.6] {
        let (_, pb) = call_in_branch_return_vjp(x, &y);
        let (gx, gy) = pb(1.0);
        assert_close(call_in_branch_return_grad(x, &y), gx, 1e-12, "grad vs vjp");
        assert_close(gx, fd(|x| call_in_branch_return(x, &y), x), 1e-6, "fd x");
        check_grad(
            |y: &Array1<f64>| call_in_branch_return(x, y),
            |y: &Array1<f64>| call_in_branch_return_grad_1(x, y),
            &y,
        )
        .unwrap();
        assert_arr_close(&call_in_branch_return_grad_1(x, &y), &gy, 1e-12, "vjp y");
    }
}

#[differentiable(vjp)]
fn scaled_copy(x: &Array1<f64>, a: f64) -> Array1<f64> {
    x * a + 1.0
}

#[differentiable]
fn vjp_layer_in_write_loop(x: &Array1<f64>, a: f64) -> f64 {
    let n = x.len();
    let mut y = Array1::zeros(n);
    for k in 0..n {
        let z = scaled_copy(x, a * (k as f64 + 1.0));
        y[k] = z[k] * z[(k + 1) % n];
        if k > 0 {
            y[k] += y[k - 1] * 0.5;
        }
    }
    y[n - 1]
}

#[test]
fn array_output_call_inside_loop_writing_array() {
    let x = array![0.3, -0.6, 0.9];
    let a = 0.7;
    check_grad(
        |x: &Array1<f64>| vjp_layer_in_write_loop(x, a),
        |x: &Array1<f64>| vjp_layer_in_write_loop_grad(x, a),
        &x,
    )
    .unwrap();
    let ga = vjp_layer_in_write_loop_grad_1(&x, a);
    assert_close(ga, fd(|a| vjp_layer_in_write_loop(&x, a), a), 1e-6, "fd a");
    let (_, pb) = vjp_layer_in_write_loop_vjp(&x, a);
    assert_close(pb(1.0).1, ga, 1e-12, "vjp a");
}

// ---------------------------------------------------------------------------------------------
// 4. mapv closures reading outer differentiated values
// ---------------------------------------------------------------------------------------------

#[differentiable]
fn mapv_var(x: &Array1<f64>) -> f64 {
    let mu = x.mean().unwrap();
    x.mapv(|v| (v - mu).powi(2)).mean().unwrap()
}

#[test]
fn mapv_variance() {
    let x = array![0.5, -1.0, 2.0, 0.25];
    let mu = x.mean().unwrap();
    let n = x.len() as f64;
    let expected = x.mapv(|v| 2.0 * (v - mu) / n);
    assert_arr_close(&mapv_var_grad(&x), &expected, 1e-12, "closed form");
    check_grad(mapv_var, mapv_var_grad, &x).unwrap();
}

#[differentiable(argnums = (0, 1))]
fn mapv_two_outer(x: &Array1<f64>, a: f64) -> f64 {
    let b = x.sum() * 0.1;
    let s = a.sin();
    x.mapv(|v| (v * a + b).tanh() * s).sum()
}

#[test]
fn mapv_closure_over_parameter_and_derived_value() {
    let x = array![0.3, -0.5, 1.2];
    let a = 0.8;
    check_grad(
        |x: &Array1<f64>| mapv_two_outer(x, a),
        |x: &Array1<f64>| mapv_two_outer_grad_0(x, a),
        &x,
    )
    .unwrap();
    let ga = mapv_two_outer_grad_1(&x, a);
    assert_close(ga, fd(|a| mapv_two_outer(&x, a), a), 1e-6, "fd a");
    let (_, pb) = mapv_two_outer_vjp(&x, a);
    assert_close(pb(1.0).1, ga, 1e-12, "vjp a");
}

#[differentiable]
fn mapv_in_loop(x: &Array1<f64>, c0: f64) -> f64 {
    let mut h = x.to_owned();
    let mut c = c0;
    for k in 0..3 {
        h = h.mapv(|v| (v * c).sin() + k as f64 * 0.1);
        c = c * 1.1 + h[0];
    }
    h.sum() * c
}

#[test]
fn mapv_in_a_loop_reading_a_carried_scalar() {
    let x = array![0.4, -0.9, 1.3];
    check_grad(
        |x: &Array1<f64>| mapv_in_loop(x, 0.7),
        |x: &Array1<f64>| mapv_in_loop_grad(x, 0.7),
        &x,
    )
    .unwrap();
    let g = mapv_in_loop_grad_1(&x, 0.7);
    assert_close(g, fd(|c| mapv_in_loop(&x, c), 0.7), 1e-6, "fd c0");
    let (_, pb) = mapv_in_loop_vjp(&x, 0.7);
    assert_close(pb(1.0).1, g, 1e-12, "vjp c0");
}

#[differentiable]
fn mapv_branch(x: &Array1<f64>, t: f64) -> f64 {
    let m = if t > 0.0 { t * 2.0 } else { -t };
    let y = x.mapv(|v| (v - m).exp() * m);
    y.sum()
}

#[test]
fn mapv_reading_a_value_joined_from_branches() {
    let x = array![0.3, -0.5, 1.2];
    for t in [0.6, -0.4] {
        check_grad(
            |x: &Array1<f64>| mapv_branch(x, t),
            |x: &Array1<f64>| mapv_branch_grad(x, t),
            &x,
        )
        .unwrap();
        let g = mapv_branch_grad_1(&x, t);
        assert_close(g, fd(|t| mapv_branch(&x, t), t), 1e-6, "fd t");
    }
}

#[differentiable]
fn f32_guards(x: f32) -> f32 {
    if x < 0.0 {
        return -x * 0.5;
    } else if x > 3.0 {
        return x.ln();
    }
    let mut s = x;
    for _ in 0..4 {
        s = s * 0.5 + x.sqrt();
    }
    s
}

#[test]
fn f32_forward_guards_and_loop() {
    for x in [-1.0f32, 0.7, 2.0, 4.0] {
        let g = f32_guards_grad(x);
        let (_, pb) = f32_guards_vjp(x);
        assert!((g - pb(1.0).0).abs() <= 1e-5 * g.abs().max(1.0));
        let f = fd32(f32_guards, x);
        assert!((g - f).abs() <= 2e-2 * f.abs().max(1.0), "{g} vs {f}");
        assert_eq!(f32_guards_value_and_grad(x).0, f32_guards(x));
    }
}

#[derive(Clone, Debug, Differentiable)]
struct P32 {
    w: Array1<f32>,
    b: f32,
}

impl P32 {
    #[differentiable]
    fn apply(&self, x: &Array1<f32>) -> f32 {
        let mu = x.mean().unwrap();
        let z = x.mapv(|v| (v - mu) * self.b).dot(&self.w);
        let mut acc = 0.0;
        for i in 0..self.w.len() {
            acc += self.w[i] * 0.5;
        }
        z.tanh() + acc
    }
}

#[test]
fn f32_struct_method_with_mapv() {
    let p = P32 {
        w: array![0.5f32, -0.3, 0.8],
        b: 1.2,
    };
    let x = array![0.4f32, -0.7, 1.1];
    check_grad(|p: &P32| p.apply(&x), |p: &P32| p.apply_grad(&x), &p).unwrap();
}

#[differentiable]
fn f32_shape(x: &Array1<f32>) -> f32 {
    let m = x.to_shape((2, 2)).unwrap().to_owned();
    let r = m.index_axis(Axis(0), 1).to_owned();
    let c = x.view().insert_axis(Axis(1));
    (m.dot(&r) * 2.0).sum() + c.sum_axis(Axis(0)).sum()
}

#[test]
fn f32_shape_ops() {
    let x = array![0.5f32, -0.3, 0.8, 1.2];
    check_grad(f32_shape, f32_shape_grad, &x).unwrap();
}

// ---------------------------------------------------------------------------------------------
// 6. Shape ops
// ---------------------------------------------------------------------------------------------

#[differentiable]
fn shape_insert_broadcast(x: &Array1<f64>, m: &Array2<f64>) -> f64 {
    let row = x.view().insert_axis(Axis(0));
    let b = row.broadcast((3, x.len())).unwrap();
    (&b * m).sum() + (&b * &b).sum()
}

#[test]
fn insert_axis_and_broadcast() {
    let x = array![0.5, -1.0, 2.0];
    let m = Array2::from_shape_fn((3, 3), |(i, j)| (i * 3 + j) as f64 * 0.1);
    // f = sum_ij x_j m_ij + 3 sum_j x_j^2: grad_j = colsum_j + 6 x_j
    let expected = m.sum_axis(Axis(0)) + &x * 6.0;
    assert_arr_close(
        &shape_insert_broadcast_grad(&x, &m),
        &expected,
        1e-12,
        "closed form",
    );
    check_grad(
        |m: &Array2<f64>| shape_insert_broadcast(&x, m),
        |m: &Array2<f64>| shape_insert_broadcast_grad_1(&x, m),
        &m,
    )
    .unwrap();
}

#[differentiable]
fn shape_index_axis(m: &Array2<f64>) -> f64 {
    let r = m.index_axis(Axis(0), 1);
    let c = m.index_axis(Axis(1), 0);
    r.dot(&c) + m.index_axis(Axis(0), 0).mapv(f64::sin).sum()
}

#[test]
fn index_axis_rows_and_columns() {
    let m = Array2::from_shape_fn((3, 3), |(i, j)| 0.2 * i as f64 - 0.3 * j as f64 + 0.1);
    check_grad(shape_index_axis, shape_index_axis_grad, &m).unwrap();
}

#[differentiable]
fn shape_to_shape(x: &Array1<f64>, w: &Array1<f64>) -> f64 {
    let m = x.to_shape((2, 3)).unwrap();
    let y = m.dot(w);
    let z = y.into_shape_with_order((1, 2)).unwrap();
    (&z * &z).sum()
}

#[test]
fn to_shape_and_into_shape() {
    let x = array![0.5, -1.0, 2.0, 0.3, 0.7, -0.2];
    let w = array![0.4, 0.1, -0.6];
    check_grad(
        |x: &Array1<f64>| shape_to_shape(x, &w),
        |x: &Array1<f64>| shape_to_shape_grad(x, &w),
        &x,
    )
    .unwrap();
    check_grad(
        |w: &Array1<f64>| shape_to_shape(&x, w),
        |w: &Array1<f64>| shape_to_shape_grad_1(&x, w),
        &w,
    )
    .unwrap();
}

#[differentiable]
fn shape_from_elem(x: f64, v: &Array1<f64>) -> f64 {
    let a = Array::from_elem(v.len(), x);
    let b = Array2::from_elem((2, 2), x * x);
    (&a * v).sum() + b.sum() + a.dot(&a)
}

#[test]
fn from_elem_of_a_differentiable_scalar() {
    let v = array![0.5, -1.0, 2.0];
    for x in [0.7, -1.3] {
        // f = x sum v + 4 x^2 + 3 x^2
        let expected = v.sum() + 14.0 * x;
        assert_close(shape_from_elem_grad(x, &v), expected, 1e-12, "closed form");
        let (_, pb) = shape_from_elem_vjp(x, &v);
        let (gx, gv) = pb(1.0);
        assert_close(gx, expected, 1e-12, "vjp x");
        assert_arr_close(&gv, &Array1::from_elem(3, x), 1e-12, "vjp v");
    }
}

#[differentiable]
fn shape_in_loop(m: &Array2<f64>, x: &Array1<f64>) -> f64 {
    let mut acc = Array1::zeros(m.ncols());
    for k in 0..m.nrows() {
        acc = acc + m.index_axis(Axis(0), k).to_owned() * x[k];
        if acc.sum() > 50.0 {
            return acc.sum();
        }
    }
    let b = acc.broadcast((2, m.ncols())).unwrap().to_owned();
    (&b * &b).sum()
}

#[test]
fn shape_ops_inside_a_loop() {
    let m = Array2::from_shape_fn((3, 4), |(i, j)| 0.2 * i as f64 - 0.3 * j as f64 + 0.1);
    let x = array![0.5, -1.0, 2.0];
    check_grad(
        |m: &Array2<f64>| shape_in_loop(m, &x),
        |m: &Array2<f64>| shape_in_loop_grad(m, &x),
        &m,
    )
    .unwrap();
    check_grad(
        |x: &Array1<f64>| shape_in_loop(&m, x),
        |x: &Array1<f64>| shape_in_loop_grad_1(&m, x),
        &x,
    )
    .unwrap();
}

// ---------------------------------------------------------------------------------------------
// 7. More interactions
// ---------------------------------------------------------------------------------------------

#[differentiable]
fn fm_scalar_method(p: &Params, x: f64) -> f64 {
    p.score(x) * x
}

#[test]
fn method_call_differentiated_in_the_scalar_argument() {
    let p = params();
    for x in [0.4, -1.2] {
        let (_, pb) = fm_scalar_method_vjp(&p, x);
        let (gp, gx) = pb(1.0);
        assert_close(fm_scalar_method_grad_1(&p, x), gx, 1e-12, "grad_1 vs vjp");
        assert_close(gx, fd(|x| fm_scalar_method(&p, x), x), 1e-6, "fd x");
        let g0 = fm_scalar_method_grad(&p, x);
        assert_arr_close(&g0.w, &gp.w, 1e-12, "vjp w");
        check_grad(
            |p: &Params| fm_scalar_method(p, x),
            |p: &Params| fm_scalar_method_grad(p, x),
            &p,
        )
        .unwrap();
    }
}

#[differentiable]
fn fm_let_return_in_loop(x: f64, c: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..c.len() {
        let v = if c[i] * x < 2.0 {
            c[i] * x
        } else {
            return s + x.powi(2);
        };
        s = s * 0.5 + v.exp();
    }
    s
}

#[test]
fn forward_let_with_returning_arm_in_loop() {
    let c = array![0.5, 1.0, 3.0, -1.0];
    for x in [0.3, 1.0, -0.5] {
        let g = fm_let_return_in_loop_grad(x, &c);
        let (_, pb) = fm_let_return_in_loop_vjp(x, &c);
        let (gx, gc) = pb(1.0);
        assert_close(g, gx, 1e-12, "fwd vs vjp");
        assert_close(g, fd(|x| fm_let_return_in_loop(x, &c), x), 1e-6, "fd x");
        assert_arr_close(&fm_let_return_in_loop_grad_1(x, &c), &gc, 1e-12, "vjp c");
        check_grad(
            |c: &Array1<f64>| fm_let_return_in_loop(x, c),
            |c: &Array1<f64>| fm_let_return_in_loop_grad_1(x, c),
            &c,
        )
        .unwrap();
    }
}

#[differentiable]
fn fm_while_return_counter(x: f64) -> f64 {
    let mut v = x;
    let mut i = 0;
    while i < 10 {
        let mut j = 0;
        while j < 3 {
            v = v * 1.2 + (j as f64) * 0.01;
            if v > 8.0 {
                return v - x;
            }
            j += 1;
        }
        i += 1;
    }
    v
}

#[test]
fn forward_nested_while_with_return() {
    for x in [0.3, 0.01, -0.2, 5.0] {
        let g = fm_while_return_counter_grad(x);
        let (_, pb) = fm_while_return_counter_vjp(x);
        assert_close(g, pb(1.0).0, 1e-12, "fwd vs vjp");
        assert_close(
            g,
            fd(fm_while_return_counter, x),
            1e-6,
            &format!("fd at {x}"),
        );
    }
}

#[differentiable]
fn fm_iter_return(x: f64, c: &Array1<f64>) -> f64 {
    let mut s = x;
    for &ci in c.iter() {
        if ci < 0.0 {
            continue;
        }
        s = s * ci + x;
        if s > 6.0 {
            return s.ln();
        }
    }
    s
}

#[test]
fn forward_iter_loop_with_continue_and_return() {
    let c = array![1.5, -2.0, 0.8, 2.0, 1.1];
    for x in [0.3, 1.5, -0.4] {
        let g = fm_iter_return_grad(x, &c);
        let (_, pb) = fm_iter_return_vjp(x, &c);
        let (gx, gc) = pb(1.0);
        assert_close(g, gx, 1e-12, "fwd vs vjp");
        assert_close(g, fd(|x| fm_iter_return(x, &c), x), 1e-6, "fd x");
        assert_arr_close(&fm_iter_return_grad_1(x, &c), &gc, 1e-12, "vjp c");
    }
}

#[differentiable]
fn la_f_and_scalar(x: &Array1<f64>, a: f64) -> f64 {
    let n = x.len();
    let mut y = x.to_owned();
    let mut s = a;
    for t in 1..n {
        s = s * 0.9 + y[t - 1];
        y[t] = y[t] * s;
        if y[t] < -3.0 {
            y[t] /= s;
            return y[t] + s;
        }
    }
    y.sum() + s
}

#[test]
fn logged_array_and_carried_scalar_with_return() {
    let x = array![0.5, 0.8, -0.3, 1.2];
    let x2 = array![1.0, 2.0, -4.0, 1.0];
    for a in [0.7, 1.4] {
        for x in [&x, &x2] {
            check_grad(
                |x: &Array1<f64>| la_f_and_scalar(x, a),
                |x: &Array1<f64>| la_f_and_scalar_grad(x, a),
                x,
            )
            .unwrap();
            let ga = la_f_and_scalar_grad_1(x, a);
            assert_close(ga, fd(|a| la_f_and_scalar(x, a), a), 1e-6, "fd a");
            let (_, pb) = la_f_and_scalar_vjp(x, a);
            assert_close(pb(1.0).1, ga, 1e-12, "vjp a");
        }
    }
}

#[differentiable]
fn mapv_sum_call(x: &Array1<f64>) -> f64 {
    let mu = x.mean().unwrap();
    let sd = x.mapv(|v| (v - mu).powi(2)).mean().unwrap().sqrt();
    let z = x.mapv(|v| (v - mu) / sd);
    let mut s = 0.0;
    for i in 0..z.len() {
        s += sq(z[i]) * helper(z[i], i);
    }
    s
}

#[test]
fn standardization_then_calls_in_a_loop() {
    let x = array![0.5, -1.0, 2.0, 0.25, 1.3];
    check_grad(mapv_sum_call, mapv_sum_call_grad, &x).unwrap();
}

#[differentiable]
fn fm_f32_calls(x: f32) -> f32 {
    let mut s = 0.0;
    for k in 0..3 {
        s += nn::sigmoid(x * k as f32) + sq32(s);
    }
    s
}

#[differentiable]
fn sq32(x: f32) -> f32 {
    x * x
}

#[test]
fn f32_forward_through_calls() {
    for x in [0.3f32, -0.8] {
        let g = fm_f32_calls_grad(x);
        let (_, pb) = fm_f32_calls_vjp(x);
        assert!((g - pb(1.0).0).abs() <= 1e-5 * g.abs().max(1.0));
        let f = fd32(fm_f32_calls, x);
        assert!((g - f).abs() <= 2e-2 * f.abs().max(1.0), "{g} vs {f}");
    }
}

#[differentiable]
fn f32_vec_logged(x: &Vec<f32>) -> f32 {
    let n = x.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = x[i];
        if i > 0 {
            y[i] *= y[i - 1] + 1.0;
            y[i] /= 2.0;
        }
    }
    y[n - 1] + y[0]
}

#[test]
fn f32_vec_compound_element_writes() {
    let x = vec![0.5f32, 1.5, -0.4, 0.9];
    check_grad(
        |x: &Vec<f32>| f32_vec_logged(x),
        |x: &Vec<f32>| f32_vec_logged_grad(x),
        &x,
    )
    .unwrap();
}

// ---------------------------------------------------------------------------------------------
// 8. Variants of the cases at the end of the file that do not compile: the same features, with
//    the local array initialized from a differentiated value (`x.to_owned()`), or the constant
//    passed as a parameter.
// ---------------------------------------------------------------------------------------------

#[differentiable]
fn la_return_in_loop_owned(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = x.to_owned();
    for t in 1..n {
        y[t] = y[t - 1] * 0.8 + x[t];
        if y[t] > 3.0 {
            return y[t] * y[t - 1];
        }
    }
    y.sum()
}

#[test]
fn logged_array_with_return_in_loop_owned() {
    let x = array![0.5, 1.0, 0.3, 2.0, 1.0];
    // y = 0.5, 1.4, 1.42, 3.136 > 3: returns y3 * y2
    let y2 = (0.5 * 0.8 + 1.0) * 0.8 + 0.3;
    let y3 = y2 * 0.8 + 2.0;
    assert!(y3 > 3.0);
    assert_close(la_return_in_loop_owned(&x), y3 * y2, 1e-12, "value");
    check_grad(la_return_in_loop_owned, la_return_in_loop_owned_grad, &x).unwrap();
    let x2 = array![0.5, -1.0, 0.3, 0.2];
    check_grad(la_return_in_loop_owned, la_return_in_loop_owned_grad, &x2).unwrap();
    let (v, pb) = la_return_in_loop_owned_vjp(&x);
    assert_eq!(v, la_return_in_loop_owned(&x));
    assert_arr_close(&pb(1.0).0, &la_return_in_loop_owned_grad(&x), 1e-12, "vjp");
}

#[differentiable(argnums = (0, 1))]
fn la_branch_writes_owned(x: &Array1<f64>, a: f64) -> f64 {
    let n = x.len();
    let mut y = x.to_owned();
    for t in 1..n {
        if y[t - 1] > 0.0 {
            y[t] = y[t - 1] * a + x[t];
        } else {
            y[t] -= x[t] * a;
            y[t] += y[t - 1].cos();
        }
    }
    let mut s = 0.0;
    for t in 0..n {
        s += y[t] * (t + 1) as f64;
    }
    s
}

#[test]
fn writes_in_branches_inside_loops_owned() {
    let x = array![0.5, -1.5, 0.3, -0.2, 2.0];
    for a in [0.9, 1.7] {
        check_grad(
            |x: &Array1<f64>| la_branch_writes_owned(x, a),
            |x: &Array1<f64>| la_branch_writes_owned_grad_0(x, a),
            &x,
        )
        .unwrap();
        let ga = la_branch_writes_owned_grad_1(&x, a);
        assert_close(ga, fd(|a| la_branch_writes_owned(&x, a), a), 1e-6, "fd a");
        let (gx, ga2) = la_branch_writes_owned_grad(&x, a);
        assert_close(ga, ga2, 1e-12, "grad tuple");
        let (_, pb) = la_branch_writes_owned_vjp(&x, a);
        let (px, pa) = pb(1.0);
        assert_arr_close(&px, &gx, 1e-12, "vjp x");
        assert_close(pa, ga, 1e-12, "vjp a");
    }
}

#[differentiable]
fn call_in_loop_write_owned(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = x.to_owned();
    y[0] = sq(x[0]);
    for i in 1..n {
        y[i] = sq(y[i - 1]) * 0.5 + helper(x[i], i);
        if y[i] > 5.0 {
            y[i] = helper(y[i], 2);
        }
    }
    y.sum()
}

#[test]
fn calls_in_a_loop_that_writes_an_array_owned() {
    for x in [array![0.5, 1.2, -0.7, 1.9, 0.3], array![2.5, 1.2, 2.0, 0.4]] {
        check_grad(call_in_loop_write_owned, call_in_loop_write_owned_grad, &x).unwrap();
        let (v, pb) = call_in_loop_write_owned_vjp(&x);
        assert_eq!(v, call_in_loop_write_owned(&x));
        assert_arr_close(&pb(1.0).0, &call_in_loop_write_owned_grad(&x), 1e-12, "vjp");
    }
}

#[differentiable]
fn call_method_in_loop_steps(p: &Params, x: &Array1<f64>, steps: usize) -> f64 {
    let mut y = x.to_owned();
    for k in 0..steps {
        for i in 0..y.len() {
            y[i] = p.score(y[i]) + x[i] * 0.1;
        }
        if k == 1 {
            y[0] *= p.scale;
        }
    }
    let mut s = 0.0;
    for i in 0..y.len() {
        s += y[i] * y[i];
    }
    s + p.guarded(&y)
}

#[test]
fn struct_methods_called_in_loops_writing_arrays() {
    let p = params();
    let x = array![0.4, -0.7, 1.1];
    check_grad(
        |p: &Params| call_method_in_loop_steps(p, &x, 3),
        |p: &Params| call_method_in_loop_steps_grad(p, &x, 3),
        &p,
    )
    .unwrap();
    check_grad(
        |x: &Array1<f64>| call_method_in_loop_steps(&p, x, 3),
        |x: &Array1<f64>| call_method_in_loop_steps_grad_1(&p, x, 3),
        &x,
    )
    .unwrap();
    let g = call_method_in_loop_steps_grad(&p, &x, 3);
    assert_eq!(g.steps, 3, "the constant field is copied");
    check_grad(
        |p: &Params| p.guarded(&x),
        |p: &Params| p.guarded_grad(&x),
        &p,
    )
    .unwrap();
    let big = array![2.0, 3.0, 1.0];
    check_grad(
        |p: &Params| p.guarded(&big),
        |p: &Params| p.guarded_grad(&big),
        &p,
    )
    .unwrap();
}

#[differentiable]
fn axis0_energy(x: &Array2<f64>, k: usize) -> f64 {
    x.sum_axis(Axis(0)).powi(2).sum() * k as f64
}

#[differentiable]
fn call_const_usize(x: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for k in 1..3 {
        s += axis0_energy(x, k) - axis0_energy(&x.t().to_owned(), k + 1);
    }
    s + nn::logsumexp(x, Axis(1)).sum()
}

#[test]
fn calls_with_constant_usize_arguments() {
    let x = Array2::from_shape_fn((2, 3), |(i, j)| 0.3 * i as f64 - 0.4 * j as f64 + 0.2);
    check_grad(call_const_usize, call_const_usize_grad, &x).unwrap();
    // axis0_energy(x, k) = k * sum_j (sum_i x_ij)^2: grad_ij = 2 k colsum_j
    let colsum = x.sum_axis(Axis(0));
    let g = axis0_energy_grad(&x, 3);
    for i in 0..2 {
        for j in 0..3 {
            assert_close(g[[i, j]], 6.0 * colsum[j], 1e-12, "closed form");
        }
    }
}

#[differentiable]
fn f32_logged_owned(x: &Array1<f32>, a: f32) -> f32 {
    let n = x.len();
    let mut y = x.to_owned();
    for t in 1..n {
        y[t] = y[t - 1] * a + x[t].sin();
        if y[t] > 5.0 {
            return y[t];
        }
    }
    let mut s = 0.0;
    for t in 0..n {
        s += y[t] * y[t];
    }
    s
}

#[test]
fn f32_logged_array_with_return_owned() {
    for x in [
        array![0.5f32, -0.3, 0.8, 1.2],
        array![2.0f32, 3.0, 2.5, 1.0],
    ] {
        for a in [0.9f32, -0.4] {
            check_grad(
                |x: &Array1<f32>| f32_logged_owned(x, a),
                |x: &Array1<f32>| f32_logged_owned_grad(x, a),
                &x,
            )
            .unwrap();
            let ga = f32_logged_owned_grad_1(&x, a);
            let fa = fd32(|a| f32_logged_owned(&x, a), a);
            assert!((ga - fa).abs() <= 2e-2 * fa.abs().max(1.0), "{ga} vs {fa}");
            let (_, pb) = f32_logged_owned_vjp(&x, a);
            assert!((pb(1.0).1 - ga).abs() <= 1e-5 * ga.abs().max(1.0));
        }
    }
}

#[differentiable]
fn la_2d_return_owned(x: &Array2<f64>) -> f64 {
    let r = x.nrows();
    let c = x.ncols();
    let mut m = x.to_owned();
    for i in 0..r {
        for j in 0..c {
            if i > 0 {
                m[[i, j]] *= m[[i - 1, j]] + 1.0;
            }
            if j > 0 {
                m[[i, j]] -= m[[i, j - 1]] * 0.5;
            }
            if m[[i, j]] > 6.0 {
                return m[[i, j]] * x[[0, 0]];
            }
        }
    }
    m.sum()
}

#[test]
fn matrix_written_and_read_with_return_at_depth_two_owned() {
    let a = Array2::from_shape_fn((3, 3), |(i, j)| 0.3 * (i + j) as f64 - 0.2);
    check_grad(la_2d_return_owned, la_2d_return_owned_grad, &a).unwrap();
    let b = Array2::from_shape_fn((3, 3), |(i, j)| 1.0 + 0.5 * i as f64 + 0.1 * j as f64);
    check_grad(la_2d_return_owned, la_2d_return_owned_grad, &b).unwrap();
    let (v, pb) = la_2d_return_owned_vjp(&b);
    assert_eq!(v, la_2d_return_owned(&b));
    assert_arr_close(&pb(1.0).0, &la_2d_return_owned_grad(&b), 1e-12, "vjp");
}

#[differentiable]
fn la_continue_break_owned(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = x.to_owned();
    let mut acc = 0.0;
    for i in 0..n {
        if i == 0 {
            y[i] = x[i] * 2.0;
            continue;
        }
        y[i] = y[i - 1] * x[i] + 0.5;
        if y[i] > 10.0 {
            break;
        }
        acc += y[i] * y[i - 1];
    }
    acc + y[n - 1]
}

#[test]
fn array_written_with_continue_and_break_owned() {
    let x = array![0.5, 1.2, -0.8, 2.0, 0.7];
    check_grad(la_continue_break_owned, la_continue_break_owned_grad, &x).unwrap();
    // 6, 6 * 2 + 0.5 = 12.5 > 10: breaks at i = 1.
    let x2 = array![3.0, 2.0, 2.5, 1.0];
    check_grad(la_continue_break_owned, la_continue_break_owned_grad, &x2).unwrap();
}

// ---------------------------------------------------------------------------------------------
// 9. Second round: more interactions
// ---------------------------------------------------------------------------------------------

#[differentiable(argnums = (0, 1))]
fn dotw(c: &Array1<f64>, x: f64) -> f64 {
    (c * x).mapv(f64::sin).sum()
}

#[differentiable]
fn fm_call_array_arg(x: f64, c: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for k in 0..3 {
        s = s * 0.5 + dotw(c, x * (k as f64 + 1.0));
    }
    s
}

#[test]
fn scalar_gradient_through_a_call_with_a_constant_array_argument() {
    let c = array![0.5, -1.0, 0.25];
    for x in [0.3, -0.8] {
        let g = fm_call_array_arg_grad(x, &c);
        let (_, pb) = fm_call_array_arg_vjp(x, &c);
        let (gx, gc) = pb(1.0);
        assert_close(g, gx, 1e-12, "grad vs vjp");
        assert_close(g, fd(|x| fm_call_array_arg(x, &c), x), 1e-6, "fd");
        assert_arr_close(&fm_call_array_arg_grad_1(x, &c), &gc, 1e-12, "vjp c");
        check_grad(
            |c: &Array1<f64>| fm_call_array_arg(x, c),
            |c: &Array1<f64>| fm_call_array_arg_grad_1(x, c),
            &c,
        )
        .unwrap();
    }
}

#[differentiable]
fn fm_mut_param(mut x: f64) -> f64 {
    x = x * 2.0;
    for _ in 0..3 {
        x = x.sin() + 0.1;
    }
    x
}

#[test]
fn forward_mode_with_a_mut_parameter() {
    for x in [0.3, 1.2, -0.7] {
        let g = fm_mut_param_grad(x);
        let (_, pb) = fm_mut_param_vjp(x);
        assert_close(g, pb(1.0).0, 1e-12, "fwd vs vjp");
        assert_close(g, fd(fm_mut_param, x), 1e-6, "fd");
        assert_eq!(fm_mut_param_value_and_grad(x).0, fm_mut_param(x));
    }
}

#[differentiable]
fn fm_float_while(x: f64) -> f64 {
    let mut s = x;
    let mut n = 0;
    while s < 10.0 {
        s = s * 1.5 + 0.2;
        n += 1;
        if n > 50 {
            return 0.0;
        }
    }
    s * n as f64
}

#[test]
fn forward_while_on_a_float_condition_with_return() {
    // x = 1: n = 5, s = 1.5^5 + 0.2 (1.5^5 - 1) / 0.5; ds/dx = 1.5^5, d/dx = 5 * 1.5^5.
    assert_close(
        fm_float_while_grad(1.0),
        5.0 * 1.5f64.powi(5),
        1e-12,
        "x = 1",
    );
    // x = 0.5: n = 7.
    assert_close(
        fm_float_while_grad(0.5),
        7.0 * 1.5f64.powi(7),
        1e-12,
        "x = 0.5",
    );
    // x = -1 diverges downwards: returns 0 after 51 steps.
    assert_eq!(fm_float_while(-1.0), 0.0);
    assert_eq!(fm_float_while_grad(-1.0), 0.0);
    for x in [1.0, 0.5, -1.0] {
        let (_, pb) = fm_float_while_vjp(x);
        assert_close(fm_float_while_grad(x), pb(1.0).0, 1e-12, "fwd vs vjp");
    }
}

#[differentiable]
fn fm_powi_counter(x: f64) -> f64 {
    let mut s = 0.0;
    for k in 1..5 {
        s += x.powi(k) / k as f64;
    }
    s
}

#[test]
fn forward_powi_with_a_counter_exponent() {
    for x in [0.7, -1.3] {
        let expected = 1.0 + x + x * x + x * x * x;
        assert_close(fm_powi_counter_grad(x), expected, 1e-12, "closed form");
        let (_, pb) = fm_powi_counter_vjp(x);
        assert_close(pb(1.0).0, expected, 1e-12, "vjp");
    }
}

#[differentiable]
fn fm_else_if_in_loop(x: f64, c: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..c.len() {
        if c[i] > 2.0 {
            return s * c[i] + x;
        } else if c[i] < -2.0 {
            return s - x * x;
        } else if c[i] * x > 1.0 {
            s += c[i] * x;
        } else {
            s -= (c[i] * x).sin();
        }
    }
    s
}

#[test]
fn forward_else_if_guard_chain_inside_a_loop() {
    let c1 = vec![0.5, -1.0, 1.5, 3.0, 0.2];
    let c2 = vec![0.5, -3.0, 1.0];
    let c3 = vec![0.5, 1.0, -0.4];
    for c in [&c1, &c2, &c3] {
        for x in [0.4, 1.2, -0.7] {
            let g = fm_else_if_in_loop_grad(x, c);
            let (_, pb) = fm_else_if_in_loop_vjp(x, c);
            let (gx, gc) = pb(1.0);
            assert_close(g, gx, 1e-12, "fwd vs vjp");
            assert_close(g, fd(|x| fm_else_if_in_loop(x, c), x), 1e-6, "fd");
            check_grad(
                |c: &Vec<f64>| fm_else_if_in_loop(x, c),
                |c: &Vec<f64>| fm_else_if_in_loop_grad_1(x, c),
                c,
            )
            .unwrap();
            let g1 = fm_else_if_in_loop_grad_1(x, c);
            for i in 0..c.len() {
                assert_close(g1[i], gc[i], 1e-12, "vjp c");
            }
        }
    }
}

#[differentiable]
fn guarded_callee(x: f64) -> f64 {
    if x < 0.0 {
        return -x * 0.5;
    }
    let mut s = x;
    for _ in 0..3 {
        s = s * 0.5 + x.sqrt();
        if s > 4.0 {
            return s;
        }
    }
    s
}

#[differentiable]
fn call_returning_callee(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += guarded_callee(x[i] * 3.0) * x[i];
    }
    s
}

#[test]
fn calls_of_a_function_with_returns_inside_its_loop() {
    let x = array![0.2, -0.5, 0.9, 1.6];
    check_grad(call_returning_callee, call_returning_callee_grad, &x).unwrap();
    for x in [-1.0, 0.6, 2.7, 4.8] {
        let (_, pb) = guarded_callee_vjp(x);
        assert_close(guarded_callee_grad(x), pb(1.0).0, 1e-12, "fwd vs vjp");
        assert_close(guarded_callee_grad(x), fd(guarded_callee, x), 1e-6, "fd");
    }
}

#[differentiable]
fn let_return_nested_writes(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = x.to_owned();
    let mut s = 0.0;
    for i in 0..n {
        for j in 0..n {
            let v = if y[j] > -5.0 {
                y[j] * 0.5
            } else {
                return s + y[j];
            };
            y[(j + i) % n] = v + x[i] * 0.1;
            s += v;
        }
    }
    s
}

#[test]
fn let_with_returning_arm_in_nested_loops_writing_an_array() {
    let a = array![0.5, -1.0, 2.0];
    check_grad(let_return_nested_writes, let_return_nested_writes_grad, &a).unwrap();
    let b = array![-12.0, 1.0, 0.5];
    check_grad(let_return_nested_writes, let_return_nested_writes_grad, &b).unwrap();
    let c = array![1.0, -8.0, 0.5];
    check_grad(let_return_nested_writes, let_return_nested_writes_grad, &c).unwrap();
}

#[differentiable]
fn vec_zeros_no_loop(x: &Vec<f64>) -> f64 {
    let mut y = vec![0.0; x.len()];
    y[1] = x[1] * x[0];
    y[1] *= x[2];
    y[0] + y[1]
}

#[test]
fn vec_zeros_written_outside_loops() {
    let x = vec![0.5, -1.5, 2.0];
    assert_eq!(vec_zeros_no_loop_grad(&x), vec![-3.0, 1.0, -0.75]);
}

#[differentiable]
fn f32_mapv_max(x: &Array1<f32>, a: f32) -> f32 {
    x.mapv(|v| (v * a).max(0.1) + 1.0 / (1.0 + (-v).exp()))
        .sum()
}

#[test]
fn f32_mapv_with_a_binary_function_of_an_outer_value() {
    let x = array![0.5f32, -0.3, 1.2];
    let a = 0.8f32;
    check_grad(
        |x: &Array1<f32>| f32_mapv_max(x, a),
        |x: &Array1<f32>| f32_mapv_max_grad(x, a),
        &x,
    )
    .unwrap();
    // d/da = sum over v with v a > 0.1 of v = 0.5 + 1.2
    assert!((f32_mapv_max_grad_1(&x, a) - 1.7).abs() < 1e-5);
}

#[differentiable]
fn mapv_reads_logged_element(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = x.to_owned();
    for i in 1..n {
        let prev = y[i - 1];
        y[i] = x.mapv(|v| v * prev).sum() * 0.1 + y[i];
    }
    y[n - 1]
}

#[test]
fn mapv_closure_reading_an_element_of_a_logged_array() {
    let x = array![0.5, -1.5, 2.0, 0.7];
    check_grad(
        mapv_reads_logged_element,
        mapv_reads_logged_element_grad,
        &x,
    )
    .unwrap();
}

#[differentiable]
fn broadcast_rows_in_loop(x: &Array1<f64>, w: &Array1<f64>) -> f64 {
    let b = x.broadcast((2, 3)).unwrap();
    let mut s = 0.0;
    for i in 0..2 {
        s += b.index_axis(Axis(0), i).dot(w) * x[i];
    }
    s
}

#[test]
fn broadcast_then_index_axis_in_a_loop() {
    let x = array![0.5, -1.5, 2.0];
    let w = array![0.3, 0.1, -0.4];
    // f = (x.w) (x0 + x1): grad_x = w (x0 + x1) + (x.w) [1, 1, 0]
    let xw = x.dot(&w);
    let expected = &w * (x[0] + x[1]) + array![xw, xw, 0.0];
    assert_arr_close(
        &broadcast_rows_in_loop_grad(&x, &w),
        &expected,
        1e-12,
        "closed form",
    );
}

#[differentiable]
fn to_shape_flat_reads(m: &Array2<f64>) -> f64 {
    let f = m.to_shape(6).unwrap();
    let mut s = 0.0;
    for i in 0..6 {
        s += f[i] * f[(i + 1) % 6];
    }
    s
}

#[test]
fn to_shape_flatten_then_element_reads() {
    let m = Array2::from_shape_fn((2, 3), |(i, j)| 0.3 * i as f64 - 0.4 * j as f64 + 0.2);
    check_grad(to_shape_flat_reads, to_shape_flat_reads_grad, &m).unwrap();
}

#[differentiable]
fn from_elem_in_loop(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut acc = Array1::zeros(n);
    let mut s = 0.0;
    for i in 0..n {
        s = s * 0.5 + x[i];
        acc = acc + Array1::from_elem(n, s);
    }
    (&acc * x).sum()
}

#[test]
fn from_elem_of_a_carried_scalar_in_a_loop() {
    let x = array![0.5, -1.5, 2.0, 0.7];
    check_grad(from_elem_in_loop, from_elem_in_loop_grad, &x).unwrap();
}

#[differentiable]
fn index_axis_after_writes(x: &Array2<f64>) -> f64 {
    let mut m = x.to_owned();
    for i in 1..m.nrows() {
        for j in 0..m.ncols() {
            m[[i, j]] += m[[i - 1, j]].sin();
        }
    }
    m.index_axis(Axis(0), 1).sum() + m.index_axis(Axis(1), 2).dot(&m.index_axis(Axis(1), 0))
}

#[test]
fn index_axis_of_an_array_written_in_nested_loops() {
    let x = Array2::from_shape_fn((3, 3), |(i, j)| 0.3 * i as f64 - 0.4 * j as f64 + 0.2);
    check_grad(index_axis_after_writes, index_axis_after_writes_grad, &x).unwrap();
}

#[differentiable]
fn f32_from_elem_insert(x: f32, v: &Array1<f32>) -> f32 {
    let a = Array::from_elem(v.len(), x);
    let b = v.view().insert_axis(Axis(0));
    (&a * v).sum() + (&b * x).sum() * 0.5
}

#[test]
fn f32_from_elem_and_insert_axis() {
    let v = array![0.5f32, -1.5, 2.0];
    let expected = 1.5 * v.sum();
    assert!((f32_from_elem_insert_grad(0.7, &v) - expected).abs() < 1e-5);
    let (_, pb) = f32_from_elem_insert_vjp(0.7, &v);
    let (gx, gv) = pb(1.0);
    assert!((gx - expected).abs() < 1e-5);
    assert!(gv.iter().all(|g| (g - 0.7 * 1.5).abs() < 1e-5), "{gv}");
}

#[differentiable]
fn f32_while_return(x: f32) -> f32 {
    let mut s = x;
    let mut i = 0;
    while i < 8 {
        s = s * 0.9 + (x * i as f32).sin();
        if s > 3.0 {
            return s * std::f32::consts::PI;
        }
        i += 1;
    }
    s
}

#[test]
fn f32_forward_while_with_return() {
    for x in [0.2f32, 0.9, -0.6] {
        let g = f32_while_return_grad(x);
        let (_, pb) = f32_while_return_vjp(x);
        assert!((g - pb(1.0).0).abs() <= 1e-5 * g.abs().max(1.0));
        let f = fd32(f32_while_return, x);
        assert!((g - f).abs() <= 2e-2 * f.abs().max(1.0), "{x}: {g} vs {f}");
    }
}

#[derive(Clone, Debug, Differentiable)]
struct Cell {
    w: Vec<f64>,
    a: f64,
}

impl Cell {
    #[differentiable]
    fn run(&self, x: f64) -> f64 {
        let mut h = x;
        for i in 0..self.w.len() {
            h = (h * self.w[i] + self.a).tanh();
            if h < -0.9 {
                return h * self.a;
            }
        }
        h
    }
}

#[differentiable]
fn cell_over_inputs(c: &Cell, x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += c.run(x[i]);
    }
    s
}

#[test]
fn method_with_return_in_loop_called_in_a_loop() {
    let c = Cell {
        w: vec![0.8, -1.2, 2.5],
        a: 0.3,
    };
    let x = array![0.4, -0.9, 1.7, -3.0];
    check_grad(
        |c: &Cell| cell_over_inputs(c, &x),
        |c: &Cell| cell_over_inputs_grad(c, &x),
        &c,
    )
    .unwrap();
    check_grad(
        |x: &Array1<f64>| cell_over_inputs(&c, x),
        |x: &Array1<f64>| cell_over_inputs_grad_1(&c, x),
        &x,
    )
    .unwrap();
    for x in [0.4, -0.9, 1.7, -3.0] {
        let (_, pb) = c.run_vjp(x);
        let (_, gx) = pb(1.0);
        assert_close(c.run_grad_1(x), gx, 1e-12, "grad_1 vs vjp");
        assert_close(gx, fd(|x| c.run(x), x), 1e-6, "fd");
    }
}

#[differentiable]
fn softmax_elements(x: &Array2<f64>) -> f64 {
    let p = nn::softmax(x, Axis(1));
    let mut s = 0.0;
    for i in 0..x.nrows() {
        for j in 0..x.ncols() {
            s += p[[i, j]] * (j as f64 + 1.0);
        }
    }
    s
}

#[test]
fn element_reads_of_an_nn_output() {
    let x = Array2::from_shape_fn((2, 3), |(i, j)| 0.3 * i as f64 - 0.4 * j as f64 + 0.2);
    check_grad(softmax_elements, softmax_elements_grad, &x).unwrap();
}

#[differentiable]
fn layer_in_branch_loop(w: &Array2<f64>, x: &Array1<f64>) -> f64 {
    let mut h = x.to_owned();
    for k in 0..4 {
        if k % 2 == 0 {
            h = dense(w, &h);
        } else {
            h = &h * 2.0;
        }
        if h[0] > 0.95 {
            return h.sum();
        }
    }
    (&h * &h).sum()
}

#[test]
fn vjp_layer_in_a_branch_of_a_loop_with_return() {
    let w = Array2::from_shape_fn((3, 3), |(i, j)| 0.3 * i as f64 - 0.2 * j as f64 + 0.1);
    let big = Array2::from_shape_fn((3, 3), |(i, j)| 1.5 - 0.2 * i as f64 + 0.1 * j as f64);
    let x = array![0.5, -0.4, 0.9];
    for w in [&w, &big] {
        check_grad(
            |w: &Array2<f64>| layer_in_branch_loop(w, &x),
            |w: &Array2<f64>| layer_in_branch_loop_grad(w, &x),
            w,
        )
        .unwrap();
        check_grad(
            |x: &Array1<f64>| layer_in_branch_loop(w, x),
            |x: &Array1<f64>| layer_in_branch_loop_grad_1(w, x),
            &x,
        )
        .unwrap();
    }
}

#[differentiable]
fn fm_rev_step_return(x: f64, c: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in (0..c.len()).rev() {
        s = s * x + c[i];
        if s > 100.0 {
            return s;
        }
    }
    for i in (0..c.len()).step_by(2) {
        s += c[i] * x;
    }
    s
}

#[test]
fn forward_reversed_and_stepped_loops_with_return() {
    let c = array![1.0, 2.0, 3.0, 4.0, 5.0];
    for x in [0.9, 4.0, -1.5] {
        let g = fm_rev_step_return_grad(x, &c);
        let (_, pb) = fm_rev_step_return_vjp(x, &c);
        let (gx, gc) = pb(1.0);
        assert_close(g, gx, 1e-12, "fwd vs vjp");
        assert_close(g, fd(|x| fm_rev_step_return(x, &c), x), 1e-6, "fd");
        assert_arr_close(&fm_rev_step_return_grad_1(x, &c), &gc, 1e-12, "vjp c");
    }
}

#[differentiable(argnums = (0, 1))]
fn tuple_scalars(x: f64, y: f64) -> f64 {
    let mut s = 0.0;
    for k in 0..4 {
        s += (x * k as f64 + y).sin();
    }
    s * x
}

#[test]
fn tuple_selection_of_scalars_agrees_with_the_single_items() {
    let (x, y) = (0.7, -0.3);
    let (gx, gy) = tuple_scalars_grad(x, y);
    let (hx, hy) = tuple_scalars_grad_0_1(x, y);
    assert_close(gx, tuple_scalars_grad_0(x, y), 1e-12, "grad_0");
    assert_close(gy, tuple_scalars_grad_1(x, y), 1e-12, "grad_1");
    assert_eq!((gx, gy), (hx, hy));
    let (v, (vx, vy)) = tuple_scalars_value_and_grad(x, y);
    assert_eq!(v, tuple_scalars(x, y));
    assert_eq!((vx, vy), (gx, gy));
    assert_close(gx, fd(|x| tuple_scalars(x, y), x), 1e-6, "fd x");
    assert_close(gy, fd(|y| tuple_scalars(x, y), y), 1e-6, "fd y");
}

// ---------------------------------------------------------------------------------------------
// 10. Third round
// ---------------------------------------------------------------------------------------------

#[differentiable]
fn return_ends_first_iteration(x: f64, c: &[f64]) -> f64 {
    let mut s = x;
    for i in 0..c.len() {
        s = s * c[i];
        return s + 1.0;
    }
    s
}

#[test]
fn return_as_the_last_statement_of_a_loop_body() {
    let c = vec![1.5, 2.0];
    assert_eq!(return_ends_first_iteration(0.7, &c), 0.7 * 1.5 + 1.0);
    assert_close(
        return_ends_first_iteration_grad(0.7, &c),
        1.5,
        1e-12,
        "grad",
    );
    assert_eq!(return_ends_first_iteration_grad_1(0.7, &c), vec![0.7, 0.0]);
    let (_, pb) = return_ends_first_iteration_vjp(0.7, &c);
    assert_close(pb(1.0).0, 1.5, 1e-12, "vjp");
    assert_close(
        return_ends_first_iteration_grad(0.7, &[]),
        1.0,
        1e-12,
        "empty",
    );
}

#[differentiable]
fn mapv_closure_with_branch(x: &Array1<f64>) -> f64 {
    let mu = x.mean().unwrap();
    x.mapv(|v| if v > mu { v - mu } else { 0.0 }).sum()
}

#[test]
fn mapv_closure_with_a_branch_on_an_outer_value() {
    let x = array![0.5, -1.0, 2.0, 0.25];
    // f = sum_{v > mu} (v - mu), mu = 0.4375: elements 0 and 2 above. grad_k = [k above] - 2/4.
    assert_arr_close(
        &mapv_closure_with_branch_grad(&x),
        &array![0.5, -0.5, 0.5, -0.5],
        1e-12,
        "closed form",
    );
    check_grad(mapv_closure_with_branch, mapv_closure_with_branch_grad, &x).unwrap();
}

#[differentiable]
fn nested_mapv(x: &Array1<f64>, a: f64) -> f64 {
    let b = x.sum();
    x.mapv(|v| v * a).mapv(|u| (u - b).exp()).sum()
}

#[test]
fn chained_mapv_closures_over_outer_values() {
    let x = array![0.3, -0.5, 0.8];
    let a = 1.3;
    check_grad(
        |x: &Array1<f64>| nested_mapv(x, a),
        |x: &Array1<f64>| nested_mapv_grad(x, a),
        &x,
    )
    .unwrap();
    let g = nested_mapv_grad_1(&x, a);
    assert_close(g, fd(|a| nested_mapv(&x, a), a), 1e-6, "fd a");
}

#[differentiable]
fn closure_param_shadows_local(x: &Array1<f64>) -> f64 {
    let v = x.sum();
    x.mapv(|v| v * 2.0).sum() * v
}

#[differentiable]
fn closure_param_shadows_param(x: &Array1<f64>, v: f64) -> f64 {
    x.mapv(|v| v * 2.0).sum() * v
}

#[differentiable]
fn closure_captures_generated_like_names(x: &Array1<f64>) -> f64 {
    let t0 = x.sum();
    let t1 = t0 * 2.0;
    x.mapv(|v| v * t0 + t1).sum()
}

#[test]
fn closure_names_shadowing_and_clashing() {
    let x = array![0.3, -0.5, 0.8];
    // f = 2 S^2: grad = 4 S
    let s = x.sum();
    assert_arr_close(
        &closure_param_shadows_local_grad(&x),
        &Array1::from_elem(3, 4.0 * s),
        1e-12,
        "shadows local",
    );
    // f = 2 S v
    let (gx, gv) = (
        closure_param_shadows_param_grad(&x, 1.5),
        closure_param_shadows_param_grad_1(&x, 1.5),
    );
    assert_arr_close(&gx, &Array1::from_elem(3, 3.0), 1e-12, "shadows param x");
    assert_close(gv, 2.0 * s, 1e-12, "shadows param v");
    // f = S^2 + 2 n S: grad = 2 S + 2 n
    assert_arr_close(
        &closure_captures_generated_like_names_grad(&x),
        &Array1::from_elem(3, 2.0 * s + 6.0),
        1e-12,
        "t0/t1",
    );
}

#[differentiable]
fn shape_chain(x: &Array1<f64>) -> f64 {
    let c = x.to_shape((3, 1)).unwrap();
    let b = c.broadcast((3, 4)).unwrap();
    let m = Array::from_elem((4, 2), x[0]);
    b.dot(&m).sum()
}

#[test]
fn to_shape_broadcast_and_from_elem_of_an_element() {
    let x = array![0.5, -1.0, 2.0];
    // f = sum_i x_i * 4 * x0 * 2 = 8 x0 S: grad = 8 x0 + 8 S e0
    let s = x.sum();
    let expected = array![8.0 * x[0] + 8.0 * s, 8.0 * x[0], 8.0 * x[0]];
    assert_arr_close(&shape_chain_grad(&x), &expected, 1e-12, "closed form");
}

#[differentiable]
fn index_axis_3d(x: &Array3<f64>) -> f64 {
    let a = x.index_axis(Axis(2), 1);
    let b = x.index_axis(Axis(0), 0);
    a.dot(&b).sum()
}

#[test]
fn index_axis_of_a_3d_array() {
    let x = Array3::from_shape_fn((2, 2, 2), |(i, j, k)| {
        0.3 * i as f64 - 0.2 * j as f64 + 0.1 * k as f64 + 0.05
    });
    check_grad(index_axis_3d, index_axis_3d_grad, &x).unwrap();
}

#[differentiable(argnums = (0, 1))]
fn two_arr(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    (a * b).sum() + a.sum() * 2.0
}

#[differentiable]
fn same_value_twice(x: &Array1<f64>) -> f64 {
    two_arr(x, x) + two_arr(&x.mapv(f64::sin), x)
}

#[test]
fn a_value_passed_as_two_arguments() {
    let x = array![0.3, -0.5, 0.8];
    // 2 x + 2 + cos x (x + 2) + sin x
    let expected = x.mapv(|v: f64| 2.0 * v + 2.0 + v.cos() * (v + 2.0) + v.sin());
    assert_arr_close(&same_value_twice_grad(&x), &expected, 1e-12, "closed form");
}

#[differentiable]
fn constant_call_in_loop(x: f64) -> f64 {
    let mut s = x;
    for i in 0..3 {
        s = s * sq(x) + sq(2.0) * i as f64;
    }
    s
}

#[test]
fn call_with_all_constant_arguments() {
    for x in [0.7, -1.2] {
        let g = constant_call_in_loop_grad(x);
        assert_close(g, fd(constant_call_in_loop, x), 1e-6, "fd");
        let (_, pb) = constant_call_in_loop_vjp(x);
        assert_close(g, pb(1.0).0, 1e-12, "vjp");
    }
}

#[differentiable]
fn nn_arrays_in_branches(x: &Array1<f64>) -> f64 {
    let mut h = x.to_owned();
    let mut s = 0.0;
    for k in 0..3 {
        h = nn::relu(&h) - &h * 0.3;
        if k == 1 {
            s += nn::softplus(&h).sum();
        } else {
            s -= nn::sigmoid(h[0]);
        }
    }
    s
}

#[test]
fn nn_array_functions_in_branches_of_a_loop() {
    let x = array![0.5, -1.0, 2.0, 0.25];
    check_grad(nn_arrays_in_branches, nn_arrays_in_branches_grad, &x).unwrap();
}

#[differentiable]
fn f32_vec_clone_writes(x: f32) -> f32 {
    let v = vec![0.0; 3];
    let mut w = v.clone();
    w[0] = x * 2.0;
    w[1] = w[0] * x;
    w[1] /= 1.0 + x * x;
    w[0] + w[1]
}

#[test]
fn f32_local_vec_written_with_div_assign() {
    for x in [0.7f32, -1.2] {
        // f = 2x + 2x^2 / (1 + x^2): f' = 2 + 4x / (1 + x^2)^2
        let expected = 2.0 + 4.0 * x / (1.0 + x * x).powi(2);
        assert!((f32_vec_clone_writes_grad(x) - expected).abs() < 1e-5);
        let (_, pb) = f32_vec_clone_writes_vjp(x);
        assert!((pb(1.0).0 - expected).abs() < 1e-5);
    }
}

#[derive(Clone, Debug, Differentiable)]
struct Pw {
    w: Array1<f64>,
    b: f64,
}

#[differentiable]
fn takes_arr(w: &Array1<f64>, s: f64) -> f64 {
    w.mapv(|v| (v * s).tanh()).sum()
}

#[differentiable]
fn field_argument_in_loop(p: &Pw, x: f64) -> f64 {
    let mut s = x;
    for _ in 0..3 {
        s = takes_arr(&p.w, s) + p.b;
    }
    s
}

#[test]
fn struct_field_passed_to_a_call_in_a_loop() {
    let p = Pw {
        w: array![0.5, -0.3, 0.8],
        b: 0.2,
    };
    for x in [0.4, -1.1] {
        check_grad(
            |p: &Pw| field_argument_in_loop(p, x),
            |p: &Pw| field_argument_in_loop_grad(p, x),
            &p,
        )
        .unwrap();
        let g = field_argument_in_loop_grad_1(&p, x);
        assert_close(g, fd(|x| field_argument_in_loop(&p, x), x), 1e-6, "fd x");
        let (_, pb) = field_argument_in_loop_vjp(&p, x);
        assert_close(pb(1.0).1, g, 1e-12, "vjp x");
    }
}

#[differentiable]
fn bool_and_str_constants(x: f64, flag: bool, name: &str) -> f64 {
    if flag && name.len() > 2 {
        return x * 3.0;
    }
    x.sin()
}

#[test]
fn guard_on_bool_and_str_constants() {
    assert_eq!(bool_and_str_constants_grad(0.5, true, "abc"), 3.0);
    assert_close(
        bool_and_str_constants_grad(0.5, true, "ab"),
        0.5f64.cos(),
        1e-12,
        "cos",
    );
    let (_, pb) = bool_and_str_constants_vjp(0.5, false, "abc");
    assert_close(pb(1.0).0, 0.5f64.cos(), 1e-12, "vjp");
}

#[differentiable]
fn triple_while_return(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    let mut i = 0;
    while i < x.len() {
        let mut j = 0;
        while j < x.len() {
            let mut k = 0;
            while k < 2 {
                s += x[i] * x[j] * (k as f64 + 1.0);
                if s > 5.0 {
                    return s * x[0];
                }
                k += 1;
            }
            j += 1;
        }
        i += 1;
    }
    s
}

#[test]
fn return_at_depth_three_of_while_loops() {
    let small = array![0.3, -0.4, 0.5];
    check_grad(triple_while_return, triple_while_return_grad, &small).unwrap();
    let big = array![1.1, 0.9, 1.3];
    check_grad(triple_while_return, triple_while_return_grad, &big).unwrap();
}

#[differentiable]
fn let_else_if_returning_arms(x: f64) -> f64 {
    let y = if x > 1.0 {
        x * 2.0
    } else if x > 0.0 {
        return x.powi(3);
    } else {
        return -x;
    };
    y + 1.0
}

#[test]
fn let_with_else_if_returning_arms() {
    for (x, d) in [(2.0, 2.0), (0.5, 0.75), (-0.7, -1.0)] {
        assert_close(let_else_if_returning_arms_grad(x), d, 1e-12, "closed form");
        let (_, pb) = let_else_if_returning_arms_vjp(x);
        assert_close(pb(1.0).0, d, 1e-12, "vjp");
    }
}

#[differentiable]
fn f32_return_literal_in_loop(x: f32) -> f32 {
    let mut s = 0.0;
    for k in 0..4 {
        s += x * k as f32;
        if s > 3.0 {
            return 1.0;
        }
    }
    s
}

#[test]
fn f32_literal_returned_inside_a_loop() {
    assert_eq!(f32_return_literal_in_loop_grad(0.5), 6.0);
    assert_eq!(f32_return_literal_in_loop_grad(2.0), 0.0);
}

// `let v = if c { a } else { continue; };` and `.. else { break; };`: the loop disappears.

#[differentiable]
fn let_else_continue(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let v = if x[i] > 0.0 {
            x[i] * 2.0
        } else {
            continue;
        };
        s += v * x[i];
    }
    s
}

#[test]
fn let_with_a_continuing_arm() {
    let x = array![0.5, -1.0, 2.0];
    assert_eq!(let_else_continue(&x), 8.5);
    // f = sum_{x_i > 0} 2 x_i^2
    assert_eq!(let_else_continue_grad(&x), array![2.0, 0.0, 8.0]);
    assert_eq!(
        let_else_continue_value_and_grad(&x).0,
        let_else_continue(&x)
    );
}

#[differentiable]
fn let_else_break(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let v = if x[i] > 0.0 {
            x[i] * 2.0
        } else {
            break;
        };
        s += v * x[i];
    }
    s
}

#[test]
fn let_with_a_breaking_arm() {
    let x = array![0.5, -1.0, 2.0];
    assert_eq!(let_else_break(&x), 0.5);
    assert_eq!(let_else_break_grad(&x), array![2.0, 0.0, 0.0]);
    let (_, pb) = let_else_break_vjp(&x);
    assert_eq!(pb(1.0).0, array![2.0, 0.0, 0.0]);
    assert_eq!(let_else_break_value_and_grad(&x).0, let_else_break(&x));
}

#[differentiable]
fn fm_let_else_continue(x: f64, c: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..c.len() {
        let v = if c[i] * x > 0.0 {
            c[i] * x
        } else {
            continue;
        };
        s += v * v;
    }
    s + x
}

#[test]
fn forward_let_with_a_continuing_arm() {
    let c = vec![1.0, -2.0, 3.0];
    assert_eq!(fm_let_else_continue(0.5, &c), 3.0);
    // f = x^2 (1 + 9) + x: f' = 20 x + 1
    assert_close(fm_let_else_continue_grad(0.5, &c), 11.0, 1e-12, "forward");
    let (_, pb) = fm_let_else_continue_vjp(0.5, &c);
    assert_close(pb(1.0).0, 11.0, 1e-12, "vjp");
    assert_eq!(
        fm_let_else_continue_value_and_grad(0.5, &c).0,
        fm_let_else_continue(0.5, &c)
    );
}

#[differentiable]
fn while_let_else_continue(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    let mut i = 0;
    while i < x.len() {
        i += 1;
        let v = if x[i - 1] > 0.0 {
            x[i - 1]
        } else {
            continue;
        };
        s += v * v;
    }
    s * 2.0 + x[0]
}

#[test]
fn while_let_with_a_continuing_arm() {
    let x = array![0.5, -1.0, 2.0];
    assert_eq!(while_let_else_continue(&x), 9.0);
    assert_eq!(while_let_else_continue_grad(&x), array![3.0, 0.0, 8.0]);
    assert_eq!(while_let_else_continue_value_and_grad(&x).0, 9.0);
}

// =============================================================================================
// 11. Cases that did not compile in the first round, each fixed since (the notes beside them are the
// errors they gave then): arrays created empty and written in loops with branches, returns and
// `continue`; an `Axis` parameter; a `Vec` copy; f32 literals in forward mode; a `mapv` closure reading
// an element of the array it maps; a `let` whose arm continues.
// =============================================================================================
//
// ---- BUG A: a local array created inactive (`Array1::zeros(n)`, `Array2::zeros(..)`,
// `vec![0.0; n]`), written inside a loop that also has a branch (an `if` that writes, a `return`,
// a `continue`), is treated as a carried value of the loop: the generated code moves it
// (`let y_before_loop0 = y;`) and then clones it per iteration (`stack0.push((.., Clone::clone(&y),
// ..))`), and/or loses the loop's carried scalars. With `let mut y = x.to_owned();` instead, all of
// these compile and pass (section 8). Also exercised: logged arrays + returns inside loops, writes
// in branches inside loops, calls inside loops that write arrays, f32.
//
#[differentiable]
fn la_return_in_loop(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = Array1::zeros(n);
    y[0] = x[0];
    for t in 1..n {
        y[t] = y[t - 1] * 0.8 + x[t];
        if y[t] > 3.0 {
            return y[t] * y[t - 1];
        }
    }
    y.sum()
}
// error[E0382]: borrow of moved value
//    --> (at the span shown below)
//     |
// 508 | #[differentiable]
//     | ^^^^^^^^^^^^^^^^^
//     | |
//     | value borrowed here after move
//     | move occurs because value has type `ArrayBase<OwnedRepr<f64>, Dim<[usize; 1]>, f64>`,
//     | which does not implement the `Copy` trait
// Generated (`la_return_in_loop_grad`):
//     let y_before_loop0 = y;
//     let mut stack0 = __ad::checkpoint_stack(&(1..n));
//     for t in 1..n {
//         stack0.push((
//             ::core::clone::Clone::clone(&__autodiff_returned),
//             ::core::clone::Clone::clone(&y),        // <- y was moved above
//             __ad::log_len(&y_log0),
//         ));
//
#[differentiable(argnums = (0, 1))]
fn la_branch_writes(x: &Array1<f64>, a: f64) -> f64 {
    let n = x.len();
    let mut y = Array1::zeros(n);
    y[0] = x[0];
    for t in 1..n {
        if y[t - 1] > 0.0 {
            y[t] = y[t - 1] * a + x[t];
        } else {
            y[t] -= x[t] * a;
            y[t] += y[t - 1].cos();
        }
    }
    let mut s = 0.0;
    for t in 0..n {
        s += y[t] * (t + 1) as f64;
    }
    s
}
// error[E0382]: use of moved value
//    --> (at the span shown below)
//     |
// 593 | #[differentiable(argnums = (0, 1))]
//     | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
//     | |
//     | value used here after move
//     | move occurs because value has type `ArrayBase<OwnedRepr<f64>, Dim<[usize; 1]>, f64>`, ...
// ...
// 596 |     let mut y = Array1::zeros(n);
//     |             - use occurs due to use in closure
// (and error[E0382]: borrow of moved value, at the same attribute)
//
#[differentiable]
fn call_in_loop_write(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = Array1::zeros(n);
    y[0] = sq(x[0]);
    for i in 1..n {
        y[i] = sq(y[i - 1]) * 0.5 + helper(x[i], i);
        if y[i] > 5.0 {
            y[i] = helper(y[i], 2);
        }
    }
    y.sum()
}
// error[E0382]: borrow of moved value (x2, at `#[differentiable]`), as above
//
#[differentiable]
fn f32_logged(x: &Array1<f32>, a: f32) -> f32 {
    let n = x.len();
    let mut y = Array1::zeros(n);
    y[0] = x[0];
    for t in 1..n {
        y[t] = y[t - 1] * a + x[t].sin();
        if y[t] > 5.0 {
            return y[t];
        }
    }
    let mut s = 0.0;
    for t in 0..n {
        s += y[t] * y[t];
    }
    s
}
// error[E0382]: borrow of moved value (x2; value has type `ArrayBase<OwnedRepr<f32>, Dim<[usize; 1]>, f32>`)
//
#[differentiable]
fn la_2d_return(x: &Array2<f64>) -> f64 {
    let r = x.nrows();
    let c = x.ncols();
    let mut m = Array2::zeros((r, c));
    for i in 0..r {
        for j in 0..c {
            m[[i, j]] = x[[i, j]];
            if i > 0 {
                m[[i, j]] *= m[[i - 1, j]] + 1.0;
            }
            if j > 0 {
                m[[i, j]] -= m[[i, j - 1]] * 0.5;
            }
            if m[[i, j]] > 6.0 {
                return m[[i, j]] * x[[0, 0]];
            }
        }
    }
    m.sum()
}
// error[E0382]: borrow of moved value (x3, at `#[differentiable]`); generated: `let m_before_loop1 = m;`
// and, inside the outer loop, `let m_before_loop0 = m;`
//
// Without a write before the loop the same shape fails differently: the returned value is not
// carried out of the loop.
#[differentiable]
fn zeros_return_in_loop(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = Array1::zeros(n);
    for t in 1..n {
        y[t] = y[t - 1] * 0.8 + x[t];
        if y[t] > 3.0 {
            return y[t];
        }
    }
    y[n - 1]
}
// error[E0425]: cannot find value `__autodiff_result_2` in this scope
// error[E0425]: cannot find value `__autodiff_result_2_bar` in this scope
// error[E0425]: cannot find value `__autodiff_result_2_bar_1` in this scope (also _2, _3)
// Generated (`zeros_return_in_loop_grad`): inside the loop `let __autodiff_result_2; if branch0 {
// .. }` with no `__autodiff_result = __autodiff_result_2;` at the end of the iteration, and after
// the loop `t7 = __ad::owned(&__autodiff_result_2);` (out of scope); `y` is again moved into
// `y_before_loop0` and cloned per iteration.
//
#[differentiable]
fn la_vec(x: &Vec<f64>) -> f64 {
    let n = x.len();
    let mut y = vec![0.0; n];
    let mut acc = 0.0;
    for i in 0..n {
        if i == 0 {
            y[i] = x[i];
            continue;
        }
        y[i] = y[i - 1] * x[i] + 0.5;
        if y[i] > 10.0 {
            break;
        }
        acc += y[i] * y[i - 1];
    }
    acc + y[n - 1]
}
// error[E0425]: cannot find value `acc_3` in this scope
// error[E0425]: cannot find value `acc_3_bar` in this scope (also `acc_3_bar_1`, `_2`, `_3`)
// Generated: the loop never assigns `acc = acc_3` / `acc_carried`, and reads `acc_3` after it.
// (The same function with an `Array1` and `x.to_owned()` passes: `la_continue_break_owned`.)
//
// ---- BUG C: an `Axis` parameter. Calls treat `Axis` arguments as constants, but a
// `#[differentiable]` function with an `Axis` parameter treats it as differentiable.
#[differentiable]
fn axis_energy(x: &Array2<f64>, ax: Axis, k: usize) -> f64 {
    x.sum_axis(ax).powi(2).sum() * k as f64
}
// error[E0277]: the trait bound `Axis: autodiff::Differentiable` is not satisfied
//    --> (at the span shown below)
//     |
// 908 | fn axis_energy(x: &Array2<f64>, ax: Axis, k: usize) -> f64 {
//     |                                     ^^^^ the trait `autodiff::Differentiable` is not implemented for `Axis`
// and at each call `axis_energy(x, Axis(0), k)`:
// error[E0277]: the pullback of this call returned tangents that do not match the call's
// differentiable arguments ... the trait `autodiff::__private::Spread<()>` is not implemented for `(_, ())`
//
// ---- BUG D: a local copy of a `Vec` parameter, `let mut y = x.to_owned();` with `x: &Vec<f64>`
// (README: "a local copy `let mut y = x.to_owned();`"; `Vec` parameters are supported).
#[differentiable]
fn vec_copy(x: &Vec<f64>) -> f64 {
    let mut y = x.to_owned();
    y[1] *= y[0];
    y[0] + y[1]
}
// error[E0277]: the trait bound `Vec<f64>: autodiff_runtime::operand::ArrayArg` is not satisfied
//     | #[differentiable]
//     | ^^^^^^^^^^^^^^^^^ the trait `autodiff_runtime::operand::ArrayArg` is not implemented for `Vec<f64>`
// error[E0308]: mismatched types
//     | ^^^^^^^^^^^^^^^^^ expected `Vec<f64>`, found `ArrayBase<OwnedRepr<f64>, _, f64>`
// (same with `Vec<f32>`; `x.clone()` gives the same errors; `x.to_vec()` is rejected with
// "method `to_vec` is not differentiable".)
//
// ---- BUG E: f32 forward mode, a literal returned from a guard or a `let`-`else` arm: the tangent
// of the literal is typed f64.
#[differentiable]
fn f32_guard_literal(x: f32) -> f32 {
    if x > 5.0 {
        return 0.0;
    }
    x * 2.0
}
#[differentiable]
fn f32_let_return_literal(x: f32) -> f32 {
    let y = if x > 0.0 {
        x
    } else {
        return 0.5;
    };
    y * y
}
// error[E0271]: type mismatch resolving `<f64 as Differentiable>::Tangent == f32`
//   |
// 5 | #[differentiable]
//   | ^^^^^^^^^^^^^^^^^ expected `f32`, found `f64`
// Generated (`f32_guard_literal_grad`, forward mode):
//     if branch0 {
//         t1_dot0 = __ad::zero_tangent(&(0.0));   // an f64 literal
//         t1 = (0.0);
// (A literal returned inside a loop works: `f32_return_literal_in_loop`; f64 works.)
//
// ---- BUG F: a `mapv` closure that reads an element of the array it maps.
#[differentiable]
fn mapv_reads_receiver(x: &Array1<f64>) -> f64 {
    x.mapv(|v| v * x[0]).sum()
}
// error[E0499]: cannot borrow value as mutable more than once at a time
//    |
// 67 | #[differentiable]
//    | -----------------
//    | |
//    | first mutable borrow occurs here
//    | second borrow occurs due to use of value in closure
//    | first borrow later used by call
// 68 | fn mapv_reads_receiver(x: &Array1<f64>) -> f64 {
// 69 |     x.mapv(|v| v * x[0]).sum()
//    |     ^ second mutable borrow occurs here
//
// ---- BUG G (same root as the ignored `let_with_a_continuing_arm`): with an element write after
// the `let`, the dropped loop leaves the undo log untyped.
#[differentiable]
fn let_else_continue_write(x: &Array1<f64>) -> f64 {
    let mut y = x.to_owned();
    let mut s = 0.0;
    for i in 0..y.len() {
        let v = if y[i] > 0.0 {
            y[i] * 2.0
        } else {
            continue;
        };
        y[i] = v;
        s += v;
    }
    s + y[0]
}
// error[E0282]: type annotations needed
//    |
// 53 | #[differentiable]
//    | ^^^^^^^^^^^^^^^^^ cannot infer type
// Generated (`let_else_continue_write_grad`): `let mut y_1_log0 = __ad::undo_log();` never used;
// the loop body is `let branch1: bool = !(false || continued0); if branch1 { } else { }`.
//
// ---- Documented limitations (clean, spanned errors; listed for completeness):
// * `let (r, c) = (x.nrows(), x.ncols());` -> "only `let name = ..` and `let name: Type = ..`
//   are supported; destructuring is not" (at the pattern).
// * A `loop { .. if c { return v; } }` that is the function's final expression (exits only by
//   `return`) -> "the body must end with the function's value (a final expression or
//   `return e;`)".
// * `#[differentiable(vjp)]` with `return y;` inside the loop that writes `y[i]` -> "`y` is read
//   as a whole inside a loop that writes its elements; this is not supported".
// * `let mut y = [0.0; 4];` -> "array literals are not supported here; use `ndarray` arrays".

#[test]
fn cases_that_once_did_not_compile() {
    let x = array![0.5, 1.2, -0.3, 0.8, 2.0];
    check_grad(la_return_in_loop, la_return_in_loop_grad, &x).unwrap();
    check_grad(zeros_return_in_loop, zeros_return_in_loop_grad, &x).unwrap();
    check_grad(mapv_reads_receiver, mapv_reads_receiver_grad, &x).unwrap();
    check_grad(let_else_continue_write, let_else_continue_write_grad, &x).unwrap();
    let small = array![0.3, -0.2, 0.4, 0.1];
    check_grad(call_in_loop_write, call_in_loop_write_grad, &small).unwrap();
    for a in [0.7, -0.6] {
        check_grad(
            |x: &Array1<f64>| la_branch_writes(x, a),
            |x: &Array1<f64>| la_branch_writes_grad(x, a).0,
            &x,
        )
        .unwrap();
        let h = 1e-6;
        let fd = (la_branch_writes(&x, a + h) - la_branch_writes(&x, a - h)) / (2.0 * h);
        assert!((la_branch_writes_grad(&x, a).1 - fd).abs() < 1e-6 * fd.abs().max(1.0));
    }
    let m = Array2::from_shape_fn((3, 3), |(i, j)| 0.4 + 0.3 * i as f64 - 0.2 * j as f64);
    check_grad(la_2d_return, la_2d_return_grad, &m).unwrap();
    let v = vec![0.5, 1.5, -0.7, 2.0];
    check_grad(la_vec, la_vec_grad, &v).unwrap();
    assert_eq!(vec_copy_grad(&vec![2.0, 3.0]), vec![1.0 + 3.0, 2.0]);
    let e = |x: &Array2<f64>| axis_energy(x, Axis(1), 3);
    check_grad(e, |x: &Array2<f64>| axis_energy_grad(x, Axis(1), 3), &m).unwrap();
    assert_eq!(f32_guard_literal_grad(6.0), 0.0);
    assert_eq!(f32_guard_literal_grad(1.0), 2.0);
    assert_eq!(f32_let_return_literal_grad(-1.0), 0.0);
    assert_eq!(f32_let_return_literal_grad(1.5), 3.0);
    let x32 = array![0.5f32, 1.2, -0.3, 0.8];
    check_grad(
        |x: &Array1<f32>| f32_logged(x, 0.9),
        |x: &Array1<f32>| f32_logged_grad(x, 0.9),
        &x32,
    )
    .unwrap();
}
