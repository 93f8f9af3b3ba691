//! The extra heap of generated gradients (issue 9): one call of the generated `f_value_and_grad` peaks at
//! no more heap than the hand-written fused value-and-gradient of `benches/workloads.rs` plus one
//! output-sized buffer per gradient returned. Checked with a counting allocator at small sizes, for the
//! workloads where it holds today; `benches/heap.rs` measures every workload and size in release.
//!
//! The differentiable workloads and the hand-written gradients are copies of `benches/workloads.rs`'s.
use autodiff::ndarray::linalg::general_mat_mul;
use autodiff::ndarray::{s, Array, Array1, Array2, Axis, Dimension};
use autodiff::prelude::*;
use autodiff::Real;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};

// ---------------------------------------------------------------------------------------------
// The counting allocator (the one of benches/heap.rs, counting only on the measuring thread)
// ---------------------------------------------------------------------------------------------

/// `System` with counters: bytes live now, the most bytes live since the last `measure` began, and
/// allocations made (a `realloc` counts as one). Only the thread inside `measure` is counted, so the
/// test harness's threads cannot disturb a measurement.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static MEASURING: Cell<bool> = const { Cell::new(false) };
}

fn measuring() -> bool {
    MEASURING.try_with(Cell::get).unwrap_or(false)
}

fn grew(bytes: usize) {
    if measuring() {
        let now = CURRENT.fetch_add(bytes, Ordering::SeqCst) + bytes;
        PEAK.fetch_max(now, Ordering::SeqCst);
    }
}

fn shrank(bytes: usize) {
    if measuring() {
        // Saturating: a block allocated before the measurement may be freed during it.
        let _ = CURRENT.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |c| {
            Some(c.saturating_sub(bytes))
        });
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && measuring() {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && measuring() {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && measuring() {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
            // Counted as the new block before the old one is gone: the peak of a copy.
            grew(new_size);
            shrank(layout.size());
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// What one call costs in heap.
#[derive(Clone, Copy, Debug)]
struct Heap {
    /// The most bytes live during the call above those live before it (what the call returns included).
    peak_extra: usize,
    allocations: usize,
}

/// Runs `f` once on this thread and counts its heap.
fn measure<T>(f: impl FnOnce() -> T) -> (T, Heap) {
    CURRENT.store(0, Ordering::SeqCst);
    PEAK.store(0, Ordering::SeqCst);
    ALLOCATIONS.store(0, Ordering::SeqCst);
    MEASURING.with(|m| m.set(true));
    let value = f();
    MEASURING.with(|m| m.set(false));
    let heap = Heap {
        peak_extra: PEAK.load(Ordering::SeqCst),
        allocations: ALLOCATIONS.load(Ordering::SeqCst),
    };
    (value, heap)
}

/// Heap bytes of returned gradients: arrays count their elements, scalars nothing.
trait GradBytes {
    fn grad_bytes(&self) -> usize;
}

impl<A, D: Dimension> GradBytes for Array<A, D> {
    fn grad_bytes(&self) -> usize {
        self.len() * std::mem::size_of::<A>()
    }
}

impl GradBytes for f64 {
    fn grad_bytes(&self) -> usize {
        0
    }
}

impl<A: GradBytes, B: GradBytes> GradBytes for (A, B) {
    fn grad_bytes(&self) -> usize {
        self.0.grad_bytes() + self.1.grad_bytes()
    }
}

impl<A: GradBytes, B: GradBytes, C: GradBytes, D: GradBytes> GradBytes for (A, B, C, D) {
    fn grad_bytes(&self) -> usize {
        self.0.grad_bytes() + self.1.grad_bytes() + self.2.grad_bytes() + self.3.grad_bytes()
    }
}

/// One workload at one size: the generated and the hand-written call, each measured after a warm-up
/// call (the result dropped inside the measurement, as a user's loop drops it).
#[derive(Debug)]
struct Row {
    generated: Heap,
    hand: Heap,
    gradient_bytes: usize,
}

impl Row {
    fn measure<V, G: GradBytes>(generated: impl Fn() -> (V, G), hand: impl Fn() -> (V, G)) -> Row {
        let bytes = |r: (V, G)| black_box(r).1.grad_bytes();
        bytes(generated());
        bytes(hand());
        let (gradient_bytes, generated) = measure(|| bytes(generated()));
        let (hand_bytes, hand) = measure(|| bytes(hand()));
        assert_eq!(gradient_bytes, hand_bytes, "the gradients differ in size");
        Row {
            generated,
            hand,
            gradient_bytes,
        }
    }

    /// The target of issue 9.
    fn holds(&self) -> bool {
        self.generated.peak_extra <= self.hand.peak_extra + self.gradient_bytes
    }

    fn describe(&self) -> String {
        format!(
            "generated peak {} B in {} allocations, hand-written peak {} B in {}, gradients {} B",
            self.generated.peak_extra,
            self.generated.allocations,
            self.hand.peak_extra,
            self.hand.allocations,
            self.gradient_bytes
        )
    }
}

/// Asserts the target for a workload where it holds.
fn assert_target(workload: &str, row: Row) {
    eprintln!("{workload}: {}", row.describe());
    assert!(
        row.holds(),
        "{workload}: the generated gradient's extra heap exceeds the hand-written one's plus the \
         gradients' bytes: {}",
        row.describe()
    );
}

// ---------------------------------------------------------------------------------------------
// Inputs, exactly as in benches/workloads.rs
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
// The workloads as differentiable functions (copied from benches/workloads.rs)
// ---------------------------------------------------------------------------------------------

/// W1: `sum_i x_i^2`, with `powi` (the form of the table).
#[differentiable]
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
#[differentiable(argnums = (0, 1))]
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
#[differentiable(argnums = (0, 1))]
fn logistic_loss(w: &Array1<f64>, b: f64, xm: &Array2<f64>, t: &Array1<f64>) -> f64 {
    let z = xm.dot(w) + b;
    let margins = -t * &z;
    margins.exp().ln_1p().mean().unwrap() + 1e-3 * w.powi(2).sum()
}

/// W4: `mean((tanh(X W1 + b1) W2 + b2 - Y)^2)`.
#[differentiable(argnums = (0, 1, 2, 3))]
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
#[differentiable]
fn rosenbrock(x: &Array1<f64>) -> f64 {
    let a = x.slice(s![..-1]);
    let b = x.slice(s![1..]);
    (100.0 * (&b - &a * &a).powi(2) + (1.0 - &a).powi(2)).sum()
}

/// W5 as an index loop (the form of benches/loops.rs).
#[differentiable]
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
#[differentiable]
fn softmax_xent(logits: &Array2<f64>, onehot: &Array2<f64>) -> f64 {
    let lse = logits.exp().sum_axis(Axis(1)).ln();
    let picked = (logits * onehot).sum_axis(Axis(1));
    (lse - picked).mean().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Hand-written fused value-and-gradients (copied from benches/workloads.rs, unchanged)
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
// The test
// ---------------------------------------------------------------------------------------------

/// A workload that misses the target today: printed, not asserted (see the numbers at the call).
fn known_miss(workload: &str, row: Row) {
    eprintln!(
        "{workload}: target {} (known miss, not asserted): {}",
        if row.holds() { "holds" } else { "missed" },
        row.describe()
    );
}

/// One test, so that the measurements run one at a time.
#[test]
fn generated_gradient_heap_is_at_most_hand_written_plus_outputs() {
    let n = 1_000;
    let (x, y) = (vec_x(n), vec_y(n));
    let (xf, yf) = (to_f32(&x), to_f32(&y));

    // Where the target holds today: the kernels allocate only the gradients they return.
    assert_target(
        "W1 f64 `x.powi(2).sum()`",
        Row::measure(|| sum_of_squares_powi_value_and_grad(&x), || w1_hand(&x)),
    );
    assert_target(
        "W1 f64 `(x * x).sum()`",
        Row::measure(|| sum_of_squares_value_and_grad(&x), || w1_hand(&x)),
    );
    assert_target(
        "W1 f32",
        Row::measure(
            || sum_of_squares_powi_f32_value_and_grad(&xf),
            || w1_hand(&xf),
        ),
    );
    assert_target(
        "W2 f64 `(x - y).powi(2).sum()`",
        Row::measure(
            || sum_squared_errors_powi_value_and_grad(&x, &y),
            || w2_hand(&x, &y),
        ),
    );
    assert_target(
        "W2 f64 `d = x - y; (&d * &d).sum()`",
        Row::measure(
            || sum_squared_errors_value_and_grad(&x, &y),
            || w2_hand(&x, &y),
        ),
    );
    assert_target(
        "W2 f32",
        Row::measure(
            || sum_squared_errors_powi_f32_value_and_grad(&xf, &yf),
            || w2_hand(&xf, &yf),
        ),
    );
    assert_target(
        "W5 f64 Rosenbrock, index loop",
        Row::measure(|| rosenbrock_loop_value_and_grad(&x), || w5_hand(&x)),
    );
    assert_target(
        "W5 f32 Rosenbrock, index loop",
        Row::measure(|| rosenbrock_loop_f32_value_and_grad(&xf), || w5_hand(&xf)),
    );
    // The slices are read in place by the kernel, whose gradients of them are array-shaped: two
    // gradient-sized buffers at the peak (39976 B in 6 allocations before 8664217).
    assert_target(
        "W5 f64 Rosenbrock, slices",
        Row::measure(|| rosenbrock_value_and_grad(&x), || w5_hand(&x)),
    );
    assert_target(
        "W5 f32 Rosenbrock, slices",
        Row::measure(|| rosenbrock_f32_value_and_grad(&xf), || w5_hand(&xf)),
    );

    // Where it misses today: measured and printed (`cargo test --test heap -- --nocapture`), not
    // asserted. Measured 2026-11-30 at e4cddde, the same in debug and release (benches/heap.rs,
    // benches/HEAP.md): generated peak / hand-written peak / gradient bytes. To turn the assertion on
    // for one of them, replace its `known_miss` by `assert_target`.
    //
    // W3, 1000x100: 17600 / 800 / 800, 5 allocations against 1. Live at the peak: `z = X w` and its
    // gradient (1000 elements each: 16000 B over the target), and `dot_vjp1`'s contribution to the
    // gradient of `w` before it is added in (100 elements).
    let (w, b, xm, t) = w3_inputs();
    known_miss(
        "W3 logistic regression",
        Row::measure(
            || logistic_loss_value_and_grad(&w, b, &xm, &t),
            || w3_hand(&w, b, &xm, &t),
        ),
    );
    // W4, 256x64x128: 1511432 / 722944 / 67592, 23 allocations against 7. Live at the peak: four
    // 256x128 arrays (256 KiB each): `x W1`, `+ b1` and `tanh` of it (all kept to the end of the
    // function, though the reverse reads only the `tanh`), and the gradient of `x W1`, a copy (`dup`)
    // of the gradient of `+ b1`; the hand-written code has one such buffer. Both have GEMM packing
    // buffers (393216 B) at their peak.
    let p = w4_inputs();
    known_miss(
        "W4 two-layer tanh MLP",
        Row::measure(
            || mlp_loss_value_and_grad(&p.w1, &p.b1, &p.w2, &p.b2, &p.x, &p.y),
            || w4_hand(&p),
        ),
    );
    // W6, 1000x10: 344016 / 80000 / 80000, 10 allocations against 1. Live at the peak: four 1000x10
    // arrays: `exp(logits)`, `logits * onehot` (kept to the end, though the reverse never reads it),
    // the gradient so far and the gradient through `exp` before it is added in; and three of 1000
    // elements (the row sums of `exp`, the picked logits, the gradient of the row sums).
    let (logits, onehot) = w6_inputs();
    known_miss(
        "W6 softmax cross-entropy",
        Row::measure(
            || softmax_xent_value_and_grad(&logits, &onehot),
            || w6_hand(&logits, &onehot),
        ),
    );
}
