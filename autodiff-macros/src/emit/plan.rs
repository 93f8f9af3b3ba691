//! What a sweep needs: which adjoints are moved in or zeroed, which values the forward sweep computes, and
//! which loops it leaves out.

use super::*;

impl Emitter<'_> {
    /// Marks what the top level's needed statements read, transitively (backwards), and returns the
    /// loops the forward sweep can leave out: those whose results nothing reads and whose reverse needs
    /// no saved iterations (an index loop that only accumulates, like a sum of terms).
    pub(super) fn mark_needed(
        &self,
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
                    let reversed = l.carried.iter().any(|c| activity.is_active(c.storage))
                        || l.writes.iter().any(|w| activity.is_active(*w))
                        || block_has_active(&l.body, activity);
                    let records = l.carried.iter().any(|c| c.saved)
                        || !l.carried_consts.is_empty()
                        || visit::element_writes(&l.body)
                            .iter()
                            .any(|v| self.f.logged.contains(v))
                        || Self::needs_count(l);
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
}

/// Whether any variable defined in `block` (or in the regions inside it) is active.
pub(super) fn block_has_active(block: &Block, activity: &Activity) -> bool {
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

/// Every contribution to an adjoint: `(variable, block where it is made, made in place?)`.
pub(super) fn contributions(
    block: &Block,
    activity: &Activity,
    events: &mut Vec<(VarId, usize, bool)>,
) {
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
