//! The attribute's options: `argnums = i | (i, j, ..)`, `wrt = name | (a, b, ..)`, `has_aux`, `vjp`,
//! `jvp`, `hessian`, `constant = name | (a, b, ..)`.
//!
//! Parsing goes on past a bad option so that every problem is reported in one compile.

use crate::errors::Errors;
use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Ident, LitInt, Token};

/// Which parameters `f_grad` differentiates, as the user wrote it.
pub enum Selection {
    /// No `argnums` or `wrt`: parameter 0, like `jax.grad`.
    Default,
    /// `argnums = i`: one gradient.
    Index(LitInt),
    /// `argnums = (i, j, ..)`: a tuple of gradients (`paren` spans the tuple, for an empty one).
    Indices(Vec<LitInt>, Span),
    /// `wrt = name`: one gradient.
    Name(Ident),
    /// `wrt = (a, b, ..)`.
    Names(Vec<Ident>, Span),
}

/// The parsed attribute.
pub struct Options {
    /// `argnums` / `wrt`.
    pub selection: Selection,
    /// `has_aux`: the function returns `(value, aux)`.
    pub has_aux: bool,
    /// `vjp`: any output; only `f_vjp` is generated.
    pub vjp_only: bool,
    /// `jvp`: `f_jvp` (forward mode) is generated too.
    pub jvp: bool,
    /// `hessian`: `f_hvp` and `f_hessian` (second order) are generated too.
    pub hessian: bool,
    /// `constant = name | (a, b, ..)`: parameters that are constants whatever their type (a user's enum).
    pub constants: Vec<Ident>,
}

const KNOWN: &[&str] = &[
    "argnums", "wrt", "has_aux", "vjp", "jvp", "hessian", "constant",
];

/// Parses the attribute's tokens, recording problems in `errors`.
pub fn parse(attr: TokenStream, errors: &Errors) -> Options {
    let mut options = Options {
        selection: Selection::Default,
        has_aux: false,
        vjp_only: false,
        jvp: false,
        hessian: false,
        constants: Vec::new(),
    };
    let mut selection_key: Option<Ident> = None;
    let mut hessian_key: Option<Ident> = None;
    let parser = |input: ParseStream| -> syn::Result<()> {
        while !input.is_empty() {
            let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
            match key.to_string().as_str() {
                "has_aux" => options.has_aux = true,
                "vjp" => options.vjp_only = true,
                "jvp" => options.jvp = true,
                "hessian" => {
                    options.hessian = true;
                    hessian_key = Some(key.clone());
                }
                "constant" => {
                    input.parse::<Token![=]>()?;
                    match parse_wrt(input)? {
                        Selection::Name(n) => options.constants.push(n),
                        Selection::Names(names, _) => options.constants.extend(names),
                        _ => unreachable!("parse_wrt gives names"),
                    }
                }
                "argnums" | "wrt" => {
                    input.parse::<Token![=]>()?;
                    let selection = if key == "argnums" {
                        parse_argnums(input)?
                    } else {
                        parse_wrt(input)?
                    };
                    if let Some(previous) = &selection_key {
                        let message = if *previous == key {
                            format!("`{key}` is given twice; keep one")
                        } else {
                            "`argnums` and `wrt` exclude each other: select the parameters with one of them".to_string()
                        };
                        errors.at(&key, message);
                    }
                    selection_key = Some(key.clone());
                    options.selection = selection;
                }
                other => {
                    let hint = closest(other)
                        .map(|k| format!("; did you mean `{k}`?"))
                        .unwrap_or_default();
                    errors.at(
                        &key,
                        format!(
                            "unknown option `{other}` of #[differentiable]{hint} The options are `argnums = ..`, `wrt = ..`, `has_aux`, `vjp`, `jvp`, `hessian` and `constant = ..`"
                        ),
                    );
                    // Skip a value given to the unknown option.
                    if input.peek(Token![=]) {
                        input.parse::<Token![=]>()?;
                        input.parse::<syn::Expr>()?;
                    }
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(())
    };
    let parsed = parser.parse2(attr);
    if let Some(key) = &hessian_key {
        // Second order is of a scalar function: `f_hvp` differentiates `f_grad`.
        if options.has_aux {
            errors.at(key, "`hessian` differentiates the gradient of a scalar function, which `has_aux` does not have: remove `has_aux` (return the value alone), or remove `hessian`");
        }
        if options.vjp_only {
            errors.at(key, "`hessian` needs a scalar output, and `vjp` is for any output: remove `vjp` (the output must be `f32` or `f64`), or remove `hessian`");
        }
    }
    if let Err(e) = parsed {
        errors.push(syn::Error::new(
            e.span(),
            format!("{e}: expected options such as `#[differentiable(argnums = (0, 1), has_aux)]`"),
        ));
    }
    options
}

fn parse_argnums(input: ParseStream) -> syn::Result<Selection> {
    if input.peek(syn::token::Paren) {
        let content;
        let paren = syn::parenthesized!(content in input);
        let items = Punctuated::<LitInt, Token![,]>::parse_terminated(&content)?;
        Ok(Selection::Indices(
            items.into_iter().collect(),
            paren.span.join(),
        ))
    } else {
        Ok(Selection::Index(input.parse()?))
    }
}

fn parse_wrt(input: ParseStream) -> syn::Result<Selection> {
    if input.peek(syn::token::Paren) {
        let content;
        let paren = syn::parenthesized!(content in input);
        let items = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
        Ok(Selection::Names(
            items.into_iter().collect(),
            paren.span.join(),
        ))
    } else {
        Ok(Selection::Name(input.parse()?))
    }
}

/// The known option nearest to `word` by edit distance, if it is near enough to be a typo.
fn closest(word: &str) -> Option<&'static str> {
    KNOWN
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|(d, k)| *d <= (k.len() / 2).max(2))
        .min()
        .map(|(_, k)| k)
}

/// The Levenshtein distance between two words.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn parses_every_option() {
        let errors = Errors::default();
        let o = parse(quote!(argnums = (0, 2), has_aux), &errors);
        assert!(errors.is_empty());
        assert!(o.has_aux && !o.vjp_only);
        assert!(matches!(o.selection, Selection::Indices(ref v, _) if v.len() == 2));
        let o = parse(quote!(wrt = w), &errors);
        assert!(matches!(o.selection, Selection::Name(ref n) if n == "w"));
        assert!(errors.is_empty());
    }

    #[test]
    fn suggests_the_closest_option() {
        assert_eq!(closest("argnum"), Some("argnums"));
        assert_eq!(closest("hasaux"), Some("has_aux"));
        assert_eq!(closest("banana"), None);
        let errors = Errors::default();
        parse(quote!(argnum = 1), &errors);
        assert!(errors
            .to_compile_errors()
            .to_string()
            .contains("did you mean `argnums`"));
    }

    #[test]
    fn argnums_and_wrt_exclude_each_other() {
        let errors = Errors::default();
        parse(quote!(argnums = 0, wrt = x), &errors);
        assert!(errors
            .to_compile_errors()
            .to_string()
            .contains("exclude each other"));
    }
}
