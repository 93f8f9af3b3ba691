//! Second order through control flow and element reads: `f_hvp` and `f_hessian` of accumulating loops
//! (index and iterator loops, branches inside them), branches, element reads and writes of gradients
//! into containers, against closed forms and central differences of `f_grad`, in `f64` and `f32`.
#![deny(warnings)]

use autodiff::ndarray::{array, Array1};
use autodiff::prelude::*;
mod common;
use common::{check_hvp, close_slices as close, fd_hvp, rosenbrock_hessian_closed};

/// `f_hvp` of a function of an array and a scalar along `(v, ds)` against central differences of its
/// gradient along both.
fn check_pair_hvp(
    what: &str,
    got: (Array1<f64>, f64),
    grad: impl Fn(&Array1<f64>, f64) -> (Array1<f64>, f64),
    (x, s): (&Array1<f64>, f64),
    (v, ds): (&Array1<f64>, f64),
    rtol: f64,
) {
    let h = 1e-5;
    let step = |e: f64| grad(&(x + &(v * (e * h))), s + e * h * ds);
    let (gp, gm) = (step(1.0), step(-1.0));
    let want_x = (&gp.0 - &gm.0) / (2.0 * h);
    let want_s = (gp.1 - gm.1) / (2.0 * h);
    close(
        got.0.as_slice().unwrap(),
        want_x.as_slice().unwrap(),
        rtol,
        &format!("{what}: H x"),
    );
    close(&[got.1], &[want_s], rtol, &format!("{what}: H s"));
}

fn point(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.37 * i as f64 + 0.1).sin() * 1.5)
}

fn direction(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.9 * i as f64 + 0.4).cos())
}

/// Rosenbrock as an index loop (W5's loop form).
#[differentiable(hessian)]
fn rosenbrock_loop(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

#[test]
fn an_index_loops_hessian_is_rosenbrocks() {
    for n in [2, 3, 8, 17, 100] {
        let x = point(n);
        let want = rosenbrock_hessian_closed(&x);
        let h = rosenbrock_loop_hessian(&x);
        close(h.as_slice().unwrap(), want.as_slice().unwrap(), 1e-13, "H");
        let v = direction(n);
        let hv = rosenbrock_loop_hvp(&x, v.clone());
        close(
            hv.as_slice().unwrap(),
            want.dot(&v).as_slice().unwrap(),
            1e-13,
            "Hv",
        );
    }
}

/// An iterator loop, a scalar parameter read in it, and what follows the loop.
#[differentiable(argnums = (0, 1), hessian)]
fn iterated(x: &Array1<f64>, a: f64) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        s += (v - a).powi(2) * v.sin() * (i as f64 + 1.0);
    }
    (s * s + 1.0).ln() * a
}

/// Element reads outside loops, and of a local array.
#[differentiable(hessian)]
fn elements(x: &Array1<f64>) -> f64 {
    let y = x.exp();
    x[0] * x[1].sin() + x[2] * x[2] * x[0] + y[1] * y[2]
}

/// A branch on a constant condition, both arms differentiable.
#[differentiable(hessian)]
fn branchy(x: &Array1<f64>) -> f64 {
    let s = x.sum();
    let t = if s > 0.0 {
        s * s + x.sin().sum()
    } else {
        x.cos().sum() * s
    };
    t * x.mean().unwrap()
}

/// Two loops over a slice.
#[differentiable(hessian)]
fn two_loops(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 1..x.len() {
        s += x[i] * x[i - 1];
    }
    let mut t = 0.0;
    for v in x.iter() {
        t += v.tanh();
    }
    s * t
}

/// Branches in branches, an else-if chain, element reads in an arm.
#[differentiable(hessian)]
fn nested_branches(x: &Array1<f64>) -> f64 {
    let s = x.sum();
    let mut t = x.powi(2).sum();
    if s > 1.0 {
        if x[0] > 0.0 {
            t = t * x[0] + x[1].exp();
        } else {
            t -= x[2] * x[1];
        }
    } else if s > -1.0 {
        t = t.sqrt() * s;
    } else {
        t += (x * x * x).sum();
    }
    t * s
}

/// Offsets behind the index, a constant weight array, subtraction, and the sum used twice after.
#[differentiable(hessian)]
fn weighted_differences(x: &Array1<f64>, w: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 1..x.len() {
        s -= w[i] * (x[i] - x[i - 1]).powi(2) + 0.1 * x[i].sin();
    }
    s * s + s
}

#[test]
fn hvps_through_loops_branches_and_elements_agree_with_differences() {
    for n in [3, 6, 13] {
        let x = point(n);
        let v = direction(n);

        let a = 0.3;
        let got = iterated_hvp(&x, a, (v.clone(), 0.7));
        let want_x = fd_hvp(|x| iterated_grad(x, a).0, &x, &v);
        check_pair_hvp("iterated", got, iterated_grad, (&x, a), (&v, 0.7), 1e-7);
        let only_x = iterated_hvp(&x, a, (v.clone(), 0.0));
        close(
            only_x.0.as_slice().unwrap(),
            want_x.as_slice().unwrap(),
            1e-7,
            "iterated H v",
        );

        let want = fd_hvp(elements_grad, &x, &v);
        let got = elements_hvp(&x, v.clone());
        close(
            got.as_slice().unwrap(),
            want.as_slice().unwrap(),
            1e-7,
            "elements Hv",
        );

        for sign in [1.0, -1.0] {
            let xs = &x * sign + 0.1 * sign;
            let want = fd_hvp(branchy_grad, &xs, &v);
            let got = branchy_hvp(&xs, v.clone());
            close(
                got.as_slice().unwrap(),
                want.as_slice().unwrap(),
                1e-7,
                "branchy Hv",
            );
        }

        for shift in [2.0, 0.0, -2.0, -0.2] {
            let mut xs = &x * 0.3 + shift / n as f64;
            xs[0] = xs[0].abs() * if shift > 1.0 { 1.0 } else { -1.0 };
            let want = fd_hvp(nested_branches_grad, &xs, &v);
            let got = nested_branches_hvp(&xs, v.clone());
            close(
                got.as_slice().unwrap(),
                want.as_slice().unwrap(),
                1e-7,
                "nested branches Hv",
            );
        }

        let w = direction(n).mapv(|v| v + 1.5);
        let want = fd_hvp(|x| weighted_differences_grad(x, &w), &x, &v);
        let got = weighted_differences_hvp(&x, &w, v.clone());
        close(
            got.as_slice().unwrap(),
            want.as_slice().unwrap(),
            1e-7,
            "weighted differences Hv",
        );

        let xv = x.to_vec();
        let g = |x: &Array1<f64>| Array1::from_vec(two_loops_grad(&x.to_vec()));
        let want = fd_hvp(g, &x, &v);
        let got = two_loops_hvp(&xv, v.to_vec());
        close(&got, want.as_slice().unwrap(), 1e-7, "two loops Hv");
    }
}

// A small corpus: loops over locals and parameters, branches before and after loops, element reads of
// values computed earlier; each `f_hvp` against differences of `f_grad` at several points.

#[differentiable(hessian)]
fn c_local_array(x: &Array1<f64>) -> f64 {
    let y = x.exp() * 0.5;
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += y[i] * x[i + 1] - y[i + 1].sin();
    }
    s * x.sum()
}

#[differentiable(hessian)]
fn c_branch_then_loop(x: &Array1<f64>) -> f64 {
    let m = x.mean().unwrap();
    let k = if m > 0.0 { m * m } else { m.exp() };
    let mut s = 0.0;
    for v in x.iter() {
        s += (v - m).powi(2) * k;
    }
    s
}

#[differentiable(hessian)]
fn c_loop_then_branch(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i].sin() * x[i];
    }
    if s > 0.0 {
        s.sqrt() + x[0] * s
    } else {
        s * s * x[1]
    }
}

#[differentiable(hessian)]
fn c_zip_two_loops(x: &Array1<f64>) -> f64 {
    let y = x.mapv(f64::tanh);
    let mut a = 0.0;
    for (p, q) in x.iter().zip(y.iter()) {
        a += p * q;
    }
    let mut b = 0.0;
    for i in 0..x.len() {
        b += y[i] * x[x.len() - 1 - i];
    }
    a * b + a
}

#[differentiable(hessian)]
fn c_scalar_and_elements(x: f64, w: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        s += (w[i] * x).sin();
    }
    s * x + w[0] * x * x
}

#[test]
fn a_corpus_of_hvps_agrees_with_differences() {
    for n in [2, 5, 9] {
        for (k, seed) in [0.1, 1.7, -0.8].into_iter().enumerate() {
            let x = Array1::from_shape_fn(n, |i| (seed + 0.61 * i as f64).sin() * 1.2);
            let v = Array1::from_shape_fn(n, |i| (seed * 0.3 + 1.1 * i as f64).cos());
            let what = |name: &str| format!("{name} n {n} point {k}");
            let check = |got: Array1<f64>, want: Array1<f64>, name: &str| {
                close(
                    got.as_slice().unwrap(),
                    want.as_slice().unwrap(),
                    1e-6,
                    &what(name),
                )
            };
            check(
                c_local_array_hvp(&x, v.clone()),
                fd_hvp(c_local_array_grad, &x, &v),
                "local array",
            );
            check(
                c_branch_then_loop_hvp(&x, v.clone()),
                fd_hvp(c_branch_then_loop_grad, &x, &v),
                "branch then loop",
            );
            check(
                c_loop_then_branch_hvp(&x, v.clone()),
                fd_hvp(c_loop_then_branch_grad, &x, &v),
                "loop then branch",
            );
            check(
                c_zip_two_loops_hvp(&x, v.clone()),
                fd_hvp(c_zip_two_loops_grad, &x, &v),
                "zip and two loops",
            );
            let h = 1e-5;
            let (a, w) = (seed, x.clone());
            let got = c_scalar_and_elements_hvp(a, &w, 1.0);
            let want = (c_scalar_and_elements_grad(a + h, &w)
                - c_scalar_and_elements_grad(a - h, &w))
                / (2.0 * h);
            close(&[got], &[want], 1e-6, &what("scalar and elements"));
        }
    }
}

/// `mapv` closures of elementwise arithmetic (written out as array operations for second order), one
/// capturing a scalar parameter, and one in a loop's term.
#[differentiable(argnums = (0, 1), hessian)]
fn mapped(x: &Array1<f64>, s: f64) -> f64 {
    let a = x.mapv(|v| (v * s).sin() + v.powi(3) * 0.25);
    let b = x.mapv(|v| v.exp() / (1.0 + v * v));
    let mut t = 0.0;
    for i in 0..x.len() {
        t += a[i] * b[i];
    }
    t + a.sum() * s
}

#[test]
fn hvps_through_mapv_closures_agree_with_differences() {
    for n in [2, 5, 9] {
        let x = point(n);
        let v = direction(n);
        let s = 0.7;
        let got = mapped_hvp(&x, s, (v.clone(), 0.3));
        check_pair_hvp("mapped", got, mapped_grad, (&x, s), (&v, 0.3), 1e-6);
    }
}

#[test]
fn element_reads_hessian_in_closed_form() {
    // x0 sin x1 + x2^2 x0 + e^{x1 + x2}.
    let x = array![0.5f64, 1.2, -0.3];
    let e = (x[1] + x[2]).exp();
    let want = array![
        [0.0, x[1].cos(), 2.0 * x[2]],
        [x[1].cos(), -x[0] * x[1].sin() + e, e],
        [2.0 * x[2], e, 2.0 * x[0] + e]
    ];
    let h = elements_hessian(&x);
    close(
        h.as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-14,
        "elements H",
    );
}

/// f32: an iterator loop's Hessian is diagonal, `6 x_i`.
#[differentiable(hessian)]
fn cubes(x: &Array1<f32>) -> f32 {
    let mut s = 0.0;
    for v in x.iter() {
        s += v * v * v;
    }
    s
}

#[test]
fn f32_loop_hessian() {
    let x = array![0.5f32, 1.2, -0.3, 0.8];
    let h = cubes_hessian(&x);
    for i in 0..4 {
        for j in 0..4 {
            let want = if i == j { 6.0 * x[i] } else { 0.0 };
            assert!(
                (h[[i, j]] - want).abs() <= 1e-6,
                "H[{i}, {j}] = {}",
                h[[i, j]]
            );
        }
    }
}

// Calls: `#[differentiable(hessian)]` on the callee generates its second-order rule `g_vjp_jvp` (and its
// forward rule `g_jvp`), which a `hessian` caller's `f_hvp` calls.

#[differentiable(hessian)]
fn energy(x: &Array1<f64>) -> f64 {
    (x * x * x).sum() + x.sin().sum()
}

/// Two differentiable parameters, an element read and a loop in the callee.
#[differentiable(argnums = (0, 1), hessian)]
fn coupling(x: &Array1<f64>, s: f64) -> f64 {
    let mut t = 0.0;
    for i in 1..x.len() {
        t += (x[i] - x[i - 1] * s).powi(2);
    }
    t * s + x[0].exp()
}

/// A constant argument (a count), which takes no tangent.
#[differentiable(hessian)]
fn powered(x: &Array1<f64>, k: i32) -> f64 {
    x.powi(k).sum()
}

/// A callee that calls another.
#[differentiable(hessian)]
fn nested(x: &Array1<f64>) -> f64 {
    energy(x) * x.sum()
}

#[differentiable(argnums = (0, 1), hessian)]
fn caller(x: &Array1<f64>, s: f64) -> f64 {
    2.0 * energy(x)
        + x.powi(2).sum() * energy(x)
        + coupling(x, s) * s
        + nested(&(x * s))
        + powered(x, 3) * s
}

#[test]
fn hvps_through_calls_agree_with_differences() {
    for n in [2, 5, 9] {
        let x = point(n);
        let v = direction(n);
        let s = 0.8;
        let got = caller_hvp(&x, s, (v.clone(), 0.4));
        check_pair_hvp("caller", got, caller_grad, (&x, s), (&v, 0.4), 1e-6);
        // The rule itself: the pullback of a seed, and its tangent.
        let ((g,), (gdot,)) = energy_vjp_jvp(&x, 2.0, (v.clone(), 0.5));
        let grad = energy_grad(&x);
        close(
            g.as_slice().unwrap(),
            (&grad * 2.0).as_slice().unwrap(),
            1e-14,
            "rule's pullback",
        );
        let want = energy_hvp(&x, v.clone()) * 2.0 + &grad * 0.5;
        close(
            gdot.as_slice().unwrap(),
            want.as_slice().unwrap(),
            1e-12,
            "rule's tangent",
        );
    }
}

// ---------------------------------------------------------------------------------------------------------
// Branches inside accumulating loops: the reversed loop recomputes the iteration's flag with its body.

/// Piecewise terms by sign: a cubic or a product with the first element.
#[differentiable(hessian)]
fn piecewise_terms(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] > 0.0 {
            s += x[i] * x[i] * x[i];
        } else {
            s += (x[i] * 2.0).sin() * x[0];
        }
    }
    s
}

/// Two sums, a temporary made in the arms and read after the branch, a nested branch, an arm with
/// nothing to add, over an iterator loop.
#[differentiable(hessian)]
fn two_sums_nested(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    let mut t = 0.0;
    for (i, v) in x.iter().enumerate() {
        let w = if *v > 0.5 {
            v * v
        } else if i % 2 == 0 {
            v.exp()
        } else {
            -v
        };
        s += w * v;
        if w > 1.0 {
            t += w.ln() * x[0];
        }
    }
    s * t + s
}

/// A branch on the index in a Huber-like loss over residuals of two arrays.
#[differentiable(argnums = (0, 1), hessian)]
fn huber_pairs(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let r = x[i] - y[i] * y[i];
        if r.abs() < 1.0 {
            s += 0.5 * r * r;
        } else {
            s += r.abs() - 0.5;
        }
    }
    s
}

#[test]
fn branches_inside_loops() {
    for n in [1usize, 2, 5, 17] {
        let x = point(n);
        let v = direction(n);
        check_hvp(
            &format!("piecewise_terms, n = {n}"),
            piecewise_terms_hvp,
            piecewise_terms_grad,
            &x,
            &v,
        );
        let h = piecewise_terms_hessian(&x);
        for i in 0..n {
            for j in 0..n {
                assert!((h[[i, j]] - h[[j, i]]).abs() <= 1e-12 * (1.0 + h[[i, j]].abs()));
            }
        }
        // The closed form: 6 x_i on the diagonal for positive x_i; for the others -4 sin(2 x_i) x_0 on the
        // diagonal and 2 cos(2 x_i) against x_0 (both ways).
        let mut want = autodiff::ndarray::Array2::<f64>::zeros((n, n));
        for i in 0..n {
            if x[i] > 0.0 {
                want[[i, i]] += 6.0 * x[i];
            } else {
                want[[i, i]] += -4.0 * (2.0 * x[i]).sin() * x[0];
                want[[i, 0]] += 2.0 * (2.0 * x[i]).cos();
                want[[0, i]] += 2.0 * (2.0 * x[i]).cos();
            }
        }
        for (a, b) in h.iter().zip(want.iter()) {
            assert!(
                (a - b).abs() <= 1e-10 * (1.0 + b.abs()),
                "{h} against {want}"
            );
        }
        check_hvp(
            &format!("two_sums_nested, n = {n}"),
            two_sums_nested_hvp,
            two_sums_nested_grad,
            &x,
            &v,
        );
        let y = direction(n) * 0.8;
        let (hx, hy) = huber_pairs_hvp(&x, &y, (v.clone(), v.clone() * 0.5));
        let step =
            |e: f64| huber_pairs_grad(&(&x + &(&v * (e * 1e-5))), &(&y + &(&v * (0.5 * e * 1e-5))));
        let (gp, gm) = (step(1.0), step(-1.0));
        close(
            hx.as_slice().unwrap(),
            ((&gp.0 - &gm.0) / 2e-5).as_slice().unwrap(),
            1e-6,
            &format!("huber_pairs x, n = {n}"),
        );
        close(
            hy.as_slice().unwrap(),
            ((&gp.1 - &gm.1) / 2e-5).as_slice().unwrap(),
            1e-6,
            &format!("huber_pairs y, n = {n}"),
        );
    }
}

// ---------------------------------------------------------------------------------------------------------
// Nested accumulating loops: each reversed loop recomputes its iterations, the inner one inside the outer
// one's.

/// Pairwise terms over `j < i`, and a term per `i` after the inner loop.
#[differentiable(hessian)]
fn pairwise(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        for j in 0..i {
            s += (x[i] - x[j]).powi(2) * x[j].sin();
        }
        s += x[i].exp();
    }
    s
}

/// Two sums, a branch in the inner loop, a value of the outer body read inside, iterator loops, three
/// levels.
#[differentiable(hessian)]
fn interactions(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    let mut t = 0.0;
    for (i, a) in x.iter().enumerate() {
        let w = a * 2.0;
        for (j, b) in x.iter().enumerate() {
            if j != i {
                t += w * b / (1.0 + b * b);
            }
            for k in 0..j.min(2) {
                s += (a * b * x[k]).tanh() * 0.1;
            }
        }
        s += w.sin();
    }
    s * t + t
}

#[test]
fn nested_loops() {
    for n in [1usize, 2, 3, 6] {
        let x = point(n);
        let v = direction(n);
        check_hvp(
            &format!("pairwise, n = {n}"),
            pairwise_hvp,
            pairwise_grad,
            &x,
            &v,
        );
        check_hvp(
            &format!("interactions, n = {n}"),
            interactions_hvp,
            interactions_grad,
            &x,
            &v,
        );
        let h = pairwise_hessian(&x);
        for i in 0..n {
            for j in 0..n {
                assert!((h[[i, j]] - h[[j, i]]).abs() <= 1e-10 * (1.0 + h[[i, j]].abs()));
            }
        }
    }
    // The closed form at two points: s = (x1 - x0)^2 sin x0 + e^x0 + e^x1.
    let x = array![0.4, -0.9];
    let h = pairwise_hessian(&x);
    let (d, s0, c0) = (x[1] - x[0], x[0].sin(), x[0].cos());
    let want = [
        [
            2.0 * s0 - 4.0 * d * c0 - d * d * s0 + x[0].exp(),
            -2.0 * s0 + 2.0 * d * c0,
        ],
        [-2.0 * s0 + 2.0 * d * c0, 2.0 * s0 + x[1].exp()],
    ];
    for i in 0..2 {
        for j in 0..2 {
            assert!((h[[i, j]] - want[i][j]).abs() < 1e-12, "{h}");
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Recurrences: a carried scalar the body reads other than by accumulating is saved per iteration on a
// tape that the forward loop writes and the reversed loop reads (its tangent alongside).

/// A scalar recurrence (a one-unit recurrent network).
#[differentiable(hessian)]
fn recurrence(x: &Array1<f64>) -> f64 {
    let mut h = 0.0;
    for i in 0..x.len() {
        h = (0.9 * h + x[i]).sin();
    }
    h
}

/// Two recurrences and a sum, a branch on a carried value, a loop from 1, a parameter in the update.
#[differentiable(argnums = (0, 1), hessian)]
fn euler_steps(x: &Array1<f64>, k: f64) -> f64 {
    let mut p = 1.0;
    let mut q = 0.5;
    let mut energy = 0.0;
    for i in 1..x.len() {
        let dp = -k * q + x[i];
        let dq = if p > 0.0 { p * 0.1 } else { p * p * 0.05 };
        p += 0.1 * dp;
        q += dq * x[i - 1];
        energy += p * p + q * q;
    }
    energy + p * q
}

/// A recurrence over a reversed iterator, in `f32`.
#[differentiable(hessian)]
fn decayed_f32(x: &Array1<f32>) -> f32 {
    let mut m = 0.0;
    for v in x.iter().rev() {
        m = 0.5 * m * m + v.tanh();
    }
    m
}

#[test]
fn recurrences_through_tapes() {
    for n in [1usize, 2, 5, 12] {
        let x = point(n) * 0.5;
        let v = direction(n);
        check_hvp(
            &format!("recurrence, n = {n}"),
            recurrence_hvp,
            recurrence_grad,
            &x,
            &v,
        );
        let k = 0.7;
        check_pair_hvp(
            &format!("euler_steps, n = {n}"),
            euler_steps_hvp(&x, k, (v.clone(), 0.3)),
            euler_steps_grad,
            (&x, k),
            (&v, 0.3),
            1e-5,
        );
        let x32 = x.mapv(|e| e as f32);
        let h32 = decayed_f32_hessian(&x32);
        let h64 = {
            // Columns by differences of the f32 gradient (its rounding bounds the agreement).
            let g = |x: &Array1<f64>| decayed_f32_grad(&x.mapv(|e| e as f32)).mapv(f64::from);
            let mut h = autodiff::ndarray::Array2::<f64>::zeros((n, n));
            for j in 0..n {
                let mut e = Array1::zeros(n);
                e[j] = 1.0;
                let col = fd_hvp(g, &x, &e);
                for i in 0..n {
                    h[[i, j]] = col[i];
                }
            }
            h
        };
        for (a, b) in h32.iter().zip(h64.iter()) {
            assert!(
                (f64::from(*a) - b).abs() < 2e-2 * (1.0 + b.abs()),
                "{h32} against {h64}"
            );
        }
    }
    // The closed form at two steps: h1 = sin(x0), h2 = sin(0.9 h1 + x1).
    let x = array![0.3, -0.4];
    let h = recurrence_hessian(&x);
    let u = 0.9 * x[0].sin() + x[1];
    let du0 = 0.9 * x[0].cos();
    let want = [
        [
            -u.sin() * du0 * du0 - u.cos() * 0.9 * x[0].sin(),
            -u.sin() * du0,
        ],
        [-u.sin() * du0, -u.sin()],
    ];
    for i in 0..2 {
        for j in 0..2 {
            assert!(
                (h[[i, j]] - want[i][j]).abs() < 1e-12,
                "{h} against {want:?}"
            );
        }
    }
}

/// A recurrence that starts from a scalar parameter, with a second parameter in the update.
#[differentiable(argnums = (0, 1), hessian)]
fn iterated_map(x: f64, a: f64) -> f64 {
    let mut y = x;
    for _ in 0..3 {
        y = y * y * 0.5 + a * y.sin();
    }
    y
}

/// A recurrence that starts from an element.
#[differentiable(hessian)]
fn from_first(x: &Array1<f64>) -> f64 {
    let mut h = x[0];
    for i in 1..x.len() {
        h = (h * x[i]).tanh() + h;
    }
    h
}

#[test]
fn recurrences_from_parameters_and_elements() {
    let (x, a) = (0.7, 0.3);
    let e = 1e-6;
    let (gxp, gap) = iterated_map_grad(x + e, a);
    let (gxm, gam) = iterated_map_grad(x - e, a);
    let (hxx, hax) = iterated_map_hvp(x, a, (1.0, 0.0));
    close(
        &[hxx, hax],
        &[(gxp - gxm) / (2.0 * e), (gap - gam) / (2.0 * e)],
        1e-6,
        "d/dx",
    );
    let (gxp, gap) = iterated_map_grad(x, a + e);
    let (gxm, gam) = iterated_map_grad(x, a - e);
    let (hxa, haa) = iterated_map_hvp(x, a, (0.0, 1.0));
    close(
        &[hxa, haa],
        &[(gxp - gxm) / (2.0 * e), (gap - gam) / (2.0 * e)],
        1e-6,
        "d/da",
    );
    assert!((hxa - hax).abs() < 1e-12, "symmetric: {hxa} against {hax}");
    for n in [1usize, 2, 7] {
        let x = point(n);
        let v = direction(n);
        check_hvp(
            &format!("from_first, n = {n}"),
            from_first_hvp,
            from_first_grad,
            &x,
            &v,
        );
    }
}

// ---------------------------------------------------------------------------------------------------------
// `while` loops and counters: the forward loop counts its iterations and saves the counters the body
// changes; the reversed loop runs that many times, restoring them.

/// A scalar recurrence under a `while` on a counter.
#[differentiable(hessian)]
fn halvings(x: f64) -> f64 {
    let mut y = x;
    let mut k = 0;
    while k < 3 {
        y = y * y * 0.5 + y.sin();
        k += 1;
    }
    y
}

/// A `while` whose counter indexes the input (every other element), a recurrence and a sum.
#[differentiable(hessian)]
fn strided_walk(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    let mut h = 0.0;
    let mut k = 0;
    while k < x.len() {
        h = (h * 0.8 + x[k]).tanh();
        s += h * x[k];
        k += 2;
    }
    s + h
}

/// A counter that a `for` loop's body changes and reads.
#[differentiable(hessian)]
fn alternating_partner(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    let mut k = 0;
    for i in 0..x.len() {
        s += x[k] * x[i] * (k as f64 + 1.0);
        k = (k + 1) % 2;
    }
    s
}

#[test]
fn while_loops_and_counters() {
    // y -> y^2 / 2 + sin y, three times: the second derivative by differences of the first.
    for x in [0.7, -0.4, 1.3] {
        let e = 1e-6;
        let fd = (halvings_grad(x + e) - halvings_grad(x - e)) / (2.0 * e);
        close(
            &[halvings_hvp(x, 1.0)],
            &[fd],
            1e-6,
            &format!("halvings at {x}"),
        );
        assert_eq!(halvings_hessian(x), halvings_hvp(x, 1.0));
    }
    for n in [1usize, 2, 5, 8] {
        let x = point(n);
        let v = direction(n);
        check_hvp(
            &format!("strided_walk, n = {n}"),
            strided_walk_hvp,
            strided_walk_grad,
            &x,
            &v,
        );
        check_hvp(
            &format!("alternating_partner, n = {n}"),
            alternating_partner_hvp,
            alternating_partner_grad,
            &x,
            &v,
        );
    }
    // The closed form of the last: x0 pairs with the even positions (weight 1), x1 with the odd ones
    // (weight 2), so s = x0 (x0 + x2 + ..) + 2 x1 (x1 + x3 + ..).
    let x = point(5);
    let h = alternating_partner_hessian(&x);
    let mut want = autodiff::ndarray::Array2::<f64>::zeros((5, 5));
    for i in 0..5 {
        let (k, w) = if i % 2 == 0 { (0, 1.0) } else { (1, 2.0) };
        want[[k, i]] += w;
        want[[i, k]] += w;
    }
    for (a, b) in h.iter().zip(want.iter()) {
        assert!((a - b).abs() < 1e-12, "{h} against {want}");
    }
}

/// A `for` loop that breaks when the value is small.
#[differentiable(hessian)]
fn until_small(x: f64) -> f64 {
    let mut y = x;
    for _ in 0..10 {
        if y.abs() < 0.2 {
            break;
        }
        y = y * y * 0.5;
    }
    y
}

/// A sum over a prefix: the loop breaks at the first element below -1 (its index is saved per
/// iteration).
#[differentiable(hessian)]
fn prefix_products(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 1..x.len() {
        if x[i] < -1.0 {
            break;
        }
        s += x[i] * x[i - 1] * (i as f64);
    }
    s
}

/// `loop` with a `break` on a counter or a threshold of the recurrence.
#[differentiable(hessian)]
fn until_threshold(x: &Array1<f64>) -> f64 {
    let mut h = 0.0;
    let mut k = 0;
    loop {
        h = (h + x[k]).sin() * 1.1;
        k += 1;
        if k == x.len() || h > 0.9 {
            break;
        }
    }
    h
}

#[test]
fn loops_that_break() {
    // Breaking after 3, 4 and 6 squarings.
    for x in [0.7, 1.5, 1.9] {
        let e = 1e-6;
        let fd = (until_small_grad(x + e) - until_small_grad(x - e)) / (2.0 * e);
        close(
            &[until_small_hvp(x, 1.0)],
            &[fd],
            1e-6,
            &format!("until_small at {x}"),
        );
    }
    // Breaking at position 3 (x3 = -2): s = x1 x0 + 2 x2 x1.
    let x = array![0.5, -0.3, 1.2, -2.0, 0.4];
    let h = prefix_products_hessian(&x);
    let mut want = autodiff::ndarray::Array2::<f64>::zeros((5, 5));
    want[[0, 1]] = 1.0;
    want[[1, 0]] = 1.0;
    want[[1, 2]] = 2.0;
    want[[2, 1]] = 2.0;
    for (a, b) in h.iter().zip(want.iter()) {
        assert!((a - b).abs() < 1e-12, "{h} against {want}");
    }
    for n in [1usize, 2, 6] {
        let x = point(n) * 0.3;
        let v = direction(n);
        check_hvp(
            &format!("prefix_products, n = {n}"),
            prefix_products_hvp,
            prefix_products_grad,
            &x,
            &v,
        );
        check_hvp(
            &format!("until_threshold, n = {n}"),
            until_threshold_hvp,
            until_threshold_grad,
            &x,
            &v,
        );
    }
    // Stopping at the threshold before the end.
    let x = array![0.2, 0.6, 0.5, 0.05, 0.4];
    check_hvp(
        "until_threshold, early",
        until_threshold_hvp,
        until_threshold_grad,
        &x,
        &direction(5),
    );
}

/// A recurrence in a `while` loop nested in a `for` loop: the inner loop's tapes are written by the
/// outer iteration's recomputation, then read by the inner reversed loop.
#[differentiable(hessian)]
fn inner_recurrences(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let mut h = x[i];
        let mut k = 0;
        while k < 3 {
            h = (h * 0.7 + x[(i + k) % x.len()]).tanh();
            k += 1;
        }
        s += h * h;
    }
    s
}

#[test]
fn recurrences_inside_loops() {
    for n in [1usize, 2, 5] {
        let x = point(n);
        let v = direction(n);
        check_hvp(
            &format!("inner_recurrences, n = {n}"),
            inner_recurrences_hvp,
            inner_recurrences_grad,
            &x,
            &v,
        );
    }
}

// ---------------------------------------------------------------------------------------------------------
// Element writes: the written value's adjoint is the element's, read from the array's adjoint (storage),
// then zeroed for `=`.

/// An array built element by element in a loop, then read by array operations and elements.
#[differentiable(hessian)]
fn built_in_a_loop(x: &Array1<f64>) -> f64 {
    let mut y = Array1::zeros(x.len());
    for i in 0..x.len() {
        y[i] = x[i] * x[i];
    }
    (&y * x).sum() + y[0] * y[y.len() - 1]
}

/// Writes outside loops: `=` over a copy, `-=`, `+=`.
#[differentiable(hessian)]
fn patched(x: &Array1<f64>) -> f64 {
    let mut y = x.clone();
    y[0] = x[1] * x[2];
    y[2] -= x[0].exp();
    y[1] += y[0] * 0.5;
    (&y * &y).sum()
}

#[test]
fn element_writes() {
    for n in [3usize, 4, 9] {
        let x = point(n);
        let v = direction(n);
        check_hvp(
            &format!("built_in_a_loop, n = {n}"),
            built_in_a_loop_hvp,
            built_in_a_loop_grad,
            &x,
            &v,
        );
        check_hvp(
            &format!("patched, n = {n}"),
            patched_hvp,
            patched_grad,
            &x,
            &v,
        );
    }
    // sum x_i^3 + x_0^2 x_2^2 at three points: 6 x_i on the diagonal, plus 2 x_2^2, 2 x_0^2 and 4 x_0 x_2.
    let x = array![0.5, -0.3, 1.2];
    let h = built_in_a_loop_hessian(&x);
    let want = [
        [6.0 * x[0] + 2.0 * x[2] * x[2], 0.0, 4.0 * x[0] * x[2]],
        [0.0, 6.0 * x[1], 0.0],
        [4.0 * x[0] * x[2], 0.0, 6.0 * x[2] + 2.0 * x[0] * x[0]],
    ];
    for i in 0..3 {
        for j in 0..3 {
            assert!(
                (h[[i, j]] - want[i][j]).abs() < 1e-12,
                "{h} against {want:?}"
            );
        }
    }
}

/// A recurrence over a list of indices that repeat: its iterations are told apart by their number, not
/// by the index.
#[differentiable(hessian)]
fn over_indices(x: &Array1<f64>, ks: &[usize]) -> f64 {
    let mut h = 0.0;
    for &k in ks.iter() {
        h = (h * 0.5 + x[k]).sin();
    }
    h
}

#[test]
fn recurrences_over_repeated_indices() {
    let x = point(5);
    let v = direction(5);
    for ks in [vec![2usize, 2, 0, 4, 2], vec![1, 1, 1], vec![]] {
        check_hvp(
            &format!("over_indices {ks:?}"),
            |x, v| over_indices_hvp(x, &ks, v),
            |x| over_indices_grad(x, &ks),
            &x,
            &v,
        );
    }
}

/// A user's `bool` named like the macro's flags, read by a branch whose other arm passes the value
/// through (its tangent join reads the value's join for a zero of its shape).
#[differentiable(hessian)]
fn named_condition(x: &Array1<f64>) -> f64 {
    let branchy: bool = x[0] > 0.0;
    let s = x.sum();
    if branchy {
        s * s * s
    } else {
        s
    }
}

#[test]
fn a_named_condition_and_a_pass_through_arm() {
    // 6 s everywhere where x0 > 0; zero where the arm passes s through.
    let x = array![0.5, 1.0, -0.25];
    let s = x.sum();
    for v in named_condition_hessian(&x) {
        assert!((v - 6.0 * s).abs() < 1e-12);
    }
    let x = array![-0.5, 1.0, -0.25];
    assert!(named_condition_hessian(&x).iter().all(|&v| v == 0.0));
    check_hvp(
        "named_condition",
        named_condition_hvp,
        named_condition_grad,
        &array![0.5, 1.0, -0.25],
        &direction(3),
    );
}
