//! The command line of the differential tester: `show`, `write-kept`, `fresh`, `triage`, `minimize`.

use autodiff_difftest::run::{repo_root, run_batch, Res};
use autodiff_difftest::{gen, harness, kept, minimize};
use std::path::PathBuf;
use std::time::Instant;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn arg<T: std::str::FromStr>(args: &[String], k: usize) -> Option<T> {
    args.get(k).and_then(|a| a.parse().ok())
}

fn describe(r: &Res) -> String {
    match r {
        Res::Ok { .. } => "ok".into(),
        Res::Fail(_, lines) => lines.join("; "),
        Res::Panic(m) => format!("panic: {m}"),
        Res::Compile(m) => format!("compile error: {m}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("show") => {
            let (seed, index) = (arg(&args, 1).unwrap(), arg(&args, 2).unwrap());
            let p = gen::generate(seed, index);
            print!("{}", harness::program_module(&p, "", None, true));
        }
        Some("write-kept") => {
            for &seed in kept::KEPT_SEEDS {
                let path = crate_dir().join(kept::kept_path(seed));
                std::fs::write(&path, kept::kept_file(seed)).unwrap();
                println!("wrote {}", path.display());
            }
        }
        Some("fresh") => {
            let seed: u64 = arg(&args, 1).unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs()
            });
            let n: u64 = arg(&args, 2).unwrap_or(60);
            let t = Instant::now();
            let programs: Vec<_> = (0..n).map(|i| gen::generate(seed, i)).collect();
            let results = run_batch(&programs, &repo_root().join("target/difftest-fresh"));
            let mut failed = 0;
            let (mut checked, mut skipped) = (0, 0);
            for (p, r) in programs.iter().zip(&results) {
                if let Res::Ok {
                    checked: c,
                    skipped: s,
                    ..
                } = r
                {
                    checked += c;
                    skipped += s;
                } else {
                    failed += 1;
                    println!(
                        "difftest: FAIL seed {seed} index {} ({}): {}",
                        p.index,
                        p.name,
                        describe(r)
                    );
                    println!(
                        "  reproduce: cargo run -p autodiff-difftest -- show {seed} {0}; minimize: cargo run -p autodiff-difftest --release -- minimize {seed} {0}",
                        p.index
                    );
                }
            }
            println!(
                "difftest: fresh seed {seed}: {} programs, {} failed; {checked} gradient components checked, {skipped} skipped at kinks; {:.0} s",
                n,
                failed,
                t.elapsed().as_secs_f64()
            );
            if failed > 0 {
                std::process::exit(1);
            }
        }
        Some("triage") => {
            // runs every kept program (ignoring known.txt) and rewrites known.txt with the failures
            let mut programs = Vec::new();
            for &seed in kept::KEPT_SEEDS {
                programs.extend((0..kept::PER_SEED).map(|i| gen::generate(seed, i)));
            }
            let results = run_batch(&programs, &repo_root().join("target/difftest-fresh"));
            let old = kept::known();
            let mut text = String::from(kept::KNOWN_FILE.lines().next().unwrap_or("#"));
            text.push('\n');
            for (p, r) in programs.iter().zip(&results) {
                let kind = match r {
                    Res::Ok { .. } => continue,
                    Res::Compile(_) => "compile",
                    _ => "wrong",
                };
                let reason = old
                    .iter()
                    .find(|k| k.seed == p.seed && k.index == p.index)
                    .map(|k| k.bug.clone())
                    .unwrap_or_else(|| describe(r).chars().take(160).collect());
                println!("{} {} {kind} {}", p.seed, p.index, describe(r));
                text.push_str(&format!(
                    "{} {} {kind} {}\n",
                    p.seed,
                    p.index,
                    reason.replace('\n', " ")
                ));
            }
            std::fs::write(crate_dir().join("known.txt"), text).unwrap();
        }
        Some("plain") => {
            // the generator's check: the functions compile without the attribute
            let seed: u64 = arg(&args, 1).unwrap_or(1);
            let n: u64 = arg(&args, 2).unwrap_or(100);
            let programs: Vec<_> = (0..n).map(|i| gen::generate(seed, i)).collect();
            let bad = autodiff_difftest::run::check_plain(
                &programs,
                &repo_root().join("target/difftest-plain"),
            );
            for (name, err) in &bad {
                println!("plain: {name}: {err}");
            }
            println!("plain: seed {seed}: {n} programs, {} invalid", bad.len());
            if !bad.is_empty() {
                std::process::exit(1);
            }
        }
        Some("minimize") => {
            let (seed, index) = (arg(&args, 1).unwrap(), arg(&args, 2).unwrap());
            let p = gen::generate(seed, index);
            let dir = repo_root().join("target/difftest-min");
            let r = run_batch(std::slice::from_ref(&p), &dir).remove(0);
            let Some(sig) = r.signature() else {
                println!("{} passes: nothing to minimize", p.name);
                return;
            };
            eprintln!(
                "minimize: {} fails as {sig}, size {}",
                p.name,
                minimize::size(&p)
            );
            let (m, res) = minimize::minimize(&p, &sig, &dir);
            println!("// seed {seed} index {index}: {}", describe(&res));
            print!("{}", m.source());
        }
        _ => {
            eprintln!("usage: autodiff-difftest show SEED INDEX | write-kept | fresh [SEED [N]] | triage | minimize SEED INDEX | plain [SEED [N]]");
            std::process::exit(2);
        }
    }
}
