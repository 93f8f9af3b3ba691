use autodiff::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut s = x;
    let _unit = for _ in 0..3 {
        s *= 2.0;
    };
    s
}

fn main() {}
