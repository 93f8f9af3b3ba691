use autodiff::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let y = match x {
        v if v > 0.0 => v * v,
        _ => -x,
    };
    y
}

fn main() {
    let _ = f_grad(1.0);
}
