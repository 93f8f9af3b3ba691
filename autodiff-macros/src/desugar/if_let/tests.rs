//! `if let` rewritten to an `if` on `matches!`, on syntax.

use super::rewrite;
use quote::quote;

fn rewritten(body: proc_macro2::TokenStream) -> String {
    let mut block: syn::Block = syn::parse2(body).expect("a block");
    rewrite(&mut block);
    quote!(#block).to_string().replace(' ', "")
}

#[test]
fn some_binds_its_value_as_a_constant() {
    let text = rewritten(quote!({
        if let Some(k) = opt {
            x * k as f64
        } else {
            x
        }
    }));
    assert_eq!(
        text,
        "{if::core::matches!(opt,Some(k)){letk=matchopt{Some(k)=>k,_=>::core::unreachable!()};x*kasf64}else{x}}"
    );
}

#[test]
fn a_pattern_without_names_and_else_if_let() {
    let text = rewritten(quote!({
        if let Mode::Fast = mode {
            a
        } else if let Mode::Careful { passes, scale: s } = mode {
            b
        } else {
            c
        }
    }));
    assert!(
        text.starts_with("{if::core::matches!(mode,Mode::Fast){a}"),
        "{text}"
    );
    assert!(
        text.contains("elseif::core::matches!(mode,Mode::Careful{passes,scale:s}){letpasses=matchmode{Mode::Careful{passes,scale:s}=>passes,_=>::core::unreachable!()};lets=matchmode{"),
        "{text}"
    );
    assert!(!text.contains("iflet"), "{text}");
}
