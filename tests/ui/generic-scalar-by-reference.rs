use autodiff::ndarray::Array1;
use autodiff::prelude::*;

// A function generic over its float type takes a scalar of that type by value.
#[differentiable(argnums = (0, 1))]
fn scaled<F: Real>(x: &Array1<F>, s: &F) -> F {
    (x * *s).sum()
}

fn main() {}
