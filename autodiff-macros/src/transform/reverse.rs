//! The reverse transform: a primal block and its activity to an adjoint program (statements visited
//! backwards, each instruction's rules applied to its adjoint, branches and loops recomputed and
//! reversed). It decides; codegen prints.
//!
//! Adjoints: an adjoint whose contributions all come from the block that defines its variable is created
//! by its first contribution (moved in) and later ones are added in place; an adjoint read twice is copied
//! for every read but the last. Any other adjoint (a loop's carried value, an array read element by
//! element, a value used inside a branch or a loop) starts as a zero at the start of the reverse of its
//! block and is accumulated into.
//!
//! Regions: a branch's reverse recomputes the taken arm and then reverses it. A loop saves, per
//! iteration, its checkpoint ([`crate::analysis::regions::checkpoint`]); its reverse pops it, recomputes
//! the body (so the body's own values are never stored) and reverses it. A loop of the function's top
//! level saves during the forward sweep; a loop nested in a region saves during its own reverse, by
//! running itself forward once more first.

use crate::analysis::activity::{self, Activity};
use crate::analysis::regions::{logged_writes_of, loop_is_active, outer_writes};
use crate::ir::adjoint::{AExpr, AStmt, Gradient, How, Program, Pullback, Rerun, Seed};
use crate::ir::{
    visit, Block, ElemWrite, Function, Instr, Loop, Op, Operand, Stmt, VarId, VarKind,
};
use crate::naming::Namer;
use crate::prims::{Access, Copy, Family};
use proc_macro2::{Ident, Span};
use std::collections::{HashMap, HashSet};

/// The reverse transform of one function.
pub struct Reverse<'f, 'n> {
    /// The function.
    pub f: &'f Function,
    /// Names of the temporaries it makes (a pullback's tangents, a closure's seed).
    pub namer: &'n mut Namer,
    /// Whether the program runs in a pullback closure that owns the forward values: calls' pullbacks
    /// are then obtained again rather than kept.
    pub owned_values: bool,
}

/// The transform's decisions about adjoints, made while it walks.
struct Adjoints {
    /// Adjoints that start as zeros at the start of their block's reverse.
    zeroed: HashSet<VarId>,
    /// Contributions still to come, for adjoints that are moved in.
    pending: HashMap<VarId, usize>,
    /// Adjoints already created.
    declared: HashSet<VarId>,
}

impl Adjoints {
    /// Decides, for every adjoint, whether it is moved in or starts as a zero, and counts contributions.
    fn plan(f: &Function, block: &Block, ret: &Operand, activity: &Activity) -> Self {
        let mut a = Adjoints {
            zeroed: HashSet::new(),
            pending: HashMap::new(),
            declared: HashSet::new(),
        };
        let mut events: Vec<(VarId, usize, bool)> = Vec::new();
        if let Some(v) = ret.var() {
            events.push((v, block.id, false));
        }
        contributions(block, activity, &mut events);
        for &(v, at, in_place) in &events {
            let var = &f.vars[v.0];
            if in_place || at != var.block || var.kind == VarKind::Storage {
                a.zeroed.insert(v);
            }
        }
        for (v, var) in f.vars.iter().enumerate() {
            if var.kind == VarKind::Storage && activity.is_active(VarId(v)) {
                a.zeroed.insert(VarId(v));
            }
        }
        for &(v, _, _) in &events {
            if !a.zeroed.contains(&v) {
                *a.pending.entry(v).or_default() += 1;
            }
        }
        a
    }

    /// How the next contribution to `target` is made.
    fn how(&mut self, target: VarId) -> How {
        if self.zeroed.contains(&target) {
            return How::Add;
        }
        let left = self.pending.get_mut(&target).expect("counted");
        *left -= 1;
        if self.declared.insert(target) {
            How::Create { mutable: *left > 0 }
        } else {
            How::Add
        }
    }

    /// Whether `v`'s adjoint exists at the end of the sweep.
    fn exists(&self, v: VarId) -> bool {
        self.declared.contains(&v) || self.zeroed.contains(&v)
    }
}

/// The state of one sweep's transform.
struct State<'p> {
    activity: &'p Activity,
    adjoints: Adjoints,
    /// The span of the instruction being reversed (its contributions are reported there).
    span: Span,
}

impl<'f> Reverse<'f, '_> {
    /// The adjoint program of `block` with `independents` differentiated, `ret` the output and `seed`
    /// its gradient.
    pub fn program(
        &mut self,
        block: &'f Block,
        ret: &Operand,
        independents: &[VarId],
        seed: Seed,
        activity: Activity,
    ) -> Program<'f> {
        let mut r = State {
            activity: &activity,
            adjoints: Adjoints::plan(self.f, block, ret, &activity),
            span: Span::call_site(),
        };
        let mut body = self.zeros(block.id, &r);
        if let Some(out) = ret.var().filter(|v| activity.is_active(*v)) {
            body.push(r.contribute(out, AExpr::Seed(seed)));
        }
        body.extend(self.reverse_stmts(block, &mut r));
        let gradients = independents
            .iter()
            .map(|v| {
                if r.adjoints.exists(*v) {
                    Gradient::Adjoint(*v)
                } else {
                    Gradient::Zero(*v)
                }
            })
            .collect();
        let zeroed = r.adjoints.zeroed;
        Program {
            activity,
            zeroed,
            body,
            gradients,
        }
    }

    /// `v_bar = zero` for the zeroed adjoints of variables that `block` defines.
    fn zeros(&self, block: usize, r: &State) -> Vec<AStmt<'f>> {
        let mut vars: Vec<VarId> = r
            .adjoints
            .zeroed
            .iter()
            .copied()
            .filter(|v| self.f.vars[v.0].block == block && r.activity.is_active(*v))
            .collect();
        vars.sort();
        vars.into_iter().map(AStmt::Zero).collect()
    }

    fn reverse_stmts(&mut self, block: &'f Block, r: &mut State) -> Vec<AStmt<'f>> {
        let mut out = Vec::new();
        for stmt in block.stmts.iter().rev() {
            match stmt {
                Stmt::Instr(instr) => {
                    let outer = std::mem::replace(&mut r.span, instr.span);
                    self.reverse_instr(instr, r, &mut out);
                    r.span = outer;
                }
                Stmt::Verbatim { .. } => {}
                Stmt::Init { storage, value } => {
                    if let Some(v) = value
                        .var()
                        .filter(|v| r.activity.is_active(*storage) && r.activity.is_active(*v))
                    {
                        out.push(r.contribute(v, AExpr::Adjoint(*storage)));
                    }
                }
                Stmt::WriteBack { storage, value } => {
                    if !r.activity.is_active(*storage) {
                        continue;
                    }
                    let Some(v) = value.var().filter(|v| r.activity.is_active(*v)) else {
                        // Overwritten by a value without a derivative here: what the storage held
                        // before this write contributes nothing through it.
                        out.push(AStmt::Kill(*storage));
                        continue;
                    };
                    // When the body's copy of the carried value is active, its reverse assigns the
                    // storage's adjoint anew: the adjoint can be moved out here.
                    let refilled =
                        entry_of(block, *storage).is_some_and(|e| r.activity.is_active(e));
                    let seed = if refilled {
                        AExpr::Adjoint(*storage)
                    } else {
                        AExpr::Take(*storage)
                    };
                    out.push(r.contribute(v, seed));
                }
                Stmt::SetElem {
                    storage,
                    kind,
                    index,
                    value,
                    span,
                } => {
                    // Undo the write first: what the reverse sweep recomputes before it must see the
                    // element as it was.
                    if self.f.logged.contains(storage) {
                        out.push(AStmt::Undo {
                            storage: *storage,
                            span: *span,
                        });
                    }
                    if !r.activity.is_active(*storage) {
                        continue;
                    }
                    let rule = AExpr::SetElem {
                        storage: *storage,
                        kind: *kind,
                        index,
                        span: *span,
                    };
                    match value.var().filter(|v| r.activity.is_active(*v)) {
                        Some(v) => {
                            r.span = *span;
                            out.push(r.contribute(v, rule));
                        }
                        None if *kind == ElemWrite::Set => out.push(AStmt::Discard(rule)),
                        None => {}
                    }
                }
                Stmt::If(i) => {
                    let marks = logged_writes_of(self.f, &[&i.then_, &i.else_]);
                    let mut arms = Vec::new();
                    for (arm, then) in [(&i.then_, true), (&i.else_, false)] {
                        let mut body = Vec::new();
                        if !i.restore.is_empty() {
                            body.push(AStmt::Restore(i.restore.clone()));
                        }
                        if !marks.is_empty() {
                            body.push(AStmt::UndoTo {
                                arrays: marks.clone(),
                                key: i.flag.to_string(),
                            });
                        }
                        body.push(AStmt::Recompute {
                            block: arm,
                            rerun: Rerun::default(),
                        });
                        body.extend(self.zeros(arm.id, r));
                        for j in &i.joins {
                            let value = if then { &j.then_value } else { &j.else_value };
                            if let Some(v) = value
                                .var()
                                .filter(|v| r.activity.is_active(j.var) && r.activity.is_active(*v))
                            {
                                body.push(r.contribute(v, AExpr::Adjoint(j.var)));
                            }
                        }
                        body.extend(self.reverse_stmts(arm, r));
                        arms.push(body);
                    }
                    let else_ = arms.pop().expect("two arms");
                    let then_ = arms.pop().expect("two arms");
                    out.push(AStmt::If {
                        flag: &i.flag,
                        then_,
                        else_,
                    });
                }
                Stmt::Loop(l) => self.reverse_loop(l, block.id == 0, r, &mut out),
            }
        }
        out
    }

    fn reverse_instr(&mut self, instr: &'f Instr, r: &mut State, out: &mut Vec<AStmt<'f>>) {
        if !r.activity.is_active(instr.dst) {
            return;
        }
        let mut targets: Vec<(usize, VarId)> = instr
            .args
            .iter()
            .enumerate()
            .filter(|(_, a)| r.activity.operand(a))
            .filter_map(|(k, a)| a.var().map(|v| (k, v)))
            .collect();
        let g = instr.dst;
        // `a ± b`: the right side's rule first, borrowing the adjoint (a broadcast side, as a bias
        // usually is, sums it without a copy), then the left side's, which takes it (where it has the
        // output's shape, the adjoint is its gradient as it stands).
        let sum_like = matches!(&instr.op, Op::Prim(p) if matches!(p.name, "add" | "sub") && p.family == Family::Elementwise);
        if sum_like {
            targets.reverse();
        }
        // Every operand's rule but the last reads a copy of the output's adjoint, or borrows it where
        // the rule only reads it.
        let borrows = sum_like || matches!(&instr.op, Op::Prim(p) if p.name == "dot");
        let seed = |n: usize| {
            Box::new(if n + 1 == targets.len() {
                AExpr::Adjoint(g)
            } else if borrows {
                AExpr::Borrow(g)
            } else {
                AExpr::Dup(g)
            })
        };
        match &instr.op {
            Op::Join(kind) => {
                for (n, (k, target)) in targets.iter().enumerate() {
                    // A literal's rule reads one element of the seed: it borrows it.
                    let seed = match kind {
                        crate::ir::JoinKind::Pack(_) => Box::new(AExpr::Borrow(g)),
                        _ => seed(n),
                    };
                    let rule = AExpr::JoinRule { instr, k: *k, seed };
                    out.push(r.contribute(*target, rule));
                }
            }
            Op::Mapv(c) => {
                let g_name = self.namer.fresh(
                    &format!("{}_out_bar", self.f.vars[c.param.0].name),
                    Span::call_site(),
                );
                // Captured values that carry derivatives are independents of the closure too: its
                // reverse adds into their adjoints (declared as zeros outside) element by element.
                let mut independents = vec![c.param];
                independents.extend(
                    instr.args[1..]
                        .iter()
                        .filter(|a| r.activity.operand(a))
                        .filter_map(Operand::var),
                );
                let activity = activity::analyse(self.f.vars.len(), &c.body, &c.ret, &independents);
                let closure = self.program(
                    &c.body,
                    &c.ret,
                    &independents,
                    Seed::Named(g_name.clone()),
                    activity,
                );
                let rule = AExpr::Mapv {
                    instr,
                    seed: Box::new(AExpr::Adjoint(g)),
                    g: g_name,
                    closure: Box::new(closure),
                };
                match instr.args[0].var().filter(|v| r.activity.is_active(*v)) {
                    Some(x) => out.push(r.contribute(x, rule)),
                    None => out.push(AStmt::Discard(rule)),
                }
            }
            Op::Fused(kernel) => {
                let g_name = self.namer.fresh("g_elem", Span::call_site());
                let active: Vec<bool> = instr.args.iter().map(|a| r.activity.operand(a)).collect();
                let independents: Vec<VarId> = kernel
                    .params
                    .iter()
                    .zip(&active)
                    .filter(|(_, a)| **a)
                    .map(|(p, _)| *p)
                    .collect();
                let activity =
                    activity::analyse(self.f.vars.len(), &kernel.body, &kernel.ret, &independents);
                let closure = self.program(
                    &kernel.body,
                    &kernel.ret,
                    &independents,
                    Seed::Named(g_name.clone()),
                    activity,
                );
                let tangents: Vec<Ident> = targets
                    .iter()
                    .map(|_| self.namer.numbered("tangent"))
                    .collect();
                let shares = kernel.shared_slices(&instr.args, &active);
                out.push(AStmt::Kernel {
                    instr,
                    seed: AExpr::Adjoint(g),
                    g: g_name,
                    closure: Box::new(closure),
                    active,
                    tangents: tangents.clone(),
                });
                // A slice whose partials go into a buffer shared with a later slice of its array
                // contributes nothing of its own: the later one's gradient has them.
                for ((k, target), tangent) in targets.iter().zip(tangents) {
                    if !matches!(shares[*k], Some(crate::ir::Share::Into(_))) {
                        out.push(r.contribute(*target, AExpr::Named(tangent)));
                    }
                }
            }
            Op::Call(_) => {
                // One pullback call gives every argument's tangent, lined up with the arguments
                // (constant arguments get `()`).
                let source = if self.owned_values {
                    Pullback::Fresh
                } else {
                    Pullback::Kept
                };
                let tangents: Vec<Ident> = (0..instr.args.len())
                    .map(|_| self.namer.numbered("tangent"))
                    .collect();
                out.push(AStmt::Pullback {
                    instr,
                    source,
                    tangents: tangents.clone(),
                });
                for (k, target) in &targets {
                    out.push(r.contribute(*target, AExpr::Named(tangents[*k].clone())));
                }
            }
            Op::Jvp { .. } | Op::Vjp { .. } | Op::JoinVjp { .. } | Op::Load => {
                unreachable!(
                    "tangent and linearized adjoint programs are printed forward, never reversed"
                )
            }
            Op::Prim(p) => {
                for (n, (k, target)) in targets.iter().enumerate() {
                    let seed = *seed(n);
                    match p.family {
                        Family::Access(Access::Field) => out.push(AStmt::FieldAcc {
                            instr,
                            target: *target,
                            seed,
                        }),
                        Family::Access(Access::Index | Access::Element) => {
                            out.push(AStmt::ElemAcc {
                                instr,
                                target: *target,
                                seed,
                            })
                        }
                        // The body's copy of a carried value: the only contribution to the storage's
                        // adjoint within an iteration, which the write-back moved out.
                        Family::Copy(Copy::Carry) => out.push(AStmt::Assign {
                            target: *target,
                            value: AExpr::Rule {
                                instr,
                                k: *k,
                                seed: Box::new(seed),
                            },
                        }),
                        _ => {
                            let rule = AExpr::Rule {
                                instr,
                                k: *k,
                                seed: Box::new(seed),
                            };
                            out.push(r.contribute(*target, rule));
                        }
                    }
                }
            }
        }
    }

    /// A loop reversed: pop each iteration's checkpoint, recompute the body, reverse it.
    fn reverse_loop(
        &mut self,
        l: &'f Loop,
        top_level: bool,
        r: &mut State,
        out: &mut Vec<AStmt<'f>>,
    ) {
        let active = loop_is_active(l, r.activity);
        let marks = logged_writes_of(self.f, &[&l.body]);
        let undo = (!marks.is_empty()).then(|| AStmt::UndoTo {
            arrays: marks,
            key: format!("loop{}", l.id),
        });
        if !active {
            // Nothing to differentiate, but its logged writes are undone like everyone's.
            out.extend(undo);
            return;
        }
        if !top_level {
            out.extend(undo);
            // Run the loop forward again from its start, saving what its reverse needs.
            let mut rerun = Rerun::default();
            rerun.skip_elem.extend(
                outer_writes(self.f, &l.body)
                    .into_iter()
                    .chain(l.writes.iter().copied()),
            );
            out.push(AStmt::Replay { lp: l, rerun });
        }
        let mut rerun = Rerun::default();
        rerun
            .skip_writeback
            .extend(l.carried.iter().map(|c| c.storage));
        rerun.skip_elem.extend(l.writes.iter().copied());
        rerun.skip_elem.extend(outer_writes(self.f, &l.body));
        let mut body = vec![AStmt::Recompute {
            block: &l.body,
            rerun,
        }];
        body.extend(self.zeros(l.body.id, r));
        body.extend(self.reverse_stmts(&l.body, r));
        out.push(AStmt::Loop { lp: l, body });
    }
}

impl State<'_> {
    /// One contribution to `target`'s adjoint, at the current instruction's span.
    fn contribute<'f>(&mut self, target: VarId, value: AExpr<'f>) -> AStmt<'f> {
        AStmt::Contribute {
            target,
            value,
            how: self.adjoints.how(target),
            span: self.span,
        }
    }
}

/// The body's copy of `storage` (the first instruction of a loop body that reads it).
fn entry_of(body: &Block, storage: VarId) -> Option<VarId> {
    body.stmts.iter().find_map(|stmt| match stmt {
        Stmt::Instr(i)
            if matches!(&i.op, Op::Prim(p) if p.family == Family::Copy(Copy::Carry))
                && i.args[0].var() == Some(storage) =>
        {
            Some(i.dst)
        }
        _ => None,
    })
}

/// Every contribution to an adjoint: `(variable, block where it is made, made in place?)`.
fn contributions(block: &Block, activity: &Activity, events: &mut Vec<(VarId, usize, bool)>) {
    visit::blocks(block, visit::Depth::Regions, &mut |b| {
        for stmt in &b.stmts {
            match stmt {
                Stmt::Instr(i) if activity.is_active(i.dst) => {
                    let in_place =
                        matches!(&i.op, Op::Prim(p) if matches!(p.family, Family::Access(_)));
                    for (k, a) in i.args.iter().enumerate() {
                        if let Some(v) = a.var().filter(|v| activity.is_active(*v)) {
                            // A `mapv` closure adds into its captures' adjoints from inside the closure.
                            let at = match &i.op {
                                Op::Mapv(c) if k > 0 => c.body.id,
                                _ => b.id,
                            };
                            events.push((v, at, in_place));
                        }
                    }
                }
                Stmt::Init { storage, value }
                | Stmt::WriteBack { storage, value }
                | Stmt::SetElem { storage, value, .. } => {
                    if let Some(v) = value
                        .var()
                        .filter(|v| activity.is_active(*storage) && activity.is_active(*v))
                    {
                        events.push((v, b.id, false));
                    }
                }
                Stmt::If(i) => {
                    for j in i.joins.iter().filter(|j| activity.is_active(j.var)) {
                        if let Some(v) = j.then_value.var().filter(|v| activity.is_active(*v)) {
                            events.push((v, i.then_.id, false));
                        }
                        if let Some(v) = j.else_value.var().filter(|v| activity.is_active(*v)) {
                            events.push((v, i.else_.id, false));
                        }
                    }
                }
                _ => {}
            }
        }
    });
}
