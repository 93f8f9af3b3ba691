//! The `if` chains that `match` expressions become, on syntax.

use super::rewrite;
use quote::quote;

fn rewritten(body: proc_macro2::TokenStream) -> String {
    let mut block: syn::Block = syn::parse2(body).expect("a block");
    rewrite(&mut block);
    quote!(#block).to_string()
}

#[test]
fn literals_alternatives_and_the_last_arm_as_else() {
    let text = rewritten(quote!({
        match k {
            0 => a,
            1 | 2 => b,
            _ => c,
        }
    }));
    assert!(text.contains("let __autodiff_match0 = k ;"), "{text}");
    assert!(text.contains("if __autodiff_match0 == 0 { a }"), "{text}");
    assert!(
        text.contains("else if (__autodiff_match0 == 1) || (__autodiff_match0 == 2) { b }"),
        "{text}"
    );
    assert!(text.contains("else { c }"), "{text}");
    assert!(!text.contains("match k"), "{text}");
}

#[test]
fn a_name_binds_in_its_arm_and_its_guard_reads_the_value() {
    let text = rewritten(quote!({
        match k {
            n if n > 5 => x * n as f64,
            2..=4 => x,
            n => x + n as f64,
        }
    }));
    assert!(
        text.contains("if __autodiff_match0 > 5 { let n = __autodiff_match0 ;"),
        "{text}"
    );
    assert!(
        text.contains("if (__autodiff_match0 >= 2) && (__autodiff_match0 <= 4)"),
        "{text}"
    );
    assert!(
        text.contains("else { let n = __autodiff_match0 ; x + n as f64 }"),
        "{text}"
    );
}

#[test]
fn variants_are_tested_with_matches_and_other_patterns_are_left() {
    let text = rewritten(quote!({
        let a = match mode {
            Mode::Fast => 1.0,
            Mode::Slow => 2.0,
        };
        let c = match loss {
            Loss::Huber(_) => 1.0,
            Loss::Careful { .. } => 2.0,
            _ => 4.0,
        };
        let d = match loss {
            Loss::Scaled(k) => 3.0,
            _ => 4.0,
        };
        let b = match pair {
            (0, _) => 1.0,
            _ => 2.0,
        };
    }));
    assert!(
        text.contains("if :: core :: matches ! (__autodiff_match0 , Mode :: Fast)"),
        "{text}"
    );
    // A variant with fields that binds nothing is tested too; one that binds a field is tested, and
    // the field taken out by a `match` of its own in the arm.
    assert!(
        text.contains("matches ! (__autodiff_match1 , Loss :: Huber (_))")
            && text.contains("matches ! (__autodiff_match1 , Loss :: Careful { .. })"),
        "{text}"
    );
    assert!(
        text.contains("if :: core :: matches ! (__autodiff_match2 , Loss :: Scaled (k)) { let k = match __autodiff_match2 { Loss :: Scaled (k) => k , _ => :: core :: unreachable ! () , } ; 3.0 }"),
        "{text}"
    );
    // The tuple pattern is not taken apart: the lowering reports it.
    assert!(text.contains("match pair"), "{text}");
}

#[test]
fn a_guard_reads_the_fields_its_variant_binds() {
    let text = rewritten(quote!({
        let a = match mode {
            Mode::Leaky(slope) if slope > x => x * slope,
            Mode::Leaky(_) => x,
            Mode::Scaled { k, .. } => x * k,
        };
    }));
    // The guard runs after the test, with the field taken out for it.
    assert!(
        text.contains("if :: core :: matches ! (__autodiff_match0 , Mode :: Leaky (slope)) && { let slope = match __autodiff_match0 { Mode :: Leaky (slope) => slope , _ => :: core :: unreachable ! () , } ; slope > x }"),
        "{text}"
    );
    assert!(
        text.contains("let k = match __autodiff_match0 { Mode :: Scaled { k , .. } => k"),
        "{text}"
    );
    assert!(!text.contains("match mode"), "{text}");
}
