//! Desugaring before lowering: `let y = if c { a } else { ..; return b; };` (or `continue`, `break`)
//! becomes the guard `if !c { ..; return b; } let y = { a };`; a `return` inside a loop becomes an assignment of the result,
//! a flag and a `break` out of every enclosing loop, and the statements after such a loop run only if
//! nothing returned. The rest of the compiler then sees only guards, loops with `break` and a final value.

use quote::format_ident;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{parse_quote, Block, Expr, Stmt};

mod tuples;

pub use tuples::split as split_tuples;

const RETURNED: &str = "__autodiff_returned";
const RESULT: &str = "__autodiff_result";

/// Whether a `return` appears inside a loop of this block (closures aside).
fn returns_in_loop(block: &Block) -> bool {
    struct Finder {
        depth: usize,
        found: bool,
    }
    impl<'a> Visit<'a> for Finder {
        fn visit_expr_return(&mut self, r: &'a syn::ExprReturn) {
            if self.depth > 0 {
                self.found = true;
            }
            syn::visit::visit_expr_return(self, r);
        }
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            self.depth += 1;
            syn::visit::visit_expr_for_loop(self, f);
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
    let mut finder = Finder {
        depth: 0,
        found: false,
    };
    finder.visit_block(block);
    finder.found
}

fn stmt_returns_in_loop(stmt: &Stmt) -> bool {
    returns_in_loop(&Block {
        brace_token: Default::default(),
        stmts: vec![stmt.clone()],
    })
}

/// Rewrites `let` of an `if` with a returning arm into a guard, everywhere in `block`.
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

impl VisitMut for ReturningLets {
    fn visit_block_mut(&mut self, block: &mut Block) {
        let mut stmts = Vec::new();
        for stmt in std::mem::take(&mut block.stmts) {
            let split = match &stmt {
                Stmt::Local(local) => match local
                    .init
                    .as_ref()
                    .map(|i| (&*i.expr, i.diverge.is_none()))
                {
                    Some((Expr::If(i), true)) => match i.else_branch.as_ref().map(|(_, e)| &**e) {
                        Some(Expr::Block(other))
                            if ends_in_return(&i.then_branch) != ends_in_return(&other.block) =>
                        {
                            let cond = &i.cond;
                            let (guard, cond, value): (&Block, Expr, &Block) =
                                if ends_in_return(&i.then_branch) {
                                    (&i.then_branch, parse_quote!(#cond), &other.block)
                                } else {
                                    (&other.block, parse_quote!(!(#cond)), &i.then_branch)
                                };
                            let pat = &local.pat;
                            Some((
                                parse_quote!(if #cond #guard),
                                parse_quote!(let #pat = #value;),
                            ))
                        }
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            };
            match split {
                Some((guard, rest)) => {
                    stmts.push(Stmt::Expr(guard, None));
                    stmts.push(rest);
                }
                None => stmts.push(stmt),
            }
        }
        block.stmts = stmts;
        syn::visit_mut::visit_block_mut(self, block);
    }

    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}

/// Rewrites returning `let`s and `return e` inside loops; returns the body unchanged when there is none.
pub fn returns(body: &Block, output: &syn::Type) -> Block {
    let mut body = body.clone();
    ReturningLets.visit_block_mut(&mut body);
    if !returns_in_loop(&body) {
        return body;
    }
    let returned = format_ident!("{}", RETURNED);
    let result = format_ident!("{}", RESULT);
    let mut stmts: Vec<Stmt> = vec![
        parse_quote!(let mut #returned = false;),
        parse_quote!(let mut #result: #output = 0.0;),
    ];
    stmts.extend(rewrite_block_stmts(&body.stmts, true));
    Block {
        brace_token: body.brace_token,
        stmts,
    }
}

/// The statements of a block at the function's level: after a loop that may return, the rest becomes
/// `if returned { result } else { rest }`.
fn rewrite_block_stmts(stmts: &[Stmt], top: bool) -> Vec<Stmt> {
    let returned = format_ident!("{}", RETURNED);
    let result = format_ident!("{}", RESULT);
    let mut out = Vec::new();
    for (k, stmt) in stmts.iter().enumerate() {
        if !stmt_returns_in_loop(stmt) {
            out.push(stmt.clone());
            continue;
        }
        let mut stmt = stmt.clone();
        ReturnsInLoops { depth: 0 }.visit_stmt_mut(&mut stmt);
        out.push(stmt);
        let rest = &stmts[k + 1..];
        if top {
            let rest: Vec<Stmt> = rewrite_block_stmts(rest, true);
            out.push(Stmt::Expr(
                parse_quote!(if #returned { #result } else { #(#rest)* }),
                None,
            ));
        } else {
            out.extend(rest.iter().cloned());
        }
        break;
    }
    out
}

/// Replaces `return e` in loops by `{ result = e; returned = true; break; }`, and after each inner loop
/// that may return, breaks the enclosing loop too.
struct ReturnsInLoops {
    depth: usize,
}

impl ReturnsInLoops {
    fn loop_body(&mut self, body: &mut Block) {
        self.depth += 1;
        let returned = format_ident!("{}", RETURNED);
        let mut stmts = Vec::new();
        for stmt in std::mem::take(&mut body.stmts) {
            let inner_loop = matches!(
                &stmt,
                Stmt::Expr(Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_), _)
            ) && stmt_returns_in_loop(&stmt);
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

impl VisitMut for ReturnsInLoops {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Return(r) if self.depth > 0 => {
                let returned = format_ident!("{}", RETURNED);
                let result = format_ident!("{}", RESULT);
                let value = r
                    .expr
                    .take()
                    .map(|v| *v)
                    .unwrap_or_else(|| parse_quote!(()));
                *e = parse_quote!({ #result = #value; #returned = true; break; });
            }
            Expr::ForLoop(f) => self.loop_body(&mut f.body),
            Expr::While(w) => self.loop_body(&mut w.body),
            Expr::Loop(l) => self.loop_body(&mut l.body),
            Expr::Closure(_) => {}
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }
}
