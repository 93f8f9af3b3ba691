//! Activity analysis: a value is active when it depends on a differentiated input (varied) and the
//! output depends on it (useful). Only active values get adjoints; only their rules are emitted.

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
        Op::Mapv(_) => true,
    }
}

/// Analyses `block` (straight-line at this level) with `independents` differentiated and `ret` the output.
pub fn analyse(num_vars: usize, block: &Block, ret: &Operand, independents: &[VarId]) -> Activity {
    let mut varied = vec![false; num_vars];
    for v in independents {
        varied[v.0] = true;
    }
    for stmt in &block.stmts {
        if let Stmt::Instr(i) = stmt {
            if flows(&i.op) && i.args.iter().any(|a| a.var().is_some_and(|v| varied[v.0])) {
                varied[i.dst.0] = true;
            }
        }
    }
    let mut useful = vec![false; num_vars];
    if let Some(v) = ret.var() {
        useful[v.0] = true;
    }
    for stmt in block.stmts.iter().rev() {
        if let Stmt::Instr(i) = stmt {
            if useful[i.dst.0] && flows(&i.op) {
                for v in i.args.iter().filter_map(Operand::var) {
                    useful[v.0] = true;
                }
            }
        }
    }
    Activity {
        active: varied.iter().zip(&useful).map(|(a, b)| *a && *b).collect(),
    }
}
