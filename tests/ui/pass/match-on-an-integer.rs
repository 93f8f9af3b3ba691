// A `match` on an integer is taken apart into an `if` chain (desugar::matches).
use autodiff::prelude::*;

#[differentiable]
fn f(x: f64, k: usize) -> f64 {
    let y = match k {
        0 => x,
        _ => x * x,
    };
    y
}

fn main() {
    let (_v, _g) = f_value_and_grad(1.0, 0);
}
