// Building a `Vec` with `push` is refused at `push`, with a rewrite that is accepted (not
// `stop_gradient`, which would drop the derivative).
use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn squares(x: &Array1<f64>) -> f64 {
    let mut v = Vec::new();
    for i in 0..x.len() {
        v.push(x[i] * x[i]);
    }
    v[0] + v[1]
}

fn main() {}
