//! `check_grad` accepts correct gradients of every tangent shape and rejects a wrong one, naming the worst
//! component with its analytic and numeric values.

use autodiff_runtime::{check_grad, check_grad_with, GradCheckError, Tolerance};
use ndarray::{array, Array1, Array2};

#[test]
fn passes_for_a_scalar() {
    let f = |x: &f64| x.sin() * x.exp();
    let grad = |x: &f64| x.exp() * (x.sin() + x.cos());
    for x in [-2.0, 0.0, 0.7, 3.0] {
        assert_eq!(check_grad(f, grad, &x), Ok(()), "x = {x}");
    }
}

#[test]
fn passes_for_array1() {
    let x = array![1.0, -2.0, 0.5, 3.0];
    let f = |x: &Array1<f64>| x.mapv(|v| v.sin()).sum() + x[0] * x[1];
    let grad = |x: &Array1<f64>| {
        let mut g = x.mapv(|v| v.cos());
        g[0] += x[1];
        g[1] += x[0];
        g
    };
    assert_eq!(check_grad(f, grad, &x), Ok(()));
}

#[test]
fn passes_for_array2() {
    // f(A) = sum(A²) / 2 + tr(A)
    let x = array![[1.0, -2.0, 0.5], [0.25, 3.0, -1.5]];
    let f = |a: &Array2<f64>| a.mapv(|v| v * v).sum() / 2.0 + a[[0, 0]] + a[[1, 1]];
    let grad = |a: &Array2<f64>| {
        let mut g = a.clone();
        g[[0, 0]] += 1.0;
        g[[1, 1]] += 1.0;
        g
    };
    assert_eq!(check_grad(f, grad, &x), Ok(()));
}

#[test]
fn passes_for_vec() {
    let x = vec![0.5, 1.5, 2.5];
    let f = |x: &Vec<f64>| x.iter().map(|v| v.ln()).sum::<f64>();
    let grad = |x: &Vec<f64>| x.iter().map(|v| 1.0 / v).collect::<Vec<f64>>();
    assert_eq!(check_grad(f, grad, &x), Ok(()));
}

#[test]
fn passes_for_fixed_array() {
    // the product of the components
    let x = [2.0, -3.0, 0.5];
    let f = |x: &[f64; 3]| x[0] * x[1] * x[2];
    let grad = |x: &[f64; 3]| [x[1] * x[2], x[0] * x[2], x[0] * x[1]];
    assert_eq!(check_grad(f, grad, &x), Ok(()));
}

#[test]
fn passes_for_f32() {
    let x = array![0.5_f32, -1.0, 2.0];
    let f = |x: &Array1<f32>| x.mapv(|v| v * v * v).sum();
    let grad = |x: &Array1<f32>| x.mapv(|v| 3.0 * v * v);
    assert_eq!(check_grad(f, grad, &x), Ok(()));
}

/// f(x) = sum(x²); the true gradient is 2x. Components 1 and 3 are wrong, 3 by far the most.
fn wrong_gradient_error() -> GradCheckError {
    let x = array![1.0, 2.0, -0.5, 1.5];
    let f = |x: &Array1<f64>| x.mapv(|v| v * v).sum();
    let grad = |x: &Array1<f64>| {
        let mut g = 2.0 * x;
        g[1] += 0.01;
        g[3] = -7.0;
        g
    };
    check_grad(f, grad, &x).unwrap_err()
}

#[test]
fn fails_for_a_wrong_gradient_naming_the_worst_component() {
    let e = wrong_gradient_error();
    assert_eq!(e.index, 3);
    assert_eq!(e.analytic, -7.0);
    assert!((e.numeric - 3.0).abs() < 1e-6, "numeric {}", e.numeric);
    assert_eq!(e.failed, 2);
    assert_eq!(e.total, 4);
}

#[test]
fn the_error_message_names_the_component_and_both_values() {
    let e = wrong_gradient_error();
    let msg = e.to_string();
    assert!(
        msg.starts_with("gradient check failed at component 3:"),
        "{msg}"
    );
    assert!(msg.contains(&format!("analytic {:e}", -7.0)), "{msg}");
    assert!(msg.contains("analytic -7e0"), "{msg}");
    assert!(msg.contains(&format!("numeric {:e}", e.numeric)), "{msg}");
    assert!(
        msg.contains(&format!("error {:e}", (e.analytic - e.numeric).abs())),
        "{msg}"
    );
    assert!(msg.ends_with("2 of 4 components failed"), "{msg}");
    // It is a std error.
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert_eq!(boxed.to_string(), msg);
}

#[test]
fn fails_for_a_wrong_scalar_gradient() {
    let e = check_grad(|x: &f64| x.exp(), |x: &f64| 1.1 * x.exp(), &0.0).unwrap_err();
    assert_eq!((e.index, e.failed, e.total), (0, 1, 1));
    assert!((e.analytic - 1.1).abs() < 1e-15);
    assert!((e.numeric - 1.0).abs() < 1e-8, "numeric {}", e.numeric);
}

#[test]
fn fails_for_a_wrong_fixed_array_and_vec_gradient() {
    let x = [1.0, 2.0, 3.0];
    // d/dx2 of x0 * x1 * x2 is x0 * x1 = 2; report 4 there.
    let e = check_grad(
        |x: &[f64; 3]| x[0] * x[1] * x[2],
        |x: &[f64; 3]| [x[1] * x[2], x[0] * x[2], 2.0 * x[0] * x[1]],
        &x,
    )
    .unwrap_err();
    assert_eq!((e.index, e.failed, e.total), (2, 1, 3));
    assert_eq!(e.analytic, 4.0);
    assert!((e.numeric - 2.0).abs() < 1e-6);

    let v = vec![1.0, 2.0];
    let e = check_grad(
        |x: &Vec<f64>| x[0] * x[0] + x[1],
        |x: &Vec<f64>| vec![2.0 * x[0], 0.0],
        &v,
    )
    .unwrap_err();
    assert_eq!((e.index, e.failed, e.total, e.analytic), (1, 1, 2, 0.0));
    assert!((e.numeric - 1.0).abs() < 1e-6);
}

#[test]
fn fails_for_a_wrong_f32_gradient() {
    let x = array![0.5_f32, -1.0, 2.0];
    let f = |x: &Array1<f32>| x.mapv(|v| v * v * v).sum();
    // 10% off in component 2 (true value 12): outside the f32 tolerance of 2%.
    let grad = |x: &Array1<f32>| {
        let mut g = x.mapv(|v| 3.0 * v * v);
        g[2] *= 1.1;
        g
    };
    let e = check_grad(f, grad, &x).unwrap_err();
    assert_eq!((e.index, e.failed, e.total), (2, 1, 3));
    assert!((e.analytic - 13.2).abs() < 1e-5, "analytic {}", e.analytic);
    assert!((e.numeric - 12.0).abs() < 0.05, "numeric {}", e.numeric);
}

#[test]
fn a_nan_gradient_fails() {
    let e = check_grad(
        |x: &Array1<f64>| x.sum(),
        |x: &Array1<f64>| array![1.0, f64::NAN].mapv(|v| v * x[0]),
        &array![1.0, 1.0],
    )
    .unwrap_err();
    assert_eq!((e.index, e.failed), (1, 1));
    assert!(e.analytic.is_nan());
}

#[test]
fn tolerances_decide() {
    let f = |x: &f64| x * x;
    let slightly_wrong = |x: &f64| 2.0 * x * (1.0 + 1e-4);
    // 1e-4 relative is outside the f64 default ...
    assert!(check_grad(f, slightly_wrong, &1.0).is_err());
    // ... and inside a looser explicit tolerance.
    let loose = Tolerance {
        rtol: 1e-3,
        ..Tolerance::for_type::<f64>()
    };
    assert_eq!(check_grad_with(f, slightly_wrong, &1.0, loose), Ok(()));
    // The defaults are tighter for f64 than for f32.
    let (t64, t32) = (Tolerance::for_type::<f64>(), Tolerance::for_type::<f32>());
    assert!(t64.rtol < t32.rtol && t64.atol < t32.atol && t64.step < t32.step);
}
