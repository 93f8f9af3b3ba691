//! Desugaring before lowering: `let y = if c { a } else { ..; return b; };` (or `continue`, `break`)
//! becomes the guard `if !c { ..; return b; } let y = { a };`; a `return` inside a loop becomes an assignment of the result,
//! a flag and a `break` out of every enclosing loop, and the statements after such a loop run only if
//! nothing returned. The rest of the compiler then sees only guards, loops with `break` and a final value.
//! Before that, [`rewrite_matches`] turns a `match` on a constant into an `if` chain, [`rewrite_iterators`]
//! turns loops over iterators and iterator reductions into index loops, and [`split_tuples`] splits local
//! tuples (also those the loops over `zip` and `enumerate` bind).

use quote::format_ident;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{parse_quote, Block, Expr, Stmt};

mod closures;
mod constructors;
mod if_let;
mod in_place;
mod iterators;
mod labels;
mod late_init;
mod matches;
mod pushes;
mod tuples;

pub use closures::rewrite as inline_closures;
pub use constructors::{float_elem, rewrite as pin_constructors};
pub use if_let::rewrite as rewrite_if_lets;
pub use in_place::rewrite as rewrite_in_place;
pub use iterators::{
    rewrite as rewrite_iterators, Context as IteratorContext, Deferred as IteratorDeferred,
    POSITION as ITERATOR_POSITION, REPORTED as ITERATOR_REPORTED,
    UNSUPPORTED as ITERATOR_UNSUPPORTED,
};
pub use labels::rewrite as rewrite_labels;
pub use late_init::rewrite as late_init;
pub use matches::{rewrite as rewrite_matches, SCRUTINEE as MATCH_SCRUTINEE};
pub use pushes::rewrite as rewrite_pushes;
pub use tuples::split as split_tuples;

const RETURNED: &str = "__autodiff_returned";
const RESULT: &str = "__autodiff_result";

/// Whether a `return` appears in this statement (closures aside).
fn contains_return(stmt: &Stmt) -> bool {
    struct Finder(bool);
    impl<'a> Visit<'a> for Finder {
        fn visit_expr_return(&mut self, _: &'a syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_local_init(&mut self, init: &'a syn::LocalInit) {
            // A `let .. else` is an error of its own; its `else` is not rewritten.
            self.visit_expr(&init.expr);
        }
    }
    let mut finder = Finder(false);
    finder.visit_stmt(stmt);
    finder.0
}

/// Rewrites `let` of an `if` chain with returning arms into guards, everywhere in `block`.
struct ReturningLets;

/// Whether a block ends by leaving: `return`, `continue` or `break` (then it gives no value).
fn ends_in_return(b: &Block) -> bool {
    matches!(
        b.stmts.last(),
        Some(Stmt::Expr(
            Expr::Return(_) | Expr::Continue(_) | Expr::Break(_),
            _
        ))
    )
}

/// The arms of an `if` chain, each with its condition (`None` for the final `else`); `None` when the
/// chain has no final `else` or an `else` that is not a block.
fn chain_arms(i: &syn::ExprIf) -> Option<Vec<(Option<Expr>, Block)>> {
    let mut arms = vec![(Some((*i.cond).clone()), i.then_branch.clone())];
    match i.else_branch.as_ref().map(|(_, e)| &**e) {
        Some(Expr::Block(b)) => arms.push((None, b.block.clone())),
        Some(Expr::If(inner)) => arms.extend(chain_arms(inner)?),
        _ => return None,
    }
    Some(arms)
}

/// `let p = if c1 { a } else if c2 { ..; return r; } else { b };` becomes the guard
/// `if !(c1) && (c2) { ..; return r; }` followed by `let p = if c1 { a } else { b };`: one guard per
/// arm that leaves, in order, and the chain of the arms that give a value (the last of them becomes the
/// `else` when the final `else` left: the guards have ruled out every other case).
fn split_returning_let(local: &syn::Local) -> Option<Vec<Stmt>> {
    let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
    let Expr::If(i) = &*init.expr else {
        return None;
    };
    let arms = chain_arms(i)?;
    let leaving = arms.iter().filter(|(_, b)| ends_in_return(b)).count();
    if leaving == 0 || leaving == arms.len() {
        return None;
    }
    let mut out = Vec::new();
    let mut earlier: Vec<Expr> = Vec::new();
    let mut kept: Vec<(Option<Expr>, Block)> = Vec::new();
    for (cond, block) in arms {
        if ends_in_return(&block) {
            let mut parts: Vec<Expr> = earlier.iter().map(|c| parse_quote!(!(#c))).collect();
            parts.extend(cond.iter().map(|c| parse_quote!((#c))));
            let guard: Expr = match parts.split_first() {
                Some((first, rest)) => parse_quote!(#first #(&& #rest)*),
                None => parse_quote!(true),
            };
            out.push(Stmt::Expr(parse_quote!(if #guard #block), None));
        } else {
            kept.push((cond.clone(), block));
        }
        earlier.extend(cond);
    }
    let (_, last) = kept.pop().expect("an arm gives a value");
    let chain =
        kept.into_iter()
            .rev()
            .fold(Expr::Block(parse_quote!(#last)), |rest, (cond, block)| {
                let cond = cond.expect("only the final arm has no condition");
                parse_quote!(if #cond #block else { #rest })
            });
    let pat = &local.pat;
    out.push(parse_quote!(let #pat = #chain;));
    Some(out)
}

impl VisitMut for ReturningLets {
    fn visit_block_mut(&mut self, block: &mut Block) {
        let mut stmts = Vec::new();
        for stmt in std::mem::take(&mut block.stmts) {
            match &stmt {
                Stmt::Local(local) => match split_returning_let(local) {
                    Some(split) => stmts.extend(split),
                    None => stmts.push(stmt),
                },
                _ => stmts.push(stmt),
            }
        }
        block.stmts = stmts;
        syn::visit_mut::visit_block_mut(self, block);
    }

    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}

/// Rewrites returning `let`s and every `return` outside the function's tail; returns the body unchanged
/// when there is none.
///
/// The tail is where the lowering takes `return v` as the function's value: the last statement, the
/// arms of a final `if`, and a guard chain `if c { ..; return v; } [else if ..]` with the statements
/// after it. A `return` anywhere else (in a loop, in an `if` nested in a statement) becomes
/// `{ result = v; returned = true; }` (and a `break` out of every loop), and what follows it runs only
/// if nothing returned.
pub fn returns(body: &Block, output: &syn::Type) -> Block {
    let mut body = body.clone();
    ReturningLets.visit_block_mut(&mut body);
    let mut flags = false;
    let stmts = tail_stmts(std::mem::take(&mut body.stmts), &mut flags);
    if !flags {
        return Block { stmts, ..body };
    }
    let returned = format_ident!("{}", RETURNED);
    let result = format_ident!("{}", RESULT);
    let mut all: Vec<Stmt> = vec![
        parse_quote!(let mut #returned = false;),
        parse_quote!(let mut #result: #output = 0.0;),
    ];
    all.extend(stmts);
    Block {
        brace_token: body.brace_token,
        stmts: all,
    }
}

/// Whether a statement is a guard chain: `if c { ..; return v; }`, possibly `else if d { ..; return w; }`,
/// with no final `else`.
fn is_guard_chain(stmt: &Stmt) -> bool {
    fn open(i: &syn::ExprIf) -> bool {
        matches!(i.then_branch.stmts.last(), Some(Stmt::Expr(Expr::Return(r), _)) if r.expr.is_some())
            && match i.else_branch.as_ref().map(|(_, e)| &**e) {
                None => true,
                Some(Expr::If(inner)) => open(inner),
                Some(_) => false,
            }
    }
    matches!(stmt, Stmt::Expr(Expr::If(i), _) if open(i))
}

/// The arm blocks of an `if` chain, mutably.
fn arm_blocks(i: &mut syn::ExprIf) -> Vec<&mut Block> {
    let mut out = vec![&mut i.then_branch];
    match i.else_branch.as_mut().map(|(_, e)| &mut **e) {
        Some(Expr::Block(b)) => out.push(&mut b.block),
        Some(Expr::If(inner)) => out.extend(arm_blocks(inner)),
        _ => {}
    }
    out
}

/// The statements of a tail block, with the returns outside the tail rewritten (`flags` is set when
/// that needs the `returned`/`result` variables).
fn tail_stmts(stmts: Vec<Stmt>, flags: &mut bool) -> Vec<Stmt> {
    let mut out = Vec::new();
    let n = stmts.len();
    let mut iter = stmts.into_iter().enumerate();
    while let Some((k, stmt)) = iter.next() {
        if !contains_return(&stmt) {
            out.push(stmt);
            continue;
        }
        let last = k + 1 == n;
        if let (true, Stmt::Expr(Expr::If(_), _)) = (last || is_guard_chain(&stmt), &stmt) {
            // The arms of a final `if` are the tail; so are those of a guard, as long as each still
            // ends in its `return` (a guard whose arm needs flags is rewritten with flags whole).
            let mut rewritten = stmt.clone();
            let mut arm_flags = false;
            if let Stmt::Expr(Expr::If(i), _) = &mut rewritten {
                for arm in arm_blocks(i) {
                    arm.stmts = tail_stmts(std::mem::take(&mut arm.stmts), &mut arm_flags);
                }
            }
            if last || !arm_flags {
                *flags |= arm_flags;
                out.push(rewritten);
                continue;
            }
        }
        if last && matches!(stmt, Stmt::Expr(Expr::Return(_), _)) {
            out.push(stmt);
            continue;
        }
        // From here on, the rest runs only if nothing returned.
        *flags = true;
        let mut rest = vec![stmt];
        rest.extend(iter.map(|(_, s)| s));
        out.extend(rewrite_block_stmts(rest, true));
        break;
    }
    out
}

/// Whether the last statement of a block gives its value (an expression that is not a branch or a loop).
fn gives_value(stmts: &[Stmt]) -> bool {
    matches!(
        stmts.last(),
        Some(Stmt::Expr(e, None))
            if !matches!(e, Expr::If(_) | Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_))
    )
}

/// The statements of a block with their returns rewritten: after the first statement that may return,
/// the rest becomes `if returned { result } else { rest }` in the function's tail (`tail`), and
/// `if !returned { rest }` elsewhere. Where that rest gives the block's value, the `return` is left as
/// written, for the lowering to report.
fn rewrite_block_stmts(stmts: Vec<Stmt>, tail: bool) -> Vec<Stmt> {
    let returned = format_ident!("{}", RETURNED);
    let result = format_ident!("{}", RESULT);
    let mut out = Vec::new();
    let mut iter = stmts.into_iter();
    while let Some(mut stmt) = iter.next() {
        if !contains_return(&stmt) {
            out.push(stmt);
            continue;
        }
        let rest: Vec<Stmt> = iter.collect();
        if !tail && gives_value(&rest) {
            out.push(stmt);
            out.extend(rest);
            break;
        }
        ReturnsAnywhere { depth: 0 }.visit_stmt_mut(&mut stmt);
        out.push(stmt);
        if tail {
            let mut flags = false;
            let rest = tail_stmts(rest, &mut flags);
            out.push(Stmt::Expr(
                parse_quote!(if #returned { #result } else { #(#rest)* }),
                None,
            ));
        } else if !rest.is_empty() {
            let rest = rewrite_block_stmts(rest, false);
            out.push(Stmt::Expr(parse_quote!(if !#returned { #(#rest)* }), None));
        }
        break;
    }
    out
}

/// Replaces `return e` by `{ result = e; returned = true; }`, with a `break` inside loops; after each
/// inner loop that may return, breaks the enclosing loop too; outside loops, the statements after one
/// that may return are guarded by `!returned`.
struct ReturnsAnywhere {
    depth: usize,
}

impl ReturnsAnywhere {
    fn loop_body(&mut self, body: &mut Block) {
        self.depth += 1;
        let returned = format_ident!("{}", RETURNED);
        let mut stmts = Vec::new();
        for stmt in std::mem::take(&mut body.stmts) {
            let inner_loop = matches!(
                &stmt,
                Stmt::Expr(Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_), _)
            ) && contains_return(&stmt);
            let mut stmt = stmt;
            self.visit_stmt_mut(&mut stmt);
            stmts.push(stmt);
            if inner_loop {
                stmts.push(parse_quote!(if #returned { break; }));
            }
        }
        body.stmts = stmts;
        self.depth -= 1;
    }
}

impl VisitMut for ReturnsAnywhere {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Return(r) => {
                let returned = format_ident!("{}", RETURNED);
                let result = format_ident!("{}", RESULT);
                let value = r
                    .expr
                    .take()
                    .map(|v| *v)
                    .unwrap_or_else(|| parse_quote!(()));
                *e = if self.depth > 0 {
                    parse_quote!({ #result = #value; #returned = true; break; })
                } else {
                    parse_quote!({ #result = #value; #returned = true; })
                };
            }
            Expr::ForLoop(f) => self.loop_body(&mut f.body),
            Expr::While(w) => self.loop_body(&mut w.body),
            Expr::Loop(l) => self.loop_body(&mut l.body),
            Expr::Closure(_) => {}
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_block_mut(&mut self, block: &mut Block) {
        if self.depth == 0 {
            block.stmts = rewrite_block_stmts(std::mem::take(&mut block.stmts), false);
        } else {
            syn::visit_mut::visit_block_mut(self, block);
        }
    }
}
