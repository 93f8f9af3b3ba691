use autodiff::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let scale = |v: f64| v * x;
    if x > 0.0 {
        return scale;
    }
    scale(2.0)
}

fn main() {}
