use autodiff::prelude::*;

fn pick() -> fn(f64) -> f64 {
    f64::sin
}

#[differentiable]
fn f(x: f64) -> f64 {
    pick()(x)
}

fn main() {}
