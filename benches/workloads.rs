//! The benchmark suite of the six JAX workloads (W1-W6 of `tests/workloads.rs`, inputs the closed forms
//! of `shared/data/jax-workloads.py`): for every workload and size, the primal `f`, the generated
//! `f_value_and_grad` (what users call) and a careful hand-written fused value-and-gradient, timed in the
//! same criterion group. Every hand-written gradient is checked against the generated one at startup.
//!
//! Run pinned to one core: `taskset -c 0 cargo bench --bench workloads` (about 5 minutes);
//! `AUTODIFF_BENCH_QUICK=1` for a short run, `-- W5` (any criterion filter) for one workload;
//! `AUTODIFF_BENCH_COUNT=W5_f64/generated_loop/100000` runs one benchmark's function in `measured`, untimed,
//! for `valgrind --tool=callgrind --toggle-collect='*measured*'`.
//! `python3 benches/report.py` prints the table of BENCHMARKS.md from the results.
use autodiff::ndarray::linalg::general_mat_mul;
use autodiff::ndarray::{s, Array, Array1, Array2, Axis, Dimension};
use autodiff::prelude::*;
use autodiff::Real;
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion};
use std::fmt::Display;
use std::hint::black_box;
use std::mem::MaybeUninit;
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// Inputs, exactly as the docstrings of jax-workloads.py write them (as in tests/workloads.rs)
// ---------------------------------------------------------------------------------------------

/// `x[i] = sin(0.37*i + 0.1) * 1.5`.
fn vec_x(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.37 * i as f64 + 0.1).sin() * 1.5)
}

/// `y[i] = cos(0.11*i)`.
fn vec_y(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.11 * i as f64).cos())
}

/// `M[i,j] = sin(0.01*(i*cols + j) + 0.3)`.
fn mat_sin(rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        (0.01 * ((i * cols + j) as f64) + 0.3).sin()
    })
}

fn w3_inputs() -> (Array1<f64>, f64, Array2<f64>, Array1<f64>) {
    let xm = mat_sin(1000, 100);
    let t = Array1::from_shape_fn(1000, |i| if i % 3 == 0 { 1.0 } else { -1.0 });
    let w = Array1::from_shape_fn(100, |j| 0.05 * (0.3 * j as f64 + 0.2).cos());
    (w, 0.1, xm, t)
}

struct W4 {
    w1: Array2<f64>,
    b1: Array1<f64>,
    w2: Array2<f64>,
    b2: Array1<f64>,
    x: Array2<f64>,
    y: Array2<f64>,
}

fn w4_inputs() -> W4 {
    W4 {
        w1: Array2::from_shape_fn((64, 128), |(i, j)| {
            0.1 * (0.05 * ((i * 128 + j) as f64)).cos()
        }),
        b1: Array1::from_shape_fn(128, |j| 0.01 * (0.2 * j as f64).sin()),
        w2: Array2::from_shape_fn((128, 1), |(i, _)| 0.1 * (0.03 * i as f64 + 0.5).sin()),
        b2: Array1::from_elem(1, 0.05),
        x: mat_sin(256, 64),
        y: Array2::from_shape_fn((256, 1), |(i, _)| (0.02 * i as f64).cos()),
    }
}

/// `logits[i,j] = 2.0*sin(0.13*(i*10 + j) + 0.5)` and the one-hot matrix of `labels[i] = (7*i) % 10`.
fn w6_inputs() -> (Array2<f64>, Array2<f64>) {
    let logits = Array2::from_shape_fn((1000, 10), |(i, j)| {
        2.0 * (0.13 * ((i * 10 + j) as f64) + 0.5).sin()
    });
    let onehot = Array2::from_shape_fn(
        (1000, 10),
        |(i, j)| {
            if (7 * i) % 10 == j {
                1.0
            } else {
                0.0
            }
        },
    );
    (logits, onehot)
}

fn to_f32(x: &Array1<f64>) -> Array1<f32> {
    x.mapv(|v| v as f32)
}

// ---------------------------------------------------------------------------------------------
// The workloads as differentiable functions (as in tests/workloads.rs and benches/loops.rs)
// ---------------------------------------------------------------------------------------------

/// W1: `sum_i x_i^2`, with `powi` (the form of the table).
#[differentiable(jvp)]
fn sum_of_squares_powi(x: &Array1<f64>) -> f64 {
    x.powi(2).sum()
}

/// W1 spelled `x * x` (the first form of tests/workloads.rs).
#[differentiable]
fn sum_of_squares(x: &Array1<f64>) -> f64 {
    (x * x).sum()
}

/// W1 in f32.
#[differentiable]
fn sum_of_squares_powi_f32(x: &Array1<f32>) -> f32 {
    x.powi(2).sum()
}

/// W2: `sum_i (x_i - y_i)^2`, with `powi`.
#[differentiable(argnums = (0, 1), jvp)]
fn sum_squared_errors_powi(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    (x - y).powi(2).sum()
}

/// W2 spelled `d * d` (the form of tests/workloads.rs).
#[differentiable(argnums = (0, 1))]
fn sum_squared_errors(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let d = x - y;
    (&d * &d).sum()
}

/// W2 in f32.
#[differentiable(argnums = (0, 1))]
fn sum_squared_errors_powi_f32(x: &Array1<f32>, y: &Array1<f32>) -> f32 {
    (x - y).powi(2).sum()
}

/// W3: `mean_i log1p(exp(-t_i * (X w + b)_i)) + 1e-3 * sum_j w_j^2`.
#[differentiable(argnums = (0, 1), jvp)]
fn logistic_loss(w: &Array1<f64>, b: f64, xm: &Array2<f64>, t: &Array1<f64>) -> f64 {
    let z = xm.dot(w) + b;
    let margins = -t * &z;
    margins.exp().ln_1p().mean().unwrap() + 1e-3 * w.powi(2).sum()
}

/// W4: `mean((tanh(X W1 + b1) W2 + b2 - Y)^2)`.
#[differentiable(argnums = (0, 1, 2, 3), jvp)]
fn mlp_loss(
    w1: &Array2<f64>,
    b1: &Array1<f64>,
    w2: &Array2<f64>,
    b2: &Array1<f64>,
    x: &Array2<f64>,
    y: &Array2<f64>,
) -> f64 {
    let h = (x.dot(w1) + b1).tanh();
    let out = h.dot(w2) + b2;
    (out - y).powi(2).mean().unwrap()
}

/// W5: `sum_{i<n-1} 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2`, with slices.
#[differentiable(jvp)]
fn rosenbrock(x: &Array1<f64>) -> f64 {
    let a = x.slice(s![..-1]);
    let b = x.slice(s![1..]);
    (100.0 * (&b - &a * &a).powi(2) + (1.0 - &a).powi(2)).sum()
}

/// W5 as an index loop (the form of benches/loops.rs).
#[differentiable(jvp)]
fn rosenbrock_loop(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

/// W5 with slices, f32.
#[differentiable]
fn rosenbrock_f32(x: &Array1<f32>) -> f32 {
    let a = x.slice(s![..-1]);
    let b = x.slice(s![1..]);
    (100.0 * (&b - &a * &a).powi(2) + (1.0 - &a).powi(2)).sum()
}

/// W5 as an index loop, f32.
#[differentiable]
fn rosenbrock_loop_f32(x: &Array1<f32>) -> f32 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

/// W6: `mean_i(logsumexp(logits[i,:]) - logits[i, label_i])`, labels as a constant one-hot matrix.
#[differentiable(jvp)]
fn softmax_xent(logits: &Array2<f64>, onehot: &Array2<f64>) -> f64 {
    let lse = logits.exp().sum_axis(Axis(1)).ln();
    let picked = (logits * onehot).sum_axis(Axis(1));
    (lse - picked).mean().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Hand-written fused value-and-gradients: what a careful person writes
// ---------------------------------------------------------------------------------------------

/// Independent partial sums per pass, so that a reduction vectorizes (float addition does not
/// reassociate by itself).
const LANES: usize = 8;

fn k<F: Real>(v: f64) -> F {
    F::from_f64(v).unwrap()
}

/// A fresh gradient buffer that the caller writes in full before `assume_init` (no zeroing pass).
fn uninit1<F: Real>(n: usize) -> Array1<MaybeUninit<F>> {
    Array1::uninit(n)
}

/// One pass over `xs`: returns `sum_i f(x_i).0` (in `LANES` partial sums) and writes `out[i] = f(x_i).1`.
/// Not inlined, on purpose (the other `fused_*` too): as function parameters the slices keep rustc's
/// no-alias guarantee, so the loop vectorizes; inlined into its caller, LLVM reloads the inputs after
/// every store and the loop runs at half the speed.
#[inline(never)]
fn fused_1_1<F: Real>(xs: &[F], out: &mut [MaybeUninit<F>], f: impl Fn(F) -> (F, F)) -> F {
    assert_eq!(xs.len(), out.len());
    let mut acc = [F::zero(); LANES];
    let mut xc = xs.chunks_exact(LANES);
    let mut oc = out.chunks_exact_mut(LANES);
    for (x, o) in (&mut xc).zip(&mut oc) {
        let x: &[F; LANES] = x.try_into().unwrap();
        let o: &mut [MaybeUninit<F>; LANES] = o.try_into().unwrap();
        for l in 0..LANES {
            let (v, g) = f(x[l]);
            acc[l] += v;
            o[l].write(g);
        }
    }
    let mut total = F::zero();
    for (&x, o) in xc.remainder().iter().zip(oc.into_remainder()) {
        let (v, g) = f(x);
        total += v;
        o.write(g);
    }
    acc.iter().fold(total, |s, &a| s + a)
}

/// One pass over `xs, ys`: returns `sum_i f(x_i, y_i).0` and writes `f(x_i, y_i).1` and `.2`.
#[inline(never)]
fn fused_2_2<F: Real>(
    xs: &[F],
    ys: &[F],
    ox: &mut [MaybeUninit<F>],
    oy: &mut [MaybeUninit<F>],
    f: impl Fn(F, F) -> (F, F, F),
) -> F {
    let n = xs.len();
    assert!(ys.len() == n && ox.len() == n && oy.len() == n);
    let mut acc = [F::zero(); LANES];
    let mut xc = xs.chunks_exact(LANES);
    let mut yc = ys.chunks_exact(LANES);
    let mut oxc = ox.chunks_exact_mut(LANES);
    let mut oyc = oy.chunks_exact_mut(LANES);
    for (((x, y), gx), gy) in (&mut xc).zip(&mut yc).zip(&mut oxc).zip(&mut oyc) {
        let x: &[F; LANES] = x.try_into().unwrap();
        let y: &[F; LANES] = y.try_into().unwrap();
        let gx: &mut [MaybeUninit<F>; LANES] = gx.try_into().unwrap();
        let gy: &mut [MaybeUninit<F>; LANES] = gy.try_into().unwrap();
        for l in 0..LANES {
            let (v, a, b) = f(x[l], y[l]);
            acc[l] += v;
            gx[l].write(a);
            gy[l].write(b);
        }
    }
    let mut total = F::zero();
    let tail = xc.remainder().iter().zip(yc.remainder());
    for (((&x, &y), gx), gy) in tail.zip(oxc.into_remainder()).zip(oyc.into_remainder()) {
        let (v, a, b) = f(x, y);
        total += v;
        gx.write(a);
        gy.write(b);
    }
    acc.iter().fold(total, |s, &a| s + a)
}

/// One pass over three equally long slices: returns `sum_i f(a_i, b_i, c_i).0`, writes `.1` to `out`.
#[inline(never)]
fn fused_3_1<F: Real>(
    a: &[F],
    b: &[F],
    c: &[F],
    out: &mut [MaybeUninit<F>],
    f: impl Fn(F, F, F) -> (F, F),
) -> F {
    let n = a.len();
    assert!(b.len() == n && c.len() == n && out.len() == n);
    let mut acc = [F::zero(); LANES];
    let mut ac = a.chunks_exact(LANES);
    let mut bc = b.chunks_exact(LANES);
    let mut cc = c.chunks_exact(LANES);
    let mut oc = out.chunks_exact_mut(LANES);
    for (((a, b), c), o) in (&mut ac).zip(&mut bc).zip(&mut cc).zip(&mut oc) {
        let a: &[F; LANES] = a.try_into().unwrap();
        let b: &[F; LANES] = b.try_into().unwrap();
        let c: &[F; LANES] = c.try_into().unwrap();
        let o: &mut [MaybeUninit<F>; LANES] = o.try_into().unwrap();
        for l in 0..LANES {
            let (v, g) = f(a[l], b[l], c[l]);
            acc[l] += v;
            o[l].write(g);
        }
    }
    let mut total = F::zero();
    let tail = ac
        .remainder()
        .iter()
        .zip(bc.remainder())
        .zip(cc.remainder());
    for (((&a, &b), &c), o) in tail.zip(oc.into_remainder()) {
        let (v, g) = f(a, b, c);
        total += v;
        o.write(g);
    }
    acc.iter().fold(total, |s, &a| s + a)
}

/// W1 by hand: `(sum x^2, 2x)` in one pass.
fn w1_hand<F: Real>(x: &Array1<F>) -> (F, Array1<F>) {
    let xs = x.as_slice().expect("contiguous input");
    let mut g = uninit1(xs.len());
    let two = k::<F>(2.0);
    let v = fused_1_1(xs, g.as_slice_mut().unwrap(), |x| (x * x, two * x));
    // SAFETY: fused_1_1 wrote every element.
    (v, unsafe { g.assume_init() })
}

/// W2 by hand: `(sum d^2, (2d, -2d))` with `d = x - y`, in one pass.
fn w2_hand<F: Real>(x: &Array1<F>, y: &Array1<F>) -> (F, (Array1<F>, Array1<F>)) {
    let (xs, ys) = (x.as_slice().unwrap(), y.as_slice().unwrap());
    let (mut gx, mut gy) = (uninit1(xs.len()), uninit1(xs.len()));
    let two = k::<F>(2.0);
    let v = fused_2_2(
        xs,
        ys,
        gx.as_slice_mut().unwrap(),
        gy.as_slice_mut().unwrap(),
        |x, y| {
            let d = x - y;
            (d * d, two * d, -two * d)
        },
    );
    // SAFETY: fused_2_2 wrote every element of both.
    (v, unsafe { (gx.assume_init(), gy.assume_init()) })
}

/// W5 by hand (serves the slice and the index-loop forms alike: the same function). With
/// `t(p, q) = 100 (q - p^2)^2 + (1 - p)^2`, `g_i = dt/dp(x_i, x_{i+1}) + dt/dq(x_{i-1}, x_i)`, one pass.
fn w5_hand<F: Real>(x: &Array1<F>) -> (F, Array1<F>) {
    let xs = x.as_slice().unwrap();
    let n = xs.len();
    assert!(n >= 3);
    let (c100, c200, c400, two): (F, F, F, F) = (k(100.0), k(200.0), k(400.0), k(2.0));
    let one = F::one();
    let t = |p: F, q: F| {
        let d = q - p * p;
        c100 * d * d + (one - p) * (one - p)
    };
    let dp = |p: F, q: F| -c400 * p * (q - p * p) - two * (one - p);
    let dq = |p: F, q: F| c200 * (q - p * p);
    let mut g = uninit1(n);
    let gs = g.as_slice_mut().unwrap();
    gs[0].write(dp(xs[0], xs[1]));
    gs[n - 1].write(dq(xs[n - 2], xs[n - 1]));
    let interior = fused_3_1(
        &xs[..n - 2],
        &xs[1..n - 1],
        &xs[2..],
        &mut gs[1..n - 1],
        |a, b, c| (t(b, c), dp(b, c) + dq(a, b)),
    );
    // SAFETY: the first, the last and (fused_3_1) every interior element are written.
    (t(xs[0], xs[1]) + interior, unsafe { g.assume_init() })
}

/// `sum_i a_i b_i` in `LANES` partial sums.
#[inline]
fn dot_lanes(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let mut acc = [0.0; LANES];
    let (mut ac, mut bc) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    for (a, b) in (&mut ac).zip(&mut bc) {
        let a: &[f64; LANES] = a.try_into().unwrap();
        let b: &[f64; LANES] = b.try_into().unwrap();
        for l in 0..LANES {
            acc[l] += a[l] * b[l];
        }
    }
    let tail: f64 = ac
        .remainder()
        .iter()
        .zip(bc.remainder())
        .map(|(a, b)| a * b)
        .sum();
    acc.iter().sum::<f64>() + tail
}

/// `y += sum_q r_q x_q` over four rows at once (a quarter of the loads and stores of `y`).
#[inline(never)]
fn axpy4(r: [f64; 4], x: [&[f64]; 4], y: &mut [f64]) {
    let [x0, x1, x2, x3] = x;
    for ((((y, &a), &b), &c), &d) in y.iter_mut().zip(x0).zip(x1).zip(x2).zip(x3) {
        *y += r[0] * a + r[1] * b + r[2] * c + r[3] * d;
    }
}

/// W3 by hand, one pass over the rows of `X`: `z_i = X_i . w + b`, the loss term and `r_i = dloss/dz_i`,
/// and `gw += r_i X_i` four rows at a time while they are in cache (so `X` is read once); `gw` starts at
/// `2e-3 w`. (Two matrix-vector products through `general_mat_mul` instead: 85 µs against 53 µs.)
fn w3_hand(
    w: &Array1<f64>,
    b: f64,
    xm: &Array2<f64>,
    t: &Array1<f64>,
) -> (f64, (Array1<f64>, f64)) {
    let (n, d) = xm.dim();
    let inv_n = 1.0 / n as f64;
    let ws = w.as_slice().unwrap();
    let mut gw = w * 2e-3;
    let gws = gw.as_slice_mut().unwrap();
    let (mut data, mut gb) = (0.0, 0.0);
    let (xs, ts) = (xm.as_slice().unwrap(), t.as_slice().unwrap());
    let mut quads = xs.chunks_exact(4 * d).zip(ts.chunks_exact(4));
    for (rows, tq) in &mut quads {
        let mut r = [0.0; 4];
        let mut rs: [&[f64]; 4] = [&[]; 4];
        for q in 0..4 {
            let row = &rows[q * d..(q + 1) * d];
            let e = (-tq[q] * (dot_lanes(row, ws) + b)).exp();
            data += e.ln_1p();
            r[q] = -tq[q] * e / (1.0 + e) * inv_n;
            gb += r[q];
            rs[q] = row;
        }
        axpy4(r, rs, gws);
    }
    let done = n / 4 * 4;
    for (row, &ti) in xs[done * d..].chunks_exact(d).zip(&ts[done..]) {
        let e = (-ti * (dot_lanes(row, ws) + b)).exp();
        data += e.ln_1p();
        let r = -ti * e / (1.0 + e) * inv_n;
        gb += r;
        for (g, &x) in gws.iter_mut().zip(row) {
            *g += r * x;
        }
    }
    (data * inv_n + 1e-3 * dot_lanes(ws, ws), (gw, gb))
}

type W4Grad = (Array2<f64>, Array1<f64>, Array2<f64>, Array1<f64>);

/// W4 by hand: `pre = X W1 + b1` (one GEMM into a buffer holding `b1`), then one pass over the rows of
/// that buffer: `tanh` in place, the row's output and error, and at once `dW2 += d h`, `dpre = d w2 (1 -
/// h^2)` in place, `db1 += dpre`; then `dW1 = X^T dpre` (one GEMM into the output).
fn w4_hand(p: &W4) -> (f64, W4Grad) {
    let (nb, nh) = (p.x.nrows(), p.w1.ncols());
    assert_eq!(p.w2.ncols(), 1, "written for one output");
    let inv_n = 1.0 / nb as f64;
    let b2 = p.b2[0];
    let mut h = p.b1.broadcast((nb, nh)).unwrap().to_owned();
    general_mat_mul(1.0, &p.x, &p.w1, 1.0, &mut h);
    let w2 = p.w2.as_slice().unwrap();
    let ys = p.y.as_slice().unwrap();
    let mut gw2 = Array2::<f64>::zeros((nh, 1));
    let mut gb1 = Array1::<f64>::zeros(nh);
    let (gw2s, gb1s) = (gw2.as_slice_mut().unwrap(), gb1.as_slice_mut().unwrap());
    let (mut value, mut gb2) = (0.0, 0.0);
    for (row, &y) in h.as_slice_mut().unwrap().chunks_exact_mut(nh).zip(ys) {
        let mut out = [0.0; LANES];
        let mut hc = row.chunks_exact_mut(LANES);
        let mut wc = w2.chunks_exact(LANES);
        for (hl, wl) in (&mut hc).zip(&mut wc) {
            for l in 0..LANES {
                hl[l] = hl[l].tanh();
                out[l] += hl[l] * wl[l];
            }
        }
        let mut o = b2;
        for (hv, &wv) in hc.into_remainder().iter_mut().zip(wc.remainder()) {
            *hv = hv.tanh();
            o += *hv * wv;
        }
        let err = out.iter().sum::<f64>() + o - y;
        value += err * err;
        let d = 2.0 * err * inv_n;
        gb2 += d;
        for (((hv, &wv), gw), gb) in row
            .iter_mut()
            .zip(w2)
            .zip(gw2s.iter_mut())
            .zip(gb1s.iter_mut())
        {
            *gw += d * *hv;
            let dpre = d * wv * (1.0 - *hv * *hv);
            *gb += dpre;
            *hv = dpre;
        }
    }
    let mut gw1 = Array2::<f64>::zeros(p.w1.raw_dim());
    general_mat_mul(1.0, &p.x.t(), &h, 0.0, &mut gw1);
    (value * inv_n, (gw1, gb1, gw2, Array1::from_elem(1, gb2)))
}

/// W6 by hand: per row, `e = exp(l)` written into the gradient row with its sum and the picked logit,
/// then the row scaled in place to `(e / s - onehot) / n`.
fn w6_hand(logits: &Array2<f64>, onehot: &Array2<f64>) -> (f64, Array2<f64>) {
    let (n, c) = logits.dim();
    let inv_n = 1.0 / n as f64;
    let mut g = Array2::<f64>::zeros((n, c));
    let (ls, os) = (logits.as_slice().unwrap(), onehot.as_slice().unwrap());
    let mut value = 0.0;
    let rows = ls.chunks_exact(c).zip(os.chunks_exact(c));
    for ((lr, or), gr) in rows.zip(g.as_slice_mut().unwrap().chunks_exact_mut(c)) {
        let (mut s, mut picked) = (0.0, 0.0);
        for ((&l, &o), gv) in lr.iter().zip(or).zip(gr.iter_mut()) {
            let e = l.exp();
            s += e;
            picked += l * o;
            *gv = e;
        }
        value += s.ln() - picked;
        let scale = inv_n / s;
        for (gv, &o) in gr.iter_mut().zip(or) {
            *gv = *gv * scale - o * inv_n;
        }
    }
    (value * inv_n, g)
}

// ---------------------------------------------------------------------------------------------
// Startup checks: a wrong baseline is never timed
// ---------------------------------------------------------------------------------------------

/// A JVP against the gradient's directional derivative (both computed here, so to rounding).
fn check_jvp(what: &str, jvp: f64, grad_dot_v: f64) {
    assert!(
        (jvp - grad_dot_v).abs() <= 1e-9 * grad_dot_v.abs().max(1.0),
        "{what}: f_jvp {jvp:e} != grad . v {grad_dot_v:e}"
    );
}

/// Relative tolerance of hand against generated: values relative to their magnitude, gradients
/// element by element relative to the gradient's largest magnitude.
/// In f32 a value is a long sum whose rounding depends on the order (the index loop adds 1e6 terms one
/// by one: 2.4e-4 off the lane sums), so values get 1e-3 there.
fn tol<F: Real>(value: bool) -> f64 {
    match (std::mem::size_of::<F>() == 8, value) {
        (true, _) => 1e-10,
        (false, false) => 1e-4,
        (false, true) => 1e-3,
    }
}

fn check_value<F: Real + Into<f64>>(what: &str, hand: F, generated: F) {
    let (h, g): (f64, f64) = (hand.into(), generated.into());
    assert!(
        (h - g).abs() <= tol::<F>(true) * h.abs().max(g.abs()),
        "{what}: hand-written value {h:e} != generated {g:e}"
    );
}

fn check_grad_eq<F: Real + Into<f64>, D: Dimension>(
    what: &str,
    hand: &Array<F, D>,
    generated: &Array<F, D>,
) {
    assert_eq!(hand.shape(), generated.shape(), "{what}: shapes differ");
    let scale = generated.iter().fold(0.0f64, |m, &v| {
        let v: f64 = v.into();
        m.max(v.abs())
    });
    for (i, (h, g)) in hand.iter().zip(generated).enumerate() {
        let (h, g): (f64, f64) = ((*h).into(), (*g).into());
        assert!(
            (h - g).abs() <= tol::<F>(false) * scale,
            "{what}: element {i}: hand-written {h:e} != generated {g:e} (scale {scale:e})"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The benchmarks
// ---------------------------------------------------------------------------------------------

/// `AUTODIFF_BENCH_COUNT=<group>/<id>/<param>`: instead of timing, run that one benchmark's function
/// `AUTODIFF_BENCH_REPS` times (default 10) inside `measured`, for instruction counts under callgrind.
fn count_mode() -> Option<(String, usize)> {
    let name = std::env::var("AUTODIFF_BENCH_COUNT").ok()?;
    let reps = std::env::var("AUTODIFF_BENCH_REPS")
        .map_or(10, |r| r.parse().expect("AUTODIFF_BENCH_REPS"));
    Some((name, reps))
}

/// The calls counted in count mode: `--toggle-collect='*measured*'` (one warm-up call runs before).
#[inline(never)]
fn measured(reps: usize, f: &mut dyn FnMut()) {
    for _ in 0..reps {
        f();
    }
}

/// One criterion group; in count mode it runs only the benchmark named there.
struct Group<'a> {
    name: &'static str,
    inner: BenchmarkGroup<'a, WallTime>,
    count: Option<(String, usize)>,
}

impl<'a> Group<'a> {
    fn new(c: &'a mut Criterion, name: &'static str) -> Self {
        Group {
            name,
            inner: c.benchmark_group(name),
            count: count_mode(),
        }
    }

    fn run<O>(&mut self, id: &str, param: impl Display, mut f: impl FnMut() -> O) {
        match &self.count {
            Some((want, reps)) => {
                if *want == format!("{}/{id}/{param}", self.name) {
                    black_box(f());
                    measured(*reps, &mut || drop(black_box(f())));
                    eprintln!("counted {want}: {reps} calls in `measured`");
                }
            }
            None => {
                self.inner
                    .bench_function(BenchmarkId::new(id, param), |b| b.iter(&mut f));
            }
        }
    }

    fn finish(self) {
        self.inner.finish();
    }
}

fn bench_w1(c: &mut Criterion) {
    let mut group = Group::new(c, "W1_f64");
    for n in [1_000usize, 100_000, 1_000_000] {
        let x = vec_x(n);
        let (v, g) = sum_of_squares_powi_value_and_grad(&x);
        let (hv, hg) = w1_hand(&x);
        check_value("W1 f64", hv, v);
        check_grad_eq("W1 f64", &hg, &g);
        let (v2, g2) = sum_of_squares_value_and_grad(&x);
        check_value("W1 f64 (x*x)", hv, v2);
        check_grad_eq("W1 f64 (x*x)", &hg, &g2);
        let dir = vec_y(n);
        check_jvp(
            "W1",
            sum_of_squares_powi_jvp(&x, (dir.clone(),)).1,
            g.dot(&dir),
        );
        group.run("primal", n, || sum_of_squares_powi(black_box(&x)));
        group.run("generated", n, || {
            sum_of_squares_powi_value_and_grad(black_box(&x))
        });
        group.run("jvp", n, || {
            sum_of_squares_powi_jvp(black_box(&x), (dir.clone(),))
        });
        group.run("hand", n, || w1_hand(black_box(&x)));
        group.run("primal_mul", n, || sum_of_squares(black_box(&x)));
        group.run("generated_mul", n, || {
            sum_of_squares_value_and_grad(black_box(&x))
        });
    }
    group.finish();

    let mut group = Group::new(c, "W1_f32");
    for n in [1_000usize, 100_000, 1_000_000] {
        let x = to_f32(&vec_x(n));
        let (v, g) = sum_of_squares_powi_f32_value_and_grad(&x);
        let (hv, hg) = w1_hand(&x);
        check_value("W1 f32", hv, v);
        check_grad_eq("W1 f32", &hg, &g);
        group.run("primal", n, || sum_of_squares_powi_f32(black_box(&x)));
        group.run("generated", n, || {
            sum_of_squares_powi_f32_value_and_grad(black_box(&x))
        });
        group.run("hand", n, || w1_hand(black_box(&x)));
    }
    group.finish();
}

fn bench_w2(c: &mut Criterion) {
    let mut group = Group::new(c, "W2_f64");
    for n in [1_000usize, 1_000_000] {
        let (x, y) = (vec_x(n), vec_y(n));
        let (v, (gx, gy)) = sum_squared_errors_powi_value_and_grad(&x, &y);
        let (hv, (hx, hy)) = w2_hand(&x, &y);
        check_value("W2 f64", hv, v);
        check_grad_eq("W2 f64 x", &hx, &gx);
        check_grad_eq("W2 f64 y", &hy, &gy);
        let (v2, (gx2, gy2)) = sum_squared_errors_value_and_grad(&x, &y);
        check_value("W2 f64 (d*d)", hv, v2);
        check_grad_eq("W2 f64 x (d*d)", &hx, &gx2);
        check_grad_eq("W2 f64 y (d*d)", &hy, &gy2);
        let (vx, vy) = (vec_y(n), vec_x(n));
        let (_, t) = sum_squared_errors_powi_jvp(&x, &y, (vx.clone(), vy.clone()));
        check_jvp("W2", t, gx.dot(&vx) + gy.dot(&vy));
        group.run("primal", n, || {
            sum_squared_errors_powi(black_box(&x), black_box(&y))
        });
        group.run("generated", n, || {
            sum_squared_errors_powi_value_and_grad(black_box(&x), black_box(&y))
        });
        group.run("jvp", n, || {
            sum_squared_errors_powi_jvp(black_box(&x), black_box(&y), (vx.clone(), vy.clone()))
        });
        group.run("hand", n, || w2_hand(black_box(&x), black_box(&y)));
        group.run("primal_mul", n, || {
            sum_squared_errors(black_box(&x), black_box(&y))
        });
        group.run("generated_mul", n, || {
            sum_squared_errors_value_and_grad(black_box(&x), black_box(&y))
        });
    }
    group.finish();

    let mut group = Group::new(c, "W2_f32");
    for n in [1_000usize, 1_000_000] {
        let (x, y) = (to_f32(&vec_x(n)), to_f32(&vec_y(n)));
        let (v, (gx, gy)) = sum_squared_errors_powi_f32_value_and_grad(&x, &y);
        let (hv, (hx, hy)) = w2_hand(&x, &y);
        check_value("W2 f32", hv, v);
        check_grad_eq("W2 f32 x", &hx, &gx);
        check_grad_eq("W2 f32 y", &hy, &gy);
        group.run("primal", n, || {
            sum_squared_errors_powi_f32(black_box(&x), black_box(&y))
        });
        group.run("generated", n, || {
            sum_squared_errors_powi_f32_value_and_grad(black_box(&x), black_box(&y))
        });
        group.run("hand", n, || w2_hand(black_box(&x), black_box(&y)));
    }
    group.finish();
}

fn bench_w3(c: &mut Criterion) {
    let mut group = Group::new(c, "W3_f64");
    let (w, bias, xm, t) = w3_inputs();
    let (v, (gw, gb)) = logistic_loss_value_and_grad(&w, bias, &xm, &t);
    let (hv, (hw, hb)) = w3_hand(&w, bias, &xm, &t);
    check_value("W3", hv, v);
    check_grad_eq("W3 w", &hw, &gw);
    check_value("W3 b", hb, gb);
    // Tangents for w and b; zeros for the data (a tangent per differentiable parameter).
    let (dw, db) = (w.mapv(|v| (2.0 * v).cos()), 0.3);
    let (zx, zt) = (xm.mapv(|_| 0.0), t.mapv(|_| 0.0));
    let tangents = || (dw.clone(), db, zx.clone(), zt.clone());
    let (_, jw) = logistic_loss_jvp(&w, bias, &xm, &t, tangents());
    check_jvp("W3", jw, gw.dot(&dw) + gb * db);
    let id = "1000x100";
    group.run("jvp", id, || {
        logistic_loss_jvp(black_box(&w), bias, &xm, &t, tangents())
    });
    group.run("primal", id, || {
        logistic_loss(
            black_box(&w),
            black_box(bias),
            black_box(&xm),
            black_box(&t),
        )
    });
    group.run("generated", id, || {
        logistic_loss_value_and_grad(
            black_box(&w),
            black_box(bias),
            black_box(&xm),
            black_box(&t),
        )
    });
    group.run("hand", id, || {
        w3_hand(
            black_box(&w),
            black_box(bias),
            black_box(&xm),
            black_box(&t),
        )
    });
    group.finish();
}

fn bench_w4(c: &mut Criterion) {
    let mut group = Group::new(c, "W4_f64");
    let p = w4_inputs();
    let (v, g) = mlp_loss_value_and_grad(&p.w1, &p.b1, &p.w2, &p.b2, &p.x, &p.y);
    let (hv, h) = w4_hand(&p);
    check_value("W4", hv, v);
    check_grad_eq("W4 W1", &h.0, &g.0);
    check_grad_eq("W4 b1", &h.1, &g.1);
    check_grad_eq("W4 W2", &h.2, &g.2);
    check_grad_eq("W4 b2", &h.3, &g.3);
    // Tangents for the weights and biases; zeros for the data.
    let dir = |a: &Array2<f64>| a.mapv(|v| (3.0 * v).sin());
    let (d1, d2) = (dir(&p.w1), dir(&p.w2));
    let (e1, e2) = (p.b1.mapv(|v| v.cos()), p.b2.mapv(|v| v.cos()));
    let (zx, zy) = (p.x.mapv(|_| 0.0), p.y.mapv(|_| 0.0));
    let tangents = || {
        (
            d1.clone(),
            e1.clone(),
            d2.clone(),
            e2.clone(),
            zx.clone(),
            zy.clone(),
        )
    };
    let (_, jt) = mlp_loss_jvp(&p.w1, &p.b1, &p.w2, &p.b2, &p.x, &p.y, tangents());
    let want = (&g.0 * &d1).sum() + g.1.dot(&e1) + (&g.2 * &d2).sum() + g.3.dot(&e2);
    check_jvp("W4", jt, want);
    let id = "256x64x128";
    group.run("jvp", id, || {
        mlp_loss_jvp(
            &p.w1,
            &p.b1,
            &p.w2,
            &p.b2,
            black_box(&p.x),
            &p.y,
            tangents(),
        )
    });
    group.run("primal", id, || {
        mlp_loss(&p.w1, &p.b1, &p.w2, &p.b2, black_box(&p.x), &p.y)
    });
    group.run("generated", id, || {
        mlp_loss_value_and_grad(&p.w1, &p.b1, &p.w2, &p.b2, black_box(&p.x), &p.y)
    });
    group.run("hand", id, || w4_hand(black_box(&p)));
    group.finish();
}

fn bench_w5(c: &mut Criterion) {
    let mut group = Group::new(c, "W5_f64");
    for n in [1_000usize, 100_000, 1_000_000] {
        let x = vec_x(n);
        let (v, g) = rosenbrock_value_and_grad(&x);
        let (vl, gl) = rosenbrock_loop_value_and_grad(&x);
        let (hv, hg) = w5_hand(&x);
        check_value("W5 f64 slices", hv, v);
        check_grad_eq("W5 f64 slices", &hg, &g);
        check_value("W5 f64 loop", hv, vl);
        check_grad_eq("W5 f64 loop", &hg, &gl);
        let dir = vec_y(n);
        check_jvp(
            "W5 slices",
            rosenbrock_jvp(&x, (dir.clone(),)).1,
            g.dot(&dir),
        );
        check_jvp(
            "W5 loop",
            rosenbrock_loop_jvp(&x, (dir.clone(),)).1,
            g.dot(&dir),
        );
        group.run("primal_slices", n, || rosenbrock(black_box(&x)));
        group.run("generated_slices", n, || {
            rosenbrock_value_and_grad(black_box(&x))
        });
        group.run("jvp_slices", n, || {
            rosenbrock_jvp(black_box(&x), (dir.clone(),))
        });
        group.run("primal_loop", n, || rosenbrock_loop(black_box(&x)));
        group.run("generated_loop", n, || {
            rosenbrock_loop_value_and_grad(black_box(&x))
        });
        group.run("jvp_loop", n, || {
            rosenbrock_loop_jvp(black_box(&x), (dir.clone(),))
        });
        group.run("hand", n, || w5_hand(black_box(&x)));
    }
    group.finish();

    let mut group = Group::new(c, "W5_f32");
    for n in [1_000usize, 100_000, 1_000_000] {
        let x = to_f32(&vec_x(n));
        let (v, g) = rosenbrock_f32_value_and_grad(&x);
        let (vl, gl) = rosenbrock_loop_f32_value_and_grad(&x);
        let (hv, hg) = w5_hand(&x);
        check_value("W5 f32 slices", hv, v);
        check_grad_eq("W5 f32 slices", &hg, &g);
        check_value("W5 f32 loop", hv, vl);
        check_grad_eq("W5 f32 loop", &hg, &gl);
        group.run("primal_slices", n, || rosenbrock_f32(black_box(&x)));
        group.run("generated_slices", n, || {
            rosenbrock_f32_value_and_grad(black_box(&x))
        });
        group.run("primal_loop", n, || rosenbrock_loop_f32(black_box(&x)));
        group.run("generated_loop", n, || {
            rosenbrock_loop_f32_value_and_grad(black_box(&x))
        });
        group.run("hand", n, || w5_hand(black_box(&x)));
    }
    group.finish();
}

fn bench_w6(c: &mut Criterion) {
    let mut group = Group::new(c, "W6_f64");
    let (logits, onehot) = w6_inputs();
    let (v, g) = softmax_xent_value_and_grad(&logits, &onehot);
    let (hv, hg) = w6_hand(&logits, &onehot);
    check_value("W6", hv, v);
    check_grad_eq("W6", &hg, &g);
    let id = "1000x10";
    let dir = logits.mapv(|v| (3.0 * v).sin());
    let zero = onehot.mapv(|_| 0.0);
    check_jvp(
        "W6",
        softmax_xent_jvp(&logits, &onehot, (dir.clone(), zero.clone())).1,
        (&g * &dir).sum(),
    );
    group.run("primal", id, || softmax_xent(black_box(&logits), &onehot));
    group.run("generated", id, || {
        softmax_xent_value_and_grad(black_box(&logits), &onehot)
    });
    group.run("jvp", id, || {
        softmax_xent_jvp(black_box(&logits), &onehot, (dir.clone(), zero.clone()))
    });
    group.run("hand", id, || w6_hand(black_box(&logits), &onehot));
    group.finish();
}

/// Modest by default (the whole suite in about 5 minutes on one core); `AUTODIFF_BENCH_QUICK=1` for a
/// smoke run of well under a minute.
fn config() -> Criterion {
    let quick = std::env::var("AUTODIFF_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let (samples, measure, warm) = if quick {
        (10, 300, 100)
    } else {
        (20, 2000, 500)
    };
    Criterion::default()
        .sample_size(samples)
        .measurement_time(Duration::from_millis(measure))
        .warm_up_time(Duration::from_millis(warm))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_w1, bench_w2, bench_w3, bench_w4, bench_w5, bench_w6
}
criterion_main!(benches);
