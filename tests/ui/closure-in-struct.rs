use autodiff::prelude::*;

struct Layer<F: Fn(f64) -> f64> {
    act: F,
}

#[differentiable]
fn f(x: f64) -> f64 {
    let act = |v: f64| v.tanh();
    let _layer = Layer { act };
    x * 2.0
}

fn main() {}
