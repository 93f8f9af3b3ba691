use autodiff::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    fn helper(v: f64) -> f64 {
        v * v
    }
    x * 2.0
}

fn main() {}
