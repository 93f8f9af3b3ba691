//! An index loop whose reverse runs inside it, printed in lanes: chunks of iterations whose values and
//! partials are computed lane by lane, then added in iteration order (runtime `lanes`), the loop as
//! written where a run-time check finds its arrays not contiguous or its reads out of bounds.
//!
//! The loop is one that [`Emitter::early_loop_at`] chose: each carried value only accumulated, nothing
//! saved. It is printed in lanes where, in addition, its body is elementwise arithmetic over element
//! reads `x[i + c]` or `x.iter()`'s (`c` an integer literal, `x` defined outside the loop), literals,
//! scalar parameters, `let` bindings of constants and its carried values' entries, and its reverse is
//! contributions to the body's own values, to scalar parameters' gradients and to element gradients
//! `x_bar[i + c] += g`. Then per chunk:
//! - the lane phase runs the body and its reverse for each lane, reading `x[i + c]` from a chunk of `x`
//!   (one bounds check per chunk and offset), and keeps what the in-order phase needs (the terms added to
//!   the carried values, the element partials) in one buffer per value;
//! - the in-order phase adds each lane's terms into the carried values and its partials into the
//!   gradient, in iteration order, through registers that hold the gradient's elements still being added
//!   to (the element at offset `lo` is finished after its iteration, the one at `hi` starts there).
//!
//! The carried values' adjoints pass through each iteration unchanged (they are only accumulated), so
//! their statements are left out; the rule of the accumulating `add` for the term reads the entry only
//! for its shape. Every addition is the loop's own, in its order: the results have the same bits.

use super::*;
use crate::ir::adjoint::{AExpr, AStmt, How};

/// An element read `x[i + offset]` of the body (`flat`: the `i`-th element of `x.iter()`).
struct Read {
    dst: VarId,
    array: VarId,
    offset: isize,
    flat: bool,
}

/// An element gradient `x_bar[i + offset] += seed` of the body's reverse.
struct Acc<'p, 'f> {
    target: VarId,
    offset: isize,
    seed: &'p AExpr<'f>,
}

/// A window of one array: its variable, the least and greatest offset the loop uses, and whether it
/// is read in iteration order.
struct Window {
    array: VarId,
    lo: isize,
    hi: isize,
    flat: bool,
}

impl Window {
    fn span(&self) -> usize {
        (self.hi - self.lo) as usize
    }
}

/// The windows of the arrays of `items` (array, offset, flat), in first-use order; `None` where one
/// array is read both by index and in iteration order.
fn windows(items: impl Iterator<Item = (VarId, isize, bool)>) -> Option<Vec<Window>> {
    let mut out: Vec<Window> = Vec::new();
    for (array, offset, flat) in items {
        match out.iter_mut().find(|w| w.array == array) {
            Some(w) if w.flat != flat => return None,
            Some(w) => {
                w.lo = w.lo.min(offset);
                w.hi = w.hi.max(offset);
            }
            None => out.push(Window {
                array,
                lo: offset,
                hi: offset,
                flat,
            }),
        }
    }
    Some(out)
}

/// Whether constant statements are `let` bindings alone (a counter's name, `let i = pos;`): they may run
/// once per lane, in any order with the other lanes.
fn only_bindings(tokens: &TokenStream) -> bool {
    let Ok(block) = syn::parse2::<syn::Block>(quote!({ #tokens })) else {
        return false;
    };
    block.stmts.iter().all(|s| match s {
        syn::Stmt::Local(l) => l
            .init
            .as_ref()
            .is_some_and(|i| i.diverge.is_none() && !has_macro(&i.expr)),
        _ => false,
    })
}

/// Whether an expression's tokens contain a macro call (`name!`).
fn has_macro(e: &syn::Expr) -> bool {
    fn tokens(t: TokenStream) -> bool {
        let mut previous_ident = false;
        for tt in t {
            match tt {
                proc_macro2::TokenTree::Punct(p) if p.as_char() == '!' && previous_ident => {
                    return true
                }
                proc_macro2::TokenTree::Group(g) if tokens(g.stream()) => return true,
                proc_macro2::TokenTree::Ident(_) => {
                    previous_ident = true;
                    continue;
                }
                _ => {}
            }
            previous_ident = false;
        }
        false
    }
    tokens(quote!(#e))
}

/// The offset `c` of an index `i`, `i + c`, `c + i` or `i - c` (`c` an integer literal), `i` the loop
/// variable; `None` for any other index.
pub(super) fn index_offset(index: &TokenStream, var: &Ident) -> Option<isize> {
    fn strip(e: &syn::Expr) -> &syn::Expr {
        match e {
            syn::Expr::Paren(p) => strip(&p.expr),
            syn::Expr::Group(g) => strip(&g.expr),
            e => e,
        }
    }
    let is_var = |e: &syn::Expr| matches!(strip(e), syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(var));
    let literal = |e: &syn::Expr| match strip(e) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse::<isize>().ok(),
        _ => None,
    };
    let e: syn::Expr = syn::parse2(index.clone()).ok()?;
    let e = strip(&e);
    if is_var(e) {
        return Some(0);
    }
    let syn::Expr::Binary(b) = e else {
        return None;
    };
    match b.op {
        syn::BinOp::Add(_) if is_var(&b.left) => literal(&b.right),
        syn::BinOp::Add(_) if is_var(&b.right) => literal(&b.left),
        syn::BinOp::Sub(_) if is_var(&b.left) => literal(&b.right).map(|c| -c),
        _ => None,
    }
}

/// Calls `visit` with each variable whose adjoint `e` reads, and whether it reads it as a move; `false`
/// where `e` is not made of adjoints and rules of `allowed` instructions alone.
fn adjoint_reads(
    e: &AExpr,
    allowed: &dyn Fn(&Instr) -> bool,
    visit: &mut dyn FnMut(VarId, bool),
) -> bool {
    match e {
        AExpr::Adjoint(v) | AExpr::Take(v) => {
            visit(*v, true);
            true
        }
        AExpr::Dup(v) | AExpr::Borrow(v) => {
            visit(*v, false);
            true
        }
        AExpr::Rule { instr, seed, .. } => allowed(instr) && adjoint_reads(seed, allowed, visit),
        _ => false,
    }
}

impl Emitter<'_> {
    /// Loop `lp`, whose reverse `body` runs inside it, in lanes: `if <its arrays are contiguous and
    /// its reads in bounds> { in lanes } else { plain }`, or `None` where it is not such a loop (see the
    /// module's documentation). `plain` is the loop as written, with `index` over `__lane_start..__lane_end`.
    pub(super) fn lanes_loop(
        &mut self,
        lp: &Loop,
        body: &[AStmt],
        plan: &Plan,
        plain: impl FnOnce(&mut Self, TokenStream) -> TokenStream,
    ) -> Option<TokenStream> {
        let LoopKind::Range { index, iter } = &lp.kind else {
            return None;
        };
        let range: syn::ExprRange = syn::parse2(iter.clone()).ok()?;
        if !matches!(range.limits, syn::RangeLimits::HalfOpen(_)) {
            return None;
        }
        let (start, end) = (range.start.as_deref()?, range.end.as_deref()?);
        let body_id = lp.body.id;
        let stmts = &lp.body.stmts;

        // The carried values: storage, entry (`carry`), and the accumulating instruction.
        let storages: HashSet<VarId> = lp.carried.iter().map(|c| c.storage).collect();
        let mut entries: HashSet<VarId> = HashSet::new();
        for s in stmts {
            if let Stmt::Instr(i) = s {
                if matches!(&i.op, Op::Prim(p) if p.name == "carry")
                    && i.args[0].var().is_some_and(|v| storages.contains(&v))
                {
                    entries.insert(i.dst);
                }
            }
        }
        let written: HashSet<VarId> = stmts
            .iter()
            .filter_map(|s| match s {
                Stmt::WriteBack { storage, value } if storages.contains(storage) => value.var(),
                _ => None,
            })
            .collect();

        // The forward statements, by phase.
        let mut lane: HashSet<VarId> = HashSet::new();
        let mut reads: Vec<Read> = Vec::new();
        let mut lane_fwd: Vec<Stmt> = Vec::new();
        let mut ordered_fwd: Vec<Stmt> = Vec::new();
        let mut terms: Vec<VarId> = Vec::new();
        let scalar = |o: &Operand, lane: &HashSet<VarId>| match o {
            Operand::Var(v) => lane.contains(v) || self.scalar_vars.contains(v),
            Operand::Const(t) => crate::scalars::float_const(t, self.f),
        };
        for s in stmts {
            match s {
                Stmt::Instr(i) if entries.contains(&i.dst) => {
                    // Read by the accumulating `add`'s rules (for its shape) in the lane phase too.
                    lane_fwd.push(s.clone());
                    ordered_fwd.push(s.clone());
                }
                Stmt::Instr(i) if written.contains(&i.dst) => {
                    let term = i
                        .args
                        .iter()
                        .find(|a| a.var().is_none_or(|v| !entries.contains(&v)))?;
                    if !scalar(term, &lane) {
                        return None;
                    }
                    // A lane's value is kept for the in-order phase; a parameter is read there as
                    // it is.
                    if let Some(t) = term.var().filter(|t| lane.contains(t)) {
                        terms.push(t);
                    }
                    ordered_fwd.push(s.clone());
                }
                Stmt::Instr(i) => match &i.op {
                    Op::Prim(p)
                        if matches!(
                            p.family,
                            Family::Access(Access::Index) | Family::Access(Access::Element)
                        ) =>
                    {
                        let array = i.args[0].var()?;
                        if self.f.vars[array.0].block == body_id || storages.contains(&array) {
                            return None;
                        }
                        let offset = index_offset(&i.extras[0], index)?;
                        reads.push(Read {
                            dst: i.dst,
                            array,
                            offset,
                            flat: p.family == Family::Access(Access::Element),
                        });
                        lane.insert(i.dst);
                    }
                    Op::Prim(p)
                        if matches!(p.family, Family::Unary | Family::Elementwise)
                            && i.args.iter().all(|a| scalar(a, &lane)) =>
                    {
                        lane.insert(i.dst);
                        lane_fwd.push(s.clone());
                    }
                    _ => return None,
                },
                Stmt::WriteBack { storage, .. } if storages.contains(storage) => {
                    ordered_fwd.push(s.clone())
                }
                // A counter's name (`let i = pos;`) may be read by a term too: bound in both phases.
                Stmt::Verbatim { tokens, .. } if only_bindings(tokens) => {
                    lane_fwd.push(s.clone());
                    ordered_fwd.push(s.clone());
                }
                _ => return None,
            }
        }
        if reads.is_empty() {
            return None;
        }

        // The reverse statements: the body's own adjoints (lane phase) and element gradients (in
        // order); the carried values' adjoint chain is left out (it passes through unchanged).
        let accumulating = |i: &Instr| written.contains(&i.dst);
        let allowed = |i: &Instr| lane.contains(&i.dst) || accumulating(i);
        let mut lane_adj: Vec<&AStmt> = Vec::new();
        let mut accs: Vec<Acc> = Vec::new();
        let mut sums: Vec<(VarId, &AExpr)> = Vec::new();
        for s in &body[1..] {
            match s {
                AStmt::Contribute {
                    target,
                    value,
                    how: How::Add,
                    ..
                } if self.scalar_vars.contains(target) => {
                    // A scalar parameter's gradient: added in order, like an element's.
                    let mut ok = true;
                    let fits = adjoint_reads(value, &allowed, &mut |v, _| {
                        ok &= !entries.contains(&v) && !storages.contains(&v);
                    });
                    if !fits || !ok {
                        return None;
                    }
                    sums.push((*target, value));
                }
                AStmt::Contribute { target, value, .. } | AStmt::Assign { target, value } => {
                    if entries.contains(target) || storages.contains(target) {
                        continue;
                    }
                    if self.f.vars[target.0].block != body_id {
                        return None;
                    }
                    // A storage's adjoint is read whole (copied: no statement reassigns it here), an
                    // entry's never (it is left out).
                    let top_storage = matches!(value, AExpr::Adjoint(v) | AExpr::Dup(v) if storages.contains(v))
                        && matches!(
                            s,
                            AStmt::Contribute {
                                how: How::Create { .. },
                                ..
                            }
                        );
                    let mut ok = true;
                    let fits = adjoint_reads(value, &allowed, &mut |v, _| {
                        ok &= !entries.contains(&v) && (top_storage || !storages.contains(&v));
                    });
                    if !fits || !ok {
                        return None;
                    }
                    lane_adj.push(s);
                }
                AStmt::ElemAcc {
                    instr,
                    target,
                    seed,
                } => {
                    let read = reads.iter().find(|r| r.dst == instr.dst)?;
                    if read.array != *target {
                        return None;
                    }
                    let mut ok = true;
                    let fits = adjoint_reads(seed, &allowed, &mut |v, _| {
                        ok &= !entries.contains(&v) && !storages.contains(&v);
                    });
                    if !fits || !ok {
                        return None;
                    }
                    accs.push(Acc {
                        target: *target,
                        offset: read.offset,
                        seed,
                    });
                }
                _ => return None,
            }
        }

        let ad = self.ad.clone();
        let flat_of = |array: VarId| reads.iter().any(|r| r.array == array && r.flat);
        let read_windows = windows(reads.iter().map(|r| (r.array, r.offset, r.flat)))?;
        let grad_windows = windows(accs.iter().map(|a| (a.target, a.offset, flat_of(a.target))))?;
        let read_names: Vec<Ident> = (0..read_windows.len())
            .map(|k| format_ident!("__lane_x{}", k))
            .collect();
        let grad_names: Vec<Ident> = (0..grad_windows.len())
            .map(|k| format_ident!("__lane_g{}", k))
            .collect();
        let register =
            |g: usize, m: usize| format_ident!("__lane_g{}_r{}", g, m, span = Span::call_site());

        // `if let (Some(__lane_x0), .., Some(__lane_g0), ..) = (lane_window(..), ..)`.
        let mut pattern = Vec::new();
        let mut windows_of = Vec::new();
        let read_side = read_windows.iter().zip(&read_names).map(|w| (w, false));
        let grad_side = grad_windows.iter().zip(&grad_names).map(|w| (w, true));
        for ((w, name), gradient) in read_side.chain(grad_side).collect::<Vec<_>>() {
            let x = self.operand(&Operand::Var(w.array));
            let (lo, hi, flat) = (w.lo, w.hi, w.flat);
            pattern.push(quote!(::core::option::Option::Some(#name)));
            windows_of.push(if gradient {
                let bar = self.adjoint(w.array);
                quote!(#ad::lane_window_mut::<#flat, _>(#x, &mut #bar, __lane_start, __lane_end, #lo, #hi))
            } else {
                quote!(#ad::lane_window::<#flat, _>(#x, __lane_start, __lane_end, #lo, #hi))
            });
        }

        // The registers of the elements being added to, loaded before the first iteration, stored
        // after the last.
        let mut before = TokenStream::new();
        let mut after = TokenStream::new();
        for (g, (w, name)) in grad_windows.iter().zip(&grad_names).enumerate() {
            for m in 0..w.span() {
                let r = register(g, m);
                before.extend(quote!(let mut #r = #name[#m];));
                after.extend(quote!(#name[__lane_n + #m] = #r;));
            }
        }

        let lane_block = Block {
            id: body_id,
            stmts: lane_fwd,
        };
        let ordered_block = Block {
            id: body_id,
            stmts: ordered_fwd,
        };
        let chunk = |e: &mut Self, width: TokenStream| -> TokenStream {
            let mut loads = TokenStream::new();
            let mut lane_reads = TokenStream::new();
            for (k, r) in reads.iter().enumerate() {
                let w = read_windows
                    .iter()
                    .position(|w| w.array == r.array)
                    .expect("a window per array");
                let (window, shift) = (&read_names[w], (r.offset - read_windows[w].lo) as usize);
                let chunk = format_ident!("__lane_c{}", k);
                loads.extend(
                    quote!(let #chunk: &[_; #width] = #ad::lane_chunk(#window, __lane_j + #shift);),
                );
                let dst = e.name(r.dst).clone();
                lane_reads.extend(quote!(let #dst = #chunk[__lane_k];));
            }
            let lane_forward = e.forward_block(&lane_block, &Fwd::default(), plan);
            let mut lane_reverse = TokenStream::new();
            for s in &lane_adj {
                match s {
                    // A storage's adjoint moved: copied instead (nothing reassigns it in the lanes).
                    AStmt::Contribute {
                        target,
                        value: AExpr::Adjoint(v),
                        how: How::Create { mutable },
                        ..
                    } if storages.contains(v) => {
                        let (bar, from) = (e.adjoint(*target), e.adjoint(*v));
                        let mutability = mutable.then(|| quote!(mut));
                        lane_reverse.extend(quote!(let #mutability #bar = #ad::dup(&#from);));
                    }
                    _ => lane_reverse.extend(e.print_stmt(s, plan)),
                }
            }
            // One buffer per value the in-order phase reads (the terms, the element partials, the
            // scalar parameters' partials): declared, written by the lane phase, read back per lane.
            let (mut buffers, mut keep) = (TokenStream::new(), TokenStream::new());
            let mut buffered = |k: usize, value: TokenStream| -> TokenStream {
                let buf = format_ident!("__lane_b{}", k);
                buffers.extend(quote!(let mut #buf: [_; #width] = #ad::lane_buf();));
                keep.extend(quote!(#buf[__lane_k] = #value;));
                quote!(#buf[__lane_k])
            };
            let mut count = 0..;
            let mut take = TokenStream::new();
            for t in &terms {
                let name = e.name(*t).clone();
                let read = buffered(count.next().expect("unbounded"), quote!(#name));
                take.extend(quote!(let #name = #read;));
            }
            let mut adds = TokenStream::new();
            for a in &accs {
                let read = buffered(count.next().expect("unbounded"), e.print_expr(a.seed));
                let g = grad_windows
                    .iter()
                    .position(|w| w.array == a.target)
                    .expect("a window per gradient");
                let r = register(g, (a.offset - grad_windows[g].lo) as usize);
                adds.extend(quote!(#ad::lane_add(&mut #r, #read);));
            }
            for (target, value) in &sums {
                let read = buffered(count.next().expect("unbounded"), e.print_expr(value));
                let bar = e.adjoint(*target);
                adds.extend(quote!(#ad::acc(&mut #bar, #read);));
            }
            let ordered_forward = e.forward_block(&ordered_block, &Fwd::default(), plan);
            let (mut enter, mut leave) = (TokenStream::new(), TokenStream::new());
            for (g, (w, name)) in grad_windows.iter().zip(&grad_names).enumerate() {
                let span = w.span();
                let chunk = format_ident!("__lane_gc{}", g);
                loads.extend(quote!(let #chunk: &mut [_; #width + #span] = #ad::lane_chunk_mut(#name, __lane_j);));
                let last = register(g, span);
                enter.extend(quote!(let mut #last = #chunk[__lane_k + #span];));
                let first = register(g, 0);
                leave.extend(quote!(#chunk[__lane_k] = #first;));
                for m in 0..span {
                    let (to, from) = (register(g, m), register(g, m + 1));
                    leave.extend(quote!(#to = #from;));
                }
            }
            quote! {
                #loads
                #buffers
                for __lane_k in 0..#width {
                    let #index = __lane_start + __lane_j + __lane_k;
                    #lane_reads
                    #lane_forward
                    #lane_reverse
                    #keep
                }
                for __lane_k in 0..#width {
                    let #index = __lane_start + __lane_j + __lane_k;
                    #take
                    #ordered_forward
                }
                for __lane_k in 0..#width {
                    #enter
                    #adds
                    #leave
                }
                __lane_j += #width;
            }
        };
        let lanes = quote!(#ad::LANES);
        let full = chunk(self, lanes.clone());
        let one = chunk(self, quote!(1));
        let plain = plain(self, quote!(__lane_start..__lane_end));
        Some(quote! {{
            let __lane_start: usize = #start;
            let __lane_end: usize = #end;
            if let (#(#pattern,)*) = (#(#windows_of,)*) {
                let __lane_n = __lane_end - __lane_start;
                #before
                let mut __lane_j = 0usize;
                while __lane_j + #lanes <= __lane_n {
                    #full
                }
                while __lane_j < __lane_n {
                    #one
                }
                #after
            } else {
                #plain
            }
        }})
    }
}

#[cfg(test)]
mod tests;
