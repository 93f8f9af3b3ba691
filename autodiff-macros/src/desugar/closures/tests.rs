//! Local closures written out where they are called, on syntax.

use super::rewrite;
use crate::errors::Errors;
use quote::quote;

/// The rewritten block (as text, whitespace removed) and the messages reported.
fn rewritten(body: proc_macro2::TokenStream) -> (String, Vec<String>) {
    let mut block: syn::Block = syn::parse2(body).expect("a block");
    let errors = Errors::default();
    rewrite(&mut block, &errors);
    let messages = errors
        .to_compile_errors()
        .to_string()
        .split("compile_error")
        .skip(1)
        .map(str::to_string)
        .collect();
    (quote!(#block).to_string().replace(' ', ""), messages)
}

#[test]
fn a_call_becomes_a_block_binding_the_parameter() {
    let (text, errors) = rewritten(quote!({
        let sq = |v: f64| v * v;
        sq(a) + sq(b)
    }));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        text,
        "{({let__autodiff_sq0_v:f64=a;__autodiff_sq0_v*__autodiff_sq0_v})+{let__autodiff_sq0_v:f64=b;__autodiff_sq0_v*__autodiff_sq0_v}}"
    );
}

#[test]
fn parameters_passed_crosswise_keep_their_meaning() {
    let (text, _) = rewritten(quote!({
        let diff = |a: f64, b: f64| a - b;
        diff(b, a)
    }));
    assert_eq!(
        text,
        "{{let__autodiff_diff0_a:f64=b;let__autodiff_diff0_b:f64=a;__autodiff_diff0_a-__autodiff_diff0_b}}"
    );
}

#[test]
fn captures_are_read_where_the_closure_is_defined_when_shadowed_later() {
    let (text, _) = rewritten(quote!({
        let f = |v: f64| w * v + b;
        let w = 2.0 * w;
        f(w)
    }));
    // `w` is bound again after the definition: the closure reads the earlier one; `b` is not.
    assert!(
        text.starts_with("{let__autodiff_f0_capture_w=w;letw=2.0*w;"),
        "{text}"
    );
    assert!(
        text.contains("__autodiff_f0_capture_w*__autodiff_f0_v+b"),
        "{text}"
    );
}

#[test]
fn names_bound_inside_the_body_are_not_captures() {
    let (text, _) = rewritten(quote!({
        let g = |v: f64| {
            let t = v * 2.0;
            t * t
        };
        let t = 3.0;
        g(t)
    }));
    assert!(!text.contains("capture"), "{text}");
    assert!(text.contains("lett=__autodiff_g0_v*2.0;t*t"), "{text}");
}

#[test]
fn mapv_of_a_local_closure_writes_it_out() {
    let (text, errors) = rewritten(quote!({
        let sq = |v: f64| v * v;
        x.mapv(sq).sum()
    }));
    assert!(errors.is_empty(), "{errors:?}");
    assert!(
        text.contains("x.mapv(|__autodiff_sq0_v:f64|__autodiff_sq0_v*__autodiff_sq0_v)"),
        "{text}"
    );
}

#[test]
fn closures_calling_closures_and_shadowing() {
    let (text, _) = rewritten(quote!({
        let sq = |v: f64| v * v;
        let norm = |a: f64, b: f64| sq(a) + sq(b);
        let sq = 3.0;
        norm(x, sq)
    }));
    // `sq` is a number after its second `let`; `norm` keeps the closure it saw.
    assert!(text.contains("letsq=3.0;"), "{text}");
    assert!(
        text.contains("let__autodiff_norm1_b:f64=sq;({let__autodiff_sq0_v:f64=__autodiff_norm1_a;"),
        "{text}"
    );
}

#[test]
fn a_closure_called_where_it_is_written() {
    let (text, _) = rewritten(quote!({ (|v: f64| v + 1.0)(x) }));
    assert!(
        text.contains("let__autodiff_closure0_v:f64=x;__autodiff_closure0_v+1.0"),
        "{text}"
    );
}

#[test]
fn escaping_closures_are_reported() {
    let (_, errors) = rewritten(quote!({
        let sq = |v: f64| v * v;
        let m = Model { act: sq };
        apply(sq, x);
        let t = (sq, 1.0);
        sq
    }));
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("cannot be the value")));
    assert!(errors.iter().any(|e| e.contains("stored in a struct")));
    assert!(errors
        .iter()
        .any(|e| e.contains("cannot be passed to the function `apply`")));
    assert!(errors.iter().any(|e| e.contains("can only be called")));
}

#[test]
fn a_call_with_the_wrong_number_of_arguments_is_reported() {
    let (_, errors) = rewritten(quote!({
        let add = |a: f64, b: f64| a + b;
        add(x)
    }));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("takes 2 argument(s)"), "{errors:?}");
}
