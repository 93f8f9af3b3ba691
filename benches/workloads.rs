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
use autodiff::ndarray::{Array, Array2, Dimension};
use autodiff::Real;
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion};
use std::fmt::Display;
use std::hint::black_box;
use std::time::Duration;

#[path = "common/workloads.rs"]
mod common;
use common::*;

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

/// A Hessian-vector product against central differences of the gradient (step 1e-6): element by
/// element within 1e-5 of the largest magnitude.
fn check_hvp<D: Dimension>(what: &str, hvp: &Array<f64, D>, fd: &Array<f64, D>) {
    let scale = fd.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
    for (k, (a, b)) in hvp.iter().zip(fd).enumerate() {
        assert!(
            (a - b).abs() <= 1e-5 * scale,
            "{what}[{k}]: f_hvp {a:e} != differences {b:e}"
        );
    }
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

    /// As [`Group::run`] for a function that takes inputs by value (`f_jvp`'s and `f_hvp`'s tangents):
    /// `setup` makes them outside the timed region, just before each call (criterion's `iter_batched`,
    /// one input per batch: made in batches, a 1000x100 tangent is cold by its call, 86 against 64 µs
    /// for W3's `f_jvp`), as JAX's timing takes its tangents ready-made; a copy of a 1e6-element tangent
    /// inside the timing is an 8 MB allocation per call. The timer's own cost per call is tens of ns.
    fn run_with<I, O>(
        &mut self,
        id: &str,
        param: impl Display,
        mut setup: impl FnMut() -> I,
        mut f: impl FnMut(I) -> O,
    ) {
        match &self.count {
            Some((want, reps)) => {
                if *want == format!("{}/{id}/{param}", self.name) {
                    black_box(f(setup()));
                    let mut inputs: Vec<I> = (0..*reps).map(|_| setup()).collect();
                    measured(*reps, &mut || {
                        drop(black_box(f(inputs.pop().expect("one per call"))))
                    });
                    eprintln!("counted {want}: {reps} calls in `measured`");
                }
            }
            None => {
                self.inner.bench_function(BenchmarkId::new(id, param), |b| {
                    b.iter_batched(&mut setup, &mut f, criterion::BatchSize::PerIteration)
                });
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
        group.run_with(
            "jvp",
            n,
            || (dir.clone(),),
            |t| sum_of_squares_powi_jvp(black_box(&x), t),
        );
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
        group.run_with(
            "jvp",
            n,
            || (vx.clone(), vy.clone()),
            |d| sum_squared_errors_powi_jvp(black_box(&x), black_box(&y), d),
        );
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
    // The Hessian-vector product along (dw, db) against differences of the gradient.
    let h = 1e-6;
    let (gp, bp) = logistic_loss_grad(&(&w + &(&dw * h)), bias + db * h, &xm, &t);
    let (gm, bm) = logistic_loss_grad(&(&w - &(&dw * h)), bias - db * h, &xm, &t);
    let (hw, hb) = logistic_loss_hvp(&w, bias, &xm, &t, (dw.clone(), db));
    check_hvp("W3 w", &hw, &((gp - gm) / (2.0 * h)));
    check_hvp(
        "W3 b",
        &Array::from_elem((), hb),
        &Array::from_elem((), (bp - bm) / (2.0 * h)),
    );
    let id = "1000x100";
    group.run_with("jvp", id, tangents, |d| {
        logistic_loss_jvp(black_box(&w), bias, &xm, &t, d)
    });
    group.run("grad", id, || {
        logistic_loss_grad(black_box(&w), bias, &xm, &t)
    });
    group.run_with(
        "hvp",
        id,
        || (dw.clone(), db),
        |d| logistic_loss_hvp(black_box(&w), bias, &xm, &t, d),
    );
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
    let h = 1e-6;
    let at = |sign: f64| {
        mlp_loss_grad(
            &(&p.w1 + &(&d1 * (sign * h))),
            &(&p.b1 + &(&e1 * (sign * h))),
            &(&p.w2 + &(&d2 * (sign * h))),
            &(&p.b2 + &(&e2 * (sign * h))),
            &p.x,
            &p.y,
        )
    };
    let (gp, gm) = (at(1.0), at(-1.0));
    let directions = || (d1.clone(), e1.clone(), d2.clone(), e2.clone());
    let hv = mlp_loss_hvp(&p.w1, &p.b1, &p.w2, &p.b2, &p.x, &p.y, directions());
    check_hvp("W4 W1", &hv.0, &((&gp.0 - &gm.0) / (2.0 * h)));
    check_hvp("W4 b1", &hv.1, &((&gp.1 - &gm.1) / (2.0 * h)));
    check_hvp("W4 W2", &hv.2, &((&gp.2 - &gm.2) / (2.0 * h)));
    check_hvp("W4 b2", &hv.3, &((&gp.3 - &gm.3) / (2.0 * h)));
    let id = "256x64x128";
    group.run("grad", id, || {
        mlp_loss_grad(&p.w1, &p.b1, &p.w2, &p.b2, black_box(&p.x), &p.y)
    });
    group.run_with("hvp", id, directions, |d| {
        mlp_loss_hvp(&p.w1, &p.b1, &p.w2, &p.b2, black_box(&p.x), &p.y, d)
    });
    group.run_with("jvp", id, tangents, |d| {
        mlp_loss_jvp(&p.w1, &p.b1, &p.w2, &p.b2, black_box(&p.x), &p.y, d)
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
        let h = 1e-6;
        let fd = (rosenbrock_grad(&(&x + &(&dir * h))) - rosenbrock_grad(&(&x - &(&dir * h))))
            / (2.0 * h);
        check_hvp("W5 slices", &rosenbrock_hvp(&x, dir.clone()), &fd);
        check_hvp("W5 loop", &rosenbrock_loop_hvp(&x, dir.clone()), &fd);
        group.run("grad_slices", n, || rosenbrock_grad(black_box(&x)));
        group.run_with(
            "hvp_slices",
            n,
            || dir.clone(),
            |d| rosenbrock_hvp(black_box(&x), d),
        );
        group.run("grad_loop", n, || rosenbrock_loop_grad(black_box(&x)));
        group.run_with(
            "hvp_loop",
            n,
            || dir.clone(),
            |d| rosenbrock_loop_hvp(black_box(&x), d),
        );
        group.run("primal_slices", n, || rosenbrock(black_box(&x)));
        group.run("generated_slices", n, || {
            rosenbrock_value_and_grad(black_box(&x))
        });
        group.run_with(
            "jvp_slices",
            n,
            || (dir.clone(),),
            |d| rosenbrock_jvp(black_box(&x), d),
        );
        group.run("primal_loop", n, || rosenbrock_loop(black_box(&x)));
        group.run("generated_loop", n, || {
            rosenbrock_loop_value_and_grad(black_box(&x))
        });
        group.run_with(
            "jvp_loop",
            n,
            || (dir.clone(),),
            |d| rosenbrock_loop_jvp(black_box(&x), d),
        );
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
    group.run_with(
        "jvp",
        id,
        || (dir.clone(), zero.clone()),
        |d| softmax_xent_jvp(black_box(&logits), &onehot, d),
    );
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
