//! Whether a constant operand is certainly a scalar, read from its syntax: a storage that starts from one
//! gets the function's scalar type written on its declaration.

use crate::ir::Function;

/// Whether a constant operand is certainly a scalar: a literal, a cast to a float, a negation or
/// parenthesis of one, or a constant local that was bound to one.
pub fn scalar_const(tokens: &proc_macro2::TokenStream, f: &Function) -> bool {
    fn expr(e: &syn::Expr, f: &Function) -> bool {
        match e {
            syn::Expr::Lit(l) => matches!(l.lit, syn::Lit::Float(_) | syn::Lit::Int(_)),
            syn::Expr::Paren(p) => expr(&p.expr, f),
            syn::Expr::Group(g) => expr(&g.expr, f),
            syn::Expr::Unary(u) => matches!(u.op, syn::UnOp::Neg(_)) && expr(&u.expr, f),
            syn::Expr::Cast(c) => {
                matches!(&*c.ty, syn::Type::Path(p) if p.path.is_ident("f64") || p.path.is_ident("f32"))
            }
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| f.scalar_consts.contains(&i.to_string())),
            syn::Expr::Binary(b) => {
                matches!(
                    b.op,
                    syn::BinOp::Add(_)
                        | syn::BinOp::Sub(_)
                        | syn::BinOp::Mul(_)
                        | syn::BinOp::Div(_)
                ) && expr(&b.left, f)
                    && expr(&b.right, f)
            }
            _ => false,
        }
    }
    // Most constant operands are one literal or one name: read without parsing (asked per operand of
    // every sweep, and parsing is slow in the unoptimized builds the macro runs in).
    let mut single = tokens.clone().into_iter();
    if let (Some(token), None) = (single.next(), single.next()) {
        match token {
            // What the parser makes of a lone literal.
            proc_macro2::TokenTree::Literal(l) => {
                return matches!(syn::Lit::new(l), syn::Lit::Float(_) | syn::Lit::Int(_));
            }
            // A lone name is a path, whose name the lowering bound to a scalar or not (`let` binds
            // no keyword; `_`, `true` and `false` are left to the parser, which makes no path of them).
            proc_macro2::TokenTree::Ident(i) => {
                let name = i.to_string();
                if !matches!(name.as_str(), "_" | "true" | "false") {
                    return f.scalar_consts.contains(&name);
                }
            }
            _ => {}
        }
    }
    syn::parse2::<syn::Expr>(tokens.clone()).is_ok_and(|e| expr(&e, f))
}
