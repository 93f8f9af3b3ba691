// `f_hvp` is forward over reverse of an adjoint program written as IR: a loop whose carried value is read
// other than by accumulating (a recurrence) is refused at the function, with the rewrite.
use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable(hessian)]
fn recurrence(x: &Array1<f64>) -> f64 {
    let mut h = 0.0;
    for i in 0..x.len() {
        h = (0.9 * h + x[i]).sin();
    }
    h
}

fn main() {}
