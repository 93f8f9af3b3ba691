// `zip_mut_with`'s closure reads and assigns the element as `*a`; passing `a` on is reported at the
// closure's body, with the form that is accepted.
use autodiff::ndarray::Array1;
use autodiff::prelude::*;

fn bump(a: &mut f64, b: f64) {
    *a += b;
}

#[differentiable]
fn in_place(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let mut z = x.to_owned();
    z.zip_mut_with(y, |a, &b| bump(a, b));
    z.sum()
}

fn main() {}
