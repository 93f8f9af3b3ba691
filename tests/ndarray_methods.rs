//! More of ndarray as primitives (issue 11): `var`, `std`, `var_axis`, `std_axis`, `diag`, `row`,
//! `column` and `product_axis` in `#[differentiable]` functions, alone and combined, in `f64` and `f32`.
//! Gradients against closed forms and `check_grad` (central differences), `f_jvp` against differences of
//! the function, `f_hvp` against differences of `f_grad`, and ndarray's panics at the user's line.

use autodiff::ndarray::{array, Array1, Array2, Axis};
use autodiff::prelude::*;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, Once};
mod common;
use common::close_slices as close;

fn flat<D: autodiff::ndarray::Dimension>(a: &autodiff::ndarray::Array<f64, D>) -> Vec<f64> {
    a.iter().copied().collect()
}

fn vector() -> Array1<f64> {
    array![0.3, -1.2, 2.0, 0.7, -0.4]
}

fn matrix() -> Array2<f64> {
    Array2::from_shape_fn((3, 4), |(i, j)| {
        ((i * 4 + j) as f64 * 0.9 + 0.3).sin() + 0.2 * i as f64
    })
}

fn matrix_direction() -> Array2<f64> {
    Array2::from_shape_fn((3, 4), |(i, j)| ((i + 2 * j) as f64 * 0.7).cos())
}

// -------------------------------------------------------------------------------------------------
// The functions.
// -------------------------------------------------------------------------------------------------

#[differentiable(jvp, hessian)]
fn variance(x: &Array1<f64>) -> f64 {
    x.var(1.0)
}

#[differentiable(jvp, hessian)]
fn deviation(x: &Array1<f64>) -> f64 {
    x.std(0.0)
}

/// Standardized values, cubed: `std` and `mean` combined with elementwise arithmetic.
#[differentiable(jvp, hessian)]
fn standardized(x: &Array1<f64>) -> f64 {
    let z = (x - x.mean().unwrap()) / x.std(1.0);
    z.powi(3).sum() + x.var(0.5) * x.sum()
}

#[differentiable(jvp, hessian)]
fn axis_spread(m: &Array2<f64>) -> f64 {
    m.var_axis(Axis(0), 1.0).sum() + (m.std_axis(Axis(1), 0.0) * m.column(0)).sum()
}

#[differentiable(jvp, hessian)]
fn trace(m: &Array2<f64>) -> f64 {
    m.diag().sum()
}

/// The diagonal of a product, and of the matrix itself, combined.
#[differentiable(jvp, hessian)]
fn diagonals(m: &Array2<f64>) -> f64 {
    let p = m.dot(&m.t());
    p.diag().dot(&m.diag()) + m.diag().exp().sum()
}

/// A row against a column, and a row through `exp`.
#[differentiable(jvp, hessian)]
fn rows_columns(m: &Array2<f64>) -> f64 {
    m.row(1).dot(&m.column(2)) + m.row(0).exp().sum() + m.column(2).var(0.0)
}

/// Products of each row (closed form below).
#[differentiable(jvp, hessian)]
fn row_products(m: &Array2<f64>) -> f64 {
    m.product_axis(Axis(1)).sum()
}

/// Products of each row, and of each column against the first row.
#[differentiable(jvp, hessian)]
fn products(m: &Array2<f64>) -> f64 {
    m.product_axis(Axis(1)).sum() + m.product_axis(Axis(0)).dot(&m.row(0))
}

#[differentiable]
fn variance32(x: &Array1<f32>) -> f32 {
    x.var(1.0) + x.std_axis(Axis(0), 0.5).sum()
}

#[differentiable]
fn selections32(m: &Array2<f32>) -> f32 {
    m.diag().sum() * m.row(0).dot(&m.column(1))
        + m.product_axis(Axis(0)).sum()
        + m.var_axis(Axis(1), 0.0).sum()
}

/// `ddof` as a constant parameter.
#[differentiable(argnums = 0)]
fn variance_ddof(x: &Array1<f64>, ddof: f64) -> f64 {
    x.var(ddof) + x.std(ddof)
}

// -------------------------------------------------------------------------------------------------
// Closed forms.
// -------------------------------------------------------------------------------------------------

#[test]
fn var_and_std_gradients_are_their_closed_forms() {
    let x = vector();
    let n = x.len() as f64;
    let mean = x.mean().unwrap();
    assert_eq!(variance(&x), x.var(1.0));
    // d var / dx_i = 2 (x_i - mean) / (n - ddof).
    let want = x.mapv(|v| 2.0 * (v - mean) / (n - 1.0));
    close(&flat(&variance_grad(&x)), &flat(&want), 1e-14, "d var");
    // d std / dx_i = (x_i - mean) / ((n - ddof) std).
    let s = x.std(0.0);
    let want = x.mapv(|v| (v - mean) / (n * s));
    close(&flat(&deviation_grad(&x)), &flat(&want), 1e-14, "d std");
    let (value, g) = variance_ddof_value_and_grad(&x, 0.5);
    assert_eq!(value, x.var(0.5) + x.std(0.5));
    let s = x.std(0.5);
    let want = x.mapv(|v| 2.0 * (v - mean) / (n - 0.5) + (v - mean) / ((n - 0.5) * s));
    close(&flat(&g), &flat(&want), 1e-14, "d (var + std), ddof 1/2");
}

#[test]
fn axis_spread_gradient_is_its_closed_form() {
    let m = matrix();
    let (rows, cols) = m.dim();
    let g = axis_spread_grad(&m);
    let col_mean = m.mean_axis(Axis(0)).unwrap();
    let row_mean = m.mean_axis(Axis(1)).unwrap();
    let row_std = m.std_axis(Axis(1), 0.0);
    let mut want = Array2::zeros((rows, cols));
    for i in 0..rows {
        for j in 0..cols {
            // var_axis(0, ddof 1): 2 (m_ij - mean_j) / (rows - 1).
            want[[i, j]] += 2.0 * (m[[i, j]] - col_mean[j]) / (rows as f64 - 1.0);
            // std_axis(1, ddof 0) times column 0: m_i0 (m_ij - mean_i) / (cols std_i).
            want[[i, j]] += m[[i, 0]] * (m[[i, j]] - row_mean[i]) / (cols as f64 * row_std[i]);
        }
        // ... and the column's own gradient, std_i.
        want[[i, 0]] += row_std[i];
    }
    close(&flat(&g), &flat(&want), 1e-13, "d axis_spread");
}

#[test]
fn diag_row_column_gradients_place_the_seed() {
    let m = matrix();
    // The gradient of the trace is the identity, cut to m's shape.
    let g = trace_grad(&m);
    for ((i, j), &v) in g.indexed_iter() {
        assert_eq!(v, if i == j { 1.0 } else { 0.0 }, "d trace [{i}, {j}]");
    }
    let two = array![[1.0, 2.0], [3.0, 4.0]];
    assert_eq!(trace_grad(&two), array![[1.0, 0.0], [0.0, 1.0]]);
    assert_eq!(trace(&two), 5.0);

    let m = square();
    let n = 3;
    let g = rows_columns_grad(&m);
    let col3 = m.column(2);
    let mean = col3.mean().unwrap();
    let mut want = Array2::zeros((n, n));
    for k in 0..n {
        // row(1) . column(2): d/dm[1, k] = m[k, 2], d/dm[k, 2] = m[1, k].
        want[[1, k]] += m[[k, 2]];
        want[[k, 2]] += m[[1, k]];
        // row(0).exp().sum().
        want[[0, k]] += m[[0, k]].exp();
        // column(2).var(0).
        want[[k, 2]] += 2.0 * (m[[k, 2]] - mean) / n as f64;
    }
    close(&flat(&g), &flat(&want), 1e-14, "d rows_columns");
}

#[test]
fn product_axis_gradient_is_its_closed_form() {
    let m = matrix();
    let g = row_products_grad(&m);
    for ((i, j), &v) in g.indexed_iter() {
        let others: f64 = (0..4).filter(|&k| k != j).map(|k| m[[i, k]]).product();
        assert!(
            (v - others).abs() <= 1e-14,
            "d product_axis [{i}, {j}]: {v} vs {others}"
        );
    }
    // Exact at a zero: only the zero's own partial survives in its row.
    let mut z = matrix();
    z[[1, 2]] = 0.0;
    let g = row_products_grad(&z);
    let others: f64 = [0, 1, 3].iter().map(|&k| z[[1, k]]).product();
    assert_eq!(g[[1, 2]], others);
    assert_eq!(g[[1, 0]], 0.0);
}

fn square() -> Array2<f64> {
    array![[0.4, -1.1, 0.8], [1.3, 0.2, -0.6], [-0.5, 0.9, 1.7]]
}

// -------------------------------------------------------------------------------------------------
// Against differences: check_grad, f_jvp, f_hvp.
// -------------------------------------------------------------------------------------------------

#[track_caller]
fn grad_ok<E: std::fmt::Debug>(result: Result<(), E>, what: &str) {
    if let Err(e) = result {
        panic!("{what}: {e:?}");
    }
}

/// `f_jvp`'s tangent against central differences of `f` along `v`, and against `<grad, v>`.
#[track_caller]
fn jvp_ok(
    f: impl Fn(&Array2<f64>) -> f64,
    jvp: (f64, f64),
    grad: &Array2<f64>,
    m: &Array2<f64>,
    v: &Array2<f64>,
    what: &str,
) {
    let h = 1e-6;
    let fd = (f(&(m + &(v * h))) - f(&(m - &(v * h)))) / (2.0 * h);
    assert_eq!(jvp.0, f(m), "{what}: the jvp's value is the function's");
    assert!(
        (jvp.1 - fd).abs() <= 1e-6 * fd.abs().max(1.0),
        "{what}: jvp {} vs differences {fd}",
        jvp.1
    );
    let dot = (grad * v).sum();
    assert!(
        (jvp.1 - dot).abs() <= 1e-12 * dot.abs().max(1.0),
        "{what}: jvp {} vs <grad, v> {dot}",
        jvp.1
    );
}

/// `f_hvp` against central differences of `f_grad` along `v`.
#[track_caller]
fn hvp_ok(
    grad: impl Fn(&Array2<f64>) -> Array2<f64>,
    hvp: &Array2<f64>,
    m: &Array2<f64>,
    v: &Array2<f64>,
    what: &str,
) {
    let h = 1e-5;
    let fd = (grad(&(m + &(v * h))) - grad(&(m - &(v * h)))) / (2.0 * h);
    close(&flat(hvp), &flat(&fd), 1e-6, what);
}

#[test]
fn matrix_functions_against_differences() {
    type F = fn(&Array2<f64>) -> f64;
    type G = fn(&Array2<f64>) -> Array2<f64>;
    type J = fn(&Array2<f64>, (Array2<f64>,)) -> (f64, f64);
    type H = fn(&Array2<f64>, Array2<f64>) -> Array2<f64>;
    type Case = (&'static str, F, G, J, H, Array2<f64>);
    let cases: [Case; 6] = [
        (
            "axis_spread",
            axis_spread,
            axis_spread_grad,
            axis_spread_jvp,
            axis_spread_hvp,
            matrix(),
        ),
        ("trace", trace, trace_grad, trace_jvp, trace_hvp, matrix()),
        (
            "diagonals",
            diagonals,
            diagonals_grad,
            diagonals_jvp,
            diagonals_hvp,
            matrix(),
        ),
        (
            "rows_columns",
            rows_columns,
            rows_columns_grad,
            rows_columns_jvp,
            rows_columns_hvp,
            square(),
        ),
        (
            "row_products",
            row_products,
            row_products_grad,
            row_products_jvp,
            row_products_hvp,
            matrix(),
        ),
        (
            "products",
            products,
            products_grad,
            products_jvp,
            products_hvp,
            square(),
        ),
    ];
    for (what, f, grad, jvp, hvp, m) in cases {
        let v = matrix_direction().slice_move(autodiff::ndarray::s![..m.nrows(), ..m.ncols()]);
        grad_ok(check_grad(f, grad, &m), what);
        jvp_ok(f, jvp(&m, (v.clone(),)), &grad(&m), &m, &v, what);
        let hv = hvp(&m, v.clone());
        assert_eq!(hv.dim(), m.dim());
        hvp_ok(grad, &hv, &m, &v, what);
    }
}

#[test]
fn vector_functions_against_differences() {
    type F = fn(&Array1<f64>) -> f64;
    type G = fn(&Array1<f64>) -> Array1<f64>;
    type J = fn(&Array1<f64>, (Array1<f64>,)) -> (f64, f64);
    type H = fn(&Array1<f64>, Array1<f64>) -> Array1<f64>;
    let cases: [(&str, F, G, J, H); 3] = [
        (
            "variance",
            variance,
            variance_grad,
            variance_jvp,
            variance_hvp,
        ),
        (
            "deviation",
            deviation,
            deviation_grad,
            deviation_jvp,
            deviation_hvp,
        ),
        (
            "standardized",
            standardized,
            standardized_grad,
            standardized_jvp,
            standardized_hvp,
        ),
    ];
    let x = vector();
    let v = array![0.5, 0.1, -0.8, 1.0, 0.3];
    for (what, f, grad, jvp, hvp) in cases {
        grad_ok(check_grad(f, grad, &x), what);
        let h = 1e-6;
        let fd = (f(&(&x + &(&v * h))) - f(&(&x - &(&v * h)))) / (2.0 * h);
        let (value, t) = jvp(&x, (v.clone(),));
        assert_eq!(value, f(&x), "{what}");
        assert!(
            (t - fd).abs() <= 1e-6 * fd.abs().max(1.0),
            "{what}: jvp {t} vs {fd}"
        );
        assert!(
            (t - grad(&x).dot(&v)).abs() <= 1e-12 * t.abs().max(1.0),
            "{what}: jvp vs grad"
        );
        let h = 1e-5;
        let fd = (grad(&(&x + &(&v * h))) - grad(&(&x - &(&v * h)))) / (2.0 * h);
        close(&flat(&hvp(&x, v.clone())), &flat(&fd), 1e-6, what);
    }
    // The variance's Hessian is the centring matrix times 2 / (n - ddof).
    let n = x.len();
    let h = variance_hessian(&x);
    for i in 0..n {
        for j in 0..n {
            let want = 2.0 * (f64::from(u8::from(i == j)) - 1.0 / n as f64) / (n as f64 - 1.0);
            assert!((h[[i, j]] - want).abs() <= 1e-14, "var Hessian [{i}, {j}]");
        }
    }
}

#[test]
fn single_precision() {
    let x = array![0.3f32, -1.2, 2.0, 0.7];
    grad_ok(check_grad(variance32, variance32_grad, &x), "variance32");
    let n = x.len() as f32;
    let mean = x.mean().unwrap();
    let s = x.std(0.5);
    let want = x.mapv(|v| 2.0 * (v - mean) / (n - 1.0) + (v - mean) / ((n - 0.5) * s));
    let got = variance32_grad(&x);
    for (g, w) in got.iter().zip(&want) {
        assert!(
            (g - w).abs() <= 1e-5 * w.abs().max(1.0),
            "variance32: {g} vs {w}"
        );
    }
    let m = square().mapv(|v| v as f32);
    grad_ok(
        check_grad(selections32, selections32_grad, &m),
        "selections32",
    );
}

// -------------------------------------------------------------------------------------------------
// ndarray's panics, at the user's line.
// -------------------------------------------------------------------------------------------------

#[differentiable]
fn too_many_degrees(x: &Array1<f64>) -> f64 {
    x.var(4.0) // @ddof
}

#[differentiable]
fn past_the_last_row(m: &Array2<f64>) -> f64 {
    m.row(3).sum() // @row
}

/// The line of this file that ends with `// @name`.
fn line_of(name: &str) -> u32 {
    let marker = format!("// @{name}");
    let source = include_str!("ndarray_methods.rs");
    let k = source
        .lines()
        .position(|l| l.trim_end().ends_with(&marker))
        .expect("a marked line");
    k as u32 + 1
}

/// Runs `f`, which must panic, and returns the panic's (file, line, message).
fn panic_site<R>(f: impl FnOnce() -> R) -> (String, u32, String) {
    static HOOK: Once = Once::new();
    static SITE: Mutex<Option<(String, u32, String)>> = Mutex::new(None);
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let location = info.location().expect("a location");
            if location.file().ends_with("ndarray_methods.rs")
                || location.file().contains("autodiff")
            {
                let payload = info.payload();
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                *SITE.lock().unwrap() =
                    Some((location.file().to_string(), location.line(), message));
            } else {
                previous(info);
            }
        }));
    });
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    assert!(result.is_err(), "expected a panic");
    SITE.lock().unwrap().take().expect("the hook saw the panic")
}

#[test]
fn panics_are_reported_at_the_users_line() {
    let x = array![1.0, 2.0, 3.0];
    let m = square();
    for (file, line, message) in [
        panic_site(|| too_many_degrees_grad(&x)),
        panic_site(|| too_many_degrees_value_and_grad(&x)),
    ] {
        assert!(file.ends_with("ndarray_methods.rs"), "{file}");
        assert_eq!(line, line_of("ddof"));
        assert!(
            message.contains("`ddof` must not be less than zero or greater than the length"),
            "{message}"
        );
    }
    let (file, line, message) = panic_site(|| past_the_last_row_grad(&m));
    assert!(file.ends_with("ndarray_methods.rs"), "{file}");
    assert_eq!(line, line_of("row"));
    assert!(
        message.contains("index 3 is out of bounds for axis 0 of length 3"),
        "{message}"
    );
    // The undifferentiated function panics as ndarray does.
    assert!(panic::catch_unwind(|| too_many_degrees(&array![1.0, 2.0])).is_err());
}

// ---------------------------------------------------------------------------------------------------------
// Views by iterator (`rows`, `columns`, `outer_iter`, `axis_iter`), `from_shape_fn`, `map`,
// `mapv_into`, `remove_axis`, `fill`, `assign`: each written as what the subset already has.

/// Loops over the rows, the columns (enumerated), the outer views and the views along an axis.
#[differentiable(argnums = (0, 1))]
fn over_views(m: &Array2<f64>, w: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for row in m.rows() {
        s += row.dot(w).powi(2);
    }
    for (j, col) in m.columns().into_iter().enumerate() {
        s += col.sum() * j as f64;
    }
    let t: f64 = m.outer_iter().map(|r| r[0] * r[1]).sum();
    for v in m.axis_iter(Axis(1)) {
        s += v[0];
    }
    s + t
}

/// `from_shape_fn` over one axis and over two, reading differentiable values.
#[differentiable]
fn shaped(x: &Array1<f64>) -> f64 {
    let y = Array1::from_shape_fn(x.len(), |i| x[i] * i as f64);
    let m = Array2::from_shape_fn((2, x.len()), |(i, j)| x[j] * (i as f64 + 1.0));
    y.sum() + m.sum() * y[2]
}

/// `map` (by reference and by `&v`), `mapv_into`, `remove_axis`.
#[differentiable(argnums = (0, 1))]
fn aliases(x: &Array1<f64>, m: &Array2<f64>) -> f64 {
    let a = x.map(|v| v * v);
    let b = x.map(|&v| v.sin() * 2.0);
    let c = x.to_owned().mapv_into(|v| v.exp());
    let r = m
        .slice(autodiff::ndarray::s![0..1, ..])
        .to_owned()
        .remove_axis(Axis(0));
    a.sum() + b.sum() + c.sum() + r.dot(x)
}

/// `fill` and `assign` (with broadcasting) into local arrays.
#[differentiable(argnums = (0, 1))]
fn filled(x: &Array1<f64>, a: f64) -> f64 {
    let mut y: Array1<f64> = Array1::zeros(3);
    y.fill(a * 2.0);
    let s = y.sum();
    y.assign(&x.mapv(|v| v * a));
    let mut m: Array2<f64> = Array2::zeros((2, 3));
    m.assign(x);
    s + y.sum() * m.sum()
}

#[test]
fn views_shapes_and_in_place_methods_against_closed_forms() {
    let m = array![[0.3, -0.5], [1.2, 0.7], [0.1, 0.2]];
    let w = array![1.0, 2.0];
    let (gm, gw) = over_views_grad(&m, &w);
    for r in 0..3 {
        let d = m.row(r).dot(&w);
        // 2 (m_r . w) w + j (column sums) + the other element of the row + m[0][j] for row 0.
        let first = if r == 0 { 1.0 } else { 0.0 };
        let want = [
            2.0 * d * w[0] + m[[r, 1]] + first,
            2.0 * d * w[1] + 1.0 + m[[r, 0]] + first,
        ];
        close(gm.row(r).as_slice().unwrap(), &want, 1e-12, "over_views m");
    }
    let gw_want: Vec<f64> = (0..2)
        .map(|k| (0..3).map(|r| 2.0 * m.row(r).dot(&w) * m[[r, k]]).sum())
        .collect();
    close(gw.as_slice().unwrap(), &gw_want, 1e-12, "over_views w");

    let x = array![0.3, -0.5, 1.2];
    // x1 + 2 x2 + 6 x2 sum(x).
    let g = shaped_grad(&x);
    let sx = x.sum();
    close(
        g.as_slice().unwrap(),
        &[6.0 * x[2], 1.0 + 6.0 * x[2], 2.0 + 6.0 * sx + 6.0 * x[2]],
        1e-12,
        "shaped",
    );

    let mm = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let (gx, gmm) = aliases_grad(&x, &mm);
    let want: Vec<f64> = (0..3)
        .map(|i| 2.0 * x[i] + 2.0 * x[i].cos() + x[i].exp() + mm[[0, i]])
        .collect();
    close(gx.as_slice().unwrap(), &want, 1e-12, "aliases x");
    close(
        gmm.row(0).as_slice().unwrap(),
        x.as_slice().unwrap(),
        1e-12,
        "aliases m row 0",
    );
    close(
        gmm.row(1).as_slice().unwrap(),
        &[0.0; 3],
        1e-12,
        "aliases m row 1",
    );

    // 6a + 2a (sum x)^2.
    let a = 0.7;
    let (gx, ga) = filled_grad(&x, a);
    close(
        gx.as_slice().unwrap(),
        &[4.0 * a * sx; 3],
        1e-12,
        "filled x",
    );
    close(&[ga], &[6.0 + 2.0 * sx * sx], 1e-12, "filled a");

    autodiff::check_grad(
        |m: &Array2<f64>| over_views(m, &w),
        |m| over_views_grad(m, &w).0,
        &m,
    )
    .unwrap();
    autodiff::check_grad(shaped, shaped_grad, &x).unwrap();
    autodiff::check_grad(
        |x: &Array1<f64>| aliases(x, &mm),
        |x| aliases_grad(x, &mm).0,
        &x,
    )
    .unwrap();
}

/// `select` with indices from a constant parameter (repeated and reordered), in `f64` and `f32`.
#[differentiable(jvp, hessian)]
fn picked(m: &Array2<f64>, rows: &[usize]) -> f64 {
    let s = m.select(Axis(0), rows);
    (&s * &s).sum() + s.select(Axis(1), &[3, 0]).sum()
}

#[differentiable]
fn picked_f32(x: &Array1<f32>, idx: &[usize]) -> f32 {
    x.select(Axis(0), idx).mapv(|v| v.sin()).sum()
}

#[test]
fn select_gathers_the_gradients_of_repeated_indices() {
    let m = matrix();
    let rows = [2, 0, 2];
    // Row r's gradient: 2 m_r per time selected, plus 1 in columns 3 and 0 per time selected.
    let g = picked_grad(&m, &rows);
    for r in 0..3 {
        let times = rows.iter().filter(|&&k| k == r).count() as f64;
        let want: Vec<f64> = (0..4)
            .map(|j| times * (2.0 * m[[r, j]] + if j == 3 || j == 0 { 1.0 } else { 0.0 }))
            .collect();
        close(g.row(r).as_slice().unwrap(), &want, 1e-12, "picked");
    }
    check_grad(|m| picked(m, &rows), |m| picked_grad(m, &rows), &m).unwrap();
    // f_jvp against the gradient, f_hvp against 2 (times selected) v on the selected rows.
    let dir = matrix_direction();
    let (value, tangent) = picked_jvp(&m, &rows, (dir.clone(),));
    assert!((value - picked(&m, &rows)).abs() <= 1e-12 * value.abs());
    assert!((tangent - (&g * &dir).sum()).abs() <= 1e-12 * tangent.abs().max(1.0));
    let hv = picked_hvp(&m, &rows, dir.clone());
    for r in 0..3 {
        let times = rows.iter().filter(|&&k| k == r).count() as f64;
        let want: Vec<f64> = (0..4).map(|j| 2.0 * times * dir[[r, j]]).collect();
        close(hv.row(r).as_slice().unwrap(), &want, 1e-12, "picked hvp");
    }

    let x = array![0.3f32, -1.2, 2.0, 0.7];
    let idx = vec![3, 1, 3];
    let g = picked_f32_grad(&x, &idx);
    let want = [0.0, x[1].cos(), 0.0, 2.0 * x[3].cos()];
    for (k, (a, b)) in g.iter().zip(want).enumerate() {
        assert!((a - b).abs() <= 1e-6, "picked_f32[{k}]: {a} != {b}");
    }
}

/// `Zip::from(..).and(..).map_collect(..)` over matrices, three operands (the last a constant).
#[differentiable(argnums = (0, 1))]
fn zipped(m: &Array2<f64>, n: &Array2<f64>, c: &Array2<f64>) -> f64 {
    let z = autodiff::ndarray::Zip::from(m)
        .and(n)
        .and(c)
        .map_collect(|&a, &b, &k| a * b + (a * k).sin());
    (&z * &z).sum()
}

/// `zip_mut_with` with the other operand broadcast (a row onto every row), assigning and adding.
#[differentiable(argnums = (0, 1))]
fn zipped_in_place(m: &Array2<f64>, row: &Array1<f64>) -> f64 {
    let mut z = m.to_owned();
    z.zip_mut_with(row, |a, &b| *a = *a * b + b.cos());
    z.zip_mut_with(m, |a, &b| *a += b * b);
    z.sum()
}

#[differentiable]
fn zipped_f32(x: &Array1<f32>, y: &Array1<f32>) -> f32 {
    let z = autodiff::ndarray::Zip::from(x)
        .and(y)
        .map_collect(|&a, &b| a * b.exp());
    z.sum()
}

#[test]
fn zip_map_collect_and_zip_mut_with_against_closed_forms_and_differences() {
    let m = matrix();
    let n = matrix_direction();
    let c = Array2::from_shape_fn((3, 4), |(i, j)| 0.1 * (i + j) as f64 - 0.2);
    let (gm, gn) = zipped_grad(&m, &n, &c);
    for ((i, j), &a) in m.indexed_iter() {
        let (b, k) = (n[[i, j]], c[[i, j]]);
        let z = a * b + (a * k).sin();
        let want_m = 2.0 * z * (b + k * (a * k).cos());
        let want_n = 2.0 * z * a;
        close(
            &[gm[[i, j]], gn[[i, j]]],
            &[want_m, want_n],
            1e-12,
            "zipped",
        );
    }
    check_grad(|m| zipped(m, &n, &c), |m| zipped_grad(m, &n, &c).0, &m).unwrap();
    check_grad(|n| zipped(&m, n, &c), |n| zipped_grad(&m, n, &c).1, &n).unwrap();

    // z = m * row + cos(row) + m^2: dz/dm = row + 2 m, dz/drow = sum over rows of (m - sin(row)).
    let row = array![0.3, -1.1, 0.8, 2.0];
    let (gm, grow) = zipped_in_place_grad(&m, &row);
    for ((i, j), &a) in m.indexed_iter() {
        close(&[gm[[i, j]]], &[row[j] + 2.0 * a], 1e-12, "in place m");
    }
    for j in 0..4 {
        let want: f64 = (0..3).map(|i| m[[i, j]] - row[j].sin()).sum();
        close(&[grow[j]], &[want], 1e-12, "in place row");
    }
    check_grad(
        |m| zipped_in_place(m, &row),
        |m| zipped_in_place_grad(m, &row).0,
        &m,
    )
    .unwrap();
    check_grad(
        |r| zipped_in_place(&m, r),
        |r| zipped_in_place_grad(&m, r).1,
        &row,
    )
    .unwrap();

    let x = array![0.3f32, -0.7, 1.1];
    let y = array![0.2f32, 0.5, -0.4];
    let g = zipped_f32_grad(&x, &y);
    for k in 0..3 {
        assert!((g[k] - y[k].exp()).abs() <= 1e-6, "zipped_f32[{k}]");
    }
}

#[test]
#[should_panic(expected = "Zip: the operands' shapes differ")]
fn zip_checks_its_operands_shapes() {
    let m = matrix();
    let n = Array2::from_shape_fn((4, 3), |(i, j)| (i + j) as f64);
    let c = Array2::zeros((3, 4));
    let _ = zipped_grad(&m, &n, &c);
}

/// `accumulate_axis_inplace`: a cumulative sum (1-D) and a discounted sum along the columns (2-D).
#[differentiable]
fn cumulative(x: &Array1<f64>) -> f64 {
    let mut z = x.to_owned();
    z.accumulate_axis_inplace(Axis(0), |&prev, curr| *curr += prev);
    (&z * &z).sum()
}

#[differentiable]
fn discounted(m: &Array2<f64>) -> f64 {
    let mut z = m.mapv(|v| v.sin());
    z.accumulate_axis_inplace(Axis(1), |prev, curr| *curr = *curr * 0.5 + *prev);
    (&z * &z).sum() + z.column(3).sum()
}

#[differentiable]
fn cumulative_f32(x: &Array1<f32>) -> f32 {
    let mut z = x.to_owned();
    z.accumulate_axis_inplace(Axis(0), |&prev, curr| *curr += prev);
    z.sum()
}

#[test]
fn accumulate_axis_inplace_against_closed_forms_and_differences() {
    let x = vector();
    // z_k = x_0 + .. + x_k; d/dx_j sum z_k^2 = 2 sum_{k >= j} z_k.
    let mut z = x.clone();
    z.accumulate_axis_inplace(Axis(0), |&p, c| *c += p);
    let g = cumulative_grad(&x);
    for j in 0..x.len() {
        let want: f64 = (j..x.len()).map(|k| 2.0 * z[k]).sum();
        close(&[g[j]], &[want], 1e-12, "cumulative");
    }
    assert_eq!(cumulative_value_and_grad(&x).0, cumulative(&x));
    check_grad(cumulative, cumulative_grad, &x).unwrap();
    let m = matrix();
    check_grad(discounted, discounted_grad, &m).unwrap();
    assert_eq!(
        discounted_value_and_grad(&m).0.to_bits(),
        discounted(&m).to_bits()
    );
    // f32: d/dx_j sum_k z_k = n - j.
    let x32 = array![0.5f32, -0.2, 1.0, 0.3];
    let g = cumulative_f32_grad(&x32);
    for j in 0..4 {
        assert_eq!(g[j], (4 - j) as f32, "cumulative_f32[{j}]");
    }
}

/// Rows and columns of a local matrix written in place: `row_mut(i).assign(&e)`, `column_mut(j).fill(v)`
/// (what is overwritten gets no gradient).
#[differentiable]
fn written_lines(x: &Array1<f64>) -> f64 {
    let mut m = Array2::zeros((3, x.len()));
    m.row_mut(0).assign(x);
    m.row_mut(2).assign(&x.mapv(|v| v * v));
    m.column_mut(1).fill(x[0] * 3.0);
    (&m * &m).sum()
}

#[test]
fn rows_and_columns_written_in_place() {
    let x = array![0.7, -1.3, 0.4];
    // m = [[x0, 3 x0, x2], [0, 3 x0, 0], [x0^2, 3 x0, x2^2]]: 28 x0^2 + x0^4 + x2^2 + x2^4.
    let (v, g) = written_lines_value_and_grad(&x);
    assert_eq!(v, written_lines(&x));
    let want = [
        56.0 * x[0] + 4.0 * x[0].powi(3),
        0.0,
        2.0 * x[2] + 4.0 * x[2].powi(3),
    ];
    for i in 0..3 {
        assert!(
            (g[i] - want[i]).abs() < 1e-12,
            "{i}: {} against {}",
            g[i],
            want[i]
        );
    }
    autodiff::check_grad(written_lines, written_lines_grad, &x).unwrap();
}
