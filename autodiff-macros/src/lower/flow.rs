//! Lowering of branches and statement sequences: `if` with the values its arms join, guards and the
//! function's tail (where `return v` is its value), `break`/`continue` flags guarding what follows.

use super::{strip_parens, Binding, Lowered, Lowerer};
use crate::ir::{visit, Block, If, Join, Operand, Stmt, VarId, VarKind};
use crate::prims;
use proc_macro2::{Ident, Span};
use quote::{quote, ToTokens};
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::Expr;

use super::scan::may_exit;

/// A name of the enclosing code that an arm of a branch assigned.
pub(super) struct ArmChange {
    /// The name.
    pub(super) name: String,
    /// Its binding before the arm.
    pub(super) before: Binding,
    /// Its binding at the end of the arm.
    pub(super) after: Binding,
    /// The index of the scope that declares it.
    pub(super) scope: usize,
}

/// `if c { ..; return v; }`, or a chain `if c { return a; } else if d { return b; }` with no final
/// `else`, followed by `rest`: the chain with `rest` as its final `else`, whose arms end in `return`.
pub(super) fn guard_chain(stmt: &syn::Stmt, rest: &[syn::Stmt]) -> Option<syn::ExprIf> {
    fn returns(b: &syn::Block) -> bool {
        matches!(b.stmts.last(), Some(syn::Stmt::Expr(Expr::Return(r), _)) if r.expr.is_some())
    }
    fn open_chain(i: &syn::ExprIf) -> bool {
        returns(&i.then_branch)
            && match i.else_branch.as_ref().map(|(_, e)| &**e) {
                None => true,
                Some(Expr::If(inner)) => open_chain(inner),
                Some(_) => false,
            }
    }
    fn attach(i: &mut syn::ExprIf, rest: Expr) {
        match &mut i.else_branch {
            None => i.else_branch = Some((Default::default(), Box::new(rest))),
            Some((_, e)) => {
                if let Expr::If(inner) = &mut **e {
                    attach(inner, rest);
                }
            }
        }
    }
    let syn::Stmt::Expr(Expr::If(i), _) = stmt else {
        return None;
    };
    if !open_chain(i) {
        return None;
    }
    let mut chain = i.clone();
    attach(&mut chain, rest_block(rest, stmt));
    Some(chain)
}

/// The statements after a guard, as a block.
pub(super) fn rest_block(stmts: &[syn::Stmt], guard: &syn::Stmt) -> Expr {
    let block = syn::Block {
        brace_token: syn::token::Brace(guard.span()),
        stmts: stmts.to_vec(),
    };
    Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block,
    })
}

/// Every identifier that the statements of `block` (and of the blocks inside it) mention in their
/// constant code, flags and counters.
pub(super) fn block_idents(block: &Block) -> HashSet<String> {
    let mut names = HashSet::new();
    visit::stmts(block, visit::Depth::Closures, &mut |stmt| {
        let mut tokens = visit::const_tokens(stmt);
        match stmt {
            Stmt::If(i) => {
                tokens.extend(i.flag.to_token_stream());
                for (c, _) in &i.restore {
                    tokens.extend(c.to_token_stream());
                }
            }
            Stmt::Loop(l) => {
                for c in &l.carried_consts {
                    tokens.extend(c.to_token_stream());
                }
            }
            _ => {}
        }
        crate::naming::any_ident(tokens, &mut |i| {
            names.insert(i.to_string());
            false
        });
    });
    names
}

/// Whether every path through an `if` ends in `return` (then it gives the function's value).
pub(super) fn ends_in_return(i: &syn::ExprIf) -> bool {
    let block_returns =
        |b: &syn::Block| matches!(b.stmts.last(), Some(syn::Stmt::Expr(Expr::Return(_), _)));
    block_returns(&i.then_branch)
        && match i.else_branch.as_ref().map(|(_, e)| &**e) {
            Some(Expr::Block(b)) => block_returns(&b.block),
            Some(Expr::If(inner)) => ends_in_return(inner),
            _ => false,
        }
}

impl Lowerer<'_> {
    /// Index of the scope that binds `name`.
    pub(super) fn scope_of(&self, name: &str) -> Option<usize> {
        self.scopes.iter().rposition(|s| s.contains_key(name))
    }

    /// Records that the body of every enclosing loop that carries `name` reads its value.
    pub(super) fn note_read(&self, name: &str) {
        for ctx in &self.loops {
            if ctx.carried.iter().any(|c| c == name) {
                ctx.reads.borrow_mut().insert(name.to_string());
            }
        }
    }

    /// [`Self::note_read`] from a context that only borrows the lowerer.
    pub(super) fn note_read_shared(&self, name: &str) {
        self.note_read(name);
    }

    /// A read of storage by name: an array written element by element is read through a copy, so that
    /// later writes do not change what the reverse sweep sees; inside a loop that writes it, reading it
    /// is not supported.
    pub(super) fn read_storage(&mut self, v: VarId, ident: &Ident) -> Lowered<Operand> {
        if self.loops.iter().any(|l| l.writes.contains(&v)) {
            return Err(self.errors.at(ident, format!("`{ident}` is read as a whole inside a loop that writes its elements; this is not supported. Read its elements (`{ident}[i]`) in the loop, or the whole array after it")));
        }
        Ok(self.push(
            prims::snapshot(),
            vec![Operand::Var(v)],
            Vec::new(),
            ident.span(),
        ))
    }

    pub(super) fn new_block(&mut self) -> Block {
        let id = self.next_block;
        self.next_block += 1;
        std::mem::replace(
            &mut self.block,
            Block {
                id,
                stmts: Vec::new(),
            },
        )
    }

    /// Lowers an arm in its own block and scope; returns the block, its value (as
    /// [`Self::lower_stmts`] gives it), and the names of the enclosing code that it assigned, each with
    /// its binding before the arm and at its end. Those names are bound again as before the arm, for the
    /// other arm.
    pub(super) fn lower_arm(
        &mut self,
        body: impl FnOnce(&mut Self) -> Lowered<Option<Operand>>,
    ) -> (Block, Lowered<Option<Operand>>, Vec<ArmChange>) {
        let enclosing = self.new_block();
        let depth = self.scopes.len();
        let start = self.rebinds.len();
        self.scopes.push(HashMap::new());
        let value = body(self);
        // The arm's own declarations go with its scope; what remains are its assignments to the names
        // of the enclosing code, which are undone for the other arm.
        self.scopes.pop();
        let mut changes: Vec<ArmChange> = Vec::new();
        for (name, before, k) in &self.rebinds[start..] {
            if *k < depth && !changes.iter().any(|c| &c.name == name) {
                changes.push(ArmChange {
                    name: name.clone(),
                    before: before.clone(),
                    after: self.scopes[*k][name].clone(),
                    scope: *k,
                });
            }
        }
        for c in &changes {
            self.scopes[c.scope].insert(c.name.clone(), c.before.clone());
        }
        let block = std::mem::replace(&mut self.block, enclosing);
        (block, value, changes)
    }

    /// Records that a constant declared outside the regions being lowered changes in them.
    pub(super) fn note_mutation(&mut self, name: &str, emitted: &Ident) {
        let Some(depth) = self.scope_of(name) else {
            return;
        };
        for (scope_depth, changed) in &mut self.mutations {
            if depth < *scope_depth && !changed.contains(emitted) {
                changed.push(emitted.clone());
            }
        }
    }

    /// Statements of a block whose `break`/`continue` guard the statements after them; with `value`,
    /// the final expression is the block's value. Outside loops, `if c { ..; return v; }` makes the
    /// statements after it the `else` arm, and a final `return v;` is the value.
    ///
    /// A `return` is a value only in the function's tail: its last statement, the arms of a final `if`,
    /// and the guards of a tail with the statements after them. Everywhere else the desugaring has
    /// rewritten it; one left there is an error, never a value of the wrong expression.
    ///
    /// `Ok(None)`: the statements give no value, without an error of theirs: there are none, they leave
    /// with `break`/`continue`, or no value was asked for. Whether that is a problem is the caller's
    /// to say.
    pub(super) fn lower_stmts(
        &mut self,
        stmts: &[syn::Stmt],
        value: bool,
    ) -> Lowered<Option<Operand>> {
        let tail = std::mem::replace(&mut self.tail, false);
        let result = self.lower_stmts_in(stmts, value, tail);
        self.tail = tail;
        result
    }

    pub(super) fn lower_stmts_in(
        &mut self,
        stmts: &[syn::Stmt],
        value: bool,
        tail: bool,
    ) -> Lowered<Option<Operand>> {
        let tail = tail && value && self.loops.is_empty();
        for (k, stmt) in stmts.iter().enumerate() {
            let last = k + 1 == stmts.len();
            if tail && !last {
                if let Some(chain) = guard_chain(stmt, &stmts[k + 1..]) {
                    self.tail = true;
                    return self.lower_if(&chain, true).map(Some);
                }
            }
            if tail && last {
                match stmt {
                    syn::Stmt::Expr(Expr::Return(r), _) => {
                        let Some(e) = &r.expr else {
                            return Err(self.errors.at(r, "`return` needs the function's value"));
                        };
                        return self.lower_expr(e).map(Some);
                    }
                    syn::Stmt::Expr(Expr::If(i), semi) if semi.is_none() || ends_in_return(i) => {
                        self.tail = true;
                        return self.lower_if(i, true).map(Some);
                    }
                    _ => {}
                }
            }
            match stmt {
                syn::Stmt::Expr(e, None) if last && value => return self.lower_expr(e).map(Some),
                syn::Stmt::Expr(Expr::Break(b), _) => {
                    self.lower_break(b)?;
                    return Ok(None);
                }
                syn::Stmt::Expr(Expr::Continue(c), _) => {
                    self.lower_continue(c)?;
                    return Ok(None);
                }
                _ => self.lower_stmt(stmt),
            }
            if !last && !self.loops.is_empty() && may_exit(stmt) {
                let ctx = self.loops.last().expect("in a loop");
                let flags: Vec<&Ident> = ctx.brk.iter().chain(ctx.cont.iter()).collect();
                let cond: Expr = syn::parse_quote!(!(false #(|| #flags)*));
                let rest = rest_block(&stmts[k + 1..], stmt);
                let Expr::Block(rest) = rest else {
                    unreachable!("rest_block makes a block")
                };
                return self
                    .lower_if_parts(&cond, &rest.block, None, value, stmt)
                    .map(Some);
            }
        }
        if value {
            if let Some(last) = stmts.last() {
                return Err(self.errors.at(last, "this block must end with a value"));
            }
        }
        Ok(None)
    }

    /// With `value`, the value of the `if`; without, `()`.
    pub(super) fn lower_if(&mut self, i: &syn::ExprIf, value: bool) -> Lowered<Operand> {
        let else_ = i.else_branch.as_ref().map(|(_, e)| &**e);
        self.lower_if_parts(&i.cond, &i.then_branch, else_, value, i)
    }

    /// `if cond { then } else { else_ }`: the condition becomes a constant flag; names assigned in an arm
    /// are joined after the branch.
    pub(super) fn lower_if_parts(
        &mut self,
        cond: &Expr,
        then_branch: &syn::Block,
        else_: Option<&Expr>,
        value: bool,
        whole: &dyn ToTokens,
    ) -> Lowered<Operand> {
        if let Expr::Let(l) = strip_parens(cond) {
            return Err(self.errors.at(l, "`if let` is not supported in a #[differentiable] function; test the condition with a comparison"));
        }
        let cond = match self.lower_expr(cond)? {
            Operand::Const(tokens) => tokens,
            Operand::Var(_) => {
                return Err(self.errors.at(
                    cond,
                    "the condition of an `if` must be a `bool`, such as a comparison `x > 0.0`",
                ));
            }
        };
        if value && else_.is_none() {
            return Err(self
                .errors
                .at(whole, "an `if` that gives a value needs an `else`"));
        }
        let flag = self.namer.numbered("branch");
        self.block.stmts.push(Stmt::Verbatim {
            tokens: quote!(let #flag: bool = #cond;),
            reads: Vec::new(),
        });
        self.const_blocks.insert(flag.to_string(), self.block.id);
        self.mutations.push((self.scopes.len(), Vec::new()));
        let (then_, then_value, then_changes) =
            self.lower_arm(|lw| lw.lower_stmts(&then_branch.stmts, value));
        let (else_, else_value, else_changes) = match else_ {
            None => (
                Block {
                    id: usize::MAX,
                    stmts: Vec::new(),
                },
                Ok(None),
                Vec::new(),
            ),
            Some(e) => self.lower_arm(|lw| match e {
                Expr::Block(b) => lw.lower_stmts(&b.block.stmts, value),
                Expr::If(i) => lw.lower_if(i, value).map(Some),
                other => lw.lower_expr(other).map(Some),
            }),
        };
        let (_, changed) = self.mutations.pop().expect("pushed above");
        let changed = self.region_counters(&[&then_, &else_], changed);
        let mut restore = Vec::new();
        for c in changed {
            let saved = self.namer.numbered("before_branch");
            self.block.stmts.push(Stmt::Verbatim {
                tokens: quote!(let #saved = ::core::clone::Clone::clone(&#c);),
                reads: Vec::new(),
            });
            restore.push((c, saved));
        }
        let else_ = if else_.id == usize::MAX {
            Block {
                id: self.fresh_block_id(),
                stmts: Vec::new(),
            }
        } else {
            else_
        };
        let as_operand = |b: &Binding| match b {
            Binding::Var(v) => Some(Operand::Var(*v)),
            Binding::Const(name) => Some(Operand::Const(quote!(#name))),
            Binding::Poisoned(_) => None,
        };
        // Each name an arm assigned: (before, at the end of `then`, at the end of `else`), by name.
        let mut assigned: std::collections::BTreeMap<String, (Binding, Binding, Binding)> =
            std::collections::BTreeMap::new();
        for c in then_changes {
            assigned.insert(c.name, (c.before.clone(), c.after, c.before));
        }
        for c in else_changes {
            assigned
                .entry(c.name)
                .or_insert_with(|| (c.before.clone(), c.before.clone(), c.before))
                .2 = c.after;
        }
        let mut joins = Vec::new();
        let mut rebound = Vec::new();
        for (name, (before, t, e)) in &assigned {
            if *t == *before && *e == *before {
                continue;
            }
            let (Some(then_value), Some(else_value)) = (as_operand(t), as_operand(e)) else {
                continue;
            };
            let var = self.new_var(name, VarKind::Local, Span::call_site());
            joins.push(Join {
                zero_of: None,
                var,
                then_value,
                else_value,
            });
            rebound.push((name.clone(), var));
        }
        let result = if value {
            let (then_value, else_value) = match (then_value, else_value) {
                (Ok(Some(then_value)), Ok(Some(else_value))) => (then_value, else_value),
                (Err(reported), _) | (_, Err(reported)) => return Err(reported),
                // An arm gave no value and said nothing about it.
                _ => return Err(self.errors.at(whole, "each arm of this `if` must give a value (or leave with `return`, `continue` or `break` as its last statement)")),
            };
            let var = self.new_var("t", VarKind::Temp, Span::call_site());
            joins.push(Join {
                zero_of: None,
                var,
                then_value,
                else_value,
            });
            Operand::Var(var)
        } else {
            Operand::Const(quote!(()))
        };
        self.block.stmts.push(Stmt::If(Box::new(If {
            flag,
            restore,
            then_,
            else_,
            joins,
        })));
        for (name, var) in rebound {
            self.rebind(&name, Binding::Var(var));
        }
        Ok(result)
    }

    /// The constants a region (the blocks of a branch or a loop body) must find as they were when its
    /// rerun starts: those it `changed`, and the counters it reads (the code after it may change them),
    /// each declared outside the region. One declared inside (`a = 1.0;` of a name that held a value
    /// declares one there) has no value before the region.
    pub(super) fn region_counters(&self, blocks: &[&Block], changed: Vec<Ident>) -> Vec<Ident> {
        let mut inner = HashSet::new();
        let mut names = HashSet::new();
        for b in blocks {
            inner.extend(visit::block_ids(b));
            names.extend(block_idents(b));
        }
        let mut read: Vec<Ident> = names
            .into_iter()
            .filter(|n| self.mutable_consts.contains(n))
            .map(|n| Ident::new(&n, Span::call_site()))
            .collect();
        read.sort_by_key(|c| c.to_string());
        let mut counters = changed;
        for c in read {
            if !counters.contains(&c) {
                counters.push(c);
            }
        }
        counters.retain(|c| {
            self.const_blocks
                .get(&c.to_string())
                .is_none_or(|b| !inner.contains(b))
        });
        counters
    }

    pub(super) fn fresh_block_id(&mut self) -> usize {
        self.next_block += 1;
        self.next_block - 1
    }
}
