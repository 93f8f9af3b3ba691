//! The seed walkthrough (`jax.grad` of a sum of squares and of a sum of squared errors), in f32 exactly
//! and in f64 against the JAX reference values of `jax-reference.json` (`seed_examples`).
mod common;

use autodiff::ndarray::{array, Array1};
use autodiff::prelude::*;
use common::{assert_array_close, assert_rel, num, vec1};

// ---------------------------------------------------------------------------------------------
// f32
// ---------------------------------------------------------------------------------------------

#[differentiable]
fn sum_of_squares(x: &Array1<f32>) -> f32 {
    (x * x).sum()
}

#[differentiable]
fn sse_x(x: &Array1<f32>, y: &Array1<f32>) -> f32 {
    let d = x - y;
    (&d * &d).sum()
}

#[differentiable(argnums = 0)]
fn sse_a0(x: &Array1<f32>, y: &Array1<f32>) -> f32 {
    let d = x - y;
    (&d * &d).sum()
}

#[differentiable(argnums = 1)]
fn sse_a1(x: &Array1<f32>, y: &Array1<f32>) -> f32 {
    let d = x - y;
    (&d * &d).sum()
}

#[differentiable(argnums = (0, 1))]
fn sse_a01(x: &Array1<f32>, y: &Array1<f32>) -> f32 {
    let d = x - y;
    (&d * &d).sum()
}

#[differentiable(argnums = (1, 0))]
fn sse_a10(x: &Array1<f32>, y: &Array1<f32>) -> f32 {
    let d = x - y;
    (&d * &d).sum()
}

#[differentiable(wrt = (x, y))]
fn sse_wrt(x: &Array1<f32>, y: &Array1<f32>) -> f32 {
    let d = x - y;
    (&d * &d).sum()
}

#[differentiable(wrt = (y, x))]
fn sse_wrt_yx(x: &Array1<f32>, y: &Array1<f32>) -> f32 {
    let d = x - y;
    (&d * &d).sum()
}

#[differentiable(wrt = y)]
fn sse_wrt_y(x: &Array1<f32>, y: &Array1<f32>) -> f32 {
    let d = x - y;
    (&d * &d).sum()
}

/// The same loss written with `powi` instead of a product.
#[differentiable(argnums = (0, 1))]
fn sse_powi(x: &Array1<f32>, y: &Array1<f32>) -> f32 {
    (x - y).powi(2).sum()
}

fn xy32() -> (Array1<f32>, Array1<f32>) {
    (array![1.0f32, 2.0, 3.0, 4.0], array![1.1f32, 2.1, 3.1, 4.1])
}

fn gx32() -> Array1<f32> {
    array![-0.20000005f32, -0.19999981, -0.19999981, -0.19999981]
}

#[test]
fn f32_sum_of_squares_grad_is_exact() {
    let x = array![1.0f32, 2.0, 3.0, 4.0];
    assert_eq!(sum_of_squares_grad(&x), array![2.0f32, 4.0, 6.0, 8.0]);
    assert_eq!(sum_of_squares_grad_0(&x), array![2.0f32, 4.0, 6.0, 8.0]);
    let (v, g) = sum_of_squares_value_and_grad(&x);
    assert_eq!(v, 30.0f32);
    assert_eq!(g, array![2.0f32, 4.0, 6.0, 8.0]);
    // The f32 JAX reference agrees bit for bit.
    assert_eq!(v as f64, num("seed_examples/W1_seed_float32/value"));
    assert_eq!(
        g.mapv(|v| v as f64),
        vec1("seed_examples/W1_seed_float32/grad/x")
    );
}

#[test]
fn f32_sse_default_argnums_is_x() {
    let (x, y) = xy32();
    assert_eq!(sse_x_grad(&x, &y), gx32());
    assert_eq!(sse_x_grad_0(&x, &y), gx32());
}

#[test]
fn f32_sse_grad_is_exact() {
    let (x, y) = xy32();
    assert_eq!(sse_a0_grad(&x, &y), gx32());
    assert_eq!(sse_a0_grad_0(&x, &y), gx32());
    assert_eq!(sse_a1_grad(&x, &y), -gx32());
    assert_eq!(sse_a1_grad_1(&x, &y), -gx32());
    let (gx, gy) = sse_a01_grad(&x, &y);
    assert_eq!(gx, gx32());
    assert_eq!(gy, -gx32());
    // The per-parameter and the tuple-named functions agree with the tuple gradient.
    assert_eq!(sse_a01_grad_0(&x, &y), gx32());
    assert_eq!(sse_a01_grad_1(&x, &y), -gx32());
    let (gx2, gy2) = sse_a01_grad_0_1(&x, &y);
    assert_eq!((gx2, gy2), (gx32(), -gx32()));
}

#[test]
fn f32_sse_matches_jax_float32_bits() {
    let (x, y) = xy32();
    // The f32 literals round to the same float32 values as JAX's inputs.
    assert_eq!(
        x.mapv(|v| v as f64),
        vec1("seed_examples/W2_seed_float32/x")
    );
    assert_eq!(
        y.mapv(|v| v as f64),
        vec1("seed_examples/W2_seed_float32/y")
    );
    let (gx, gy) = sse_a01_grad(&x, &y);
    assert_eq!(
        gx.mapv(|v| v as f64),
        vec1("seed_examples/W2_seed_float32/grad/x")
    );
    assert_eq!(
        gy.mapv(|v| v as f64),
        vec1("seed_examples/W2_seed_float32/grad/y")
    );
    let (v, _) = sse_a01_value_and_grad(&x, &y);
    // f32 sum of four squares: JAX may add in another order; allow a few f32 ulps.
    assert_rel(
        v as f64,
        num("seed_examples/W2_seed_float32/value"),
        4.0 * f32::EPSILON as f64,
        "f32 sse value",
    );
}

#[test]
fn f32_argnums_reversed_order() {
    let (x, y) = xy32();
    let (gy, gx) = sse_a10_grad(&x, &y);
    assert_eq!(gx, gx32());
    assert_eq!(gy, -gx32());
    let (gy2, gx2) = sse_a10_grad_1_0(&x, &y);
    assert_eq!((gy2, gx2), (-gx32(), gx32()));
}

#[test]
fn f32_wrt_agrees_with_argnums() {
    let (x, y) = xy32();
    let (gx, gy) = sse_wrt_grad(&x, &y);
    assert_eq!(gx, gx32());
    assert_eq!(gy, -gx32());
    assert_eq!(sse_wrt_grad_0_1(&x, &y), (gx32(), -gx32()));
    let (gy, gx) = sse_wrt_yx_grad(&x, &y);
    assert_eq!(gx, gx32());
    assert_eq!(gy, -gx32());
    assert_eq!(sse_wrt_yx_grad_1_0(&x, &y), (-gx32(), gx32()));
    assert_eq!(sse_wrt_y_grad(&x, &y), -gx32());
    assert_eq!(sse_wrt_y_grad_1(&x, &y), -gx32());
}

#[test]
fn f32_powi_form_agrees() {
    let (x, y) = xy32();
    let (gx, gy) = sse_powi_grad(&x, &y);
    assert_eq!(gx, gx32());
    assert_eq!(gy, -gx32());
}

#[test]
fn f32_value_and_grad() {
    let (x, y) = xy32();
    let (v, (gx, gy)) = sse_a01_value_and_grad(&x, &y);
    assert_eq!(v, sse_a01(&x, &y));
    assert_eq!(v, 0.039999947f32);
    assert_eq!(gx, gx32());
    assert_eq!(gy, -gx32());
    let (v0, g0) = sse_a0_value_and_grad(&x, &y);
    assert_eq!(v0, v);
    assert_eq!(g0, gx32());
}

#[test]
fn f32_vjp_pullback_and_linearity() {
    let (x, y) = xy32();
    let (v, pullback) = sse_a01_vjp(&x, &y);
    assert_eq!(v, sse_a01(&x, &y));
    let (px, py) = pullback(1.0);
    assert_eq!(px, gx32());
    assert_eq!(py, -gx32());
    let (v2, pullback2) = sse_a01_vjp(&x, &y);
    assert_eq!(v2, v);
    let (qx, qy) = pullback2(2.0);
    // Multiplying by 2 is exact in binary floating point.
    assert_eq!(qx, &gx32() * 2.0);
    assert_eq!(qy, &gx32() * -2.0);
    // The pullback returns one tangent per differentiable parameter, whatever argnums says.
    let (_, pb) = sse_a0_vjp(&x, &y);
    let (px, py) = pb(1.0);
    assert_eq!(px, gx32());
    assert_eq!(py, -gx32());
    // A 1-tuple where there is one differentiable parameter.
    let (_, pb) = sum_of_squares_vjp(&x);
    let (p,) = pb(0.5);
    assert_eq!(p, x.clone());
}

// ---------------------------------------------------------------------------------------------
// f64, against JAX
// ---------------------------------------------------------------------------------------------

#[differentiable]
fn sum_of_squares64(x: &Array1<f64>) -> f64 {
    (x * x).sum()
}

#[differentiable(argnums = (0, 1))]
fn sse64(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let d = x - y;
    (&d * &d).sum()
}

#[differentiable(wrt = (x, y))]
fn sse64_wrt(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    (x - y).powi(2).sum()
}

#[test]
fn f64_sum_of_squares_matches_jax() {
    let x = vec1("seed_examples/W1_seed_float64/x");
    let (v, g) = sum_of_squares64_value_and_grad(&x);
    assert_rel(
        v,
        num("seed_examples/W1_seed_float64/value"),
        1e-12,
        "W1 seed value",
    );
    assert_array_close(
        &g,
        &vec1("seed_examples/W1_seed_float64/grad/x"),
        1e-12,
        "W1 seed grad",
    );
    assert_eq!(sum_of_squares64_grad(&x), g);
}

#[test]
fn f64_sse_matches_jax() {
    let x = vec1("seed_examples/W2_seed_float64/x");
    let y = vec1("seed_examples/W2_seed_float64/y");
    assert_eq!(x, array![1.0, 2.0, 3.0, 4.0]);
    assert_eq!(y, array![1.1, 2.1, 3.1, 4.1]);
    let jx = vec1("seed_examples/W2_seed_float64/grad/x");
    let jy = vec1("seed_examples/W2_seed_float64/grad/y");
    let jv = num("seed_examples/W2_seed_float64/value");

    let (v, (gx, gy)) = sse64_value_and_grad(&x, &y);
    // The value is a sum of four ~0.01 terms; relative 1e-12 is tight but achievable.
    assert_rel(v, jv, 1e-12, "W2 seed value");
    assert_array_close(&gx, &jx, 1e-12, "W2 seed grad x");
    assert_array_close(&gy, &jy, 1e-12, "W2 seed grad y");

    let (gx2, gy2) = sse64_grad(&x, &y);
    assert_eq!((&gx2, &gy2), (&gx, &gy));
    assert_eq!(sse64_grad_0(&x, &y), gx);
    assert_eq!(sse64_grad_1(&x, &y), gy);

    let (wx, wy) = sse64_wrt_grad(&x, &y);
    assert_array_close(&wx, &jx, 1e-12, "W2 seed grad x (wrt, powi)");
    assert_array_close(&wy, &jy, 1e-12, "W2 seed grad y (wrt, powi)");
}

#[test]
fn f64_vjp_linearity() {
    let x = array![1.0, 2.0, 3.0, 4.0];
    let y = array![1.1, 2.1, 3.1, 4.1];
    let (gx, gy) = sse64_grad(&x, &y);
    let (v, pb1) = sse64_vjp(&x, &y);
    assert_eq!(v, sse64(&x, &y));
    let (p1x, p1y) = pb1(1.0);
    assert_eq!((&p1x, &p1y), (&gx, &gy));
    let (_, pb2) = sse64_vjp(&x, &y);
    let (p2x, p2y) = pb2(2.0);
    assert_eq!(p2x, &gx * 2.0);
    assert_eq!(p2y, &gy * 2.0);
    let (_, pb3) = sse64_vjp(&x, &y);
    let (p3x, p3y) = pb3(-0.3);
    assert_array_close(&p3x, &(&gx * -0.3), 1e-15, "pullback(-0.3) x");
    assert_array_close(&p3y, &(&gy * -0.3), 1e-15, "pullback(-0.3) y");
}
