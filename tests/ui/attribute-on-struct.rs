use autodiff::prelude::*;

#[differentiable]
struct Point {
    x: f64,
}

fn main() {
    let _p = Point { x: 1.0 };
}
