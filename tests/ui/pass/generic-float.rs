//! A function generic over its float type, its generated items used at `f32` and `f64`: compiles with
//! no warning.
#![deny(warnings)]

use autodiff::ndarray::{s, Array1};
use autodiff::prelude::*;

/// Rosenbrock, generic.
#[differentiable(argnums = (0, 1), jvp)]
pub fn rosen<F: Real>(x: &Array1<F>, scale: F) -> F {
    let a = x.slice(s![..-1]);
    let b = x.slice(s![1..]);
    let hundred = F::from(100.0).unwrap();
    ((&b - &a * &a).powi(2) * hundred + (&a - F::one()).powi(2)).sum() * scale
}

fn main() {
    let x = Array1::from_vec(vec![0.5f64, 1.5, -0.5]);
    let (g, s) = rosen_grad(&x, 2.0);
    let x32 = x.mapv(|v| v as f32);
    let (g32, s32) = rosen_grad::<f32>(&x32, 2.0);
    assert!((g[0] as f32 - g32[0]).abs() < 1e-3 && (s as f32 - s32).abs() < 1e-3);
    let (_, t) = rosen_jvp(&x32, 1.0, (x32.clone(), 0.0));
    assert!(t.is_finite());
}
