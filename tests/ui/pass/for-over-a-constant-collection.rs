//! Loops over collections of constants: by value, by reference, and the elements of a constant array.
use autodiff::ndarray::{array, Array1};
use autodiff::prelude::*;

#[differentiable]
fn weighted(x: f64, ks: Vec<usize>) -> f64 {
    let mut s = 0.0;
    for k in ks {
        s = s * 0.5 + x * k as f64;
    }
    s
}

#[differentiable]
fn by_reference(x: &Array1<f64>, ks: &[usize]) -> f64 {
    let mut s = 0.0;
    for &k in ks.iter() {
        s += x[k] * x[k];
    }
    for k in ks.iter() {
        s = s * x[*k];
    }
    s
}

#[differentiable]
fn constant_array_elements(x: f64) -> f64 {
    let w = Array1::from_elem(3, 0.5);
    let mut s = x;
    for v in w.iter() {
        if *v > 0.1 {
            s = s * *v + x;
        }
    }
    s
}

fn main() {
    // s = ((0 * 0.5 + x) * 0.5 + 2x) = 2.5 x for ks = [1, 2].
    assert_eq!(weighted_grad(1.0, vec![1, 2]), 2.5);
    let x = array![1.0, 2.0, 3.0];
    // s = (x1^2 + x2^2) * x1 * x2: d/dx1 = 2 x1^2 x2 + (x1^2 + x2^2) x2 = 8*3... at (2, 3): 2*4*3 + 13*3.
    let g = by_reference_grad(&x, &[1, 2]);
    assert_eq!(g, array![0.0, 2.0 * 4.0 * 3.0 + 13.0 * 3.0, 2.0 * 9.0 * 2.0 + 13.0 * 2.0]);
    // s = ((x/2 + x)/2 + x)/2 + x: derivative 1/8 + 1/4 + 1/2 + 1 = 1.875.
    assert_eq!(constant_array_elements_grad(1.0), 1.875);
}
