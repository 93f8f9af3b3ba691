use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn double(x: &Array1<f64>) -> Array1<f64> {
    x * 2.0
}

fn main() {
    let x = Array1::<f64>::zeros(3);
    let _g = double_grad(&x);
}
