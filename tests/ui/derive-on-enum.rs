use autodiff::prelude::*;

#[derive(Clone, Differentiable)]
enum Params {
    A(f64),
    B(f64),
}

#[derive(Clone, Differentiable)]
struct Pair(f64, f64);

fn main() {}
