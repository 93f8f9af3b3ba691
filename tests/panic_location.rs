//! A run-time failure inside generated code (an index out of bounds, shapes that do not broadcast, the
//! mean of an empty array, ...) must report the user's source line, not a line of `autodiff-runtime`.
//!
//! Each offending expression below carries a marker comment `// @name`; [`line_of`] finds that line in
//! this file's own text, and [`panic_site`] runs a closure with a panic hook that records
//! `PanicHookInfo::location()`. Every case is checked through `f_grad`, `f_value_and_grad` and `f_vjp`
//! (the forward sweep runs inside `f_vjp` itself); the reverse-sweep cases call the pullback.
#![allow(clippy::needless_range_loop, clippy::ptr_arg)]

use autodiff::ndarray::{array, concatenate, s, stack, Array1, Array2, Axis};
use autodiff::prelude::*;
use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

/// Where a panic happened, and its message.
#[derive(Debug)]
struct Site {
    file: String,
    line: u32,
    message: String,
}

thread_local! {
    /// `Some` while [`panic_site`] runs on this thread: the slot for the panic's site.
    static CAPTURE: RefCell<Option<Option<Site>>> = const { RefCell::new(None) };
}

/// Installs, once, a panic hook that records the site of a panic raised inside [`panic_site`] (and
/// prints nothing for it); any other panic goes to the previous hook as usual.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let captured = CAPTURE.with(|c| match c.borrow_mut().as_mut() {
                Some(slot) => {
                    let location = info.location().expect("a panic location");
                    let payload = info.payload();
                    let message = payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    *slot = Some(Site {
                        file: location.file().to_string(),
                        line: location.line(),
                        message,
                    });
                    true
                }
                None => false,
            });
            if !captured {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, which must panic, and returns where it panicked.
#[track_caller]
fn panic_site<R>(f: impl FnOnce() -> R) -> Site {
    install_hook();
    CAPTURE.with(|c| *c.borrow_mut() = Some(None));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    let site = CAPTURE.with(|c| c.borrow_mut().take()).flatten();
    assert!(result.is_err(), "expected a panic, but the call returned");
    site.expect("the panic hook recorded the panic")
}

/// The line of this file that carries the marker `// @name` (exactly one line does).
fn line_of(name: &str) -> u32 {
    let marker = format!("// @{name}");
    let source = include_str!("panic_location.rs");
    let lines: Vec<u32> = source
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_end().ends_with(&marker))
        .map(|(k, _)| k as u32 + 1)
        .collect();
    assert_eq!(lines.len(), 1, "marker {marker} on exactly one line");
    lines[0]
}

/// Asserts that `f` panics at the line of this file marked `// @name`, with a message that contains
/// `message`.
#[track_caller]
fn assert_panics_at<R>(name: &str, message: &str, f: impl FnOnce() -> R) {
    let site = panic_site(f);
    let line = line_of(name);
    assert!(
        site.file == file!() && site.line == line,
        "{name}: the panic ({:?}) was reported at {}:{}, not at {}:{line}",
        site.message,
        site.file,
        site.line,
        file!(),
    );
    assert!(
        site.message.contains(message),
        "{name}: message {:?} should contain {message:?}",
        site.message
    );
}

// ---------------------------------------------------------------------------------------------------
// Element reads out of bounds.

#[differentiable]
fn read_past_end(x: &Array1<f64>, i: usize) -> f64 {
    let a = x[0] * 2.0;
    a + x[i] // @read_past_end
}

fn element_read_out_of_bounds() {
    let x = array![1.0, 2.0, 3.0];
    let msg = "out of bounds";
    assert_panics_at("read_past_end", msg, || read_past_end_grad(&x, 3));
    assert_panics_at("read_past_end", msg, || read_past_end_value_and_grad(&x, 3));
    assert_panics_at("read_past_end", msg, || read_past_end_vjp(&x, 7).0);
    // In bounds, the same function works.
    assert_eq!(read_past_end_grad(&x, 2), array![2.0, 0.0, 1.0]);
}

#[differentiable]
fn read_past_end_2d(x: &Array2<f64>, i: usize) -> f64 {
    let a = x.sum();
    a * x[[i, 0]] // @read_past_end_2d
}

fn element_read_out_of_bounds_2d() {
    let x = array![[1.0, 2.0], [3.0, 4.0]];
    let msg = "out of bounds";
    assert_panics_at("read_past_end_2d", msg, || read_past_end_2d_grad(&x, 2));
    assert_panics_at("read_past_end_2d", msg, || {
        read_past_end_2d_value_and_grad(&x, 2)
    });
    assert_panics_at("read_past_end_2d", msg, || read_past_end_2d_vjp(&x, 2).0);
}

#[differentiable]
fn read_vec_in_loop(v: &Vec<f64>, n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        s += v[i] * v[i]; // @read_vec_in_loop
    }
    s
}

#[differentiable]
fn read_slice(v: &[f64], i: usize) -> f64 {
    v[i].sin() // @read_slice
}

#[differentiable]
fn read_fixed(v: [f64; 2], i: usize) -> f64 {
    v[0] * v[i] // @read_fixed
}

fn element_read_out_of_bounds_vec_slice_fixed() {
    let v = vec![1.0, 2.0];
    let msg = "out of bounds";
    assert_panics_at("read_vec_in_loop", msg, || read_vec_in_loop_grad(&v, 3));
    assert_panics_at("read_vec_in_loop", msg, || {
        read_vec_in_loop_value_and_grad(&v, 3)
    });
    assert_panics_at("read_vec_in_loop", msg, || read_vec_in_loop_vjp(&v, 3).0);
    assert_panics_at("read_slice", msg, || read_slice_grad(&v, 2));
    assert_panics_at("read_slice", msg, || read_slice_value_and_grad(&v, 2));
    assert_panics_at("read_slice", msg, || read_slice_vjp(&v, 2).0);
    assert_panics_at("read_fixed", msg, || read_fixed_grad([1.0, 2.0], 2));
    assert_panics_at("read_fixed", msg, || {
        read_fixed_value_and_grad([1.0, 2.0], 2)
    });
    assert_panics_at("read_fixed", msg, || read_fixed_vjp([1.0, 2.0], 2).0);
}

// Forward mode: one scalar parameter, every value a scalar (the generated code carries tangents).
#[differentiable]
fn forward_mode_read(x: f64, c: &[f64], i: usize) -> f64 {
    x * c[i] // @forward_mode_read
}

fn element_read_out_of_bounds_forward_mode() {
    let c = [1.0, 2.0];
    let msg = "out of bounds";
    assert_panics_at("forward_mode_read", msg, || {
        forward_mode_read_grad(2.0, &c, 2)
    });
    assert_panics_at("forward_mode_read", msg, || {
        forward_mode_read_value_and_grad(2.0, &c, 2)
    });
    assert_panics_at("forward_mode_read", msg, || {
        forward_mode_read_vjp(2.0, &c, 2).0
    });
}

// ---------------------------------------------------------------------------------------------------
// Element writes out of bounds.

#[differentiable]
fn write_past_end(x: &Array1<f64>, i: usize) -> f64 {
    let mut y = Array1::zeros(2);
    y[0] = x[0];
    y[i] = x[1] * 3.0; // @write_past_end
    y.sum()
}

#[differentiable]
fn add_past_end(x: &Array1<f64>, n: usize) -> f64 {
    let mut y = Array1::zeros(2);
    for i in 0..n {
        y[i] += x[i]; // @add_past_end
    }
    y.sum()
}

fn element_write_out_of_bounds() {
    let x = array![1.0, 2.0, 3.0];
    let msg = "out of bounds";
    assert_panics_at("write_past_end", msg, || write_past_end_grad(&x, 2));
    assert_panics_at("write_past_end", msg, || {
        write_past_end_value_and_grad(&x, 2)
    });
    assert_panics_at("write_past_end", msg, || write_past_end_vjp(&x, 2).0);
    assert_panics_at("add_past_end", msg, || add_past_end_grad(&x, 3));
    assert_panics_at("add_past_end", msg, || add_past_end_value_and_grad(&x, 3));
    assert_panics_at("add_past_end", msg, || add_past_end_vjp(&x, 3).0);
}

// ---------------------------------------------------------------------------------------------------
// Shapes that do not broadcast, dot products of mismatched shapes.

#[differentiable(argnums = (0, 1))]
fn add_mismatched(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    let c = a * 2.0;
    (c + b).sum() // @add_mismatched
}

#[differentiable(argnums = (0, 1))]
fn mul_mismatched_2d(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let p = a * b; // @mul_mismatched_2d
    p.sum()
}

fn broadcasting_mismatch() {
    let a = array![1.0, 2.0, 3.0];
    let b = array![1.0, 2.0, 3.0, 4.0];
    let msg = "cannot be broadcast together";
    assert_panics_at("add_mismatched", msg, || add_mismatched_grad(&a, &b));
    assert_panics_at("add_mismatched", msg, || {
        add_mismatched_value_and_grad(&a, &b)
    });
    assert_panics_at("add_mismatched", msg, || add_mismatched_vjp(&a, &b).0);
    let a2 = Array2::<f64>::ones((2, 3));
    let b2 = Array2::<f64>::ones((3, 2));
    assert_panics_at("mul_mismatched_2d", msg, || {
        mul_mismatched_2d_grad(&a2, &b2)
    });
    assert_panics_at("mul_mismatched_2d", msg, || {
        mul_mismatched_2d_value_and_grad(&a2, &b2)
    });
    assert_panics_at("mul_mismatched_2d", msg, || {
        mul_mismatched_2d_vjp(&a2, &b2).0
    });
}

#[differentiable(argnums = (0, 1))]
fn dot_mismatched(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    a.dot(b) * 2.0 // @dot_mismatched
}

#[differentiable(argnums = (0, 1))]
fn matvec_mismatched(w: &Array2<f64>, x: &Array1<f64>) -> f64 {
    let h = w.dot(x); // @matvec_mismatched
    h.sum()
}

fn dot_shape_mismatch() {
    let a = array![1.0, 2.0, 3.0];
    let b = array![1.0, 2.0, 3.0, 4.0];
    assert_panics_at("dot_mismatched", "", || dot_mismatched_grad(&a, &b));
    assert_panics_at("dot_mismatched", "", || {
        dot_mismatched_value_and_grad(&a, &b)
    });
    assert_panics_at("dot_mismatched", "", || dot_mismatched_vjp(&a, &b).0);
    let w = Array2::<f64>::ones((2, 4));
    assert_panics_at("matvec_mismatched", "", || matvec_mismatched_grad(&w, &a));
    assert_panics_at("matvec_mismatched", "", || {
        matvec_mismatched_value_and_grad(&w, &a)
    });
    assert_panics_at("matvec_mismatched", "", || matvec_mismatched_vjp(&w, &a).0);
}

// ---------------------------------------------------------------------------------------------------
// Reductions of empty arrays, slices, axes and shapes out of range.

#[differentiable]
fn mean_of_empty(x: &Array1<f64>) -> f64 {
    let m = x.mean().unwrap(); // @mean_of_empty
    m * m
}

#[differentiable]
fn mean_axis_of_empty(x: &Array2<f64>) -> f64 {
    x.mean_axis(Axis(1)).unwrap().sum() // @mean_axis_of_empty
}

fn mean_of_an_empty_array() {
    let x = Array1::<f64>::zeros(0);
    let msg = "empty";
    assert_panics_at("mean_of_empty", msg, || mean_of_empty_grad(&x));
    assert_panics_at("mean_of_empty", msg, || mean_of_empty_value_and_grad(&x));
    assert_panics_at("mean_of_empty", msg, || mean_of_empty_vjp(&x).0);
    let x2 = Array2::<f64>::zeros((3, 0));
    assert_panics_at("mean_axis_of_empty", msg, || mean_axis_of_empty_grad(&x2));
    assert_panics_at("mean_axis_of_empty", msg, || {
        mean_axis_of_empty_value_and_grad(&x2)
    });
    assert_panics_at("mean_axis_of_empty", msg, || mean_axis_of_empty_vjp(&x2).0);
}

#[differentiable]
fn slice_out_of_range(x: &Array1<f64>) -> f64 {
    let head = x.slice(s![1..5]); // @slice_out_of_range
    head.sum()
}

// Two slices read in place by one fused kernel: the bad one is reported at its own line.
#[differentiable]
fn kernel_slice_out_of_range(x: &Array1<f64>) -> f64 {
    let a = x.slice(s![..2]);
    let b = x.slice(s![1..4]); // @kernel_slice_out_of_range
    (&a * &b).powi(2).sum()
}

#[differentiable]
fn sum_axis_out_of_range(x: &Array2<f64>) -> f64 {
    x.sum_axis(Axis(2)).sum() // @sum_axis_out_of_range
}

#[differentiable]
fn index_axis_out_of_range(x: &Array2<f64>, i: usize) -> f64 {
    let row = x.index_axis(Axis(0), i); // @index_axis_out_of_range
    row.sum()
}

fn slices_and_axes_out_of_range() {
    let x = array![1.0, 2.0, 3.0];
    assert_panics_at("slice_out_of_range", "", || slice_out_of_range_grad(&x));
    assert_panics_at("slice_out_of_range", "", || {
        slice_out_of_range_value_and_grad(&x)
    });
    assert_panics_at("slice_out_of_range", "", || slice_out_of_range_vjp(&x).0);
    let msg = "slice end 4 is past the end of axis 0 of length 3";
    assert_panics_at("kernel_slice_out_of_range", msg, || {
        kernel_slice_out_of_range_grad(&x)
    });
    assert_panics_at("kernel_slice_out_of_range", msg, || {
        kernel_slice_out_of_range_value_and_grad(&x)
    });
    assert_panics_at("kernel_slice_out_of_range", msg, || {
        kernel_slice_out_of_range_vjp(&x).0
    });
    let m = array![[1.0, 2.0], [3.0, 4.0]];
    assert_panics_at("sum_axis_out_of_range", "", || {
        sum_axis_out_of_range_grad(&m)
    });
    assert_panics_at("sum_axis_out_of_range", "", || {
        sum_axis_out_of_range_value_and_grad(&m)
    });
    assert_panics_at("sum_axis_out_of_range", "", || {
        sum_axis_out_of_range_vjp(&m).0
    });
    assert_panics_at("index_axis_out_of_range", "", || {
        index_axis_out_of_range_grad(&m, 2)
    });
    assert_panics_at("index_axis_out_of_range", "", || {
        index_axis_out_of_range_value_and_grad(&m, 2)
    });
    assert_panics_at("index_axis_out_of_range", "", || {
        index_axis_out_of_range_vjp(&m, 2).0
    });
}

#[differentiable]
fn broadcast_incompatible(x: &Array1<f64>) -> f64 {
    let b = x.broadcast((2, 4)).unwrap(); // @broadcast_incompatible
    b.sum()
}

#[differentiable]
fn reshape_wrong_size(x: &Array1<f64>) -> f64 {
    let m = x.to_shape((2, 2)).unwrap(); // @reshape_wrong_size
    m.sum()
}

#[differentiable(argnums = (0, 1))]
fn concatenate_mismatched(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let c = concatenate![Axis(0), *a, *b]; // @concatenate_mismatched
    c.sum()
}

#[differentiable(argnums = (0, 1))]
fn stack_mismatched(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    let c = stack![Axis(0), *a, *b]; // @stack_mismatched
    c.sum()
}

fn shape_operations_that_fail() {
    let x = array![1.0, 2.0, 3.0];
    let msg = "cannot broadcast";
    assert_panics_at("broadcast_incompatible", msg, || {
        broadcast_incompatible_grad(&x)
    });
    assert_panics_at("broadcast_incompatible", msg, || {
        broadcast_incompatible_value_and_grad(&x)
    });
    assert_panics_at("broadcast_incompatible", msg, || {
        broadcast_incompatible_vjp(&x).0
    });
    assert_panics_at("reshape_wrong_size", "", || reshape_wrong_size_grad(&x));
    assert_panics_at("reshape_wrong_size", "", || {
        reshape_wrong_size_value_and_grad(&x)
    });
    assert_panics_at("reshape_wrong_size", "", || reshape_wrong_size_vjp(&x).0);
}

fn concatenate_and_stack_mismatched() {
    let x = array![1.0, 2.0, 3.0];
    let a = Array2::<f64>::ones((2, 3));
    let b = Array2::<f64>::ones((2, 2));
    assert_panics_at("concatenate_mismatched", "", || {
        concatenate_mismatched_grad(&a, &b)
    });
    assert_panics_at("concatenate_mismatched", "", || {
        concatenate_mismatched_value_and_grad(&a, &b)
    });
    assert_panics_at("concatenate_mismatched", "", || {
        concatenate_mismatched_vjp(&a, &b).0
    });
    let y = array![1.0, 2.0];
    assert_panics_at("stack_mismatched", "", || stack_mismatched_grad(&x, &y));
    assert_panics_at("stack_mismatched", "", || {
        stack_mismatched_value_and_grad(&x, &y)
    });
    assert_panics_at("stack_mismatched", "", || stack_mismatched_vjp(&x, &y).0);
}

#[differentiable]
fn clamp_inverted(x: f64, lo: f64) -> f64 {
    x.clamp(lo, 1.0) * 2.0 // @clamp_inverted
}

fn clamp_with_inverted_bounds() {
    let msg = "min must be less than or equal to max";
    assert_panics_at("clamp_inverted", msg, || clamp_inverted_grad(0.5, 2.0));
    assert_panics_at("clamp_inverted", msg, || {
        clamp_inverted_value_and_grad(0.5, 2.0)
    });
    assert_panics_at("clamp_inverted", msg, || clamp_inverted_vjp(0.5, 2.0).0);
}

// A closure given to `mapv` reads a captured array out of bounds.
#[differentiable(argnums = (0, 1))]
fn mapv_reads_past_end(x: &Array1<f64>, w: &Array1<f64>, i: usize) -> f64 {
    x.mapv(|v| v * w[i]).sum() // @mapv_reads_past_end
}

fn mapv_closure_reads_out_of_bounds() {
    let x = array![1.0, 2.0];
    let msg = "out of bounds";
    assert_panics_at("mapv_reads_past_end", msg, || {
        mapv_reads_past_end_grad(&x, &x, 2)
    });
    assert_panics_at("mapv_reads_past_end", msg, || {
        mapv_reads_past_end_value_and_grad(&x, &x, 2)
    });
    assert_panics_at("mapv_reads_past_end", msg, || {
        mapv_reads_past_end_vjp(&x, &x, 2).0
    });
}

// ---------------------------------------------------------------------------------------------------
// Reverse sweeps: a pullback seeded with the wrong shape, and a custom rule that returns a gradient of
// the wrong shape. The failing rule is the reverse of the marked expression.

#[differentiable(vjp)]
fn layer(w: &Array2<f64>, x: &Array1<f64>) -> Array1<f64> {
    let h = w.dot(x);
    h.tanh() // @layer_tanh
}

#[differentiable(vjp)]
fn shifted(x: &Array1<f64>, b: &Array1<f64>) -> Array1<f64> {
    x * 2.0 + b // @shifted_add
}

fn pullback_seeded_with_the_wrong_shape() {
    let w = Array2::<f64>::ones((2, 3));
    let x = array![1.0, 2.0, 3.0];
    let (y, pullback) = layer_vjp(&w, &x);
    assert_eq!(y.len(), 2);
    assert_panics_at("layer_tanh", "", || pullback(array![1.0, 1.0, 1.0]));
    let (_, pullback) = shifted_vjp(&x, &x);
    assert_panics_at("shifted_add", "", || pullback(array![1.0, 1.0]));
}

/// The sum of `x`, with a (wrong) custom rule whose gradient has one element too many.
fn bad_rule(x: &Array1<f64>) -> f64 {
    x.sum()
}

fn bad_rule_vjp(x: &Array1<f64>) -> (f64, impl FnOnce(f64) -> (Array1<f64>,)) {
    let n = x.len();
    (x.sum(), move |g| (Array1::from_elem(n + 1, g),))
}

#[differentiable]
fn calls_bad_rule(x: &Array1<f64>) -> f64 {
    let y = x * 2.0;
    bad_rule(&y) + y[0] // @calls_bad_rule_input
}

fn custom_rule_with_a_gradient_of_the_wrong_shape() {
    let x = array![1.0, 2.0, 3.0];
    assert_panics_at("calls_bad_rule_input", "", || calls_bad_rule_grad(&x));
    assert_panics_at("calls_bad_rule_input", "", || {
        calls_bad_rule_value_and_grad(&x)
    });
    let (_, pullback) = calls_bad_rule_vjp(&x);
    assert_panics_at("calls_bad_rule_input", "", || pullback(1.0));
}

// ---------------------------------------------------------------------------------------------------
// Each group of cases, at the offending line.

#[test]
fn read_at_its_line() {
    element_read_out_of_bounds();
}

#[test]
fn read_2d_at_its_line() {
    element_read_out_of_bounds_2d();
}

#[test]
fn read_vec_at_its_line() {
    element_read_out_of_bounds_vec_slice_fixed();
}

#[test]
fn read_fwd_at_its_line() {
    element_read_out_of_bounds_forward_mode();
}

#[test]
fn write_at_its_line() {
    element_write_out_of_bounds();
}

#[test]
fn broadcast_at_its_line() {
    broadcasting_mismatch();
}

#[test]
fn dot_at_its_line() {
    dot_shape_mismatch();
}

#[test]
fn mean_at_its_line() {
    mean_of_an_empty_array();
}

#[test]
fn slice_at_its_line() {
    slices_and_axes_out_of_range();
}

#[test]
fn shape_at_its_line() {
    shape_operations_that_fail();
}

#[test]
fn join_at_its_line() {
    concatenate_and_stack_mismatched();
}

#[test]
fn clamp_at_its_line() {
    clamp_with_inverted_bounds();
}

#[test]
fn mapv_at_its_line() {
    mapv_closure_reads_out_of_bounds();
}

#[test]
fn seed_at_its_line() {
    pullback_seeded_with_the_wrong_shape();
}

#[test]
fn rule_at_its_line() {
    custom_rule_with_a_gradient_of_the_wrong_shape();
}
