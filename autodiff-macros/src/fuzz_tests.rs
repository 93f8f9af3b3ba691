//! `expand` never panics: representative functions, and every variant of them with one token removed
//! or two tokens swapped at any depth, go through it; each gives either items or spanned errors.

use crate::expand::expand;
use proc_macro2::{Group, TokenStream, TokenTree};
use quote::quote;

fn corpus() -> Vec<(TokenStream, TokenStream)> {
    vec![
        (
            quote!(argnums = (0, 1)),
            quote!(
                fn sse(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
                    let d = x - y;
                    (&d * &d).sum()
                }
            ),
        ),
        (
            quote!(),
            quote!(
                fn f(x: f64) -> f64 {
                    let mut s = 0.0;
                    for i in 0..10 {
                        if x > 0.0 {
                            s += x * i as f64;
                        } else {
                            break;
                        }
                    }
                    s
                }
            ),
        ),
        (
            quote!(has_aux),
            quote!(
                fn g(w: &Array1<f64>, n: usize) -> (f64, usize) {
                    let z = w.mapv(|v| v.tanh());
                    (z.sum(), n)
                }
            ),
        ),
        (
            quote!(vjp),
            quote!(
                fn layer(w: &Array2<f64>, x: ArrayView1<f64>) -> Array1<f64> {
                    w.dot(&x).mapv(f64::exp)
                }
            ),
        ),
        (
            quote!(wrt = (b, a)),
            quote!(
                fn h(a: f64, b: f64) -> f64 {
                    let mut y = vec![0.0; 3];
                    y[0] = a;
                    y[1] += b;
                    while a > b {
                        return y[0];
                    }
                    y[0] * y[1]
                }
            ),
        ),
        (
            quote!(),
            quote!(
                fn m(&self, x: &Array1<f64>) -> f64 {
                    let v = self.w.dot(x);
                    helper(v, 2) + nn::softplus(v)
                }
            ),
        ),
        (
            quote!(argnums = (0, 1)),
            quote!(
                fn t(x: f64, y: f64) -> f64 {
                    let (a, _, b): (f64, f64, f64) = (y, x, x * y);
                    let mut p = (a.sin(), b);
                    p.1 += p.0;
                    p.0 * p.1
                }
            ),
        ),
    ]
}

/// Every variant of `tokens` with one token tree removed, at any depth.
fn removals(tokens: &TokenStream) -> Vec<TokenStream> {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let mut out = Vec::new();
    for k in 0..trees.len() {
        let mut v = trees.clone();
        v.remove(k);
        out.push(v.into_iter().collect());
        if let TokenTree::Group(g) = &trees[k] {
            for inner in removals(&g.stream()) {
                let mut v = trees.clone();
                let mut group = Group::new(g.delimiter(), inner);
                group.set_span(g.span());
                v[k] = TokenTree::Group(group);
                out.push(v.into_iter().collect());
            }
        }
    }
    out
}

/// Every variant of `tokens` with two neighbouring token trees swapped, at the top level.
fn swaps(tokens: &TokenStream) -> Vec<TokenStream> {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    (1..trees.len())
        .map(|k| {
            let mut v = trees.clone();
            v.swap(k - 1, k);
            v.into_iter().collect()
        })
        .collect()
}

#[test]
fn expand_never_panics() {
    let mut cases = 0;
    for (attr, item) in corpus() {
        let mut variants = vec![item.clone()];
        variants.extend(removals(&item));
        variants.extend(swaps(&item));
        for variant in variants {
            for attr in [
                attr.clone(),
                quote!(argnums = 7),
                quote!(bogus, wrt = (z,)),
                quote!(= =),
            ] {
                let result = std::panic::catch_unwind(|| expand(attr.clone(), variant.clone()));
                assert!(
                    result.is_ok(),
                    "expand panicked on #[differentiable({attr})] {variant}"
                );
                cases += 1;
            }
        }
    }
    assert!(cases > 1000, "only {cases} cases");
}

#[test]
fn valid_functions_expand_to_items_and_invalid_ones_to_errors() {
    for (attr, item) in corpus() {
        let out = expand(attr, item).to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("_vjp"));
    }
    let out = expand(
        quote!(),
        quote!(
            fn f(x: f64) -> f64 {
                match x {
                    _ => x,
                }
            }
        ),
    )
    .to_string();
    assert!(
        out.contains("compile_error") && out.contains("f_grad"),
        "errors and stubs: {out}"
    );
}
