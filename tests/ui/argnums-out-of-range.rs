use autodiff::prelude::*;

#[differentiable(argnums = 2)]
fn product(x: f64, y: f64) -> f64 {
    x * y
}

fn main() {
    let _g = product_grad(1.0, 2.0);
}
