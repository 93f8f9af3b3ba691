//! The check of `tests/primitives.rs`: a function of `(x, y, z, a, b, m)` against central finite
//! differences in every component of every parameter.

use autodiff::ndarray::{array, Array1, Array2};

/// The point where every primitive is checked: away from kinks and integers.
pub fn point() -> (f64, f64, f64, Array1<f64>, Array1<f64>, Array2<f64>) {
    (
        0.3,
        0.7,
        -0.4,
        array![0.2, -0.45, 0.9],
        array![0.35, 0.6, -0.8],
        array![[0.3, -0.2, 0.5], [0.15, 0.4, -0.35], [-0.6, 0.25, 0.1]],
    )
}

type Grad = (f64, f64, f64, Array1<f64>, Array1<f64>, Array2<f64>);

/// A function of `(x, y, z, a, b, m)` returning `R`.
type Of<R> = fn(f64, f64, f64, &Array1<f64>, &Array1<f64>, &Array2<f64>) -> R;

/// Checks `grad` against central differences of `f` at [`point`], component by component.
#[track_caller]
pub fn check_all(name: &str, f: Of<f64>, grad: Of<Grad>) {
    let (x, y, z, a, b, m) = point();
    let (gx, gy, gz, ga, gb, gm) = grad(x, y, z, &a, &b, &m);
    // Every component as a flat vector: x, y, z, a.., b.., m..
    let mut flat = vec![x, y, z];
    flat.extend(a.iter().chain(b.iter()).chain(m.iter()));
    let mut analytic = vec![gx, gy, gz];
    analytic.extend(ga.iter().chain(gb.iter()).chain(gm.iter()));
    let eval = |v: &[f64]| {
        let a = Array1::from(v[3..6].to_vec());
        let b = Array1::from(v[6..9].to_vec());
        let m = Array2::from_shape_vec((3, 3), v[9..18].to_vec()).unwrap();
        f(v[0], v[1], v[2], &a, &b, &m)
    };
    for k in 0..flat.len() {
        let h = 1e-6;
        let at = |d: f64| {
            let mut v = flat.clone();
            v[k] += d;
            eval(&v)
        };
        let fd = (at(h) - at(-h)) / (2.0 * h);
        let want = analytic[k];
        assert!(
            (fd - want).abs() <= 1e-6 * (1.0 + fd.abs()),
            "{name}: component {k}: analytic {want}, finite differences {fd}"
        );
    }
}
