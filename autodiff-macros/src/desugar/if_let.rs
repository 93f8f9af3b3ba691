//! `if let` on a constant as an `if` on `matches!`: `if let Some(k) = opt { a } else { b }` becomes
//!
//! ```text
//! if ::core::matches!(opt, Some(k)) {
//!     let k = match opt { Some(k) => k, _ => ::core::unreachable!() };
//!     a
//! } else { b }
//! ```
//!
//! (one such `let` per name the pattern binds; a pattern that binds nothing gives only the test). The
//! lowering takes `matches!` of a constant as a constant flag, and a `match` that reads only constants
//! as a constant. `else if let` chains are rewritten arm by arm. On a differentiable value, the
//! lowering reports the `matches!`.

use syn::visit_mut::VisitMut;
use syn::{parse_quote, Expr, Stmt};

/// Rewrites every `if let` of `block` (closures aside).
pub fn rewrite(block: &mut syn::Block) {
    Rewriter.visit_block_mut(block);
}

struct Rewriter;

impl VisitMut for Rewriter {
    fn visit_expr_if_mut(&mut self, i: &mut syn::ExprIf) {
        syn::visit_mut::visit_expr_if_mut(self, i);
        let Expr::Let(l) = &*i.cond else { return };
        let (pat, value) = (&*l.pat, &*l.expr);
        let mut names = crate::lower::pattern_names(pat);
        // A capitalised name is a unit variant or a constant (as in `desugar::matches`).
        names.retain(|n| !n.chars().next().is_some_and(char::is_uppercase));
        names.dedup();
        let lets: Vec<Stmt> = names
            .iter()
            .map(|n| {
                let n = quote::format_ident!("{}", n);
                parse_quote!(let #n = match #value { #pat => #n, _ => ::core::unreachable!() };)
            })
            .collect();
        let cond: Expr = parse_quote!(::core::matches!(#value, #pat));
        *i.cond = cond;
        if !lets.is_empty() {
            let mut stmts = lets;
            stmts.append(&mut i.then_branch.stmts);
            i.then_branch.stmts = stmts;
        }
    }

    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}

#[cfg(test)]
mod tests;
