//! Liveness for the forward sweep: which values it must compute (what the output, the adjoint program and
//! constant statements read, transitively) and which top-level loops it can leave out.

use super::activity::Activity;
use super::regions::{loop_is_active, needs_count};
use crate::ir::adjoint::{AExpr, AStmt};
use crate::ir::{visit, Block, Function, Op, Operand, Stmt, VarId};
use std::collections::HashSet;

/// Marks what the needed statements of `block` read, transitively (backwards), starting from
/// `needed`; a storage in `declared_only` needs its `Init` but not its loop. Returns the loops the
/// forward sweep can leave out: those whose results nothing reads and whose reverse needs no saved
/// iterations (an index loop that only accumulates, like a sum of terms).
pub fn mark_needed(
    f: &Function,
    block: &Block,
    needed: &mut [bool],
    declared_only: &HashSet<VarId>,
    activity: &Activity,
) -> HashSet<usize> {
    let mut skip = HashSet::new();
    for stmt in block.stmts.iter().rev() {
        match stmt {
            Stmt::Instr(i) => {
                if needed[i.dst.0] {
                    visit::reads_within(stmt, &mut |v| needed[v.0] = true);
                }
            }
            Stmt::Init { storage, value } => {
                if needed[storage.0] || declared_only.contains(storage) {
                    needed[storage.0] = true;
                    if let Some(v) = value.var() {
                        needed[v.0] = true;
                    }
                }
            }
            Stmt::Loop(l) => {
                let results = l
                    .carried
                    .iter()
                    .map(|c| c.storage)
                    .chain(l.writes.iter().copied());
                let results_needed = results.into_iter().any(|v| needed[v.0]);
                let reversed = loop_is_active(l, activity);
                let records = l.carried.iter().any(|c| c.saved)
                    || !l.carried_consts.is_empty()
                    || visit::element_writes(&l.body)
                        .iter()
                        .any(|v| f.logged.contains(v))
                    || needs_count(l);
                let counters = !l.carried_consts.is_empty();
                if results_needed || (reversed && records) || !l.writes.is_empty() || counters {
                    visit::reads_within(stmt, &mut |v| needed[v.0] = true);
                } else {
                    skip.insert(l.id);
                    if reversed {
                        // The reverse recomputes the body: what it reads must exist.
                        visit::reads_within(stmt, &mut |v| {
                            if !l.carried.iter().any(|c| c.storage == v) {
                                needed[v.0] = true;
                            }
                        });
                    }
                }
            }
            other => visit::reads_within(other, &mut |v| needed[v.0] = true),
        }
    }
    skip
}

/// The variables the adjoint program reads from the forward sweep (its rules' operands, the outputs
/// the rules read, the calls whose pullbacks it applies).
pub fn reads(body: &[AStmt], out: &mut Vec<VarId>) {
    fn expr(e: &AExpr, out: &mut Vec<VarId>) {
        match e {
            AExpr::Rule { instr, seed, .. } => {
                out.extend(instr.args.iter().filter_map(Operand::var));
                if matches!(&instr.op, Op::Prim(p) if p.reads_output) {
                    out.push(instr.dst);
                }
                expr(seed, out);
            }
            AExpr::JoinRule { instr, seed, .. } | AExpr::Mapv { instr, seed, .. } => {
                out.extend(instr.args.iter().filter_map(Operand::var));
                expr(seed, out);
            }
            _ => {}
        }
    }
    for s in body {
        match s {
            AStmt::Contribute { value, .. }
            | AStmt::Assign { value, .. }
            | AStmt::Discard(value) => expr(value, out),
            AStmt::ElemAcc { target, seed, .. } => {
                out.push(*target);
                expr(seed, out);
            }
            AStmt::FieldAcc { seed, .. } => expr(seed, out),
            AStmt::Pullback { instr, .. } => {
                out.push(instr.dst);
                out.extend(instr.args.iter().filter_map(Operand::var));
            }
            AStmt::Kernel { instr, seed, .. } => {
                out.extend(instr.args.iter().filter_map(Operand::var));
                expr(seed, out);
            }
            AStmt::If { then_, else_, .. } => {
                reads(then_, out);
                reads(else_, out);
            }
            AStmt::Loop { body, .. } => reads(body, out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
