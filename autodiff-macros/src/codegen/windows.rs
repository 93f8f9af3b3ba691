//! Element reads and writes of a forward-printed index loop (`f_jvp`, `f_hvp`) through one slice per
//! array, checked once before the loop, with the written elements passed through registers.
//!
//! A loop `for i in a..b` (or `(a..b).rev()`) that adds into `y[i + c]` (`c` an integer literal), and
//! may read `x[i + c]` (and its tangent's element), is printed a second time, to run where a run-time check
//! finds every array it addresses one contiguous slice holding every element the loop addresses (the
//! runtime's `lane_window`): reads index the slice, and each written array's elements still being
//! written pass from one iteration to the next in registers (`y[i]` and `y[i + 1]` of one iteration are
//! `y[i - 1]` and `y[i]` of the next, descending), loaded when first addressed and stored when no later
//! iteration addresses them. Read-modify-writes of neighbouring elements through memory would chain
//! each iteration to the one before it (LLVM pairs them into one 16-byte load and store, which the next
//! iteration's overlapping load must wait for); through registers they do not. Every element sees the
//! same operations in the same order: the same bits. The loop as written runs otherwise.

use super::lanes::index_offset;
use super::*;
use crate::ir::visit;
use std::collections::BTreeMap;

/// How a windowed loop's body addresses its arrays (set on the emitter while the body is printed).
pub(super) struct Windows {
    /// The loop's index.
    index: Ident,
    /// The name holding the range's start.
    start: Ident,
    /// Each array read by index: its window and the least and greatest offsets it covers.
    reads: BTreeMap<VarId, (Ident, isize, isize)>,
    /// Each (array, tangent) pair whose tangent is read by index: the tangent's window and offsets.
    tangents: BTreeMap<(VarId, VarId), (Ident, isize, isize)>,
    /// Each array written by index: its window, least offset, and one register per offset (ordered
    /// maps: the printed code is the same from one build to the next).
    writes: BTreeMap<VarId, Written>,
}

struct Written {
    window: Ident,
    lo: isize,
    registers: Vec<Ident>,
}

/// What the plan of one loop found.
#[derive(Default)]
struct Found {
    /// Offsets of index reads, by array.
    reads: BTreeMap<VarId, Vec<isize>>,
    /// Offsets of tangent reads, by (array, tangent).
    tangents: BTreeMap<(VarId, VarId), Vec<isize>>,
    /// Offsets of element writes, by storage.
    writes: BTreeMap<VarId, Vec<isize>>,
    /// Variables the body uses otherwise (a written storage is then not windowed).
    other: HashSet<VarId>,
    /// Variables the body changes (a read array is then not windowed).
    changed: HashSet<VarId>,
    /// Whether the plan must give up (a nested loop with the same index).
    refused: bool,
}

/// Whether constant statement `tokens` may bind `name` (a `let` whose pattern has it, or a statement
/// that does not parse as one).
fn binds(tokens: &TokenStream, name: &Ident) -> bool {
    let Ok(stmt) = syn::parse2::<syn::Stmt>(tokens.clone()) else {
        return true;
    };
    let syn::Stmt::Local(local) = stmt else {
        return false;
    };
    let mut found = false;
    crate::naming::any_ident(quote::ToTokens::to_token_stream(&local.pat), &mut |i| {
        found |= *i == *name;
        found
    });
    found
}

/// The range of `iter`: `a..b`, or `(a..b).rev()` (`true`).
fn range(iter: &TokenStream) -> Option<(syn::Expr, syn::Expr, bool)> {
    let expr: syn::Expr = syn::parse2(iter.clone()).ok()?;
    let half_open = |e: &syn::Expr| match e {
        syn::Expr::Range(syn::ExprRange {
            start: Some(a),
            end: Some(b),
            limits: syn::RangeLimits::HalfOpen(_),
            ..
        }) => Some(((**a).clone(), (**b).clone())),
        _ => None,
    };
    if let Some((a, b)) = half_open(&expr) {
        return Some((a, b, false));
    }
    let syn::Expr::MethodCall(m) = &expr else {
        return None;
    };
    if m.method != "rev" || !m.args.is_empty() {
        return None;
    }
    let syn::Expr::Paren(p) = &*m.receiver else {
        return None;
    };
    half_open(&p.expr).map(|(a, b)| (a, b, true))
}

impl Emitter<'_> {
    /// Walks `block` (branches included, nested loops and closures as other uses) for the plan.
    fn find(
        &self,
        block: &Block,
        index: &Ident,
        nested: bool,
        names: &HashMap<String, VarId>,
        found: &mut Found,
    ) {
        for s in &block.stmts {
            let mut matched: Vec<VarId> = Vec::new();
            match s {
                Stmt::Instr(i) if !nested => {
                    let read = |p: &crate::prims::Prim| p.family == Family::Access(Access::Index);
                    let idx = i.extras.first().and_then(|e| index_offset(e, index));
                    match (&i.op, idx, i.args.as_slice()) {
                        (Op::Prim(p), Some(c), [Operand::Var(x)]) if read(p) => {
                            found.reads.entry(*x).or_default().push(c);
                            matched.push(*x);
                        }
                        (
                            Op::Jvp {
                                rule: crate::ir::Rule::Prim(p),
                                k: 0,
                            },
                            Some(c),
                            [Operand::Var(x), Operand::Var(t)],
                        ) if read(p) => {
                            found.tangents.entry((*x, *t)).or_default().push(c);
                            matched.extend([*x, *t]);
                        }
                        _ => {}
                    }
                }
                Stmt::SetElem {
                    storage,
                    index: idx,
                    ..
                } => {
                    found.changed.insert(*storage);
                    match index_offset(idx, index).filter(|_| !nested) {
                        Some(c) if !self.f.logged.contains(storage) => {
                            found.writes.entry(*storage).or_default().push(c);
                            matched.push(*storage);
                        }
                        _ => {
                            found.other.insert(*storage);
                        }
                    }
                }
                Stmt::WriteBack { storage, .. } | Stmt::Init { storage, .. } => {
                    found.changed.insert(*storage);
                    found.other.insert(*storage);
                }
                Stmt::Loop(l) => {
                    if matches!(&l.kind, LoopKind::Range { index: inner, .. } if inner == index) {
                        found.refused = true;
                    }
                }
                // A `let` that binds the index's name hides it from what follows.
                Stmt::Verbatim { tokens, .. } if binds(tokens, index) => {
                    found.refused = true;
                }
                _ => {}
            }
            // Every variable read otherwise, and every name in tokens, is another use.
            let mut reads = Vec::new();
            visit::reads(s, &mut |v| reads.push(v));
            for v in reads {
                // A matched read's array (and tangent) is read by the window alone.
                if !matched.contains(&v) {
                    found.other.insert(v);
                }
            }
            let mut tokens: Vec<&TokenStream> = Vec::new();
            match s {
                Stmt::Instr(i) => tokens.extend(&i.extras),
                Stmt::Verbatim { tokens: t, .. } => tokens.push(t),
                Stmt::SetElem { index: t, .. } => tokens.push(t),
                Stmt::Loop(l) => match &l.kind {
                    LoopKind::Range { iter, .. } => tokens.push(iter),
                    LoopKind::While { cond } => tokens.push(cond),
                    LoopKind::Infinite => {}
                },
                _ => {}
            }
            for t in tokens {
                crate::naming::any_ident(t.clone(), &mut |id| {
                    if let Some(v) = names.get(&id.to_string()) {
                        found.other.insert(*v);
                    }
                    false
                });
            }
            for inner in visit::nested(s, visit::Depth::Closures) {
                let deeper = nested || !matches!(s, Stmt::If(_));
                self.find(inner, index, deeper, names, found);
            }
        }
    }

    /// `l` printed with windows where its body addresses arrays by its index (see the module's
    /// documentation), the slow loop `as_written` otherwise; `None` where it addresses none.
    pub(super) fn windowed_loop(
        &mut self,
        l: &Loop,
        as_written: &TokenStream,
        body_mode: &Fwd,
        plan: &Plan,
    ) -> Option<TokenStream> {
        if self.windows.is_some() || l.brk.is_some() {
            return None;
        }
        let LoopKind::Range { index, iter } = &l.kind else {
            return None;
        };
        let (a, b, rev) = range(iter)?;
        // Only a loop that writes elements can gain (below); the rest are not walked.
        let mut writes = false;
        visit::stmts(&l.body, visit::Depth::Regions, &mut |s| {
            writes |= matches!(s, Stmt::SetElem { .. });
        });
        if !writes {
            return None;
        }
        let mut found = Found::default();
        let names: HashMap<String, VarId> = self
            .f
            .vars
            .iter()
            .enumerate()
            .map(|(k, v)| (v.name.to_string(), VarId(k)))
            .collect();
        self.find(&l.body, index, false, &names, &mut found);
        if found.refused {
            return None;
        }
        // A written array is addressed by its writes alone (not read, even by index).
        let read: HashSet<VarId> = found
            .reads
            .keys()
            .copied()
            .chain(found.tangents.keys().flat_map(|(x, t)| [*x, *t]))
            .collect();
        // Arrays defined before the loop: those of the blocks in it are not in scope before it.
        let mut inside = HashSet::new();
        visit::blocks(&l.body, visit::Depth::Closures, &mut |b| {
            inside.insert(b.id);
        });
        let outside = |v: &VarId| !inside.contains(&self.f.vars[v.0].block);
        let storage = |v: &VarId| self.f.vars[v.0].kind == VarKind::Storage;
        found
            .reads
            .retain(|x, _| !found.changed.contains(x) && !storage(x) && outside(x));
        found.tangents.retain(|(x, t), _| {
            !found.changed.contains(x) && !found.changed.contains(t) && outside(x) && outside(t)
        });
        found.writes.retain(|s, _| {
            !found.other.contains(s) && !read.contains(s) && storage(s) && outside(s)
        });
        // Without a written array the loop gains little (its reads' checks are cheap) for the size
        // of a second copy.
        if found.writes.is_empty() {
            return None;
        }
        let ad = self.ad.clone();
        let (start, end) = (
            self.namer.numbered("__window_start"),
            self.namer.numbered("__window_end"),
        );
        let bounds = |offsets: &[isize]| {
            let lo = *offsets.iter().min().expect("an offset");
            let hi = *offsets.iter().max().expect("an offset");
            (lo, hi)
        };
        let mut checks: Vec<TokenStream> = Vec::new();
        let mut bound: Vec<Ident> = Vec::new();
        let mut windows = Windows {
            index: index.clone(),
            start: start.clone(),
            reads: BTreeMap::new(),
            tangents: BTreeMap::new(),
            writes: BTreeMap::new(),
        };
        for (x, offsets) in &found.reads {
            let (lo, hi) = bounds(offsets);
            let w = self.namer.numbered("__window");
            let name = self.name(*x);
            checks.push(quote!(#ad::lane_window::<false, _>(&#name, #start, #end, #lo, #hi)));
            bound.push(w.clone());
            windows.reads.insert(*x, (w, lo, hi));
        }
        for ((x, t), offsets) in &found.tangents {
            let (lo, hi) = bounds(offsets);
            let w = self.namer.numbered("__window");
            let (xn, tn) = (self.name(*x), self.name(*t));
            checks.push(quote!(#ad::lane_window_tangent(&#xn, &#tn, #start, #end, #lo, #hi)));
            bound.push(w.clone());
            windows.tangents.insert((*x, *t), (w, lo, hi));
        }
        for (s, offsets) in &found.writes {
            let (lo, hi) = bounds(offsets);
            let w = self.namer.numbered("__window");
            let name = self.name(*s);
            checks.push(quote!(#ad::lane_window_own_mut(&mut #name, #start, #end, #lo, #hi)));
            bound.push(w.clone());
            let registers = (lo..=hi)
                .map(|_| self.namer.numbered("__register"))
                .collect();
            windows.writes.insert(
                *s,
                Written {
                    window: w,
                    lo,
                    registers,
                },
            );
        }
        // The registers: loaded before the loop, at each iteration's start, stored at its end and
        // after the loop.
        let (mut before, mut begin, mut finish, mut after) = (
            TokenStream::new(),
            TokenStream::new(),
            TokenStream::new(),
            TokenStream::new(),
        );
        let i = index;
        for written in windows.writes.values() {
            let (w, r) = (&written.window, &written.registers);
            let m = r.len();
            let last = m - 1;
            if rev {
                // Iteration `i` first addresses offset `lo` (position `i - start`) and last addresses
                // offset `hi` (position `i - start + m - 1`).
                for (k, reg) in r.iter().enumerate().skip(1) {
                    before.extend(quote!(let mut #reg = #w[#end - 1 - #start + #k];));
                }
                let r0 = &r[0];
                before.extend(quote!(let mut #r0;));
                begin.extend(quote!(#r0 = #w[#i - #start];));
                let rl = &r[last];
                finish.extend(quote!(#w[#i - #start + #last] = #rl;));
                for k in (1..m).rev() {
                    let (to, from) = (&r[k], &r[k - 1]);
                    finish.extend(quote!(#to = #from;));
                }
                for (k, reg) in r.iter().enumerate().skip(1) {
                    let at = k - 1;
                    after.extend(quote!(#w[#at] = #reg;));
                }
            } else {
                for (k, reg) in r.iter().enumerate().take(last) {
                    before.extend(quote!(let mut #reg = #w[#k];));
                }
                let rl = &r[last];
                before.extend(quote!(let mut #rl;));
                begin.extend(quote!(#rl = #w[#i - #start + #last];));
                let r0 = &r[0];
                finish.extend(quote!(#w[#i - #start] = #r0;));
                for k in 0..last {
                    let (to, from) = (&r[k], &r[k + 1]);
                    finish.extend(quote!(#to = #from;));
                }
                for (k, reg) in r.iter().enumerate().take(last) {
                    after.extend(quote!(#w[#end - #start + #k] = #reg;));
                }
            }
        }
        self.windows = Some(windows);
        let body = self.forward_block(&l.body, body_mode, plan);
        self.windows = None;
        let head = if rev {
            quote!(for #i in (#start..#end).rev())
        } else {
            quote!(for #i in #start..#end)
        };
        let names = bound.iter();
        Some(quote! {
            {
                let #start: usize = #a;
                let #end: usize = #b;
                if let (#(::core::option::Option::Some(#names),)*) = (#(#checks,)*) {
                    #before
                    #head {
                        #begin
                        #body
                        #finish
                    }
                    #after
                } else {
                    #as_written
                }
            }
        })
    }

    /// The element read `i` through a window, where the loop being printed has one for it.
    pub(super) fn window_read(&self, i: &Instr) -> Option<TokenStream> {
        let w = self.windows.as_ref()?;
        let c = index_offset(i.extras.first()?, &w.index)?;
        // Only offsets the window covers (a read in a nested loop was not planned).
        let (window, lo, hi) = match (&i.op, i.args.as_slice()) {
            (Op::Prim(p), [Operand::Var(x)]) if p.family == Family::Access(Access::Index) => {
                w.reads.get(x)?
            }
            (
                Op::Jvp {
                    rule: crate::ir::Rule::Prim(p),
                    k: 0,
                },
                [Operand::Var(x), Operand::Var(t)],
            ) if p.family == Family::Access(Access::Index) => w.tangents.get(&(*x, *t))?,
            _ => return None,
        };
        if c < *lo || c > *hi {
            return None;
        }
        let (index, start) = (&w.index, &w.start);
        let k = (c - lo) as usize;
        Some(quote!(#window[#index - #start + #k]))
    }

    /// The element write `storage[idx] op= value` into a register, where the loop being printed has
    /// one for it.
    pub(super) fn window_write(
        &self,
        storage: VarId,
        kind: ElemWrite,
        idx: &TokenStream,
        value: TokenStream,
    ) -> Option<TokenStream> {
        let w = self.windows.as_ref()?;
        let written = w.writes.get(&storage)?;
        let c = index_offset(idx, &w.index)?;
        let register = &written.registers[(c - written.lo) as usize];
        let ad = &self.ad;
        let write = match kind {
            ElemWrite::Set => quote!(register_set),
            ElemWrite::Add => quote!(register_add),
            ElemWrite::Sub => quote!(register_sub),
            ElemWrite::AddField | ElemWrite::Save => return None,
        };
        Some(quote!(#ad::#write(&mut #register, #value);))
    }
}
