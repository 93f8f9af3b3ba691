use autodiff::prelude::*;

fn clip(x: f64) -> f64 {
    x.min(1.0)
}

// Wrong: the pullback must return a tuple of tangents, `(f64,)`.
fn clip_vjp(x: f64) -> (f64, impl FnOnce(f64) -> f64) {
    (x.min(1.0), |g| g)
}

#[differentiable]
fn f(x: f64) -> f64 {
    clip(x) * 2.0
}

fn main() {
    let _ = f_grad(0.5);
}
