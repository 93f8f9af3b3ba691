use autodiff::ndarray::{array, Array1};
use autodiff::prelude::*;

#[differentiable(wrt = w, has_aux)]
fn loss(x: &Array1<f64>, w: f64) -> (f64, Array1<f64>) {
    let pred = x * w;
    let l = (&pred * &pred).sum();
    (l, pred)
}

fn main() {
    let x = array![1.0, 2.0];
    let (g, aux) = loss_grad(&x, 1.0);
    assert_eq!(g, 10.0);
    assert_eq!(aux, array![1.0, 2.0]);
}
