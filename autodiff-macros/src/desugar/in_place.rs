//! In-place array methods as assignments of a new value, before lowering: `y.fill(v);` is
//! `y = Array::from_elem(y.raw_dim(), v);` and `y.assign(&e);` is
//! `y = e.broadcast(y.raw_dim()).unwrap().to_owned();` (which the lowering differentiates: `v`'s
//! gradient is the sum of `y`'s, `e`'s is `y`'s summed back over the broadcast).

use syn::visit_mut::VisitMut;
use syn::{parse_quote, Block, Expr, Stmt};

/// Rewrites every `y.fill(v);` and `y.assign(&e);` statement of `block` (closures aside) whose receiver
/// is a local name.
pub fn rewrite(block: &mut Block) {
    InPlace.visit_block_mut(block);
}

struct InPlace;

impl VisitMut for InPlace {
    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        if let Stmt::Expr(Expr::MethodCall(m), Some(_)) = stmt {
            let named = matches!(&*m.receiver, Expr::Path(p) if p.path.get_ident().is_some());
            if named && m.args.len() == 1 {
                let y = &m.receiver;
                let arg = &m.args[0];
                let value: Option<Expr> = match m.method.to_string().as_str() {
                    "fill" => Some(parse_quote!(
                        ::autodiff::ndarray::Array::from_elem(#y.raw_dim(), #arg)
                    )),
                    "assign" => {
                        let source = match arg {
                            Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
                            other => other,
                        };
                        Some(parse_quote!(
                            (#source).broadcast(#y.raw_dim()).unwrap().to_owned()
                        ))
                    }
                    _ => None,
                };
                if let Some(value) = value {
                    *stmt = parse_quote!(#y = #value;);
                    return;
                }
            }
        }
        syn::visit_mut::visit_stmt_mut(self, stmt);
    }
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    #[test]
    fn fill_and_assign_are_assignments() {
        let mut body: Block = parse_quote!({
            let mut y = Array1::zeros(3);
            y.fill(a * 2.0);
            for i in 0..2 {
                y.assign(&(x * a));
            }
            z.fill(1.0).unwrap();
            y.sum()
        });
        rewrite(&mut body);
        let text = body.to_token_stream().to_string();
        assert!(
            text.contains(
                "y = :: autodiff :: ndarray :: Array :: from_elem (y . raw_dim () , a * 2.0) ;"
            ),
            "{text}"
        );
        assert!(
            text.contains("y = ((x * a)) . broadcast (y . raw_dim ()) . unwrap () . to_owned () ;"),
            "{text}"
        );
        // Not a statement of its own: left alone.
        assert!(text.contains("z . fill (1.0) . unwrap ()"), "{text}");
    }
}
