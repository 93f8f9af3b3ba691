//! Lowering of loops: `for` over ranges and iterators, `while`, `loop`, `break` and `continue`; which values
//! a loop carries and which counters it changes.

use super::{strip_parens, Binding, Lowered, Lowerer};
use crate::ir::{Carry, Loop, LoopKind, Operand, Stmt, VarId, VarKind};
use crate::prims;
use proc_macro2::{Ident, Span};
use quote::quote;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use syn::Expr;

use super::scan::*;

/// What the lowering knows of a loop while lowering its body.
pub(super) struct LoopCtx {
    /// Names whose values the loop carries.
    pub(super) carried: Vec<String>,
    /// Carried names that the body reads other than by `+=`/`-=` into them.
    pub(super) reads: RefCell<HashSet<String>>,
    /// Arrays the body writes element by element.
    pub(super) writes: Vec<VarId>,
    /// The `break` flag.
    pub(super) brk: Option<Ident>,
    /// The `continue` flag.
    pub(super) cont: Option<Ident>,
    /// The number of scopes outside the body: bindings found there belong to the enclosing code.
    pub(super) scope_depth: usize,
}

/// Whether a loop's iterator is a range, possibly reversed, stepped, skipped or taken from: its reverse
/// replays it with `.rev()`.
pub(super) fn is_range(e: &Expr) -> bool {
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
    /// Reports a loop label (not in the subset); true when there is one.
    pub(super) fn rejects_label(&mut self, label: &Option<syn::Label>) -> bool {
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
                self.errors
                    .at(other, "the loop variable must be a name (`for i in 0..n`)");
                return;
            }
        };
        // `for v in x.iter()` over a differentiable `x`: an index loop that reads `x[i]`.
        if let Expr::MethodCall(m) = strip_parens(&f.expr) {
            if m.method == "iter" && m.args.is_empty() {
                if let Ok(Operand::Var(x)) = self.lower_expr(&m.receiver) {
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
            Ok(Operand::Const(tokens)) if !is_range(&f.expr) => {
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
                    // From a copy: the reverse sweep may run this statement again.
                    None => quote!(::core::iter::IntoIterator::into_iter(
                        ::core::clone::Clone::clone(&(#tokens))
                    )
                    .collect()),
                };
                self.block.stmts.push(Stmt::Verbatim {
                    tokens: quote!(let #items: ::std::vec::Vec<_> = #collect;),
                    reads: Vec::new(),
                });
                element_ref = borrowed.is_some() && by_ref;
                quote!(::core::iter::Iterator::cloned(#items.iter()))
            }
            Ok(Operand::Const(tokens)) => tokens,
            Ok(Operand::Var(_)) => {
                self.errors.at(&f.expr, "a `for` loop runs over a range of constants (`a..b`, `(a..b).rev()`, `(a..b).step_by(k)`) or over `x.iter()`");
                return;
            }
            Err(_) => return,
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
        let BodyScan { assigned, .. } = scan_assignments(&w.body);
        let carried = self.carried_names(&assigned, &[]);
        // The condition is evaluated at the head of each iteration, over the carried storage.
        let setup = self.enter_loop(&carried, &assigned, &w.body);
        let Ok(setup) = setup else { return };
        let cond = match self.lower_expr(&w.cond) {
            Ok(Operand::Const(tokens)) => tokens,
            Ok(Operand::Var(_)) => {
                self.errors.at(
                    &w.cond,
                    "the condition of a `while` must be a `bool`, such as a comparison",
                );
                return;
            }
            Err(_) => return,
        };
        self.finish_loop(setup, LoopKind::While { cond }, &w.body, None, None);
    }

    pub(super) fn lower_infinite(&mut self, l: &syn::ExprLoop) {
        if self.rejects_label(&l.label) {
            return;
        }
        let BodyScan { assigned, brk, .. } = scan_assignments(&l.body);
        if !brk {
            self.errors.at(l, "a `loop` without `break` never ends");
            return;
        }
        let carried = self.carried_names(&assigned, &[]);
        let Ok(setup) = self.enter_loop(&carried, &assigned, &l.body) else {
            return;
        };
        self.finish_loop(setup, LoopKind::Infinite, &l.body, None, None);
    }

    pub(super) fn lower_loop(
        &mut self,
        kind: LoopKind,
        body: &syn::Block,
        element: Option<(VarId, Ident, Option<Ident>, bool)>,
        index: Option<(Ident, Ident)>,
    ) {
        let BodyScan { assigned, .. } = scan_assignments(body);
        let seeds: Vec<String> = element
            .iter()
            .filter_map(|(_, _, p, _)| p.as_ref().map(|p| p.to_string()))
            .collect();
        let carried = self.carried_names(&assigned, &seeds);
        let Ok(setup) = self.enter_loop(&carried, &assigned, body) else {
            return;
        };
        self.finish_loop(setup, kind, body, element, index);
    }

    /// The names a loop body assigns that belong to the enclosing code and carry values: those bound
    /// to variables, and constants that receive a value (`s += x[i]` on `let mut s = 0.0`). A name
    /// carries a value if it is bound to a variable, is one of `seeds` (an element loop's variable), or
    /// is assigned an expression that mentions one; a name assigned constants only (an integer counter,
    /// `w = w * 0.5`) stays a constant of the loop, saved per iteration where the reverse reads it.
    pub(super) fn carried_names(&self, assigned: &[Assignment], seeds: &[String]) -> Vec<String> {
        let mut valued: HashSet<String> = seeds.iter().cloned().collect();
        // Arrays written element by element hold values.
        for a in assigned.iter().filter(|a| a.element) {
            valued.insert(a.name.to_string());
        }
        loop {
            let before = valued.len();
            for a in assigned {
                let name = &a.name.to_string();
                if a.element || valued.contains(name) {
                    continue;
                }
                let bound_var = !a.local && matches!(self.lookup(name), Some(Binding::Var(_)));
                let mentions_value = mentions(&a.value).iter().any(|m| {
                    valued.contains(m)
                        || (!a.in_scope.contains(m)
                            && matches!(self.lookup(m), Some(Binding::Var(_))))
                });
                if bound_var || mentions_value {
                    valued.insert(name.clone());
                }
            }
            if valued.len() == before {
                break;
            }
        }
        let mut carried: Vec<String> = Vec::new();
        for a in assigned {
            let name = &a.name.to_string();
            let outer =
                !a.local && matches!(self.lookup(name), Some(Binding::Var(_) | Binding::Const(_)));
            if !a.element && outer && valued.contains(name) && !carried.contains(name) {
                carried.push(name.clone());
            }
        }
        carried
    }

    /// Before a loop: storage for every carried value and for every array the body writes. The
    /// `carried` names are those of [`Self::carried_names`], each bound to a value.
    pub(super) fn enter_loop(
        &mut self,
        carried: &[String],
        assigned: &[Assignment],
        body: &syn::Block,
    ) -> Lowered<LoopSetup> {
        let mut storages = Vec::new();
        for name in carried {
            let value = match self.lookup(name) {
                Some(Binding::Var(v)) => Operand::Var(*v),
                Some(Binding::Const(c)) => Operand::Const(quote!(#c)),
                Some(Binding::Poisoned(reported)) => return Err(*reported),
                None => unreachable!("a carried name is bound in the enclosing code"),
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
        for Assignment {
            name: ident,
            element: elem,
            local,
            ..
        } in assigned
        {
            let name = &ident.to_string();
            if *local {
                continue;
            }
            if *elem {
                if carried.contains(name) {
                    return Err(self.errors.at(ident, format!("`{name}` is both assigned and written element by element in this loop; this is not supported yet")));
                }
                if let Ok(storage) = self.ensure_storage(ident) {
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
        let BodyScan { brk, cont, .. } = scan_assignments(body);
        let brk = brk.then(|| self.namer.numbered("broke"));
        let cont = cont.then(|| self.namer.numbered("continued"));
        Ok(LoopSetup {
            storages,
            writes,
            consts,
            brk,
            cont,
        })
    }

    /// Lowers the body and pushes the loop; after it, each carried name is bound to a copy of its storage.
    pub(super) fn finish_loop(
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
        let _ = self.lower_stmts(&body.stmts, false);
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
        let consts = self.region_counters(&[&body], consts);
        self.block.stmts.push(Stmt::Loop(Box::new(Loop {
            kind,
            body,
            carried,
            carried_consts: consts,
            writes,
            brk,
            id,
        })));
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

    /// `break`: sets the loop's flag; `Err` where it is reported instead.
    pub(super) fn lower_break(&mut self, b: &syn::ExprBreak) -> Lowered<()> {
        if b.label.is_some() || b.expr.is_some() {
            return Err(self.errors.at(
                b,
                "`break` with a label or a value is not supported; use a plain `break`",
            ));
        }
        match self.loops.last().and_then(|l| l.brk.clone()) {
            Some(flag) => {
                self.note_mutation(&flag.to_string(), &flag);
                self.block.stmts.push(Stmt::Verbatim {
                    tokens: quote!(#flag = true;),
                    reads: Vec::new(),
                });
                Ok(())
            }
            None => Err(self.errors.at(b, "`break` outside a loop")),
        }
    }

    /// `continue`: sets the loop's flag; `Err` where it is reported instead.
    pub(super) fn lower_continue(&mut self, c: &syn::ExprContinue) -> Lowered<()> {
        if c.label.is_some() {
            return Err(self
                .errors
                .at(c, "`continue` with a label is not supported"));
        }
        match self.loops.last().and_then(|l| l.cont.clone()) {
            Some(flag) => {
                self.note_mutation(&flag.to_string(), &flag);
                self.block.stmts.push(Stmt::Verbatim {
                    tokens: quote!(#flag = true;),
                    reads: Vec::new(),
                });
                Ok(())
            }
            None => Err(self.errors.at(c, "`continue` outside a loop")),
        }
    }
}

/// What a loop needs from its set-up.
pub(super) struct LoopSetup {
    pub(super) storages: Vec<(String, VarId, Operand)>,
    pub(super) writes: Vec<VarId>,
    pub(super) consts: Vec<Ident>,
    pub(super) brk: Option<Ident>,
    pub(super) cont: Option<Ident>,
}

#[cfg(test)]
mod tests {
    use crate::ir::{visit, Loop, Stmt};
    use crate::test_support::lowered;
    use quote::quote;

    /// The carried values of the function's loops: `(storage name, saved per iteration?)`.
    fn carried(item: proc_macro2::TokenStream) -> Vec<(String, bool)> {
        let f = lowered(quote!(), item);
        let mut out = Vec::new();
        visit::stmts(&f.body, visit::Depth::Regions, &mut |s| {
            if let Stmt::Loop(l) = s {
                let l: &Loop = l;
                for c in &l.carried {
                    out.push((f.vars[c.storage.0].name.to_string(), c.saved));
                }
            }
        });
        out
    }

    #[test]
    fn an_accumulator_is_not_saved() {
        let c = carried(quote!(
            fn f(x: &Array1<f64>) -> f64 {
                let mut s = 0.0;
                for i in 0..x.len() {
                    s += x[i] * x[i];
                }
                s
            }
        ));
        assert_eq!(c, vec![("s_carried".to_string(), false)]);
    }

    #[test]
    fn a_value_the_body_reads_is_saved() {
        let c = carried(quote!(
            fn f(x: &Array1<f64>) -> f64 {
                let mut h = 0.0;
                let mut s = 0.0;
                for i in 0..x.len() {
                    h = (0.9 * h + x[i]).sin();
                    s -= h;
                }
                s + h
            }
        ));
        assert!(c.contains(&("h_carried".to_string(), true)), "{c:?}");
        assert!(c.contains(&("s_carried".to_string(), false)), "{c:?}");
    }

    #[test]
    fn counters_are_constants_of_the_loop() {
        let f = lowered(
            quote!(),
            quote!(
                fn f(x: &Array1<f64>) -> f64 {
                    let mut k = 0;
                    let mut s = 0.0;
                    while k < x.len() {
                        s = s * 0.5 + x[k];
                        k += 1;
                    }
                    s
                }
            ),
        );
        let mut counters = Vec::new();
        visit::stmts(&f.body, visit::Depth::Regions, &mut |s| {
            if let Stmt::Loop(l) = s {
                counters.extend(l.carried_consts.iter().map(|c| c.to_string()));
            }
        });
        assert_eq!(counters, vec!["k".to_string()]);
    }
}
