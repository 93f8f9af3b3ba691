use autodiff::ndarray::ArrayView1;
use autodiff::prelude::*;

#[derive(Clone, Differentiable)]
struct Borrowed<'a> {
    w: ArrayView1<'a, f64>,
}

fn main() {}
