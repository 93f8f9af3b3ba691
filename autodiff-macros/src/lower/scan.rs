//! What a loop body does, read from its syntax before it is lowered: the names it assigns and with
//! what, whether it breaks or continues, and the names an expression mentions.

use super::strip_parens;
use proc_macro2::{Ident, Span};
use quote::ToTokens;
use std::collections::HashSet;
use syn::visit::Visit;
use syn::Expr;

/// Whether a statement may `break` or `continue` the loop it is in (not a nested one).
pub(super) fn may_exit(stmt: &syn::Stmt) -> bool {
    struct Finder(bool);
    impl<'a> Visit<'a> for Finder {
        fn visit_expr_break(&mut self, _: &'a syn::ExprBreak) {
            self.0 = true;
        }
        fn visit_expr_continue(&mut self, _: &'a syn::ExprContinue) {
            self.0 = true;
        }
        fn visit_expr_for_loop(&mut self, _: &'a syn::ExprForLoop) {}
        fn visit_expr_while(&mut self, _: &'a syn::ExprWhile) {}
        fn visit_expr_loop(&mut self, _: &'a syn::ExprLoop) {}
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
    }
    let mut finder = Finder(false);
    finder.visit_stmt(stmt);
    finder.0
}

/// What a loop body assigns (a `let` and a loop variable count as assignments of their values), and
/// whether it breaks or continues.
pub(super) fn scan_assignments(body: &syn::Block) -> BodyScan {
    #[derive(Default)]
    struct Scan {
        assigned: Vec<Assignment>,
        scopes: Vec<HashSet<String>>,
        brk: bool,
        cont: bool,
        depth: usize,
    }
    impl Scan {
        fn local(&self, name: &str) -> bool {
            self.scopes.iter().any(|s| s.contains(name))
        }
        fn record(&mut self, name: Ident, value: Expr, element: bool, local: bool) {
            let in_scope = self.scopes.iter().flatten().cloned().collect();
            self.assigned.push(Assignment {
                name,
                value,
                element,
                local,
                in_scope,
            });
        }
        fn declare(&mut self, names: Vec<String>) {
            if let Some(scope) = self.scopes.last_mut() {
                scope.extend(names.iter().cloned());
            }
        }
    }
    fn target(e: &Expr) -> Option<(Ident, bool)> {
        match strip_parens(e) {
            Expr::Path(p) => p.path.get_ident().map(|i| (i.clone(), false)),
            Expr::Index(i) => match strip_parens(&i.expr) {
                Expr::Path(p) => p.path.get_ident().map(|i| (i.clone(), true)),
                _ => None,
            },
            _ => None,
        }
    }
    impl<'a> Visit<'a> for Scan {
        fn visit_block(&mut self, b: &'a syn::Block) {
            self.scopes.push(HashSet::new());
            syn::visit::visit_block(self, b);
            self.scopes.pop();
        }
        fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
            if let Some((name, elem)) = target(&a.left) {
                let local = self.local(&name.to_string());
                self.record(name, (*a.right).clone(), elem, local);
            }
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
            if super::is_compound(&b.op) {
                if let Some((name, elem)) = target(&b.left) {
                    let local = self.local(&name.to_string());
                    self.record(name, (*b.right).clone(), elem, local);
                }
            }
            syn::visit::visit_expr_binary(self, b);
        }
        fn visit_local(&mut self, l: &'a syn::Local) {
            syn::visit::visit_local(self, l);
            let mut names = Vec::new();
            collect_pat(&l.pat, &mut names);
            if let (Some(init), [name]) = (&l.init, names.as_slice()) {
                let ident = Ident::new(name, Span::call_site());
                self.record(ident, (*init.expr).clone(), false, true);
            }
            self.declare(names);
        }
        fn visit_expr_break(&mut self, b: &'a syn::ExprBreak) {
            if self.depth == 0 {
                self.brk = true;
            }
            syn::visit::visit_expr_break(self, b);
        }
        fn visit_expr_continue(&mut self, c: &'a syn::ExprContinue) {
            if self.depth == 0 {
                self.cont = true;
            }
            syn::visit::visit_expr_continue(self, c);
        }
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            self.visit_expr(&f.expr);
            self.depth += 1;
            self.scopes.push(HashSet::new());
            let mut names = Vec::new();
            collect_pat(&f.pat, &mut names);
            // The loop variable holds what the iterator gives: an element of `x.iter()` is a float
            // where `x` is, an index of a range is not.
            for name in &names {
                let ident = Ident::new(name, Span::call_site());
                self.record(ident, (*f.expr).clone(), false, true);
            }
            self.declare(names);
            self.visit_block(&f.body);
            self.scopes.pop();
            self.depth -= 1;
        }
        fn visit_expr_while(&mut self, w: &'a syn::ExprWhile) {
            self.depth += 1;
            syn::visit::visit_expr_while(self, w);
            self.depth -= 1;
        }
        fn visit_expr_loop(&mut self, l: &'a syn::ExprLoop) {
            self.depth += 1;
            syn::visit::visit_expr_loop(self, l);
            self.depth -= 1;
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
    }
    fn collect_pat(p: &syn::Pat, out: &mut Vec<String>) {
        match p {
            syn::Pat::Ident(i) => out.push(i.ident.to_string()),
            syn::Pat::Type(t) => collect_pat(&t.pat, out),
            syn::Pat::Reference(r) => collect_pat(&r.pat, out),
            _ => {}
        }
    }
    let mut scan = Scan::default();
    scan.visit_block(body);
    BodyScan {
        assigned: scan.assigned,
        brk: scan.brk,
        cont: scan.cont,
    }
}

/// An assignment (or a `let`) in a loop body.
pub(super) struct Assignment {
    /// The name assigned.
    pub(super) name: Ident,
    /// The value (the right-hand side).
    pub(super) value: Expr,
    /// Whether it writes an element (`y[i] = ..`).
    pub(super) element: bool,
    /// Whether the name is one the body declares (not a variable of the enclosing code).
    pub(super) local: bool,
    /// The names the body declares that are in scope here: a mention of one in `value` is that
    /// variable, not the enclosing code's.
    pub(super) in_scope: HashSet<String>,
}

/// What [`scan_assignments`] finds in a loop body.
pub(super) struct BodyScan {
    /// Every assignment and `let`.
    pub(super) assigned: Vec<Assignment>,
    /// Whether it breaks the loop.
    pub(super) brk: bool,
    /// Whether it continues the loop.
    pub(super) cont: bool,
}

/// The identifiers an expression mentions.
pub(super) fn mentions(e: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    crate::naming::any_ident(e.to_token_stream(), &mut |i| {
        out.push(i.to_string());
        false
    });
    out
}
