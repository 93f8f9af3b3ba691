//! Late initialization rewritten to a `let` of a value, on syntax.

use super::rewrite;
use crate::errors::Errors;
use quote::quote;

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
fn an_if_else_that_assigns_in_each_arm() {
    let (text, errors) = rewritten(quote!({
        let y;
        if c {
            y = a;
        } else {
            y = b;
        }
        y * 2.0
    }));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(text, "{lety=ifc{a}else{b};y*2.0}");
}

#[test]
fn a_typed_declaration_statements_between_and_after() {
    let (text, errors) = rewritten(quote!({
        let y: f64;
        let t = x * 3.0;
        if c {
            let u = t + 1.0;
            y = u * u;
            z += y;
        } else if d {
            y = t;
        } else {
            return 0.0;
        }
        y
    }));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        text,
        "{lett=x*3.0;lety:f64=ifc{letu=t+1.0;lety=u*u;z+=y;y}else if d{t}else{return0.0;};y}"
            .replace("else if d", "elseifd")
    );
}

#[test]
fn a_match_and_a_nested_branch() {
    let (text, errors) = rewritten(quote!({
        let mut y;
        match k {
            0 => y = a,
            _ => {
                if c {
                    y = b;
                } else {
                    y = a * b;
                }
            }
        }
        y
    }));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(text, "{letmuty=matchk{0=>{a},_=>{ifc{b}else{a*b}},};y}");
}

#[test]
fn a_path_without_an_assignment_is_reported() {
    let (text, errors) = rewritten(quote!({
        let y;
        if c {
            y = a;
        }
        y
    }));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("this `if` has no `else`"), "{errors:?}");
    assert!(text.starts_with("{lety=__autodiff_reported;"), "{text}");
    let (_, errors) = rewritten(quote!({
        let y;
        if c {
            y = a;
        } else {
            z = 1.0;
        }
        y
    }));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("this path does not assign it"),
        "{errors:?}"
    );
}

#[test]
fn an_assignment_in_a_loop_or_a_read_first_is_reported() {
    let (_, errors) = rewritten(quote!({
        let y;
        for i in 0..n {
            y = x;
        }
        y
    }));
    assert!(errors[0].contains("assigned in a loop"), "{errors:?}");
    let (_, errors) = rewritten(quote!({
        let y;
        let z = y + 1.0;
        z
    }));
    assert!(errors[0].contains("before it is assigned"), "{errors:?}");
}
