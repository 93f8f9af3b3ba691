//! Branches and loops: values against closed forms and finite differences.
#![deny(warnings)]

use autodiff::ndarray::{array, Array1, Array2};
use autodiff::prelude::*;

#[differentiable]
fn piecewise(x: f64) -> f64 {
    if x > 0.0 {
        x * x
    } else {
        -x
    }
}

#[differentiable]
fn branch_stmt(x: f64, y: f64) -> f64 {
    let mut z = x * y;
    if x > y {
        z += x.sin();
    } else if x < 0.0 {
        z *= 2.0;
    }
    z * y
}

#[differentiable]
fn horner(x: f64, c: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..c.len() {
        s = s * x + c[i];
    }
    s
}

#[differentiable]
fn rosenbrock(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

#[differentiable]
fn recurrence(x: &Array1<f64>) -> f64 {
    let mut h = 0.0;
    for i in 0..x.len() {
        h = (0.9 * h + x[i]).sin();
    }
    h
}

#[differentiable]
fn while_sum(x: &[f64]) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    while i < x.len() {
        s += x[i] * x[i];
        i += 1;
    }
    s
}

#[differentiable]
fn breaks(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for &v in x.iter() {
        if v < 0.0 {
            continue;
        }
        s += v * v;
        if s > 10.0 {
            break;
        }
    }
    s
}

#[differentiable]
fn matrix(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut m = Array2::zeros((n, n));
    for i in 0..n {
        for j in 0..n {
            m[[i, j]] = x[i] * x[j] + (i + j) as f64;
        }
    }
    m.sum()
}

#[differentiable]
fn guard(x: f64) -> f64 {
    if x < 0.0 {
        return 0.0;
    }
    x.sqrt() * x
}

fn fd(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6 * x.abs().max(1.0);
    (f(x + h) - f(x - h)) / (2.0 * h)
}

#[test]
fn piecewise_takes_each_branch() {
    assert_eq!(piecewise_grad(1.5), 3.0);
    assert_eq!(piecewise_grad(-2.0), -1.0);
}

#[test]
fn branch_statement_joins() {
    for (x, y) in [(2.0, 1.0), (-1.0, 0.5), (0.5, 1.0)] {
        let (gx, gy) = (branch_stmt_grad_0(x, y), branch_stmt_grad_1(x, y));
        assert!(
            (gx - fd(|x| branch_stmt(x, y), x)).abs() < 1e-6,
            "{x} {y} {gx}"
        );
        assert!(
            (gy - fd(|y| branch_stmt(x, y), y)).abs() < 1e-6,
            "{x} {y} {gy}"
        );
    }
}

#[test]
fn horner_matches_the_closed_form() {
    let c = array![1.0, 2.0, 3.0, 4.0, 5.0];
    let x = 0.9;
    assert!((horner(x, &c) - 13.1441).abs() < 1e-12);
    let d = 4.0 * x.powi(3) + 6.0 * x * x + 6.0 * x + 4.0;
    assert!((horner_grad(x, &c) - d).abs() < 1e-12);
    let gc = horner_grad_1(x, &c);
    for k in 0..5 {
        assert!((gc[k] - x.powi(4 - k as i32)).abs() < 1e-12);
    }
}

#[test]
fn rosenbrock_matches_the_closed_form() {
    let x = Array1::from_shape_fn(7, |i| (0.37 * i as f64 + 0.1).sin() * 1.5);
    let g = rosenbrock_grad(&x);
    let n = x.len();
    for i in 0..n {
        let mut d = 0.0;
        if i + 1 < n {
            d += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
        }
        if i > 0 {
            d += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
        }
        assert!(
            (g[i] - d).abs() < 1e-9 * d.abs().max(1.0),
            "{i}: {} {}",
            g[i],
            d
        );
    }
}

#[test]
fn recurrence_against_finite_differences() {
    let x = Array1::from_shape_fn(20, |i| (0.3 * i as f64).cos());
    check_grad(recurrence, recurrence_grad, &x).unwrap();
}

#[test]
fn while_over_a_slice() {
    let x = vec![1.0, -2.0, 3.0];
    assert_eq!(while_sum_grad(&x), vec![2.0, -4.0, 6.0]);
}

#[test]
fn break_and_continue_change_what_contributes() {
    let x = array![1.0, -5.0, 2.0, 3.0, 4.0];
    // 1 + 4 = 5, then 5 + 9 = 14 > 10: break after index 3; index 1 skipped.
    assert_eq!(breaks(&x), 14.0);
    assert_eq!(breaks_grad(&x), array![2.0, 0.0, 4.0, 6.0, 0.0]);
}

#[test]
fn nested_loops_write_a_local_matrix() {
    let x = array![0.5, -1.0, 2.0];
    let g = matrix_grad(&x);
    let s = x.sum();
    for i in 0..3 {
        assert!((g[i] - 2.0 * s).abs() < 1e-12);
    }
    check_grad(matrix, matrix_grad, &x).unwrap();
}

#[test]
fn early_return() {
    assert_eq!(guard_grad(-1.0), 0.0);
    assert!((guard_grad(4.0) - 1.5 * 2.0).abs() < 1e-12);
}

#[differentiable(argnums = (0, 1))]
fn compound_product(x: &Array1<f64>, y: f64) -> f64 {
    let mut z = 1.0;
    for i in 0..x.len() {
        z *= y + x[i];
        z /= 1.5;
    }
    z
}

#[test]
fn compound_products_save_what_they_read() {
    let x = array![0.5, -0.25, 1.0];
    let y = 0.75;
    let (gx, gy) = compound_product_grad(&x, y);
    let f = |x: &Array1<f64>, y: f64| x.iter().map(|v| (y + v) / 1.5).product::<f64>();
    assert!((compound_product(&x, y) - f(&x, y)).abs() < 1e-12);
    for i in 0..3 {
        let others: f64 = (0..3)
            .filter(|&k| k != i)
            .map(|k| (y + x[k]) / 1.5)
            .product();
        assert!((gx[i] - others / 1.5).abs() < 1e-12);
    }
    let h = 1e-6;
    let fd = (f(&x, y + h) - f(&x, y - h)) / (2.0 * h);
    assert!((gy - fd).abs() < 1e-8);
}

#[differentiable]
fn cross_entropy(logits: &Array2<f64>, labels: &[usize]) -> f64 {
    let mut total = 0.0;
    for i in 0..labels.len() {
        let mut m = logits[[i, 0]];
        for j in 1..logits.ncols() {
            m = m.max(logits[[i, j]]);
        }
        let mut z = 0.0;
        for j in 0..logits.ncols() {
            z += (logits[[i, j]] - m).exp();
        }
        total += z.ln() + m - logits[[i, labels[i]]];
    }
    total / labels.len() as f64
}

#[test]
fn integer_labels_are_constants_and_nested_loops_carry_per_row_values() {
    let logits = Array2::from_shape_fn((4, 3), |(i, j)| (0.7 * (i * 3 + j) as f64).sin() * 2.0);
    let labels = vec![2usize, 0, 1, 1];
    let f = |x: &Array2<f64>| cross_entropy(x, &labels);
    let g = |x: &Array2<f64>| cross_entropy_grad(x, &labels);
    check_grad(f, g, &logits).unwrap();
    // Closed form: (softmax - onehot) / n.
    let grad = g(&logits);
    for i in 0..4 {
        let row = logits.row(i);
        let z: f64 = row.iter().map(|v| v.exp()).sum();
        for j in 0..3 {
            let expected = (row[j].exp() / z - f64::from(u8::from(labels[i] == j))) / 4.0;
            assert!((grad[[i, j]] - expected).abs() < 1e-12);
        }
    }
}

#[differentiable]
fn sized_by_a_parameter(x: &Array1<f64>) -> f64 {
    let mut y = vec![0.0; x.len()];
    for i in 0..x.len() {
        y[i] = x[(i + 1) % x.len()] * 2.0;
    }
    y[0] * y[1] + y[2]
}

#[test]
fn arrays_sized_by_a_parameter_and_indices_over_lengths() {
    let x = array![0.5, -1.5, 2.0];
    // y = 2 [x1, x2, x0]; f = 4 x1 x2 + 2 x0.
    assert_eq!(sized_by_a_parameter(&x), 4.0 * -1.5 * 2.0 + 1.0);
    assert_eq!(sized_by_a_parameter_grad(&x), array![2.0, 8.0, -6.0]);
}

#[differentiable]
fn first_negative_scaled(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] < 0.0 {
            return s * x[i];
        }
        s += x[i] * x[i];
    }
    s
}

#[differentiable]
fn search(m: &Array2<f64>, t: f64) -> f64 {
    let mut acc = 0.0;
    for i in 0..m.nrows() {
        let mut j = 0;
        while j < m.ncols() {
            acc += m[[i, j]] * t;
            if acc > 3.0 {
                return acc.sqrt();
            }
            j += 1;
        }
    }
    acc * 2.0
}

#[test]
fn return_inside_loops() {
    // Returns at index 2: s = x0^2 + x1^2, value s * x2.
    let x = array![1.0, 2.0, -0.5, 4.0];
    assert_eq!(first_negative_scaled(&x), 5.0 * -0.5);
    assert_eq!(first_negative_scaled_grad(&x), array![-1.0, -2.0, 5.0, 0.0]);
    // No negative entry: the loop ends and the function returns s.
    let y = array![1.0, 2.0];
    assert_eq!(first_negative_scaled_grad(&y), array![2.0, 4.0]);
    let m = Array2::from_shape_fn((3, 3), |(i, j)| 0.2 + 0.1 * (i + j) as f64);
    // t = 1 would put a partial sum exactly on the threshold, where the function jumps.
    for t in [0.5, 0.9, 2.0] {
        let f = |m: &Array2<f64>| search(m, t);
        check_grad(f, |m: &Array2<f64>| search_grad(m, t).clone(), &m).unwrap();
        let h = 1e-6;
        let fd = (search(&m, t + h) - search(&m, t - h)) / (2.0 * h);
        assert!((search_grad_1(&m, t) - fd).abs() < 1e-6, "t = {t}");
    }
}

#[differentiable]
fn scalar_program(x: f64, y: f64) -> f64 {
    let mut s = 0.0;
    let mut p = 1.0;
    for k in 1..8 {
        let t = (x * k as f64).sin() + y;
        if t > 0.5 {
            s += t * p;
        } else {
            p = p * t + 0.1;
        }
        if s > 4.0 {
            break;
        }
    }
    let w = if x > 0.0 { s.sqrt() } else { -s };
    w * p + y.powi(3)
}

#[test]
fn forward_mode_agrees_with_reverse_mode() {
    // `_grad_0` and `_grad_1` have one scalar independent and only scalars in between: they run in
    // forward mode. The pullback always runs in reverse mode.
    for (x, y) in [(0.3, 0.2), (-0.7, 1.1), (1.3, -0.4), (2.0, 0.9)] {
        let (_, pullback) = scalar_program_vjp(x, y);
        let (gx, gy) = pullback(1.0);
        assert!((scalar_program_grad_0(x, y) - gx).abs() < 1e-12, "{x} {y}");
        assert!((scalar_program_grad_1(x, y) - gy).abs() < 1e-12, "{x} {y}");
        let (v, g) = scalar_program_value_and_grad(x, y);
        assert_eq!(v, scalar_program(x, y));
        assert!((g - gx).abs() < 1e-12);
        let h = 1e-6;
        let fd = (scalar_program(x + h, y) - scalar_program(x - h, y)) / (2.0 * h);
        assert!((gx - fd).abs() < 1e-6 * fd.abs().max(1.0), "{gx} vs {fd}");
    }
    let c = array![1.0, 2.0, 3.0, 4.0, 5.0];
    let (_, pullback) = horner_vjp(0.9, &c);
    assert!((horner_grad(0.9, &c) - pullback(1.0).0).abs() < 1e-12);
}

#[differentiable]
fn let_with_a_returning_arm(x: f64) -> f64 {
    let y = if x > 0.0 {
        x.sqrt()
    } else {
        return x * x;
    };
    y * 3.0
}

#[differentiable]
fn returning_let_in_a_loop(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let v = if x[i] >= 0.0 {
            x[i] * 2.0
        } else {
            return s * x[i];
        };
        s += v * v;
    }
    s
}

#[test]
fn return_from_an_arm_of_a_let() {
    assert!((let_with_a_returning_arm_grad(4.0) - 0.75).abs() < 1e-12);
    assert_eq!(let_with_a_returning_arm_grad(-2.0), -4.0);
    let x = array![1.0, 0.5, -2.0, 3.0];
    // s = 4 + 1 = 5 at index 2, value 5 * -2.
    assert_eq!(returning_let_in_a_loop(&x), -10.0);
    assert_eq!(
        returning_let_in_a_loop_grad(&x),
        array![-16.0, -8.0, 5.0, 0.0]
    );
}

#[differentiable]
fn trajectory(x: &Array1<f64>, a: f64) -> f64 {
    let n = x.len();
    let mut y = Array1::zeros(n);
    y[0] = x[0];
    for t in 1..n {
        y[t] = y[t - 1] * a + x[t].sin();
    }
    let mut total = 0.0;
    for t in 0..n {
        total += y[t] * y[t];
    }
    total
}

#[differentiable]
fn scaled_in_place(x: &Array1<f64>) -> f64 {
    let mut y = x.to_owned();
    for k in 0..3 {
        for i in 0..y.len() {
            y[i] *= x[(i + k) % x.len()];
            if y[i] > 1.0 {
                y[i] /= 2.0;
            }
        }
    }
    let mut s = 0.0;
    for i in 0..y.len() {
        s += y[i];
    }
    s
}

#[test]
fn arrays_read_in_the_loops_that_write_them() {
    let x = array![0.5, -0.3, 0.8, 1.2, -0.7];
    for a in [0.9, -0.4] {
        let f = |x: &Array1<f64>| trajectory(x, a);
        check_grad(f, |x: &Array1<f64>| trajectory_grad_0(x, a), &x).unwrap();
        let h = 1e-6;
        let fd = (trajectory(&x, a + h) - trajectory(&x, a - h)) / (2.0 * h);
        assert!((trajectory_grad_1(&x, a) - fd).abs() < 1e-6);
    }
    let x = array![0.9, 1.5, -0.4, 2.0];
    check_grad(scaled_in_place, scaled_in_place_grad, &x).unwrap();
    let (_, pullback) = scaled_in_place_vjp(&x);
    assert!((pullback(1.0).0 - scaled_in_place_grad(&x))
        .iter()
        .all(|d| d.abs() < 1e-12));
}

// ---------------------------------------------------------------------------------------------------------
// Loop labels: `continue 'rows` and `break 'rows` from an inner loop, `break 'outer` out of a `while`
// inside an iterator loop (the labels become flags before lowering).

#[differentiable]
fn labelled(x: &Array1<f64>, m: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    'rows: for i in 0..m.nrows() {
        for j in 0..m.ncols() {
            if m[[i, j]] < 0.0 {
                continue 'rows;
            }
            if i + j > 3 {
                break 'rows;
            }
            s += m[[i, j]] * x[j];
        }
        s += x[i];
    }
    'outer: for (k, v) in x.iter().enumerate() {
        let mut t = 0;
        while t < 3 {
            if *v > 1.0 && t == 1 {
                break 'outer;
            }
            s += v * t as f64;
            t += 1;
        }
        s += k as f64;
    }
    s
}

#[test]
fn labelled_jumps() {
    let x = array![0.3, -0.5, 1.2];
    let m = array![[0.5, 0.2, 0.1], [-0.3, 0.4, 0.9], [0.7, 0.8, 0.6]];
    // Row 0 whole and x0; row 1 skipped at its first element (no x1); row 2 up to j = 1, then out.
    // Then 3 v for x0 and x1, and x2 (> 1) leaves at t = 1 having added 0.
    let g = labelled_grad(&x, &m);
    let want = [0.5 + 1.0 + 0.7 + 3.0, 0.2 + 0.8 + 3.0, 0.1];
    for i in 0..3 {
        assert!(
            (g[i] - want[i]).abs() < 1e-12,
            "[{i}] {} != {}",
            g[i],
            want[i]
        );
    }
    autodiff::check_grad(
        |x: &Array1<f64>| labelled(x, &m),
        |x| labelled_grad(x, &m),
        &x,
    )
    .unwrap();
}

/// Linear interpolation in a table: the cell is a cast of a differentiable value to an integer (a
/// constant, as a comparison is), the weight within it differentiable.
#[differentiable(argnums = (0, 1), jvp)]
fn interpolate(table: &Array1<f64>, t: f64) -> f64 {
    let k = (t.floor() as usize).min(table.len() - 2);
    let w = t - k as f64;
    table[k] * (1.0 - w) + table[k + 1] * w
}

#[test]
fn a_cast_to_an_integer_is_a_constant_of_the_value() {
    let table = array![1.0, 3.0, 2.0, -1.0];
    for t in [0.25, 1.5, 2.75, 3.4] {
        let (gt, gw) = interpolate_grad(&table, t);
        let k = (t.floor() as usize).min(2);
        let w = t - k as f64;
        let mut want = Array1::zeros(4);
        want[k] = 1.0 - w;
        want[k + 1] = w;
        assert_eq!(gt, want, "t = {t}");
        assert_eq!(gw, table[k + 1] - table[k], "t = {t}");
        let (_, tangent) = interpolate_jvp(&table, t, (Array1::zeros(4), 1.0));
        assert_eq!(tangent, gw);
    }
}
