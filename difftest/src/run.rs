//! Builds and runs a batch of programs in a scratch crate under `target/`, and reports each program's
//! outcome; compile errors are attributed to programs by line, or by bisection when they cannot be.

use crate::ast::Program;
use crate::harness::{header, program_module};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What happened to one program.
#[derive(Clone, Debug, PartialEq)]
pub enum Res {
    /// every check passed
    Ok {
        /// gradient components compared with finite differences
        checked: usize,
        /// components skipped at kinks
        skipped: usize,
        /// the value was out of range: nothing compared
        out_of_range: bool,
    },
    /// some checks failed: their kinds, and one line per failure
    Fail(Vec<String>, Vec<String>),
    /// the program panicked
    Panic(String),
    /// the expansion (or the program) does not compile: the first error
    Compile(String),
}

impl Res {
    /// A short signature of how a program fails (`None` when it passes).
    pub fn signature(&self) -> Option<String> {
        match self {
            Res::Ok { .. } => None,
            // A disagreement with dual numbers (exact forward mode, blind to kinks) is the sharper
            // signature: minimizing by finite differences alone can drift to a kink.
            Res::Fail(kinds, _) => {
                let kind = kinds.iter().find(|k| *k == "dual").unwrap_or(&kinds[0]);
                Some(format!("wrong:{kind}"))
            }
            Res::Panic(_) => Some("panic".into()),
            Res::Compile(msg) => {
                // the error code, or the macro's message up to its first backtick
                let m = msg.split("error").nth(1).unwrap_or(msg);
                let m = m.split('`').next().unwrap_or(m);
                Some(format!("compile:{}", m.trim()))
            }
        }
    }
}

/// The repository root (the workspace of `autodiff`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => PathBuf::from(d),
        None => repo_root().join("target"),
    }
}

const SUPPORT: &str = include_str!("../support/check.rs");

fn write_crate(dir: &Path, programs: &[&Program]) -> Vec<(usize, usize)> {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let root = repo_root();
    let manifest = format!(
        "[package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nautodiff = {{ path = {:?} }}\nnum-dual = {{ version = \"0.15\", default-features = false }}\n\n\
         [workspace]\n",
        package_name(dir),
        root.display().to_string()
    );
    write_if_changed(&dir.join("Cargo.toml"), &manifest);
    if !dir.join("Cargo.lock").exists() {
        let _ = std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"));
    }
    write_if_changed(&src.join("check.rs"), SUPPORT);
    let mut text = header(
        "//! Scratch crate of the differential tester (generated).\n",
        "check.rs",
    );
    let mut ranges = Vec::new();
    for p in programs {
        let start = text.lines().count() + 1;
        text.push_str(&program_module(p, "", None, false));
        ranges.push((start, text.lines().count()));
    }
    text.push_str("\nfn main() {\n    std::panic::set_hook(Box::new(|_| {}));\n");
    text.push_str("    let checks: Vec<(&str, fn() -> Report)> = vec![\n");
    for p in programs {
        text.push_str(&format!("        (\"{0}\", {0}::check),\n", p.name));
    }
    text.push_str(
        r#"    ];
    for (name, check) in checks {
        match std::panic::catch_unwind(check) {
            Ok(r) if r.failures.is_empty() => {
                println!("RESULT {name} ok {} {} {}", r.checked, r.skipped, r.out_of_range)
            }
            Ok(r) => {
                println!("RESULT {name} fail {}", r.kinds.join(","));
                for f in &r.failures {
                    println!("FAILURE {name} {f}");
                }
            }
            Err(e) => {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                println!("RESULT {name} panic {}", msg.replace('\n', " "));
            }
        }
    }
}
"#,
    );
    write_if_changed(&src.join("main.rs"), &text);
    ranges
}

/// The scratch crate's package (and binary) name: its folder's name, so that scratch crates sharing the
/// target folder do not overwrite each other's binary.
fn package_name(dir: &Path) -> String {
    dir.file_name()
        .unwrap()
        .to_string_lossy()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
}

fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).unwrap();
    }
}

/// Builds and runs `programs` in the scratch crate `dir`; one result per program, in order.
pub fn run_batch(programs: &[Program], dir: &Path) -> Vec<Res> {
    let mut results: Vec<Option<Res>> = vec![None; programs.len()];
    let mut pending: Vec<Vec<usize>> = vec![(0..programs.len()).collect()];
    while let Some(active) = pending.pop() {
        if active.is_empty() {
            continue;
        }
        let ps: Vec<&Program> = active.iter().map(|&i| &programs[i]).collect();
        let ranges = write_crate(dir, &ps);
        let out = Command::new(env!("CARGO"))
            .args(["build", "-q", "--message-format=short", "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", target_dir())
            .output()
            .expect("cargo runs");
        if out.status.success() {
            let exe = target_dir().join("debug").join(package_name(dir));
            let run = Command::new(exe).output().expect("the scratch binary runs");
            let stdout = String::from_utf8_lossy(&run.stdout);
            for &i in &active {
                results[i] = Some(parse_result(&stdout, &programs[i].name));
            }
            continue;
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut attributed = vec![false; active.len()];
        let mut any = false;
        for line in stderr.lines() {
            let Some(rest) = line.strip_prefix("src/main.rs:") else {
                continue;
            };
            if !line.contains("error") {
                continue;
            }
            let Some(n) = rest.split(':').next().and_then(|n| n.parse::<usize>().ok()) else {
                continue;
            };
            for (k, (a, b)) in ranges.iter().enumerate() {
                if n >= *a && n <= *b {
                    any = true;
                    if !attributed[k] {
                        attributed[k] = true;
                        let msg = line
                            .splitn(4, ':')
                            .nth(3)
                            .unwrap_or(line)
                            .trim()
                            .to_string();
                        results[active[k]] = Some(Res::Compile(msg));
                    }
                }
            }
        }
        if any {
            pending.push(
                active
                    .iter()
                    .zip(&attributed)
                    .filter(|(_, a)| !**a)
                    .map(|(i, _)| *i)
                    .collect(),
            );
        } else if active.len() == 1 {
            let first = stderr
                .lines()
                .find(|l| l.contains("error"))
                .unwrap_or("unknown error")
                .to_string();
            results[active[0]] = Some(Res::Compile(first));
        } else {
            let (a, b) = active.split_at(active.len() / 2);
            pending.push(a.to_vec());
            pending.push(b.to_vec());
        }
    }
    let mut results: Vec<Res> = results
        .into_iter()
        .map(|r| r.unwrap_or(Res::Panic("no result".into())))
        .collect();
    // Programs whose second order the macro refuses (a spanned error that says so) run again without
    // `hessian`: a refusal is a documented limit, not a failure; any other compile error stays one.
    let refused: Vec<usize> = (0..programs.len())
        .filter(|&i| programs[i].hessian)
        .filter(|&i| matches!(&results[i], Res::Compile(m) if m.contains(HESSIAN_REFUSAL)))
        .collect();
    if !refused.is_empty() {
        // Each reason's first words, counted, with the first program that gave it.
        let mut reasons: std::collections::BTreeMap<String, (usize, &str)> = Default::default();
        for &i in &refused {
            if let Res::Compile(m) = &results[i] {
                if let Some(r) = m.split(HESSIAN_REFUSAL).nth(1) {
                    let entry = reasons
                        .entry(r.trim().chars().take(60).collect())
                        .or_insert((0, &programs[i].name));
                    entry.0 += 1;
                }
            }
        }
        let counted: Vec<String> = reasons
            .iter()
            .map(|(r, (n, first))| format!("{n}x {r}.. (first {first})"))
            .collect();
        eprintln!(
            "difftest: hessian refused for {} programs ({}), run without it",
            refused.len(),
            counted.join(" | ")
        );
        let again: Vec<Program> = refused
            .iter()
            .map(|&i| Program {
                hessian: false,
                ..programs[i].clone()
            })
            .collect();
        for (i, r) in refused.iter().zip(run_batch(&again, dir)) {
            results[*i] = r;
        }
    }
    results
}

/// How the macro's refusals of second order begin.
const HESSIAN_REFUSAL: &str = "`hessian` (f_hvp, f_hessian)";

fn parse_result(stdout: &str, name: &str) -> Res {
    let head = format!("RESULT {name} ");
    let Some(line) = stdout.lines().find(|l| l.starts_with(&head)) else {
        return Res::Panic("the scratch binary printed no result (crashed?)".into());
    };
    let rest = &line[head.len()..];
    let mut w = rest.splitn(2, ' ');
    match w.next() {
        Some("ok") => {
            let v: Vec<&str> = w.next().unwrap_or("").split(' ').collect();
            Res::Ok {
                checked: v[0].parse().unwrap_or(0),
                skipped: v.get(1).and_then(|s| s.parse().ok()).unwrap_or(0),
                out_of_range: v.get(2) == Some(&"true"),
            }
        }
        Some("fail") => {
            let kinds = w
                .next()
                .unwrap_or("")
                .split(',')
                .map(String::from)
                .collect();
            let fhead = format!("FAILURE {name} ");
            let lines = stdout
                .lines()
                .filter_map(|l| l.strip_prefix(&fhead))
                .map(String::from)
                .collect();
            Res::Fail(kinds, lines)
        }
        _ => Res::Panic(w.next().unwrap_or("").to_string()),
    }
}

/// Compiles the plain functions of `programs` without `#[differentiable]` (and their dual twins) in the
/// scratch crate `dir`: the generator's own check that it writes valid Rust. Returns, for each program
/// that does not compile, its name and first error.
pub fn check_plain(programs: &[Program], dir: &Path) -> Vec<(String, String)> {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let manifest = format!(
        "[package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nautodiff = {{ path = {:?} }}\nnum-dual = {{ version = \"0.15\", default-features = false }}\n\n\
         [workspace]\n",
        package_name(dir),
        repo_root().display().to_string()
    );
    write_if_changed(&dir.join("Cargo.toml"), &manifest);
    if !dir.join("Cargo.lock").exists() {
        let _ = std::fs::copy(repo_root().join("Cargo.lock"), dir.join("Cargo.lock"));
    }
    write_if_changed(&src.join("check.rs"), SUPPORT);
    let mut text = header(
        "//! Plain functions of the generator (generated).\n",
        "check.rs",
    );
    let mut ranges = Vec::new();
    for p in programs {
        let start = text.lines().count() + 1;
        let plain: String = p
            .source()
            .lines()
            .filter(|l| !l.starts_with("#[differentiable"))
            .map(|l| format!("{l}\n"))
            .collect();
        text.push_str(&format!(
            "mod {} {{\n#![allow(dead_code)]\nuse super::*;\n{}\n{plain}\n",
            p.name,
            crate::harness::USER_ALLOWS
        ));
        if p.scalar_only() {
            text.push_str(&format!(
                "{}\n{}",
                crate::harness::USER_ALLOWS,
                p.dual_source()
            ));
        }
        text.push_str("}\n");
        ranges.push((start, text.lines().count(), p.name.clone()));
    }
    text.push_str("\nfn main() {}\n");
    write_if_changed(&src.join("main.rs"), &text);
    let out = Command::new(env!("CARGO"))
        .args(["build", "-q", "--message-format=short", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut bad: Vec<(String, String)> = Vec::new();
    for line in stderr.lines() {
        let Some(rest) = line.strip_prefix("src/main.rs:") else {
            continue;
        };
        if !line.contains("error") {
            continue;
        }
        let Some(n) = rest.split(':').next().and_then(|n| n.parse::<usize>().ok()) else {
            continue;
        };
        if let Some((_, _, name)) = ranges.iter().find(|(a, b, _)| n >= *a && n <= *b) {
            if !bad.iter().any(|(b, _)| b == name) {
                bad.push((name.clone(), line.to_string()));
            }
        }
    }
    if !out.status.success() && bad.is_empty() {
        bad.push((
            "?".into(),
            stderr.lines().take(5).collect::<Vec<_>>().join("\n"),
        ));
    }
    bad
}
