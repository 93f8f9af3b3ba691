//! Fused kernels on both cores (`rayon` feature): the generated `f_value_and_grad` of W1 (`x.powi(2).sum()`)
//! and W2 (`(x - y).powi(2).sum()`) in f64 and f32 at 1e5 and 1e6, beside the careful hand-written fused
//! value-and-gradient of `benches/workloads.rs` (serial: one core's best), checked against the generated
//! one at startup. Results and how to reproduce them: BENCHMARKS.md, "Multi-core (`rayon` feature)".
//!
//! Run pinned to one core (rayon's pool then has one thread, and the calling thread runs every chunk)
//! and on both, each workload and size in a process of its own (a 1e6 row depends on what the process
//! allocated before it, see BENCHMARKS.md):
//!
//! ```sh
//! for f in W1_f64 W1_f32 W2_f64 W2_f32; do for n in 100000 1000000; do
//!   taskset -c 0 cargo bench --features rayon --bench parallel -- "^par_$f/.*/$n\$" --save-baseline par1
//!   cargo bench --features rayon --bench parallel -- "^par_$f/.*/$n\$" --save-baseline par2
//! done; done
//! python3 benches/parallel_report.py --one par1 --two par2
//! ```
//!
//! `-- par_threshold` times only the generated W1 f64 from 2^12 to 2^20 elements, back to back (`hot`:
//! rayon's threads are awake) and after 1 ms asleep before each call (`idle`: they have gone to sleep,
//! and a parallel kernel wakes one). `AUTODIFF_BENCH_QUICK=1` for a short run.
use autodiff::ndarray::Array1;
use autodiff::Real;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;
use std::time::{Duration, Instant};

// The workloads, their inputs and the hand-written gradients, shared with benches/workloads.rs.
#[path = "common/workloads.rs"]
mod common;
use common::*;

// ---------------------------------------------------------------------------------------------
// Startup checks: a wrong baseline is never timed
// ---------------------------------------------------------------------------------------------

/// Values relative to their magnitude (a long f32 sum depends on its order), gradients exactly: every
/// partial is `2x` or `±2(x - y)`, computed the same way by both.
fn check<F: Real + Into<f64>>(what: &str, hand: (F, &Array1<F>), generated: (F, &Array1<F>)) {
    let (h, g): (f64, f64) = (hand.0.into(), generated.0.into());
    let tol = if std::mem::size_of::<F>() == 8 {
        1e-10
    } else {
        1e-3
    };
    assert!(
        (h - g).abs() <= tol * h.abs().max(g.abs()),
        "{what}: hand-written value {h:e} != generated {g:e}"
    );
    assert_eq!(hand.1, generated.1, "{what}: gradients differ");
}

// ---------------------------------------------------------------------------------------------
// The benchmarks
// ---------------------------------------------------------------------------------------------

const SIZES: [usize; 2] = [100_000, 1_000_000];

fn bench_w1(c: &mut Criterion) {
    let mut group = c.benchmark_group("par_W1_f64");
    for n in SIZES {
        let x = vec_x(n);
        let (v, g) = sum_of_squares_powi_value_and_grad(&x);
        let (hv, hg) = w1_hand(&x);
        check("W1 f64", (hv, &hg), (v, &g));
        group.bench_function(BenchmarkId::new("generated", n), |b| {
            b.iter(|| sum_of_squares_powi_value_and_grad(black_box(&x)))
        });
        group.bench_function(BenchmarkId::new("hand", n), |b| {
            b.iter(|| w1_hand(black_box(&x)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("par_W1_f32");
    for n in SIZES {
        let x = to_f32(&vec_x(n));
        let (v, g) = sum_of_squares_powi_f32_value_and_grad(&x);
        let (hv, hg) = w1_hand(&x);
        check("W1 f32", (hv, &hg), (v, &g));
        group.bench_function(BenchmarkId::new("generated", n), |b| {
            b.iter(|| sum_of_squares_powi_f32_value_and_grad(black_box(&x)))
        });
        group.bench_function(BenchmarkId::new("hand", n), |b| {
            b.iter(|| w1_hand(black_box(&x)))
        });
    }
    group.finish();
}

fn bench_w2(c: &mut Criterion) {
    let mut group = c.benchmark_group("par_W2_f64");
    for n in SIZES {
        let (x, y) = (vec_x(n), vec_y(n));
        let (v, (gx, gy)) = sum_squared_errors_powi_value_and_grad(&x, &y);
        let (hv, (hx, hy)) = w2_hand(&x, &y);
        check("W2 f64 x", (hv, &hx), (v, &gx));
        check("W2 f64 y", (hv, &hy), (v, &gy));
        group.bench_function(BenchmarkId::new("generated", n), |b| {
            b.iter(|| sum_squared_errors_powi_value_and_grad(black_box(&x), black_box(&y)))
        });
        group.bench_function(BenchmarkId::new("hand", n), |b| {
            b.iter(|| w2_hand(black_box(&x), black_box(&y)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("par_W2_f32");
    for n in SIZES {
        let (x, y) = (to_f32(&vec_x(n)), to_f32(&vec_y(n)));
        let (v, (gx, gy)) = sum_squared_errors_powi_f32_value_and_grad(&x, &y);
        let (hv, (hx, hy)) = w2_hand(&x, &y);
        check("W2 f32 x", (hv, &hx), (v, &gx));
        check("W2 f32 y", (hv, &hy), (v, &gy));
        group.bench_function(BenchmarkId::new("generated", n), |b| {
            b.iter(|| sum_squared_errors_powi_f32_value_and_grad(black_box(&x), black_box(&y)))
        });
        group.bench_function(BenchmarkId::new("hand", n), |b| {
            b.iter(|| w2_hand(black_box(&x), black_box(&y)))
        });
    }
    group.finish();
}

/// The generated W1 f64 around the threshold: back to back (`hot`), and after 1 ms without work before
/// each timed call (`idle`, where rayon's threads have gone to sleep and a parallel kernel wakes one).
fn bench_threshold(c: &mut Criterion) {
    let mut group = c.benchmark_group("par_threshold");
    for shift in 12..=20 {
        let n = 1usize << shift;
        let x = vec_x(n);
        group.bench_function(BenchmarkId::new("hot", n), |b| {
            b.iter(|| sum_of_squares_powi_value_and_grad(black_box(&x)))
        });
    }
    group.finish();

    // At most `IDLE_CALLS` timed calls per sample (each after 1 ms of sleep), their time scaled to the
    // iterations criterion asked for, so that a sample takes a fraction of a second.
    const IDLE_CALLS: u64 = 50;
    let mut group = c.benchmark_group("par_threshold");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_millis(500));
    for shift in 12..=20 {
        let n = 1usize << shift;
        let x = vec_x(n);
        group.bench_function(BenchmarkId::new("idle", n), |b| {
            b.iter_custom(|iters| {
                let calls = iters.min(IDLE_CALLS);
                let mut total = Duration::ZERO;
                for _ in 0..calls {
                    std::thread::sleep(Duration::from_millis(1));
                    let start = Instant::now();
                    black_box(sum_of_squares_powi_value_and_grad(black_box(&x)));
                    total += start.elapsed();
                }
                total.mul_f64(iters as f64 / calls as f64)
            })
        });
    }
    group.finish();
}

fn config() -> Criterion {
    let quick = std::env::var("AUTODIFF_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let (samples, measure, warm) = if quick {
        (10, 300, 100)
    } else {
        (30, 3000, 1000)
    };
    Criterion::default()
        .sample_size(samples)
        .measurement_time(Duration::from_millis(measure))
        .warm_up_time(Duration::from_millis(warm))
        .configure_from_args()
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_w1, bench_w2, bench_threshold
}
criterion_main!(benches);
