use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    'outer: for i in 0..x.len() {
        for j in 0..x.len() {
            if x[i] * x[j] < 0.0 {
                break 'outer;
            }
            s += x[i] * x[j];
        }
    }
    s
}

fn main() {}
