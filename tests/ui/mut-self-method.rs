use autodiff::prelude::*;

#[derive(Clone, Differentiable)]
struct M {
    w: f64,
}

impl M {
    #[differentiable]
    fn energy(&mut self, x: f64) -> f64 {
        self.w * x
    }
}

fn main() {}
