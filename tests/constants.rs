//! `#[differentiable(constant = ..)]`: parameters of a user's enum (or any other type) that are constants,
//! and `match` on them (unit variants, variants with fields that bind nothing, guards), with gradients
//! against closed forms and central differences.

use autodiff::ndarray::{array, Array1};
use autodiff::prelude::*;
use autodiff::GradCheckError;

/// A user's enum, without `PartialEq`: a `match` on it is tested with `matches!`.
#[derive(Clone, Copy, Debug)]
pub enum Loss {
    Squared,
    Absolute,
    Huber(f64),
}

#[differentiable(constant = loss)]
fn fit(w: &Array1<f64>, loss: Loss, scale: f64) -> f64 {
    let r = w - 1.0;
    match loss {
        Loss::Squared => (&r * &r).sum() * scale,
        Loss::Absolute => r.abs().sum() * scale,
        Loss::Huber(_) => r.mapv(|v| v * v * 0.5).sum(),
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Mode {
    Fast,
    Careful { passes: usize },
}

#[differentiable(argnums = (0, 2), constant = (mode, tag))]
fn weighted(x: &Array1<f64>, mode: Mode, scale: f64, tag: Option<&str>) -> f64 {
    let base = if matches!(mode, Mode::Fast) { 1.0 } else { 2.0 };
    let s = match mode {
        Mode::Careful { .. } if tag.is_some() => 3.0,
        Mode::Careful { .. } => base,
        Mode::Fast => 1.0,
    };
    (x * scale).powi(2).sum() * s
}

#[differentiable(wrt = x, constant = loss)]
fn fit32(x: f32, loss: Loss) -> f32 {
    match loss {
        Loss::Squared => x * x,
        _ => x.abs(),
    }
}

fn ok(r: Result<(), GradCheckError>, what: &str) {
    if let Err(e) = r {
        panic!("{what}: {e}");
    }
}

#[test]
fn an_enum_parameter_named_constant_selects_the_branch() {
    let w = array![0.5, 2.0, -1.0];
    let r = &w - 1.0;
    assert_eq!(fit_grad(&w, Loss::Squared, 2.0), &r * 4.0);
    assert_eq!(fit_grad(&w, Loss::Absolute, 2.0), r.mapv(f64::signum) * 2.0);
    assert_eq!(fit_grad(&w, Loss::Huber(1.0), 2.0), r.clone());
    for loss in [Loss::Squared, Loss::Absolute, Loss::Huber(0.5)] {
        ok(
            check_grad(|w| fit(w, loss, 1.5), |w| fit_grad(w, loss, 1.5), &w),
            "fit",
        );
        let (v, g) = fit_value_and_grad(&w, loss, 1.5);
        assert_eq!(v, fit(&w, loss, 1.5));
        assert_eq!(g, fit_grad(&w, loss, 1.5));
    }
}

#[test]
fn several_constants_a_guard_and_a_struct_variant() {
    let x = array![0.3, -1.2];
    let sq: f64 = x.iter().map(|v| v * v).sum();
    for (mode, tag, s) in [
        (Mode::Fast, None, 1.0),
        (Mode::Careful { passes: 2 }, None, 2.0),
        (Mode::Careful { passes: 1 }, Some("t"), 3.0),
    ] {
        let (gx, gs) = weighted_grad(&x, mode, 0.7, tag);
        let want = &x * (2.0 * 0.49 * s);
        for (g, w) in gx.iter().zip(&want) {
            assert!((g - w).abs() <= 1e-15 * w.abs().max(1.0), "{g} != {w}");
        }
        assert!((gs - 2.0 * 0.7 * sq * s).abs() < 1e-14);
        ok(
            check_grad(
                |x| weighted(x, mode, 0.7, tag),
                |x| weighted_grad(x, mode, 0.7, tag).0,
                &x,
            ),
            "weighted",
        );
    }
    if let Mode::Careful { passes } = (Mode::Careful { passes: 3 }) {
        assert_eq!(passes, 3);
    }
}

#[test]
fn single_precision() {
    assert_eq!(fit32_grad(1.5f32, Loss::Squared), 3.0);
    assert_eq!(fit32_grad(-1.5f32, Loss::Absolute), -1.0);
}
