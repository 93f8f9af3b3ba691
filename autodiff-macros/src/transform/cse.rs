//! Common element reads, IR to IR: a read of an array element that the same block has just read (`x[i]`
//! written three times in one expression) is the earlier read's value. The forward sweep then reads it
//! once, and the reverse sweep adds the element's partials together before one write into the
//! gradient, instead of three read-modify-writes of the same element in a row.
//!
//! Only reads of values that cannot change (parameters and computed values, not a loop's storage) are
//! merged, and only across plain instructions: any other statement between two reads (a constant
//! statement may change the counter an index names, a loop or branch may write the array) starts over.

use crate::ir::{visit, Aux, Block, Function, Op, Operand, Stmt, VarId, VarKind};
use crate::prims::{Access, Family};
use std::collections::HashMap;

/// `f` with repeated element reads merged; `const_reads` are the variables constant code reads by
/// name (never merged away).
pub fn eliminate(f: &Function, const_reads: &[VarId]) -> Function {
    let mut body = f.body.clone();
    let mut same: HashMap<VarId, VarId> = HashMap::new();
    merge_block(f, &mut body, const_reads, &mut same);
    if same.is_empty() {
        return clone_with(f, body);
    }
    let resolve = |o: &mut Operand| {
        if let Operand::Var(v) = o {
            if let Some(first) = same.get(v) {
                *v = *first;
            }
        }
    };
    visit::stmts_mut(&mut body, visit::Depth::Closures, &mut |s| match s {
        Stmt::Instr(i) => {
            i.args.iter_mut().for_each(resolve);
            match &mut i.op {
                Op::Mapv(c) => resolve(&mut c.ret),
                Op::Fused(k) => resolve(&mut k.ret),
                _ => {}
            }
        }
        Stmt::Init { value, .. } | Stmt::WriteBack { value, .. } | Stmt::SetElem { value, .. } => {
            resolve(value)
        }
        Stmt::If(i) => {
            for j in &mut i.joins {
                resolve(&mut j.then_value);
                resolve(&mut j.else_value);
            }
        }
        Stmt::Loop(l) => l.carried.iter_mut().for_each(|c| resolve(&mut c.init)),
        Stmt::Verbatim { .. } => {}
    });
    let mut out = clone_with(f, body);
    resolve(&mut out.ret);
    if let Some(aux) = out.aux.as_mut() {
        resolve_aux(aux, &resolve);
    }
    out
}

fn resolve_aux(aux: &mut Aux, resolve: &impl Fn(&mut Operand)) {
    match aux {
        Aux::Value(o) => resolve(o),
        Aux::Tuple(parts) => parts.iter_mut().for_each(|p| resolve_aux(p, resolve)),
    }
}

fn clone_with(f: &Function, body: Block) -> Function {
    f.with_body(f.vars.clone(), body)
}

/// Merges the repeated reads of `block` and of the blocks nested in it, recording each removed read's
/// earlier twin in `same`.
fn merge_block(
    f: &Function,
    block: &mut Block,
    const_reads: &[VarId],
    same: &mut HashMap<VarId, VarId>,
) {
    let mut seen: HashMap<String, VarId> = HashMap::new();
    let mut keep = Vec::with_capacity(block.stmts.len());
    for mut stmt in std::mem::take(&mut block.stmts) {
        let Stmt::Instr(i) = &stmt else {
            seen.clear();
            for nested in visit::nested_mut(&mut stmt, visit::Depth::Closures) {
                merge_block(f, nested, const_reads, same);
            }
            keep.push(stmt);
            continue;
        };
        let read = matches!(&i.op, Op::Prim(p)
            if matches!(p.family, Family::Access(Access::Index | Access::Element)));
        let fixed = i.args.iter().all(|a| match a {
            Operand::Var(v) => f.vars[v.0].kind != VarKind::Storage,
            Operand::Const(_) => false,
        });
        if !read || !fixed || const_reads.contains(&i.dst) || i.ascription.is_some() {
            keep.push(stmt);
            continue;
        }
        let Op::Prim(p) = &i.op else {
            unreachable!("matched above")
        };
        let args: Vec<String> = i
            .args
            .iter()
            .map(|a| format!("{:?}", a.var().map(|v| v.0)))
            .collect();
        let extras: Vec<String> = i.extras.iter().map(|e| e.to_string()).collect();
        let key = format!("{}({}; {})", p.name, args.join(", "), extras.join(", "));
        match seen.get(&key) {
            Some(first) => {
                same.insert(i.dst, *first);
            }
            None => {
                seen.insert(key, i.dst);
                keep.push(stmt);
            }
        }
    }
    block.stmts = keep;
}

#[cfg(test)]
mod tests;
