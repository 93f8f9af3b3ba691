use autodiff::prelude::*;

#[differentiable]
fn first(x: f64, k: Option<usize>) -> f64 {
    let Some(n) = k else { return x };
    x * n as f64
}

fn main() {
    let _g = first_grad(1.0, Some(2));
}
