//! Regression tests: each function here once gave a wrong gradient without an error, or failed to compile
//! after expansion, or was rejected though documented. Each is checked against its closed form and
//! against central finite differences, in every generated item that differentiates it.
#![deny(warnings)]
#![allow(clippy::all)]

use autodiff::ndarray::{array, s, Array1};
use autodiff::nn;
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
        close(got[i], want[i]);
    }
}

// 1. `return` in the last arm of an `else if` chain of a `let`.
#[differentiable]
fn return_in_last_else_if_arm(y: f64) -> f64 {
    let a = if y < 0.0 {
        y * 2.0
    } else if y < 0.5 {
        y
    } else {
        return y * y;
    };
    a * y
}

#[test]
fn return_in_last_else_if_arm_is_taken() {
    for (y, value, grad) in [(3.0, 9.0, 6.0), (0.25, 0.0625, 0.5), (-1.0, 2.0, -4.0)] {
        let (v, g) = return_in_last_else_if_arm_value_and_grad(y);
        close(v, value);
        close(v, return_in_last_else_if_arm(y));
        close(g, grad);
        close(return_in_last_else_if_arm_grad(y), grad);
        let (v, pb) = return_in_last_else_if_arm_vjp(y);
        close(v, value);
        close(pb(1.0).0, grad);
    }
}

// 1b. `return` in a middle arm of the chain.
#[differentiable]
fn return_in_middle_else_if_arm(y: f64) -> f64 {
    let a = if y < 0.0 {
        y * 2.0
    } else if y < 0.5 {
        return y.sin();
    } else {
        y * y
    };
    a * y
}

#[test]
fn return_in_middle_else_if_arm_is_taken() {
    for (y, value, grad) in [
        (3.0, 27.0, 27.0),
        (0.25, 0.25f64.sin(), 0.25f64.cos()),
        (-1.0, 2.0, -4.0),
    ] {
        let (v, g) = return_in_middle_else_if_arm_value_and_grad(y);
        close(v, value);
        close(g, grad);
    }
}

// 2. A value overwritten in a loop by something that does not depend on the inputs.
#[differentiable]
fn overwritten_by_constant_in_loop(y: f64) -> f64 {
    let mut t = y * y;
    for i in 0..3 {
        t = (i as f64) * 0.5;
    }
    t + y
}

#[test]
fn an_overwrite_in_a_loop_kills_the_old_derivative() {
    let (v, g) = overwritten_by_constant_in_loop_value_and_grad(0.7);
    close(v, 1.0 + 0.7);
    close(g, 1.0);
    close(overwritten_by_constant_in_loop_grad(0.7), 1.0);
    let (_, pb) = overwritten_by_constant_in_loop_vjp(0.7);
    close(pb(1.0).0, 1.0);
}

#[differentiable]
fn array_sum_overwritten_in_loop(y: &Array1<f64>) -> f64 {
    let mut t = y.sum();
    for _ in 0..2 {
        t = 0.5;
    }
    t
}

#[test]
fn an_overwrite_of_a_reduction_in_a_loop_kills_its_gradient() {
    let y = array![0.3, -0.4];
    close_arr(&array_sum_overwritten_in_loop_grad(&y), &array![0.0, 0.0]);
    let (v, g) = array_sum_overwritten_in_loop_value_and_grad(&y);
    close(v, 0.5);
    close_arr(&g, &array![0.0, 0.0]);
}

#[differentiable]
fn overwritten_in_inner_loop(y: f64) -> f64 {
    let mut t = y * y;
    let mut s = 0.0;
    for _ in 0..3 {
        s += t;
        for j in 0..2 {
            t = j as f64;
        }
    }
    s + t * y
}

#[test]
fn an_overwrite_in_an_inner_loop_kills_the_derivative_once() {
    // s = y^2 + 1 + 1, t = 1 at the end: f = y^2 + 2 + y, f' = 2y + 1.
    let y = 0.7;
    let (v, g) = overwritten_in_inner_loop_value_and_grad(y);
    close(v, y * y + 2.0 + y);
    close(g, 2.0 * y + 1.0);
    close(overwritten_in_inner_loop_grad(y), 2.0 * y + 1.0);
    ok(check_grad(
        |y: &f64| overwritten_in_inner_loop(*y),
        |y: &f64| overwritten_in_inner_loop_grad(*y),
        &y,
    ));
}

#[differentiable(argnums = (0, 1))]
fn overwritten_by_other_parameter(x: &Array1<f64>, y: f64) -> f64 {
    let mut t = y * y;
    for i in 0..3 {
        t = nn::softplus(x[i]);
    }
    t + y
}

#[test]
fn an_overwrite_by_a_parameter_not_differentiated_kills_the_old_derivative() {
    let x = array![0.5, 0.7, 0.9];
    let sig = 1.0 / (1.0 + (-0.9f64).exp());
    close(overwritten_by_other_parameter_grad_1(&x, 0.3), 1.0);
    close(overwritten_by_other_parameter_grad(&x, 0.3).1, 1.0);
    close_arr(
        &overwritten_by_other_parameter_grad_0(&x, 0.3),
        &array![0.0, 0.0, sig],
    );
    close_arr(
        &overwritten_by_other_parameter_grad(&x, 0.3).0,
        &array![0.0, 0.0, sig],
    );
}

#[differentiable]
fn overwritten_in_branch_in_loop(y: f64) -> f64 {
    let mut t = y * y;
    for i in 0..4 {
        if i == 2 {
            t = 3.0;
        } else {
            t = t * y;
        }
    }
    t
}

#[test]
fn an_overwrite_in_a_branch_in_a_loop_kills_the_old_derivative() {
    // t = 3 after i = 2, then t = 3y: f' = 3.
    let y = 0.8;
    close(overwritten_in_branch_in_loop_grad(y), 3.0);
    close(overwritten_in_branch_in_loop(y), 3.0 * y);
}

// 3. `mapv` over an array that does not depend on the inputs.
#[differentiable]
fn mapv_of_constant_array_capturing(s: f64) -> f64 {
    Array1::from_elem(3, 0.5).mapv(|v| v * s).sum()
}

#[differentiable]
fn mapv_of_constant_array_capturing_element(x: &Array1<f64>) -> f64 {
    Array1::from_elem(3, 0.5).mapv(|v| v * x[1]).sum()
}

#[test]
fn mapv_of_a_constant_array_differentiates_its_captures() {
    close(mapv_of_constant_array_capturing_grad(2.0), 1.5);
    let (v, pb) = mapv_of_constant_array_capturing_vjp(2.0);
    close(v, 3.0);
    close(pb(1.0).0, 1.5);
    let x = array![1.0, 2.0, 3.0];
    close_arr(
        &mapv_of_constant_array_capturing_element_grad(&x),
        &array![0.0, 1.5, 0.0],
    );
}

// 4. A `let mut` constant array read in a loop.
#[differentiable]
fn constant_array_read_in_loop(x: f64) -> f64 {
    let mut w = Array1::from_elem(3, 0.5);
    w[0] = 2.0;
    let mut s = x;
    for i in 0..3 {
        s = s * w[i];
    }
    s
}

#[test]
fn a_mutable_constant_array_read_in_a_loop() {
    close(constant_array_read_in_loop_grad(1.3), 0.5);
    close(constant_array_read_in_loop(1.3), 1.3 * 0.5);
}

// 5. An early-return guard followed by a loop that writes and reads a local array.
#[differentiable]
fn guard_then_logged_loop(x: f64) -> f64 {
    if x <= -0.8 {
        return x;
    }
    let mut w = Array1::zeros(3);
    let mut t = 1.0;
    for i in 0..3 {
        w[i] = x;
        t = t * w[i];
    }
    t
}

#[test]
fn a_guard_before_a_loop_that_writes_and_reads_an_array() {
    close(guard_then_logged_loop_grad(0.5), 3.0 * 0.25);
    close(guard_then_logged_loop_grad(-1.0), 1.0);
    ok(check_grad(
        |x: &f64| guard_then_logged_loop(*x),
        |x: &f64| guard_then_logged_loop_grad(*x),
        &0.3,
    ));
}

// 6. `*v` in a branch condition inside `for v in x.iter()`.
#[differentiable]
fn deref_in_condition(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for v in x.iter() {
        if *v > 0.5 {
            break;
        }
        s += *v * *v;
    }
    s
}

#[test]
fn a_dereferenced_element_in_a_condition() {
    let x = array![0.1, 0.2, 0.9, 0.3];
    close_arr(&deref_in_condition_grad(&x), &array![0.2, 0.4, 0.0, 0.0]);
}

// 7. A view of a temporary built from a `let mut` constant.
#[differentiable]
fn view_of_temporary(x: &Array1<f64>) -> f64 {
    let mut c: f64 = 1.0;
    c += 1.0;
    (&Array1::from_elem(2, c).slice(s![..;-1]) * x).sum()
}

#[test]
fn a_view_of_a_temporary_of_a_mutable_constant() {
    let x = array![1.0, 2.0];
    close_arr(&view_of_temporary_grad(&x), &array![2.0, 2.0]);
}

// 8. Reassigning an array with a constructor of constants.
#[differentiable]
fn reassigned_with_zeros(y: &Array1<f64>) -> f64 {
    let mut t = y.clone();
    let first = t[1];
    t = Array1::zeros(2);
    t.sum() + y[0] + first
}

#[test]
fn an_array_reassigned_with_zeros() {
    let y = array![0.3, 0.4];
    close_arr(&reassigned_with_zeros_grad(&y), &array![1.0, 1.0]);
}

// 9. `return` inside an `if` nested in another `if`, outside loops.
#[differentiable]
fn nested_if_return(x: f64) -> f64 {
    if x > 0.0 {
        if x > 1.0 {
            return x * 2.0;
        }
    }
    x * x
}

#[test]
fn return_in_a_nested_if() {
    close(nested_if_return_grad(2.0), 2.0);
    close(nested_if_return_grad(0.5), 1.0);
    close(nested_if_return_grad(-0.5), -1.0);
    close(nested_if_return(2.0), 4.0);
}

// A local fixed-size array of constants, written element by element (was "array literals are not
// supported"), and a constant array literal read in a loop.
#[differentiable]
fn fixed_local_array(x: &Array1<f64>) -> f64 {
    let mut y = [0.0; 4];
    let w = [1.0, 2.0, 3.0, 4.0];
    for i in 0..4 {
        y[i] = x[i] * w[i];
    }
    y[0] * y[1] + y[2] + y[3]
}

#[test]
fn a_fixed_array_of_constants_is_local_storage() {
    let x = array![1.0, 2.0, 3.0, 4.0];
    // f = 2 x0 x1 + 3 x2 + 4 x3.
    close_arr(&fixed_local_array_grad(&x), &array![4.0, 2.0, 3.0, 4.0]);
    ok(check_grad(fixed_local_array, fixed_local_array_grad, &x));
}

// `let _ = e;` drops a value (it was called destructuring).
#[differentiable]
fn let_underscore(x: f64) -> f64 {
    let c = x * 2.0;
    let _ = c;
    x * x
}

#[test]
fn let_underscore_drops_a_value() {
    close(let_underscore_grad(1.5), 3.0);
}

// Comparisons are evaluated as written: `i < n && x[i] > 0.0` does not read `x[n]`.
#[differentiable]
fn short_circuit(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() + 1 {
        if i < x.len() && x[i] > 0.0 {
            s += x[i] * x[i];
        }
    }
    s
}

#[test]
fn a_short_circuit_condition_does_not_read_past_the_end() {
    let x = array![0.5, -1.0, 2.0];
    close_arr(&short_circuit_grad(&x), &array![1.0, 0.0, 4.0]);
}

// A guard whose arm has a loop that returns (difftest seed 3, index 50): the guard is rewritten with
// flags whole.
#[differentiable]
fn guard_with_returning_loop(x: &Array1<f64>) -> f64 {
    if x.sum() < 1.0 {
        for i in 0..x.len() {
            if x[i] > 0.5 {
                return x[i] * x[i];
            }
        }
        return x.sum();
    }
    x[0] * 3.0
}

#[test]
fn a_guard_whose_arm_returns_from_a_loop() {
    close_arr(
        &guard_with_returning_loop_grad(&array![0.1, 0.7, -0.5]),
        &array![0.0, 1.4, 0.0],
    );
    close_arr(
        &guard_with_returning_loop_grad(&array![0.1, 0.2, -0.5]),
        &array![1.0, 1.0, 1.0],
    );
    close_arr(
        &guard_with_returning_loop_grad(&array![2.0, 0.2, -0.5]),
        &array![3.0, 0.0, 0.0],
    );
}

// `*v` in a `let .. = if` with a returning arm inside `for v in x.iter()` (difftest seed 3, index 71):
// the guard's negated condition reads the element as written.
#[differentiable]
fn deref_in_returning_let(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for v in x.iter() {
        let a = if (*v).abs() > 0.4 {
            return s + *v;
        } else {
            *v * 2.0
        };
        s += a * a;
    }
    s
}

#[test]
fn a_dereferenced_element_in_a_returning_let() {
    // s = (2 * 0.1)^2 + (2 * 0.2)^2, then returns s + 0.9.
    close_arr(
        &deref_in_returning_let_grad(&array![0.1, 0.2, 0.9, 0.3]),
        &array![0.8, 1.6, 1.0, 0.0],
    );
}

// Element writes and reads in a region the reverse sweep runs again: the recomputed read sees the value
// it saw the first time (the writes are logged and undone), not one written twice or written after.
#[differentiable]
fn write_then_read_in_branch(x: f64) -> f64 {
    let mut y: Array1<f64> = Array1::zeros(2);
    let mut s = 0.0;
    if x > 0.0 {
        y[0] += x;
        s = y[0] * x;
    }
    s + y[0]
}

#[differentiable]
fn read_in_branch_written_after(x: f64) -> f64 {
    let mut y: Array1<f64> = Array1::zeros(2);
    let mut s = 0.0;
    if x > 0.0 {
        s = (y[0] + 1.0) * x;
    }
    y[0] = x * 3.0;
    s + y[0]
}

#[differentiable]
fn read_in_loop_written_after(x: &Array1<f64>) -> f64 {
    let mut y = x.to_owned();
    let mut s = 0.0;
    for i in 0..x.len() {
        s += y[i] * y[i];
    }
    y[0] = 5.0;
    y[1] *= 2.0;
    s + y.sum()
}

#[test]
fn recomputed_regions_read_what_they_read_the_first_time() {
    // s = x^2, y0 = x: f = x^2 + x.
    let (v, g) = write_then_read_in_branch_value_and_grad(0.5);
    close(v, 0.75);
    close(g, 2.0);
    let (_, pb) = write_then_read_in_branch_vjp(0.5);
    close(pb(1.0).0, 2.0);
    // s = x, y0 = 3x: f = 4x.
    let (v, g) = read_in_branch_written_after_value_and_grad(0.5);
    close(v, 2.0);
    close(g, 4.0);
    // f = sum x_i^2 + 5 + 2 x1 + x2 + ..
    let x = array![0.3, -0.4, 0.7];
    close_arr(
        &read_in_loop_written_after_grad(&x),
        &array![0.6, -0.8 + 2.0, 1.4 + 1.0],
    );
}

// An element write whose value reads the array, while the array is still a constant (difftest seed 1,
// index 10): the value is computed before the array is borrowed.
#[differentiable]
fn write_reads_the_array(x: &Array1<f64>) -> f64 {
    let mut y: Array1<f64> = Array1::zeros(6);
    y[3] = y[3] * 2.0 + 1.0;
    let n = y.len();
    y[n - 1] = x[0] * y[3];
    y.sum()
}

#[test]
fn an_element_write_that_reads_its_array() {
    close_arr(
        &write_reads_the_array_grad(&array![2.0, 1.0]),
        &array![1.0, 0.0],
    );
}

// An element write whose value is an element of the same still-constant array (`y[1] = y[0]`).
#[differentiable]
fn element_from_element(x: f64) -> f64 {
    let mut y: Array1<f64> = Array1::zeros(3);
    y[1] = y[0];
    y[2] = x;
    y.sum()
}

// An array declared in a loop body and written by element: the reverse sweep's rerun of the body
// makes it anew and writes it again (its element type is then known from the write).
#[differentiable]
fn array_declared_in_a_loop(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..3 {
        let mut w = Array1::zeros(3);
        w[i] = x[i] * 2.0;
        s = s * 0.5 + x[i] * x[i];
    }
    s
}

#[differentiable]
fn array_declared_in_a_loop_and_read(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..3 {
        let mut w = Array1::zeros(3);
        w[i] = x[i] * 2.0;
        s = s * 0.5 + w[i] * x[i];
    }
    s
}

#[test]
fn local_arrays_written_in_loop_bodies_and_from_themselves() {
    close(element_from_element_grad(1.0), 1.0);
    let x = array![1.0, 2.0, 3.0];
    close_arr(&array_declared_in_a_loop_grad(&x), &array![0.5, 2.0, 6.0]);
    close_arr(
        &array_declared_in_a_loop_and_read_grad(&x),
        &array![1.0, 4.0, 12.0],
    );
}

// A local array made and written in a loop body and never read (difftest seed 100, index 8): no
// undo log is needed, and none is declared without a use.
#[differentiable]
fn written_never_read_in_loop(x: f64) -> f64 {
    let mut s = x;
    for _ in (0..4).step_by(2) {
        let mut y = vec![0.0_f64; 4];
        y[0] = 1.0;
        s = s * 2.0;
    }
    s
}

// A value overwritten with a constant in an arm and then updated (difftest seed 3, index 13), and a
// `let mut` constant assigned in a loop and in an arm whose other arm returns (seed 100, index 18).
#[differentiable]
fn constant_overwrite_in_arm(x: f64) -> f64 {
    let mut a = x;
    if x > 1.0 {
        a = 1.0;
        a += 1.0;
    }
    a * x
}

#[differentiable]
fn constant_assigned_in_loop_and_arm(x: f64) -> f64 {
    let mut c = 0.5;
    let mut s = 0.0;
    for k in 0..3 {
        c = 0.3;
        s += c;
        let v = if k > 5 {
            return x;
        } else {
            c = 1.1;
            x * c
        };
        s += v;
    }
    s + c
}

#[test]
fn constants_and_unread_arrays_in_regions() {
    close(written_never_read_in_loop_grad(0.7), 4.0);
    close(constant_overwrite_in_arm_grad(1.5), 2.0);
    close(constant_overwrite_in_arm_grad(0.5), 1.0);
    close(constant_assigned_in_loop_and_arm_grad(0.7), 3.3);
}

// A loop that shadows a parameter in an inner loop and then returns (difftest seed 300, index 26):
// the returned value reads the parameter, not the inner loop's copy, and is carried as a float.
#[differentiable]
fn shadow_in_inner_loop_then_return(x: &Array1<f64>) -> f64 {
    for _ in 1..4 {
        for _v in x.iter() {
            let x = x.to_owned();
            let _ = x;
        }
        return x.sum();
    }
    1.0
}

// A loop over a collection of constants by value, in a region the reverse sweep runs again
// (difftest seed 300, index 76): the collection is copied, not moved.
#[differentiable]
fn constants_by_value_in_a_branch(x: f64, ks: Vec<usize>) -> f64 {
    let mut s = x;
    if x > 0.0 {
        for k in ks {
            s = s * (k as f64) + x;
        }
    }
    s
}

#[test]
fn shadowing_and_constant_collections_in_regions() {
    close_arr(
        &shadow_in_inner_loop_then_return_grad(&array![1.0, 2.0]),
        &array![1.0, 1.0],
    );
    // s = ((x * 2 + x) * 3 + x) = 10 x.
    close(constants_by_value_in_a_branch_grad(0.5, vec![2, 3]), 10.0);
}

// A return of an iterator's element from a loop nested in another (difftest seed 400, index 61): the
// result is carried by both loops.
#[differentiable]
fn return_element_from_nested_loops(x: &Array1<f64>) -> f64 {
    for _ in (0..6).step_by(2) {
        for v in x.iter() {
            if *v > 0.5 {
                return *v * *v;
            }
        }
    }
    1.0
}

#[test]
fn an_element_returned_from_nested_loops() {
    close_arr(
        &return_element_from_nested_loops_grad(&array![0.2, 0.7, 0.9]),
        &array![0.0, 1.4, 0.0],
    );
    close_arr(
        &return_element_from_nested_loops_grad(&array![0.2, 0.1]),
        &array![0.0, 0.0],
    );
}

// A float constant that a loop updates from constants only (`w = w * 0.5 + 0.25`) is one of the loop's
// counters, saved per iteration, and read by the differentiated part: whether a name carries a value
// is decided by what it is assigned (a value or constants), not by spotting float literals.
#[differentiable]
fn decaying_weights(x: &Array1<f64>) -> f64 {
    let mut w = 1.0;
    let mut t = 0.0;
    for i in 0..x.len() {
        w = w * 0.5 + 0.25;
        t += w * x[i] * x[i];
    }
    t
}

#[differentiable]
fn decaying_weights_f32(x: &Array1<f32>) -> f32 {
    let mut w = 1.0;
    let mut t = 0.0;
    for i in 0..x.len() {
        w = w * 0.5 + 0.25;
        t += w * x[i] * x[i];
    }
    t
}

#[test]
fn a_float_constant_updated_in_a_loop() {
    // w_i = 0.75, 0.625, 0.5625; d/dx_i = 2 w_i x_i.
    let x = array![1.0, -2.0, 0.5];
    close_arr(&decaying_weights_grad(&x), &array![1.5, -2.5, 0.5625]);
    let (v, _) = decaying_weights_value_and_grad(&x);
    close(v, 0.75 + 0.625 * 4.0 + 0.5625 * 0.25);
    let g = decaying_weights_f32_grad(&array![1.0f32, -2.0, 0.5]);
    assert_eq!(g, array![1.5f32, -2.5, 0.5625]);
}

// A division by a literal power of two is computed as a multiplication by its reciprocal (exact): the
// value keeps the bits of the user's own function, and the gradient is the closed form.
#[differentiable]
fn halved(x: &Array1<f64>) -> f64 {
    (x / 2.0).sin().sum() + (x / 3.0).sum()
}

#[test]
fn a_division_by_a_power_of_two() {
    let x = array![0.3, -1.2, 2.5, 7.0];
    let (v, g) = halved_value_and_grad(&x);
    assert_eq!(v.to_bits(), halved(&x).to_bits());
    let want = x.mapv(|v| (v / 2.0).cos() / 2.0 + 1.0 / 3.0);
    close_arr(&g, &want);
}

// `f_value_and_grad` evaluates a fused kernel with its reverse in one pass (partials for seed one) and
// rescales the partials in the reverse sweep where the kernel's seed is not one: a kernel scaled after
// its sum, a mean read twice, and one at the root must each give the value of the function to the bit
// and the gradient of `f_grad`.
#[differentiable(argnums = (0, 1))]
fn scaled_kernels(x: &Array1<f64>, y: f64) -> f64 {
    let m = (x * y).exp().mean().unwrap();
    3.0 * (x * x).sum() + m * m - (x - y).powi(2).sum() / 8.0
}

#[differentiable]
fn root_kernel_f32(x: &Array1<f32>) -> f32 {
    (x - 0.5).powi(2).sum()
}

#[test]
fn kernels_evaluated_with_their_reverse_rescale_to_their_seed() {
    for n in [1usize, 9, 37] {
        let x = Array1::from_shape_fn(n, |i| (0.37 * i as f64 + 0.1).sin() * 1.5);
        let y = 0.4;
        let (v, (gx, gy)) = scaled_kernels_value_and_grad(&x, y);
        assert_eq!(v.to_bits(), scaled_kernels(&x, y).to_bits());
        let (gx2, gy2) = scaled_kernels_grad(&x, y);
        // Closed form: d/dx_i = 6 x_i + 2 m y e^{x_i y} / n - (x_i - y) / 4, d/dy likewise.
        let e = x.mapv(|v| (v * y).exp());
        let m = e.mean().unwrap();
        let nf = n as f64;
        let want_x = 6.0 * &x + &(&e * (2.0 * m * y / nf)) - &((&x - y) / 4.0);
        let want_y = 2.0 * m * (&x * &e).sum() / nf + (&x - y).sum() / 4.0;
        close_arr(&gx, &want_x);
        close_arr(&gx2, &want_x);
        close(gy, want_y);
        close(gy2, want_y);
        ok(check_grad(
            |x: &Array1<f64>| scaled_kernels(x, y),
            |x: &Array1<f64>| scaled_kernels_value_and_grad(x, y).1 .0,
            &x,
        ));
        ok(check_grad(
            |y: &f64| scaled_kernels(&x, *y),
            |y: &f64| scaled_kernels_value_and_grad(&x, *y).1 .1,
            &y,
        ));
        let xf = x.mapv(|v| v as f32);
        let (vf, gf) = root_kernel_f32_value_and_grad(&xf);
        assert_eq!(vf.to_bits(), root_kernel_f32(&xf).to_bits());
        assert_eq!(gf, root_kernel_f32_grad(&xf));
        assert_eq!(gf, xf.mapv(|v| 2.0 * (v - 0.5)));
    }
}

// `f_value_and_grad` runs the reverse of a loop that only accumulates inside the forward loop itself
// (one pass instead of two) where the loop's adjoints are known before it runs: the loop's carried
// values reach the output with seed one. Each form below must give the value of the function to the
// bit and the gradient of `f_grad` (which reverses the loop as usual) and of finite differences.
#[differentiable]
fn accumulated_terms(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

#[differentiable(argnums = (0, 1))]
fn accumulated_from_a_parameter(x: &Array1<f64>, y: f64) -> f64 {
    let mut s = y * y;
    for i in 0..x.len() {
        s -= (x[i] * y).sin() - x[i] * x[i];
    }
    s
}

#[differentiable]
fn accumulated_then_scaled(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i].exp();
    }
    2.0 * s
}

#[differentiable]
fn accumulated_and_read(x: &Array1<f64>) -> f64 {
    let mut s: f64 = 0.0;
    for i in 0..x.len() {
        s += x[i] * s.cos();
    }
    s
}

#[test]
fn loops_reversed_inside_their_forward_pass() {
    let x = Array1::from_shape_fn(7, |i| (0.37 * i as f64 + 0.1).sin() * 1.5);
    let (v, g) = accumulated_terms_value_and_grad(&x);
    assert_eq!(v.to_bits(), accumulated_terms(&x).to_bits());
    close_arr(&g, &accumulated_terms_grad(&x));
    let mut want = Array1::zeros(7);
    for i in 0..6 {
        let d = x[i + 1] - x[i] * x[i];
        want[i] += -400.0 * x[i] * d - 2.0 * (1.0 - x[i]);
        want[i + 1] += 200.0 * d;
    }
    close_arr(&g, &want);

    let y = 0.8;
    let (v, (gx, gy)) = accumulated_from_a_parameter_value_and_grad(&x, y);
    assert_eq!(v.to_bits(), accumulated_from_a_parameter(&x, y).to_bits());
    let want_x = x.mapv(|v| -y * (v * y).cos() + 2.0 * v);
    let want_y = 2.0 * y - x.iter().map(|v| v * (v * y).cos()).sum::<f64>();
    close_arr(&gx, &want_x);
    close(gy, want_y);
    let (gx2, gy2) = accumulated_from_a_parameter_grad(&x, y);
    close_arr(&gx2, &want_x);
    close(gy2, want_y);

    let (v, g) = accumulated_then_scaled_value_and_grad(&x);
    assert_eq!(v.to_bits(), accumulated_then_scaled(&x).to_bits());
    close_arr(&g, &x.mapv(|v| 2.0 * v.exp()));

    let (v, g) = accumulated_and_read_value_and_grad(&x);
    assert_eq!(v.to_bits(), accumulated_and_read(&x).to_bits());
    close_arr(&g, &accumulated_and_read_grad(&x));
    ok(check_grad(
        accumulated_and_read,
        accumulated_and_read_grad,
        &x,
    ));
    ok(check_grad(
        accumulated_terms,
        |x: &Array1<f64>| accumulated_terms_value_and_grad(x).1,
        &x,
    ));
}

// A function whose name ends in `_` (to avoid a keyword or a clash): its items (`f__grad`) compile
// without a `non_snake_case` warning in a crate that denies warnings (this file does).
#[differentiable]
fn type_(x: f64) -> f64 {
    let _ = x * 2.0;
    x * x.sin()
}

#[test]
fn a_name_ending_in_an_underscore() {
    let x = 0.7;
    close(type__grad(x), x.sin() + x * x.cos());
    let (v, g) = type__value_and_grad(x);
    assert_eq!(v.to_bits(), type_(x).to_bits());
    close(g, x.sin() + x * x.cos());
}

// `*v` in a condition of an iterator loop (the idiomatic corpus found these failing to compile after
// expansion, E0614): the element bound by the desugaring is a reference in conditions as in the source,
// also for a constant container (`ks.iter()` over `&[usize]`).

#[differentiable]
fn enumerate_positive(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        if *v > 0.0 {
            s += *v * i as f64;
        }
    }
    s
}

#[differentiable(argnums = (0, 1))]
fn zip_compare(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (a, b) in x.iter().zip(y.iter()) {
        if *a > *b {
            s += *a * *b;
        } else {
            s -= *b;
        }
    }
    s + x
        .iter()
        .map(|v| if *v > 0.0 { v * v } else { -*v })
        .sum::<f64>()
}

#[differentiable]
fn by_kind(x: &Array1<f64>, ks: &[usize]) -> f64 {
    let mut s = 0.0;
    for (i, k) in ks.iter().enumerate() {
        if *k == 1 {
            s += x[i] * x[i];
        }
    }
    s
}

#[differentiable]
fn for_each_positive(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    x.iter().for_each(|v| {
        if *v > 0.0 {
            s += *v;
        }
    });
    s
}

#[test]
fn dereferenced_elements_in_conditions_of_iterator_loops() {
    let x = array![0.5, -1.0, 2.0];
    let y = array![0.1, 0.3, 3.0];
    close_arr(&enumerate_positive_grad(&x), &array![0.0, 0.0, 2.0]);
    let (gx, gy) = zip_compare_grad(&x, &y);
    close_arr(&gx, &array![0.1 + 1.0, -1.0, 4.0]);
    close_arr(&gy, &array![0.5, -1.0, -1.0]);
    close_arr(&by_kind_grad(&x, &[1, 0, 1]), &array![1.0, 0.0, 4.0]);
    close_arr(&for_each_positive_grad(&x), &array![1.0, 0.0, 1.0]);
    ok(check_grad(enumerate_positive, enumerate_positive_grad, &x));
    ok(check_grad(
        |x| by_kind(x, &[1, 1, 0]),
        |x| by_kind_grad(x, &[1, 1, 0]),
        &x,
    ));
    ok(check_grad(for_each_positive, for_each_positive_grad, &x));
}

// A local named like a macro (`s` and `s![..]`): the macro keeps its name (the corpus found `at0!`),
// and `!=` after a name is not a macro.
#[differentiable]
fn local_named_s(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..2 {
        s += x.slice(s![i..]).sum() * (i as f64 + 1.0);
    }
    s += x.slice(s![1..]).sum();
    s
}

#[differentiable]
fn not_equal_counters(x: f64, k: usize) -> f64 {
    let mut m = 0;
    let mut s = x;
    for i in 0..3 {
        if i != k && m != 2 {
            s = s * x;
            m += 1;
        }
    }
    s
}

#[test]
fn a_local_named_like_a_macro() {
    let x = array![0.5, -1.0, 2.0];
    close_arr(&local_named_s_grad(&x), &array![1.0, 4.0, 4.0]);
    ok(check_grad(local_named_s, local_named_s_grad, &x));
    // k = 1: the loop multiplies at i = 0 and i = 2 (m reaches 2), so s = x^3.
    close(not_equal_counters_grad(2.0, 1), 12.0);
    // k = 0: i = 1 and i = 2.
    close(not_equal_counters_grad(1.5, 0), 3.0 * 1.5 * 1.5);
}

// A call whose argument is a temporary array passed by reference (`g(&(y.mapv(..)), ..)`): the callee's
// pullback borrows it, and outlives the block the call's arguments were bound in, so the temporary is
// bound before that block (difftest seed 1796063020 program 17: E0716 in every reverse-mode item).
#[differentiable(vjp, jvp)]
fn tanh_scaled(x: &Array1<f64>, a: f64) -> Array1<f64> {
    x.mapv(|v| (v * a).tanh()) + x * 0.5
}

#[differentiable(argnums = (0, 1), jvp)]
fn temporary_argument(x0: f64, xs: &Array1<f64>) -> f64 {
    let y = Array1::from_elem(3, 0.25);
    let z = tanh_scaled(&(y.mapv(|v| v * 2.0)), xs.dot(xs) * x0);
    z.sum() + tanh_scaled(&(xs * 1.5), x0).sum()
}

#[test]
fn a_temporary_argument_outlives_the_call() {
    let xs = array![0.3, -0.4, 0.6];
    let x0 = 0.7;
    let (g0, g1) = temporary_argument_grad(x0, &xs);
    ok(check_grad(
        |x: &Array1<f64>| temporary_argument(x0, x),
        |x| temporary_argument_grad(x0, x).1,
        &xs,
    ));
    let h = 1e-6;
    let fd = (temporary_argument(x0 + h, &xs) - temporary_argument(x0 - h, &xs)) / (2.0 * h);
    assert!((g0 - fd).abs() < 1e-7, "{g0} against {fd}");
    let (_, t) = temporary_argument_jvp(x0, &xs, (1.0, Array1::zeros(3)));
    assert!((t - g0).abs() < 1e-12);
    let (_, t) = temporary_argument_jvp(x0, &xs, (0.0, Array1::ones(3)));
    assert!((t - g1.sum()).abs() < 1e-12);
}

/// Difftest seed 1796093001 #24: a call's constant argument reads an element of an array written after
/// the call; `f_vjp`'s pullback (which calls the callee's rule again) read the element as written later.
#[differentiable(vjp, jvp)]
pub fn squashed(x: &Array1<f64>, a: f64) -> Array1<f64> {
    x.mapv(|v| (v * a).tanh()) + x * 0.5
}

#[differentiable(argnums = (0, 1), jvp)]
fn argument_read_before_its_write(xs0: &Array1<f64>, xs1: &Array1<f64>) -> f64 {
    let y3: Array1<f64> = xs0.to_owned();
    let mut y4: Array1<f64> = Array1::zeros(4);
    y4[2] = y3.dot(&squashed(xs0, y4[2])) + xs1[0];
    y4[2]
}

#[test]
fn a_call_argument_is_read_at_the_call() {
    let (xs0, xs1) = (
        array![-0.066, -1.409, 0.405, 0.28],
        array![0.1, 0.2, 0.3, 0.4],
    );
    // y4[2] is 0 at the call: squashed(x, 0) = x / 2, so the value is x . x / 2 + xs1[0].
    let (g0, g1) = argument_read_before_its_write_grad(&xs0, &xs1);
    let (_, pullback) = argument_read_before_its_write_vjp(&xs0, &xs1);
    let (p0, p1) = pullback(1.0);
    for i in 0..4 {
        assert!((g0[i] - xs0[i]).abs() < 1e-12, "grad {g0}");
        assert!((p0[i] - xs0[i]).abs() < 1e-12, "pullback {p0}");
    }
    assert_eq!(g1, array![1.0, 0.0, 0.0, 0.0]);
    assert_eq!(p1, g1);
}

/// Difftest seed 1796093001 #300: a `mapv` closure reads a counter changed after it; its reverse read
/// the counter's later value (the gradient was zero).
#[differentiable(jvp)]
fn closure_reads_a_counter(xs0: &Array1<f64>) -> f64 {
    let mut c1 = 0usize;
    let mut y3 = [0.0_f64; 3];
    y3[c1] = 2.0;
    let a10 = (xs0.mapv(|v9| v9 * y3[c1])).sum();
    c1 = (c1 + 1) % 3;
    a10 + y3[c1]
}

#[test]
fn a_closure_reads_constants_as_they_were() {
    let x = array![0.5, -0.3, 1.2];
    assert_eq!(closure_reads_a_counter_grad(&x), array![2.0, 2.0, 2.0]);
    assert_eq!(
        closure_reads_a_counter_jvp(&x, (array![1.0, 2.0, 3.0],)).1,
        12.0
    );
    assert_eq!(
        closure_reads_a_counter_value_and_grad(&x).0,
        closure_reads_a_counter(&x)
    );
}

/// Difftest seed 1796094001 #56: an adjoint that overflows to infinity upstream of `max` (a product of
/// two huge finite factors) reached the side that does not attain the maximum as `inf * 0 = NaN`, though
/// the function does not vary along it there; that side now receives zero (`f_grad`, `f_jvp`, `f_hvp`).
#[differentiable(argnums = (0, 1), jvp, hessian)]
fn overflow_through_max(x: f64, y: f64) -> f64 {
    (x * 1e200) * 0.0f64.max(y) * 1e200 + y.sin() + x.min(2.0 * y)
}

#[test]
fn the_side_max_does_not_take_receives_zero_even_under_an_infinite_adjoint() {
    let (x, y) = (1.0, -0.5);
    // max(0, y) = 0 is the constant's; min(x, 2y) = 2y is y's.
    let (gx, gy) = overflow_through_max_grad(x, y);
    assert_eq!(gx, 0.0);
    assert_eq!(gy, y.cos() + 2.0);
    let (_, t) = overflow_through_max_jvp(x, y, (1.0, 0.0));
    assert_eq!(t, 0.0);
    // Away from the overflow the rule is the product it always was: a negative seed gives the losing
    // side a negative zero.
    let (_, back) = overflow_through_max_vjp(x, y);
    let (lx, ly) = back(-1.0);
    assert_eq!((lx.to_bits(), ly), ((-0.0f64).to_bits(), -(y.cos() + 2.0)));
}

/// Difftest seed 1796251001 #151 (minimized): a range loop whose body changes a counter its range reads
/// (`for i in 0..c { c = (c + 1) % 6; .. }`). The reverse evaluated the range again with the counter's
/// final value, one iteration more than ran: "the reverse sweep pops what the forward sweep pushed". The
/// range is now kept as the loop started it (`f_grad`, `f_vjp`), and `f_hvp` counts the iterations.
#[differentiable(argnums = (0, 1, 2))]
fn range_reads_a_counter_the_body_changes(x0: f64, x1: f64, x2: f64) -> f64 {
    let mut c7 = 0usize;
    let mut y8 = [0.0_f64; 6];
    c7 = (c7 + 1) % 6;
    for i11 in 0..c7 {
        c7 = (c7 + 1) % 6;
        y8[i11] = x0 * x2;
    }
    y8[3] + y8[0] * x1
}

/// The same shape under `hessian`, with a carried scalar: `c` grows inside, so `1..c` runs once.
#[differentiable(hessian)]
fn range_reads_a_counter_second_order(x: f64) -> f64 {
    let mut c = 2usize;
    let mut s = x;
    for i in 1..c {
        c += 2;
        s = (s * x).sin() + i as f64;
    }
    s * c as f64
}

#[test]
fn a_range_is_the_one_the_loop_started_with() {
    // One iteration: y8[0] = x0 x2, so f = x0 x1 x2.
    let (x0, x1, x2) = (0.5, 0.7, -1.3);
    let g = range_reads_a_counter_the_body_changes_grad(x0, x1, x2);
    close(g.0, x1 * x2);
    close(g.1, x0 * x2);
    close(g.2, x0 * x1);
    let (_, pullback) = range_reads_a_counter_the_body_changes_vjp(x0, x1, x2);
    let p = pullback(1.0);
    close(p.0, x1 * x2);
    close(p.2, x0 * x1);
    // f = 4 (sin(x^2) + 1): f'' = 4 (2 cos(x^2) - 4 x^2 sin(x^2)).
    let x: f64 = 0.7;
    let want = 4.0 * (2.0 * (x * x).cos() - 4.0 * x * x * (x * x).sin());
    close(
        range_reads_a_counter_second_order(x),
        4.0 * ((x * x).sin() + 1.0),
    );
    let got = range_reads_a_counter_second_order_hessian(x);
    assert!((got - want).abs() <= 1e-12 * want.abs(), "{got} != {want}");
}

/// Difftest seed 1796231001 #238: a constant array whose element type only the operation fixes
/// (`z += &Array1::zeros(n)`, `m = Array2::eye(n)` read by `dot`) compiles in the user's function but failed
/// in the generated one (E0283: the runtime's rules also take a scalar of any float type on either side).
/// The function's one float type is now written into such constructors.
#[differentiable(hessian)]
fn untyped_constants(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut z = x.mapv(|v| v * v);
    z += &Array1::zeros(n);
    let c = Array1::ones(n);
    z *= &c;
    let m = autodiff::ndarray::Array2::eye(n);
    m.dot(&z).sum() + (&z + 1.0).sum()
}

#[differentiable]
fn untyped_constants_f32(x: &Array1<f32>) -> f32 {
    let mut z = x.mapv(|v| v * v);
    z += &Array1::zeros(x.len());
    z.sum()
}

#[differentiable]
fn untyped_constants_generic<F: Real>(x: &Array1<F>) -> F {
    let mut z = x.mapv(|v| v * v);
    z -= &Array1::ones(x.len());
    z.sum()
}

#[test]
fn untyped_constructors_take_the_functions_float_type() {
    // f = 2 sum(x^2) + n: the gradient is 4x, the Hessian 4I.
    let x = array![0.5, -1.5, 2.0];
    close(untyped_constants(&x), 2.0 * 6.5 + 3.0);
    close_arr(&untyped_constants_grad(&x), &(&x * 4.0));
    ok(check_grad(untyped_constants, untyped_constants_grad, &x));
    let h = untyped_constants_hessian(&x);
    assert_eq!(h, autodiff::ndarray::Array2::<f64>::eye(3) * 4.0);
    let x32 = array![0.5f32, -1.5];
    assert_eq!(untyped_constants_f32_grad(&x32), array![1.0f32, -3.0]);
    let (v, g) = untyped_constants_generic_value_and_grad(&x);
    close(v, 6.5 - 3.0);
    close_arr(&g, &(&x * 2.0));
}
