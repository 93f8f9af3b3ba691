// `f_hvp` is forward over reverse of an adjoint program written as IR: a loop that carries an array the
// body reads (a recurrence over arrays) is refused at the function, naming the value; element writes into
// an array that a loop also reads (a recurrence through elements, `zip_mut_with`) at the write, with the
// rewrite.
use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable(hessian)]
fn array_recurrence(x: &Array1<f64>) -> f64 {
    let mut h = Array1::zeros(x.len());
    for _ in 0..3 {
        h = (&h * 0.9 + x).mapv(f64::tanh);
    }
    h.sum()
}

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
