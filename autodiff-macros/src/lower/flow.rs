//! Lowering of control flow: branches with the values they join, loops with the values they carry,
//! `break`/`continue` as flags that guard the rest of the body, element reads and writes.

use super::{strip_parens, Binding, Lowerer};
use crate::ir::{
    visit, Block, Carry, ElemWrite, If, Join, Loop, LoopKind, Operand, Stmt, VarId, VarKind,
};
use crate::prims;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, ToTokens};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::Expr;

/// A name of the enclosing code that an arm of a branch assigned.
struct ArmChange {
    /// The name.
    name: String,
    /// Its binding before the arm.
    before: Binding,
    /// Its binding at the end of the arm.
    after: Binding,
    /// The index of the scope that declares it.
    scope: usize,
}

/// What the lowering knows of a loop while lowering its body.
pub(super) struct LoopCtx {
    /// Names whose values the loop carries.
    carried: Vec<String>,
    /// Carried names that the body reads other than by `+=`/`-=` into them.
    reads: RefCell<HashSet<String>>,
    /// Arrays the body writes element by element.
    writes: Vec<VarId>,
    /// The `break` flag.
    brk: Option<Ident>,
    /// The `continue` flag.
    cont: Option<Ident>,
    /// The number of scopes outside the body: bindings found there belong to the enclosing code.
    scope_depth: usize,
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
fn block_idents(block: &Block) -> HashSet<String> {
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
fn ends_in_return(i: &syn::ExprIf) -> bool {
    let block_returns =
        |b: &syn::Block| matches!(b.stmts.last(), Some(syn::Stmt::Expr(Expr::Return(_), _)));
    block_returns(&i.then_branch)
        && match i.else_branch.as_ref().map(|(_, e)| &**e) {
            Some(Expr::Block(b)) => block_returns(&b.block),
            Some(Expr::If(inner)) => ends_in_return(inner),
            _ => false,
        }
}

/// Whether a loop's iterator is a range, possibly reversed, stepped, skipped or taken from: its reverse
/// replays it with `.rev()`.
fn is_range(e: &Expr) -> bool {
    match strip_parens(e) {
        Expr::Range(r) => r.start.is_some() && r.end.is_some(),
        Expr::MethodCall(m) => {
            matches!(
                m.method.to_string().as_str(),
                "rev" | "step_by" | "skip" | "take"
            ) && is_range(&m.receiver)
        }
        _ => false,
    }
}

/// Whether a statement may `break` or `continue` the loop it is in (not a nested one).
fn may_exit(stmt: &syn::Stmt) -> bool {
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

/// What a loop body assigns: `(name, right-hand side, element write?, local?)` (a `let` counts as an
/// assignment of its initializer; `local` says the name then refers to a variable declared in the body),
/// the names it declares, and whether it breaks or continues.
fn scan_assignments(body: &syn::Block) -> BodyScan {
    #[derive(Default)]
    struct Scan {
        assigned: Vec<(Ident, Expr, bool, bool)>,
        declared: HashSet<String>,
        scopes: Vec<HashSet<String>>,
        brk: bool,
        cont: bool,
        depth: usize,
    }
    impl Scan {
        fn local(&self, name: &str) -> bool {
            self.scopes.iter().any(|s| s.contains(name))
        }
        fn declare(&mut self, names: Vec<String>) {
            if let Some(scope) = self.scopes.last_mut() {
                scope.extend(names.iter().cloned());
            }
            self.declared.extend(names);
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
                self.assigned.push((name, (*a.right).clone(), elem, local));
            }
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
            if super::is_compound(&b.op) {
                if let Some((name, elem)) = target(&b.left) {
                    let local = self.local(&name.to_string());
                    self.assigned.push((name, (*b.right).clone(), elem, local));
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
                self.assigned
                    .push((ident, (*init.expr).clone(), false, true));
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
        declared: scan.declared,
        brk: scan.brk,
        cont: scan.cont,
    }
}

/// What [`scan_assignments`] finds in a loop body.
struct BodyScan {
    /// `(name, right-hand side, element write?, local?)` of every assignment and `let`.
    assigned: Vec<(Ident, Expr, bool, bool)>,
    /// The names the body declares.
    declared: HashSet<String>,
    /// Whether it breaks the loop.
    brk: bool,
    /// Whether it continues the loop.
    cont: bool,
}

/// The identifiers an expression mentions; a float literal counts as the name `"<float>"`.
fn mentions(e: &Expr) -> Vec<String> {
    fn walk(tokens: TokenStream, out: &mut Vec<String>) {
        for tt in tokens {
            match tt {
                proc_macro2::TokenTree::Ident(i) => out.push(i.to_string()),
                proc_macro2::TokenTree::Literal(l) => {
                    let text = l.to_string();
                    let float = !text.starts_with("0x")
                        && (text.contains('.')
                            || text.ends_with("f32")
                            || text.ends_with("f64")
                            || text.contains('e'))
                        && !text.starts_with('"')
                        && !text.starts_with('\'');
                    if float {
                        out.push("<float>".to_string());
                    }
                }
                proc_macro2::TokenTree::Group(g) => walk(g.stream(), out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(e.to_token_stream(), &mut out);
    out
}

impl LoopCtx {
    /// Whether the loop carries `name`.
    pub(super) fn carried_contains(&self, name: &str) -> bool {
        self.carried.iter().any(|c| c == name)
    }

    /// The number of scopes outside the body.
    pub(super) fn scope_depth(&self) -> usize {
        self.scope_depth
    }
}

impl Lowerer<'_> {
    /// Index of the scope that binds `name`.
    fn scope_of(&self, name: &str) -> Option<usize> {
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
    pub(super) fn read_storage(&mut self, v: VarId, ident: &Ident) -> Option<Operand> {
        if self.loops.iter().any(|l| l.writes.contains(&v)) {
            self.errors.at(ident, format!("`{ident}` is read as a whole inside a loop that writes its elements; this is not supported. Read its elements (`{ident}[i]`) in the loop, or the whole array after it"));
            return None;
        }
        Some(self.push(
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

    /// Lowers an arm in its own block and scope; returns the block, its value, and the names of the
    /// enclosing code that it assigned, each with its binding before the arm and at its end. Those
    /// names are bound again as before the arm, for the other arm.
    fn lower_arm(
        &mut self,
        body: impl FnOnce(&mut Self) -> Option<Operand>,
    ) -> (Block, Option<Operand>, Vec<ArmChange>) {
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
    pub(super) fn lower_stmts(&mut self, stmts: &[syn::Stmt], value: bool) -> Option<Operand> {
        let tail = std::mem::replace(&mut self.tail, false);
        let result = self.lower_stmts_in(stmts, value, tail);
        self.tail = tail;
        result
    }

    fn lower_stmts_in(&mut self, stmts: &[syn::Stmt], value: bool, tail: bool) -> Option<Operand> {
        let tail = tail && value && self.loops.is_empty();
        for (k, stmt) in stmts.iter().enumerate() {
            let last = k + 1 == stmts.len();
            if tail && !last {
                if let Some(chain) = guard_chain(stmt, &stmts[k + 1..]) {
                    self.tail = true;
                    return self.lower_if(&chain, true);
                }
            }
            if tail && last {
                match stmt {
                    syn::Stmt::Expr(Expr::Return(r), _) => {
                        let Some(e) = &r.expr else {
                            self.errors.at(r, "`return` needs the function's value");
                            return None;
                        };
                        return self.lower_expr(e);
                    }
                    syn::Stmt::Expr(Expr::If(i), semi) if semi.is_none() || ends_in_return(i) => {
                        self.tail = true;
                        return self.lower_if(i, true);
                    }
                    _ => {}
                }
            }
            match stmt {
                syn::Stmt::Expr(e, None) if last && value => return self.lower_expr(e),
                syn::Stmt::Expr(Expr::Break(b), _) => {
                    self.lower_break(b);
                    return None;
                }
                syn::Stmt::Expr(Expr::Continue(c), _) => {
                    self.lower_continue(c);
                    return None;
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
                return self.lower_if_parts(&cond, &rest.block, None, value, stmt);
            }
        }
        if value {
            if let Some(last) = stmts.last() {
                self.errors.at(last, "this block must end with a value");
            }
        }
        None
    }

    pub(super) fn lower_if(&mut self, i: &syn::ExprIf, value: bool) -> Option<Operand> {
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
    ) -> Option<Operand> {
        if let Expr::Let(l) = strip_parens(cond) {
            self.errors.at(l, "`if let` is not supported in a #[differentiable] function; test the condition with a comparison");
            return None;
        }
        let errors_before = self.errors_len();
        let cond = match self.lower_expr(cond)? {
            Operand::Const(tokens) => tokens,
            Operand::Var(_) => {
                self.errors.at(
                    cond,
                    "the condition of an `if` must be a `bool`, such as a comparison `x > 0.0`",
                );
                return None;
            }
        };
        if value && else_.is_none() {
            self.errors
                .at(whole, "an `if` that gives a value needs an `else`");
            return None;
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
                None,
                Vec::new(),
            ),
            Some(e) => self.lower_arm(|lw| match e {
                Expr::Block(b) => lw.lower_stmts(&b.block.stmts, value),
                Expr::If(i) => lw.lower_if(i, value),
                other => lw.lower_expr(other),
            }),
        };
        let (_, mut changed) = self.mutations.pop().expect("pushed above");
        for c in self.counters_read(&[&then_, &else_]) {
            if !changed.contains(&c) {
                changed.push(c);
            }
        }
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
            Binding::Poisoned => None,
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
                var,
                then_value,
                else_value,
            });
            rebound.push((name.clone(), var));
        }
        let result = if value {
            let (Some(then_value), Some(else_value)) = (then_value, else_value) else {
                if self.errors_len() == errors_before {
                    self.errors.at(whole, "each arm of this `if` must give a value (or leave with `return`, `continue` or `break` as its last statement)");
                }
                return None;
            };
            let var = self.new_var("t", VarKind::Temp, Span::call_site());
            joins.push(Join {
                var,
                then_value,
                else_value,
            });
            Some(Operand::Var(var))
        } else {
            None
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
        if value {
            result
        } else {
            Some(Operand::Const(quote!(())))
        }
    }

    /// The counters (constants declared `mut` outside these blocks) that the blocks read or change:
    /// a recomputation of the blocks in the reverse sweep must start from their values here.
    fn counters_read(&self, blocks: &[&Block]) -> Vec<Ident> {
        let mut inner = HashSet::new();
        let mut names = HashSet::new();
        for b in blocks {
            inner.extend(visit::block_ids(b));
            names.extend(block_idents(b));
        }
        let mut counters: Vec<Ident> = names
            .into_iter()
            .filter(|n| self.mutable_consts.contains(n))
            .filter(|n| self.const_blocks.get(n).is_none_or(|b| !inner.contains(b)))
            .map(|n| Ident::new(&n, Span::call_site()))
            .collect();
        counters.sort_by_key(|c| c.to_string());
        counters
    }

    fn fresh_block_id(&mut self) -> usize {
        self.next_block += 1;
        self.next_block - 1
    }

    /// Reports a loop label (not in the subset); true when there is one.
    fn rejects_label(&mut self, label: &Option<syn::Label>) -> bool {
        if let Some(label) = label {
            self.errors.at(
                label,
                "loop labels are not supported in a #[differentiable] function; leave nested loops with a flag checked after the inner loop (`if done { break; }`)",
            );
        }
        label.is_some()
    }

    pub(super) fn lower_for(&mut self, f: &syn::ExprForLoop) {
        if self.rejects_label(&f.label) {
            return;
        }
        let (pat, by_ref) = match &*f.pat {
            syn::Pat::Reference(r) if r.mutability.is_none() => (&*r.pat, false),
            other => (other, true),
        };
        let pattern = match pat {
            syn::Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => Some(p.ident.clone()),
            syn::Pat::Wild(_) => None,
            other => {
                return self
                    .errors
                    .at(other, "the loop variable must be a name (`for i in 0..n`)")
            }
        };
        // `for v in x.iter()` over a differentiable `x`: an index loop that reads `x[i]`.
        if let Expr::MethodCall(m) = strip_parens(&f.expr) {
            if m.method == "iter" && m.args.is_empty() {
                if let Some(Operand::Var(x)) = self.lower_expr(&m.receiver) {
                    let index = self.namer.numbered("i");
                    let x_name = self.vars[x.0].name.clone();
                    let iter = quote!(0..::autodiff::__private::count(&#x_name));
                    self.const_reads.push(x);
                    return self.lower_loop(
                        LoopKind::Range {
                            index: index.clone(),
                            iter,
                        },
                        &f.body,
                        Some((x, index, pattern, by_ref)),
                        None,
                    );
                }
            }
        }
        let mut element_ref = false;
        let iter = match self.lower_expr(&f.expr) {
            Some(Operand::Const(tokens)) if !is_range(&f.expr) => {
                // Elements of a collection of constants, collected once (owned, so that a pullback can
                // own them too), so that the reverse sweep replays them backwards: `for k in ks`, and
                // `for v in w.iter()` / `for v in &w`, whose `v` reads as a reference as in the source.
                let items = self.namer.numbered("items");
                let borrowed = match strip_parens(&f.expr) {
                    Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => {
                        Some(&*m.receiver)
                    }
                    Expr::Reference(r) if r.mutability.is_none() => Some(&*r.expr),
                    _ => None,
                };
                let collect = match borrowed {
                    Some(receiver) => {
                        let receiver = self.rewrite_expr(receiver);
                        quote!(::core::iter::Iterator::cloned((#receiver).iter()).collect())
                    }
                    None => quote!(::core::iter::IntoIterator::into_iter(#tokens).collect()),
                };
                self.block.stmts.push(Stmt::Verbatim {
                    tokens: quote!(let #items: ::std::vec::Vec<_> = #collect;),
                    reads: Vec::new(),
                });
                element_ref = borrowed.is_some() && by_ref;
                quote!(::core::iter::Iterator::cloned(#items.iter()))
            }
            Some(Operand::Const(tokens)) => tokens,
            Some(Operand::Var(_)) => {
                return self.errors.at(&f.expr, "a `for` loop runs over a range of constants (`a..b`, `(a..b).rev()`, `(a..b).step_by(k)`) or over `x.iter()`");
            }
            None => return,
        };
        let index = match &pattern {
            Some(p) => self.namer.user(&p.to_string(), p.span()),
            None => self.namer.numbered("i"),
        };
        if element_ref {
            self.const_refs.insert(index.to_string());
        }
        self.lower_loop(
            LoopKind::Range {
                index: index.clone(),
                iter,
            },
            &f.body,
            None,
            pattern.map(|p| (p, index)),
        );
    }

    pub(super) fn lower_while(&mut self, w: &syn::ExprWhile) {
        if self.rejects_label(&w.label) {
            return;
        }
        let BodyScan {
            assigned,
            declared,
            brk,
            cont,
        } = scan_assignments(&w.body);
        let carried = self.carried_names(&assigned, &declared, &[]);
        // The condition is evaluated at the head of each iteration, over the carried storage.
        let _ = (brk, cont);
        let setup = self.enter_loop(&carried, &assigned, &declared, &w.body);
        let Some(setup) = setup else { return };
        let cond = match self.lower_expr(&w.cond) {
            Some(Operand::Const(tokens)) => tokens,
            Some(Operand::Var(_)) => {
                self.errors.at(
                    &w.cond,
                    "the condition of a `while` must be a `bool`, such as a comparison",
                );
                return;
            }
            None => return,
        };
        self.finish_loop(setup, LoopKind::While { cond }, &w.body, None, None);
    }

    pub(super) fn lower_infinite(&mut self, l: &syn::ExprLoop) {
        if self.rejects_label(&l.label) {
            return;
        }
        let BodyScan {
            assigned,
            declared,
            brk,
            cont: _,
        } = scan_assignments(&l.body);
        if !brk {
            return self.errors.at(l, "a `loop` without `break` never ends");
        }
        let carried = self.carried_names(&assigned, &declared, &[]);
        let Some(setup) = self.enter_loop(&carried, &assigned, &declared, &l.body) else {
            return;
        };
        self.finish_loop(setup, LoopKind::Infinite, &l.body, None, None);
    }

    fn lower_loop(
        &mut self,
        kind: LoopKind,
        body: &syn::Block,
        element: Option<(VarId, Ident, Option<Ident>, bool)>,
        index: Option<(Ident, Ident)>,
    ) {
        let BodyScan {
            assigned,
            declared,
            brk: _,
            cont: _,
        } = scan_assignments(body);
        let seeds: Vec<String> = element
            .iter()
            .filter_map(|(_, _, p, _)| p.as_ref().map(|p| p.to_string()))
            .collect();
        let carried = self.carried_names(&assigned, &declared, &seeds);
        let Some(setup) = self.enter_loop(&carried, &assigned, &declared, body) else {
            return;
        };
        self.finish_loop(setup, kind, body, element, index);
    }

    /// The names a loop body assigns that belong to the enclosing code and carry values: those bound
    /// to variables, and constants that receive a float value (`s += x[i]` on `let mut s = 0.0`). A name
    /// is a float if it is bound to a variable, is one of `seeds` (an element loop's variable), or is
    /// assigned an expression that mentions a float or a float literal; integer counters stay constants.
    fn carried_names(
        &self,
        assigned: &[(Ident, Expr, bool, bool)],
        declared: &HashSet<String>,
        seeds: &[String],
    ) -> Vec<String> {
        let mut float: HashSet<String> = seeds.iter().cloned().collect();
        float.insert("<float>".to_string());
        // Arrays written element by element hold floats.
        for (ident, _, elem, _) in assigned {
            if *elem {
                float.insert(ident.to_string());
            }
        }
        loop {
            let before = float.len();
            for (ident, rhs, elem, local) in assigned {
                let name = &ident.to_string();
                if *elem || float.contains(name) {
                    continue;
                }
                let bound_var = !local && matches!(self.lookup(name), Some(Binding::Var(_)));
                let mentions_float = mentions(rhs).iter().any(|m| {
                    float.contains(m)
                        || (!declared.contains(m)
                            && matches!(self.lookup(m), Some(Binding::Var(_))))
                });
                if bound_var || mentions_float {
                    float.insert(name.clone());
                }
            }
            if float.len() == before {
                break;
            }
        }
        let mut carried: Vec<String> = Vec::new();
        for (ident, _, elem, local) in assigned {
            let name = &ident.to_string();
            let outer =
                !local && matches!(self.lookup(name), Some(Binding::Var(_) | Binding::Const(_)));
            if !elem && outer && float.contains(name) && !carried.contains(name) {
                carried.push(name.clone());
            }
        }
        carried
    }

    /// Before a loop: storage for every carried value and for every array the body writes.
    fn enter_loop(
        &mut self,
        carried: &[String],
        assigned: &[(Ident, Expr, bool, bool)],
        declared: &HashSet<String>,
        body: &syn::Block,
    ) -> Option<LoopSetup> {
        let mut storages = Vec::new();
        for name in carried {
            let value = match self.lookup(name)? {
                Binding::Var(v) => Operand::Var(*v),
                Binding::Const(c) => Operand::Const(quote!(#c)),
                Binding::Poisoned => return None,
            };
            let storage = self.new_var(
                &format!("{name}_carried"),
                VarKind::Storage,
                Span::call_site(),
            );
            self.block.stmts.push(Stmt::Init {
                storage,
                value: value.clone(),
            });
            self.rebind(name, Binding::Var(storage));
            storages.push((name.clone(), storage, value));
        }
        let mut writes = Vec::new();
        let mut consts = Vec::new();
        let _ = declared;
        for (ident, _, elem, local) in assigned {
            let name = &ident.to_string();
            if *local {
                continue;
            }
            if *elem {
                if carried.contains(name) {
                    self.errors.at(ident, format!("`{name}` is both assigned and written element by element in this loop; this is not supported yet"));
                    return None;
                }
                if let Some(storage) = self.ensure_storage(ident) {
                    if !writes.contains(&storage) {
                        writes.push(storage);
                    }
                }
            } else if !carried.contains(name) {
                if let Some(Binding::Const(c)) = self.lookup(name) {
                    if !consts.contains(c) {
                        consts.push(c.clone());
                    }
                }
            }
        }
        let BodyScan {
            assigned: _,
            declared: _,
            brk,
            cont,
        } = scan_assignments(body);
        let brk = brk.then(|| self.namer.numbered("broke"));
        let cont = cont.then(|| self.namer.numbered("continued"));
        Some(LoopSetup {
            storages,
            writes,
            consts,
            brk,
            cont,
        })
    }

    /// Lowers the body and pushes the loop; after it, each carried name is bound to a copy of its storage.
    fn finish_loop(
        &mut self,
        setup: LoopSetup,
        kind: LoopKind,
        body: &syn::Block,
        element: Option<(VarId, Ident, Option<Ident>, bool)>,
        index: Option<(Ident, Ident)>,
    ) {
        let LoopSetup {
            storages,
            writes,
            consts,
            brk,
            cont,
        } = setup;
        let id = self.next_loop;
        self.next_loop += 1;
        let enclosing = self.new_block();
        self.scopes.push(HashMap::new());
        self.loops.push(LoopCtx {
            carried: storages.iter().map(|(n, _, _)| n.clone()).collect(),
            reads: RefCell::new(HashSet::new()),
            writes: writes.clone(),
            brk: brk.clone(),
            cont: cont.clone(),
            scope_depth: self.scopes.len() - 1,
        });
        for flag in brk.iter().chain(cont.iter()) {
            self.block.stmts.push(Stmt::Verbatim {
                tokens: quote!(let mut #flag = false;),
                reads: Vec::new(),
            });
            self.bind(&flag.to_string(), Binding::Const(flag.clone()));
            self.mutable_consts.insert(flag.to_string());
            self.const_blocks.insert(flag.to_string(), self.block.id);
        }
        if let Some((pattern, emitted)) = index {
            self.const_blocks.insert(emitted.to_string(), self.block.id);
            self.bind(&pattern.to_string(), Binding::Const(emitted));
        }
        if let Some((x, index, pattern, by_ref)) = element {
            let v = self.push(
                prims::element(),
                vec![Operand::Var(x)],
                vec![quote!(#index)],
                Span::call_site(),
            );
            if let (Some(p), Operand::Var(var)) = (pattern, &v) {
                let name = self.namer.user(&p.to_string(), p.span());
                self.vars[var.0].name = name;
                self.vars[var.0].kind = VarKind::Local;
                if by_ref {
                    self.elem_refs.insert(*var);
                }
                self.bind(&p.to_string(), Binding::Var(*var));
            }
        }
        let mut carries = Vec::new();
        for (name, storage, _) in &storages {
            let entry = self.push(
                prims::carry(),
                vec![Operand::Var(*storage)],
                Vec::new(),
                Span::call_site(),
            );
            let entry = entry.var().expect("an instruction defines a variable");
            let emitted = self.namer.user(name, Span::call_site());
            self.vars[entry.0].name = emitted;
            self.vars[entry.0].kind = VarKind::Local;
            self.bind(name, Binding::Var(entry));
            carries.push((name.clone(), *storage, entry));
        }
        let inits: HashMap<VarId, Operand> =
            storages.iter().map(|(_, s, v)| (*s, v.clone())).collect();
        // The body's own declarations live in a scope inside the one of the carried values, so that a
        // `let` that shadows a carried name leaves the carried value as it was last assigned.
        self.scopes.push(HashMap::new());
        self.lower_stmts(&body.stmts, false);
        self.scopes.pop();
        let ctx = self.loops.pop().expect("pushed above");
        let read = ctx.reads.into_inner();
        let mut carried = Vec::new();
        for (name, storage, entry) in carries {
            let value = match self.scopes.last().and_then(|s| s.get(&name)) {
                Some(Binding::Var(v)) => Operand::Var(*v),
                Some(Binding::Const(c)) => Operand::Const(quote!(#c)),
                _ => Operand::Var(entry),
            };
            self.block.stmts.push(Stmt::WriteBack { storage, value });
            carried.push(Carry {
                storage,
                init: inits[&storage].clone(),
                saved: read.contains(&name),
            });
        }
        self.scopes.pop();
        let body = std::mem::replace(&mut self.block, enclosing);
        // Counters the body reads are saved with each iteration too: the reverse sweep recomputes the
        // body after the code that follows may have changed them.
        let mut consts = consts;
        for c in self.counters_read(&[&body]) {
            if !consts.contains(&c) {
                consts.push(c);
            }
        }
        self.block.stmts.push(Stmt::Loop(Box::new(Loop {
            kind,
            body,
            carried,
            carried_consts: consts,
            writes,
            brk,
            id,
        })));
        let _ = cont;
        for (name, storage, _) in storages {
            let after = self.push(
                prims::snapshot(),
                vec![Operand::Var(storage)],
                Vec::new(),
                Span::call_site(),
            );
            let after = after.var().expect("an instruction defines a variable");
            let emitted = self.namer.user(&name, Span::call_site());
            self.vars[after.0].name = emitted;
            self.vars[after.0].kind = VarKind::Local;
            self.rebind(&name, Binding::Var(after));
        }
    }

    pub(super) fn lower_break(&mut self, b: &syn::ExprBreak) {
        if b.label.is_some() || b.expr.is_some() {
            return self.errors.at(
                b,
                "`break` with a label or a value is not supported; use a plain `break`",
            );
        }
        match self.loops.last().and_then(|l| l.brk.clone()) {
            Some(flag) => {
                self.note_mutation(&flag.to_string(), &flag);
                self.block.stmts.push(Stmt::Verbatim {
                    tokens: quote!(#flag = true;),
                    reads: Vec::new(),
                })
            }
            None => self.errors.at(b, "`break` outside a loop"),
        }
    }

    pub(super) fn lower_continue(&mut self, c: &syn::ExprContinue) {
        if c.label.is_some() {
            return self
                .errors
                .at(c, "`continue` with a label is not supported");
        }
        match self.loops.last().and_then(|l| l.cont.clone()) {
            Some(flag) => {
                self.note_mutation(&flag.to_string(), &flag);
                self.block.stmts.push(Stmt::Verbatim {
                    tokens: quote!(#flag = true;),
                    reads: Vec::new(),
                })
            }
            None => self.errors.at(c, "`continue` outside a loop"),
        }
    }

    /// `x[i]`: a read of one element (the index is a constant).
    pub(super) fn lower_index(&mut self, i: &syn::ExprIndex, whole: &Expr) -> Option<Operand> {
        let base = match strip_parens(&i.expr) {
            Expr::Path(p) if p.path.get_ident().is_some() => {
                let ident = p.path.get_ident().expect("checked");
                match self.lookup(&ident.to_string()).cloned() {
                    Some(Binding::Var(v)) => {
                        if self.loops.iter().any(|l| l.writes.contains(&v))
                            && !self.logged.contains(&v)
                        {
                            self.logged.push(v);
                        }
                        self.note_read(&ident.to_string());
                        Operand::Var(v)
                    }
                    Some(Binding::Poisoned) => return None,
                    _ => return Some(self.constant(whole)),
                }
            }
            other => self.lower_expr(other)?,
        };
        if matches!(base, Operand::Const(_)) {
            return Some(self.constant(whole));
        }
        let (index, reads) = self.rewrite_tokens(strip_parens(&i.index).to_token_stream());
        // Names in a constant argument are read for their shapes (`x.len()`): keep them computed.
        self.const_reads.extend(reads);
        let index = self.freeze(index);
        Some(self.push(
            prims::index(),
            vec![base],
            vec![index],
            super::first_span(whole),
        ))
    }

    /// The storage of a local array that is written element by element, made on its first write.
    fn ensure_storage(&mut self, ident: &Ident) -> Option<VarId> {
        match self.lookup(&ident.to_string()).cloned() {
            Some(Binding::Var(v)) => match self.vars[v.0].kind {
                VarKind::Storage => Some(v),
                VarKind::Param(_) | VarKind::ClosureParam
                    if !self.mut_aliases.contains(&ident.to_string()) =>
                {
                    self.errors.at(ident, format!("`{ident}` is a parameter: a #[differentiable] function does not write into its inputs. Copy it first: `let mut {ident} = {ident}.to_owned();`"));
                    None
                }
                _ => {
                    let storage = self.new_var(&ident.to_string(), VarKind::Storage, ident.span());
                    self.block.stmts.push(Stmt::Init {
                        storage,
                        value: Operand::Var(v),
                    });
                    self.rebind(&ident.to_string(), Binding::Var(storage));
                    Some(storage)
                }
            },
            Some(Binding::Const(name)) => {
                // The constant's own `let mut` is the storage: it becomes a variable in place (and is
                // no longer a counter to save).
                self.mutable_consts.remove(&name.to_string());
                let block = self
                    .const_blocks
                    .get(&name.to_string())
                    .copied()
                    .unwrap_or(0);
                self.vars.push(crate::ir::Var {
                    name,
                    kind: VarKind::Storage,
                    block,
                });
                let storage = VarId(self.vars.len() - 1);
                self.rebind(&ident.to_string(), Binding::Var(storage));
                Some(storage)
            }
            Some(Binding::Poisoned) => None,
            None => {
                self.errors.at(
                    ident,
                    format!("`{ident}` is not a local variable of this function"),
                );
                None
            }
        }
    }

    /// `y[i] = e`, `y[i] += e`, `y[i] -= e` into a local array.
    pub(super) fn lower_element_write(
        &mut self,
        left: &Expr,
        op: Option<&syn::BinOp>,
        right: &Expr,
    ) {
        let Expr::Index(target) = strip_parens(left) else {
            return;
        };
        let Expr::Path(p) = strip_parens(&target.expr) else {
            return self.errors.at(
                &target.expr,
                "element writes go into a local array named by a variable (`y[i] = ..`)",
            );
        };
        let Some(ident) = p.path.get_ident().cloned() else {
            return self.errors.at(
                p,
                "element writes go into a local array named by a variable",
            );
        };
        if let Some(Binding::Var(v)) = self.lookup(&ident.to_string()) {
            if matches!(
                self.vars[v.0].kind,
                VarKind::Param(_) | VarKind::ClosureParam
            ) && !self.mut_aliases.contains(&ident.to_string())
            {
                return self.errors.at(&ident, format!("`{ident}` is a parameter: a #[differentiable] function does not write into its inputs. Copy it first: `let mut {ident} = {ident}.to_owned();`"));
            }
        }
        if let (Some(depth), Some(ctx)) = (self.scope_of(&ident.to_string()), self.loops.last()) {
            let storage_known = matches!(self.lookup(&ident.to_string()), Some(Binding::Var(v)) if ctx.writes.contains(v));
            if depth < ctx.scope_depth && !storage_known {
                return self.errors.at(
                    &ident,
                    format!("`{ident}` could not be analysed as an array this loop writes"),
                );
            }
        }
        let kind = match op {
            None | Some(syn::BinOp::MulAssign(_)) | Some(syn::BinOp::DivAssign(_)) => {
                ElemWrite::Set
            }
            Some(syn::BinOp::AddAssign(_)) => ElemWrite::Add,
            Some(syn::BinOp::SubAssign(_)) => ElemWrite::Sub,
            Some(other) => {
                return self.errors.at(other, "this compound assignment cannot write an element; use `=`, `+=`, `-=`, `*=` or `/=`");
            }
        };
        let value = self.lower_expr(right);
        let (index, reads) = self.rewrite_tokens(strip_parens(&target.index).to_token_stream());
        // Names in a constant argument are read for their shapes (`x.len()`): keep them computed.
        self.const_reads.extend(reads);
        let index = self.freeze(index);
        let Some(storage) = self.ensure_storage(&ident) else {
            return;
        };
        let Some(value) = value else { return };
        // `y[i] *= e` and `y[i] /= e` read the element: `y[i] = y[i] * e`.
        let value = match op {
            Some(syn::BinOp::MulAssign(_)) | Some(syn::BinOp::DivAssign(_)) => {
                if self.loops.iter().any(|l| l.writes.contains(&storage))
                    && !self.logged.contains(&storage)
                {
                    self.logged.push(storage);
                }
                let old = self.push(
                    prims::index(),
                    vec![Operand::Var(storage)],
                    vec![index.clone()],
                    super::first_span(left),
                );
                let prim = prims::binary_operator(op.expect("a compound operator"))
                    .expect("* and / are in the table");
                self.push(prim, vec![old, value], Vec::new(), super::first_span(left))
            }
            _ => value,
        };
        self.block.stmts.push(Stmt::SetElem {
            storage,
            kind,
            index,
            value,
            span: super::first_span(left),
        });
    }
}

/// What a loop needs from its set-up.
struct LoopSetup {
    storages: Vec<(String, VarId, Operand)>,
    writes: Vec<VarId>,
    consts: Vec<Ident>,
    brk: Option<Ident>,
    cont: Option<Ident>,
}
