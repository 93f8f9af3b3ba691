//! Late initialization as a `let` of a value: `let y; if c { y = a; } else { y = b; }` (also `let y: T;`,
//! `let mut y;`, `else if` chains, `match` arms, nested branches, statements before and after the
//! assignment in an arm) becomes
//!
//! ```text
//! let y = if c { a } else { b };
//! ```
//!
//! at the place of the branch. In each arm, the first statement that names `y` must assign it (`y = e`,
//! or a branch every arm of which does): the arm becomes `{ before..; e }`, or
//! `{ before..; let y = e; after..; y }` where statements follow. An arm that leaves (`return`,
//! `break`, `continue`) without naming `y` is kept as it is. Anything else (an arm that does not assign,
//! a first use that reads `y`, an assignment in a loop) is reported at its span and the declaration
//! replaced by [`super::ITERATOR_REPORTED`], so its uses are not reported again.

use crate::errors::{Errors, Reported};
use proc_macro2::Span;
use quote::{format_ident, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{parse_quote, Block, Expr, Ident, Pat, Stmt};

/// Rewrites every late initialization of `block`; returns the proof of a report where one fails.
pub fn rewrite(block: &mut Block, errors: &Errors) -> Option<Reported> {
    let mut r = Rewriter {
        errors,
        reported: None,
    };
    r.visit_block_mut(block);
    r.reported
}

struct Rewriter<'a> {
    errors: &'a Errors,
    reported: Option<Reported>,
}

/// Why a late initialization cannot be rewritten: where, and what to say.
struct Problem(Span, String);

/// `let y;`, `let mut y;`, `let y: T;`: the name.
fn declaration(stmt: &Stmt) -> Option<&Ident> {
    let Stmt::Local(local) = stmt else {
        return None;
    };
    if local.init.is_some() {
        return None;
    }
    let pat = match &local.pat {
        Pat::Type(t) => &*t.pat,
        p => p,
    };
    match pat {
        Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => Some(&i.ident),
        _ => None,
    }
}

/// Whether `tokens` name `y` anywhere (macros included).
fn mentions(tokens: impl ToTokens, y: &Ident) -> bool {
    crate::naming::any_ident(tokens.to_token_stream(), &mut |i| i == y)
}

/// Whether a block ends by leaving (then it needs no value).
fn leaves(b: &Block) -> bool {
    matches!(
        b.stmts.last(),
        Some(Stmt::Expr(
            Expr::Return(_) | Expr::Continue(_) | Expr::Break(_),
            _
        ))
    )
}

fn unassigned(y: &Ident) -> String {
    format!("`{y}` is declared without a value and this path does not assign it: assign `{y}` exactly once on every path (`if c {{ {y} = v1; }} else {{ {y} = v2; }}`), or give it its value where it is declared, as in `let {y} = if c {{ v1 }} else {{ v2 }};`")
}

/// The value a statement gives `y` by assigning it on every path.
fn assigned_value(stmt: &Stmt, y: &Ident) -> Result<Expr, Problem> {
    let e = match stmt {
        Stmt::Expr(e, _) => e,
        other => {
            return Err(Problem(other.span(), format!("`{y}` is read or bound here before it is assigned: assign it first, as in `{y} = ..;`")));
        }
    };
    expr_value(e, y)
}

fn expr_value(e: &Expr, y: &Ident) -> Result<Expr, Problem> {
    match e {
        Expr::Assign(a) if matches!(&*a.left, Expr::Path(p) if p.path.is_ident(y)) => {
            if mentions(&a.right, y) {
                return Err(Problem(
                    a.right.span(),
                    format!("`{y}` is read here before it has a value"),
                ));
            }
            Ok((*a.right).clone())
        }
        Expr::If(i) => {
            let then = Expr::Block(syn::ExprBlock {
                attrs: Vec::new(),
                label: None,
                block: block_value(&i.then_branch, y)?,
            });
            let Some((_, other)) = &i.else_branch else {
                return Err(Problem(i.if_token.span, format!("{} (this `if` has no `else`)", unassigned(y))));
            };
            let other = match &**other {
                Expr::Block(b) => Expr::Block(syn::ExprBlock {
                    block: block_value(&b.block, y)?,
                    ..b.clone()
                }),
                inner => expr_value(inner, y)?,
            };
            let cond = &i.cond;
            if mentions(cond, y) {
                return Err(Problem(cond.span(), format!("`{y}` is read here before it has a value")));
            }
            Ok(parse_quote!(if #cond #then else #other))
        }
        Expr::Match(m) => {
            if mentions(&m.expr, y) {
                return Err(Problem(m.expr.span(), format!("`{y}` is read here before it has a value")));
            }
            let mut m = m.clone();
            for arm in m.arms.iter_mut() {
                let body = match &*arm.body {
                    Expr::Block(b) => block_value(&b.block, y)?,
                    other if mentions(other, y) => {
                        let v = expr_value(other, y)?;
                        parse_quote!({ #v })
                    }
                    other => return Err(Problem(other.span(), unassigned(y))),
                };
                *arm.body = Expr::Block(syn::ExprBlock {
                    attrs: Vec::new(),
                    label: None,
                    block: body,
                });
                arm.comma.get_or_insert_with(Default::default);
            }
            Ok(Expr::Match(m))
        }
        Expr::Block(b) if b.label.is_none() => Ok(Expr::Block(syn::ExprBlock {
            block: block_value(&b.block, y)?,
            ..b.clone()
        })),
        Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => Err(Problem(e.span(), format!("`{y}` is assigned in a loop, which may run any number of times: declare it with its value before the loop (`let mut {y} = ..;`) and assign it in the loop"))),
        other => Err(Problem(other.span(), format!("`{y}` is declared without a value and first used here without being assigned: assign it exactly once on every path (`{y} = ..;`)"))),
    }
}

/// An arm's block, giving the value it assigns to `y`.
fn block_value(b: &Block, y: &Ident) -> Result<Block, Problem> {
    let Some(k) = b.stmts.iter().position(|s| mentions(s, y)) else {
        if leaves(b) {
            return Ok(b.clone());
        }
        return Err(Problem(b.span(), unassigned(y)));
    };
    let value = assigned_value(&b.stmts[k], y)?;
    let mut stmts: Vec<Stmt> = b.stmts[..k].to_vec();
    let after = &b.stmts[k + 1..];
    if after.is_empty() {
        stmts.push(Stmt::Expr(value, None));
    } else {
        let assigned = crate::lower::assigned_names(after).contains(&y.to_string());
        let mutability = assigned.then(<syn::Token![mut]>::default);
        stmts.push(parse_quote!(let #mutability #y = #value;));
        stmts.extend(after.iter().cloned());
        stmts.push(Stmt::Expr(parse_quote!(#y), None));
    }
    Ok(Block {
        brace_token: b.brace_token,
        stmts,
    })
}

impl Rewriter<'_> {
    /// The statements of a block with their late initializations rewritten.
    fn stmts(&mut self, stmts: Vec<Stmt>) -> Vec<Stmt> {
        let mut out: Vec<Stmt> = Vec::with_capacity(stmts.len());
        let mut pending: Vec<Stmt> = stmts;
        pending.reverse();
        while let Some(stmt) = pending.pop() {
            let Some(y) = declaration(&stmt).cloned() else {
                out.push(stmt);
                continue;
            };
            let Stmt::Local(local) = &stmt else {
                unreachable!()
            };
            // The first statement after it that names `y`.
            let Some(at) = pending.iter().rposition(|s| mentions(s, &y)) else {
                out.push(stmt);
                continue;
            };
            let assigner = pending.remove(at);
            match assigned_value(&assigner, &y) {
                Ok(value) => {
                    // The statements between do not name `y`: they run first, as written.
                    let between: Vec<Stmt> = pending.drain(at..).rev().collect();
                    out.extend(between);
                    let pat = &local.pat;
                    // `let y: T;` keeps its type; `let mut y;` its mutability (`mut` is kept where
                    // written; the value is given once).
                    pending.push(parse_quote!(let #pat = #value;));
                }
                Err(Problem(span, message)) => {
                    self.reported = Some(self.errors.at_span(span, message));
                    let name = format_ident!("{}", super::ITERATOR_REPORTED);
                    let pat = &local.pat;
                    out.push(parse_quote!(let #pat = #name;));
                    pending.insert(at, assigner);
                }
            }
        }
        out
    }
}

impl VisitMut for Rewriter<'_> {
    fn visit_block_mut(&mut self, block: &mut Block) {
        // Inner blocks first: an arm may declare its own.
        syn::visit_mut::visit_block_mut(self, block);
        block.stmts = self.stmts(std::mem::take(&mut block.stmts));
    }

    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}

#[cfg(test)]
mod tests;
