// `f_hvp` is forward over reverse of an adjoint program written as IR: element writes into an array that
// a loop also reads (a recurrence through elements, `zip_mut_with`) are refused at the write, with the
// rewrite.
use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable(hessian)]
fn running(x: &Array1<f64>) -> f64 {
    let mut c = vec![0.0; x.len()];
    c[0] = x[0];
    for i in 1..x.len() {
        c[i] = c[i - 1] * 0.5 + x[i].sin();
    }
    c[x.len() - 1]
}

#[differentiable(hessian)]
fn zipped(x: &Array1<f64>) -> f64 {
    let mut y = x.clone();
    y.zip_mut_with(x, |a, b| *a = *a * b.sin());
    y.sum()
}

fn main() {}
