//! Loop labels as flags, before lowering: `break 'outer` and `continue 'outer` from an inner loop set a
//! flag and leave the inner loop; after each loop that can set them, the flags leave the loops between
//! it and `'outer`, and at `'outer`'s body they break or continue it:
//!
//! ```text
//! 'outer: for i in 0..n {                let mut __autodiff_break_outer = false;
//!     for j in 0..m {                    let mut __autodiff_continue_outer = false;
//!         if c { continue 'outer; }  =>  for i in 0..n {
//!         if d { break 'outer; }             __autodiff_continue_outer = false;
//!         body                               for j in 0..m {
//!     }                                          if c { __autodiff_continue_outer = true; break; }
//!     after                                      if d { __autodiff_break_outer = true; break; }
//! }                                              body
//!                                            }
//!                                            if __autodiff_break_outer { break; }
//!                                            if __autodiff_continue_outer { continue; }
//!                                            after
//!                                        }
//! ```
//!
//! A labelled jump in the labelled loop's own body is a plain `break` or `continue`. The lowering then
//! sees loops with `break` and `continue` only, which it differentiates.

use quote::format_ident;
use syn::visit_mut::VisitMut;
use syn::{parse_quote, Block, Expr, Ident, Lifetime, Stmt};

/// Rewrites every labelled loop of `block` (closures aside).
pub fn rewrite(block: &mut Block) {
    Labels.visit_block_mut(block);
}

struct Labels;

impl VisitMut for Labels {
    fn visit_block_mut(&mut self, block: &mut Block) {
        // Inner loops first (their own labels), then the loops of this block.
        syn::visit_mut::visit_block_mut(self, block);
        let mut out = Vec::with_capacity(block.stmts.len());
        for mut stmt in std::mem::take(&mut block.stmts) {
            if let Some(label) = take_label(&mut stmt) {
                let name = label.ident.to_string();
                let (brk, cont) = (
                    format_ident!("__autodiff_break_{}", name),
                    format_ident!("__autodiff_continue_{}", name),
                );
                let mut jumps = Jumps {
                    label: &label,
                    brk: &brk,
                    cont: &cont,
                    found: false,
                };
                let body = loop_body(&mut stmt).expect("a labelled loop");
                jumps.block(body, 0);
                if jumps.found {
                    body.stmts.insert(0, parse_quote!(#cont = false;));
                    out.push(parse_quote!(let mut #brk = false;));
                    out.push(parse_quote!(let mut #cont = false;));
                }
            }
            out.push(stmt);
        }
        block.stmts = out;
    }
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
}

/// The label of a loop statement, removed from it.
fn take_label(stmt: &mut Stmt) -> Option<Lifetime> {
    let Stmt::Expr(e, _) = stmt else { return None };
    let label = match e {
        Expr::ForLoop(f) => f.label.take(),
        Expr::While(w) => w.label.take(),
        Expr::Loop(l) => l.label.take(),
        _ => None,
    };
    label.map(|l| l.name)
}

/// The body of a loop statement.
fn loop_body(stmt: &mut Stmt) -> Option<&mut Block> {
    match stmt {
        Stmt::Expr(Expr::ForLoop(f), _) => Some(&mut f.body),
        Stmt::Expr(Expr::While(w), _) => Some(&mut w.body),
        Stmt::Expr(Expr::Loop(l), _) => Some(&mut l.body),
        _ => None,
    }
}

/// Rewrites the jumps to `label` in its loop's body.
struct Jumps<'a> {
    label: &'a Lifetime,
    brk: &'a Ident,
    cont: &'a Ident,
    found: bool,
}

impl Jumps<'_> {
    /// The statements of a block `depth` loops inside the labelled one; whether a jump was found.
    fn block(&mut self, block: &mut Block, depth: usize) -> bool {
        let mut any = false;
        let mut out = Vec::with_capacity(block.stmts.len());
        for mut stmt in std::mem::take(&mut block.stmts) {
            let is_loop = matches!(
                stmt,
                Stmt::Expr(Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_), _)
            );
            let found = self.stmt(&mut stmt, depth);
            any |= found;
            out.push(stmt);
            if found && is_loop {
                let (brk, cont) = (self.brk, self.cont);
                if depth == 0 {
                    out.push(parse_quote!(if #brk { break; }));
                    out.push(parse_quote!(if #cont { continue; }));
                } else {
                    out.push(parse_quote!(if #brk || #cont { break; }));
                }
            }
        }
        block.stmts = out;
        any
    }

    fn stmt(&mut self, stmt: &mut Stmt, depth: usize) -> bool {
        match stmt {
            Stmt::Local(l) => l
                .init
                .as_mut()
                .is_some_and(|init| self.expr(&mut init.expr, depth)),
            Stmt::Expr(e, _) => self.expr(e, depth),
            _ => false,
        }
    }

    fn expr(&mut self, e: &mut Expr, depth: usize) -> bool {
        match e {
            Expr::Break(b) if b.label.as_ref() == Some(self.label) && b.expr.is_none() => {
                self.found = true;
                let brk = self.brk;
                *e = if depth == 0 {
                    parse_quote!(break)
                } else {
                    parse_quote!({ #brk = true; break; })
                };
                true
            }
            Expr::Continue(c) if c.label.as_ref() == Some(self.label) => {
                self.found = true;
                let cont = self.cont;
                *e = if depth == 0 {
                    parse_quote!(continue)
                } else {
                    parse_quote!({ #cont = true; break; })
                };
                true
            }
            Expr::ForLoop(f) => self.block(&mut f.body, depth + 1),
            Expr::While(w) => self.block(&mut w.body, depth + 1),
            Expr::Loop(l) => self.block(&mut l.body, depth + 1),
            Expr::Block(b) => self.block(&mut b.block, depth),
            Expr::If(i) => {
                let mut found = self.block(&mut i.then_branch, depth);
                if let Some((_, other)) = i.else_branch.as_mut() {
                    found |= self.expr(other, depth);
                }
                found
            }
            Expr::Match(m) => {
                let mut found = false;
                for arm in &mut m.arms {
                    found |= self.expr(&mut arm.body, depth);
                }
                found
            }
            Expr::Paren(p) => self.expr(&mut p.expr, depth),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn squash(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    #[test]
    fn labelled_jumps_become_flags() {
        let mut body: Block = parse_quote!({
            'outer: for i in 0..n {
                for j in 0..m {
                    if c {
                        continue 'outer;
                    }
                    if d {
                        break 'outer;
                    }
                    s += x[j];
                }
                s += 1.0;
            }
            s
        });
        rewrite(&mut body);
        let text = squash(&body.to_token_stream().to_string());
        assert!(text.contains("letmut__autodiff_break_outer=false;letmut__autodiff_continue_outer=false;foriin0..n{__autodiff_continue_outer=false;forjin0..m{"), "{text}");
        assert!(
            text.contains("ifc{{__autodiff_continue_outer=true;break;};}"),
            "{text}"
        );
        assert!(
            text.contains("ifd{{__autodiff_break_outer=true;break;};}"),
            "{text}"
        );
        assert!(
            text.contains(
                "}if__autodiff_break_outer{break;}if__autodiff_continue_outer{continue;}s+=1.0;"
            ),
            "{text}"
        );
        assert!(!text.contains('\''), "{text}");
    }

    #[test]
    fn three_deep_and_a_jump_in_the_labelled_body() {
        let mut body: Block = parse_quote!({
            'a: loop {
                if done {
                    break 'a;
                }
                while k < 3 {
                    for j in 0..2 {
                        if e {
                            break 'a;
                        }
                    }
                    k += 1;
                }
            }
        });
        rewrite(&mut body);
        let text = squash(&body.to_token_stream().to_string());
        assert!(text.contains("ifdone{break;}"), "{text}");
        // Out of the `for` into the `while`: leave it too; at the labelled body: break it.
        assert!(
            text.contains("}if__autodiff_break_a||__autodiff_continue_a{break;}k+=1;"),
            "{text}"
        );
        assert!(
            text.contains("}if__autodiff_break_a{break;}if__autodiff_continue_a{continue;}}"),
            "{text}"
        );
    }
}
