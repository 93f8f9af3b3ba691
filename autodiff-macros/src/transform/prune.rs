//! Dead code of a program printed forward (`f_hvp`'s): the statements no output depends on, left out, with
//! reads for a value's shape alone told apart from reads of its value.
//!
//! Forward over reverse computes the gradient and its tangent, but `f_hvp` returns the tangent alone: the
//! gradient's own accumulation (its element writes, its sums) and the primal loop that computes the value
//! are dead there, except where a rule reads them. Many rules read an operand for its shape only: the
//! reverse rules of linear primitives (`add`, `sub`, `sum`, copies and reshapes) and `zero_tangent`. A
//! value needed for its shape needs its operands' shapes, not their values; a storage that starts from a
//! scalar literal, or that only element writes change, keeps its shape whatever is written into it, so
//! its writes (the loop that accumulates into it, the gradient's element writes) are dead where only its
//! shape is read.

use crate::ir::{Block, Function, Loop, Op, Operand, Stmt, VarId};
use crate::prims::Family;

/// How much of a variable is needed.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Need {
    None,
    Shape,
    Value,
}

struct Pruner<'f> {
    f: &'f Function,
    need: Vec<Need>,
    /// Storages whose shape never changes: those that start from a scalar literal, and those only
    /// element writes change.
    stable: Vec<bool>,
    /// The variables by their names, for the names constant statements read.
    by_name: std::collections::HashMap<String, VarId>,
    /// The flags of the function's branches.
    flags: std::collections::HashSet<String>,
    /// The flags of the branches kept below the point being pruned (backwards), down to their
    /// definitions.
    live_flags: std::collections::HashSet<String>,
}

/// The name a constant statement `let name .. = ..;` defines.
fn defined_name(tokens: &proc_macro2::TokenStream) -> Option<String> {
    let mut it = tokens.clone().into_iter();
    match (it.next(), it.next()) {
        (Some(proc_macro2::TokenTree::Ident(l)), Some(proc_macro2::TokenTree::Ident(name)))
            if l == "let" =>
        {
            Some(name.to_string())
        }
        _ => None,
    }
}

impl Pruner<'_> {
    fn mark(&mut self, v: VarId, need: Need) {
        let need = if need == Need::Shape && self.f.vars[v.0].kind == crate::ir::VarKind::Storage {
            // A storage's shape is its first value's where nothing else changes it.
            if self.stable[v.0] {
                Need::Shape
            } else {
                Need::Value
            }
        } else {
            need
        };
        if need > self.need[v.0] {
            self.need[v.0] = need;
        }
    }

    /// Marks the variables that `tokens` (an index, a constant argument) read by name
    /// (`flat_position(&x_bar, i0)` reads the gradient's storage for its shape).
    fn mark_named(&mut self, tokens: &proc_macro2::TokenStream) {
        let mut named = Vec::new();
        crate::naming::any_ident(tokens.clone(), &mut |i| {
            if let Some(v) = self.by_name.get(&i.to_string()) {
                named.push(*v);
            }
            false
        });
        for v in named {
            self.mark(v, Need::Value);
        }
    }

    fn mark_operand(&mut self, o: &Operand, need: Need) {
        if let Some(v) = o.var() {
            self.mark(v, need);
        }
    }

    /// The statements of `block` that are needed, marking what they read (backwards).
    fn block(&mut self, block: &Block) -> Block {
        let mut kept: Vec<Stmt> = Vec::new();
        for stmt in block.stmts.iter().rev() {
            if let Some(s) = self.stmt(stmt) {
                kept.push(s);
            }
        }
        kept.reverse();
        Block {
            id: block.id,
            stmts: kept,
        }
    }

    fn stmt(&mut self, stmt: &Stmt) -> Option<Stmt> {
        match stmt {
            Stmt::Instr(i) => {
                let need = self.need[i.dst.0];
                if need == Need::None {
                    return None;
                }
                match &i.op {
                    Op::Prim(p) if p.name == "zero_tangent" => {
                        self.mark_operand(&i.args[0], Need::Shape);
                    }
                    Op::Prim(p)
                        if need == Need::Shape
                            && matches!(
                                p.family,
                                Family::Copy(_) | Family::Unary | Family::Elementwise
                            ) =>
                    {
                        for a in &i.args {
                            self.mark_operand(a, Need::Shape);
                        }
                    }
                    Op::Jvp {
                        rule: crate::ir::Rule::Prim(prim),
                        ..
                    } if crate::transform::jvp::linear(prim) => {
                        // A linear primitive's tangent rule reads its operands for their shapes, the
                        // tangents for their values.
                        let (operands, tangents) = i.args.split_at(prim.arity.min(i.args.len()));
                        for a in operands {
                            self.mark_operand(a, Need::Shape);
                        }
                        for a in tangents {
                            self.mark_operand(a, Need::Value);
                        }
                    }
                    Op::Vjp { prim, k } => {
                        // The arguments the rule does not vary with (forward over reverse's own
                        // test) for their shapes, the others and the seed for their values.
                        let (operands, seed) = i.args.split_at(i.args.len() - 1);
                        for (j, a) in operands.iter().enumerate() {
                            let need = if crate::transform::jvp::vjp_partial_is_zero(prim, *k, j) {
                                Need::Shape
                            } else {
                                Need::Value
                            };
                            self.mark_operand(a, need);
                        }
                        self.mark_operand(&seed[0], Need::Value);
                    }
                    _ => {
                        let mut reads = Vec::new();
                        crate::ir::visit::reads_within(stmt, &mut |v| reads.push(v));
                        for v in reads {
                            self.mark(v, Need::Value);
                        }
                    }
                }
                for e in &i.extras {
                    self.mark_named(e);
                }
                // Above its definition the variable is not live: a block recomputed later (a reversed
                // loop's body) defines it again, and the earlier definition is needed only by its own
                // readers.
                self.need[i.dst.0] = Need::None;
                Some(stmt.clone())
            }
            Stmt::Verbatim { tokens, reads } => {
                // A branch's flag no kept branch reads is left out with what it reads.
                if let Some(flag) = defined_name(tokens).filter(|n| self.flags.contains(n)) {
                    if !self.live_flags.remove(&flag) {
                        return None;
                    }
                }
                for v in reads {
                    self.mark(*v, Need::Value);
                }
                // A constant statement also reads values by name (a branch's flag, `x[i] > 0.0`).
                self.mark_named(tokens);
                Some(stmt.clone())
            }
            Stmt::Init { storage, value } => {
                let need = self.need[storage.0];
                if need == Need::None {
                    return None;
                }
                self.mark_operand(value, need);
                Some(stmt.clone())
            }
            Stmt::WriteBack { storage, value } => {
                if self.need[storage.0] != Need::Value {
                    return None;
                }
                self.mark_operand(value, Need::Value);
                Some(stmt.clone())
            }
            Stmt::SetElem {
                storage,
                value,
                index,
                ..
            } => {
                if self.need[storage.0] != Need::Value {
                    return None;
                }
                self.mark_operand(value, Need::Value);
                self.mark_named(index);
                Some(stmt.clone())
            }
            Stmt::If(i) => {
                // Backwards, as statements: a tangent's join (after its value's) that gives a zero of its
                // value's tangent reads that value's join for its shape.
                let mut joins = Vec::new();
                for j in i.joins.iter().rev() {
                    let need = self.need[j.var.0];
                    if need != Need::None {
                        self.mark_operand(&j.then_value, need);
                        self.mark_operand(&j.else_value, need);
                        if let Some(of) = j.zero_of {
                            self.mark(of, Need::Shape);
                        }
                        joins.push(j.clone());
                    }
                }
                joins.reverse();
                let then_ = self.block(&i.then_);
                let else_ = self.block(&i.else_);
                if joins.is_empty() && then_.stmts.is_empty() && else_.stmts.is_empty() {
                    return None;
                }
                self.live_flags.insert(i.flag.to_string());
                let mut kept = (**i).clone();
                kept.then_ = then_;
                kept.else_ = else_;
                kept.joins = joins;
                Some(Stmt::If(Box::new(kept)))
            }
            Stmt::Loop(l) => self.looped(l).map(|l| Stmt::Loop(Box::new(l))),
        }
    }

    /// A loop: its body pruned until what it needs stops growing (a value needed at the top of the body
    /// is written at its end, by the iteration before).
    fn looped(&mut self, l: &Loop) -> Option<Loop> {
        let mut body;
        loop {
            let before = self.need.clone();
            body = self.block(&l.body);
            for c in &l.carried {
                let need = self.need[c.storage.0];
                self.mark_operand(&c.init, need);
            }
            if self.need == before {
                break;
            }
        }
        if body.stmts.is_empty() {
            return None;
        }
        let mut kept = l.clone();
        kept.carried
            .retain(|c| self.need[c.storage.0] != Need::None);
        kept.writes.retain(|w| self.need[w.0] == Need::Value);
        kept.body = body;
        Some(kept)
    }
}

/// `f` with the statements that `outputs` do not depend on left out.
pub fn prune(f: &Function, outputs: &[VarId]) -> Function {
    let mut scalar = vec![false; f.vars.len()];
    let mut written_whole = vec![false; f.vars.len()];
    crate::ir::visit::stmts(
        &f.body,
        crate::ir::visit::Depth::Regions,
        &mut |s| match s {
            Stmt::Init {
                storage,
                value: Operand::Const(tokens),
            } => scalar[storage.0] = crate::scalars::scalar_const(tokens, f),
            Stmt::WriteBack { storage, .. } => written_whole[storage.0] = true,
            _ => {}
        },
    );
    let stable: Vec<bool> = scalar
        .iter()
        .zip(&written_whole)
        .map(|(s, w)| *s || !*w)
        .collect();
    let mut flags = std::collections::HashSet::new();
    crate::ir::visit::stmts(&f.body, crate::ir::visit::Depth::Regions, &mut |s| {
        if let Stmt::If(i) = s {
            flags.insert(i.flag.to_string());
        }
    });
    let by_name = f
        .vars
        .iter()
        .enumerate()
        .map(|(k, v)| (v.name.to_string(), VarId(k)))
        .collect();
    let body = zeros_from_sources(&f.body, &stable, f.vars.len());
    let mut p = Pruner {
        f,
        need: vec![Need::None; f.vars.len()],
        stable,
        by_name,
        flags,
        live_flags: std::collections::HashSet::new(),
    };
    for o in outputs {
        p.mark(*o, Need::Value);
    }
    let body = p.block(&body);
    f.with_body(f.vars.clone(), body)
}

/// `block` with each `zero_tangent(&v)` made from the value `v`'s shape comes from, where `v` is itself
/// a zero (`zero_tangent(&w)`) or a storage of stable shape that starts from one: f_hvp's zero for the
/// gradient's tangent is then made from the parameter, and the first-order gradient's storage, which
/// nothing else reads there, is left out with the zero it starts from.
fn zeros_from_sources(block: &Block, stable: &[bool], n: usize) -> Block {
    // Each variable defined only as a zero of one variable: that variable; each storage that starts
    // from one variable: that variable (`Some(None)` where defined or started otherwise, or
    // differently more than once).
    let mut zero_of: Vec<Option<Option<VarId>>> = vec![None; n];
    let mut init_of: Vec<Option<Option<VarId>>> = vec![None; n];
    let record = |slot: &mut Option<Option<VarId>>, value: Option<VarId>| {
        *slot = match *slot {
            None => Some(value),
            Some(old) if old == value => Some(old),
            Some(_) => Some(None),
        };
    };
    crate::ir::visit::stmts(block, crate::ir::visit::Depth::Closures, &mut |s| match s {
        Stmt::Instr(i) => {
            let zero = match &i.op {
                Op::Prim(p) if p.name == "zero_tangent" => i.args.first().and_then(Operand::var),
                _ => None,
            };
            record(&mut zero_of[i.dst.0], zero);
        }
        Stmt::Init { storage, value } => record(&mut init_of[storage.0], value.var()),
        _ => {}
    });
    let source = |mut v: VarId| -> VarId {
        for _ in 0..n {
            let next = match (zero_of[v.0], init_of[v.0]) {
                (Some(Some(w)), _) => w,
                (_, Some(Some(w))) if stable[v.0] => match zero_of[w.0] {
                    Some(Some(u)) => u,
                    _ => break,
                },
                _ => break,
            };
            v = next;
        }
        v
    };
    let mut out = block.clone();
    crate::ir::visit::stmts_mut(&mut out, crate::ir::visit::Depth::Closures, &mut |s| {
        if let Stmt::Instr(i) = s {
            if matches!(&i.op, Op::Prim(p) if p.name == "zero_tangent") {
                if let Some(Operand::Var(v)) = i.args.first() {
                    i.args[0] = Operand::Var(source(*v));
                }
            }
        }
    });
    out
}

#[cfg(test)]
mod tests;
