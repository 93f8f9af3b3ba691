//! `check_grad`: compares a gradient function with central finite differences, component by component.

use crate::real::Real;
use crate::tangent::{Differentiable, Tangent};
use std::fmt;

/// Tolerances of [`check_grad_with`]. A component passes when
/// `|analytic - numeric| <= atol + rtol * max(|analytic|, |numeric|)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// Relative step: component `i` moves by `step * max(1, |x_i|)` each way.
    pub step: f64,
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
}

impl Tolerance {
    /// Defaults for the output type `F`: the step is about the cube root of `F`'s epsilon, where central
    /// differences are most accurate; the tolerances leave room for the O(step²) truncation error.
    pub fn for_type<F: Real>() -> Self {
        let eps = F::epsilon().as_f64();
        if eps < 1e-10 {
            Tolerance {
                step: 6e-6,
                rtol: 1e-6,
                atol: 1e-8,
            }
        } else {
            Tolerance {
                step: 1e-2,
                rtol: 2e-2,
                atol: 2e-3,
            }
        }
    }
}

/// The worst component of a failed check.
#[derive(Clone, Debug, PartialEq)]
pub struct GradCheckError {
    /// Index of the component (row-major for arrays).
    pub index: usize,
    /// The gradient function's value there.
    pub analytic: f64,
    /// The central difference there.
    pub numeric: f64,
    /// How many components failed.
    pub failed: usize,
    /// How many components there are.
    pub total: usize,
}

impl fmt::Display for GradCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gradient check failed at component {}: analytic {:e}, numeric {:e} (error {:e}); {} of {} components failed",
            self.index,
            self.analytic,
            self.numeric,
            (self.analytic - self.numeric).abs(),
            self.failed,
            self.total
        )
    }
}

impl std::error::Error for GradCheckError {}

/// Compares `grad(x)` with central differences of `f` at `x`, with the default [`Tolerance`] for `f`'s
/// output type. On failure the error names the worst component with its analytic and numeric values.
///
/// ```
/// use autodiff_runtime::check_grad;
/// let x = ndarray::array![1.0, -2.0, 0.5];
/// let f = |x: &ndarray::Array1<f64>| x.mapv(|v| v.sin()).sum();
/// let grad = |x: &ndarray::Array1<f64>| x.mapv(|v| v.cos());
/// assert!(check_grad(f, grad, &x).is_ok());
/// let wrong = |x: &ndarray::Array1<f64>| {
///     let mut g = x.mapv(|v| v.cos());
///     g[1] += 0.1;
///     g
/// };
/// let error = check_grad(f, wrong, &x).unwrap_err();
/// assert_eq!((error.index, error.failed), (1, 1));
/// ```
pub fn check_grad<X, F>(
    f: impl Fn(&X) -> F,
    grad: impl Fn(&X) -> X,
    x: &X,
) -> Result<(), GradCheckError>
where
    X: Differentiable<Tangent = X> + Tangent,
    F: Real,
{
    check_grad_with(f, grad, x, Tolerance::for_type::<F>())
}

/// [`check_grad`] with explicit tolerances.
pub fn check_grad_with<X, F>(
    f: impl Fn(&X) -> F,
    grad: impl Fn(&X) -> X,
    x: &X,
    tol: Tolerance,
) -> Result<(), GradCheckError>
where
    X: Differentiable<Tangent = X> + Tangent,
    F: Real,
{
    let analytic = grad(x);
    let total = x.num_components();
    assert_eq!(
        analytic.num_components(),
        total,
        "the gradient has another number of components than x"
    );
    let mut worst: Option<(f64, GradCheckError)> = None;
    let mut failed = 0;
    for i in 0..total {
        let xi = x.component(i);
        let h = tol.step * xi.abs().max(1.0);
        let (mut plus, mut minus) = (x.clone(), x.clone());
        plus.set_component(i, xi + h);
        minus.set_component(i, xi - h);
        // The step actually taken, after rounding to the element type.
        let width = plus.component(i) - minus.component(i);
        let numeric = (f(&plus).as_f64() - f(&minus).as_f64()) / width;
        let a = analytic.component(i);
        let err = (a - numeric).abs();
        let allowed = tol.atol + tol.rtol * a.abs().max(numeric.abs());
        if err.is_nan() || err > allowed {
            failed += 1;
            let excess = if err.is_nan() {
                f64::INFINITY
            } else {
                err / allowed
            };
            if worst.as_ref().is_none_or(|(e, _)| excess > *e) {
                worst = Some((
                    excess,
                    GradCheckError {
                        index: i,
                        analytic: a,
                        numeric,
                        failed: 0,
                        total,
                    },
                ));
            }
        }
    }
    match worst {
        None => Ok(()),
        Some((_, mut e)) => {
            e.failed = failed;
            Err(e)
        }
    }
}
