use autodiff::prelude::*;

#[differentiable]
fn loss_and_count(x: f64) -> (f64, usize) {
    (x * x, 1)
}

fn main() {
    let _g = loss_and_count_grad(1.0);
}
