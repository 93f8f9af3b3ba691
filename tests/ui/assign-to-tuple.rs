// Assigning to a tuple is refused at the tuple, with a rewrite through a temporary.
use autodiff::prelude::*;

#[differentiable]
fn fib_like(x: f64) -> f64 {
    let mut a = x;
    let mut b = 1.0;
    for _ in 0..3 {
        (a, b) = (b, a + b);
    }
    a * b
}

fn main() {}
