//! Walks over the IR: every block nested in a block, every statement, every variable a statement reads.
//! Analyses and transforms call these instead of matching on every kind of statement themselves.

use super::{Block, Op, Operand, Stmt, VarId};

/// Which nested blocks a walk enters.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Arms of branches and bodies of loops.
    Regions,
    /// Those, and the bodies of `mapv` closures and fused kernels.
    Closures,
}

/// Calls `f` on `block` and on every block nested in it, outer blocks first, in source order.
pub fn blocks<'a>(block: &'a Block, depth: Depth, f: &mut impl FnMut(&'a Block)) {
    f(block);
    for stmt in &block.stmts {
        for inner in nested(stmt, depth) {
            blocks(inner, depth, f);
        }
    }
}

/// The blocks directly inside a statement: a branch's arms, a loop's body, a closure's body (with
/// [`Depth::Closures`]).
pub fn nested(stmt: &Stmt, depth: Depth) -> Vec<&Block> {
    match stmt {
        Stmt::If(i) => vec![&i.then_, &i.else_],
        Stmt::Loop(l) => vec![&l.body],
        Stmt::Instr(i) => match &i.op {
            Op::Mapv(c) if depth == Depth::Closures => vec![&c.body],
            Op::Fused(k) if depth == Depth::Closures => vec![&k.body],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The blocks directly inside a statement, to rewrite (see [`nested`]).
pub fn nested_mut(stmt: &mut Stmt, depth: Depth) -> Vec<&mut Block> {
    match stmt {
        Stmt::If(i) => vec![&mut i.then_, &mut i.else_],
        Stmt::Loop(l) => vec![&mut l.body],
        Stmt::Instr(i) => match &mut i.op {
            Op::Mapv(c) if depth == Depth::Closures => vec![&mut c.body],
            Op::Fused(k) if depth == Depth::Closures => vec![&mut k.body],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Calls `f` on every statement of `block` and of the blocks nested in it, in source order, for a pass
/// that rewrites statements in place.
pub fn stmts_mut(block: &mut Block, depth: Depth, f: &mut impl FnMut(&mut Stmt)) {
    for stmt in &mut block.stmts {
        f(stmt);
        for inner in nested_mut(stmt, depth) {
            stmts_mut(inner, depth, f);
        }
    }
}

/// Calls `f` on every statement of `block` and of the blocks nested in it, in source order.
pub fn stmts<'a>(block: &'a Block, depth: Depth, f: &mut impl FnMut(&'a Stmt)) {
    for stmt in &block.stmts {
        f(stmt);
        for inner in nested(stmt, depth) {
            stmts(inner, depth, f);
        }
    }
}

/// The variables a statement reads itself (not those read by the blocks nested in it), with the values
/// a branch joins and the storage and first values of a loop's carried values.
pub fn reads(stmt: &Stmt, f: &mut impl FnMut(VarId)) {
    match stmt {
        Stmt::Instr(i) => {
            i.args.iter().filter_map(Operand::var).for_each(&mut *f);
            if let Op::Mapv(c) = &i.op {
                c.ret.var().into_iter().for_each(&mut *f);
            }
        }
        Stmt::Verbatim { reads, .. } => reads.iter().copied().for_each(&mut *f),
        Stmt::Init { value, .. } => value.var().into_iter().for_each(&mut *f),
        Stmt::WriteBack { storage, value } | Stmt::SetElem { storage, value, .. } => {
            f(*storage);
            value.var().into_iter().for_each(&mut *f);
        }
        Stmt::If(i) => {
            for j in &i.joins {
                j.then_value
                    .var()
                    .into_iter()
                    .chain(j.else_value.var())
                    .for_each(&mut *f);
            }
        }
        Stmt::Loop(l) => {
            for c in &l.carried {
                f(c.storage);
                c.init.var().into_iter().for_each(&mut *f);
            }
            l.writes.iter().copied().for_each(&mut *f);
        }
    }
}

/// The constant code of a statement itself, as tokens: its constant operands and extras, a verbatim
/// statement, an element write's index, a loop's head.
pub fn const_tokens(stmt: &Stmt) -> proc_macro2::TokenStream {
    let mut out = proc_macro2::TokenStream::new();
    let operand = |o: &Operand, out: &mut proc_macro2::TokenStream| {
        if let Operand::Const(t) = o {
            out.extend(t.clone());
        }
    };
    match stmt {
        Stmt::Instr(i) => {
            i.args.iter().for_each(|a| operand(a, &mut out));
            i.extras.iter().for_each(|e| out.extend(e.clone()));
        }
        Stmt::Verbatim { tokens, .. } => out.extend(tokens.clone()),
        Stmt::Init { value, .. } | Stmt::WriteBack { value, .. } => operand(value, &mut out),
        Stmt::SetElem { index, value, .. } => {
            out.extend(index.clone());
            operand(value, &mut out);
        }
        Stmt::If(i) => {
            for j in &i.joins {
                operand(&j.then_value, &mut out);
                operand(&j.else_value, &mut out);
            }
        }
        Stmt::Loop(l) => match &l.kind {
            super::LoopKind::Range { iter, .. } => out.extend(iter.clone()),
            super::LoopKind::While { cond } => out.extend(cond.clone()),
            super::LoopKind::Infinite => {}
        },
    }
    out
}

/// Every variable that a statement and everything inside it read (closures included).
pub fn reads_within(stmt: &Stmt, f: &mut impl FnMut(VarId)) {
    reads(stmt, f);
    for inner in nested(stmt, Depth::Closures) {
        stmts(inner, Depth::Closures, &mut |s| reads(s, f));
    }
}

/// Every array written element by element anywhere in `block` (closures aside).
pub fn element_writes(block: &Block) -> Vec<VarId> {
    let mut out = Vec::new();
    stmts(block, Depth::Regions, &mut |s| {
        if let Stmt::SetElem { storage, .. } = s {
            out.push(*storage);
        }
    });
    out
}

/// The ids of `block` and of every block nested in it, closures included.
pub fn block_ids(block: &Block) -> std::collections::HashSet<usize> {
    let mut ids = std::collections::HashSet::new();
    blocks(block, Depth::Closures, &mut |b| {
        ids.insert(b.id);
    });
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{ElemWrite, If, Instr, Loop, LoopKind};
    use proc_macro2::{Ident, Span, TokenStream};

    fn var(k: usize) -> Operand {
        Operand::Var(VarId(k))
    }

    fn instr(dst: usize, args: Vec<Operand>) -> Stmt {
        Stmt::Instr(Instr {
            dst: VarId(dst),
            op: Op::Prim(crate::prims::snapshot()),
            args,
            extras: Vec::new(),
            ascription: None,
            span: Span::call_site(),
        })
    }

    /// `v1 = f(v0); if flag { v2 = f(v1) } else {}; loop { y[i] = v2 }`, blocks 0, 1, 2, 3.
    fn sample() -> Block {
        let branch = Stmt::If(Box::new(If {
            flag: Ident::new("flag", Span::call_site()),
            then_: Block {
                id: 1,
                stmts: vec![instr(2, vec![var(1)])],
            },
            else_: Block {
                id: 2,
                stmts: Vec::new(),
            },
            joins: Vec::new(),
            restore: Vec::new(),
        }));
        let looped = Stmt::Loop(Box::new(Loop {
            kind: LoopKind::Infinite,
            body: Block {
                id: 3,
                stmts: vec![Stmt::SetElem {
                    storage: VarId(3),
                    kind: ElemWrite::Set,
                    index: TokenStream::new(),
                    value: var(2),
                    span: Span::call_site(),
                }],
            },
            carried: Vec::new(),
            carried_consts: Vec::new(),
            writes: vec![VarId(3)],
            brk: None,
            id: 0,
        }));
        Block {
            id: 0,
            stmts: vec![instr(1, vec![var(0)]), branch, looped],
        }
    }

    #[test]
    fn visits_every_block_and_statement_in_order() {
        let b = sample();
        let mut ids = Vec::new();
        blocks(&b, Depth::Regions, &mut |b| ids.push(b.id));
        assert_eq!(ids, vec![0, 1, 2, 3]);
        let mut count = 0;
        stmts(&b, Depth::Regions, &mut |_| count += 1);
        assert_eq!(count, 5);
        assert_eq!(element_writes(&b), vec![VarId(3)]);
        assert_eq!(block_ids(&b).len(), 4);
    }

    #[test]
    fn reads_within_a_region_include_its_body() {
        let b = sample();
        let mut read = Vec::new();
        reads_within(&b.stmts[2], &mut |v| read.push(v.0));
        read.sort();
        assert_eq!(read, vec![2, 3, 3]);
        let mut direct = Vec::new();
        reads(&b.stmts[1], &mut |v| direct.push(v.0));
        assert!(direct.is_empty());
    }
}
