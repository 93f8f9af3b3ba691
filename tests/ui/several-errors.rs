use autodiff::ndarray::Array1;
use autodiff::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>, k: usize) -> f64 {
    let first = x.first()?;
    let y = match (k, 1) {
        (0, _) => x.sum(),
        _ => x.product(),
    };
    let z = x.floor();
    first + y + z.sum()
}

fn main() {
    let x = Array1::<f64>::zeros(3);
    let _g = f_grad(&x, 0);
    let (_v, _p) = f_vjp(&x, 0);
}
