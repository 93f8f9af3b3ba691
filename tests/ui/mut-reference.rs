use autodiff::prelude::*;

fn bump(v: &mut f64) {
    *v += 1.0;
}

#[differentiable]
fn f(x: f64) -> f64 {
    let mut y = x * x;
    bump(&mut y);
    y
}

fn main() {}
