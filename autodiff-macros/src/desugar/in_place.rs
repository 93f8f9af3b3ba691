//! In-place array methods as assignments of a new value, before lowering: `y.fill(v);` is
//! `y = Array::from_elem(y.raw_dim(), v);` and `y.assign(&e);` is
//! `y = e.broadcast(y.raw_dim()).unwrap().to_owned();` (which the lowering differentiates: `v`'s
//! gradient is the sum of `y`'s, `e`'s is `y`'s summed back over the broadcast). A row or column of a
//! local matrix, `y.row_mut(i).assign(&e);` (`column_mut`, `fill`), is written element by element.

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
        if let Some(writes) = line_writes(stmt) {
            *stmt = writes;
            return;
        }
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

/// `y.row_mut(i).assign(&e);` (`column_mut(j)`, `fill(v)`) on a local matrix: the line's elements
/// written one by one from `e` broadcast to the line's length (the lowering differentiates element
/// writes):
///
/// ```text
/// { let src = (e).broadcast(y.ncols()).unwrap().to_owned(); let i = i;
///   for j in 0..y.ncols() { y[[i, j]] = src[j]; } }
/// ```
fn line_writes(stmt: &Stmt) -> Option<Stmt> {
    let Stmt::Expr(Expr::MethodCall(m), Some(_)) = stmt else {
        return None;
    };
    let Expr::MethodCall(line) = &*m.receiver else {
        return None;
    };
    let y = &line.receiver;
    let named = matches!(&**y, Expr::Path(p) if p.path.get_ident().is_some());
    if !named || m.args.len() != 1 || line.args.len() != 1 {
        return None;
    }
    let row = match line.method.to_string().as_str() {
        "row_mut" => true,
        "column_mut" => false,
        _ => return None,
    };
    let len: syn::Ident = if row {
        parse_quote!(ncols)
    } else {
        parse_quote!(nrows)
    };
    let arg = &m.args[0];
    let k = &line.args[0];
    let value: Expr = match m.method.to_string().as_str() {
        "assign" => {
            let source = match arg {
                Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
                other => other,
            };
            parse_quote!((#source).broadcast(#y.#len()).unwrap().to_owned())
        }
        "fill" => parse_quote!(::autodiff::ndarray::Array::from_elem(#y.#len(), #arg)),
        _ => return None,
    };
    let index: Expr = if row {
        parse_quote!([__autodiff_line, __autodiff_pos])
    } else {
        parse_quote!([__autodiff_pos, __autodiff_line])
    };
    Some(parse_quote!({
        let __autodiff_src = #value;
        let __autodiff_line: usize = #k;
        for __autodiff_pos in 0..#y.#len() {
            #y[#index] = __autodiff_src[__autodiff_pos];
        }
    }))
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

    #[test]
    fn rows_and_columns_are_written_element_by_element() {
        let mut block: Block = parse_quote!({
            m.row_mut(i + 1).assign(&x);
            m.column_mut(0).fill(a);
        });
        rewrite(&mut block);
        let text = block.to_token_stream().to_string();
        assert!(
            text.contains(
                "let __autodiff_src = (x) . broadcast (m . ncols ()) . unwrap () . to_owned () ;"
            ),
            "{text}"
        );
        assert!(
            text.contains("let __autodiff_line : usize = i + 1 ;"),
            "{text}"
        );
        assert!(
            text.contains(
                "m [[__autodiff_line , __autodiff_pos]] = __autodiff_src [__autodiff_pos] ;"
            ),
            "{text}"
        );
        assert!(text.contains("from_elem (m . nrows () , a)"), "{text}");
        assert!(
            text.contains("m [[__autodiff_pos , __autodiff_line]] ="),
            "{text}"
        );
        assert!(
            !text.contains("row_mut") && !text.contains("column_mut"),
            "{text}"
        );
    }
}
