// A `push` whose count is not known before the pushes run (in a loop that also changes a value outside
// it, so that it cannot run once before to count them) is refused at `push`, with a rewrite that is
// accepted (not `stop_gradient`, which would drop the derivative). Pushes under a condition in a loop
// that changes nothing else are supported.
use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn running_peaks(x: &Array1<f64>) -> f64 {
    let mut v = Vec::new();
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i];
        if s > 1.0 {
            v.push(s * s);
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
