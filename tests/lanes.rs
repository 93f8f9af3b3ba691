//! Index loops run in lanes by `f_value_and_grad` (and `f_grad`): the same bits as the loop run as
//! written, which the generated code falls back to for arrays that are not one contiguous slice, so a
//! strided copy of the input is the reference; gradients against central finite differences; reads out
//! of bounds still panic at the user's index.
#![deny(warnings)]

use autodiff::ndarray::{s, Array1, Array2, ShapeBuilder};
use autodiff::prelude::*;

/// W5 as an index loop: reads at offsets 0 and 1, one gradient window of span 1.
#[differentiable]
fn rosenbrock_loop(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

/// Offsets -1, 0 and 1 (span 2), a loop that starts at 1, a named constant, subtraction.
#[differentiable]
fn stencil(x: &Array1<f64>) -> f64 {
    let k = 0.5;
    let mut s = 0.0;
    for i in 1..x.len() - 1 {
        s -= x[i - 1] * x[i + 1] - k * x[i] * x[i].sin();
    }
    s
}

/// Two arrays at different offsets, unary functions, a cast of the index.
#[differentiable(argnums = (0, 1))]
fn two_arrays(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += (x[i] - y[i + 2]).powi(2) + x[i].tanh() * y[i] * (i as f64);
    }
    s
}

/// A scalar parameter read in the loop: its gradient is added in iteration order.
#[differentiable(argnums = (0, 1))]
fn centred(x: &Array1<f64>, a: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += (x[i] - a).powi(2) * a;
    }
    s
}

/// A scalar parameter taken by reference and added as a term by itself.
#[differentiable(argnums = (0, 1))]
fn shifted(x: &Array1<f64>, a: &f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i];
        s += a;
    }
    s
}

#[differentiable(argnums = (0, 1))]
fn shifted_once(x: &Array1<f64>, a: &f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i] * a;
    }
    s
}

/// Generic over the float type.
#[differentiable]
fn rosenbrock_generic<F: Real>(x: &Array1<F>) -> F {
    let mut s = F::zero();
    for i in 0..x.len() - 1 {
        s += (x[i + 1] - x[i] * x[i]).powi(2) * F::from(100.0).unwrap() + (F::one() - x[i]).powi(2);
    }
    s
}

/// Reads one element past the end on the last iteration.
#[differentiable]
fn past_the_end(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i + 1];
    }
    s
}

/// Iterator loops: `iter`, `zip`, `map(..).sum()`, `enumerate` (a counter bound per lane).
#[differentiable(argnums = (0, 1))]
fn iterators(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (a, b) in x.iter().zip(y.iter()) {
        s += (a - b).powi(2) * a.cos();
    }
    for (i, v) in x.iter().enumerate() {
        s += v * (i as f64);
    }
    s + x.iter().map(|v| v.sin() * v).sum::<f64>()
}

/// The first loop alone, returned (its reverse runs inside it).
#[differentiable(argnums = (0, 1))]
fn zipped(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (a, b) in x.iter().zip(y.iter()) {
        s += (a - b).powi(2) * a.cos();
    }
    s
}

/// An enumerate loop whose counter is a term of the sum by itself.
#[differentiable]
fn counted(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        s += v * v;
        s += i as f64;
    }
    s
}

/// An enumerate loop over a slice.
#[differentiable]
fn weighted(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        s += v * v * (i as f64 + 1.0);
    }
    s
}

/// The elements of a matrix in iteration order (row-major).
#[differentiable]
fn matrix_elements(m: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for v in m.iter() {
        s += v.exp() * v;
    }
    s
}

/// Test inputs of length `n`: irregular values in about [-1.5, 1.5].
fn input(n: usize, seed: f64) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| ((i as f64 + seed) * 0.731).sin() * 1.5)
}

/// The same values as `a`, every second element of a longer array: not one contiguous slice, so the
/// generated loop runs as written.
fn strided(a: &Array1<f64>) -> Array1<f64> {
    let mut wide = Array1::zeros(2 * a.len());
    wide.slice_mut(s![..;2]).assign(a);
    let out = wide.slice_move(s![..;2]);
    assert!(out.as_slice().is_none() || a.len() <= 1);
    out
}

fn bits(a: &Array1<f64>) -> Vec<u64> {
    a.iter().map(|v| v.to_bits()).collect()
}

/// Lengths around the chunk width (one chunk, a chunk and a tail, several chunks) and a long one.
const LENGTHS: [usize; 12] = [3, 4, 7, 8, 9, 15, 16, 17, 18, 33, 100, 1001];

#[test]
fn lanes_give_the_bits_of_the_loop_as_written() {
    for n in LENGTHS {
        let x = input(n, 0.3);
        let (v, g) = rosenbrock_loop_value_and_grad(&x);
        let (vs, gs) = rosenbrock_loop_value_and_grad(&strided(&x));
        assert_eq!(v.to_bits(), vs.to_bits(), "rosenbrock value, n = {n}");
        assert_eq!(bits(&g), bits(&gs), "rosenbrock gradient, n = {n}");
        assert_eq!(bits(&rosenbrock_loop_grad(&x)), bits(&g), "f_grad, n = {n}");
        assert_eq!(
            v.to_bits(),
            rosenbrock_loop(&x).to_bits(),
            "the primal's value"
        );

        let (v, g) = stencil_value_and_grad(&x);
        let (vs, gs) = stencil_value_and_grad(&strided(&x));
        assert_eq!(v.to_bits(), vs.to_bits(), "stencil value, n = {n}");
        assert_eq!(bits(&g), bits(&gs), "stencil gradient, n = {n}");
        assert_eq!(v.to_bits(), stencil(&x).to_bits(), "the primal's value");

        let (v, (gx, ga)) = centred_value_and_grad(&x, 0.4);
        let (vs, (gxs, gas)) = centred_value_and_grad(&strided(&x), 0.4);
        assert_eq!(v.to_bits(), vs.to_bits(), "centred value, n = {n}");
        assert_eq!(bits(&gx), bits(&gxs), "centred x gradient, n = {n}");
        assert_eq!(ga.to_bits(), gas.to_bits(), "centred a gradient, n = {n}");

        let (v, (gx, ga)) = shifted_once_value_and_grad(&x, &0.3);
        let (vs, (gxs, gas)) = shifted_once_value_and_grad(&strided(&x), &0.3);
        assert_eq!(v.to_bits(), vs.to_bits(), "shifted value, n = {n}");
        assert_eq!(bits(&gx), bits(&gxs), "shifted x gradient, n = {n}");
        assert_eq!(ga.to_bits(), gas.to_bits(), "shifted a gradient, n = {n}");
        let (v, (gx, ga)) = shifted_value_and_grad(&x, &0.3);
        assert_eq!(v.to_bits(), shifted(&x, &0.3).to_bits());
        assert_eq!(ga, n as f64);
        assert_eq!(bits(&gx), bits(&(&x * 2.0)));

        let y = input(n + 2, 1.7);
        let (v, (gx, gy)) = two_arrays_value_and_grad(&x, &y);
        let (vs, (gxs, gys)) = two_arrays_value_and_grad(&strided(&x), &strided(&y));
        assert_eq!(v.to_bits(), vs.to_bits(), "two arrays value, n = {n}");
        assert_eq!(bits(&gx), bits(&gxs), "two arrays x gradient, n = {n}");
        assert_eq!(bits(&gy), bits(&gys), "two arrays y gradient, n = {n}");
    }
}

#[test]
fn iterator_loops_in_lanes_give_the_bits_of_the_loop_as_written() {
    for n in LENGTHS {
        let (x, y) = (input(n, 0.2), input(n, 1.1));
        let (v, (gx, gy)) = zipped_value_and_grad(&x, &y);
        let (vs, (gxs, gys)) = zipped_value_and_grad(&strided(&x), &strided(&y));
        assert_eq!(v.to_bits(), vs.to_bits(), "zip value, n = {n}");
        assert_eq!(bits(&gx), bits(&gxs), "zip x gradient, n = {n}");
        assert_eq!(bits(&gy), bits(&gys), "zip y gradient, n = {n}");
        assert_eq!(v.to_bits(), zipped(&x, &y).to_bits(), "the primal's value");

        let (v, g) = counted_value_and_grad(&x);
        let (vs, gs) = counted_value_and_grad(&strided(&x));
        assert_eq!(v.to_bits(), vs.to_bits(), "counted value, n = {n}");
        assert_eq!(bits(&g), bits(&gs), "counted gradient, n = {n}");
        assert_eq!(v.to_bits(), counted(&x).to_bits(), "the primal's value");

        // A slice is always one slice: against the closed form.
        let xv = x.to_vec();
        let (v, g) = weighted_value_and_grad(&xv);
        let mut e = 0.0;
        for (i, v) in x.iter().enumerate() {
            e += v * v * (i as f64 + 1.0);
        }
        assert_eq!(v.to_bits(), e.to_bits(), "weighted value, n = {n}");
        for (i, gi) in g.iter().enumerate() {
            let e = 2.0 * x[i] * (i as f64 + 1.0);
            assert!(
                (gi - e).abs() <= 1e-15 * e.abs(),
                "weighted gradient {i}, n = {n}: {gi} != {e}"
            );
        }

        // Column-major storage is not one slice in iteration order: the loop as written.
        let m = Array2::from_shape_fn((3, n), |(i, j)| ((i * n + j) as f64 * 0.37).sin());
        let mf = Array2::from_shape_fn((3, n).f(), |(i, j)| m[[i, j]]);
        assert!(mf.as_slice().is_none());
        let (v, g) = matrix_elements_value_and_grad(&m);
        let (vf, gf) = matrix_elements_value_and_grad(&mf);
        assert_eq!(v.to_bits(), vf.to_bits(), "matrix value, n = {n}");
        assert_eq!(
            g.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            gf.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "matrix gradient, n = {n}"
        );
    }
}

#[test]
fn lanes_gradients_match_finite_differences_and_closed_forms() {
    for n in [3, 9, 17, 40] {
        let x = input(n, 0.9);
        check_grad(rosenbrock_loop, rosenbrock_loop_grad, &x).unwrap();
        check_grad(stencil, stencil_grad, &x).unwrap();
        let y = input(n + 2, 2.1);
        check_grad(|x| two_arrays(x, &y), |x| two_arrays_grad(x, &y).0, &x).unwrap();
        check_grad(|y| two_arrays(&x, y), |y| two_arrays_grad(&x, y).1, &y).unwrap();
        check_grad(|x| centred(x, 0.4), |x| centred_grad(x, 0.4).0, &x).unwrap();
        check_grad(|a| centred(&x, *a), |a| centred_grad(&x, *a).1, &0.4).unwrap();
        check_grad(|x| iterators(x, &y), |x| iterators_grad(x, &y).0, &x).unwrap();
        check_grad(|y| iterators(&x, y), |y| iterators_grad(&x, y).1, &y).unwrap();
        let m = Array2::from_shape_fn((2, n), |(i, j)| ((i + 2 * j) as f64 * 0.21).cos());
        check_grad(matrix_elements, matrix_elements_grad, &m).unwrap();
        // Rosenbrock's gradient in closed form.
        let g = rosenbrock_loop_grad(&x);
        for i in 0..n {
            let mut e = 0.0;
            if i + 1 < n {
                e += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
            }
            if i > 0 {
                e += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
            }
            assert!(
                (g[i] - e).abs() <= 1e-12 * (1.0 + e.abs()),
                "element {i}: {} != {e}",
                g[i]
            );
        }
    }
}

#[test]
fn lanes_in_a_generic_function_match_the_f64_loop() {
    let x = input(37, 0.1);
    let (v, g) = rosenbrock_generic_value_and_grad(&x);
    let (vs, gs) = rosenbrock_generic_value_and_grad(&strided(&x));
    assert_eq!(v.to_bits(), vs.to_bits());
    assert_eq!(bits(&g), bits(&gs));
    check_grad(
        rosenbrock_generic::<f64>,
        rosenbrock_generic_grad::<f64>,
        &x,
    )
    .unwrap();
    let x32 = x.mapv(|v| v as f32);
    let (v32, g32) = rosenbrock_generic_value_and_grad(&x32);
    assert!((v32 as f64 - v).abs() <= 1e-5 * v.abs());
    for (a, b) in g32.iter().zip(&g) {
        assert!(
            (*a as f64 - b).abs() <= 1e-4 * (1.0 + b.abs()),
            "{a} != {b}"
        );
    }
}

#[test]
fn a_read_out_of_bounds_panics_at_the_index_as_written() {
    let x = input(20, 0.5);
    let caught = std::panic::catch_unwind(|| past_the_end_value_and_grad(&x));
    let message = caught.expect_err("x[20] is out of bounds");
    let text = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(text.contains("index 20 is out of bounds"), "{text}");
}
