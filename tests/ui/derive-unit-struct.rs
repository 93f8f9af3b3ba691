use autodiff::prelude::*;

#[derive(Clone, Differentiable)]
struct Empty;

fn main() {}
