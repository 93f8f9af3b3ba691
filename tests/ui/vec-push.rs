// A `push` whose count is not known before the pushes run (under a condition, in a `while` loop) is
// refused at `push`, with a rewrite that is accepted (not `stop_gradient`, which would drop the
// derivative). One push per iteration of a `for` loop is supported.
use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn positive_squares(x: &Array1<f64>) -> f64 {
    let mut v = Vec::new();
    for i in 0..x.len() {
        if x[i] > 0.0 {
            v.push(x[i] * x[i]);
        }
    }
    v[0] + v[1]
}

#[differentiable]
fn until(x: &Array1<f64>) -> f64 {
    let mut v = Vec::new();
    let mut k = 0;
    while k < 3 {
        v.push(x[k]);
        k += 1;
    }
    v[0]
}

fn main() {}
