use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable(argnums = (0, 1), has_aux)]
fn loss(x: &Array1<f64>, w: f64) -> (f64, Array1<f64>) {
    let pred = x * w;
    let l = pred.diff(1, autodiff::ndarray::Axis(0)).sum();
    (l, pred)
}

fn main() {
    let x = Array1::<f64>::zeros(3);
    let ((_gx, _gw), _aux) = loss_grad(&x, 1.0);
    let ((_l, _aux), (_gx, _gw)) = loss_value_and_grad(&x, 1.0);
    let (_gx, _gw) = loss_grad_0_1(&x, 1.0).0;
    let (_l, pullback, _aux) = loss_vjp(&x, 1.0);
    let (_gx, _gw) = pullback(1.0);
}
