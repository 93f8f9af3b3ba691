//! Times the benchmark workloads W1-W6 (inputs: the closed forms of `shared/data/jax-workloads.py`)
//! through candle-core's tape-based backprop (`Var`, `backward()`, f64, CPU), after checking a few
//! gradient components against values computed in plain Rust, and prints (and optionally writes as
//! JSON) the median time of the primal and of value-and-gradient per workload and size.
//!
//! Run from this directory, pinned to one core like the Rust suite:
//! `taskset -c 0 cargo run --release -- --out candle-1core.json` (`--quick` for a short run).
use candle_core::backprop::GradStore;
use candle_core::{Device, Result, Tensor, Var};
use std::hint::black_box;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Inputs, as the docstrings of jax-workloads.py write them
// ---------------------------------------------------------------------------------------------

/// `x[i] = sin(0.37*i + 0.1) * 1.5`.
fn vec_x(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| (0.37 * i as f64 + 0.1).sin() * 1.5)
        .collect()
}

/// `y[i] = cos(0.11*i)`.
fn vec_y(n: usize) -> Vec<f64> {
    (0..n).map(|i| (0.11 * i as f64).cos()).collect()
}

/// `M[i,j] = sin(0.01*(i*cols + j) + 0.3)`, row-major.
fn mat_sin(rows: usize, cols: usize) -> Vec<f64> {
    (0..rows * cols)
        .map(|k| (0.01 * k as f64 + 0.3).sin())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Checks and timing
// ---------------------------------------------------------------------------------------------

/// Relative tolerance of the gradient checks against plain Rust.
const TOL: f64 = 1e-8;

fn check(what: &str, got: f64, want: f64) {
    let scale = want.abs().max(1e-300);
    assert!(
        (got - want).abs() <= TOL * scale,
        "{what}: candle {got:e}, plain Rust {want:e}"
    );
}

struct Timing {
    primal: f64,
    value_and_grad: f64,
}

struct Config {
    warm_up: Duration,
    budget: Duration,
    min_reps: usize,
}

/// Median seconds of `f` after a warm-up: at least `min_reps` calls, more while the budget lasts.
fn median_time<T>(cfg: &Config, mut f: impl FnMut() -> T) -> f64 {
    let t0 = Instant::now();
    let mut n = 0;
    while n < 5 || t0.elapsed() < cfg.warm_up {
        black_box(f());
        n += 1;
    }
    let mut times = Vec::new();
    let t0 = Instant::now();
    while times.len() < cfg.min_reps || (t0.elapsed() < cfg.budget && times.len() < 100_000) {
        let t = Instant::now();
        black_box(f());
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    times[times.len() / 2]
}

/// The loss's value and the gradient store: what `f_value_and_grad` gives a user of autodiff.
fn value_and_grad(loss: &Tensor) -> Result<(f64, GradStore)> {
    let grads = loss.backward()?;
    Ok((loss.to_scalar::<f64>()?, grads))
}

fn grad_of(grads: &GradStore, v: &Var) -> Vec<f64> {
    grads
        .get(v.as_tensor())
        .expect("no gradient for a variable")
        .flatten_all()
        .and_then(|t| t.to_vec1::<f64>())
        .expect("gradient is not f64")
}

// ---------------------------------------------------------------------------------------------
// The workloads: a loss of `Tensor`s (fed `Var`s for value-and-gradient, constants for the primal)
// ---------------------------------------------------------------------------------------------

/// W1: `sum_i x_i^2`.
fn w1(x: &Tensor) -> Result<Tensor> {
    x.sqr()?.sum_all()
}

/// W2: `sum_i (x_i - y_i)^2`.
fn w2(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    (x - y)?.sqr()?.sum_all()
}

/// W3: `mean_i log1p(exp(-t_i * (X w + b)_i)) + 1e-3 * sum_j w_j^2` (candle has no `log1p`: `log(1 + .)`).
fn w3(w: &Tensor, b: &Tensor, xm: &Tensor, t: &Tensor) -> Result<Tensor> {
    let z = xm.matmul(&w.unsqueeze(1)?)?.squeeze(1)?.broadcast_add(b)?;
    let margins = (t.neg()? * z)?;
    let data = margins.exp()?.affine(1.0, 1.0)?.log()?.mean_all()?;
    data + (w.sqr()?.sum_all()? * 1e-3)?
}

/// W4: `mean((tanh(X W1 + b1) W2 + b2 - Y)^2)`.
fn w4(
    w1: &Tensor,
    b1: &Tensor,
    w2: &Tensor,
    b2: &Tensor,
    x: &Tensor,
    y: &Tensor,
) -> Result<Tensor> {
    let h = x.matmul(w1)?.broadcast_add(b1)?.tanh()?;
    let out = h.matmul(w2)?.broadcast_add(b2)?;
    (out - y)?.sqr()?.mean_all()
}

/// W5: `sum_{i<n-1} 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2`.
fn w5(x: &Tensor) -> Result<Tensor> {
    let n = x.dim(0)?;
    let a = x.narrow(0, 0, n - 1)?;
    let b = x.narrow(0, 1, n - 1)?;
    let d = (b - a.sqr()?)?.sqr()?.affine(100.0, 0.0)?;
    let e = a.affine(-1.0, 1.0)?.sqr()?;
    (d + e)?.sum_all()
}

/// W6: `mean_i(logsumexp(logits[i,:]) - logits[i, label_i])`, labels as a constant one-hot matrix.
fn w6(logits: &Tensor, onehot: &Tensor) -> Result<Tensor> {
    let lse = logits.exp()?.sum(1)?.log()?;
    let picked = (logits * onehot)?.sum(1)?;
    (lse - picked)?.mean_all()
}

struct Row {
    workload: &'static str,
    size: usize,
    label: String,
    timing: Timing,
}

fn run(cfg: &Config) -> Result<Vec<Row>> {
    let dev = Device::Cpu;
    let mut rows = Vec::new();

    // W1
    for n in [1_000usize, 100_000, 1_000_000] {
        let xs = vec_x(n);
        let x = Var::from_slice(&xs, n, &dev)?;
        let (v, g) = value_and_grad(&w1(&x)?)?;
        let gx = grad_of(&g, &x);
        check("W1 value", v, xs.iter().map(|a| a * a).sum());
        for k in [0, n / 2, n - 1] {
            check("W1 grad", gx[k], 2.0 * xs[k]);
        }
        let xc = x.as_detached_tensor();
        let timing = Timing {
            primal: median_time(cfg, || w1(&xc).unwrap()),
            value_and_grad: median_time(cfg, || value_and_grad(&w1(&x).unwrap()).unwrap()),
        };
        rows.push(Row {
            workload: "W1",
            size: n,
            label: format!("{n}"),
            timing,
        });
    }

    // W2
    for n in [1_000usize, 1_000_000] {
        let (xs, ys) = (vec_x(n), vec_y(n));
        let x = Var::from_slice(&xs, n, &dev)?;
        let y = Var::from_slice(&ys, n, &dev)?;
        let (v, g) = value_and_grad(&w2(&x, &y)?)?;
        let (gx, gy) = (grad_of(&g, &x), grad_of(&g, &y));
        check(
            "W2 value",
            v,
            xs.iter().zip(&ys).map(|(a, b)| (a - b) * (a - b)).sum(),
        );
        for k in [0, n / 3, n - 1] {
            check("W2 grad x", gx[k], 2.0 * (xs[k] - ys[k]));
            check("W2 grad y", gy[k], -2.0 * (xs[k] - ys[k]));
        }
        let (xc, yc) = (x.as_detached_tensor(), y.as_detached_tensor());
        let timing = Timing {
            primal: median_time(cfg, || w2(&xc, &yc).unwrap()),
            value_and_grad: median_time(cfg, || value_and_grad(&w2(&x, &y).unwrap()).unwrap()),
        };
        rows.push(Row {
            workload: "W2",
            size: n,
            label: format!("{n}"),
            timing,
        });
    }

    // W3
    {
        let (nr, d) = (1000usize, 100usize);
        let xs = mat_sin(nr, d);
        let ts: Vec<f64> = (0..nr)
            .map(|i| if i % 3 == 0 { 1.0 } else { -1.0 })
            .collect();
        let ws: Vec<f64> = (0..d)
            .map(|j| 0.05 * (0.3 * j as f64 + 0.2).cos())
            .collect();
        let bs = 0.1f64;
        let w = Var::from_slice(&ws, d, &dev)?;
        let b = Var::from_slice(&[bs], (), &dev)?;
        let xm = Tensor::from_slice(&xs, (nr, d), &dev)?;
        let t = Tensor::from_slice(&ts, nr, &dev)?;
        let (v, g) = value_and_grad(&w3(&w, &b, &xm, &t)?)?;
        let (gw, gb) = (grad_of(&g, &w), grad_of(&g, &b));
        // Plain Rust: r_i = d loss / d z_i = -t_i * sigmoid(m_i) / N.
        let mut value = 0.0;
        let mut r = vec![0.0; nr];
        for i in 0..nr {
            let z: f64 = (0..d).map(|j| xs[i * d + j] * ws[j]).sum::<f64>() + bs;
            let e = (-ts[i] * z).exp();
            value += e.ln_1p() / nr as f64;
            r[i] = -ts[i] * e / (1.0 + e) / nr as f64;
        }
        value += 1e-3 * ws.iter().map(|a| a * a).sum::<f64>();
        check("W3 value", v, value);
        check("W3 grad b", gb[0], r.iter().sum());
        for j in [0, 37, d - 1] {
            let want: f64 = (0..nr).map(|i| xs[i * d + j] * r[i]).sum::<f64>() + 2e-3 * ws[j];
            check("W3 grad w", gw[j], want);
        }
        let (wc, bc) = (w.as_detached_tensor(), b.as_detached_tensor());
        let timing = Timing {
            primal: median_time(cfg, || w3(&wc, &bc, &xm, &t).unwrap()),
            value_and_grad: median_time(cfg, || {
                value_and_grad(&w3(&w, &b, &xm, &t).unwrap()).unwrap()
            }),
        };
        rows.push(Row {
            workload: "W3",
            size: nr * d,
            label: "1000x100".into(),
            timing,
        });
    }

    // W4
    {
        let (nb, ni, nh) = (256usize, 64usize, 128usize);
        let w1s: Vec<f64> = (0..ni * nh)
            .map(|k| 0.1 * (0.05 * k as f64).cos())
            .collect();
        let b1s: Vec<f64> = (0..nh).map(|j| 0.01 * (0.2 * j as f64).sin()).collect();
        let w2s: Vec<f64> = (0..nh)
            .map(|i| 0.1 * (0.03 * i as f64 + 0.5).sin())
            .collect();
        let b2s = 0.05f64;
        let xs = mat_sin(nb, ni);
        let ys: Vec<f64> = (0..nb).map(|i| (0.02 * i as f64).cos()).collect();
        let w1v = Var::from_slice(&w1s, (ni, nh), &dev)?;
        let b1v = Var::from_slice(&b1s, nh, &dev)?;
        let w2v = Var::from_slice(&w2s, (nh, 1), &dev)?;
        let b2v = Var::from_slice(&[b2s], 1, &dev)?;
        let x = Tensor::from_slice(&xs, (nb, ni), &dev)?;
        let y = Tensor::from_slice(&ys, (nb, 1), &dev)?;
        let (v, g) = value_and_grad(&w4(&w1v, &b1v, &w2v, &b2v, &x, &y)?)?;
        // Plain Rust forward and backward.
        let mut h = vec![0.0; nb * nh];
        let mut dout = vec![0.0; nb];
        let mut value = 0.0;
        for i in 0..nb {
            let mut out = b2s;
            for j in 0..nh {
                let pre: f64 = (0..ni)
                    .map(|k| xs[i * ni + k] * w1s[k * nh + j])
                    .sum::<f64>()
                    + b1s[j];
                h[i * nh + j] = pre.tanh();
                out += h[i * nh + j] * w2s[j];
            }
            let err = out - ys[i];
            value += err * err / nb as f64;
            dout[i] = 2.0 * err / nb as f64;
        }
        check("W4 value", v, value);
        check("W4 grad b2", grad_of(&g, &b2v)[0], dout.iter().sum());
        let (gw1, gb1, gw2) = (grad_of(&g, &w1v), grad_of(&g, &b1v), grad_of(&g, &w2v));
        let dpre = |i: usize, j: usize| dout[i] * w2s[j] * (1.0 - h[i * nh + j] * h[i * nh + j]);
        for j in [0, 63, nh - 1] {
            check(
                "W4 grad W2",
                gw2[j],
                (0..nb).map(|i| dout[i] * h[i * nh + j]).sum(),
            );
            check("W4 grad b1", gb1[j], (0..nb).map(|i| dpre(i, j)).sum());
            for k in [0, ni - 1] {
                check(
                    "W4 grad W1",
                    gw1[k * nh + j],
                    (0..nb).map(|i| xs[i * ni + k] * dpre(i, j)).sum(),
                );
            }
        }
        let (w1c, b1c, w2c, b2c) = (
            w1v.as_detached_tensor(),
            b1v.as_detached_tensor(),
            w2v.as_detached_tensor(),
            b2v.as_detached_tensor(),
        );
        let timing = Timing {
            primal: median_time(cfg, || w4(&w1c, &b1c, &w2c, &b2c, &x, &y).unwrap()),
            value_and_grad: median_time(cfg, || {
                value_and_grad(&w4(&w1v, &b1v, &w2v, &b2v, &x, &y).unwrap()).unwrap()
            }),
        };
        rows.push(Row {
            workload: "W4",
            size: nb * ni,
            label: "256x64x128".into(),
            timing,
        });
    }

    // W5
    for n in [1_000usize, 100_000, 1_000_000] {
        let xs = vec_x(n);
        let x = Var::from_slice(&xs, n, &dev)?;
        let (v, g) = value_and_grad(&w5(&x)?)?;
        let gx = grad_of(&g, &x);
        let value: f64 = (0..n - 1)
            .map(|i| 100.0 * (xs[i + 1] - xs[i] * xs[i]).powi(2) + (1.0 - xs[i]).powi(2))
            .sum();
        check("W5 value", v, value);
        let grad = |i: usize| {
            let mut gi = 0.0;
            if i + 1 < n {
                gi += -400.0 * xs[i] * (xs[i + 1] - xs[i] * xs[i]) - 2.0 * (1.0 - xs[i]);
            }
            if i > 0 {
                gi += 200.0 * (xs[i] - xs[i - 1] * xs[i - 1]);
            }
            gi
        };
        for k in [0, 1, n / 2, n - 1] {
            check("W5 grad", gx[k], grad(k));
        }
        let xc = x.as_detached_tensor();
        let timing = Timing {
            primal: median_time(cfg, || w5(&xc).unwrap()),
            value_and_grad: median_time(cfg, || value_and_grad(&w5(&x).unwrap()).unwrap()),
        };
        rows.push(Row {
            workload: "W5",
            size: n,
            label: format!("{n}"),
            timing,
        });
    }

    // W6
    {
        let (nr, nc) = (1000usize, 10usize);
        let ls: Vec<f64> = (0..nr * nc)
            .map(|k| 2.0 * (0.13 * k as f64 + 0.5).sin())
            .collect();
        let labels: Vec<usize> = (0..nr).map(|i| (7 * i) % nc).collect();
        let oh: Vec<f64> = (0..nr * nc)
            .map(|k| if labels[k / nc] == k % nc { 1.0 } else { 0.0 })
            .collect();
        let logits = Var::from_slice(&ls, (nr, nc), &dev)?;
        let onehot = Tensor::from_slice(&oh, (nr, nc), &dev)?;
        let (v, g) = value_and_grad(&w6(&logits, &onehot)?)?;
        let gl = grad_of(&g, &logits);
        let mut value = 0.0;
        for i in 0..nr {
            let s: f64 = (0..nc).map(|j| ls[i * nc + j].exp()).sum();
            value += (s.ln() - ls[i * nc + labels[i]]) / nr as f64;
            if i % 333 == 0 {
                for j in 0..nc {
                    let want = (ls[i * nc + j].exp() / s - oh[i * nc + j]) / nr as f64;
                    check("W6 grad", gl[i * nc + j], want);
                }
            }
        }
        check("W6 value", v, value);
        let lc = logits.as_detached_tensor();
        let timing = Timing {
            primal: median_time(cfg, || w6(&lc, &onehot).unwrap()),
            value_and_grad: median_time(cfg, || {
                value_and_grad(&w6(&logits, &onehot).unwrap()).unwrap()
            }),
        };
        rows.push(Row {
            workload: "W6",
            size: nr * nc,
            label: "1000x10".into(),
            timing,
        });
    }
    Ok(rows)
}

fn main() -> Result<()> {
    // candle sizes its thread pool by the physical cores of the machine, not by the affinity mask: pinned
    // with `taskset -c 0` it would run two threads on one core (spinning at its barriers, 10x slower).
    // Ask it for the cores this process may use, as a user pinning it would.
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        std::env::set_var("RAYON_NUM_THREADS", cpus.to_string());
    }
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let out = args
        .iter()
        .position(|a| a == "--out")
        .map(|i| args.get(i + 1).expect("--out needs a path").clone());
    let cfg = if quick {
        Config {
            warm_up: Duration::from_millis(50),
            budget: Duration::from_millis(200),
            min_reps: 10,
        }
    } else {
        Config {
            warm_up: Duration::from_millis(300),
            budget: Duration::from_secs(1),
            min_reps: 20,
        }
    };
    let started = Instant::now();
    let rows = run(&cfg)?;
    println!(
        "candle-core 0.11.1, f64, CPU, {threads} thread(s); median seconds (gradients checked against plain Rust, rel {TOL:e})"
    );
    println!(
        "{:<4} {:>12} {:>14} {:>14} {:>8}",
        "w", "size", "primal", "v&g", "v&g/p"
    );
    for r in &rows {
        println!(
            "{:<4} {:>12} {:>14.3e} {:>14.3e} {:>8.2}",
            r.workload,
            r.label,
            r.timing.primal,
            r.timing.value_and_grad,
            r.timing.value_and_grad / r.timing.primal
        );
    }
    println!("wall time {:.1} s", started.elapsed().as_secs_f64());
    if let Some(path) = out {
        let items: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "  {{\"workload\": \"{}\", \"size\": {}, \"label\": \"{}\", \"primal_s\": {:e}, \"value_and_grad_s\": {:e}}}",
                    r.workload, r.size, r.label, r.timing.primal, r.timing.value_and_grad
                )
            })
            .collect();
        let malloc = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
        let json = format!(
            "{{\"peer\": \"candle-core 0.11.1\", \"dtype\": \"f64\", \"cpus\": {cpus}, \"threads\": \"{threads}\", \"glibc_tunables\": \"{malloc}\", \"quick\": {quick},\n \"results\": [\n{}\n ]}}\n",
            items.join(",\n")
        );
        std::fs::write(&path, json).expect("cannot write --out");
        println!("wrote {path}");
    }
    Ok(())
}
