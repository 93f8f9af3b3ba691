//! Second-order rules: the forward (JVP) rules of the reverse rules, which forward-over-reverse
//! Hessian-vector products apply to an adjoint program.
//!
//! An adjoint program is a sequence of reverse-rule calls `R(operands.., extras.., [y,] g)`. Its JVP
//! needs, for every reverse rule `R` and every differentiable argument position `j`, a rule
//! `{R}_jvp{j}`. The positions are numbered over `R`'s operands first (`0..arity`), then the output `y`
//! where `R` takes it, then the seed `g` last; the extras (`powi`'s `n`, a slice, an axis, a shape) are
//! constants and not numbered.
//!
//! # Calling convention
//!
//! `{R}_jvp{j}` takes all of `R`'s arguments in `R`'s order, the operands, `y` and the seed `g` **by
//! reference** (`g: &G`, where `R` takes `g` by value) and the extras exactly as `R` takes them, followed
//! by `dot: &T`, the tangent of argument `j`: an `F` for a scalar, an array of that argument's shape (of
//! any storage) for an array. It returns the directional derivative of `R`'s result with respect to
//! argument `j` alone, in direction `dot`, with the type and shape of `R`'s result:
//!
//! ```text
//! exp_vjp(x, y, g)            exp_vjp_jvp1(&x, &y, &g, &y_dot)      = g * y_dot
//! mul_vjp0(a, b, g)           mul_vjp0_jvp1(&a, &b, &g, &b_dot)     = sum_to(a, g * b_dot)
//! powi_vjp(x, n, y, g)        powi_vjp_jvp0(&x, n, &y, &g, &x_dot)  = g * n (n-1) x^(n-2) * x_dot
//! ```
//!
//! The operands and tangents take the forms the forward rules of [`crate::jvp`] accept (scalars `F` or
//! `&F`; arrays of any storage, or references to them).
//!
//! # What is differentiated
//!
//! Each rule is the derivative of the reverse rule's formula **as written**, with `x` and `y`
//! independent arguments: `tanh_vjp` computes `g * (1 - y * y)`, so `tanh_vjp_jvp0` (along `x`) is zero
//! and `tanh_vjp_jvp1` (along `y`) is `-2 g y y_dot`. Where a partial derivative is zero, the rule returns
//! a zero of the result's type and shape without reading the tangent's values. Every reverse rule is
//! linear in its seed, so the rule for the seed position is `R` applied to (a copy of) `dot`. Where a
//! formula has branches (`abs`, a tie of `max`, `powf`'s `b == 0`, `clamp`'s bounds), each branch is
//! differentiated as it stands: a branch that is constant in an argument has derivative zero there, as
//! JAX differentiates `select`.
//!
//! Elementwise binary rules sum their result back to the operand's shape (broadcasting's reverse); so do
//! their derivatives.
//!
//! The rules live in one submodule per family, all re-exported here.

mod binary;
mod linalg;
mod reduce;
mod shape;
mod unary;

pub use binary::*;
pub use linalg::*;
pub use reduce::*;
pub use shape::*;
pub use unary::*;
