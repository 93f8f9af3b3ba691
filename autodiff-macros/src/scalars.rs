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

/// Whether a constant operand is certainly a scalar as [`scalar_const`] reads it, or a float made by a
/// type's constructor: `T::one()`, `T::zero()` and the like (no arguments), or `T::from(e).unwrap()`,
/// `T::from_f64(e).unwrap()` (`num_traits`' conversions, which give an `Option`: no array type has them).
/// Left out of [`scalar_const`], whose forms also fix a declaration's type.
pub fn float_const(tokens: &proc_macro2::TokenStream, f: &Function) -> bool {
    const NULLARY: [&str; 9] = [
        "one",
        "zero",
        "epsilon",
        "infinity",
        "neg_infinity",
        "nan",
        "max_value",
        "min_value",
        "min_positive_value",
    ];
    const CONVERSIONS: [&str; 3] = ["from", "from_f64", "from_f32"];
    fn type_call<'e>(e: &'e syn::Expr, names: &[&str]) -> Option<&'e syn::ExprCall> {
        let syn::Expr::Call(c) = e else { return None };
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        let segments: Vec<&syn::PathSegment> = p.path.segments.iter().collect();
        match segments.as_slice() {
            [_, method] if names.contains(&method.ident.to_string().as_str()) => Some(c),
            _ => None,
        }
    }
    if scalar_const(tokens, f) {
        return true;
    }
    let Ok(e) = syn::parse2::<syn::Expr>(tokens.clone()) else {
        return false;
    };
    if type_call(&e, &NULLARY).is_some_and(|c| c.args.is_empty()) {
        return true;
    }
    match &e {
        syn::Expr::MethodCall(m) if m.method == "unwrap" && m.args.is_empty() => {
            type_call(&m.receiver, &CONVERSIONS).is_some_and(|c| c.args.len() == 1)
        }
        _ => false,
    }
}
