//! Differential testing of `#[differentiable]`: a seeded generator of random programs in the supported
//! subset, the checks they are compiled with, the kept-seed test files, fresh seeds and a minimizer.

pub mod ast;
pub mod gen;
pub mod harness;
pub mod kept;
pub mod minimize;
pub mod rng;
pub mod run;
