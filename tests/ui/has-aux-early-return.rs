use autodiff::prelude::*;

#[differentiable(has_aux)]
fn f(x: f64) -> (f64, f64) {
    if x > 0.0 {
        return (x, x);
    }
    (x * x, x)
}

fn main() {}
