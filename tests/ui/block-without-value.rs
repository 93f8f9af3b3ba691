use autodiff::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let y = {
        let _z = x * 2.0;
    };
    x
}

fn main() {}
