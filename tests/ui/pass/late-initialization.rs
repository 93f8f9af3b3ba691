use autodiff::prelude::*;

#[differentiable]
fn pick(x: f64) -> f64 {
    let b;
    if x > 0.0 {
        b = x * 2.0;
    } else {
        b = x;
    }
    b * x
}

fn main() {
    let _g = pick_grad(1.0);
}
