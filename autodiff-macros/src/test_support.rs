//! Helpers of the macro crate's unit tests: a function lowered to the IR as the macro lowers it, and
//! generated test files kept current.

use crate::ir::Function;
use proc_macro2::TokenStream;

/// The IR of `#[differentiable(attr)] item`, lowered as the macro does; panics on an error.
pub fn lowered(attr: TokenStream, item: TokenStream) -> Function {
    let errors = crate::errors::Errors::default();
    let options = crate::options::parse(attr, &errors);
    let func: syn::ItemFn = syn::parse2(item).expect("a function");
    let model = crate::model::build(func, options, &errors);
    let mut namer = crate::naming::Namer::avoiding(quote::ToTokens::to_token_stream(&model.func));
    let (function, _) = crate::lower::lower(&model, &mut namer, &errors).expect("it lowers");
    assert!(errors.is_empty(), "the function has errors");
    function
}

/// `source` laid out by rustfmt (as `cargo fmt` lays out the file it is written to); unchanged where
/// rustfmt cannot be run.
pub fn rustfmt(source: &str) -> String {
    use std::io::Write;
    let child = std::process::Command::new("rustfmt")
        .args(["--edition", "2021"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        return source.to_string();
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(source.as_bytes());
    }
    match child.wait_with_output() {
        Ok(out) if out.status.success() => String::from_utf8(out.stdout).unwrap_or_default(),
        _ => source.to_string(),
    }
}

/// Checks that the generated file at `path` (relative to the workspace) is `want`, laid out by rustfmt;
/// with the environment variable `write` set, writes it first.
pub fn generated_file_is_current(path: &str, want: &str, write: &str) {
    let path = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    let want = rustfmt(want);
    if std::env::var_os(write).is_some() {
        std::fs::write(&path, &want).expect("write the generated file");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{path} is not what its generator makes: run `{write}=1 cargo test -p autodiff-macros`"
    );
}
