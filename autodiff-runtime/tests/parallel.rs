//! Fused kernels with the `rayon` feature, above `PARALLEL_THRESHOLD` elements (run in chunks on rayon's
//! pool), against the serial kernels' results: array gradients to the bit (each element's partial is
//! computed the same way), values and scalar gradients within the bound the module documents (a sum of
//! the same terms in another order), and the same bits whatever the number of threads.
//!
//! The serial results are computed here the way the serial kernels compute them: a value is
//! `unrolled_sum` over the chain's terms (the serial kernel is that call), a scalar operand's gradient is
//! the sum of its partials one after the other from zero, an array operand's gradient is its partials
//! (summed back by `sum_to` where it was broadcast, placed by `slice_vjp` where it is a slice).
//!
//! `cargo test -p autodiff-runtime --features rayon`
#![cfg(feature = "rayon")]

use autodiff_runtime::broadcast::sum_to;
use autodiff_runtime::fused::{PARALLEL_CHUNK, PARALLEL_THRESHOLD};
use autodiff_runtime::rules::{self, NoGrad};
use autodiff_runtime::Real;
use ndarray::{s, Array, Array1, Array2, Dimension};

fn vec_x(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.37 * i as f64 + 0.1).sin() * 1.5)
}

fn vec_y(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.11 * i as f64).cos())
}

/// Sizes that run in parallel (the threshold itself, odd lengths that are multiples neither of the
/// block of eight nor of the chunk, one chunk and a few elements more than the threshold), and one
/// just below it, which runs the serial kernel.
fn sizes() -> [usize; 5] {
    [
        PARALLEL_THRESHOLD - 1,
        PARALLEL_THRESHOLD,
        PARALLEL_THRESHOLD + PARALLEL_CHUNK + 5,
        100_003,
        1_000_001,
    ]
}

/// The serial kernel's sum of `terms` (row-major order): the kernel is this call.
fn serial_sum<F: Real>(terms: &[F]) -> F {
    rules::unrolled_sum(terms.len(), |i| terms[i])
}

/// A serial scalar sink: the partials added one after the other, from zero.
fn serial_scalar<'a, F: Real>(partials: impl IntoIterator<Item = &'a F>) -> F {
    partials.into_iter().fold(F::zero(), |acc, &p| acc + p)
}

/// `got` (parallel) against `want` (serial), sums of `n` terms whose magnitudes add up to `magnitude`:
/// within `2 (adds + 16) eps magnitude`, where `adds` is the number of additions a term passes through
/// (`n / 8` for a value, `n` for a scalar gradient); to the bit below the threshold.
fn assert_sum<F: Real>(what: &str, got: F, want: F, n: usize, adds: usize, magnitude: f64) {
    if n < PARALLEL_THRESHOLD {
        assert_eq!(
            got.as_f64().to_bits(),
            want.as_f64().to_bits(),
            "{what}: n = {n}, serial"
        );
        return;
    }
    let bound = 2.0 * (adds + 16) as f64 * F::epsilon().as_f64() * magnitude;
    let (got, want) = (got.as_f64(), want.as_f64());
    let diff = (got - want).abs();
    assert!(
        diff <= bound,
        "{what}: n = {n}: parallel {got:e}, serial {want:e}, difference {diff:e} > bound {bound:e}"
    );
}

fn magnitude<'a, F: Real>(terms: impl IntoIterator<Item = &'a F>) -> f64 {
    terms.into_iter().map(|t| t.as_f64().abs()).sum()
}

fn assert_bits<F: Real, D: Dimension>(what: &str, got: &Array<F, D>, want: &Array<F, D>) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    let same = got
        .iter()
        .zip(want)
        .all(|(a, b)| a.as_f64().to_bits() == b.as_f64().to_bits());
    assert!(same, "{what}: an element differs from the serial partial");
}

#[test]
fn every_kernel_kind_against_the_serial_kernel() {
    // W2's chain, `(x - y)^2`: sum, its reverse, both in one pass, and the three mean kernels.
    let f = |x: f64, y: f64| (x - y) * (x - y);
    let df = |x: f64, y: f64, g: f64| {
        let d = g * 2.0 * (x - y);
        (d, -d)
    };
    for n in sizes() {
        let (x, y) = (vec_x(n), vec_y(n));
        let terms: Vec<f64> = x.iter().zip(&y).map(|(&x, &y)| f(x, y)).collect();
        let (want, mag) = (serial_sum(&terms), magnitude(&terms));
        let count = n as f64;

        let value = rules::fused_sum2(&x, &y, f);
        assert_sum("fused_sum2", value, want, n, n / 8, mag);
        let mean = rules::fused_mean2(&x, &y, f);
        assert_sum("fused_mean2", mean, want / count, n, n / 8, mag / count);

        for g in [1.0, 0.75] {
            let gx = Array1::from_shape_fn(n, |i| df(x[i], y[i], g).0);
            let gy = Array1::from_shape_fn(n, |i| df(x[i], y[i], g).1);
            let (px, py) = rules::fused_sum2_vjp(&x, &y, g, df);
            assert_bits("fused_sum2_vjp x", &px, &gx);
            assert_bits("fused_sum2_vjp y", &py, &gy);
        }
        let (px, py) = rules::fused_mean2_vjp(&x, &y, 2.0, df);
        let seed = 2.0 / count;
        assert_bits(
            "fused_mean2_vjp x",
            &px,
            &Array1::from_shape_fn(n, |i| df(x[i], y[i], seed).0),
        );
        assert_bits(
            "fused_mean2_vjp y",
            &py,
            &Array1::from_shape_fn(n, |i| df(x[i], y[i], seed).1),
        );

        // In one pass: the value has the bits of the forward kernel's (the same chunks), the partials
        // those of the reverse for seed one.
        let (v, (px, py)) = rules::fused_sum2_value_vjp(&x, &y, |x, y, g| (f(x, y), df(x, y, g)));
        assert_eq!(
            v.to_bits(),
            value.to_bits(),
            "fused_sum2_value_vjp, n = {n}"
        );
        let (gx, gy) = rules::fused_sum2_vjp(&x, &y, 1.0, df);
        assert_bits("fused_sum2_value_vjp x", &px, &gx);
        assert_bits("fused_sum2_value_vjp y", &py, &gy);
        let (m, (px, _)) = rules::fused_mean2_value_vjp(&x, &y, |x, y, g| (f(x, y), df(x, y, g)));
        assert_eq!(
            m.to_bits(),
            mean.to_bits(),
            "fused_mean2_value_vjp, n = {n}"
        );
        assert_bits(
            "fused_mean2_value_vjp x",
            &px,
            &Array1::from_shape_fn(n, |i| df(x[i], y[i], 1.0 / count).0),
        );

        // One operand (W1's chain).
        let sq: Vec<f64> = x.iter().map(|v| v * v).collect();
        let (v, g) = rules::fused_sum1_value_vjp(&x, |x, g| (x * x, g * 2.0 * x));
        assert_sum(
            "fused_sum1_value_vjp",
            v,
            serial_sum(&sq),
            n,
            n / 8,
            magnitude(&sq),
        );
        assert_bits("fused_sum1_value_vjp", &g, &x.mapv(|x| 2.0 * x));
    }
}

#[test]
fn f32_sums_stay_within_the_bound() {
    for n in sizes() {
        let x = vec_x(n).mapv(|v| v as f32);
        let y = vec_y(n).mapv(|v| v as f32);
        let terms: Vec<f32> = x.iter().zip(&y).map(|(&x, &y)| (x - y) * (x - y)).collect();
        let (v, (gx, gy)) = rules::fused_sum2_value_vjp(&x, &y, |x, y, g| {
            let d = g * 2.0 * (x - y);
            ((x - y) * (x - y), (d, -d))
        });
        assert_sum("f32 W2", v, serial_sum(&terms), n, n / 8, magnitude(&terms));
        assert_bits("f32 W2 x", &gx, &(&x - &y).mapv(|d| 2.0 * d));
        assert_bits("f32 W2 y", &gy, &(&x - &y).mapv(|d| -(2.0 * d)));
        let sq: Vec<f32> = x.iter().map(|v| v * v).collect();
        let value = rules::fused_sum1(&x, |x| x * x);
        assert_sum("f32 W1", value, serial_sum(&sq), n, n / 8, magnitude(&sq));
    }
}

#[test]
fn broadcast_and_scalar_operands_against_the_serial_kernel() {
    // `m` (rows x 129) with a row (129) and a column (rows x 1) broadcast over it and a scalar `w`:
    // 129 columns make rows of a length that is no multiple of eight.
    let f = |m: f64, r: f64, c: f64, w: f64| (m * w + r - c).tanh();
    let df = |m: f64, r: f64, c: f64, w: f64, g: f64| {
        let t = (m * w + r - c).tanh();
        let dt = g * (1.0 - t * t);
        (dt * w, dt, -dt, dt * m)
    };
    // Rows: below the threshold (the serial kernel), just above it, and many.
    for rows in [PARALLEL_THRESHOLD / 129, PARALLEL_THRESHOLD / 129 + 1, 7753] {
        let n = rows * 129;
        let m = Array2::from_shape_fn((rows, 129), |(i, j)| {
            (0.01 * (i * 129 + j) as f64 + 0.3).sin()
        });
        let row = Array1::from_shape_fn(129, |j| 0.3 * (0.2 * j as f64).cos());
        let col = Array2::from_shape_fn((rows, 1), |(i, _)| 0.1 * (0.05 * i as f64).sin());
        let w = 1.3;
        let terms =
            Array2::from_shape_fn((rows, 129), |(i, j)| f(m[[i, j]], row[j], col[[i, 0]], w));
        let terms = terms.as_slice().unwrap();
        let (want, mag) = (serial_sum(terms), magnitude(terms));
        let value = rules::fused_sum4(&m, &row, &col, &w, f);
        assert_sum("fused_sum4", value, want, n, n / 8, mag);
        let mean = rules::fused_mean4(&m, &row, &col, &w, f);
        assert_sum(
            "fused_mean4",
            mean,
            want / n as f64,
            n,
            n / 8,
            mag / n as f64,
        );

        for g in [1.0, 0.75] {
            let (m, row, col) = (&m, &row, &col);
            let partials = |k: usize| {
                Array2::from_shape_fn((rows, 129), |(i, j)| {
                    let d = df(m[[i, j]], row[j], col[[i, 0]], w, g);
                    [d.0, d.1, d.2, d.3][k]
                })
            };
            let want_m = partials(0);
            let want_row: Array1<f64> = sum_to(partials(1), &row.raw_dim());
            let want_col: Array2<f64> = sum_to(partials(2), &col.raw_dim());
            let pw = partials(3);
            let want_w = serial_scalar(&pw);
            let (gm, grow, gcol, gw) = rules::fused_sum4_vjp(&m, &row, &col, &w, g, df);
            assert_bits("broadcast m", &gm, &want_m);
            assert_bits("broadcast row", &grow, &want_row);
            assert_bits("broadcast col", &gcol, &want_col);
            assert_sum("scalar w", gw, want_w, n, n, magnitude(&pw));
            if g == 1.0 {
                let (v, (gm1, grow1, gcol1, gw1)) =
                    rules::fused_sum4_value_vjp(&m, &row, &col, &w, |m, r, c, w, g| {
                        (f(m, r, c, w), df(m, r, c, w, g))
                    });
                assert_eq!(v.to_bits(), value.to_bits(), "fused_sum4_value_vjp");
                assert_bits("value_vjp m", &gm1, &gm);
                assert_bits("value_vjp row", &grow1, &grow);
                assert_bits("value_vjp col", &gcol1, &gcol);
                // The scalar's partial sums are the same chunks as the reverse's: the same bits.
                assert_eq!(gw1.to_bits(), gw.to_bits(), "value_vjp w");
            }
        }
        let (_, _, _, gw) = rules::fused_mean4_vjp(&m, &row, &col, &w, 1.0, df);
        let seed = 1.0 / n as f64;
        let pw: Vec<f64> = (0..rows)
            .flat_map(|i| (0..129).map(move |j| (i, j)))
            .map(|(i, j)| df(m[[i, j]], row[j], col[[i, 0]], w, seed).3)
            .collect();
        assert_sum(
            "mean scalar w",
            gw,
            serial_scalar(&pw),
            n,
            n,
            magnitude(&pw),
        );
        let (mv, (_, _, _, gw1)) =
            rules::fused_mean4_value_vjp(&m, &row, &col, &w, |m, r, c, w, g| {
                (f(m, r, c, w), df(m, r, c, w, g))
            });
        assert_eq!(mv.to_bits(), mean.to_bits(), "fused_mean4_value_vjp");
        assert_eq!(gw1.to_bits(), gw.to_bits(), "fused_mean4_value_vjp w");
    }
}

/// `sum((b - a^2)^2)` over `a = x.slice(sa)`, `b = x.slice(sb)` read in place (`Sliced`), against the
/// serial partials placed by `slice_vjp`; and with `b` a constant (`NoGrad`).
fn sliced_pair<D, I, J>(x: &Array<f64, D>, sa: I, sb: J)
where
    D: Dimension,
    I: ndarray::SliceArg<D, OutDim = D> + Copy,
    J: ndarray::SliceArg<D, OutDim = D> + Copy,
{
    let f = |a: f64, b: f64| (b - a * a) * (b - a * a);
    let df = |a: f64, b: f64, g: f64| {
        let d = g * 2.0 * (b - a * a);
        (-2.0 * a * d, d)
    };
    let (a, b) = (rules::slice(x, sa), rules::slice(x, sb));
    let n = a.len();
    assert!(
        n >= PARALLEL_THRESHOLD,
        "{n} elements: not a parallel kernel"
    );
    let terms: Vec<f64> = a.iter().zip(&b).map(|(&a, &b)| f(a, b)).collect();
    let pa = Array::from_shape_vec(
        a.raw_dim(),
        a.iter().zip(&b).map(|(&a, &b)| df(a, b, 0.5).0).collect(),
    )
    .unwrap();
    let pb = Array::from_shape_vec(
        a.raw_dim(),
        a.iter().zip(&b).map(|(&a, &b)| df(a, b, 0.5).1).collect(),
    )
    .unwrap();
    let (want_a, want_b) = (rules::slice_vjp(x, sa, pa), rules::slice_vjp(x, sb, pb));

    let (va, vb) = (rules::sliced(x, sa), rules::sliced(x, sb));
    let value = rules::fused_sum2(&va, &vb, f);
    assert_sum(
        "sliced",
        value,
        serial_sum(&terms),
        n,
        n / 8,
        magnitude(&terms),
    );
    let (ga, gb) = rules::fused_sum2_vjp(&va, &vb, 0.5, df);
    assert_bits("sliced a", &ga, &want_a);
    assert_bits("sliced b", &gb, &want_b);
    let (ga, ()) = rules::fused_sum2_vjp(&va, &NoGrad(&vb), 0.5, df);
    assert_bits("sliced a, b constant", &ga, &want_a);
    let (v, (ga, ())) =
        rules::fused_sum2_value_vjp(&va, &NoGrad(&vb), |a, b, g| (f(a, b), df(a, b, g)));
    assert_eq!(v.to_bits(), value.to_bits(), "sliced value_vjp");
    assert_bits("sliced value_vjp a", &rules::rescale(ga, 0.5), &want_a);

    // Both slices adding into one gradient buffer (a parallel kernel gives each its own buffer, added
    // into the shared one after the chunks): the sum of the two gradients, to the bit.
    let want = &want_a + &want_b;
    let shared = rules::shared_grad(x);
    let (va, vb) = (
        rules::sliced_into(x, sa, &shared),
        rules::sliced_owner(x, sb, &shared),
    );
    let (rules::Merged, g) = rules::fused_sum2_vjp(&va, &vb, 0.5, df);
    assert_bits("shared slices", &g, &want);
    let shared = rules::shared_grad(x);
    let (va, vb) = (
        rules::sliced_into(x, sa, &shared),
        rules::sliced_owner(x, sb, &shared),
    );
    let (v, (rules::Merged, g)) =
        rules::fused_sum2_value_vjp(&va, &vb, |a, b, g| (f(a, b), df(a, b, g)));
    assert_eq!(v.to_bits(), value.to_bits(), "shared slices value_vjp");
    assert_bits("shared slices value_vjp", &rules::rescale(g, 0.5), &want);
}

#[test]
fn slices_and_constants_against_the_serial_kernel() {
    // Contiguous slices of a vector (written straight into the whole gradient, chunk by chunk).
    let x = vec_x(200_003);
    sliced_pair(&x, s![..-1], s![1..]);
    sliced_pair(
        &x,
        s![5..PARALLEL_THRESHOLD + 12],
        s![0..PARALLEL_THRESHOLD + 7],
    );
    // Strided and reversed slices, and column slices of a matrix (their own buffer, then placed).
    sliced_pair(&x, s![..-1;2], s![1..;2]);
    sliced_pair(&x, s![..;-1], s![..]);
    let m = Array2::from_shape_fn((401, 203), |(i, j)| (i as f64 - 0.3 * j as f64).sin());
    sliced_pair(&m, s![1.., ..], s![..-1, ..]);
    sliced_pair(&m, s![.., 1..], s![.., ..-1]);
}

#[test]
fn six_operands_of_every_kind() {
    // An array, a scalar, a constant array, a slice read in place, a constant scalar, a strided view.
    let n = PARALLEL_THRESHOLD + 3 * PARALLEL_CHUNK + 13;
    let (x, y) = (vec_x(n), vec_y(n));
    let u = vec_x(n + 2);
    let t = Array2::from_shape_fn((n, 2), |(i, j)| (i + j) as f64 * 1e-5);
    let tc = t.column(1);
    let (w, c) = (0.6, 2.0);
    let f = |x: f64, w: f64, y: f64, u: f64, c: f64, t: f64| x * w - y * u + c * t;
    let df = |x: f64, w: f64, y: f64, u: f64, c: f64, t: f64, g: f64| {
        (g * w, g * x, -g * u, -g * y, g * t, g * c)
    };
    let us = rules::sliced(&u, s![2..]);
    let (v, (gx, gw, (), gu, (), gt)) = rules::fused_sum6_value_vjp(
        &x,
        &w,
        &NoGrad(&y),
        &us,
        &NoGrad(c),
        &tc,
        |x, w, y, u, c, t, g| (f(x, w, y, u, c, t), df(x, w, y, u, c, t, g)),
    );
    let terms: Vec<f64> = (0..n)
        .map(|i| f(x[i], w, y[i], u[i + 2], c, tc[i]))
        .collect();
    assert_sum("six", v, serial_sum(&terms), n, n / 8, magnitude(&terms));
    assert_eq!(
        v.to_bits(),
        rules::fused_sum6(&x, &w, &y, &us, &c, &tc, f).to_bits()
    );
    assert_eq!(
        rules::fused_mean6(&x, &w, &y, &us, &c, &tc, f).to_bits(),
        (v / n as f64).to_bits()
    );
    assert_bits("six x", &gx, &Array1::from_elem(n, w));
    let pw: Vec<f64> = x.to_vec();
    assert_sum("six w", gw, serial_scalar(&pw), n, n, magnitude(&pw));
    let mut want_u = Array1::zeros(n + 2);
    want_u.slice_mut(s![2..]).assign(&y.mapv(|y| -y));
    assert_bits("six u", &gu, &want_u);
    assert_bits("six t", &gt, &Array1::from_elem(n, c));
    let (gx, ..) = rules::fused_mean6_vjp(&x, &w, &y, &us, &c, &tc, 1.0, df);
    assert_bits(
        "six mean x",
        &gx,
        &Array1::from_elem(n, (1.0 / n as f64) * w),
    );
}

#[test]
fn the_bits_do_not_depend_on_the_number_of_threads() {
    let n = 1_000_001;
    let (x, y) = (vec_x(n), vec_y(n));
    let w = 0.6;
    let run = || -> (f64, (Array1<f64>, Array1<f64>, f64)) {
        rules::fused_sum3_value_vjp(&x, &y, &w, |x, y, w, g| {
            let d = x * w - y;
            let dd = g * 2.0 * d;
            (d * d, (dd * w, -dd, dd * x))
        })
    };
    let (v, (gx, gy, gw)) = run();
    for threads in [1, 2, 3, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for _ in 0..3 {
            let (v2, (gx2, gy2, gw2)) = pool.install(run);
            assert_eq!(v2.to_bits(), v.to_bits(), "{threads} threads: value");
            assert_eq!(
                gw2.to_bits(),
                gw.to_bits(),
                "{threads} threads: scalar gradient"
            );
            assert_bits("x", &gx2, &gx);
            assert_bits("y", &gy2, &gy);
        }
    }
}

#[test]
fn a_rescaled_gradient_keeps_its_bits() {
    let x = vec_x(PARALLEL_THRESHOLD + 3);
    for g in [1.0, 0.75, -3.0] {
        assert_bits("rescale", &rules::rescale(x.clone(), g), &x.mapv(|t| t * g));
    }
}

#[test]
fn above_the_threshold_the_chunks_run() {
    // The sum in chunks adds the terms in another order than the serial sum: for these inputs the
    // bits differ (by a few units in the last place), which shows that the parallel kernel ran.
    let n = 1_000_001;
    let (x, y) = (vec_x(n), vec_y(n));
    let f = |x: f64, y: f64| (x - y) * (x - y);
    let terms: Vec<f64> = x.iter().zip(&y).map(|(&x, &y)| f(x, y)).collect();
    let (parallel, serial) = (rules::fused_sum2(&x, &y, f), serial_sum(&terms));
    assert_ne!(parallel.to_bits(), serial.to_bits());
    assert!(((parallel - serial) / serial).abs() < 1e-13);
}

#[test]
fn a_panic_in_a_chunk_reaches_the_caller() {
    // A panic in any chunk, whichever thread runs it, is the kernel's panic (after every other chunk
    // has finished), and the kernel can run again.
    let n = PARALLEL_THRESHOLD + 2 * PARALLEL_CHUNK + 3;
    for bad in [0, PARALLEL_CHUNK + 1, 3 * PARALLEL_CHUNK + 7, n - 1] {
        let mut x = vec_x(n);
        x[bad] = f64::NAN;
        let result = std::panic::catch_unwind(|| {
            rules::fused_sum1_value_vjp(&x, |x, g| {
                assert!(!x.is_nan(), "a NaN in the chunk");
                (x * x, g * 2.0 * x)
            })
        });
        let payload = result.expect_err("the kernel panics");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"a NaN in the chunk"));
    }
    let x = vec_x(n);
    let (v, _) = rules::fused_sum1_value_vjp(&x, |x, g| (x * x, g * 2.0 * x));
    assert!(v > 0.0);
}
