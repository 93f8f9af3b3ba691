//! Support code of the generated differential tests: the helper functions that programs call, their
//! dual-number twins, and the checks (value, finite differences, pullback, selections, dual numbers).
#![allow(dead_code)]

use autodiff::ndarray::Array1;
use autodiff::prelude::*;
pub use num_dual::{Dual32, Dual64, DualNum};

/// A helper with a scalar result, called by generated programs (with its second-order rule, for the
/// programs that have `hessian`).
#[differentiable(jvp, hessian)]
pub fn helper_sq(a: f64) -> f64 {
    a * a + a.sin()
}

/// A helper of two scalars.
#[differentiable(argnums = (0, 1), jvp, hessian)]
pub fn helper_mix(a: f64, b: f64) -> f64 {
    (a * b).tanh() + b
}

/// A helper with an array result (only its pullback is generated).
#[differentiable(vjp, jvp)]
pub fn helper_arr(x: &Array1<f64>, a: f64) -> Array1<f64> {
    x.mapv(|v| (v * a).tanh()) + x * 0.5
}

/// `helper_arr`'s second-order rule, by hand (`hessian` is for scalar outputs): with `u = x a`,
/// `t = tanh u`, `s = 1 - t^2`, the pullback is `(g (s a + 1/2), sum(g s x))`, and its tangent along
/// `(x_dot, a_dot, g_dot)` follows from `ds = -2 t s (x_dot a + x a_dot)`.
#[allow(clippy::type_complexity)]
pub fn helper_arr_vjp_jvp(
    x: &Array1<f64>,
    a: f64,
    g: Array1<f64>,
    (x_dot, a_dot, g_dot): (Array1<f64>, f64, Array1<f64>),
) -> ((Array1<f64>, f64), (Array1<f64>, f64)) {
    let t = x.mapv(|v| (v * a).tanh());
    let s = t.mapv(|t| 1.0 - t * t);
    let ds = -2.0 * &t * &s * (&x_dot * a + x * a_dot);
    let x_bar = &g * &(&s * a + 0.5);
    let a_bar = (&g * &s * x).sum();
    let x_bar_dot = &g_dot * &(&s * a + 0.5) + &g * &(&ds * a + &s * a_dot);
    let a_bar_dot = (&g_dot * &s * x + &g * &(&ds * x + &s * &x_dot)).sum();
    ((x_bar, a_bar), (x_bar_dot, a_bar_dot))
}

/// `helper_sq` in f32.
#[differentiable(jvp)]
pub fn helper_sq_f32(a: f32) -> f32 {
    a * a + a.sin()
}

/// `helper_mix` in f32.
#[differentiable(argnums = (0, 1), jvp)]
pub fn helper_mix_f32(a: f32, b: f32) -> f32 {
    (a * b).tanh() + b
}

/// `helper_arr` in f32.
#[differentiable(vjp, jvp)]
pub fn helper_arr_f32(x: &Array1<f32>, a: f32) -> Array1<f32> {
    x.mapv(|v| (v * a).tanh()) + x * 0.5
}

macro_rules! dual_helpers {
    ($m:ident, $d:ty, $f:ty) => {
        /// Dual-number twins of the helpers and of the functions with JAX's conventions at kinks.
        pub mod $m {
            use super::*;
            pub fn abs(x: $d) -> $d {
                if x.re >= 0.0 {
                    x
                } else {
                    -x
                }
            }
            pub fn max(a: $d, b: $d) -> $d {
                if a.re > b.re {
                    a
                } else if a.re < b.re {
                    b
                } else {
                    (a + b) * <$d>::from(0.5)
                }
            }
            pub fn min(a: $d, b: $d) -> $d {
                if a.re < b.re {
                    a
                } else if a.re > b.re {
                    b
                } else {
                    (a + b) * <$d>::from(0.5)
                }
            }
            pub fn sigmoid(x: $d) -> $d {
                <$d>::from(1.0) / (<$d>::from(1.0) + (-x).exp())
            }
            pub fn softplus(x: $d) -> $d {
                // `>=`, as `abs` takes its sign at 0: both pieces of the same side (1 - 1/2 at 0).
                let m = if x.re >= 0.0 { x } else { <$d>::from(0.0) };
                m + (-abs(x)).exp().ln_1p()
            }
            pub fn helper_sq(a: $d) -> $d {
                a * a + a.sin()
            }
            pub fn helper_mix(a: $d, b: $d) -> $d {
                (a * b).tanh() + b
            }
            /// The unused primitive type, named so that the macro's argument is used.
            pub type Prim = $f;
        }
    };
}
dual_helpers!(d64, Dual64, f64);
dual_helpers!(d32, Dual32, f32);

/// Tolerances of one float type.
pub trait Float: Copy + Into<f64> + std::fmt::Debug {
    /// Converts (rounding) from f64.
    fn of(x: f64) -> Self;
    /// Relative finite-difference step.
    const H: f64;
    /// Tolerance of the gradient against finite differences (relative to 1 + |fd|).
    const FD_TOL: f64;
    /// FD(h) and FD(2h) differ by more than this (relative): a kink or a jump, skipped.
    const KINK: f64;
    /// Rounding of one evaluation, relative to 1 + |f|.
    const ROUND: f64;
    /// Tolerance between two gradients of the macro (reverse and forward mode may round differently).
    const SAME: f64;
    /// Tolerance between the macro's value and `f`'s.
    const VALUE: f64;
    /// Tolerance against dual numbers.
    const DUAL: f64;
}

impl Float for f64 {
    fn of(x: f64) -> f64 {
        x
    }
    const H: f64 = 1e-6;
    const FD_TOL: f64 = 1e-5;
    const KINK: f64 = 1e-6;
    const ROUND: f64 = 1e-13;
    const SAME: f64 = 1e-12;
    const VALUE: f64 = 1e-12;
    const DUAL: f64 = 1e-9;
}

impl Float for f32 {
    fn of(x: f64) -> f32 {
        x as f32
    }
    const H: f64 = 1e-2;
    const FD_TOL: f64 = 1e-2;
    const KINK: f64 = 1e-2;
    const ROUND: f64 = 1e-6;
    const SAME: f64 = 1e-5;
    const VALUE: f64 = 1e-6;
    const DUAL: f64 = 1e-3;
}

/// A gradient: a float or an array of floats.
pub trait Values {
    /// Its components.
    fn values(&self) -> Vec<f64>;
}

impl<F: Float> Values for F {
    fn values(&self) -> Vec<f64> {
        vec![(*self).into()]
    }
}

impl<F: Float> Values for Array1<F> {
    fn values(&self) -> Vec<f64> {
        self.iter().map(|v| (*v).into()).collect()
    }
}

/// The result of checking one program.
#[derive(Debug)]
pub struct Report {
    /// the program
    pub name: String,
    /// every failed check, one line each
    pub failures: Vec<String>,
    /// the kinds of the failed checks (`value`, `fd`, `vjp`, `select`, `dual`)
    pub kinds: Vec<&'static str>,
    /// gradient components compared with finite differences
    pub checked: usize,
    /// components skipped at a kink or jump
    pub skipped: usize,
    /// the value was not finite or too large: nothing was compared
    pub out_of_range: bool,
}

fn fd<F: Float>(f: &dyn Fn(F) -> F, x: F, h: f64) -> f64 {
    let xd: f64 = x.into();
    let (p, m) = (F::of(xd + h), F::of(xd - h));
    let (pd, md): (f64, f64) = (p.into(), m.into());
    let (fp, fm): (f64, f64) = (f(p).into(), f(m).into());
    (fp - fm) / (pd - md)
}

/// The forward difference of `f` at `x` (where `f` is `fx`) less the backward one, at step `h`.
fn one_sided_gap<F: Float>(f: &dyn Fn(F) -> F, x: F, fx: F, h: f64) -> f64 {
    let xd: f64 = x.into();
    let fxd: f64 = fx.into();
    let (p, m) = (F::of(xd + h), F::of(xd - h));
    let (pd, md): (f64, f64) = (p.into(), m.into());
    let (fp, fm): (f64, f64) = (f(p).into(), f(m).into());
    (fp - fxd) / (pd - xd) - (fxd - fm) / (xd - md)
}

impl Report {
    /// An empty report of program `name`.
    pub fn new(name: &str) -> Report {
        Report {
            name: name.to_string(),
            failures: vec![],
            kinds: vec![],
            checked: 0,
            skipped: 0,
            out_of_range: false,
        }
    }

    fn fail(&mut self, kind: &'static str, msg: String) {
        self.failures.push(format!("{kind}: {msg}"));
        if !self.kinds.contains(&kind) {
            self.kinds.push(kind);
        }
    }

    /// False (and recorded) when `f`'s value is not finite or beyond 1e6: then nothing is compared.
    pub fn in_range<F: Float>(&mut self, v: F) -> bool {
        let v: f64 = v.into();
        self.out_of_range = !(v.is_finite() && v.abs() < 1e6);
        !self.out_of_range
    }

    /// The macro's value against `f`'s.
    pub fn value<F: Float>(&mut self, what: &str, got: F, want: F) {
        let (g, w): (f64, f64) = (got.into(), want.into());
        if !((g - w).abs() <= F::VALUE * w.abs().max(1.0)) {
            self.fail("value", format!("{what}: got {g:e}, f gives {w:e}"));
        }
    }

    /// `f_jvp`'s tangent against the gradients' directional derivative, the sum of `terms` (each
    /// gradient component times its direction): to the tolerance of two gradients, relative to the
    /// terms' magnitudes (they may cancel).
    pub fn jvp<F: Float>(&mut self, what: &str, got: F, terms: &[f64]) {
        let got: f64 = got.into();
        if got.is_nan() || terms.iter().any(|t| !t.is_finite()) {
            return;
        }
        let want: f64 = terms.iter().sum();
        let scale: f64 = terms.iter().map(|t| t.abs()).sum::<f64>().max(1.0);
        if !((got - want).abs() <= 10.0 * F::SAME * scale) {
            self.fail("jvp", format!("{what}: got {got:e}, grad . v {want:e}"));
        }
    }

    /// Two gradients of the macro that must agree.
    pub fn same<F: Float, G: Values>(&mut self, what: &str, got: &G, want: &G) {
        let (g, w) = (got.values(), want.values());
        for (k, (a, b)) in g.iter().zip(w.iter()).enumerate() {
            if a.is_nan() && b.is_nan() {
                // Both items give NaN (an overflow inside): they agree.
                continue;
            }
            if !((a - b).abs() <= F::SAME * a.abs().max(b.abs()).max(1.0)) {
                self.fail("vjp", format!("{what}[{k}]: got {a:e}, want {b:e}"));
            }
        }
    }

    /// One gradient component against central differences of `f` at `x`.
    pub fn fd_one<F: Float>(&mut self, what: &str, g: F, f: &dyn Fn(F) -> F, x: F, fx: F) {
        let (xd, fxd, g): (f64, f64, f64) = (x.into(), fx.into(), g.into());
        let h = F::H * xd.abs().max(1.0);
        let (d1, d2) = (fd(f, x, h), fd(f, x, 2.0 * h));
        let round = F::ROUND * (1.0 + fxd.abs()) / h;
        // A kink: the central difference averages the two sides at every step (so FD(h) and FD(2h)
        // agree) while the gradient takes one. The one-sided differences tell it: their gap is the
        // jump of the derivative at any step, where on a smooth function it is h f'' (it doubles
        // with the step).
        let (gap1, gap2) = (one_sided_gap(f, x, fx, h), one_sided_gap(f, x, fx, 2.0 * h));
        let kink = gap1.abs() > F::KINK * (1.0 + d1.abs()) + 4.0 * round
            && (gap2 - 2.0 * gap1).abs() > 0.5 * gap1.abs();
        if !(d1.is_finite() && d2.is_finite())
            || (d1 - d2).abs() > F::KINK * (1.0 + d1.abs()) + round
            || kink
        {
            self.skipped += 1;
            return;
        }
        self.checked += 1;
        if !((g - d1).abs() <= F::FD_TOL * (1.0 + d1.abs()) + round) {
            self.fail(
                "fd",
                format!("d/d{what}: got {g:e}, finite differences {d1:e} (at 2h {d2:e})"),
            );
        }
    }

    /// A scalar parameter's gradient against central differences.
    pub fn fd_scalar<F: Float>(&mut self, what: &str, g: F, f: impl Fn(F) -> F, x: F, fx: F) {
        self.fd_one(what, g, &f, x, fx);
    }

    /// An array parameter's gradient against central differences, component by component.
    pub fn fd_array<F: Float>(
        &mut self,
        what: &str,
        g: &Array1<F>,
        f: impl Fn(&Array1<F>) -> F,
        x: &Array1<F>,
        fx: F,
    ) {
        if g.len() != x.len() {
            self.fail(
                "fd",
                format!(
                    "d/d{what}: gradient has length {}, parameter {}",
                    g.len(),
                    x.len()
                ),
            );
            return;
        }
        for k in 0..x.len() {
            let fk = |t: F| {
                let mut y = x.clone();
                y[k] = t;
                f(&y)
            };
            self.fd_one(&format!("{what}[{k}]"), g[k], &fk, x[k], fx);
        }
    }

    /// `f_hvp` (`got`) against central differences of the selected gradient along the direction:
    /// `grad_at(t)` is the gradient at the point moved by `t` times the direction. Component by component;
    /// a component at a kink of the gradient (the one-sided differences jump), or whose differences at
    /// `h` and `2h` disagree, is skipped.
    pub fn hvp<F: Float, G: Values>(&mut self, what: &str, got: &G, grad_at: impl Fn(F) -> G) {
        let got = got.values();
        let h = F::H;
        let at = |t: f64| grad_at(F::of(t)).values();
        let (g0, gp, gm, gp2, gm2) = (at(0.0), at(h), at(-h), at(2.0 * h), at(-2.0 * h));
        if [&gp, &gm, &gp2, &gm2].iter().any(|g| g.len() != got.len()) || g0.len() != got.len() {
            self.fail(
                "hvp",
                format!(
                    "{what}: {} components, the gradient {}",
                    got.len(),
                    g0.len()
                ),
            );
            return;
        }
        for c in 0..got.len() {
            let d1 = (gp[c] - gm[c]) / (2.0 * h);
            let d2 = (gp2[c] - gm2[c]) / (4.0 * h);
            let round = F::ROUND * (1.0 + g0[c].abs()) / h;
            let gap1 = (gp[c] - g0[c]) / h - (g0[c] - gm[c]) / h;
            let gap2 = (gp2[c] - g0[c]) / (2.0 * h) - (g0[c] - gm2[c]) / (2.0 * h);
            let kink = gap1.abs() > F::KINK * (1.0 + d1.abs()) + 4.0 * round
                && (gap2 - 2.0 * gap1).abs() > 0.5 * gap1.abs();
            if !(d1.is_finite() && d2.is_finite() && g0[c].is_finite())
                || (d1 - d2).abs() > F::KINK * (1.0 + d1.abs()) + round
                || kink
            {
                self.skipped += 1;
                continue;
            }
            self.checked += 1;
            if !((got[c] - d1).abs() <= F::FD_TOL * (1.0 + d1.abs()) + round) {
                self.fail(
                    "hvp",
                    format!(
                        "{what}[{c}]: got {:e}, differences of the gradient {d1:e} (at 2h {d2:e})",
                        got[c]
                    ),
                );
            }
        }
    }

    /// A gradient component against forward mode with dual numbers.
    pub fn dual<F: Float>(&mut self, what: &str, g: F, eps: F) {
        let (g, e): (f64, f64) = (g.into(), eps.into());
        if !e.is_finite() || e.abs() > 1e30 {
            // num-dual overflows first in some functions (tanh of a large f32), and near overflow
            // the two modes meet infinities in different places: nothing to compare
            self.skipped += 1;
            return;
        }
        if !((g - e).abs() <= F::DUAL * (1.0 + e.abs())) {
            self.fail(
                "dual",
                format!("d/d{what}: got {g:e}, dual numbers give {e:e}"),
            );
        }
    }

    /// Panics listing every failure.
    pub fn finish(self) {
        if !self.failures.is_empty() {
            panic!("{} failed:\n  {}", self.name, self.failures.join("\n  "));
        }
        assert!(
            self.out_of_range || self.checked + self.skipped > 0,
            "{}: nothing was checked",
            self.name
        );
    }
}
