//! The benchmark workloads, shared by `benches/workloads.rs` (timing), `benches/heap.rs` and
//! `tests/heap.rs` (memory): their inputs (the formulas of `../shared/data/jax-workloads.py`), the
//! workloads as `#[differentiable]` functions, and careful hand-written fused value-and-gradients (slices,
//! no bounds checks in the hot loop, both partials in one pass) to compare the generated code with.
//! Included with `#[path]`; each includer uses a part of it.
#![allow(dead_code)]

use autodiff::ndarray::linalg::general_mat_mul;
use autodiff::ndarray::{s, Array1, Array2, Axis};
use autodiff::prelude::*;
use autodiff::Real;
use std::mem::MaybeUninit;

// ---------------------------------------------------------------------------------------------
// Inputs, exactly as the docstrings of jax-workloads.py write them (as in tests/workloads.rs)
// ---------------------------------------------------------------------------------------------

/// `x[i] = sin(0.37*i + 0.1) * 1.5`.
pub fn vec_x(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.37 * i as f64 + 0.1).sin() * 1.5)
}

/// `y[i] = cos(0.11*i)`.
pub fn vec_y(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.11 * i as f64).cos())
}

/// `M[i,j] = sin(0.01*(i*cols + j) + 0.3)`.
pub fn mat_sin(rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        (0.01 * ((i * cols + j) as f64) + 0.3).sin()
    })
}

pub fn w3_inputs() -> (Array1<f64>, f64, Array2<f64>, Array1<f64>) {
    let xm = mat_sin(1000, 100);
    let t = Array1::from_shape_fn(1000, |i| if i % 3 == 0 { 1.0 } else { -1.0 });
    let w = Array1::from_shape_fn(100, |j| 0.05 * (0.3 * j as f64 + 0.2).cos());
    (w, 0.1, xm, t)
}

pub struct W4 {
    pub w1: Array2<f64>,
    pub b1: Array1<f64>,
    pub w2: Array2<f64>,
    pub b2: Array1<f64>,
    pub x: Array2<f64>,
    pub y: Array2<f64>,
}

pub fn w4_inputs() -> W4 {
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
pub fn w6_inputs() -> (Array2<f64>, Array2<f64>) {
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

pub fn to_f32(x: &Array1<f64>) -> Array1<f32> {
    x.mapv(|v| v as f32)
}

// ---------------------------------------------------------------------------------------------
// The workloads as differentiable functions (as in tests/workloads.rs and benches/loops.rs)
// ---------------------------------------------------------------------------------------------

/// W1: `sum_i x_i^2`, with `powi` (the form of the table).
#[differentiable(jvp)]
pub fn sum_of_squares_powi(x: &Array1<f64>) -> f64 {
    x.powi(2).sum()
}

/// W1 spelled `x * x` (the first form of tests/workloads.rs).
#[differentiable]
pub fn sum_of_squares(x: &Array1<f64>) -> f64 {
    (x * x).sum()
}

/// W1 in f32.
#[differentiable]
pub fn sum_of_squares_powi_f32(x: &Array1<f32>) -> f32 {
    x.powi(2).sum()
}

/// W2: `sum_i (x_i - y_i)^2`, with `powi`.
#[differentiable(argnums = (0, 1), jvp)]
pub fn sum_squared_errors_powi(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    (x - y).powi(2).sum()
}

/// W2 spelled `d * d` (the form of tests/workloads.rs).
#[differentiable(argnums = (0, 1))]
pub fn sum_squared_errors(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let d = x - y;
    (&d * &d).sum()
}

/// W2 in f32.
#[differentiable(argnums = (0, 1))]
pub fn sum_squared_errors_powi_f32(x: &Array1<f32>, y: &Array1<f32>) -> f32 {
    (x - y).powi(2).sum()
}

/// W3: `mean_i log1p(exp(-t_i * (X w + b)_i)) + 1e-3 * sum_j w_j^2`.
#[differentiable(argnums = (0, 1), jvp, hessian)]
pub fn logistic_loss(w: &Array1<f64>, b: f64, xm: &Array2<f64>, t: &Array1<f64>) -> f64 {
    let z = xm.dot(w) + b;
    let margins = -t * &z;
    margins.exp().ln_1p().mean().unwrap() + 1e-3 * w.powi(2).sum()
}

/// W4: `mean((tanh(X W1 + b1) W2 + b2 - Y)^2)`.
#[differentiable(argnums = (0, 1, 2, 3), jvp, hessian)]
pub fn mlp_loss(
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
#[differentiable(jvp, hessian)]
pub fn rosenbrock(x: &Array1<f64>) -> f64 {
    let a = x.slice(s![..-1]);
    let b = x.slice(s![1..]);
    (100.0 * (&b - &a * &a).powi(2) + (1.0 - &a).powi(2)).sum()
}

/// W5 as an index loop (the form of benches/loops.rs).
#[differentiable(jvp, hessian)]
pub fn rosenbrock_loop(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

/// W5 with slices, f32.
#[differentiable]
pub fn rosenbrock_f32(x: &Array1<f32>) -> f32 {
    let a = x.slice(s![..-1]);
    let b = x.slice(s![1..]);
    (100.0 * (&b - &a * &a).powi(2) + (1.0 - &a).powi(2)).sum()
}

/// W5 as an index loop, f32.
#[differentiable]
pub fn rosenbrock_loop_f32(x: &Array1<f32>) -> f32 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

/// W6: `mean_i(logsumexp(logits[i,:]) - logits[i, label_i])`, labels as a constant one-hot matrix.
#[differentiable(jvp)]
pub fn softmax_xent(logits: &Array2<f64>, onehot: &Array2<f64>) -> f64 {
    let lse = logits.exp().sum_axis(Axis(1)).ln();
    let picked = (logits * onehot).sum_axis(Axis(1));
    (lse - picked).mean().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Hand-written fused value-and-gradients: what a careful person writes
// ---------------------------------------------------------------------------------------------

/// Independent partial sums per pass, so that a reduction vectorizes (float addition does not
/// reassociate by itself).
pub const LANES: usize = 8;

pub fn k<F: Real>(v: f64) -> F {
    F::from_f64(v).unwrap()
}

/// A fresh gradient buffer that the caller writes in full before `assume_init` (no zeroing pass).
pub fn uninit1<F: Real>(n: usize) -> Array1<MaybeUninit<F>> {
    Array1::uninit(n)
}

/// One pass over `xs`: returns `sum_i f(x_i).0` (in `LANES` partial sums) and writes `out[i] = f(x_i).1`.
/// Not inlined, on purpose (the other `fused_*` too): as function parameters the slices keep rustc's
/// no-alias guarantee, so the loop vectorizes; inlined into its caller, LLVM reloads the inputs after
/// every store and the loop runs at half the speed.
#[inline(never)]
pub fn fused_1_1<F: Real>(xs: &[F], out: &mut [MaybeUninit<F>], f: impl Fn(F) -> (F, F)) -> F {
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
pub fn fused_2_2<F: Real>(
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
pub fn fused_3_1<F: Real>(
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
pub fn w1_hand<F: Real>(x: &Array1<F>) -> (F, Array1<F>) {
    let xs = x.as_slice().expect("contiguous input");
    let mut g = uninit1(xs.len());
    let two = k::<F>(2.0);
    let v = fused_1_1(xs, g.as_slice_mut().unwrap(), |x| (x * x, two * x));
    // SAFETY: fused_1_1 wrote every element.
    (v, unsafe { g.assume_init() })
}

/// W2 by hand: `(sum d^2, (2d, -2d))` with `d = x - y`, in one pass.
pub fn w2_hand<F: Real>(x: &Array1<F>, y: &Array1<F>) -> (F, (Array1<F>, Array1<F>)) {
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
pub fn w5_hand<F: Real>(x: &Array1<F>) -> (F, Array1<F>) {
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
pub fn dot_lanes(a: &[f64], b: &[f64]) -> f64 {
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
pub fn axpy4(r: [f64; 4], x: [&[f64]; 4], y: &mut [f64]) {
    let [x0, x1, x2, x3] = x;
    for ((((y, &a), &b), &c), &d) in y.iter_mut().zip(x0).zip(x1).zip(x2).zip(x3) {
        *y += r[0] * a + r[1] * b + r[2] * c + r[3] * d;
    }
}

/// W3 by hand, one pass over the rows of `X`: `z_i = X_i . w + b`, the loss term and `r_i = dloss/dz_i`,
/// and `gw += r_i X_i` four rows at a time while they are in cache (so `X` is read once); `gw` starts at
/// `2e-3 w`. (Two matrix-vector products through `general_mat_mul` instead: 85 µs against 53 µs.)
pub fn w3_hand(
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

pub type W4Grad = (Array2<f64>, Array1<f64>, Array2<f64>, Array1<f64>);

/// W4 by hand: `pre = X W1 + b1` (one GEMM into a buffer holding `b1`), then one pass over the rows of
/// that buffer: `tanh` in place, the row's output and error, and at once `dW2 += d h`, `dpre = d w2 (1 -
/// h^2)` in place, `db1 += dpre`; then `dW1 = X^T dpre` (one GEMM into the output).
pub fn w4_hand(p: &W4) -> (f64, W4Grad) {
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
pub fn w6_hand(logits: &Array2<f64>, onehot: &Array2<f64>) -> (f64, Array2<f64>) {
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
