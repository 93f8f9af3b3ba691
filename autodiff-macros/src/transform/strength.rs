//! Strength reduction, IR to IR: a division by a literal power of two becomes a multiplication by its
//! reciprocal, which is exact (the same bits, value and gradient) and several times cheaper. Small integer
//! powers are the runtime's (`powi`).

use crate::ir::{visit, Function, Op, Operand, Stmt};
use crate::prims;
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// `f` with every `x / 2^k` (a float literal) written `x * 2^-k`.
pub fn reduce(f: &Function) -> Function {
    let div = prims::binary_operator(&syn::parse_quote!(/)).expect("`/` is a primitive");
    let mul = prims::binary_operator(&syn::parse_quote!(*)).expect("`*` is a primitive");
    let mut body = f.body.clone();
    visit::stmts_mut(&mut body, visit::Depth::Closures, &mut |stmt| {
        let Stmt::Instr(i) = stmt else { return };
        let Op::Prim(p) = &i.op else { return };
        if !std::ptr::eq(*p, div) {
            return;
        }
        let Some(reciprocal) = i.args.get(1).and_then(exact_reciprocal) else {
            return;
        };
        i.op = Op::Prim(mul);
        i.args[1] = Operand::Const(reciprocal);
    });
    f.with_body(f.vars.clone(), body)
}

/// The reciprocal of a float literal that is a power of two in the normal range (so that the reciprocal is
/// exact too), as a literal with the same suffix.
fn exact_reciprocal(o: &Operand) -> Option<TokenStream> {
    let Operand::Const(tokens) = o else {
        return None;
    };
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Float(lit),
        ..
    }) = syn::parse2::<syn::Expr>(tokens.clone()).ok()?
    else {
        return None;
    };
    let value: f64 = lit.base10_parse().ok()?;
    let normal = value.is_normal() && (1.0 / value).is_normal();
    let power_of_two = value > 0.0 && value.log2().fract() == 0.0;
    // f32 literals: the reciprocal must be a normal f32 as well.
    let fits =
        lit.suffix() != "f32" || ((value as f32).is_normal() && (1.0 / value as f32).is_normal());
    if !(normal && power_of_two && fits) {
        return None;
    }
    let text = format!("{:?}{}", 1.0 / value, lit.suffix());
    let reciprocal = syn::LitFloat::new(&text, Span::call_site());
    Some(reciprocal.to_token_stream())
}

#[cfg(test)]
mod tests {
    use super::reduce;
    use crate::ir::print;
    use crate::test_support::lowered;
    use quote::quote;

    fn reduced(item: proc_macro2::TokenStream) -> String {
        print::function(&reduce(&lowered(quote!(), item)))
    }

    #[test]
    fn a_division_by_a_power_of_two_is_a_multiplication() {
        let text = reduced(quote!(
            fn f(x: &Array1<f64>) -> f64 {
                (x / 8.0).sum() + (x / 0.5).sum()
            }
        ));
        assert!(text.contains("mul(x, const(0.125))"), "{text}");
        assert!(text.contains("mul(x, const(2.0))"), "{text}");
        assert!(!text.contains("div("), "{text}");
    }

    #[test]
    fn other_divisions_stay() {
        let text = reduced(quote!(
            fn f(x: f64, y: f64) -> f64 {
                x / 3.0 + x / y + 2.0 / x
            }
        ));
        assert_eq!(text.matches("div(").count(), 3, "{text}");
    }

    #[test]
    fn a_suffix_is_kept() {
        let text = reduced(quote!(
            fn f(x: f32) -> f32 {
                x / 4.0f32
            }
        ));
        assert!(text.contains("mul(x, const(0.25f32))"), "{text}");
    }
}
