use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    x.iter()
        .map(|v| {
            if *v > 1.0 {
                return 1.0;
            }
            v * v
        })
        .sum::<f64>()
}

fn main() {}
