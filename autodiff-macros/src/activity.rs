//! Activity analysis: a value is active when it depends on a differentiated input (varied) and the
//! output depends on it (useful). Only active values get adjoints; only their rules are emitted.
//! Loops carry values around, so both properties are computed to a fixed point.

use crate::ir::{Block, Op, Operand, Stmt, VarId};

/// Which variables are active, indexed by `VarId`.
pub struct Activity {
    active: Vec<bool>,
}

impl Activity {
    /// Whether `v` is active.
    pub fn is_active(&self, v: VarId) -> bool {
        self.active[v.0]
    }

    /// Whether an operand is an active variable.
    pub fn operand(&self, o: &Operand) -> bool {
        o.var().is_some_and(|v| self.is_active(v))
    }
}

fn flows(op: &Op) -> bool {
    match op {
        Op::Prim(p) => p.differentiable,
        Op::Mapv(_) | Op::Call(_) | Op::Join { .. } => true,
    }
}

/// Calls `f(to, from)` for every edge along which a derivative can flow (`to` is computed from `from`).
fn edges(block: &Block, f: &mut impl FnMut(VarId, VarId)) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::Instr(i) if flows(&i.op) => {
                for v in i.args.iter().filter_map(Operand::var) {
                    f(i.dst, v);
                }
            }
            Stmt::Instr(_) | Stmt::Verbatim { .. } => {}
            Stmt::Init { storage, value }
            | Stmt::WriteBack { storage, value }
            | Stmt::SetElem { storage, value, .. } => {
                if let Some(v) = value.var() {
                    f(*storage, v);
                }
            }
            Stmt::If(i) => {
                edges(&i.then_, f);
                edges(&i.else_, f);
                for j in &i.joins {
                    for v in j.then_value.var().into_iter().chain(j.else_value.var()) {
                        f(j.var, v);
                    }
                }
            }
            Stmt::Loop(l) => edges(&l.body, f),
        }
    }
}

/// Analyses `block` with `independents` differentiated and `ret` the output.
pub fn analyse(num_vars: usize, block: &Block, ret: &Operand, independents: &[VarId]) -> Activity {
    let mut all: Vec<(VarId, VarId)> = Vec::new();
    edges(block, &mut |to, from| all.push((to, from)));
    let mut varied = vec![false; num_vars];
    for v in independents {
        varied[v.0] = true;
    }
    let mut useful = vec![false; num_vars];
    if let Some(v) = ret.var() {
        useful[v.0] = true;
    }
    loop {
        let mut changed = false;
        for &(to, from) in &all {
            if varied[from.0] && !varied[to.0] {
                varied[to.0] = true;
                changed = true;
            }
            if useful[to.0] && !useful[from.0] {
                useful[from.0] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    Activity {
        active: varied.iter().zip(&useful).map(|(a, b)| *a && *b).collect(),
    }
}
