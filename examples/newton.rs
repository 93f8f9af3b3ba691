//! Minimizes the extended Rosenbrock function in n = 100 variables three ways, with derivatives from
//! `#[differentiable(hessian)]`: Newton-CG (Hessian-vector products from `f_hvp`, the Hessian never formed),
//! gradient descent, and argmin's L-BFGS. Prints, for each, the iterations, the final value, the gradient
//! norm, the evaluations and the time.
//!
//! Run: `cargo run --release --example newton --features argmin` (the feature brings in argmin, for the
//! L-BFGS baseline only).
//!
//! The function is the chained form (the benchmark workload W5, with slices):
//! `f(x) = sum_{i<n-1} 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2`, started at the classical
//! `x0 = (-1.2, 1, -1.2, 1, ...)`; its global minimum is f = 0 at x = (1, ..., 1).
use argmin::core::observers::{Observe, ObserverMode};
use argmin::core::{CostFunction, Error, Executor, Gradient, IterState, State, KV};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use autodiff::ndarray::{s, Array1};
use autodiff::prelude::*;
use std::cell::Cell;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

#[differentiable(hessian)]
fn rosenbrock(x: &Array1<f64>) -> f64 {
    let a = x.slice(s![..-1]);
    let b = x.slice(s![1..]);
    (100.0 * (&b - &a * &a).powi(2) + (1.0 - &a).powi(2)).sum()
}

const N: usize = 100;
/// Every method stops when `||grad f||_2 <= GTOL`.
const GTOL: f64 = 1e-8;
/// Newton-CG's iteration cap (it needs about 300).
const NEWTON_MAX_ITERS: usize = 1_000;
/// Gradient descent's iteration cap.
const GD_MAX_ITERS: usize = 20_000;
/// Armijo's sufficient-decrease constant and the backtracking factor.
const C1: f64 = 1e-4;
const SHRINK: f64 = 0.5;

// -------------------------------------------------------------------------------------------------
// Counting the evaluations
// -------------------------------------------------------------------------------------------------

/// How many times each generated item was called.
#[derive(Default)]
struct Counts {
    value: Cell<usize>,
    value_and_grad: Cell<usize>,
    grad: Cell<usize>,
    hvp: Cell<usize>,
}

impl Counts {
    fn f(&self, x: &Array1<f64>) -> f64 {
        self.value.set(self.value.get() + 1);
        rosenbrock(x)
    }
    fn fg(&self, x: &Array1<f64>) -> (f64, Array1<f64>) {
        self.value_and_grad.set(self.value_and_grad.get() + 1);
        rosenbrock_value_and_grad(x)
    }
    fn g(&self, x: &Array1<f64>) -> Array1<f64> {
        self.grad.set(self.grad.get() + 1);
        rosenbrock_grad(x)
    }
    fn hv(&self, x: &Array1<f64>, v: Array1<f64>) -> Array1<f64> {
        self.hvp.set(self.hvp.get() + 1);
        rosenbrock_hvp(x, v)
    }
    fn summary(&self) -> String {
        let mut parts = vec![];
        for (name, c) in [
            ("f", &self.value),
            ("value_and_grad", &self.value_and_grad),
            ("grad", &self.grad),
            ("hvp", &self.hvp),
        ] {
            if c.get() > 0 {
                parts.push(format!("{name} {}", c.get()));
            }
        }
        parts.join(", ")
    }
}

// -------------------------------------------------------------------------------------------------
// A progress bar on stderr (drawn only on a terminal, at most every 50 ms)
// -------------------------------------------------------------------------------------------------

struct Progress {
    label: &'static str,
    total: usize,
    on: bool,
    last: Option<Instant>,
}

impl Progress {
    fn new(label: &'static str, total: usize) -> Self {
        Progress {
            label,
            total,
            on: std::io::stderr().is_terminal(),
            last: None,
        }
    }

    fn update(&mut self, iter: usize, f: f64, gnorm: f64) {
        if !self.on
            || self
                .last
                .is_some_and(|t| t.elapsed() < Duration::from_millis(50))
        {
            return;
        }
        self.last = Some(Instant::now());
        let width = 30;
        let done = (iter * width / self.total.max(1)).min(width);
        eprint!(
            "\r{:<12} [{}{}] {iter:>6}/{}  f {f:<10.3e} |g| {gnorm:<10.3e}",
            self.label,
            "#".repeat(done),
            ".".repeat(width - done),
            self.total
        );
        let _ = std::io::stderr().flush();
    }

    fn finish(&mut self) {
        if self.on && self.last.is_some() {
            // Clear the line: the summary follows on stdout.
            eprint!("\r{:100}\r", "");
            let _ = std::io::stderr().flush();
        }
    }
}

// -------------------------------------------------------------------------------------------------
// The methods
// -------------------------------------------------------------------------------------------------

struct Outcome {
    iters: usize,
    x: Array1<f64>,
    f: f64,
    gnorm: f64,
    time: Duration,
    evals: String,
    note: String,
}

fn norm(v: &Array1<f64>) -> f64 {
    v.dot(v).sqrt()
}

/// Backtracking (Armijo) line search from `x` along the descent direction `p`: the largest
/// `alpha = alpha0 * SHRINK^k` with `f(x + alpha p) <= f(x) + C1 alpha g.p`. Returns `alpha` and the new
/// point's value, or `None` if the step underflows (no decrease representable).
fn backtrack(
    c: &Counts,
    x: &Array1<f64>,
    fx: f64,
    g: &Array1<f64>,
    p: &Array1<f64>,
    alpha0: f64,
) -> Option<(f64, f64, Array1<f64>)> {
    let slope = g.dot(p);
    assert!(slope < 0.0, "not a descent direction (g.p = {slope:e})");
    let mut alpha = alpha0;
    loop {
        let trial = x + &(p * alpha);
        let ft = c.f(&trial);
        if ft <= fx + C1 * alpha * slope {
            return Some((alpha, ft, trial));
        }
        alpha *= SHRINK;
        if alpha * norm(p) < 1e-16 * norm(x).max(1.0) {
            return None;
        }
    }
}

/// The Newton step of Nocedal & Wright's line-search Newton-CG (Algorithm 7.1): conjugate gradients on
/// `H p = -g` with products `H d` from `f_hvp`, stopped at the residual `eps = min(0.5, sqrt|g|) |g|`
/// (superlinear convergence), or at the first direction of non-positive curvature `d^T H d <= 0`, where it
/// returns the iterate so far (or `-g` at the first). Returns the step and the number of CG iterations.
fn newton_cg_step(c: &Counts, x: &Array1<f64>, g: &Array1<f64>) -> (Array1<f64>, usize) {
    let gnorm = norm(g);
    let eps = gnorm.sqrt().min(0.5) * gnorm;
    let mut z = Array1::zeros(x.len());
    let mut r = g.clone();
    let mut d = -g;
    let mut rr = r.dot(&r);
    for j in 0..10 * x.len() {
        let hd = c.hv(x, d.clone());
        let curvature = d.dot(&hd);
        if curvature <= 0.0 {
            return (if j == 0 { -g } else { z }, j + 1);
        }
        let alpha = rr / curvature;
        z.scaled_add(alpha, &d);
        r.scaled_add(alpha, &hd);
        let rr_new = r.dot(&r);
        if rr_new.sqrt() < eps {
            return (z, j + 1);
        }
        d = &d * (rr_new / rr) - &r;
        rr = rr_new;
    }
    (z, 10 * x.len())
}

fn newton_cg(x0: &Array1<f64>) -> Outcome {
    let c = Counts::default();
    let start = Instant::now();
    let mut bar = Progress::new("Newton-CG", NEWTON_MAX_ITERS);
    let mut x = x0.clone();
    let (mut fx, mut g) = c.fg(&x);
    let (mut iters, mut cg_total) = (0, 0);
    let mut note = String::new();
    while norm(&g) > GTOL && iters < NEWTON_MAX_ITERS {
        let (p, cg) = newton_cg_step(&c, &x, &g);
        cg_total += cg;
        // The Newton step first (alpha = 1): near the minimum it is accepted and convergence is fast.
        match backtrack(&c, &x, fx, &g, &p, 1.0) {
            Some((_, fnew, xnew)) => {
                x = xnew;
                fx = fnew;
            }
            None => {
                note = "line search failed".into();
                break;
            }
        }
        g = c.g(&x);
        iters += 1;
        bar.update(iters, fx, norm(&g));
    }
    bar.finish();
    let gnorm = norm(&g);
    Outcome {
        iters,
        f: fx,
        gnorm,
        x,
        time: start.elapsed(),
        evals: c.summary(),
        note: if note.is_empty() {
            format!("{cg_total} CG iterations in all")
        } else {
            note
        },
    }
}

fn gradient_descent(x0: &Array1<f64>) -> Outcome {
    let c = Counts::default();
    let start = Instant::now();
    let mut bar = Progress::new("grad descent", GD_MAX_ITERS);
    let mut x = x0.clone();
    let (mut fx, mut g) = c.fg(&x);
    let mut iters = 0;
    let mut alpha: f64 = 1.0;
    let mut note = format!("stopped at the cap of {GD_MAX_ITERS} iterations");
    while iters < GD_MAX_ITERS {
        if norm(&g) <= GTOL {
            note = "converged".into();
            break;
        }
        // Each search starts at twice the last accepted step (at most 1), so that a step size that works
        // is found again in a few trials rather than halving down from 1 every iteration.
        match backtrack(&c, &x, fx, &g, &-&g, (2.0 * alpha).min(1.0)) {
            Some((a, fnew, xnew)) => {
                alpha = a;
                x = xnew;
                fx = fnew;
            }
            None => {
                note = "line search failed".into();
                break;
            }
        }
        g = c.g(&x);
        iters += 1;
        if iters % 64 == 0 {
            bar.update(iters, fx, norm(&g));
        }
    }
    bar.finish();
    Outcome {
        iters,
        f: fx,
        gnorm: norm(&g),
        x,
        time: start.elapsed(),
        evals: c.summary(),
        note,
    }
}

/// The problem as argmin sees it, over `Vec<f64>` parameters. `cost` calls `f_value_and_grad` and keeps
/// the gradient, which `gradient` at the same point returns (L-BFGS and its line search ask for the cost
/// and then the gradient of each trial point); `gradient` elsewhere calls `f_grad`.
struct Problem {
    counts: Counts,
    cached: std::cell::RefCell<Option<(Vec<f64>, Vec<f64>)>>,
}

impl CostFunction for Problem {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, p: &Vec<f64>) -> Result<f64, Error> {
        let (f, g) = self.counts.fg(&Array1::from_vec(p.clone()));
        *self.cached.borrow_mut() = Some((p.clone(), g.to_vec()));
        Ok(f)
    }
}

impl Gradient for Problem {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, Error> {
        if let Some((at, g)) = self.cached.borrow().as_ref() {
            if at == p {
                return Ok(g.clone());
            }
        }
        Ok(self.counts.g(&Array1::from_vec(p.clone())).to_vec())
    }
}

/// Feeds argmin's iterations to the progress bar.
struct Bar(Progress);

impl Observe<IterState<Vec<f64>, Vec<f64>, (), (), (), f64>> for Bar {
    fn observe_iter(
        &mut self,
        state: &IterState<Vec<f64>, Vec<f64>, (), (), (), f64>,
        _kv: &KV,
    ) -> Result<(), Error> {
        let gnorm = state
            .get_gradient()
            .map_or(f64::NAN, |g| g.iter().map(|v| v * v).sum::<f64>().sqrt());
        self.0
            .update(state.get_iter() as usize, state.get_cost(), gnorm);
        Ok(())
    }

    fn observe_final(
        &mut self,
        _state: &IterState<Vec<f64>, Vec<f64>, (), (), (), f64>,
    ) -> Result<(), Error> {
        self.0.finish();
        Ok(())
    }
}

fn lbfgs(x0: &Array1<f64>) -> Outcome {
    let start = Instant::now();
    let problem = Problem {
        counts: Counts::default(),
        cached: Default::default(),
    };
    let max_iters = 10_000;
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(GTOL)
        .expect("a valid tolerance")
        .with_tolerance_cost(0.0)
        .expect("a valid tolerance");
    let res = Executor::new(problem, solver)
        .configure(|state| state.param(x0.to_vec()).max_iters(max_iters))
        .add_observer(
            Bar(Progress::new("L-BFGS", max_iters as usize)),
            ObserverMode::Always,
        )
        .run()
        .expect("L-BFGS runs");
    let time = start.elapsed();
    let state = res.state();
    let x = Array1::from_vec(state.get_best_param().expect("a best point").clone());
    let problem = res.problem.problem.as_ref().expect("the problem");
    let (f, g) = problem.counts.fg(&x);
    Outcome {
        iters: state.get_iter() as usize,
        f,
        gnorm: norm(&g),
        x,
        time,
        evals: problem.counts.summary(),
        note: format!("{}", state.get_termination_status()),
    }
}

fn main() {
    let x0 = Array1::from_shape_fn(N, |i| if i % 2 == 0 { -1.2 } else { 1.0 });
    let (f0, g0) = rosenbrock_value_and_grad(&x0);
    println!(
        "extended Rosenbrock, n = {N}, x0 = (-1.2, 1, -1.2, 1, ...): f = {f0:.6e}, |g| = {:.6e}",
        norm(&g0)
    );
    println!("stop at |g| <= {GTOL:e}; backtracking: Armijo c1 = {C1}, step factor {SHRINK}\n");
    let runs = [
        ("Newton-CG (f_hvp)", newton_cg(&x0)),
        ("gradient descent", gradient_descent(&x0)),
        ("L-BFGS (argmin, m = 10)", lbfgs(&x0)),
    ];
    let ones = Array1::<f64>::ones(N);
    for (name, o) in &runs {
        println!("{name}");
        println!(
            "  iterations {:>6}   f {:.6e}   |g| {:.3e}   max|x - 1| {:.3e}   time {:.3?}",
            o.iters,
            o.f,
            o.gnorm,
            (&o.x - &ones).fold(0.0f64, |m, v| m.max(v.abs())),
            o.time
        );
        println!("  calls: {}; {}", o.evals, o.note);
    }
    // Newton-CG and L-BFGS must reach the minimum: a failure here is a wrong derivative or a regression.
    for (name, o) in [&runs[0], &runs[2]] {
        if o.gnorm > GTOL || (&o.x - &ones).iter().any(|v| v.abs() > 1e-6) {
            eprintln!("{name} did not converge to (1, ..., 1)");
            std::process::exit(1);
        }
    }
}
