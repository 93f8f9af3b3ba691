use autodiff::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut s = x;
    loop {
        s *= 0.5;
        if s < 1.0 {
            break s;
        }
    }
    s
}

fn main() {}
