//! `#[differentiable]`: a small compiler from a Rust function to its reverse-mode derivative.
//!
//! The entry points only call [`expand::expand`]; every stage lives in its own module:
//! [`options`] (the attribute), [`model`] (the function's signature), [`lower`] (body to IR, [`ir`]),
//! [`activity`] (which values carry derivatives), [`emit`] (forward and reverse sweeps as tokens), with
//! [`prims`] the one table from syntax to runtime rules, [`naming`] the one source of generated names,
//! [`types`] the syntactic tangent types and [`fallback`] the stubs emitted beside an error;
//! [`derive`] is `#[derive(Differentiable)]`; [`desugar`] rewrites `return` inside loops first.
#![deny(missing_docs)]

mod analysis;
mod codegen;
mod derive;
mod desugar;
mod errors;
mod expand;
mod fallback;
#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod golden_tests;
mod hashing;
mod ir;
mod lower;
mod model;
mod naming;
mod options;
#[cfg(test)]
mod primitives_tests;
mod prims;
mod scalars;
#[cfg(test)]
mod stress_tests;
#[cfg(test)]
mod test_support;
mod timing;
mod transform;
mod types;

use proc_macro::TokenStream;

/// Makes a struct with named fields of floats, arrays, `Vec`s and other derived structs a
/// differentiable value whose tangent is the struct itself; integer and `bool` fields are constants.
#[proc_macro_derive(Differentiable)]
pub fn derive_differentiable(item: TokenStream) -> TokenStream {
    derive::expand(item.into()).into()
}

/// Generates the gradient functions of a scalar-output function (`f_grad`, `f_value_and_grad`,
/// `f_grad_<i>`, `f_vjp`, ...), as described in the `autodiff` crate's documentation.
#[proc_macro_attribute]
pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    if std::env::var_os("AUTODIFF_TIME").is_some() {
        return timed(attr, item);
    }
    if let Some(dir) = std::env::var_os("AUTODIFF_DUMP") {
        let (output, forms) = expand::expand_with_ir(attr.into(), item.into());
        dump(std::path::Path::new(&dir), &output, forms.as_ref());
        return output.into();
    }
    expand::expand(attr.into(), item.into()).into()
}

/// The expansion, with its time inside the compiler printed to stderr (`AUTODIFF_TIME=1 cargo build`):
/// what the macro costs per function, measured where it runs (unoptimized, through the compiler's
/// token bridge, which the crate's own tests do not use).
fn timed(attr: TokenStream, item: TokenStream) -> TokenStream {
    let name = fn_name(&item);
    let start = std::time::Instant::now();
    let output: TokenStream = expand::expand(attr.into(), item.into()).into();
    eprintln!(
        "autodiff: `{name}` expanded in {:.2} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    output
}

/// The name after the first `fn` of an item's tokens, without parsing it.
fn fn_name(item: &TokenStream) -> String {
    let mut after_fn = false;
    for token in item.clone() {
        if let proc_macro::TokenTree::Ident(i) = token {
            let text = i.to_string();
            if after_fn {
                return text;
            }
            after_fn = text == "fn";
        }
    }
    "?".to_string()
}

/// Writes the expansion to `dir/<function>.rs`, formatted with `rustfmt` when it is installed, and the
/// lowered IR to `dir/<function>.ir` and the adjoint programs to `dir/<function>.adj`, for reading what the
/// macro generated. Failures are ignored: a dump must never break a build.
fn dump(dir: &std::path::Path, output: &proc_macro2::TokenStream, forms: Option<&expand::Dump>) {
    let name = syn::parse2::<syn::File>(output.clone())
        .ok()
        .and_then(|file| {
            file.items.iter().find_map(|item| match item {
                syn::Item::Fn(f) => Some(f.sig.ident.to_string()),
                _ => None,
            })
        })
        .unwrap_or_else(|| "expansion".to_string());
    let _ = std::fs::create_dir_all(dir);
    if let Some(forms) = forms {
        let _ = std::fs::write(dir.join(format!("{name}.ir")), &forms.ir);
        let _ = std::fs::write(dir.join(format!("{name}.adj")), &forms.adjoint);
    }
    let path = dir.join(format!("{name}.rs"));
    if std::fs::write(&path, output.to_string()).is_ok() {
        // Pretty-printed where rustfmt is installed (it is with any rustup toolchain).
        let _ = std::process::Command::new("rustfmt")
            .args(["--edition", "2021"])
            .arg(&path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}
