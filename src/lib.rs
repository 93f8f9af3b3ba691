//! `autodiff`: compile-time reverse-mode automatic differentiation for Rust, in the manner of `jax.grad`.
//!
//! Put `#[differentiable]` on an ordinary function over `f32`/`f64` scalars and `ndarray` arrays, and call
//! the generated `f_grad`: the gradient is written out as Rust at compile time, then type-checked, inlined
//! and optimized by rustc like hand-written code. No tape, no graph, no nightly compiler.
//!
//! ```
//! use autodiff::ndarray::{array, Array1};
//! use autodiff::prelude::*;
//!
//! #[differentiable]
//! fn sum_of_squares(x: &Array1<f32>) -> f32 {
//!     (x * x).sum()
//! }
//!
//! let x = array![1.0, 2.0, 3.0, 4.0];
//! assert_eq!(sum_of_squares_grad(&x), array![2.0, 4.0, 6.0, 8.0]);
//! ```
//!
//! The public contract (every generated item and its type) is in the repository's `README.md`.
#![deny(missing_docs)]

pub use autodiff_macros::{differentiable, Differentiable};
pub use autodiff_runtime::{
    check_grad, check_grad_with, Differentiable, GradCheckError, Real, Tangent, Tolerance,
};
/// The `ndarray` that `autodiff` was built with; use it to avoid two versions in one program.
pub use ndarray;

/// The names a differentiable program needs: `use autodiff::prelude::*;`.
///
/// `Real` is the bound of code generic over its float type (`f32` and `f64` implement it):
///
/// ```
/// use autodiff::prelude::*;
///
/// fn half<F: Real>(x: F) -> F {
///     x * F::half()
/// }
/// assert_eq!(half(3.0f32), 1.5);
/// ```
pub mod prelude {
    pub use crate::{check_grad, differentiable, stop_gradient, Differentiable, Real, Tangent};
}

/// Model pieces with derivative rules (`sigmoid`, `relu`, `softplus`, `logsumexp`, `softmax`,
/// `log_softmax`), numerically stable. Call them by path (`nn::softmax(&z, Axis(1))`) or import them with
/// `use autodiff::nn::*;` (each `f` is differentiated through `f_vjp`, which must be in scope too).
pub mod nn {
    pub use autodiff_runtime::nn::*;
}

/// `x` itself, with a derivative of zero inside a `#[differentiable]` function (JAX's `stop_gradient`).
#[inline]
pub fn stop_gradient<T>(x: T) -> T {
    x
}

/// What generated code names; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use autodiff_runtime::rules::*;
    pub use autodiff_runtime::{Differentiable, Real, Tangent};
}
