//! What a region (a branch's arm, a loop's body) leaves for the reverse sweep to record: the arrays it
//! writes that live outside it, which of them have their writes logged, and what a loop saves per
//! iteration (its checkpoint).

use super::activity::Activity;
use crate::ir::{visit, Block, Function, Loop, LoopKind, Stmt, Var, VarId};
use proc_macro2::Ident;

/// The arrays that `region` writes element by element and that are declared outside it: a rerun of
/// the region must not write them twice (arrays declared inside are made anew, and written again, by
/// the rerun).
pub fn outer_writes(f: &Function, region: &Block) -> Vec<VarId> {
    let mut writes = visit::element_writes(region);
    if writes.is_empty() {
        return writes;
    }
    let inside = visit::block_ids(region);
    writes.retain(|v| !inside.contains(&f.vars[v.0].block));
    writes
}

/// The logged arrays that `region` writes and that are declared outside it: a region's reverse undoes
/// their writes before it runs again.
pub fn outer_logged_writes(f: &Function, region: &Block) -> Vec<VarId> {
    // Asked for every branch and loop of every sweep: most functions log nothing.
    if f.logged.is_empty() {
        return Vec::new();
    }
    outer_writes(f, region)
        .into_iter()
        .filter(|v| f.logged.contains(v))
        .collect()
}

/// The logged arrays declared outside `blocks` that they write, each once, in order.
pub fn logged_writes_of(f: &Function, blocks: &[&Block]) -> Vec<VarId> {
    let mut written: Vec<VarId> = blocks
        .iter()
        .flat_map(|b| outer_logged_writes(f, b))
        .collect();
    written.sort();
    written.dedup();
    written
}

/// What one iteration of a loop saves for its reverse.
#[derive(Debug, PartialEq, Eq)]
pub enum Saved {
    /// A carried value the body reads (not an accumulator that is only added into).
    Carried(VarId),
    /// An integer counter the body changes.
    Counter(Ident),
    /// The length of a logged array's undo log (the reverse undoes the iteration's writes to it).
    LogLength(VarId),
}

/// A loop's checkpoint: what each iteration saves, in order.
pub fn checkpoint(f: &Function, l: &Loop) -> Vec<Saved> {
    let mut parts: Vec<Saved> = l
        .carried
        .iter()
        .filter(|c| c.saved)
        .map(|c| Saved::Carried(c.storage))
        .collect();
    parts.extend(l.carried_consts.iter().cloned().map(Saved::Counter));
    parts.extend(
        logged_writes_of(f, &[&l.body])
            .into_iter()
            .map(Saved::LogLength),
    );
    parts
}

/// Whether a loop's trip count is saved (its reverse cannot replay its iterator).
pub fn needs_count(l: &Loop) -> bool {
    l.brk.is_some() || !matches!(l.kind, LoopKind::Range { .. })
}

/// Whether a range loop's range reads a counter its body changes (`for i in 0..c { c += 1; .. }`): the
/// range is the one evaluated when the loop starts, so its reverse cannot evaluate it again.
pub fn range_reads_counters(l: &Loop) -> bool {
    let LoopKind::Range { iter, .. } = &l.kind else {
        return false;
    };
    if l.carried_consts.is_empty() {
        return false;
    }
    crate::naming::any_ident(iter.clone(), &mut |i| {
        l.carried_consts.iter().any(|c| c == i)
    })
}

/// Whether any variable defined in `block` (or in the regions inside it) is active.
pub fn block_has_active(block: &Block, activity: &Activity) -> bool {
    let mut any = false;
    visit::stmts(block, visit::Depth::Regions, &mut |stmt| {
        any |= match stmt {
            Stmt::Instr(i) => activity.is_active(i.dst),
            Stmt::Init { storage, .. }
            | Stmt::WriteBack { storage, .. }
            | Stmt::SetElem { storage, .. } => activity.is_active(*storage),
            Stmt::If(i) => i.joins.iter().any(|j| activity.is_active(j.var)),
            Stmt::Loop(_) | Stmt::Verbatim { .. } => false,
        }
    });
    any
}

/// Whether a loop is reversed: it carries, writes or computes an active value.
pub fn loop_is_active(l: &Loop, activity: &Activity) -> bool {
    l.carried.iter().any(|c| activity.is_active(c.storage))
        || l.writes.iter().any(|w| activity.is_active(*w))
        || block_has_active(&l.body, activity)
}

/// The arrays written element by element that a region the reverse sweep runs again (an arm, a loop
/// body, a `mapv` closure) reads, by variable or by name in constant code, and that are written in or
/// after the top-level statement holding that region. Their writes are logged, so that the reverse
/// sweep undoes each write as it passes it and a region run again reads what it read the first time,
/// whatever was written after it. An array whose writes all come before that statement (filled by one
/// loop, read by a later one) holds, whenever the region runs, the value it ends with: no log.
pub fn read_in_regions(vars: &[Var], body: &Block) -> Vec<VarId> {
    // The last top-level statement that writes each array.
    let mut last_write: std::collections::HashMap<VarId, usize> = Default::default();
    for (t, stmt) in body.stmts.iter().enumerate() {
        if let Stmt::SetElem { storage, .. } = stmt {
            last_write.insert(*storage, t);
        }
        for b in visit::nested(stmt, visit::Depth::Regions) {
            for w in visit::element_writes(b) {
                last_write.insert(w, t);
            }
        }
    }
    let mut out = Vec::new();
    if last_write.is_empty() {
        return out;
    }
    for (t, stmt) in body.stmts.iter().enumerate() {
        let mut names = std::collections::HashSet::new();
        let mut read = std::collections::HashSet::new();
        for region in visit::nested(stmt, visit::Depth::Closures) {
            visit::blocks(region, visit::Depth::Closures, &mut |b| {
                for stmt in &b.stmts {
                    // An element write's own array is written, not read: a rerun that skips or
                    // repeats the write reads nothing from it.
                    let written = match stmt {
                        Stmt::SetElem { storage, .. } => Some(*storage),
                        _ => None,
                    };
                    visit::reads(stmt, &mut |v| {
                        if Some(v) != written {
                            read.insert(v);
                        }
                    });
                    crate::naming::any_ident(visit::const_tokens(stmt), &mut |i| {
                        names.insert(i.to_string());
                        false
                    });
                }
            });
        }
        out.extend(last_write.iter().filter_map(|(v, last)| {
            let read = read.contains(v) || names.contains(&vars[v.0].name.to_string());
            (*last >= t && read).then_some(*v)
        }));
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests;
