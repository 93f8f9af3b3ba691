//! Fusion, IR to IR: a chain of elementwise instructions and the `sum` or `mean` that ends it become one
//! fused kernel, `fused_sumN(operands.., |elements..| chain)`, so that neither the forward sweep nor the reverse
//! sweep makes an array of the chain's intermediate values: one pass over memory forward, one backward.
//!
//! A chain is grown backwards from a `sum` or `mean` over instructions of the elementwise families whose value has
//! no other use (not read elsewhere, not returned, not read by constant code) and that are defined in the
//! same block. What the chain reads from outside becomes the kernel's operands; a literal stays inside.
//! Reverse mode runs on the fused IR; forward mode on the unfused one.

use crate::ir::{
    visit, Block, Function, Instr, Kernel, Op, Operand, Stmt, Var, VarId, VarKind, View,
};
use crate::naming::Namer;
use crate::prims::{Family, Reduction};
use proc_macro2::Span;
use std::collections::{HashMap, HashSet};

/// The most operands a kernel takes (the runtime's `fused_sum1` to `fused_sum6`).
pub const MAX_OPERANDS: usize = 6;

/// `f` with every fusable chain fused; `const_reads` are the variables constant code reads.
pub fn fuse(f: &Function, const_reads: &[VarId], namer: &mut Namer) -> Function {
    let mut uses: HashMap<VarId, usize> = HashMap::new();
    visit::stmts(&f.body, visit::Depth::Closures, &mut |s| {
        visit::reads(s, &mut |v| *uses.entry(v).or_default() += 1)
    });
    let mut pinned: HashSet<VarId> = const_reads.iter().copied().collect();
    pinned.extend(f.ret.var());
    pinned.extend(f.aux.iter().flat_map(|a| a.vars()));
    let mut next_block = 0;
    visit::blocks(&f.body, visit::Depth::Closures, &mut |b| {
        next_block = next_block.max(b.id + 1)
    });
    let mut fuser = Fuser {
        f,
        vars: f.vars.clone(),
        uses,
        pinned,
        next_block,
        namer,
    };
    let body = fuser.block(&f.body);
    Function {
        vars: fuser.vars,
        body,
        ret: f.ret.clone(),
        aux: f.aux.clone(),
        scalar_consts: f.scalar_consts.clone(),
        logged: f.logged.clone(),
    }
}

struct Fuser<'a> {
    f: &'a Function,
    vars: Vec<Var>,
    uses: HashMap<VarId, usize>,
    pinned: HashSet<VarId>,
    next_block: usize,
    namer: &'a mut Namer,
}

fn elementwise(i: &Instr) -> bool {
    matches!(&i.op, Op::Prim(p) if matches!(p.family, Family::Unary | Family::Elementwise))
}

impl Fuser<'_> {
    fn block(&mut self, b: &Block) -> Block {
        // Regions first: their chains are fused in place.
        let stmts: Vec<Stmt> = b
            .stmts
            .iter()
            .map(|s| match s {
                Stmt::If(i) => {
                    let mut i = i.clone();
                    i.then_ = self.block(&i.then_);
                    i.else_ = self.block(&i.else_);
                    Stmt::If(i)
                }
                Stmt::Loop(l) => {
                    let mut l = l.clone();
                    l.body = self.block(&l.body);
                    Stmt::Loop(l)
                }
                other => other.clone(),
            })
            .collect();
        let mut absorbed: HashSet<usize> = HashSet::new();
        let mut fused: HashMap<usize, Stmt> = HashMap::new();
        for (k, s) in stmts.iter().enumerate().rev() {
            let Stmt::Instr(root) = s else { continue };
            let reduction = match &root.op {
                Op::Prim(p) => match p.family {
                    Family::Reduce(r @ (Reduction::Sum | Reduction::Mean)) => r,
                    _ => continue,
                },
                _ => continue,
            };
            if absorbed.contains(&k) {
                continue;
            }
            let Some(chain) = self.chain(&stmts, k, &absorbed) else {
                continue;
            };
            absorbed.extend(chain.iter().copied());
            let views = self.views(&stmts, k, &chain);
            absorbed.extend(views.values().map(|(at, _)| *at));
            let kernel = self.kernel(&stmts, &chain, root, reduction, &views);
            fused.insert(k, kernel);
        }
        let stmts = stmts
            .into_iter()
            .enumerate()
            .filter(|(k, _)| !absorbed.contains(k))
            .map(|(k, s)| fused.remove(&k).unwrap_or(s))
            .collect();
        Block { id: b.id, stmts }
    }

    /// The statements of the chain that ends in `root`, statement `at` of the block (in block order),
    /// or `None` where there is none or it would take too many operands. A value joins the chain when
    /// it is elementwise and every read of it is by the chain; statements are visited backwards, so a
    /// value's reads are all counted when its definition is reached.
    fn chain(&self, stmts: &[Stmt], at: usize, absorbed: &HashSet<usize>) -> Option<Vec<usize>> {
        let root = instr_at(stmts, at);
        let mut inside_uses: HashMap<VarId, usize> = HashMap::new();
        for v in root.args.iter().filter_map(Operand::var) {
            *inside_uses.entry(v).or_default() += 1;
        }
        let mut chain: Vec<usize> = Vec::new();
        for k in (0..at).rev() {
            let Stmt::Instr(i) = &stmts[k] else { continue };
            let Some(&n) = inside_uses.get(&i.dst) else {
                continue;
            };
            let reads_storage = i.args.iter().any(|a| {
                a.var()
                    .is_some_and(|v| self.vars[v.0].kind == VarKind::Storage)
            });
            if absorbed.contains(&k)
                || !elementwise(i)
                || reads_storage
                || self.pinned.contains(&i.dst)
                || self.uses.get(&i.dst) != Some(&n)
            {
                continue;
            }
            chain.push(k);
            for v in i.args.iter().filter_map(Operand::var) {
                *inside_uses.entry(v).or_default() += 1;
            }
        }
        chain.reverse();
        let first = *chain.first()?;
        // The chain is evaluated where the sum is: constant code that names something must not be
        // moved across a statement that may change it.
        let moved_across = stmts[first..at]
            .iter()
            .any(|s| !matches!(s, Stmt::Instr(_)));
        let names_something = chain.iter().any(|k| {
            instr_at(stmts, *k).args.iter().any(|a| match a {
                Operand::Const(t) => crate::naming::any_ident(t.clone(), &mut |_| true),
                Operand::Var(_) => false,
            })
        });
        if moved_across && names_something {
            return None;
        }
        let operands = self.operands(stmts, &chain).len();
        (operands > 0 && operands <= MAX_OPERANDS).then_some(chain)
    }

    /// The operands of the chain ending at statement `root` that are slices the kernel can read in
    /// place: `a = x.slice(info)` in this block, read by the chain alone, with `x` a variable that
    /// nothing between the slice and the kernel may change. Each maps to the slice's statement and
    /// what the kernel reads instead.
    fn views(
        &self,
        stmts: &[Stmt],
        root: usize,
        chain: &[usize],
    ) -> HashMap<VarId, (usize, (Operand, View))> {
        let mut reads: HashMap<VarId, usize> = HashMap::new();
        for k in chain {
            for v in instr_at(stmts, *k).args.iter().filter_map(Operand::var) {
                *reads.entry(v).or_default() += 1;
            }
        }
        let mut out = HashMap::new();
        for (at, s) in stmts[..root].iter().enumerate() {
            let Stmt::Instr(i) = s else { continue };
            let is_slice = matches!(&i.op, Op::Prim(p) if p.name == "slice");
            let (Some(n), true) = (reads.get(&i.dst), is_slice) else {
                continue;
            };
            let Some(source) = i.args[0].var() else {
                continue;
            };
            let unchanged = self.vars[source.0].kind != VarKind::Storage
                || stmts[at..root].iter().all(|s| matches!(s, Stmt::Instr(_)));
            if self.uses.get(&i.dst) == Some(n)
                && !self.pinned.contains(&i.dst)
                && unchanged
                && i.extras.len() == 1
            {
                let view = View {
                    info: i.extras[0].clone(),
                    span: i.span,
                };
                out.insert(i.dst, (at, (Operand::Var(source), view)));
            }
        }
        out
    }

    /// What identifies an argument of a chain instruction as a kernel operand: `None` for a value of the
    /// chain (`inside`) or a scalar literal, which stay inside the kernel.
    fn operand_key(&self, a: &Operand, inside: &HashSet<VarId>) -> Option<String> {
        match a {
            Operand::Var(v) if inside.contains(v) => None,
            Operand::Var(v) => Some(format!("v{}", v.0)),
            Operand::Const(t) if crate::scalars::scalar_const(t, self.f) => None,
            Operand::Const(t) => Some(t.to_string()),
        }
    }

    /// The chain's operands from outside it, each once, in order of first use: variables, and
    /// constants other than scalar literals (which stay inside).
    fn operands(&self, stmts: &[Stmt], chain: &[usize]) -> Vec<(String, Operand)> {
        let inside: HashSet<VarId> = chain.iter().map(|k| instr_at(stmts, *k).dst).collect();
        let mut out: Vec<(String, Operand)> = Vec::new();
        for k in chain {
            for a in &instr_at(stmts, *k).args {
                let Some(key) = self.operand_key(a, &inside) else {
                    continue;
                };
                if !out.iter().any(|(k, _)| *k == key) {
                    out.push((key, a.clone()));
                }
            }
        }
        out
    }

    /// The kernel instruction that replaces `root`, computing the chain's statements for one element.
    fn kernel(
        &mut self,
        stmts: &[Stmt],
        chain: &[usize],
        root: &Instr,
        reduction: Reduction,
        views: &HashMap<VarId, (usize, (Operand, View))>,
    ) -> Stmt {
        let body_id = self.next_block;
        self.next_block += 1;
        let operands = self.operands(stmts, chain);
        let mut params: Vec<VarId> = Vec::new();
        let mut param_of: HashMap<String, VarId> = HashMap::new();
        for (key, a) in &operands {
            let base = match a {
                Operand::Var(v) => format!("{}_elem", self.vars[v.0].name),
                Operand::Const(_) => "elem".to_string(),
            };
            let name = self.namer.fresh(&base, Span::call_site());
            self.vars.push(Var {
                name,
                kind: VarKind::ClosureParam,
                block: body_id,
            });
            let p = VarId(self.vars.len() - 1);
            param_of.insert(key.clone(), p);
            params.push(p);
        }
        let inside: HashSet<VarId> = chain.iter().map(|k| instr_at(stmts, *k).dst).collect();
        let mut body = Vec::new();
        for k in chain {
            let mut i = instr_at(stmts, *k).clone();
            for a in i.args.iter_mut() {
                if let Some(key) = self.operand_key(a, &inside) {
                    *a = Operand::Var(param_of[&key]);
                }
            }
            // Inside the kernel a value is one element: the type the user wrote on the array goes.
            i.ascription = None;
            self.vars[i.dst.0].block = body_id;
            body.push(Stmt::Instr(i));
        }
        let kernel = Kernel {
            params,
            body: Block {
                id: body_id,
                stmts: body,
            },
            ret: root.args[0].clone(),
            reduction,
            views: operands
                .iter()
                .map(|(_, a)| {
                    a.var()
                        .and_then(|v| views.get(&v))
                        .map(|(_, (_, w))| w.clone())
                })
                .collect(),
        };
        // A slice read in place: the operand is the array it slices.
        let args = operands
            .into_iter()
            .map(|(_, a)| match a.var().and_then(|v| views.get(&v)) {
                Some((_, (source, _))) => source.clone(),
                None => a,
            })
            .collect();
        Stmt::Instr(Instr {
            dst: root.dst,
            op: Op::Fused(Box::new(kernel)),
            args,
            extras: Vec::new(),
            ascription: root.ascription.clone(),
            span: root.span,
        })
    }
}

fn instr_at(stmts: &[Stmt], k: usize) -> &Instr {
    match &stmts[k] {
        Stmt::Instr(i) => i,
        _ => unreachable!("a chain is made of instructions"),
    }
}

#[cfg(test)]
mod tests;
