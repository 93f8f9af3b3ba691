use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    let first = unsafe { *x.uget(0) };
    first * x.sum()
}

fn main() {
    let x = Array1::<f64>::zeros(3);
    let _g = f_grad(&x);
}
