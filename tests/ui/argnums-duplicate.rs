use autodiff::prelude::*;

#[differentiable(argnums = (0, 1, 0))]
fn product(x: f64, y: f64) -> f64 {
    x * y
}

fn main() {
    let (_gx, _gy, _gx2) = product_grad(1.0, 2.0);
}
