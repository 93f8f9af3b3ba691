// A local closure is written out where it is called, so a `return` in its body is refused at the
// `return`, with the rewrite.
use autodiff::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let clip = |v: f64| {
        if v > 1.0 {
            return 1.0;
        }
        v
    };
    clip(x) * x
}

fn main() {}
