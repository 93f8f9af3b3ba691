//! Loops over iterators and iterator reductions, written as people write Rust: each gradient against
//! central finite differences (`check_grad`) and, where short, its closed form; in `f64`, some in `f32`.
//! The value of every reduction keeps the bits of the function itself (the same summation order).
#![deny(warnings)]
// The functions are written as users write them (`&Vec<f64>` parameters, a `return` at the end).
#![allow(
    clippy::let_and_return,
    clippy::needless_range_loop,
    clippy::ptr_arg,
    clippy::needless_return
)]

use autodiff::ndarray::{array, Array, Array1, Array2, ArrayView1};
use autodiff::prelude::*;

// ---------------------------------------------------------------------------------------------------
// Loops.

/// `enumerate`: each square weighted by its position.
#[differentiable]
fn weighted_squares(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        s += (i as f64 + 1.0) * v * v;
    }
    s
}

/// `zip` of two arrays: the dot product, both gradients.
#[differentiable(argnums = (0, 1))]
fn dot(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (a, b) in x.iter().zip(y.iter()) {
        s += a * b;
    }
    s
}

/// A zip of three slices, one of them passed to `zip` by value, one copied in the pattern.
#[differentiable(argnums = (0, 1, 2))]
fn triple(x: &[f64], y: &[f64], z: &[f64]) -> f64 {
    let mut s = 0.0;
    for ((a, &b), c) in x.iter().zip(y).zip(z.iter()) {
        s += a * b * c.sin();
    }
    s
}

/// `enumerate` of a `zip`, with a branch on the index inside the body.
#[differentiable(argnums = (0, 1))]
fn alternating(x: &Vec<f64>, y: &Vec<f64>) -> f64 {
    let mut s = 0.0;
    for (i, (a, b)) in x.iter().zip(y.iter()).enumerate() {
        if i % 2 == 0 {
            s += a * b;
        } else {
            s -= a.sin() * b;
        }
    }
    s
}

/// `copied()`.
#[differentiable]
fn sum_exp(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x.iter().copied() {
        s += v.exp();
    }
    s
}

/// `for &v in x.iter()` in a recurrence (the carried value is read by the next step).
#[differentiable]
fn decayed(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x.iter() {
        s = s * 0.5 + v * v;
    }
    s
}

/// `for v in x` over an owned `Vec` (values).
#[differentiable]
fn cubes(x: Vec<f64>) -> f64 {
    let mut s = 0.0;
    for v in x {
        s += v.powi(3);
    }
    s
}

/// `for v in x` over a slice (references) with a branch on the value.
#[differentiable]
fn rectified(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x {
        if *v > 0.0 {
            s += *v * v.sin();
        }
    }
    s
}

/// `for v in x` over a fixed array (values).
#[differentiable]
fn fixed(x: [f64; 4]) -> f64 {
    let mut s = 0.0;
    for v in x {
        s += v * v;
    }
    s.sqrt()
}

/// `for v in &x` over an owned array, with a weight computed before the loop.
#[differentiable]
fn scaled_by_first(x: Array1<f64>) -> f64 {
    let w = x[0].exp();
    let mut s = 0.0;
    for v in &x {
        s += w * v;
    }
    s
}

/// `for v in x` over a reference to an array, and `x.into_iter().enumerate()`.
#[differentiable]
fn by_reference(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for v in x {
        s += v * v;
    }
    for (i, v) in x.into_iter().enumerate() {
        s += *v * i as f64;
    }
    s
}

/// Nested `enumerate` loops with a condition on both indices.
#[differentiable]
fn pairs(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (i, a) in x.iter().enumerate() {
        for (j, b) in x.iter().enumerate() {
            if i < j {
                s += a * b * (j - i) as f64;
            }
        }
    }
    s
}

/// `enumerate().skip(1)` with `continue` and `break` in the body.
#[differentiable]
fn skip_continue_break(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (i, &v) in x.iter().enumerate().skip(1) {
        if i == 2 {
            continue;
        }
        if i > 5 {
            break;
        }
        s += v.tanh() * i as f64;
    }
    s
}

/// `rev()` in a loop: the carried value sees the elements from the last.
#[differentiable]
fn backwards(x: &Array1<f64>) -> f64 {
    let mut h = 0.0;
    for (k, v) in x.iter().rev().enumerate() {
        h = (0.7 * h + v).sin() + k as f64 * 0.01;
    }
    h
}

/// Elements of a matrix in iteration order, zipped with another's.
#[differentiable(argnums = (0, 1))]
fn frobenius(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for (p, q) in a.iter().zip(b.iter()) {
        s += p * q * q;
    }
    s
}

/// A view, possibly strided (a column of a matrix), read by `enumerate` in its own order.
#[differentiable]
fn view_weighted(x: ArrayView1<f64>) -> f64 {
    x.iter()
        .enumerate()
        .map(|(i, v)| (i as f64 + 1.0) * v * v)
        .sum::<f64>()
}

// ---------------------------------------------------------------------------------------------------
// Reductions.

/// `map(..).sum::<F>()` as the value.
#[differentiable]
fn sum_of_squares(x: &Array1<f64>) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>()
}

/// `.sum()` with the type from the `let`, in a statement, then used.
#[differentiable]
fn distance_to_one(x: &[f64]) -> f64 {
    let s: f64 = x.iter().map(|&v| (v - 1.0).powi(2)).sum();
    s.sqrt()
}

/// A reduction inside an expression.
#[differentiable]
fn in_expression(x: &Array1<f64>) -> f64 {
    let s = 2.0 * x.iter().map(|v| v.sin()).sum::<f64>() + x[0];
    s * s
}

/// A reduction under `return`, after an early return.
#[differentiable]
fn returned(x: &Array1<f64>, limit: f64) -> f64 {
    if x.len() > 100 {
        return limit;
    }
    return x.iter().map(|v| (v / limit).exp()).sum();
}

/// A method of the sum: the Euclidean norm.
#[differentiable]
fn norm(x: &Array1<f64>) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// `product()`.
#[differentiable]
fn product(x: &Array1<f64>) -> f64 {
    x.iter().product::<f64>()
}

/// `map(..).product()` with the type from the function's value.
#[differentiable]
fn product_of_map(x: &[f64]) -> f64 {
    x.iter().map(|v| 1.0 + v * v).product()
}

/// `fold` as a linear recurrence.
#[differentiable]
fn fold_recurrence(x: &Array1<f64>) -> f64 {
    x.iter().fold(0.0, |acc, &v| acc * 0.9 + v * v)
}

/// The maximum by `fold` with a closure.
#[differentiable]
fn maximum(x: &Array1<f64>) -> f64 {
    x.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v))
}

/// The minimum by `fold` with a function path, after `copied()`.
#[differentiable]
fn minimum(x: &[f64]) -> f64 {
    x.iter().copied().fold(f64::INFINITY, f64::min)
}

/// Horner's rule as `rev().fold(..)`, with respect to the point.
#[differentiable]
fn horner(t: f64, c: &[f64]) -> f64 {
    c.iter().rev().fold(0.0, |acc, &ck| acc * t + ck)
}

/// The squared error by `zip(..).map(..).sum()`.
#[differentiable(argnums = (0, 1))]
fn sse(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    x.iter()
        .zip(y.iter())
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
}

/// Rosenbrock over consecutive pairs: an element zipped with the next.
#[differentiable]
fn rosenbrock_pairs(x: &Array1<f64>) -> f64 {
    x.iter()
        .zip(x.iter().skip(1))
        .map(|(a, b)| 100.0 * (b - a * a).powi(2) + (1.0 - a).powi(2))
        .sum::<f64>()
}

/// The same as an index loop.
#[differentiable]
fn rosenbrock_index(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

/// `skip`, `step_by` and `take` in one chain.
#[differentiable]
fn strided(x: &Array1<f64>) -> f64 {
    x.iter()
        .skip(1)
        .step_by(2)
        .take(3)
        .map(|v| v * v)
        .sum::<f64>()
}

/// `enumerate` inside a chain.
#[differentiable]
fn indexed_chain(x: &Array1<f64>) -> f64 {
    x.iter()
        .enumerate()
        .map(|(i, v)| v * v * i as f64)
        .sum::<f64>()
}

/// Two `map`s in a row, the second a function path.
#[differentiable]
fn two_maps(x: &[f64]) -> f64 {
    x.iter().map(|v| v * 0.5).map(f64::exp).sum::<f64>()
}

/// A quadratic form as a sum over a range of sums: `x' A x` with a constant `A`.
#[differentiable(wrt = x)]
fn quadratic(a: &Array2<f64>, x: &Array1<f64>) -> f64 {
    let n = x.len();
    (0..n)
        .map(|i| (0..n).map(|j| a[[i, j]] * x[j]).sum::<f64>() * x[i])
        .sum::<f64>()
}

/// `for_each` with a closure that accumulates.
#[differentiable]
fn for_each_weighted(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    x.iter().enumerate().for_each(|(i, v)| {
        s += v * v * i as f64;
    });
    s
}

/// `count()` is the length.
#[differentiable]
fn mean(x: &Array1<f64>) -> f64 {
    let n = x.iter().count() as f64;
    x.iter().sum::<f64>() / n
}

/// A reduction in the arm of a branch, and one in a block body of a closure.
#[differentiable]
fn branchy(x: &Array1<f64>, c: bool) -> f64 {
    let y = if c {
        x.iter().map(|v| v.exp()).sum::<f64>()
    } else {
        x.iter()
            .map(|v| {
                let t = v * 3.0;
                t.tanh()
            })
            .sum::<f64>()
    };
    y * x[1]
}

/// Constant chains stay constants: the indices picked by integer reductions.
#[differentiable]
fn picked(x: &Array1<f64>, ks: &[usize]) -> f64 {
    let total: usize = ks.iter().sum();
    let last = *ks.iter().max().unwrap();
    x[total % x.len()] * x[last]
}

/// Forward mode through an enumerate loop and a zip reduction.
#[differentiable(jvp)]
fn forward(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        s += v.sin() * i as f64;
    }
    s + x
        .iter()
        .zip(x.iter().skip(1))
        .map(|(a, b)| a * b)
        .sum::<f64>()
}

/// Pattern names that shadow the containers they iterate (each element is read before any is bound).
#[differentiable(argnums = (0, 1))]
fn shadowing(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (y, x) in x.iter().zip(y.iter()) {
        s += x * y.sin();
    }
    s + x.iter().fold(0.0, |x, &v| x * 0.5 + v)
}

// f32.

#[differentiable]
fn weighted_squares_f32(x: &Array1<f32>) -> f32 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        s += (i as f32 + 1.0) * v * v;
    }
    s
}

#[differentiable(argnums = (0, 1))]
fn sse_f32(x: &[f32], y: &[f32]) -> f32 {
    x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum::<f32>()
}

#[differentiable]
fn fold_f32(x: &Array1<f32>) -> f32 {
    x.iter().fold(1.0, |acc, &v| acc * (1.0 + 0.1 * v))
}

// ---------------------------------------------------------------------------------------------------
// What the errors suggest is accepted.

/// `filter`'s hint: a loop with an `if`.
#[differentiable]
fn positive_sum(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for v in x.iter() {
        if *v > 0.0 {
            s += *v;
        }
    }
    s
}

/// `any`'s hint: a flag set in a loop.
#[differentiable]
fn any_hint(x: &Array1<f64>) -> f64 {
    let mut found = false;
    for v in x.iter() {
        if *v > 0.0 {
            found = true;
        }
    }
    if found {
        x[0] * x[0]
    } else {
        x[0]
    }
}

/// `collect`'s hint: writes into a local `vec!`.
#[differentiable]
fn collect_hint(x: &Array1<f64>) -> f64 {
    let mut y = vec![0.0; x.len()];
    for i in 0..x.len() {
        y[i] = x[i] * x[i];
    }
    y[0] + y[1]
}

/// `iter_mut`'s hint: a copy written by index.
#[differentiable]
fn iter_mut_hint(x: &Array1<f64>) -> f64 {
    let mut y = x.to_owned();
    for i in 0..y.len() {
        y[i] = y[i].sin();
    }
    y.sum()
}

/// `rows`' hint: nested index loops.
#[differentiable]
fn rows_hint(m: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..m.nrows() {
        for j in 0..m.ncols() {
            s += m[[i, j]] * m[[i, j]] * (i + 1) as f64;
        }
    }
    s
}

/// `last`'s hint: read by index.
#[differentiable]
fn last_hint(x: &Array1<f64>) -> f64 {
    x[x.len() - 1] * 2.0
}

/// `chunks`' hint: a loop over chunk and offset.
#[differentiable]
fn chunks_hint(x: &Array1<f64>) -> f64 {
    let k = 2;
    let mut s = 0.0;
    for c in 0..x.len() / k {
        for j in 0..k {
            s += x[c * k + j] * (c + 1) as f64;
        }
    }
    s
}

// ---------------------------------------------------------------------------------------------------
// Checks.

fn input(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.37 * i as f64 + 0.1).sin() * 1.5)
}

#[track_caller]
fn close(got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol * want.abs().max(1.0),
        "{got} != {want}"
    );
}

#[track_caller]
fn all_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        close(*g, *w, tol);
    }
}

#[test]
fn enumerate_loop() {
    let x = input(7);
    let g = weighted_squares_grad(&x);
    let want: Vec<f64> = (0..7).map(|i| 2.0 * (i as f64 + 1.0) * x[i]).collect();
    all_close(g.as_slice().unwrap(), &want, 1e-12);
    check_grad(weighted_squares, weighted_squares_grad, &x).unwrap();
}

#[test]
fn zip_loops() {
    let (x, y) = (input(6), input(8).mapv(|v| v + 0.3));
    let (gx, gy) = dot_grad(&x, &y);
    // Only the first six of `y` meet an element of `x`.
    all_close(gx.as_slice().unwrap(), &y.as_slice().unwrap()[..6], 1e-12);
    all_close(&gy.as_slice().unwrap()[..6], x.as_slice().unwrap(), 1e-12);
    assert!(gy.iter().skip(6).all(|g| *g == 0.0));
    check_grad(|x| dot(x, &y), |x| dot_grad(x, &y).0, &x).unwrap();

    let (x, y, z) = (
        vec![0.5, -1.0, 2.0],
        vec![1.5, 0.25, -0.5],
        vec![0.3, 0.7, 1.1],
    );
    let (gx, gy, gz) = triple_grad(&x, &y, &z);
    for k in 0..3 {
        close(gx[k], y[k] * z[k].sin(), 1e-12);
        close(gy[k], x[k] * z[k].sin(), 1e-12);
        close(gz[k], x[k] * y[k] * z[k].cos(), 1e-12);
    }
    check_grad(|x| triple(x, &y, &z), |x| triple_grad(x, &y, &z).0, &x).unwrap();
    check_grad(|z| triple(&x, &y, z), |z| triple_grad(&x, &y, z).2, &z).unwrap();
}

#[test]
fn enumerate_of_zip_with_a_branch() {
    let (x, y) = (
        vec![0.2, 0.9, -0.4, 1.3, 0.6],
        vec![1.0, -2.0, 0.5, 0.7, 1.1],
    );
    let (gx, gy) = alternating_grad(&x, &y);
    for k in 0..5 {
        if k % 2 == 0 {
            close(gx[k], y[k], 1e-12);
            close(gy[k], x[k], 1e-12);
        } else {
            close(gx[k], -x[k].cos() * y[k], 1e-12);
            close(gy[k], -x[k].sin(), 1e-12);
        }
    }
    check_grad(|x| alternating(x, &y), |x| alternating_grad(x, &y).0, &x).unwrap();
}

#[test]
fn copies_and_values() {
    let x = vec![0.3, -0.8, 1.2];
    let g = sum_exp_grad(&x);
    all_close(&g, &x.iter().map(|v| v.exp()).collect::<Vec<_>>(), 1e-12);
    check_grad(|x: &Vec<f64>| sum_exp(x), |x| sum_exp_grad(x), &x).unwrap();

    // d/dx_k of s_n = sum_k 0.5^(n-1-k) x_k^2.
    let g = decayed_grad(&x);
    for k in 0..3 {
        close(g[k], 0.5f64.powi(2 - k as i32) * 2.0 * x[k], 1e-12);
    }
    check_grad(|x: &Vec<f64>| decayed(x), |x| decayed_grad(x), &x).unwrap();

    let g = cubes_grad(x.clone());
    all_close(
        &g,
        &x.iter().map(|v| 3.0 * v * v).collect::<Vec<_>>(),
        1e-12,
    );
    check_grad(
        |x: &Vec<f64>| cubes(x.clone()),
        |x| cubes_grad(x.clone()),
        &x,
    )
    .unwrap();

    let g = rectified_grad(&x);
    for k in 0..3 {
        let want = if x[k] > 0.0 {
            x[k].sin() + x[k] * x[k].cos()
        } else {
            0.0
        };
        close(g[k], want, 1e-12);
    }
    check_grad(|x: &Vec<f64>| rectified(x), |x| rectified_grad(x), &x).unwrap();

    let a = [1.0, -2.0, 0.5, 3.0];
    let g = fixed_grad(a);
    let norm = fixed(a);
    for k in 0..4 {
        close(g[k], a[k] / norm, 1e-12);
    }
    check_grad(|a: &[f64; 4]| fixed(*a), |a| fixed_grad(*a), &a).unwrap();
}

#[test]
fn reference_loop_with_an_early_weight() {
    let x = input(5);
    let g = scaled_by_first_grad(x.clone());
    let w = x[0].exp();
    close(g[0], w * x.sum() + w, 1e-12);
    for k in 1..5 {
        close(g[k], w, 1e-12);
    }
    check_grad(
        |x: &Array1<f64>| scaled_by_first(x.clone()),
        |x| scaled_by_first_grad(x.clone()),
        &x,
    )
    .unwrap();

    let g = by_reference_grad(&x);
    for k in 0..5 {
        close(g[k], 2.0 * x[k] + k as f64, 1e-12);
    }
    check_grad(by_reference, by_reference_grad, &x).unwrap();
}

#[test]
fn nested_and_controlled_loops() {
    let x = input(6);
    let g = pairs_grad(&x);
    for k in 0..6 {
        let want: f64 = (0..6)
            .filter(|&m| m != k)
            .map(|m| x[m] * (m as f64 - k as f64).abs())
            .sum();
        close(g[k], want, 1e-12);
    }
    check_grad(pairs, pairs_grad, &x).unwrap();

    let x = input(9);
    let g = skip_continue_break_grad(&x);
    for k in 0..9 {
        let used = (1..=5).contains(&k) && k != 2;
        let want = if used {
            k as f64 * (1.0 - x[k].tanh().powi(2))
        } else {
            0.0
        };
        close(g[k], want, 1e-12);
    }
    check_grad(skip_continue_break, skip_continue_break_grad, &x).unwrap();

    check_grad(backwards, backwards_grad, &input(8)).unwrap();
    // The last element is read first: it reaches the value through every step.
    let g = backwards_grad(&input(8));
    assert!(g[7].abs() < g[0].abs(), "{g}");
}

#[test]
fn matrices_in_iteration_order() {
    let a = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let b = array![[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]];
    let (ga, gb) = frobenius_grad(&a, &b);
    assert_eq!(ga, &b * &b);
    assert_eq!(gb, 2.0 * &a * &b);
    check_grad(|a| frobenius(a, &b), |a| frobenius_grad(a, &b).0, &a).unwrap();
    // A transposed view is read in its own iteration order.
    let at = a.t().to_owned();
    let bt = b.t();
    let (ga, _) = frobenius_grad(&at, &bt.to_owned());
    assert_eq!(ga, &bt * &bt);

    // A column is a strided view: position k is its element k.
    let m = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
    let column = m.column(1);
    assert_eq!(view_weighted(column), 2.0 * 2.0 + 2.0 * 16.0 + 3.0 * 36.0);
    assert_eq!(view_weighted_grad(column), array![4.0, 16.0, 36.0]);
}

#[test]
fn sums_in_every_position() {
    let x = input(6);
    all_close(
        sum_of_squares_grad(&x).as_slice().unwrap(),
        (2.0 * &x).as_slice().unwrap(),
        1e-12,
    );
    check_grad(sum_of_squares, sum_of_squares_grad, &x).unwrap();

    let v = vec![0.5, 2.0, -1.0];
    let g = distance_to_one_grad(&v);
    let d = distance_to_one(&v);
    for k in 0..3 {
        close(g[k], (v[k] - 1.0) / d, 1e-12);
    }
    check_grad(
        |x: &Vec<f64>| distance_to_one(x),
        |x| distance_to_one_grad(x),
        &v,
    )
    .unwrap();

    let g = in_expression_grad(&x);
    let s = in_expression(&x).sqrt();
    for k in 0..6 {
        let inner = 2.0 * x[k].cos() + if k == 0 { 1.0 } else { 0.0 };
        close(g[k], 2.0 * s * inner, 1e-12);
    }
    check_grad(in_expression, in_expression_grad, &x).unwrap();

    let g = returned_grad(&x, 2.0);
    for k in 0..6 {
        close(g[k], (x[k] / 2.0).exp() / 2.0, 1e-12);
    }
    check_grad(|x| returned(x, 2.0), |x| returned_grad(x, 2.0), &x).unwrap();
    let n = norm(&x);
    all_close(
        norm_grad(&x).as_slice().unwrap(),
        (&x / n).as_slice().unwrap(),
        1e-12,
    );
    let big = input(101);
    assert!(returned_grad(&big, 2.0).iter().all(|g| *g == 0.0));
}

#[test]
fn products() {
    let x = array![0.5, -2.0, 1.5, 3.0];
    let p = product(&x);
    let g = product_grad(&x);
    for k in 0..4 {
        close(g[k], p / x[k], 1e-12);
    }
    check_grad(product, product_grad, &x).unwrap();

    let v = vec![0.5, -2.0, 1.5];
    let p = product_of_map(&v);
    let g = product_of_map_grad(&v);
    for k in 0..3 {
        close(g[k], p * 2.0 * v[k] / (1.0 + v[k] * v[k]), 1e-12);
    }
    check_grad(
        |x: &Vec<f64>| product_of_map(x),
        |x| product_of_map_grad(x),
        &v,
    )
    .unwrap();
}

#[test]
fn folds() {
    let x = input(5);
    let g = fold_recurrence_grad(&x);
    for k in 0..5 {
        close(g[k], 0.9f64.powi(4 - k as i32) * 2.0 * x[k], 1e-12);
    }
    check_grad(fold_recurrence, fold_recurrence_grad, &x).unwrap();

    let x = array![0.3, 2.5, -1.0, 1.7];
    assert_eq!(maximum_grad(&x), array![0.0, 1.0, 0.0, 0.0]);
    assert_eq!(maximum(&x), 2.5);
    let v = vec![0.3, 2.5, -1.0, 1.7];
    assert_eq!(minimum_grad(&v), vec![0.0, 0.0, 1.0, 0.0]);

    // p(t) = c0 + c1 t + c2 t^2 + c3 t^3 by Horner from the last coefficient.
    let c = [1.0, -2.0, 0.5, 3.0];
    let t = 0.7;
    close(
        horner(t, &c),
        1.0 - 2.0 * t + 0.5 * t * t + 3.0 * t.powi(3),
        1e-12,
    );
    close(horner_grad(t, &c), -2.0 + t + 9.0 * t * t, 1e-12);
}

#[test]
fn zipped_reductions() {
    let (x, y) = (input(7), input(7).mapv(|v| v * 0.5 + 0.2));
    let (gx, gy) = sse_grad(&x, &y);
    assert_eq!(gx, 2.0 * (&x - &y));
    assert_eq!(gy, -2.0 * (&x - &y));
    check_grad(|x| sse(x, &y), |x| sse_grad(x, &y).0, &x).unwrap();

    let x = input(10);
    assert_eq!(
        rosenbrock_pairs(&x).to_bits(),
        rosenbrock_index(&x).to_bits()
    );
    assert_eq!(rosenbrock_pairs_grad(&x), rosenbrock_index_grad(&x));
    check_grad(rosenbrock_pairs, rosenbrock_pairs_grad, &x).unwrap();
}

#[test]
fn adapters_select_the_elements() {
    let x = input(10);
    let g = strided_grad(&x);
    for k in 0..10 {
        let want = if [1, 3, 5].contains(&k) {
            2.0 * x[k]
        } else {
            0.0
        };
        assert_eq!(g[k], want, "{k}");
    }
    check_grad(strided, strided_grad, &x).unwrap();
    // Shorter than `take` asks.
    let short = input(4);
    assert_eq!(strided(&short), short[1] * short[1] + short[3] * short[3]);
    assert_eq!(
        strided_grad(&short),
        array![0.0, 2.0 * short[1], 0.0, 2.0 * short[3]]
    );

    let g = indexed_chain_grad(&x);
    for k in 0..10 {
        close(g[k], 2.0 * k as f64 * x[k], 1e-12);
    }
    check_grad(indexed_chain, indexed_chain_grad, &x).unwrap();

    let v = vec![0.1, -0.4, 0.9];
    let g = two_maps_grad(&v);
    for k in 0..3 {
        close(g[k], 0.5 * (0.5 * v[k]).exp(), 1e-12);
    }
}

#[test]
fn nested_range_sums() {
    let a = array![[2.0, 1.0, 0.0], [0.5, 3.0, -1.0], [0.0, 4.0, 1.0]];
    let x = array![0.3, -0.7, 1.1];
    let g = quadratic_grad(&a, &x);
    let want = a.dot(&x) + a.t().dot(&x);
    all_close(g.as_slice().unwrap(), want.as_slice().unwrap(), 1e-12);
    check_grad(|x| quadratic(&a, x), |x| quadratic_grad(&a, x), &x).unwrap();
}

#[test]
fn for_each_and_count() {
    let x = input(6);
    let g = for_each_weighted_grad(&x);
    for k in 0..6 {
        close(g[k], 2.0 * k as f64 * x[k], 1e-12);
    }
    check_grad(for_each_weighted, for_each_weighted_grad, &x).unwrap();

    let g = mean_grad(&x);
    assert!(g.iter().all(|v| (v - 1.0 / 6.0).abs() < 1e-15));
}

#[test]
fn reductions_in_branches_and_block_closures() {
    let x = input(5);
    for c in [true, false] {
        check_grad(|x| branchy(x, c), |x| branchy_grad(x, c), &x).unwrap();
    }
    let g = branchy_grad(&x, true);
    let sum: f64 = x.iter().map(|v| v.exp()).sum();
    close(g[0], x[0].exp() * x[1], 1e-12);
    close(g[1], x[1].exp() * x[1] + sum, 1e-12);
}

#[test]
fn constant_chains_are_evaluated_as_written() {
    let x = input(6);
    let ks = [1usize, 4, 3];
    // total = 8 -> index 2; last = max = 4.
    let g = picked_grad(&x, &ks);
    let mut want = Array1::zeros(6);
    want[2] = x[4];
    want[4] = x[2];
    assert_eq!(g, want);
}

#[test]
fn generic_and_single_precision() {
    let x = Array1::from_shape_fn(5, |i| 0.3 * i as f32 - 0.5);
    let g = weighted_squares_f32_grad(&x);
    for k in 0..5 {
        assert!((g[k] - 2.0 * (k as f32 + 1.0) * x[k]).abs() < 1e-6);
    }
    check_grad(weighted_squares_f32, weighted_squares_f32_grad, &x).unwrap();

    let (a, b) = (vec![0.5f32, 1.0, -0.25], vec![0.0f32, 2.0, 0.75]);
    let (ga, gb) = sse_f32_grad(&a, &b);
    for k in 0..3 {
        assert_eq!(ga[k], 2.0 * (a[k] - b[k]));
        assert_eq!(gb[k], -2.0 * (a[k] - b[k]));
    }
    check_grad(|a: &Vec<f32>| sse_f32(a, &b), |a| sse_f32_grad(a, &b).0, &a).unwrap();

    check_grad(fold_f32, fold_f32_grad, &x).unwrap();
}

#[test]
fn values_keep_the_bits_of_the_function() {
    // A sum whose order matters in the last bits.
    let x = Array1::from_shape_fn(257, |i| {
        ((i * 7919) % 101) as f64 * 1e-3 + 1e10 * (i % 3) as f64
    });
    let y = x.mapv(|v| v * 0.3 - 1.0);
    assert_eq!(
        sum_of_squares_value_and_grad(&x).0.to_bits(),
        sum_of_squares(&x).to_bits()
    );
    assert_eq!(
        sse_value_and_grad(&x, &y).0.to_bits(),
        sse(&x, &y).to_bits()
    );
    assert_eq!(
        product_value_and_grad(&x.mapv(|v| 1.0 + v * 1e-12))
            .0
            .to_bits(),
        product(&x.mapv(|v| 1.0 + v * 1e-12)).to_bits()
    );
    // The sum of nothing is -0.0, as `Iterator::sum` gives it.
    let empty = Array1::<f64>::zeros(0);
    assert_eq!(
        sum_of_squares_value_and_grad(&empty).0.to_bits(),
        (-0.0f64).to_bits()
    );
    assert_eq!(sum_of_squares(&empty).to_bits(), (-0.0f64).to_bits());
}

#[test]
fn names_that_shadow_the_containers() {
    let (x, y) = (input(4), input(4).mapv(|v| v + 1.0));
    let (gx, gy) = shadowing_grad(&x, &y);
    for k in 0..4 {
        // The loop's `y` is an element of `x`; the fold weighs x_k by 0.5^(3 - k).
        close(gx[k], y[k] * x[k].cos() + 0.5f64.powi(3 - k as i32), 1e-12);
        close(gy[k], x[k].sin(), 1e-12);
    }
    check_grad(|x| shadowing(x, &y), |x| shadowing_grad(x, &y).0, &x).unwrap();
}

#[test]
fn forward_mode_agrees_with_the_gradient() {
    let x = input(6);
    let v = Array1::from_shape_fn(6, |i| 0.5 - 0.2 * i as f64);
    let (value, tangent) = forward_jvp(&x, (v.clone(),));
    assert_eq!(value.to_bits(), forward(&x).to_bits());
    close(tangent, forward_grad(&x).dot(&v), 1e-12);
    check_grad(forward, forward_grad, &x).unwrap();
}

#[test]
fn the_rewrites_the_errors_suggest_differentiate() {
    let x = array![0.5, -1.0, 2.0, -0.3];
    assert_eq!(positive_sum_grad(&x), array![1.0, 0.0, 1.0, 0.0]);
    assert_eq!(any_hint_grad(&x), array![1.0, 0.0, 0.0, 0.0]);
    assert_eq!(collect_hint_grad(&x), array![1.0, -2.0, 0.0, 0.0]);
    check_grad(iter_mut_hint, iter_mut_hint_grad, &x).unwrap();
    assert_eq!(last_hint_grad(&x), array![0.0, 0.0, 0.0, 2.0]);
    assert_eq!(chunks_hint_grad(&x), array![1.0, 1.0, 2.0, 2.0]);
    let m = array![[1.0, 2.0], [3.0, 4.0]];
    assert_eq!(rows_hint_grad(&m), array![[2.0, 4.0], [12.0, 16.0]]);
}

// ---------------------------------------------------------------------------------------------------------
// `filter`: the consumer's body runs for an item where the predicate holds (a branch on a constant
// comparison), in a reduction, a fold, a `for` loop (after `enumerate`) and a `for_each`.

#[differentiable]
fn filtered(x: &Array1<f64>) -> f64 {
    let positive: f64 = x.iter().filter(|v| **v > 0.0).map(|v| v * v).sum();
    let big = x
        .iter()
        .copied()
        .filter(|&v| v > 1.0)
        .fold(0.0, |a, v| a + v.sin());
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        s += v * (i as f64 + 1.0);
    }
    x.iter().filter(|&&v| v < 0.0).for_each(|v| s -= v.exp());
    positive + big + s
}

#[test]
fn filter_keeps_the_items_that_pass() {
    let x = array![0.3, -0.5, 1.2, -0.1];
    let g = filtered_grad(&x);
    let want = [
        2.0 * x[0] + 1.0,
        -x[1].exp(),
        2.0 * x[2] + x[2].cos() + 3.0,
        -x[3].exp(),
    ];
    for i in 0..4 {
        close(g[i], want[i], 1e-12);
    }
    autodiff::check_grad(filtered, filtered_grad, &x).unwrap();
}

/// `filter` before `count`: the number of items kept (a constant), as a divisor.
#[differentiable]
fn positive_mean_of_squares(x: &Array1<f64>) -> f64 {
    let n = x.iter().filter(|&&v| v > 0.0).count();
    let s = x.iter().filter(|&&v| v > 0.0).map(|v| v * v).sum::<f64>();
    s / n as f64
}

#[test]
fn filter_then_count_counts_the_items_kept() {
    let x = array![0.5, -1.2, 0.3, 2.0, -0.4];
    let g = positive_mean_of_squares_grad(&x);
    let want = [2.0 * 0.5 / 3.0, 0.0, 2.0 * 0.3 / 3.0, 2.0 * 2.0 / 3.0, 0.0];
    for i in 0..5 {
        close(g[i], want[i], 1e-12);
    }
    assert_eq!(
        positive_mean_of_squares_value_and_grad(&x).0,
        positive_mean_of_squares(&x)
    );
    autodiff::check_grad(positive_mean_of_squares, positive_mean_of_squares_grad, &x).unwrap();
}

// ---------------------------------------------------------------------------------------------------------
// `filter` before `collect`: the items kept counted first (the predicate is a constant), then written
// one by one into a buffer of that length; `Array::from_iter` and `Array::from_vec` build arrays.

/// The positive items squared, weighted by their place among the kept ones.
#[differentiable]
fn kept_and_weighted(x: &Array1<f64>) -> f64 {
    let kept: Vec<f64> = x.iter().filter(|&&v| v > 0.0).map(|v| v * v).collect();
    let mut s = 0.0;
    for (j, e) in kept.iter().enumerate() {
        s += e * (j as f64 + 1.0);
    }
    s + kept.len() as f64
}

/// Into an array, through `Array1::from_iter` over copied items (the predicate's `*v` is the value).
#[differentiable]
fn big_ones(x: &Array1<f64>) -> f64 {
    let big = Array1::from_iter(x.iter().copied().filter(|v| *v > 1.0).map(|v| v.ln()));
    (&big * &big).sum() + big.len() as f64
}

/// `collect` typed by the turbofish into an `Array1`, then `Array::from_vec` of a collected `Vec`.
#[differentiable]
fn from_vec_and_turbofish(x: &Array1<f64>) -> f64 {
    let odd = x
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, v)| v.sin())
        .collect::<Array1<f64>>();
    let squares: Vec<f64> = x.iter().map(|v| v * v).collect();
    let a = Array::from_vec(squares);
    odd.sum() * a.sum()
}

#[test]
fn filter_then_collect_keeps_the_items_that_pass() {
    let x = array![1.5, -2.0, 3.0, 0.5, -0.1, 2.5];
    // Kept: 1.5, 3.0, 0.5, 2.5 at places 1..4.
    let (v, g) = kept_and_weighted_value_and_grad(&x);
    assert_eq!(v, kept_and_weighted(&x));
    close(
        v,
        1.5 * 1.5 + 2.0 * 9.0 + 3.0 * 0.25 + 4.0 * 6.25 + 4.0,
        1e-12,
    );
    let want = [
        2.0 * 1.5,
        0.0,
        2.0 * 2.0 * 3.0,
        3.0 * 2.0 * 0.5,
        0.0,
        4.0 * 2.0 * 2.5,
    ];
    all_close(g.as_slice().unwrap(), &want, 1e-12);
    autodiff::check_grad(kept_and_weighted, kept_and_weighted_grad, &x).unwrap();
    // Nothing kept: an empty buffer, a zero gradient.
    let none = array![-1.0, -2.0];
    assert_eq!(kept_and_weighted_grad(&none), array![0.0, 0.0]);

    let (v, g) = big_ones_value_and_grad(&x);
    assert_eq!(v, big_ones(&x));
    let want: Vec<f64> = x
        .iter()
        .map(|&v| if v > 1.0 { 2.0 * v.ln() / v } else { 0.0 })
        .collect();
    all_close(g.as_slice().unwrap(), &want, 1e-12);
    autodiff::check_grad(big_ones, big_ones_grad, &x).unwrap();
}

#[test]
fn arrays_from_vecs_and_iterators() {
    let x = array![0.4, -0.7, 1.1, 0.2, -1.3];
    let (v, g) = from_vec_and_turbofish_value_and_grad(&x);
    assert_eq!(v, from_vec_and_turbofish(&x));
    let (odd, sq) = (
        x[1].sin() + x[3].sin(),
        x.iter().map(|v| v * v).sum::<f64>(),
    );
    let want: Vec<f64> = (0..5)
        .map(|i| {
            let d_odd = if i % 2 == 1 { x[i].cos() } else { 0.0 };
            d_odd * sq + odd * 2.0 * x[i]
        })
        .collect();
    all_close(g.as_slice().unwrap(), &want, 1e-12);
    autodiff::check_grad(from_vec_and_turbofish, from_vec_and_turbofish_grad, &x).unwrap();
}

/// The same in `f32`.
#[differentiable]
fn kept_f32(x: &Array1<f32>) -> f32 {
    let kept: Vec<f32> = x.iter().filter(|v| **v > 0.0).map(|v| v * v).collect();
    let a = Array::from_vec(kept);
    a.sum()
}

#[test]
fn filter_then_collect_in_f32() {
    let x = array![1.5f32, -2.0, 3.0];
    let (v, g) = kept_f32_value_and_grad(&x);
    assert_eq!(v, kept_f32(&x));
    assert_eq!(g, array![3.0f32, 0.0, 6.0]);
}
