//! Generated gradients of loop code against careful hand-written gradients, in the same run: an index
//! loop (Rosenbrock), a degree-100 Horner polynomial, and a nonlinear recurrence. Report the ratios
//! (generated / hand-written) from one run; see BENCHMARKS.md. Rosenbrock and the recurrence also have an
//! iterator twin (`zip(..skip(1)).map(..).sum()`, `fold`), timed beside the index loop it stands for.
use autodiff::ndarray::Array1;
use autodiff::prelude::*;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;
use std::time::Duration;

#[differentiable]
fn rosenbrock(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

/// The iterator twin of [`rosenbrock`]: each element zipped with the next.
#[differentiable]
fn rosenbrock_iter(x: &Array1<f64>) -> f64 {
    x.iter()
        .zip(x.iter().skip(1))
        .map(|(a, b)| 100.0 * (b - a * a).powi(2) + (1.0 - a).powi(2))
        .sum::<f64>()
}

fn rosenbrock_hand(x: &Array1<f64>) -> Array1<f64> {
    let n = x.len();
    let mut g = Array1::zeros(n);
    for i in 0..n - 1 {
        let a = x[i + 1] - x[i] * x[i];
        g[i] += -400.0 * x[i] * a - 2.0 * (1.0 - x[i]);
        g[i + 1] += 200.0 * a;
    }
    g
}

#[differentiable]
fn horner(x: f64, c: &[f64]) -> f64 {
    let mut s = 0.0;
    for &ci in c.iter() {
        s = s * x + ci;
    }
    s
}

fn horner_hand(x: f64, c: &[f64]) -> f64 {
    let (mut s, mut ds) = (0.0, 0.0);
    for &ci in c {
        ds = ds * x + s;
        s = s * x + ci;
    }
    ds
}

#[differentiable]
fn recurrence(x: &Array1<f64>) -> f64 {
    let mut h = 0.0;
    for i in 0..x.len() {
        h = (0.9 * h + x[i]).sin();
    }
    h
}

/// The iterator twin of [`recurrence`].
#[differentiable]
fn recurrence_iter(x: &Array1<f64>) -> f64 {
    x.iter().fold(0.0, |h, &v| (0.9 * h + v).sin())
}

fn recurrence_hand(x: &Array1<f64>) -> Array1<f64> {
    let n = x.len();
    let mut hs = Vec::with_capacity(n);
    let mut h = 0.0;
    for i in 0..n {
        hs.push(h);
        h = (0.9 * h + x[i]).sin();
    }
    let mut g = Array1::zeros(n);
    let mut hb = 1.0;
    for i in (0..n).rev() {
        let tb = hb * (0.9 * hs[i] + x[i]).cos();
        g[i] = tb;
        hb = 0.9 * tb;
    }
    g
}

fn input(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.37 * i as f64 + 0.1).sin() * 1.5)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("rosenbrock");
    for n in [1_000usize, 100_000, 1_000_000] {
        let x = input(n);
        assert!((rosenbrock_grad(&x) - rosenbrock_hand(&x))
            .iter()
            .all(|d| d.abs() < 1e-6));
        group.bench_with_input(BenchmarkId::new("primal", n), &x, |b, x| {
            b.iter(|| rosenbrock(black_box(x)))
        });
        group.bench_with_input(BenchmarkId::new("generated", n), &x, |b, x| {
            b.iter(|| rosenbrock_grad(black_box(x)))
        });
        group.bench_with_input(BenchmarkId::new("hand", n), &x, |b, x| {
            b.iter(|| rosenbrock_hand(black_box(x)))
        });
        assert_eq!(rosenbrock_iter_grad(&x), rosenbrock_grad(&x));
        group.bench_with_input(BenchmarkId::new("generated_iter", n), &x, |b, x| {
            b.iter(|| rosenbrock_iter_grad(black_box(x)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("horner100");
    let coeffs: Vec<f64> = (0..=100).map(|k| 1.0 / (1.0 + k as f64)).collect();
    assert!((horner_grad(0.9, &coeffs) - horner_hand(0.9, &coeffs)).abs() < 1e-9);
    group.bench_function("primal", |b| {
        b.iter(|| horner(black_box(0.9), black_box(&coeffs)))
    });
    group.bench_function("generated", |b| {
        b.iter(|| horner_grad(black_box(0.9), black_box(&coeffs)))
    });
    group.bench_function("hand", |b| {
        b.iter(|| horner_hand(black_box(0.9), black_box(&coeffs)))
    });
    group.finish();

    let mut group = c.benchmark_group("recurrence");
    let x = input(100_000);
    assert!((recurrence_grad(&x) - recurrence_hand(&x))
        .iter()
        .all(|d| d.abs() < 1e-12));
    group.bench_function("primal", |b| b.iter(|| recurrence(black_box(&x))));
    group.bench_function("generated", |b| b.iter(|| recurrence_grad(black_box(&x))));
    group.bench_function("hand", |b| b.iter(|| recurrence_hand(black_box(&x))));
    assert_eq!(recurrence_iter_grad(&x), recurrence_grad(&x));
    group.bench_function("generated_iter", |b| {
        b.iter(|| recurrence_iter_grad(black_box(&x)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = bench
}
criterion_main!(benches);
