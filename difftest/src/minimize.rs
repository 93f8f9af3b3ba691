//! Shrinks a failing program on the generator's AST: deletes statements, unwraps branches, drops arms
//! and replaces subexpressions, keeping a candidate while it fails the same way.

use crate::ast::*;
use crate::run::{run_batch, Res};
use std::path::Path;

/// Every block of the program, outermost first, as paths of statement indices.
fn visit_blocks<'a>(b: &'a mut Block, f: &mut dyn FnMut(&mut Block)) {
    f(b);
    for s in b.stmts.iter_mut() {
        match s {
            Stmt::If { arms, els } => {
                for (_, a) in arms.iter_mut() {
                    visit_blocks(a, f);
                }
                if let Some(e) = els {
                    visit_blocks(e, f);
                }
            }
            Stmt::For { body, .. }
            | Stmt::ForIter { body, .. }
            | Stmt::ForKs { body, .. }
            | Stmt::While { body, .. }
            | Stmt::Loop { body, .. } => visit_blocks(body, f),
            _ => {}
        }
    }
}

fn count_blocks(p: &Program) -> usize {
    let mut q = p.clone();
    let mut n = 0;
    visit_blocks(&mut q.body, &mut |_| n += 1);
    n
}

/// Applies `f` to block number `k` (in `visit_blocks` order) of a copy of `p`.
fn with_block(p: &Program, k: usize, f: &mut dyn FnMut(&mut Block) -> bool) -> Option<Program> {
    let mut q = p.clone();
    let mut i = 0;
    let mut changed = false;
    visit_blocks(&mut q.body, &mut |b| {
        if i == k {
            changed = f(b);
        }
        i += 1;
    });
    changed.then_some(q)
}

fn visit_exprs(b: &mut Block, f: &mut dyn FnMut(&mut Expr)) {
    fn cond(c: &mut Cond, f: &mut dyn FnMut(&mut Expr)) {
        match c {
            Cond::Cmp(_, a, b) => {
                expr(a, f);
                expr(b, f);
            }
            Cond::And(a, b) | Cond::Or(a, b) => {
                cond(a, f);
                cond(b, f);
            }
            _ => {}
        }
    }
    fn expr(e: &mut Expr, f: &mut dyn FnMut(&mut Expr)) {
        f(e);
        match e {
            Expr::Bin(_, a, b)
            | Expr::F2(_, a, b)
            | Expr::HelperMix(a, b)
            | Expr::Dot(a, b)
            | Expr::HelperArr(a, b)
            | Expr::Mapv(a, _, b) => {
                expr(a, f);
                expr(b, f);
            }
            Expr::Neg(a)
            | Expr::F1(_, a)
            | Expr::Nn(_, a)
            | Expr::HelperSq(a)
            | Expr::FromElem(a)
            | Expr::AF(_, a)
            | Expr::Sum(a)
            | Expr::Mean(a) => expr(a, f),
            Expr::If(_, arms, els) => {
                for (c, b) in arms.iter_mut() {
                    cond(c, f);
                    visit_exprs(b, f);
                }
                visit_exprs(els, f);
            }
            _ => {}
        }
    }
    for s in b.stmts.iter_mut() {
        match s {
            Stmt::Let { init, .. } => expr(init, f),
            Stmt::Assign { value, .. } | Stmt::ElemAssign { value, .. } => expr(value, f),
            Stmt::LetDiscard(e) => expr(e, f),
            Stmt::LetCounter { .. } | Stmt::CounterAssign { .. } | Stmt::LetKs { .. } => {}
            Stmt::If { arms, els } => {
                for (c, a) in arms.iter_mut() {
                    cond(c, f);
                    visit_exprs(a, f);
                }
                if let Some(e) = els {
                    visit_exprs(e, f);
                }
            }
            Stmt::For { body, .. }
            | Stmt::ForIter { body, .. }
            | Stmt::ForKs { body, .. }
            | Stmt::While { body, .. }
            | Stmt::Loop { body, .. } => visit_exprs(body, f),
        }
    }
    match &mut b.tail {
        Tail::Value(e) | Tail::Return(e) => expr(e, f),
        _ => {}
    }
}

/// The size of a program (statements and expression nodes): every candidate is smaller.
pub fn size(p: &Program) -> usize {
    let mut q = p.clone();
    let mut n = 0;
    visit_exprs(&mut q.body, &mut |_| n += 1);
    visit_blocks(&mut q.body, &mut |b| {
        n += 1 + b.stmts.len() * 2 + usize::from(!matches!(b.tail, Tail::None))
    });
    n
}

fn children(e: &Expr) -> Vec<Expr> {
    match e {
        Expr::Bin(_, a, b)
        | Expr::F2(_, a, b)
        | Expr::HelperMix(a, b)
        | Expr::Dot(a, b)
        | Expr::HelperArr(a, b) => {
            vec![(**a).clone(), (**b).clone()]
        }
        Expr::Mapv(a, _, _) => vec![(**a).clone()],
        Expr::Neg(a)
        | Expr::F1(_, a)
        | Expr::Nn(_, a)
        | Expr::HelperSq(a)
        | Expr::FromElem(a)
        | Expr::AF(_, a) => {
            vec![(**a).clone()]
        }
        Expr::Sum(a) | Expr::Mean(a) => vec![(**a).clone()],
        Expr::If(_, arms, els) => {
            let mut v = Vec::new();
            for b in arms.iter().map(|(_, b)| b).chain(std::iter::once(&**els)) {
                if let Tail::Value(e) = &b.tail {
                    v.push(e.clone());
                }
            }
            v
        }
        _ => vec![],
    }
}

/// All one-step simplifications of `p`, larger reductions first; only well-formed ones.
pub fn candidates(p: &Program) -> Vec<Program> {
    let mut out = Vec::new();
    let nb = count_blocks(p);
    for k in 0..nb {
        let len = {
            let mut l = 0;
            with_block(p, k, &mut |b| {
                l = b.stmts.len();
                false
            });
            l
        };
        for i in 0..len {
            // delete statement i
            out.extend(with_block(p, k, &mut |b| {
                b.stmts.remove(i);
                true
            }));
            // unwrap an `if`: one arm's statements in its place
            for arm in 0..4 {
                out.extend(with_block(p, k, &mut |b| {
                    if let Stmt::If { arms, els } = &b.stmts[i] {
                        let blk = if arm < arms.len() {
                            Some(arms[arm].1.clone())
                        } else if arm == arms.len() {
                            els.clone()
                        } else {
                            None
                        };
                        if let Some(blk) = blk.filter(|x| matches!(x.tail, Tail::None)) {
                            b.stmts.splice(i..=i, blk.stmts);
                            return true;
                        }
                    }
                    false
                }));
            }
            // drop an arm or the else
            for arm in 0..4 {
                out.extend(with_block(p, k, &mut |b| {
                    if let Stmt::If { arms, els } = &mut b.stmts[i] {
                        if arm < arms.len() && arms.len() > 1 {
                            arms.remove(arm);
                            return true;
                        }
                        if arm == arms.len() && els.is_some() {
                            *els = None;
                            return true;
                        }
                    }
                    false
                }));
            }
        }
        // a diverging tail
        out.extend(with_block(p, k, &mut |b| {
            if matches!(b.tail, Tail::Return(_) | Tail::Break | Tail::Continue) && k > 0 {
                b.tail = Tail::None;
                return true;
            }
            false
        }));
    }
    // expressions: a child of the same type, or a literal
    let mut q = p.clone();
    let mut n = 0;
    visit_exprs(&mut q.body, &mut |_| n += 1);
    for k in 0..n {
        let mut options: Vec<Expr> = Vec::new();
        let mut q = p.clone();
        let mut i = 0;
        visit_exprs(&mut q.body, &mut |e| {
            if i == k {
                let ty = e.ty();
                options = children(e).into_iter().filter(|c| c.ty() == ty).collect();
                if ty == Ty::S && !matches!(e, Expr::Lit(_)) {
                    options.push(Expr::Lit(1.0));
                }
            }
            i += 1;
        });
        for o in options {
            let mut q = p.clone();
            let mut i = 0;
            visit_exprs(&mut q.body, &mut |e| {
                if i == k {
                    *e = o.clone();
                }
                i += 1;
            });
            out.push(q);
        }
    }
    let mut out: Vec<Program> = out.into_iter().filter(well_formed).collect();
    out.sort_by_key(size);
    out
}

#[derive(Clone)]
struct Binding {
    name: String,
    ty: Ty,
    mutable: bool,
    deref: bool,
}

/// True when every name is bound where it is used, with its type, and assigned names are `mut`.
pub fn well_formed(p: &Program) -> bool {
    let mut scopes: Vec<Vec<Binding>> = vec![p
        .params
        .iter()
        .map(|q| Binding {
            name: q.name.clone(),
            ty: q.ty,
            mutable: false,
            deref: false,
        })
        .collect()];
    let mut counters: Vec<String> = Vec::new();
    block_ok(&p.body, &mut scopes, &mut counters)
}

fn lookup<'a>(scopes: &'a [Vec<Binding>], n: &str) -> Option<&'a Binding> {
    scopes
        .iter()
        .rev()
        .flat_map(|s| s.iter().rev())
        .find(|b| b.name == n)
}

fn idx_ok(i: &Idx, counters: &[String]) -> bool {
    match i {
        Idx::Const(_) => true,
        Idx::Var(v) | Idx::Rev(v) | Idx::Next(v) | Idx::Mod(v) => counters.contains(v),
    }
}

fn expr_ok(e: &Expr, scopes: &mut Vec<Vec<Binding>>, counters: &mut Vec<String>) -> bool {
    match e {
        Expr::Var(n, ty, _) => lookup(scopes, n).is_some_and(|b| b.ty == *ty && !b.deref),
        Expr::Deref(n) => lookup(scopes, n).is_some_and(|b| b.deref),
        Expr::Index(n, i) => {
            lookup(scopes, n).is_some_and(|b| b.ty == Ty::A) && idx_ok(i, counters)
        }
        Expr::SliceSum(n, ..) | Expr::ToOwned(n, _) => {
            lookup(scopes, n).is_some_and(|b| b.ty == Ty::A)
        }
        Expr::Count(i) => counters.contains(i),
        Expr::Lit(_) | Expr::Zeros | Expr::VecZeros | Expr::FixedZeros => true,
        Expr::Mapv(a, v, body) => {
            if !expr_ok(a, scopes, counters) {
                return false;
            }
            scopes.push(vec![Binding {
                name: v.clone(),
                ty: Ty::S,
                mutable: false,
                deref: false,
            }]);
            let ok = expr_ok(body, scopes, counters);
            scopes.pop();
            ok
        }
        Expr::If(_, arms, els) => {
            arms.iter()
                .all(|(c, b)| cond_ok(c, scopes, counters) && block_ok(b, scopes, counters))
                && block_ok(els, scopes, counters)
        }
        _ => children_all(e).iter().all(|c| expr_ok(c, scopes, counters)),
    }
}

fn children_all(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Bin(_, a, b)
        | Expr::F2(_, a, b)
        | Expr::HelperMix(a, b)
        | Expr::Dot(a, b)
        | Expr::HelperArr(a, b) => {
            vec![a, b]
        }
        Expr::Neg(a)
        | Expr::F1(_, a)
        | Expr::Nn(_, a)
        | Expr::HelperSq(a)
        | Expr::FromElem(a)
        | Expr::AF(_, a)
        | Expr::Sum(a)
        | Expr::Mean(a) => vec![a],
        _ => vec![],
    }
}

fn cond_ok(c: &Cond, scopes: &mut Vec<Vec<Binding>>, counters: &mut Vec<String>) -> bool {
    match c {
        Cond::Cmp(_, a, b) => expr_ok(a, scopes, counters) && expr_ok(b, scopes, counters),
        Cond::Even(i) | Cond::CountLt(i, _) => counters.contains(i),
        Cond::And(a, b) | Cond::Or(a, b) => {
            cond_ok(a, scopes, counters) && cond_ok(b, scopes, counters)
        }
        Cond::Guard { counter, arr, .. } => {
            counters.contains(counter) && lookup(scopes, arr).is_some_and(|b| b.ty == Ty::A)
        }
    }
}

fn block_ok(b: &Block, scopes: &mut Vec<Vec<Binding>>, counters: &mut Vec<String>) -> bool {
    let mark = counters.len();
    scopes.push(vec![]);
    let mut ok = true;
    for s in &b.stmts {
        ok = ok && stmt_ok(s, scopes, counters);
    }
    ok = ok
        && match &b.tail {
            Tail::Value(e) | Tail::Return(e) => expr_ok(e, scopes, counters),
            _ => true,
        };
    scopes.pop();
    counters.truncate(mark);
    ok
}

fn body_with(
    b: &Block,
    bind: Option<Binding>,
    counter: Option<&String>,
    scopes: &mut Vec<Vec<Binding>>,
    counters: &mut Vec<String>,
) -> bool {
    scopes.push(bind.into_iter().collect());
    if let Some(c) = counter {
        counters.push(c.clone());
    }
    let ok = block_ok(b, scopes, counters);
    if counter.is_some() {
        counters.pop();
    }
    scopes.pop();
    ok
}

fn stmt_ok(s: &Stmt, scopes: &mut Vec<Vec<Binding>>, counters: &mut Vec<String>) -> bool {
    match s {
        Stmt::Let {
            name,
            mutable,
            ty,
            init,
            ..
        } => {
            let ok = expr_ok(init, scopes, counters) && init.ty() == *ty;
            scopes.last_mut().unwrap().push(Binding {
                name: name.clone(),
                ty: *ty,
                mutable: *mutable,
                deref: false,
            });
            ok
        }
        Stmt::Assign { name, value, .. } => {
            lookup(scopes, name).is_some_and(|b| b.mutable) && expr_ok(value, scopes, counters)
        }
        Stmt::ElemAssign {
            name, idx, value, ..
        } => {
            lookup(scopes, name).is_some_and(|b| b.mutable && b.ty == Ty::A)
                && idx_ok(idx, counters)
                && expr_ok(value, scopes, counters)
        }
        Stmt::If { arms, els } => {
            arms.iter()
                .all(|(c, b)| cond_ok(c, scopes, counters) && block_ok(b, scopes, counters))
                && els.as_ref().is_none_or(|b| block_ok(b, scopes, counters))
        }
        Stmt::For { var, hi, body, .. } => {
            let hi_ok = match hi {
                Bound::Const(_) => true,
                Bound::Var(v) => counters.contains(v),
            };
            hi_ok && body_with(body, None, Some(var), scopes, counters)
        }
        Stmt::ForIter {
            var,
            pat_ref,
            arr,
            body,
            ..
        } => {
            lookup(scopes, arr).is_some_and(|b| b.ty == Ty::A)
                && body_with(
                    body,
                    Some(Binding {
                        name: var.clone(),
                        ty: Ty::S,
                        mutable: false,
                        deref: !pat_ref,
                    }),
                    None,
                    scopes,
                    counters,
                )
        }
        Stmt::While { counter, body, .. } | Stmt::Loop { counter, body, .. } => {
            body_with(body, None, Some(counter), scopes, counters)
        }
        Stmt::LetCounter { name } => {
            counters.push(name.clone());
            true
        }
        Stmt::CounterAssign { name, op } => {
            counters.contains(name)
                && match op {
                    CAsg::From(i) => counters.contains(i),
                    _ => true,
                }
        }
        Stmt::LetKs { name, .. } => {
            // a collection of indices: marked among the counters
            counters.push(format!("ks:{name}"));
            true
        }
        Stmt::ForKs { var, ks, body, .. } => {
            counters.contains(&format!("ks:{ks}"))
                && body_with(body, None, Some(var), scopes, counters)
        }
        Stmt::LetDiscard(e) => expr_ok(e, scopes, counters),
    }
}

/// Minimizes program `p` (which fails with signature `sig`) in the scratch crate `dir`; prints progress.
pub fn minimize(p: &Program, sig: &str, dir: &Path) -> (Program, Res) {
    let mut cur = p.clone();
    let mut cur_res = None;
    let mut round = 0;
    loop {
        round += 1;
        let cands = candidates(&cur);
        if cands.is_empty() {
            break;
        }
        let mut found = false;
        // try in batches, largest reductions first
        for chunk in cands.chunks(40) {
            let batch: Vec<Program> = chunk
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    let mut c = c.clone();
                    c.name = format!("m{round}_{k}");
                    c
                })
                .collect();
            let results = run_batch(&batch, dir);
            if let Some((c, r)) = batch
                .iter()
                .zip(results)
                .find(|(_, r)| r.signature().as_deref() == Some(sig))
            {
                cur = c.clone();
                cur.name = p.name.clone();
                eprintln!("minimize: round {round}: size {}", size(&cur));
                cur_res = Some(r);
                found = true;
                break;
            }
        }
        if !found {
            break;
        }
    }
    let res = cur_res.unwrap_or_else(|| run_batch(std::slice::from_ref(&cur), dir).remove(0));
    (cur, res)
}
