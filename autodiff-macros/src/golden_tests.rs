//! Golden expansions: for representative functions, the lowered IR (`<name>.ir`), the adjoint program
//! of each generated item (`<name>.adj`) and the formatted generated Rust (`<name>.rs`) are kept in `autodiff-macros/golden/` and compared here, so that every change in what the macro
//! generates is reviewed as a diff. `AUTODIFF_BLESS=1 cargo test -p autodiff-macros golden` rewrites the
//! files; read the diff before committing it.

use crate::expand::expand;
use proc_macro2::TokenStream;
use quote::quote;

/// `(name, attribute arguments, function)`.
fn cases() -> Vec<(&'static str, TokenStream, TokenStream)> {
    vec![
        (
            "seed",
            quote!(argnums = (0, 1)),
            quote!(
                fn sum_squared_error(x: &Array1<f32>, y: &Array1<f32>) -> f32 {
                    let d = x - y;
                    (&d * &d).sum()
                }
            ),
        ),
        (
            "branch",
            quote!(),
            quote!(
                fn piecewise(x: f64) -> f64 {
                    let y = if x > 0.0 { x.sin() } else { x * x };
                    y * 2.0
                }
            ),
        ),
        (
            "for_range_accumulate",
            quote!(),
            quote!(
                fn rosenbrock(x: &Array1<f64>) -> f64 {
                    let mut s = 0.0;
                    for i in 0..x.len() - 1 {
                        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
                    }
                    s
                }
            ),
        ),
        (
            "for_range_carried",
            quote!(),
            quote!(
                fn recurrence(x: &Array1<f64>) -> f64 {
                    let mut h = 0.0;
                    for i in 0..x.len() {
                        h = (0.9 * h + x[i]).sin();
                    }
                    h
                }
            ),
        ),
        (
            "for_iter",
            quote!(),
            quote!(
                fn sum_of_squares_loop(x: &Array1<f64>) -> f64 {
                    let mut s = 0.0;
                    for v in x.iter() {
                        s += *v * *v;
                    }
                    s
                }
            ),
        ),
        (
            "while_counter",
            quote!(),
            quote!(
                fn halve(x: f64) -> f64 {
                    let mut s = x;
                    let mut k = 0;
                    while k < 3 {
                        s = s * 0.5 + x;
                        k += 1;
                    }
                    s
                }
            ),
        ),
        (
            "loop_break",
            quote!(),
            quote!(
                fn until_large(x: &Array1<f64>) -> f64 {
                    let mut s = 0.0;
                    let mut i = 0;
                    loop {
                        if i >= x.len() {
                            break;
                        }
                        s = s * x[i] + 1.0;
                        i += 1;
                    }
                    s
                }
            ),
        ),
        (
            "logged_write",
            quote!(),
            quote!(
                fn scan(x: &Array1<f64>) -> f64 {
                    let mut y = Array1::zeros(x.len());
                    y[0] = x[0];
                    for t in 1..x.len() {
                        y[t] = y[t - 1] * 0.5 + x[t];
                    }
                    y.sum()
                }
            ),
        ),
        (
            "call",
            quote!(argnums = (0, 1)),
            quote!(
                fn model(w: &Array2<f64>, b: &Array1<f64>, x: &Array1<f64>) -> f64 {
                    let h = dense(w, b, x);
                    h.sum()
                }
            ),
        ),
        (
            "mapv_closure",
            quote!(),
            quote!(
                fn variance(x: &Array1<f64>) -> f64 {
                    let mu = x.mean().unwrap();
                    x.mapv(|v| (v - mu).powi(2)).sum()
                }
            ),
        ),
        (
            "struct_parameter",
            quote!(),
            quote!(
                fn loss(m: &Model, x: &Array1<f64>) -> f64 {
                    let h = (m.w.dot(x) + &m.b).mapv(f64::tanh);
                    h.sum() * m.scale
                }
            ),
        ),
        (
            "has_aux",
            quote!(has_aux),
            quote!(
                fn aux_loss(x: &Array1<f64>) -> (f64, Array1<f64>) {
                    let y = x.tanh();
                    let loss = y.powi(2).sum();
                    (loss, y)
                }
            ),
        ),
        (
            "jvp",
            quote!(argnums = 1, jvp),
            quote!(
                fn weighted(x: &Array1<f64>, w: f64) -> f64 {
                    let mut s = 0.0;
                    for i in 0..x.len() {
                        s += (w * x[i]).tanh();
                    }
                    s + (x * x).sum()
                }
            ),
        ),
        (
            "forward_mode",
            quote!(),
            quote!(
                fn horner(x: f64) -> f64 {
                    let mut s = 0.0;
                    for k in 0..4 {
                        s = s * x + (k as f64 + 1.0);
                    }
                    s
                }
            ),
        ),
        (
            "vjp_layer",
            quote!(vjp),
            quote!(
                fn layer(w: &Array2<f64>, x: &Array1<f64>) -> Array1<f64> {
                    w.dot(x).tanh()
                }
            ),
        ),
        (
            "early_return",
            quote!(),
            quote!(
                fn guarded(x: f64) -> f64 {
                    if x > 0.0 {
                        if x > 1.0 {
                            return x * 2.0;
                        }
                    }
                    x * x
                }
            ),
        ),
    ]
}

/// The lowered IR of a function, printed.
fn printed_ir(attr: TokenStream, item: TokenStream) -> String {
    crate::ir::print::function(&crate::test_support::lowered(attr, item))
}

/// The expansion, formatted.
fn formatted(attr: TokenStream, item: TokenStream) -> String {
    let tokens = expand(attr, item);
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => tokens.to_string(),
    }
}

#[test]
fn golden_expansions() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/golden");
    let bless = std::env::var_os("AUTODIFF_BLESS").is_some();
    let mut stale = Vec::new();
    for (name, attr, item) in cases() {
        let ir = printed_ir(attr.clone(), item.clone());
        let ir_path = format!("{dir}/{name}.ir");
        if bless {
            std::fs::write(&ir_path, &ir).expect("write a golden file");
        }
        if std::fs::read_to_string(&ir_path).ok().as_deref() != Some(ir.as_str()) {
            stale.push(name);
        }
        let adjoint = crate::expand::expand_with_ir(attr.clone(), item.clone())
            .1
            .expect("a golden case lowers")
            .adjoint;
        let adj_path = format!("{dir}/{name}.adj");
        if bless {
            std::fs::write(&adj_path, &adjoint).expect("write a golden file");
        }
        if std::fs::read_to_string(&adj_path).ok().as_deref() != Some(adjoint.as_str()) {
            stale.push(name);
        }
        let want = formatted(attr, item);
        assert!(
            !want.contains("compile_error"),
            "golden case {name} has an error:\n{want}"
        );
        let path = format!("{dir}/{name}.rs");
        if bless {
            std::fs::write(&path, &want).expect("write a golden file");
        }
        if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "the expansions of {stale:?} differ from autodiff-macros/golden/: review with \
         `AUTODIFF_BLESS=1 cargo test -p autodiff-macros golden` and `git diff`"
    );
}
