use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable(argnums = (0, 1))]
fn shifted(x: &Array1<f64>, c: f64) -> f64 {
    x.mapv(|v| (v - c) * (v - c)).sum()
}

fn main() {
    let x = Array1::<f64>::zeros(3);
    let (_gx, _gc) = shifted_grad(&x, 1.0);
}
