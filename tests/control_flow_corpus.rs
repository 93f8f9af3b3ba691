//! A corpus of small functions with branches and loops, each checked against central finite differences
//! (`check_grad`) and, where it is short, a closed form; the value of `f_value_and_grad` is checked against
//! `f` itself. Warnings are errors here: generated code must not cause any.
#![deny(warnings)]
// The corpus writes `s = s * x` on purpose (a path of its own in the compiler); clippy would rewrite it.
#![allow(clippy::all)]

use autodiff::ndarray::{array, Array1, Array2};
use autodiff::prelude::*;
use autodiff::GradCheckError;

#[track_caller]
fn ok(r: Result<(), GradCheckError>) {
    if let Err(e) = r {
        panic!("{e}");
    }
}

#[track_caller]
fn close(got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 1e-12 * got.abs().max(want.abs()) + 1e-15,
        "got {got}, want {want}"
    );
}

#[track_caller]
fn close_arr(got: &Array1<f64>, want: &Array1<f64>) {
    assert_eq!(got.len(), want.len());
    for i in 0..got.len() {
        assert!(
            (got[i] - want[i]).abs() <= 1e-12 * got[i].abs().max(want[i].abs()) + 1e-15,
            "[{i}]: got {got}, want {want}"
        );
    }
}

fn vect(n: usize, seed: f64) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (seed + 0.9 * i as f64).cos() * 1.3)
}

// =============================================================================================
// Branches
// =============================================================================================

#[differentiable]
fn else_if_expr(x: f64) -> f64 {
    let y = if x < -1.0 {
        -x * 2.0
    } else if x < 0.0 {
        x * x
    } else if x < 1.0 {
        x.sin()
    } else {
        x.ln() + 1.0
    };
    y * x
}

#[test]
fn else_if_chain_as_expression() {
    let cases: [(f64, f64); 4] = [
        (-2.0, -4.0 * -2.0),
        (-0.5, 3.0 * 0.25),
        (0.5, 0.5f64.sin() + 0.5 * 0.5f64.cos()),
        (2.0, 2.0f64.ln() + 1.0 + 1.0),
    ];
    for (x, want) in cases {
        close(else_if_expr_grad(x), want);
        assert_eq!(else_if_expr_value_and_grad(x).0, else_if_expr(x));
        ok(check_grad(
            |x: &f64| else_if_expr(*x),
            |x| else_if_expr_grad(*x),
            &x,
        ));
    }
}

#[differentiable(argnums = (0, 1))]
fn nested_if(x: f64, y: f64) -> f64 {
    if x > 0.0 {
        if y > 0.0 {
            x * y
        } else {
            x - y * y
        }
    } else {
        if y > x {
            (x + y).exp()
        } else {
            x * x * y
        }
    }
}

#[test]
fn nested_ifs() {
    for p in [[1.0, 2.0], [1.0, -2.0], [-1.0, 0.5], [-1.0, -2.0]] {
        let f = |p: &[f64; 2]| nested_if(p[0], p[1]);
        let g = |p: &[f64; 2]| {
            let (a, b) = nested_if_grad(p[0], p[1]);
            [a, b]
        };
        ok(check_grad(f, g, &p));
        assert_eq!(nested_if_value_and_grad(p[0], p[1]).0, f(&p));
        assert_eq!(nested_if_grad_0_1(p[0], p[1]), nested_if_grad(p[0], p[1]));
    }
    assert_eq!(nested_if_grad(1.0, 2.0), (2.0, 1.0));
}

// The user's own initial values are overwritten in both arms: rustc's lint about that is theirs.
#[allow(unused_assignments)]
#[differentiable(argnums = (0, 1))]
fn branch_several(x: f64, y: f64) -> f64 {
    let mut a = x;
    let mut b = y;
    if x > y {
        a = x * y;
        b = a + y.sin();
    } else {
        b = x.exp();
        a = b - y;
    }
    a * b + a
}

#[test]
fn branch_assigns_several_variables() {
    for p in [[2.0, 1.0], [0.5, 1.5]] {
        let f = |p: &[f64; 2]| branch_several(p[0], p[1]);
        let g = |p: &[f64; 2]| {
            let (a, b) = branch_several_grad(p[0], p[1]);
            [a, b]
        };
        ok(check_grad(f, g, &p));
        assert_eq!(branch_several_value_and_grad(p[0], p[1]).0, f(&p));
    }
    // x > y: a = xy, b = xy + sin y, f = a b + a.
    let (x, y) = (2.0f64, 1.0f64);
    let (a, b) = (x * y, x * y + y.sin());
    let (gx, gy) = branch_several_grad(x, y);
    close(gx, y * b + a * y + y);
    close(gy, x * b + a * (x + y.cos()) + x);
}

#[differentiable(wrt = (y, x))]
fn one_arm(x: f64, y: f64) -> f64 {
    let mut z = x * y;
    let w = y + 1.0;
    if z > 1.0 {
        z = z.sqrt() * w;
    }
    z + w * x
}

#[test]
fn branch_that_assigns_in_one_arm_only() {
    for p in [[2.0, 1.5], [0.3, 0.4]] {
        let f = |p: &[f64; 2]| one_arm(p[0], p[1]);
        let g = |p: &[f64; 2]| {
            let (gy, gx) = one_arm_grad(p[0], p[1]);
            [gx, gy]
        };
        ok(check_grad(f, g, &p));
        assert_eq!(one_arm_value_and_grad(p[0], p[1]).0, f(&p));
        assert_eq!(one_arm_grad_1_0(p[0], p[1]), one_arm_grad(p[0], p[1]));
    }
    // z <= 1: f = xy + (y + 1) x.
    let (gy, gx) = one_arm_grad(0.3, 0.4);
    close(gy, 0.6);
    close(gx, 1.8);
}

#[differentiable]
fn if_array(x: &Array1<f64>, k: usize) -> f64 {
    let y = if k > 1 { x * 2.0 + 1.0 } else { x.exp() };
    let z = if k > 2 { &y * &y } else { y.sin() };
    z.sum()
}

#[test]
fn if_expression_returning_arrays() {
    let x = vect(4, 0.2);
    for k in 0..4 {
        ok(check_grad(|x| if_array(x, k), |x| if_array_grad(x, k), &x));
        assert_eq!(if_array_value_and_grad(&x, k).0, if_array(&x, k));
    }
    close_arr(&if_array_grad(&x, 3), &((&x * 2.0 + 1.0) * 4.0));
}

#[differentiable]
fn array_in_branch(x: &Array1<f64>) -> f64 {
    let mut v = x.clone();
    if x[0] > 0.0 {
        v = &v * &v;
    } else {
        v = v.sin() * x[1];
    }
    v.sum() + v[2]
}

#[test]
fn arrays_assigned_in_branches() {
    for x in [array![0.5, -1.0, 2.0], array![-0.5, -1.0, 2.0]] {
        ok(check_grad(array_in_branch, array_in_branch_grad, &x));
        assert_eq!(array_in_branch_value_and_grad(&x).0, array_in_branch(&x));
    }
    close_arr(
        &array_in_branch_grad(&array![0.5, -1.0, 2.0]),
        &array![1.0, -2.0, 8.0],
    );
}

#[differentiable]
fn branch_per_iteration(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] > 0.0 {
            s += x[i].sin();
        } else if x[i] > -1.0 {
            s -= x[i] * x[i];
        } else {
            s = s * x[i];
        }
    }
    s
}

#[test]
fn if_inside_a_loop_differs_per_iteration() {
    let x = array![0.5, -0.5, -2.0, 1.0, -0.3, -1.5];
    ok(check_grad(
        branch_per_iteration,
        branch_per_iteration_grad,
        &x,
    ));
    assert_eq!(
        branch_per_iteration_value_and_grad(&x).0,
        branch_per_iteration(&x)
    );
}

#[differentiable]
fn parity(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let t = if i % 2 == 0 { x[i] } else { -x[i] };
        s += t * t * x[i];
    }
    s
}

#[test]
fn if_expression_on_the_loop_index() {
    let x = vect(5, 0.1);
    close_arr(&parity_grad(&x), &(&x * &x * 3.0));
    assert_eq!(parity_value_and_grad(&x).0, parity(&x));
}

#[differentiable]
fn halve_when_big(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s = s + x[i] * x[i];
        if s > 1.0 {
            s = s * 0.5;
        }
    }
    s
}

#[test]
fn condition_reads_the_carried_value() {
    let x = array![0.3, 0.9, 0.2, 1.1, 0.4];
    ok(check_grad(halve_when_big, halve_when_big_grad, &x));
    assert_eq!(halve_when_big_value_and_grad(&x).0, halve_when_big(&x));
}

#[differentiable]
fn running_max_branch(x: &Array1<f64>) -> f64 {
    let mut m = x[0];
    let mut sum = 0.0;
    for i in 1..x.len() {
        if x[i] > m {
            m = x[i];
        }
        sum += m;
    }
    sum
}

#[test]
fn carried_value_assigned_in_one_arm() {
    let x = array![0.5, 0.2, 0.9, 0.1, 1.5, 1.0];
    // m: 0.5, 0.9, 0.9, 1.5, 1.5 (i = 1..5).
    close_arr(
        &running_max_branch_grad(&x),
        &array![1.0, 0.0, 2.0, 0.0, 2.0, 0.0],
    );
    assert_eq!(
        running_max_branch_value_and_grad(&x).0,
        0.5 + 0.9 + 0.9 + 1.5 + 1.5
    );
    ok(check_grad(running_max_branch, running_max_branch_grad, &x));
}

// =============================================================================================
// Loop forms
// =============================================================================================

#[differentiable(argnums = (0, 1))]
fn rev_horner(c: &Array1<f64>, x: f64) -> f64 {
    let mut s = 0.0;
    for i in (0..c.len()).rev() {
        s = s * x + c[i];
    }
    s
}

#[test]
fn for_over_a_reversed_range() {
    // s = c0 x^4 ... reversed: s = c4 x^4 + c3 x^3 + .. + c0.
    let c = array![1.0, 2.0, 3.0, 4.0, 5.0];
    let x = 0.7;
    let (gc, gx) = rev_horner_grad(&c, x);
    close_arr(&gc, &Array1::from_shape_fn(5, |k| x.powi(k as i32)));
    close(gx, 2.0 + 6.0 * x + 12.0 * x * x + 20.0 * x.powi(3));
    assert_eq!(rev_horner_value_and_grad(&c, x).0, rev_horner(&c, x));
}

#[differentiable]
fn stepped(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in (0..x.len() - 1).step_by(2) {
        s += x[i] * x[i + 1].cos();
    }
    s
}

#[test]
fn for_over_step_by() {
    let x = vect(7, 0.4);
    let mut want = Array1::zeros(7);
    for i in (0..6).step_by(2) {
        want[i] = x[i + 1].cos();
        want[i + 1] = -x[i] * x[i + 1].sin();
    }
    close_arr(&stepped_grad(&x), &want);
    assert_eq!(stepped_value_and_grad(&x).0, stepped(&x));
}

#[differentiable]
fn inclusive(x: &Array1<f64>, k: usize) -> f64 {
    let mut s = 0.0;
    for i in 1..=k {
        s += x[i - 1] * x[i];
    }
    s
}

#[test]
fn for_over_an_inclusive_range() {
    let x = vect(5, 0.7);
    let mut want = Array1::zeros(5);
    for i in 1..=3 {
        want[i - 1] += x[i];
        want[i] += x[i - 1];
    }
    close_arr(&inclusive_grad(&x, 3), &want);
    assert_eq!(inclusive_value_and_grad(&x, 3).0, inclusive(&x, 3));
}

#[differentiable]
fn iter_deref(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for v in x.iter() {
        s = s * 0.5 + *v * *v + v.sin();
    }
    s
}

#[test]
fn for_over_iter_with_deref() {
    let x = vect(5, 0.3);
    ok(check_grad(iter_deref, iter_deref_grad, &x));
    assert_eq!(iter_deref_value_and_grad(&x).0, iter_deref(&x));
}

#[differentiable]
fn iter_pattern_product(x: &Array1<f64>) -> f64 {
    let mut p = 1.0;
    for &v in x.iter() {
        p = p * (1.0 + v * v);
    }
    p
}

#[test]
fn for_over_iter_with_a_reference_pattern() {
    let x = vect(4, 0.9);
    let p: f64 = x.iter().map(|v| 1.0 + v * v).product();
    close_arr(
        &iter_pattern_product_grad(&x),
        &x.mapv(|v| p * 2.0 * v / (1.0 + v * v)),
    );
    assert_eq!(
        iter_pattern_product_value_and_grad(&x).0,
        iter_pattern_product(&x)
    );
}

#[differentiable]
fn while_product(x: &Array1<f64>) -> f64 {
    let mut i = 0;
    let mut p = 1.0;
    while i < x.len() {
        p = p * x[i];
        i += 1;
    }
    p
}

#[test]
fn while_with_a_counter() {
    let x = array![0.5, -2.0, 1.5, 3.0];
    let p = x.product();
    close_arr(&while_product_grad(&x), &x.mapv(|v| p / v));
    assert_eq!(while_product_value_and_grad(&x).0, while_product(&x));
}

#[differentiable]
fn loop_break(x: &Array1<f64>) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    loop {
        if i >= x.len() {
            break;
        }
        s = s + x[i].powi(3);
        i += 1;
    }
    s
}

#[test]
fn loop_with_break() {
    let x = vect(4, 0.2);
    close_arr(&loop_break_grad(&x), &(&x * &x * 3.0));
    assert_eq!(loop_break_value_and_grad(&x).0, loop_break(&x));
}

#[differentiable]
fn while_continue(x: &Array1<f64>) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    while i < x.len() {
        i += 1;
        if x[i - 1] < 0.0 {
            continue;
        }
        s += x[i - 1].sqrt();
    }
    s
}

#[test]
fn while_with_continue() {
    let x = array![4.0, -1.0, 0.25, -3.0];
    close_arr(&while_continue_grad(&x), &array![0.25, 0.0, 1.0, 0.0]);
    assert_eq!(while_continue_value_and_grad(&x).0, 2.5);
}

#[differentiable]
fn loop_break_continue(x: &Array1<f64>) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    loop {
        i += 1;
        if i > x.len() {
            break;
        }
        if i % 3 == 0 {
            continue;
        }
        s = s * 0.9 + x[i - 1];
        if s > 3.0 {
            break;
        }
    }
    s
}

#[test]
fn loop_with_break_and_continue() {
    for x in [
        array![1.0, 1.0, 5.0, 1.0, 2.0, 0.5, 0.7],
        array![0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7],
    ] {
        ok(check_grad(
            loop_break_continue,
            loop_break_continue_grad,
            &x,
        ));
        assert_eq!(
            loop_break_continue_value_and_grad(&x).0,
            loop_break_continue(&x)
        );
    }
    // 1, 1.9, (skip i=3), 1.71 + 1 = 2.71, 2.439 + 2 = 4.439 > 3: break.
    let x = array![1.0, 1.0, 5.0, 1.0, 2.0, 0.5, 0.7];
    close_arr(
        &loop_break_continue_grad(&x),
        &array![0.9f64.powi(3), 0.9 * 0.9, 0.0, 0.9, 1.0, 0.0, 0.0],
    );
}

#[differentiable]
fn for_break(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] < 0.0 {
            break;
        }
        s += x[i] * x[i];
    }
    s
}

#[test]
fn for_with_break_at_the_first_negative() {
    let x = array![1.0, 2.0, -1.0, 3.0];
    close_arr(&for_break_grad(&x), &array![2.0, 4.0, 0.0, 0.0]);
    assert_eq!(for_break_value_and_grad(&x).0, 5.0);
}

#[differentiable]
fn while_float_cond(x: f64) -> f64 {
    let mut s = 1.0;
    let mut k = 0;
    while s < 10.0 {
        s += x;
        k += 1;
    }
    s * k as f64
}

#[test]
fn while_whose_condition_reads_an_accumulator() {
    // x = 2: s = 1, 3, 5, 7, 9, 11 -> k = 5; f = (1 + 5x) 5, f' = 25.
    assert_eq!(while_float_cond(2.0), 55.0);
    assert_eq!(while_float_cond_grad(2.0), 25.0);
    assert_eq!(while_float_cond_value_and_grad(2.0), (55.0, 25.0));
}

#[differentiable]
fn loop_grow(x: f64) -> f64 {
    let mut s = 1.0;
    let mut k = 0;
    loop {
        s = s * x;
        k += 1;
        if s > 100.0 {
            break;
        }
        s += 1.0;
    }
    s + k as f64
}

#[test]
fn loop_with_updates_after_the_break() {
    for x in [1.7, 3.0, 12.0] {
        ok(check_grad(
            |x: &f64| loop_grow(*x),
            |x| loop_grow_grad(*x),
            &x,
        ));
        assert_eq!(loop_grow_value_and_grad(x).0, loop_grow(x));
    }
}

// =============================================================================================
// Nested loops
// =============================================================================================

#[differentiable]
fn nested2(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let mut t = 0.0;
        for j in 0..x.len() {
            t += x[i] * x[j] * (j as f64 + 1.0);
        }
        s += t.sin();
    }
    s
}

#[test]
fn two_nested_loops() {
    let x = vect(4, 0.5);
    ok(check_grad(nested2, nested2_grad, &x));
    assert_eq!(nested2_value_and_grad(&x).0, nested2(&x));
}

#[differentiable]
fn nested_carried_both(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        for j in 0..x.len() {
            s = s * 0.5 + x[i] * x[j];
        }
        s = s.tanh();
    }
    s
}

#[test]
fn one_value_carried_by_both_levels() {
    let x = vect(4, 1.5);
    ok(check_grad(
        nested_carried_both,
        nested_carried_both_grad,
        &x,
    ));
    assert_eq!(
        nested_carried_both_value_and_grad(&x).0,
        nested_carried_both(&x)
    );
}

#[differentiable]
fn nested3(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut total = 0.0;
    for i in 0..n {
        let mut a = 0.0;
        for j in 0..n {
            let mut b = 1.0;
            for k in 0..n {
                b = b * (1.0 + x[k] * x[i] * 0.1);
                total += b * x[j] * 0.01;
            }
            a += b * x[j];
        }
        total += a.sin();
    }
    total
}

#[test]
fn three_nested_loops() {
    let x = vect(3, 0.2);
    ok(check_grad(nested3, nested3_grad, &x));
    assert_eq!(nested3_value_and_grad(&x).0, nested3(&x));
}

#[differentiable]
fn inner_break(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        for j in i..x.len() {
            if x[j] < 0.0 {
                break;
            }
            s += x[i] * x[j];
        }
    }
    s
}

#[test]
fn break_in_the_inner_loop_only() {
    let x = array![1.0, 2.0, -1.0, 3.0];
    // pairs (i, j): (0,0) (0,1) (1,1) (3,3); i = 2 breaks at once.
    close_arr(
        &inner_break_grad(&x),
        &array![2.0 + 2.0, 1.0 + 4.0, 0.0, 6.0],
    );
    assert_eq!(inner_break_value_and_grad(&x).0, 1.0 + 2.0 + 4.0 + 9.0);
}

#[differentiable]
fn loop_in_branch_in_loop(x: &Array1<f64>) -> f64 {
    let mut s = 1.0;
    for i in 0..x.len() {
        if x[i] > 0.0 {
            for j in 0..i {
                s += x[j] * x[i];
            }
        } else {
            s = s * x[i];
        }
    }
    s
}

#[test]
fn loop_inside_a_branch_inside_a_loop() {
    let x = array![0.5, -1.5, 2.0, 0.7, -0.2];
    ok(check_grad(
        loop_in_branch_in_loop,
        loop_in_branch_in_loop_grad,
        &x,
    ));
    assert_eq!(
        loop_in_branch_in_loop_value_and_grad(&x).0,
        loop_in_branch_in_loop(&x)
    );
}

// =============================================================================================
// Containers
// =============================================================================================

#[differentiable]
fn vec_param(x: Vec<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s = s + x[i] * x[i] * (i as f64 + 1.0);
    }
    s
}

#[test]
fn loop_over_a_vec() {
    let x = vec![0.5, -1.0, 2.0];
    assert_eq!(vec_param_grad(x.clone()), vec![1.0, -4.0, 12.0]);
    assert_eq!(vec_param_value_and_grad(x.clone()).0, vec_param(x));
}

#[differentiable]
fn slice_param(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x.iter() {
        s = (s + v).sin();
    }
    s
}

#[test]
fn loop_over_a_slice() {
    let x = vec![0.5, -1.0, 2.0, 0.1];
    ok(check_grad(
        |x: &Vec<f64>| slice_param(x),
        |x| slice_param_grad(x),
        &x,
    ));
    assert_eq!(slice_param_value_and_grad(&x).0, slice_param(&x));
}

#[differentiable]
fn fixed_array(x: [f64; 4]) -> f64 {
    let mut p = 1.0;
    for i in 0..4 {
        p = p * (x[i] + 2.0);
    }
    for v in x.iter() {
        p += *v * *v;
    }
    p
}

#[test]
fn loop_over_a_fixed_array() {
    let x = [0.5, -1.0, 2.0, 0.25];
    ok(check_grad(
        |x: &[f64; 4]| fixed_array(*x),
        |x| fixed_array_grad(*x),
        &x,
    ));
    assert_eq!(fixed_array_value_and_grad(x).0, fixed_array(x));
}

#[differentiable]
fn array2_param(m: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..m.nrows() {
        for j in 0..m.ncols() {
            s += m[[i, j]] * m[[j, i]] + m[[i, j]].sin() * (i + 2 * j) as f64;
        }
    }
    s
}

#[test]
fn nested_loops_over_an_array2() {
    let m = Array2::from_shape_fn((3, 3), |(i, j)| (0.3 * i as f64 - 0.7 * j as f64).sin());
    let g = array2_param_grad(&m);
    let want = Array2::from_shape_fn((3, 3), |(i, j)| {
        2.0 * m[[j, i]] + m[[i, j]].cos() * (i + 2 * j) as f64
    });
    for (a, b) in g.iter().zip(want.iter()) {
        close(*a, *b);
    }
    assert_eq!(array2_param_value_and_grad(&m).0, array2_param(&m));
}

#[differentiable]
fn iter_local(x: &Array1<f64>) -> f64 {
    let y = x.exp();
    let mut s = 0.0;
    for v in y.iter() {
        s += v * v;
    }
    s
}

#[test]
fn iter_over_a_local_array() {
    let x = vect(4, 0.1);
    close_arr(&iter_local_grad(&x), &(x.exp() * x.exp() * 2.0));
    assert_eq!(iter_local_value_and_grad(&x).0, iter_local(&x));
}

// =============================================================================================
// Loop-carried values
// =============================================================================================

#[differentiable]
fn array_carry(x: &Array1<f64>) -> f64 {
    let mut v = x.clone();
    for _ in 0..3 {
        v = &v * 0.5 + x;
        v = v.sin();
    }
    v.dot(&v)
}

#[test]
fn carried_array_overwritten_each_iteration() {
    let x = vect(4, 0.3);
    ok(check_grad(array_carry, array_carry_grad, &x));
    assert_eq!(array_carry_value_and_grad(&x).0, array_carry(&x));
}

#[differentiable(argnums = (0, 1))]
fn rnn(x: &Array1<f64>, w: f64) -> f64 {
    let mut h: Array1<f64> = Array1::zeros(x.len());
    let mut s = 0.0;
    for t in 0..4 {
        h = (&h * w + x * (t as f64 + 1.0)).tanh();
        s += h.sum() * w;
    }
    s
}

#[test]
fn carried_array_and_scalar_together() {
    let x = vect(3, 0.6) * 0.5;
    let w = 0.7;
    ok(check_grad(|x| rnn(x, w), |x| rnn_grad(x, w).0, &x));
    ok(check_grad(
        |w: &f64| rnn(&x, *w),
        |w| rnn_grad(&x, *w).1,
        &w,
    ));
    assert_eq!(rnn_value_and_grad(&x, w).0, rnn(&x, w));
}

#[differentiable]
fn product(x: &Array1<f64>) -> f64 {
    let mut p = 1.0;
    for i in 0..x.len() {
        p = p * x[i];
    }
    p
}

#[test]
fn carried_product() {
    let x = array![0.5, -2.0, 1.5, 3.0, 0.8];
    let p = x.product();
    close_arr(&product_grad(&x), &x.mapv(|v| p / v));
    assert_eq!(product_value_and_grad(&x).0, product(&x));
}

#[differentiable]
fn running_max(x: &Array1<f64>) -> f64 {
    let mut m: f64 = -1.0e300;
    for i in 0..x.len() {
        m = m.max(x[i]);
    }
    m * m
}

#[test]
fn carried_max() {
    let x = array![0.5, -2.0, 1.5, 3.0, 0.8];
    close_arr(&running_max_grad(&x), &array![0.0, 0.0, 0.0, 6.0, 0.0]);
    assert_eq!(running_max_value_and_grad(&x).0, 9.0);
}

#[differentiable]
fn read_then_update(x: &Array1<f64>) -> f64 {
    let mut s = 1.0;
    let mut t = 0.0;
    for i in 0..x.len() {
        let prev = s;
        s = s * x[i] + 0.5;
        t += prev * s;
    }
    s * t + s
}

#[test]
fn carried_value_read_before_its_update_and_used_after() {
    let x = vect(5, 0.8);
    ok(check_grad(read_then_update, read_then_update_grad, &x));
    assert_eq!(read_then_update_value_and_grad(&x).0, read_then_update(&x));
}

#[differentiable]
fn compound_ops(x: &Array1<f64>) -> f64 {
    let mut s: f64 = 2.0;
    for i in 0..x.len() {
        s *= x[i];
        s -= x[i] * 0.5;
        s /= 1.0 + x[i] * x[i];
        s += 1.0;
    }
    s
}

#[test]
fn compound_assignments_to_a_carried_value() {
    let x = vect(4, 0.2);
    ok(check_grad(compound_ops, compound_ops_grad, &x));
    assert_eq!(compound_ops_value_and_grad(&x).0, compound_ops(&x));
}

#[differentiable]
fn f32_loop(x: &Array1<f32>) -> f32 {
    let mut h: f32 = 0.0;
    for i in 0..x.len() {
        h = (0.5 * h + x[i]).tanh();
    }
    h * h
}

#[differentiable]
fn f64_loop(x: &Array1<f64>) -> f64 {
    let mut h: f64 = 0.0;
    for i in 0..x.len() {
        h = (0.5 * h + x[i]).tanh();
    }
    h * h
}

#[test]
fn carried_f32_and_f64() {
    let x = vect(4, 0.4);
    let xf = x.mapv(|v| v as f32);
    ok(check_grad(f32_loop, f32_loop_grad, &xf));
    ok(check_grad(f64_loop, f64_loop_grad, &x));
    let (g32, g64) = (f32_loop_grad(&xf), f64_loop_grad(&x));
    for i in 0..4 {
        assert!((g32[i] as f64 - g64[i]).abs() < 1e-5, "{g32} {g64}");
    }
    assert_eq!(f32_loop_value_and_grad(&xf).0, f32_loop(&xf));
}

#[differentiable]
fn f32_scalar_loop(x: f32, n: usize) -> f32 {
    let mut y = x;
    for _ in 0..n {
        y = y * 0.5 + x.sin();
    }
    y
}

#[test]
fn carried_f32_scalar() {
    // y_n = x / 2^n + sin x (2 - 2^(1 - n)).
    let (x, n) = (0.7f32, 3);
    let want = 1.0 / 8.0 + x.cos() * (2.0 - 0.25);
    assert!((f32_scalar_loop_grad(x, n) - want).abs() < 1e-6);
    assert_eq!(
        f32_scalar_loop_value_and_grad(x, n).0,
        f32_scalar_loop(x, n)
    );
}

#[differentiable]
fn shadow_in_loop(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    let mut t = 0.0;
    for i in 0..x.len() {
        s = s * 0.5 + x[i];
        let s = s * s;
        t += s;
    }
    s + t
}

#[test]
fn carried_value_shadowed_later_in_the_body() {
    let x = vect(4, 0.3);
    ok(check_grad(shadow_in_loop, shadow_in_loop_grad, &x));
    assert_eq!(shadow_in_loop_value_and_grad(&x).0, shadow_in_loop(&x));
}

#[differentiable]
fn outer_value_in_loop(x: &Array1<f64>) -> f64 {
    let a = x[0].sin();
    let mut s = 0.0;
    for i in 1..x.len() {
        s += a * x[i];
    }
    s * a
}

#[test]
fn value_defined_before_the_loop_read_inside() {
    let x = vect(4, 0.3);
    let a = x[0].sin();
    let r: f64 = x.iter().skip(1).sum();
    let mut want = Array1::from_elem(4, a * a);
    want[0] = 2.0 * a * r * x[0].cos();
    close_arr(&outer_value_in_loop_grad(&x), &want);
    assert_eq!(
        outer_value_in_loop_value_and_grad(&x).0,
        outer_value_in_loop(&x)
    );
}

#[differentiable]
fn counter_in_branch(x: &Array1<f64>) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    while i < x.len() {
        if x[i] > 0.0 {
            s += x[i] * x[i];
            i += 2;
        } else {
            s = s * 0.5 + x[i];
            i += 1;
        }
    }
    s
}

#[test]
fn while_counter_advanced_in_branches() {
    let x = array![1.0, 5.0, -1.0, 2.0, 7.0, -0.5];
    // i = 0 (+): s = 1, i = 2 (-): s = -0.5, i = 3 (+): s = 3.5, i = 5 (-): s = 1.25.
    assert_eq!(counter_in_branch(&x), 1.25);
    close_arr(
        &counter_in_branch_grad(&x),
        // d/dx0 = 2 x0 halved twice; d/dx2 = 1 halved once; d/dx3 = 2 x3 halved once.
        &array![0.5, 0.0, 0.5, 2.0, 0.0, 1.0],
    );
    assert_eq!(counter_in_branch_value_and_grad(&x).0, 1.25);
}

// =============================================================================================
// Element writes
// =============================================================================================

#[differentiable]
fn fill_zeros(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = Array1::zeros(n);
    for i in 0..n {
        y[i] = x[i] * x[(i + 1) % n];
    }
    y.dot(&y) + y[0]
}

#[test]
fn element_writes_then_dot_and_index() {
    let x = vect(4, 0.3);
    ok(check_grad(fill_zeros, fill_zeros_grad, &x));
    assert_eq!(fill_zeros_value_and_grad(&x).0, fill_zeros(&x));
}

#[differentiable]
fn vec_add_sub(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] += x[i].exp();
        y[n - 1 - i] -= x[i] * 0.5;
    }
    let mut s = 0.0;
    for i in 0..n {
        s += y[i] * y[i];
    }
    s
}

#[test]
fn element_add_and_sub_into_a_vec() {
    let x = vect(5, 0.1);
    ok(check_grad(vec_add_sub, vec_add_sub_grad, &x));
    assert_eq!(vec_add_sub_value_and_grad(&x).0, vec_add_sub(&x));
}

#[differentiable]
fn local_matrix(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut m: Array2<f64> = Array2::zeros((n, n));
    for i in 0..n {
        for j in 0..n {
            m[[i, j]] += x[i] * x[j];
            m[[j, i]] -= 0.5 * x[i];
        }
    }
    m.sum() + m[[0, 1]] * m[[1, 0]]
}

#[test]
fn local_array2_written_in_nested_loops() {
    let x = vect(3, 0.5);
    ok(check_grad(local_matrix, local_matrix_grad, &x));
    assert_eq!(local_matrix_value_and_grad(&x).0, local_matrix(&x));
}

#[differentiable]
fn bins(x: &Array1<f64>) -> f64 {
    let mut y = Array1::zeros(x.len() / 2);
    for i in 0..x.len() {
        y[i / 2] += x[i] * x[i];
    }
    y.dot(&y)
}

#[test]
fn several_writes_into_one_element() {
    let x = vect(6, 0.5);
    let mut want = Array1::zeros(6);
    for i in 0..6 {
        let b = x[2 * (i / 2)].powi(2) + x[2 * (i / 2) + 1].powi(2);
        want[i] = 4.0 * b * x[i];
    }
    close_arr(&bins_grad(&x), &want);
    assert_eq!(bins_value_and_grad(&x).0, bins(&x));
}

#[differentiable]
fn overwrite_prior(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = Array1::zeros(n);
    y[0] = x[0] * 10.0;
    y[1] = x[1].exp();
    for i in 0..n {
        if i % 2 == 0 {
            y[i] = x[i] * x[i];
        }
    }
    y.sum()
}

#[test]
fn loop_overwrites_an_element_written_before() {
    let x = array![0.5, 0.3, -1.0, 2.0];
    close_arr(
        &overwrite_prior_grad(&x),
        &array![1.0, 0.3f64.exp(), -2.0, 0.0],
    );
    assert_eq!(overwrite_prior_value_and_grad(&x).0, overwrite_prior(&x));
}

#[differentiable]
fn top_level_writes(x: &Array1<f64>) -> f64 {
    let mut y = Array1::zeros(3);
    y[0] = x[0] * x[1];
    y[1] = y[0].sin() + x[2];
    y[2] = y[1] * y[0];
    y.sum()
}

#[test]
fn writes_and_reads_outside_loops() {
    let x = array![0.5, -1.5, 0.8];
    ok(check_grad(top_level_writes, top_level_writes_grad, &x));
    assert_eq!(top_level_writes_value_and_grad(&x).0, top_level_writes(&x));
}

#[differentiable]
fn leaky_relu(x: &Array1<f64>) -> f64 {
    let mut y = Array1::zeros(x.len());
    for i in 0..x.len() {
        if x[i] > 0.0 {
            y[i] = x[i];
        } else {
            y[i] = 0.01 * x[i];
        }
    }
    (&y * &y).sum()
}

#[test]
fn element_writes_in_branches() {
    let x = array![0.5, -1.5, 0.8, -0.1];
    close_arr(
        &leaky_relu_grad(&x),
        &array![1.0, 2e-4 * -1.5, 1.6, 2e-4 * -0.1],
    );
    assert_eq!(leaky_relu_value_and_grad(&x).0, leaky_relu(&x));
}

// =============================================================================================
// Pullbacks
// =============================================================================================

#[differentiable(vjp)]
fn cumsum_sq(x: &Array1<f64>) -> Array1<f64> {
    let mut y = Array1::zeros(x.len());
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i];
        y[i] = s * s;
    }
    y
}

#[test]
fn pullback_of_element_writes() {
    let x = vect(5, 0.2);
    let n = x.len();
    let s = Array1::from_shape_fn(n, |j| x.iter().take(j + 1).sum::<f64>());
    let (y, _) = cumsum_sq_vjp(&x);
    assert_eq!(y, cumsum_sq(&x));
    for seed in [Array1::ones(n), Array1::from_elem(n, 2.0), vect(n, 1.7)] {
        let (_, pb) = cumsum_sq_vjp(&x);
        let want = Array1::from_shape_fn(n, |i| (i..n).map(|j| seed[j] * 2.0 * s[j]).sum::<f64>());
        let (g,) = pb(seed.clone());
        close_arr(&g, &want);
    }
    let (_, pb1) = cumsum_sq_vjp(&x);
    let (_, pb2) = cumsum_sq_vjp(&x);
    let (g1,) = pb1(Array1::ones(n));
    let (g2,) = pb2(Array1::from_elem(n, 2.0));
    close_arr(&g2, &(&g1 * 2.0));
}

#[differentiable(vjp)]
fn iterate(x: &Array1<f64>, w: f64) -> Array1<f64> {
    let mut v = x.clone();
    for _ in 0..3 {
        v = (&v * w).sin() + x;
    }
    v
}

#[test]
fn pullback_of_a_carried_array() {
    let x = vect(3, 0.9);
    let w = 0.8;
    let seed = vect(3, 2.5);
    let (y, _) = iterate_vjp(&x, w);
    assert_eq!(y, iterate(&x, w));
    let gx = |x: &Array1<f64>| {
        let (_, pb) = iterate_vjp(x, w);
        pb(seed.clone()).0
    };
    ok(check_grad(|x| (iterate(x, w) * &seed).sum(), gx, &x));
    let gw = |w: &f64| {
        let (_, pb) = iterate_vjp(&x, *w);
        pb(seed.clone()).1
    };
    ok(check_grad(
        |w: &f64| (iterate(&x, *w) * &seed).sum(),
        gw,
        &w,
    ));
    let (_, pb1) = iterate_vjp(&x, w);
    let (_, pb2) = iterate_vjp(&x, w);
    let (a1, b1) = pb1(Array1::ones(3));
    let (a2, b2) = pb2(Array1::from_elem(3, 2.0));
    close_arr(&a2, &(&a1 * 2.0));
    close(b2, 2.0 * b1);
}

#[differentiable]
fn scalar_loop(x: &Array1<f64>, y: f64) -> f64 {
    let mut s = y;
    for i in 0..x.len() {
        s = (s * x[i]).sin() + y;
    }
    s
}

#[test]
fn pullback_of_a_scalar_loop() {
    let x = vect(4, 0.1);
    let y = 0.6;
    let (v, pb) = scalar_loop_vjp(&x, y);
    assert_eq!(v, scalar_loop(&x, y));
    let (gx1, gy1) = pb(1.0);
    let (_, pb2) = scalar_loop_vjp(&x, y);
    let (gx2, gy2) = pb2(2.0);
    close_arr(&gx1, &scalar_loop_grad(&x, y));
    close_arr(&gx2, &(&gx1 * 2.0));
    close(gy2, 2.0 * gy1);
    ok(check_grad(|y: &f64| scalar_loop(&x, *y), |_| gy1, &y));
    let (val, g) = scalar_loop_value_and_grad(&x, y);
    assert_eq!(val, v);
    assert_eq!(g, gx1);
}

// =============================================================================================
// Early returns
// =============================================================================================

#[differentiable(argnums = (0, 1))]
fn guard_expr(x: f64, y: f64, n: usize) -> f64 {
    if n == 0 {
        return x * y + y.exp();
    }
    let mut s = x;
    for _ in 0..n {
        s = s * y + x;
    }
    s
}

#[test]
fn guard_returning_an_expression_of_parameters() {
    let (x, y) = (0.7, 1.3);
    let (gx, gy) = guard_expr_grad(x, y, 0);
    close(gx, y);
    close(gy, x + y.exp());
    // n = 2: s = (x y + x) y + x = x y^2 + x y + x.
    let (gx, gy) = guard_expr_grad(x, y, 2);
    close(gx, y * y + y + 1.0);
    close(gy, 2.0 * x * y + x);
    for n in 0..3 {
        assert_eq!(guard_expr_value_and_grad(x, y, n).0, guard_expr(x, y, n));
    }
}

#[differentiable(argnums = (0, 1))]
fn guard_with_work(x: f64, y: f64) -> f64 {
    let a = x * y;
    if a > 1.0 {
        let t = a.ln();
        return t * x;
    }
    a + x
}

#[test]
fn guard_with_statements_before_its_return() {
    let (x, y) = (2.0f64, 3.0f64);
    let (gx, gy) = guard_with_work_grad(x, y);
    close(gx, (x * y).ln() + 1.0);
    close(gy, x / y);
    assert_eq!(guard_with_work_grad(0.5, 0.5), (1.5, 0.5));
    assert_eq!(
        guard_with_work_value_and_grad(x, y).0,
        guard_with_work(x, y)
    );
}

// =============================================================================================
// Edge cases: zero trips, inactive loops, value-dependent trip counts, has_aux, argnums / wrt
// =============================================================================================

#[differentiable]
fn zero_trip(x: f64, n: usize) -> f64 {
    let mut s = x * x;
    for _ in n..n {
        s = s * x;
    }
    for i in (0..0).rev() {
        s += x * i as f64;
    }
    let mut k = n;
    while k < n {
        s += x;
        k += 1;
    }
    s
}

#[test]
fn loops_that_never_run() {
    assert_eq!(zero_trip_grad(1.5, 3), 3.0);
    assert_eq!(zero_trip_value_and_grad(1.5, 3), (2.25, 3.0));
}

#[differentiable]
fn empty_array_loop(x: &Array1<f64>, y: f64) -> f64 {
    let mut s = y;
    for i in 0..x.len() {
        s = s * x[i];
    }
    s * y
}

#[test]
fn loop_over_an_empty_array() {
    let x: Array1<f64> = Array1::zeros(0);
    assert_eq!(empty_array_loop_grad(&x, 2.0).len(), 0);
    assert_eq!(empty_array_loop_grad_1(&x, 2.0), 4.0);
}

#[differentiable]
fn untouched(x: f64) -> f64 {
    let mut c = 1.0;
    for i in 0..4 {
        c = c * 1.5 + i as f64;
    }
    let mut k = 0;
    for i in 0..5 {
        k += i;
    }
    x * c + x * k as f64
}

#[test]
fn loops_that_never_touch_the_parameter() {
    let mut c = 1.0;
    for i in 0..4 {
        c = c * 1.5 + i as f64;
    }
    assert_eq!(untouched_grad(0.3), c + 10.0);
    assert_eq!(untouched_value_and_grad(0.3).0, untouched(0.3));
}

#[differentiable]
fn newton_sqrt(a: f64) -> f64 {
    let mut y = a;
    let mut err = 1.0;
    let mut k = 0;
    while err > 1e-12 && k < 60 {
        let next = 0.5 * (y + a / y);
        err = (next - y).abs();
        y = next;
        k += 1;
    }
    y
}

#[test]
fn newton_iteration_with_a_value_dependent_trip_count() {
    for a in [0.5, 2.0, 10.0] {
        let g = newton_sqrt_grad(a);
        assert!((g - 0.5 / a.sqrt()).abs() < 1e-9, "{a}: {g}");
        assert_eq!(newton_sqrt_value_and_grad(a).0, newton_sqrt(a));
        ok(check_grad(
            |a: &f64| newton_sqrt(*a),
            |a| newton_sqrt_grad(*a),
            &a,
        ));
    }
}

#[differentiable(has_aux)]
fn aux_count(x: &Array1<f64>) -> (f64, usize) {
    let mut s = 0.0;
    let mut n = 0;
    for i in 0..x.len() {
        if x[i] > 0.0 {
            s += x[i] * x[i];
            n += 1;
        }
    }
    (s, n)
}

#[test]
fn has_aux_with_a_loop() {
    let x = array![0.5, -1.0, 2.0, -0.1];
    let (g, n) = aux_count_grad(&x);
    assert_eq!(n, 2);
    close_arr(&g, &array![1.0, 0.0, 4.0, 0.0]);
    let ((v, n2), g2) = aux_count_value_and_grad(&x);
    assert_eq!((v, n2), aux_count(&x));
    assert_eq!(g2, g);
}

#[differentiable(has_aux)]
fn aux_filled(x: &Array1<f64>) -> (f64, Array1<f64>) {
    let mut y = Array1::zeros(x.len());
    for i in 0..x.len() {
        y[i] = x[i].tanh();
    }
    (y.sum(), y)
}

#[test]
fn has_aux_returning_a_filled_array() {
    let x = vect(3, 0.4);
    let (g, aux) = aux_filled_grad(&x);
    assert_eq!(aux, x.tanh());
    close_arr(&g, &x.mapv(|v| 1.0 - v.tanh().powi(2)));
    assert_eq!(aux_filled_value_and_grad(&x).0, aux_filled(&x));
}

#[differentiable(wrt = (b, w))]
fn weighted(w: &Array1<f64>, x: &Array1<f64>, b: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let z = w[i] * x[i] + b;
        if z > 0.0 {
            s += z.tanh();
        } else {
            s += 0.1 * z;
        }
    }
    s
}

#[test]
fn wrt_names_with_a_loop() {
    let w = vect(4, 0.3);
    let x = vect(4, 2.0);
    let b = 0.1;
    let (gb, gw) = weighted_grad(&w, &x, b);
    let dz = (&w * &x + b).mapv(|z| if z > 0.0 { 1.0 - z.tanh().powi(2) } else { 0.1 });
    close(gb, dz.sum());
    close_arr(&gw, &(&dz * &x));
    close_arr(&weighted_grad_1(&w, &x, b), &(&dz * &w));
    assert_eq!(weighted_grad_2_0(&w, &x, b), (gb, gw.clone()));
    assert_eq!(weighted_value_and_grad(&w, &x, b).0, weighted(&w, &x, b));
}

// =============================================================================================
// More shapes: integer side effects, flags, shadowing, self-referential constants
// =============================================================================================

#[differentiable]
fn int_in_top_arm(x: f64) -> f64 {
    let mut k = 1;
    let mut y = x;
    if x > 0.0 {
        k += 1;
        y = x * k as f64;
    }
    y * x
}

#[test]
fn integer_updated_in_a_top_level_arm() {
    // x > 0: f = 2 x^2.
    assert_eq!(int_in_top_arm_grad(2.0), 8.0);
    assert_eq!(int_in_top_arm_grad(-2.0), -4.0);
    assert_eq!(int_in_top_arm_value_and_grad(2.0).0, 8.0);
}

#[differentiable]
fn two_guards_then_break(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] < 0.0 {
            continue;
        }
        if x[i] > 5.0 {
            continue;
        }
        s += x[i] * x[i];
        if s > 3.0 {
            break;
        }
    }
    s
}

#[test]
fn break_after_two_continues() {
    let x = array![1.0, -1.0, 7.0, 1.5, 2.0];
    // s = 1, skip, skip, 3.25 > 3: break.
    assert_eq!(two_guards_then_break(&x), 3.25);
    assert_eq!(two_guards_then_break_value_and_grad(&x).0, 3.25);
    close_arr(
        &two_guards_then_break_grad(&x),
        &array![2.0, 0.0, 0.0, 3.0, 0.0],
    );
}

#[differentiable]
fn self_add_const(x: f64) -> f64 {
    let mut c = 1.0;
    for _ in 0..3 {
        c = c + c;
    }
    x * c
}

#[test]
fn constant_carried_by_a_self_referential_update() {
    assert_eq!(self_add_const(1.0), 8.0);
    assert_eq!(self_add_const_value_and_grad(1.0), (8.0, 8.0));
}

#[differentiable]
fn self_mul_assign(x: f64) -> f64 {
    let mut c = 2.0;
    for _ in 0..2 {
        c *= c;
    }
    x * c
}

#[test]
fn constant_carried_by_a_compound_self_update() {
    assert_eq!(self_mul_assign(1.0), 16.0);
    assert_eq!(self_mul_assign_value_and_grad(1.0), (16.0, 16.0));
}

#[differentiable]
fn int_only_while(x: f64) -> f64 {
    let mut n = 0;
    while n * n < 50 {
        n += 1;
    }
    x * n as f64
}

#[test]
fn while_loop_over_integers_only() {
    assert_eq!(int_only_while(1.0), 8.0);
    assert_eq!(int_only_while_value_and_grad(1.0), (8.0, 8.0));
}

#[differentiable]
fn int_loop_nested(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let mut k = 0;
        for j in 0..i {
            k += j + 1;
        }
        s += x[i] * k as f64;
    }
    s
}

#[test]
fn integer_only_inner_loop() {
    let x = vect(4, 0.1);
    close_arr(&int_loop_nested_grad(&x), &array![0.0, 1.0, 3.0, 6.0]);
    assert_eq!(int_loop_nested_value_and_grad(&x).0, int_loop_nested(&x));
}

#[differentiable]
fn shadow_in_nested_block(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    let mut t = 0.0;
    for i in 0..x.len() {
        s = s * 0.5 + x[i];
        if s > 0.0 {
            let s = 2.0;
            t += s * x[i];
        }
    }
    s + t
}

#[test]
fn carried_value_shadowed_in_an_arm() {
    let x = array![0.5, 0.3, -2.0, 1.0];
    ok(check_grad(
        shadow_in_nested_block,
        shadow_in_nested_block_grad,
        &x,
    ));
    assert_eq!(
        shadow_in_nested_block_value_and_grad(&x).0,
        shadow_in_nested_block(&x)
    );
}

#[differentiable]
fn param_rebound(x: f64) -> f64 {
    let mut x = x;
    for _ in 0..3 {
        x = x.sin() * 2.0;
    }
    x
}

#[test]
fn parameter_rebound_and_carried() {
    for x in [0.3, 1.2] {
        ok(check_grad(
            |x: &f64| param_rebound(*x),
            |x| param_rebound_grad(*x),
            &x,
        ));
        assert_eq!(param_rebound_value_and_grad(x).0, param_rebound(x));
    }
}

#[differentiable]
fn if_expr_update(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s = if x[i] > s { x[i] * 2.0 } else { s * 0.5 };
    }
    s
}

#[test]
fn carried_value_updated_by_an_if_expression() {
    let x = array![0.5, 0.3, 2.5, 1.0, 0.2];
    // 1.0, 0.5, 5.0, 2.5, 1.25.
    close_arr(&if_expr_update_grad(&x), &array![0.0, 0.0, 0.5, 0.0, 0.0]);
    assert_eq!(if_expr_update_value_and_grad(&x).0, 1.25);
}

#[differentiable]
fn last_assigned(x: &Array1<f64>) -> f64 {
    let mut last = 0.0;
    for i in 0..x.len() {
        if x[i] < 0.0 {
            break;
        }
        last = x[i] * 2.0;
    }
    last * last
}

#[test]
fn carried_value_assigned_but_never_read_in_the_body() {
    let x = array![0.5, 1.5, -1.0, 3.0];
    close_arr(&last_assigned_grad(&x), &array![0.0, 12.0, 0.0, 0.0]);
    assert_eq!(last_assigned_value_and_grad(&x).0, 9.0);
}

#[differentiable]
fn return_at_end(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i].exp();
    }
    return s.ln();
}

#[test]
fn final_return_statement_after_a_loop() {
    let x = vect(4, 0.2);
    let e = x.exp();
    close_arr(&return_at_end_grad(&x), &(&e / e.sum()));
    assert_eq!(return_at_end_value_and_grad(&x).0, return_at_end(&x));
}

#[differentiable]
fn guard_after_loop(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i];
    }
    if s > 1.0 {
        return s.sqrt();
    }
    s * 2.0
}

#[test]
fn guard_after_a_loop() {
    let x = array![0.6, 0.8, 1.0];
    let r = 2.0f64.sqrt();
    close_arr(&guard_after_loop_grad(&x), &(&x / r));
    let y = array![0.1, 0.2, 0.3];
    close_arr(&guard_after_loop_grad(&y), &(&y * 4.0));
    assert_eq!(guard_after_loop_value_and_grad(&x).0, r);
}

#[differentiable]
fn nested_loop_breaks(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    let mut i = 0;
    loop {
        let mut j = 0;
        loop {
            if j >= i {
                break;
            }
            s += x[i] * x[j];
            j += 1;
        }
        i += 1;
        if i >= x.len() {
            break;
        }
    }
    s
}

#[test]
fn nested_loops_with_breaks_at_both_levels() {
    let x = vect(4, 0.3);
    // s = sum over pairs j < i of x_i x_j: d/dx_k = sum(x) - x_k.
    close_arr(&nested_loop_breaks_grad(&x), &(x.sum() - &x));
    assert_eq!(
        nested_loop_breaks_value_and_grad(&x).0,
        nested_loop_breaks(&x)
    );
}

#[differentiable]
fn else_break(x: &Array1<f64>) -> f64 {
    let mut s = 1.0;
    for i in 0..x.len() {
        if s > 4.0 {
            break;
        } else {
            s = s * (1.0 + x[i]);
        }
    }
    s
}

#[test]
fn break_in_one_arm_update_in_the_other() {
    let x = array![1.0, 0.5, 1.0, 3.0];
    // 2, 3, 6 > 4: break. s = (1 + x0)(1 + x1)(1 + x2).
    close_arr(&else_break_grad(&x), &array![3.0, 4.0, 3.0, 0.0]);
    assert_eq!(else_break_value_and_grad(&x).0, 6.0);
}

#[differentiable]
fn continue_in_for_in_while(x: &Array1<f64>) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    while i < 3 {
        for j in 0..x.len() {
            if j == i {
                continue;
            }
            s += x[i] * x[j];
        }
        i += 1;
    }
    s
}

#[test]
fn continue_in_a_for_inside_a_while() {
    let x = vect(4, 0.8);
    ok(check_grad(
        continue_in_for_in_while,
        continue_in_for_in_while_grad,
        &x,
    ));
    assert_eq!(
        continue_in_for_in_while_value_and_grad(&x).0,
        continue_in_for_in_while(&x)
    );
}

#[differentiable]
fn two_carried_in_branches(x: &Array1<f64>) -> f64 {
    let mut a = 1.0;
    let mut b = 0.0;
    for i in 0..x.len() {
        if x[i] > 0.0 {
            a = a * x[i];
            b = b + a;
        } else {
            b = b * x[i];
            a = a + b;
        }
    }
    a * b
}

#[test]
fn two_carried_values_updated_in_both_arms() {
    let x = array![0.5, -1.5, 2.0, 0.7, -0.2];
    ok(check_grad(
        two_carried_in_branches,
        two_carried_in_branches_grad,
        &x,
    ));
    assert_eq!(
        two_carried_in_branches_value_and_grad(&x).0,
        two_carried_in_branches(&x)
    );
}

#[differentiable]
fn write_in_top_branch(x: &Array1<f64>) -> f64 {
    let mut y: Array1<f64> = Array1::zeros(3);
    if x[0] > 0.0 {
        y[0] = x[1] * x[2];
    } else {
        y[1] = x[0] * x[0];
    }
    y[2] = x[0];
    y.sum() + y[0] * y[2]
}

#[test]
fn element_writes_in_a_top_level_branch() {
    for x in [array![0.5, -1.5, 2.0], array![-0.5, -1.5, 2.0]] {
        ok(check_grad(
            write_in_top_branch,
            write_in_top_branch_grad,
            &x,
        ));
        assert_eq!(
            write_in_top_branch_value_and_grad(&x).0,
            write_in_top_branch(&x)
        );
    }
}

#[differentiable]
fn step_param(x: &Array1<f64>, k: usize) -> f64 {
    let mut s = 0.0;
    for i in (1..x.len()).step_by(k) {
        s = s + x[i] * x[i - 1];
    }
    s
}

#[test]
fn step_by_a_parameter() {
    let x = vect(7, 0.4);
    for k in 1..4 {
        ok(check_grad(
            |x| step_param(x, k),
            |x| step_param_grad(x, k),
            &x,
        ));
        assert_eq!(step_param_value_and_grad(&x, k).0, step_param(&x, k));
    }
}

#[differentiable]
fn vec_iter(x: &Vec<f64>) -> f64 {
    let mut s = 0.0;
    for v in x.iter() {
        s = s * 0.5 + v * v;
    }
    s
}

#[test]
fn iter_over_a_vec_reference() {
    let x = vec![0.5, -1.0, 2.0];
    // s = 0.25 x0^2 + 0.5 x1^2 + x2^2.
    assert_eq!(vec_iter_grad(&x), vec![0.25, -1.0, 4.0]);
    assert_eq!(vec_iter_value_and_grad(&x).0, vec_iter(&x));
}

#[differentiable(vjp)]
fn write_until(x: &Array1<f64>) -> Array1<f64> {
    let mut y = Array1::zeros(x.len());
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i];
        if s > 2.0 {
            break;
        }
        y[i] = s * x[i];
    }
    y
}

#[test]
fn pullback_of_writes_with_a_break() {
    let x = array![0.5, 1.0, 0.25, 1.0, 0.5];
    // s: 0.5, 1.5, 1.75, 2.75 > 2 at i = 3. y = [0.25, 1.5, 0.4375, 0, 0].
    let (y, _) = write_until_vjp(&x);
    assert_eq!(y, write_until(&x));
    assert_eq!(y, array![0.25, 1.5, 0.4375, 0.0, 0.0]);
    for c in [1.0, 2.0] {
        let (_, pb) = write_until_vjp(&x);
        let (g,) = pb(Array1::from_elem(5, c));
        // d/dx0 = (s0 + x0) + x1 + x2 = 1 + 1 + 0.25; d/dx1 = s1 + x1 + x2; d/dx2 = s2 + x2.
        close_arr(&g, &(array![2.25, 2.75, 2.0, 0.0, 0.0] * c));
    }
}

#[differentiable]
fn const_and_float_carried(x: f64) -> f64 {
    let mut c = 1.0;
    let mut s = 0.0;
    for _ in 0..3 {
        c = c + c;
        s = s * x + c;
    }
    s
}

#[test]
fn constant_and_float_carried_together() {
    // c = 2, 4, 8: s = 2 x^2 + 4 x + 8.
    let x = 0.7;
    close(const_and_float_carried_grad(x), 4.0 * x + 4.0);
    assert_eq!(
        const_and_float_carried_value_and_grad(x).0,
        const_and_float_carried(x)
    );
}

#[differentiable]
fn k_after_branch(x: &Array1<f64>) -> f64 {
    let mut k = 1;
    let mut s = 0.0;
    for &v in x.iter() {
        if v > 0.0 {
            s += v * k as f64;
        }
        k += 1;
    }
    s
}

#[test]
fn integer_updated_after_a_branch_that_reads_it() {
    let x = array![0.5, -1.0, 2.0];
    close_arr(&k_after_branch_grad(&x), &array![1.0, 0.0, 3.0]);
    assert_eq!(k_after_branch_value_and_grad(&x).0, 6.5);
}

#[differentiable]
fn array_branch_in_loop(x: &Array1<f64>) -> f64 {
    let mut v = x.clone();
    for i in 0..x.len() {
        if x[i] > 0.0 {
            v = &v * x[i];
        } else {
            v = v.sin() + x;
        }
    }
    v.sum()
}

#[test]
fn carried_array_updated_in_branches() {
    let x = array![0.5, -1.5, 1.2];
    ok(check_grad(
        array_branch_in_loop,
        array_branch_in_loop_grad,
        &x,
    ));
    assert_eq!(
        array_branch_in_loop_value_and_grad(&x).0,
        array_branch_in_loop(&x)
    );
}

#[differentiable]
fn matrix_in_branches(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut m: Array2<f64> = Array2::zeros((n, n));
    for i in 0..n {
        for j in 0..n {
            if i == j {
                m[[i, j]] = x[i];
            } else {
                m[[i, j]] = x[i] * x[j];
            }
        }
    }
    m.dot(x).sum()
}

#[test]
fn local_matrix_written_in_branches_then_matrix_vector() {
    let x = vect(3, 0.4);
    ok(check_grad(matrix_in_branches, matrix_in_branches_grad, &x));
    assert_eq!(
        matrix_in_branches_value_and_grad(&x).0,
        matrix_in_branches(&x)
    );
}

#[differentiable(vjp)]
fn outer_matrix(x: &Array1<f64>, y: &Array1<f64>) -> Array2<f64> {
    let mut m = Array2::zeros((x.len(), y.len()));
    for i in 0..x.len() {
        for j in 0..y.len() {
            m[[i, j]] = (x[i] - y[j]).tanh();
        }
    }
    m
}

#[test]
fn pullback_of_a_matrix_built_in_nested_loops() {
    let x = vect(3, 0.1);
    let y = vect(2, 1.1);
    let seed = Array2::from_shape_fn((3, 2), |(i, j)| 1.0 + i as f64 - 0.5 * j as f64);
    let (m, pb) = outer_matrix_vjp(&x, &y);
    assert_eq!(m, outer_matrix(&x, &y));
    let (gx, gy) = pb(seed.clone());
    let d = Array2::from_shape_fn((3, 2), |(i, j)| {
        seed[[i, j]] * (1.0 - (x[i] - y[j]).tanh().powi(2))
    });
    close_arr(&gx, &d.sum_axis(autodiff::ndarray::Axis(1)));
    close_arr(&gy, &-d.sum_axis(autodiff::ndarray::Axis(0)));
}

#[differentiable(has_aux)]
fn aux_max(x: &Array1<f64>) -> (f64, f64) {
    let mut s = 0.0;
    let mut m = x[0];
    for i in 0..x.len() {
        s += x[i].exp();
        m = m.max(x[i]);
    }
    (s.ln(), m)
}

#[test]
fn has_aux_float_computed_in_a_loop() {
    let x = vect(4, 0.9);
    let (g, m) = aux_max_grad(&x);
    assert_eq!(m, x.fold(f64::MIN, |a, &b| a.max(b)));
    close_arr(&g, &(x.exp() / x.exp().sum()));
    assert_eq!(aux_max_value_and_grad(&x).0, aux_max(&x));
}

#[differentiable]
fn iter_array2(m: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for v in m.iter() {
        s = s * 0.5 + v.sin();
    }
    s
}

#[test]
fn iterating_a_matrix_in_row_major_order() {
    let m = Array2::from_shape_fn((2, 3), |(i, j)| 0.3 * (i * 3 + j) as f64 - 0.4);
    check_grad(iter_array2, iter_array2_grad, &m).unwrap();
    // A transposed view iterates in its own logical order.
    let t = m.t().to_owned();
    check_grad(iter_array2, iter_array2_grad, &t).unwrap();
}

#[differentiable]
fn guard_with_else(x: f64) -> f64 {
    if x > 1.0 {
        return x.ln();
    } else if x < -1.0 {
        return -x;
    }
    x * x
}

#[differentiable]
fn two_guards(x: f64) -> f64 {
    if x > 2.0 {
        return x * 3.0;
    }
    let y = x * x;
    if y > 1.0 {
        return y.sqrt();
    }
    y * x
}

#[test]
fn guard_chains_and_repeated_guards() {
    assert!((guard_with_else_grad(2.0) - 0.5).abs() < 1e-12);
    assert_eq!(guard_with_else_grad(-2.0), -1.0);
    assert_eq!(guard_with_else_grad(0.5), 1.0);
    assert_eq!(two_guards_grad(3.0), 3.0);
    assert!((two_guards_grad(-1.5) - -1.0).abs() < 1e-12);
    assert!((two_guards_grad(0.5) - 0.75).abs() < 1e-12);
}
