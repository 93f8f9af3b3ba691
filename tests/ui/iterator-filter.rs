// `filter` is supported where the positions still count the items: not before `enumerate`, `skip`,
// `rev`, .., nor inside a `zip` argument. Each is an error at the adapter with a rewrite.
use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn enumerate_after(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().filter(|v| **v > 0.0).enumerate() {
        s += v * i as f64;
    }
    s
}

#[differentiable]
fn in_a_zip(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    x.iter().zip(y.iter().filter(|v| **v > 0.0)).map(|(a, b)| a * b).sum::<f64>()
}

fn main() {}
