use autodiff::ndarray::{array, Array1};
use autodiff::prelude::*;

// `vec![v; n]` of a differentiable value with a length that is not a literal, `array!` of three axes and
// ragged rows: each its own error.
#[differentiable]
fn repeated(x: &Array1<f64>) -> f64 {
    let r = vec![x[0]; x.len()];
    let cube = array![[[x[0]]]];
    let ragged = array![[x[0], x[1]], [x[1]]];
    r[0] + cube.sum() + ragged.sum()
}

// A literal holds scalars: arrays are joined with `concatenate!`/`stack!`.
#[differentiable]
fn of_arrays(x: &Array1<f64>) -> f64 {
    let v = vec![x * 2.0, x.clone()];
    v[0].sum()
}

fn main() {}
