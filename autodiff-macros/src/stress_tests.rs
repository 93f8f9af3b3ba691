//! Compile cost under stress: long functions, many parameters, deep loops and long expressions expand in
//! time that grows no worse than linearly with their size; the largest are kept in `tests/stress.rs`,
//! where rustc compiles them and their gradients are checked.
//!
//! `cargo test -p autodiff-macros stress -- --nocapture` prints the expansion times; with
//! `AUTODIFF_WRITE_STRESS=1` it rewrites `tests/stress.rs` from these generators.

use crate::expand::expand;
use proc_macro2::TokenStream;
use std::fmt::Write;
use std::time::{Duration, Instant};

/// A function of `n` statements that mixes scalar arithmetic, branches, loops and element reads.
fn long(n: usize) -> String {
    let mut body = String::from("    let mut s = 0.0;\n    let a0 = y * 1.01;\n");
    for k in 1..n {
        let p = k - 1;
        let line = match k % 5 {
            0 => format!("    let a{k} = a{p}.sin() * 0.5 + y;\n"),
            1 => format!("    let a{k} = a{p} * x[{}] + 0.1;\n", k % 4),
            2 => format!(
                "    if a{p} > 0.0 {{\n        s += a{p};\n    }} else {{\n        s -= 0.5 * a{p};\n    }}\n    let a{k} = a{p} * 0.99;\n"
            ),
            3 => format!(
                "    for i in 0..3 {{\n        s += a{p} * x[i];\n    }}\n    let a{k} = a{p} * 0.9;\n"
            ),
            _ => format!("    let a{k} = (a{p} * a{p} + 1.0).ln();\n"),
        };
        body.push_str(&line);
    }
    format!(
        "#[differentiable(argnums = (0, 1))]\nfn long_{n}(x: &Array1<f64>, y: f64) -> f64 {{\n{body}    s + a{}\n}}\n",
        n - 1
    )
}

/// A function of `p` scalar parameters, each differentiable.
fn wide(p: usize) -> String {
    // One per line with a trailing comma, as rustfmt lays out a long list.
    let params: Vec<String> = (0..p).map(|i| format!("\n    x{i}: f64,")).collect();
    let terms: Vec<String> = (0..p)
        .map(|i| format!("x{i} * x{}.sin()", (i + 1) % p))
        .collect();
    format!(
        "#[differentiable]\nfn wide_{p}({}\n) -> f64 {{\n    {}\n}}\n",
        params.concat(),
        terms.join("\n        + ")
    )
}

/// Loops nested `d` deep, each of two iterations, around a carried product.
fn deep(d: usize) -> String {
    let mut open = String::new();
    let mut close = String::new();
    let mut indices = Vec::new();
    for k in 0..d {
        let pad = "    ".repeat(k + 1);
        let _ = writeln!(open, "{pad}for i{k} in 0..2 {{");
        let _ = writeln!(close, "{pad}}}");
        indices.push(format!("i{k}"));
    }
    let pad = "    ".repeat(d + 1);
    let inner = format!(
        "{pad}s = s * 0.9 + (x * ({}) as f64 * 0.1).sin();\n",
        indices.join(" + ")
    );
    let close: String = close.lines().rev().map(|l| format!("{l}\n")).collect();
    format!("#[differentiable]\nfn deep_{d}(x: f64) -> f64 {{\n    let mut s = x;\n{open}{inner}{close}    s\n}}\n")
}

/// One expression of `t` terms over two scalars.
fn terms(t: usize) -> String {
    let parts: Vec<String> = (0..t)
        .map(|k| match k % 4 {
            0 => format!("(x * {}.0).sin() * y", k % 7 + 1),
            1 => format!("x * y * 0.{}", k % 9 + 1),
            2 => format!("(y - x * 0.5).tanh() * {}.0", k % 5 + 1),
            _ => format!("(x * x + 1.0).ln() / {}.0", k % 3 + 2),
        })
        .collect();
    format!(
        "#[differentiable(argnums = (0, 1))]\nfn terms_{t}(x: f64, y: f64) -> f64 {{\n    {}\n}}\n",
        parts.join("\n        + ")
    )
}

/// The attribute's arguments and the function's tokens of a generated source.
fn split(source: &str) -> (TokenStream, TokenStream) {
    let file: syn::File = syn::parse_str(source).expect("generated source parses");
    let syn::Item::Fn(mut f) = file.items.into_iter().next().expect("one item") else {
        panic!("a function")
    };
    let attr = f.attrs.remove(0);
    let args = match attr.meta {
        syn::Meta::List(l) => l.tokens,
        _ => TokenStream::new(),
    };
    (args, quote::quote!(#f))
}

/// The fastest of three expansions of `source`; fails if the expansion reports an error.
fn expansion_time(source: &str) -> Duration {
    let (attr, item) = split(source);
    (0..3)
        .map(|_| {
            let start = Instant::now();
            let out = expand(attr.clone(), item.clone());
            let elapsed = start.elapsed();
            assert!(
                !out.to_string().contains("compile_error"),
                "the stress function has an error:\n{source}"
            );
            elapsed
        })
        .min()
        .expect("three runs")
}

/// A shape of stress function: its name, its generator and three sizes.
type Shape = (&'static str, fn(usize) -> String, [usize; 3]);

/// The shapes and the sizes measured: the largest of each is what the issue asks for.
fn shapes() -> Vec<Shape> {
    vec![
        ("statements", long, [125, 250, 500]),
        ("parameters", wide, [8, 15, 30]),
        ("loop depth", deep, [2, 4, 8]),
        ("terms", terms, [50, 100, 200]),
    ]
}

#[test]
fn stress_expansion_grows_linearly() {
    for (what, make, sizes) in shapes() {
        let times: Vec<Duration> = sizes.iter().map(|&n| expansion_time(&make(n))).collect();
        let lines: Vec<usize> = sizes.iter().map(|&n| make(n).lines().count()).collect();
        println!(
            "{what}: {}",
            sizes
                .iter()
                .zip(&times)
                .zip(&lines)
                .map(|((n, t), l)| format!("{n} ({l} lines): {:.2} ms", t.as_secs_f64() * 1e3))
                .collect::<Vec<_>>()
                .join(", ")
        );
        // Four times the size may cost at most four times the time, with room for noise (and for
        // `wide`, whose number of generated items also grows with the size: quadratic by nature).
        let ratio = times[2].as_secs_f64() / times[0].as_secs_f64().max(1e-6);
        let size_ratio = (sizes[2] / sizes[0]) as f64;
        let bound = if what == "parameters" {
            size_ratio * size_ratio * 2.0
        } else {
            size_ratio * 2.5
        };
        assert!(
            ratio <= bound,
            "{what}: {}x the size took {ratio:.1}x the time (bound {bound})",
            size_ratio
        );
    }
}

/// A realistic function of 50 lines, the size the issue names: scalar arithmetic, branches, loops (`for`,
/// `while`, `continue`) and the array operations of the workloads (`dot`, slices, `powi`, `mapv`, means).
const REALISTIC_50: &str = r#"#[differentiable(argnums = (0, 1, 2))]
fn realistic(w: &Array1<f64>, b: f64, scale: f64, xm: &Array2<f64>, t: &Array1<f64>) -> f64 {
    let z = xm.dot(w) + b;
    let margins = -t * &z;
    let data = margins.exp().ln_1p().mean().unwrap();
    let reg = 1e-3 * w.powi(2).sum();
    let n = w.len();
    let a = w.slice(s![..-1]);
    let c = w.slice(s![1..]);
    let smooth = (100.0 * (&c - &a * &a).powi(2) + (1.0 - &a).powi(2)).sum();
    let mut s = 0.0;
    let mut h = 0.0;
    for i in 0..n - 1 {
        let u = w[i + 1] - w[i] * w[i];
        if u > 0.0 {
            s += u * u * scale;
        } else {
            s -= 0.5 * u * scale;
        }
        h = (0.9 * h + w[i] * b).tanh();
        s += (1.0 - w[i]).powi(2) + h * 0.1;
    }
    let mut m = 1.0;
    for i in 0..t.len() {
        let v = t[i] * z[i];
        if v < -20.0 {
            continue;
        }
        m = m * 0.99 + (v * scale).sin() * 0.01;
    }
    let p = (b * scale).exp() / (1.0 + (b * scale).exp());
    let q = if p > 0.5 {
        p.ln() * scale
    } else {
        (1.0 - p).ln() + b * b
    };
    let r = (scale * scale + 1.0).sqrt() * q;
    let mut acc = r;
    let mut k = 0;
    while k < 3 {
        acc = acc * 0.5 + (acc * b).cos() * 0.25;
        k += 1;
    }
    let e = &z * scale;
    let f = e.mapv(|v| v * v).sum() / (n as f64);
    let g = (data + reg) * scale + smooth * 1e-2;
    let total = g + s * 0.5 + m + acc + f * 1e-3;
    let bounded = total.min(1e6).max(-1e6);
    let out = bounded + b.abs() * 1e-4;
    out
}
"#;

/// The expansion time of a realistic 50-line function, which the issue keeps under a few milliseconds
/// (BENCHMARKS.md, "Compile cost under stress"). Only printed (timings on shared machines are noisy);
/// `valgrind --tool=callgrind <test binary> stress_realistic --test-threads=1` profiles it alone.
#[test]
fn stress_realistic_50_lines() {
    assert_eq!(
        REALISTIC_50.lines().count(),
        51,
        "the attribute and 50 lines"
    );
    let t = expansion_time(REALISTIC_50);
    println!("realistic (50 lines): {:.2} ms", t.as_secs_f64() * 1e3);
    let mix = long(19);
    println!(
        "statements mix ({} lines): {:.2} ms",
        mix.lines().count(),
        expansion_time(&mix).as_secs_f64() * 1e3
    );
    // Where the time goes: each pass's fastest of five expansions.
    let (attr, item) = split(REALISTIC_50);
    let mut best: Vec<(&'static str, Duration)> = Vec::new();
    for _ in 0..5 {
        let (_, passes) = crate::timing::collect(|| expand(attr.clone(), item.clone()));
        for (name, d) in passes {
            match best.iter_mut().find(|(n, _)| *n == name) {
                Some((_, b)) => *b = (*b).min(d),
                None => best.push((name, d)),
            }
        }
    }
    let split: Vec<String> = best
        .iter()
        .map(|(n, d)| format!("{n} {:.2}", d.as_secs_f64() * 1e3))
        .collect();
    println!("realistic, per pass (ms): {}", split.join(", "));
}

/// One expansion of the realistic function, for a profiler:
/// `valgrind --tool=callgrind <test binary> --ignored --exact stress_tests::stress_realistic_profile`
/// (with `$(rustc --print sysroot)/lib/rustlib/<target>/lib` on `LD_LIBRARY_PATH`), then
/// `callgrind_annotate --inclusive=yes` for the cost of each function with what it calls.
#[test]
#[ignore = "a profiler's target"]
fn stress_realistic_profile() {
    let (attr, item) = split(REALISTIC_50);
    std::hint::black_box(expand(attr, item));
}

/// The source of `tests/stress.rs`: the largest function of each shape, with checks of its gradients.
fn stress_file() -> String {
    let mut out = String::from(
        "//! Generated by `autodiff-macros/src/stress_tests.rs` (`AUTODIFF_WRITE_STRESS=1 cargo test -p\n//! autodiff-macros stress`): the largest stress functions, which rustc must compile; their gradients are\n//! checked against central finite differences.\n#![deny(warnings)]\n#![allow(clippy::all)]\n\nuse autodiff::ndarray::{array, Array1};\nuse autodiff::prelude::*;\n\n",
    );
    out.push_str(&long(500));
    out.push('\n');
    out.push_str(&wide(30));
    out.push('\n');
    out.push_str(&deep(8));
    out.push('\n');
    out.push_str(&terms(200));
    out.push_str(STRESS_CHECKS);
    out
}

const STRESS_CHECKS: &str = r#"
#[track_caller]
fn fd_close(analytic: f64, f: impl Fn(f64) -> f64, at: f64) {
    let h = 1e-6 * at.abs().max(1.0);
    let numeric = (f(at + h) - f(at - h)) / (2.0 * h);
    assert!(
        (analytic - numeric).abs() <= 1e-5 * (1.0 + numeric.abs()),
        "analytic {analytic}, numeric {numeric}"
    );
}

#[test]
fn long_function() {
    let x = array![0.3, -0.7, 0.9, 0.2];
    let y = 0.4;
    let (gx, gy) = long_500_grad(&x, y);
    fd_close(gy, |y| long_500(&x, y), y);
    for i in 0..x.len() {
        let at = x[i];
        let g = |v: f64| {
            let mut x = x.clone();
            x[i] = v;
            long_500(&x, y)
        };
        fd_close(gx[i], g, at);
    }
}

#[test]
fn thirty_parameters() {
    let xs: Vec<f64> = (0..30).map(|i| (i as f64 * 0.37).sin()).collect();
    let f = |k: usize, v: f64| {
        let mut a = xs.clone();
        a[k] = v;
        wide_30(
            a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13],
            a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21], a[22], a[23], a[24], a[25],
            a[26], a[27], a[28], a[29],
        )
    };
    let a = &xs;
    let g0 = wide_30_grad(
        a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13],
        a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21], a[22], a[23], a[24], a[25], a[26],
        a[27], a[28], a[29],
    );
    fd_close(g0, |v| f(0, v), xs[0]);
    let g29 = wide_30_grad_29(
        a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13],
        a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21], a[22], a[23], a[24], a[25], a[26],
        a[27], a[28], a[29],
    );
    fd_close(g29, |v| f(29, v), xs[29]);
}

#[test]
fn loops_eight_deep() {
    fd_close(deep_8_grad(0.7), deep_8, 0.7);
}

#[test]
fn two_hundred_terms() {
    let (gx, gy) = terms_200_grad(0.3, -0.6);
    fd_close(gx, |x| terms_200(x, -0.6), 0.3);
    fd_close(gy, |y| terms_200(0.3, y), -0.6);
}
"#;

#[test]
fn stress_file_is_current() {
    crate::test_support::generated_file_is_current(
        "tests/stress.rs",
        &stress_file(),
        "AUTODIFF_WRITE_STRESS",
    );
}
