use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable(vjp)]
fn rounded(x: &Array1<f64>) -> Array1<f64> {
    x.mapv(|v| v.rem_euclid(2.0))
}

fn main() {
    let x = Array1::<f64>::zeros(3);
    let (_y, pullback) = rounded_vjp(&x);
    let (_gx,) = pullback(Array1::zeros(3));
}
