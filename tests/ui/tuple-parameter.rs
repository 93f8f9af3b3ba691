use autodiff::prelude::*;

#[differentiable]
fn product(p: (f64, f64)) -> f64 {
    p.0 * p.1
}

fn main() {
    let _g: (f64, f64) = product_grad((1.0, 2.0));
}
