//! Codegen: programs to Rust tokens. The primal IR is printed forward (the forward sweep, a branch's or
//! a loop's recomputation, a tangent program), an adjoint program is printed as the reverse sweep. Names
//! are chosen here (`x_bar` for `x`'s adjoint, numbered stacks and logs); every decision is the
//! transforms' and the analyses'.
//!
//! A sweep is generated per item (`f_grad`, `f_grad_0`, `f_vjp`, ...), each with its own activity, so that
//! every item computes only the adjoints it returns.

mod adjoint;
mod forward;
mod lanes;
mod logs;
mod map;
mod tangent;
mod windows;

use forward::Restore;
pub use map::MapPlan;

use crate::analysis::activity::{self, Activity};
use crate::analysis::regions;
use crate::ir::{
    Block, ElemWrite, Function, Instr, Loop, LoopKind, Op, Operand, Stmt, VarId, VarKind,
};
use crate::naming::Namer;
use crate::prims::{Access, Family};
use crate::transform::reverse::Reverse;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use std::collections::{HashMap, HashSet};

pub use crate::ir::adjoint::Seed;
pub use tangent::JvpSweep;

/// What a generated name (other than a value's or an adjoint's) stands for.
#[derive(Clone, PartialEq, Eq, Hash)]
enum NameKey {
    /// A loop's stack of saved iterations.
    Stack(usize),
    /// A loop's trip count.
    Trips(usize),
    /// A loop's range, as evaluated when it starts (its body changes a counter the range reads).
    Range(usize),
    /// The undo log of a logged array.
    Log(VarId),
    /// The length of an array's undo log before a region (named by the region's key).
    LogMark(VarId, String),
    /// A counter's value before a loop.
    CounterBefore(usize, String),
    /// The pullback of a call.
    Pullback(VarId),
    /// The kinds of a call's arguments.
    Kinds(VarId),
}

/// The tokens of one sweep.
pub struct Sweep {
    /// The forward statements.
    pub forward: TokenStream,
    /// The reverse statements.
    pub reverse: TokenStream,
    /// The adjoint expression of each independent, in order (`x_bar`, or a zero).
    pub adjoints: Vec<TokenStream>,
    /// Whether the reverse sweep reads the output's value.
    pub reads_output: bool,
}

/// How to emit a block forward.
#[derive(Clone, Default)]
struct Fwd {
    /// Loops directly in this block save their iterations (the function's top level).
    record: bool,
    /// Storage not to write back (the loop being reversed: its storage is restored from its stack).
    skip_writeback: HashSet<VarId>,
    /// Arrays not to write into (they were written by the forward sweep already).
    skip_elem: HashSet<VarId>,
    /// Emit only the statements whose values are needed (the function's top level).
    prune: bool,
}

/// What the forward printer needs to know about one sweep.
struct Plan<'a> {
    activity: &'a Activity,
    /// Variables the forward sweep must compute.
    needed: Vec<bool>,
    /// Loops of the top level that the forward sweep leaves out (nothing reads what they compute).
    skip_loops: HashSet<usize>,
}

impl<'a> Plan<'a> {
    /// A plan with `activity`; the forward sweep computes every value where `all_needed` (a region
    /// emitted whole), else only what is marked needed later.
    fn new(activity: &'a Activity, num_vars: usize, all_needed: bool) -> Plan<'a> {
        Plan {
            activity,
            needed: vec![all_needed; num_vars],
            skip_loops: HashSet::new(),
        }
    }
}

/// Emits sweeps of one function.
pub struct Emitter<'a> {
    /// The function.
    pub f: &'a Function,
    /// Variables that constant statements read by name.
    pub const_reads: &'a [VarId],
    /// Names.
    pub namer: &'a mut Namer,
    /// The runtime path, `__ad`.
    pub ad: Ident,
    /// Whether forward values must not borrow each other (they are moved into a pullback closure).
    pub owned_values: bool,
    /// The scalar output type, for a carried value that starts from a float literal: its type is then
    /// fixed where it is declared instead of being inferred through the runtime's traits.
    pub scalar_type: Option<TokenStream>,
    /// Parameters that are scalars by their declared type (index loops read them in lanes).
    pub scalar_vars: Vec<VarId>,
    /// How many statements read each variable (computed when first asked).
    read_counts: Option<Vec<usize>>,
    /// Where given, the adjoint program of each top-level sweep, printed.
    pub programs: Option<Vec<String>>,
    adjoint_names: crate::hashing::FastMap<VarId, Ident>,
    names: crate::hashing::FastMap<NameKey, Ident>,
    /// The kernels of the sweep being printed whose forward computes their partials with their value.
    early: HashMap<VarId, Early>,
    /// A loop of the sweep being printed whose reverse runs inside it, forward: its id and the tokens
    /// that replace it in the forward sweep.
    early_loop: Option<(usize, TokenStream)>,
    /// Map fusion of a forward-printed program (`f_jvp`, `f_hvp`), where asked for.
    pub map_plan: Option<map::MapPlan>,
    /// Set while a statement is printed on its own inside [`Emitter::print_fused`].
    in_map_run: bool,
    /// Set while a map kernel's closure body is printed: its values are elements, so the source's type
    /// ascriptions (`let y: Array1<f64> = ..`) are left out there.
    in_kernel_body: bool,
    /// A reverse rule's seed read last by the statement being printed: moved into the rule instead of
    /// copied (and not released after it).
    moved_seed: Option<VarId>,
    /// Slices printed as views into their array (`slice_view`) rather than copies: read only by
    /// reference, by rules, while the array lives ([`Emitter::print_fused`]).
    views: HashSet<VarId>,
    /// Sums of two adjoints of one shape that nothing reads after: printed in the first one's buffer
    /// (`add_owned`), or, where the second is a slice's reverse rule, as that rule adding into the first
    /// (`slice_vjp_acc`, its value the sum).
    sums: HashMap<VarId, Sum>,
    /// The slices' reverse rules that add into another adjoint (see `sums`): that adjoint.
    slice_into: HashMap<VarId, VarId>,
    /// The windows of the index loop whose body is being printed ([`windows`]).
    windows: Option<windows::Windows>,
}

/// How a sum of two adjoints is printed ([`Emitter::print_fused`]).
#[derive(Clone, Copy)]
enum Sum {
    /// `add_owned(a, b)`.
    Owned(VarId, VarId),
    /// The value of the slice's reverse rule that added into the other operand.
    Slice(VarId),
}

/// A fused kernel evaluated with its reverse in one pass by the forward sweep (its value is needed
/// there, and its operands are read once): the reverse sweep only rescales the partials to its seed.
struct Early {
    /// The name of the partials (for seed one).
    partials: Ident,
    /// The call that gives the value and the partials.
    call: TokenStream,
}

impl<'a> Emitter<'a> {
    /// An emitter for `f`.
    pub fn new(f: &'a Function, const_reads: &'a [VarId], namer: &'a mut Namer, ad: Ident) -> Self {
        Emitter {
            f,
            const_reads,
            namer,
            ad,
            owned_values: false,
            scalar_type: None,
            scalar_vars: Vec::new(),
            read_counts: None,
            adjoint_names: Default::default(),
            names: Default::default(),
            early: HashMap::new(),
            early_loop: None,
            programs: None,
            map_plan: None,
            in_map_run: false,
            in_kernel_body: false,
            moved_seed: None,
            views: HashSet::new(),
            sums: HashMap::new(),
            slice_into: HashMap::new(),
            windows: None,
        }
    }

    /// The runtime path `__ad` spanned at `span`: a rule that panics (a shape mismatch, an index out
    /// of bounds) is then reported at the user's expression, through `#[track_caller]`.
    fn ad_at(&self, span: Span) -> Ident {
        let mut ad = self.ad.clone();
        ad.set_span(span);
        ad
    }

    /// Whether storage can take `v` by move where it is declared: a temporary read by that
    /// declaration alone (a fresh zero).
    fn moved_into_storage(&mut self, v: VarId) -> bool {
        if self.f.vars[v.0].kind != VarKind::Temp {
            return false;
        }
        let f = self.f;
        let counts = self.read_counts.get_or_insert_with(|| {
            let mut counts = vec![0; f.vars.len()];
            crate::ir::visit::stmts(&f.body, crate::ir::visit::Depth::Closures, &mut |s| {
                crate::ir::visit::reads(s, &mut |r| counts[r.0] += 1);
            });
            counts
        });
        counts[v.0] == 1
    }

    fn name(&self, v: VarId) -> &Ident {
        &self.f.vars[v.0].name
    }

    fn adjoint(&mut self, v: VarId) -> Ident {
        if let Some(name) = self.adjoint_names.get(&v) {
            return name.clone();
        }
        let base = format!("{}_bar", self.f.vars[v.0].name);
        let name = self.namer.fresh(&base, Span::call_site());
        self.adjoint_names.insert(v, name.clone());
        name
    }

    /// The generated name for `key`: `{base}0`, `{base}1`, ... the first time, the same name after.
    fn keyed(&mut self, key: NameKey, base: &str) -> Ident {
        if let Some(name) = self.names.get(&key) {
            return name.clone();
        }
        let name = self.namer.numbered(base);
        self.names.insert(key, name.clone());
        name
    }

    /// Operand `k` of a fused kernel: `&x`, or `&sliced(&x, info)` for a slice read in place (spanned
    /// at the user's slice, where its bounds are checked).
    fn kernel_operand(&self, i: &Instr, kernel: &crate::ir::Kernel, k: usize) -> TokenStream {
        let a = self.operand(&i.args[k]);
        match &kernel.views[k] {
            Some(view) => {
                let ad = self.ad_at(view.span);
                let info = &view.info;
                quote_spanned!(view.span=> &#ad::sliced(#a, #info))
            }
            None => a,
        }
    }

    /// `&x` for a variable, `&(expr)` for a constant.
    fn operand(&self, o: &Operand) -> TokenStream {
        match o {
            Operand::Var(v) => {
                let name = self.name(*v);
                quote!(&#name)
            }
            Operand::Const(tokens) => quote!(&(#tokens)),
        }
    }

    /// The value of an operand: a move of a computed value, a copy of a parameter or storage (or where
    /// `copy` asks), a constant as written.
    pub fn value(&self, o: &Operand, copy: bool) -> TokenStream {
        let ad = &self.ad;
        match o {
            Operand::Var(v) => {
                let name = self.name(*v);
                let borrowed = matches!(
                    self.f.vars[v.0].kind,
                    VarKind::Param(_) | VarKind::ClosureParam | VarKind::Storage
                );
                if copy || borrowed {
                    quote!(#ad::to_owned(&#name))
                } else {
                    quote!(#name)
                }
            }
            // A constant that names a local (an array written element by element in the other arm)
            // is copied where asked, so that the join does not move it.
            Operand::Const(tokens) if copy && !crate::scalars::scalar_const(tokens, self.f) => {
                quote!(::core::clone::Clone::clone(&(#tokens)))
            }
            Operand::Const(tokens) => quote!((#tokens)),
        }
    }

    /// The value of the auxiliary result.
    pub fn aux_value(&self, aux: &crate::ir::Aux, copy: bool) -> TokenStream {
        match aux {
            crate::ir::Aux::Value(o) => self.value(o, copy),
            crate::ir::Aux::Tuple(parts) => {
                let parts = parts.iter().map(|p| self.aux_value(p, copy));
                quote!((#(#parts,)*))
            }
        }
    }

    /// The sweeps of `block` with `independents` differentiated, `ret` the output and `seed` its
    /// gradient; the forward sweep also computes the variables in `keep`.
    pub fn sweep(
        &mut self,
        block: &'a Block,
        ret: &Operand,
        independents: &[VarId],
        seed: Seed,
        keep: &[VarId],
    ) -> Sweep {
        let activity = activity::analyse(self.f.vars.len(), block, ret, independents);
        let program = Reverse {
            f: self.f,
            namer: self.namer,
            owned_values: self.owned_values,
        }
        .program(block, ret, independents, seed, activity);
        if let Some(programs) = self.programs.as_mut().filter(|_| block.id == 0) {
            programs.push(crate::ir::adjoint::print(self.f, &program));
        }
        self.print_sweep(block, ret, &program, keep)
    }

    /// The forward and reverse sweeps of `program`, the adjoint program of `block` with output `ret`.
    fn print_sweep(
        &mut self,
        block: &Block,
        ret: &Operand,
        program: &crate::ir::adjoint::Program,
        keep: &[VarId],
    ) -> Sweep {
        let ad = self.ad.clone();
        let mut plan = Plan::new(&program.activity, self.f.vars.len(), false);

        // Forward sweep: what the output, the reverse sweep and constant statements read.
        let mut reads = Vec::new();
        crate::analysis::needed::reads(&program.body, &mut reads);
        let reads_output = ret.var().is_some_and(|v| reads.contains(&v));
        let mut needed = std::mem::take(&mut plan.needed);
        for v in reads.iter().chain(self.const_reads).chain(keep) {
            needed[v.0] = true;
        }
        // A zeroed adjoint needs its variable declared; a loop's storage needs only its `Init` for
        // that, not the loop itself.
        let mut declared_only = HashSet::new();
        for v in &program.zeroed {
            if self.f.vars[v.0].kind == VarKind::Storage {
                declared_only.insert(*v);
            } else {
                needed[v.0] = true;
            }
        }
        plan.skip_loops = crate::analysis::needed::mark_needed(
            self.f,
            block,
            &mut needed,
            &declared_only,
            plan.activity,
        );
        plan.needed = needed;
        let mut body = &program.body[..];
        if block.id == 0 {
            self.plan_early_kernels(block, program, &plan);
            if let Some(at) = self.early_loop_at(block, program, &plan) {
                let prefix = self.print_adjoint(&body[..at], &plan);
                let crate::ir::adjoint::AStmt::Loop { lp, body: each } = &body[at] else {
                    unreachable!("early_loop_at finds a loop")
                };
                let combined = self.print_early_loop(lp, each, &plan);
                self.early_loop = Some((lp.id, quote!(#prefix #combined)));
                body = &body[at + 1..];
            }
        }

        let reverse = self.print_adjoint(body, &plan);
        let adjoints = program
            .gradients
            .iter()
            .map(|g| match g {
                crate::ir::adjoint::Gradient::Adjoint(v) => {
                    let name = self.adjoint(*v);
                    quote!(#name)
                }
                crate::ir::adjoint::Gradient::Zero(v) => {
                    let name = self.name(*v);
                    quote!(#ad::zero_tangent(&#name))
                }
            })
            .collect();
        let top = Fwd {
            record: true,
            prune: true,
            ..Fwd::default()
        };
        let forward = self.forward_block(block, &top, &plan);
        let logs = if block.id == 0 {
            self.log_declarations(&[&forward, &reverse])
        } else {
            TokenStream::new()
        };
        let forward = quote!(#logs #forward);
        if block.id == 0 {
            self.early.clear();
            self.early_loop = None;
        }
        Sweep {
            forward,
            reverse,
            adjoints,
            reads_output,
        }
    }

    /// The index in `program`'s body of a loop whose reverse can run inside the forward loop itself, in
    /// forward order, where the forward sweep runs the loop anyway (the value is asked for): then the
    /// loop runs once instead of twice. That is sound where the loop's reverse is the first thing the
    /// reverse sweep does after seeding the output with one (so every adjoint the loop reads is known
    /// before it runs), the loop saves nothing per iteration, and each carried value is only
    /// accumulated (`s += e`), so its adjoint is the same in every iteration and the iterations'
    /// contributions are independent of their order.
    fn early_loop_at(
        &mut self,
        block: &Block,
        program: &crate::ir::adjoint::Program,
        plan: &Plan,
    ) -> Option<usize> {
        use crate::ir::adjoint::{AExpr, AStmt};
        if self.owned_values {
            return None;
        }
        let at = program
            .body
            .iter()
            .position(|s| matches!(s, AStmt::Loop { .. }))?;
        let AStmt::Loop { lp, body } = &program.body[at] else {
            unreachable!("found above")
        };
        let top_level = block
            .stmts
            .iter()
            .any(|s| matches!(s, Stmt::Loop(l) if l.id == lp.id));
        if !top_level
            || plan.skip_loops.contains(&lp.id)
            || !matches!(lp.kind, LoopKind::Range { .. })
            || lp.brk.is_some()
            || !lp.writes.is_empty()
            || !lp.carried_consts.is_empty()
            || regions::needs_count(lp)
        {
            return None;
        }
        // Before it: zeros of parameters and of the loop's own carried values, the seed (one), and
        // the snapshots of the carried values' last entries.
        let carried: Vec<VarId> = lp.carried.iter().map(|c| c.storage).collect();
        let mut seeded = false;
        for s in &program.body[..at] {
            match s {
                AStmt::Zero(v) => {
                    let param = matches!(self.f.vars[v.0].kind, VarKind::Param(_));
                    if !param && !carried.contains(v) {
                        return None;
                    }
                }
                AStmt::Contribute { value, .. } => match value {
                    AExpr::Seed(Seed::One(_)) => seeded = true,
                    AExpr::Rule { instr, .. } if matches!(&instr.op, Op::Prim(p) if p.name == "snapshot") =>
                        {}
                    _ => return None,
                },
                _ => return None,
            }
        }
        // The body: plain statements (no nested region, no element write, nothing saved); its reverse:
        // the body recomputed, then straight-line adjoint statements.
        let plain = lp.body.stmts.iter().all(|s| {
            matches!(
                s,
                Stmt::Instr(_) | Stmt::WriteBack { .. } | Stmt::Verbatim { .. }
            )
        });
        let reverse_plain = matches!(body.first(), Some(AStmt::Recompute { .. }))
            && body[1..].iter().all(|s| {
                matches!(
                    s,
                    AStmt::Contribute { .. }
                        | AStmt::Assign { .. }
                        | AStmt::ElemAcc { .. }
                        | AStmt::Discard(_)
                        | AStmt::Kernel { .. }
                )
            });
        let accumulated = lp
            .carried
            .iter()
            .all(|c| !c.saved && self.only_accumulated(lp, c.storage));
        (seeded && plain && reverse_plain && accumulated && self.checkpoint(lp).is_empty())
            .then_some(at)
    }

    /// Whether loop `lp`'s body reads carried `storage` only to add to it: its entry value is read once,
    /// by `add(entry, e)`, `add(e, entry)` or `sub(entry, e)`, whose result, read by nothing else, is
    /// written back. Its adjoint then passes through each iteration unchanged.
    fn only_accumulated(&self, lp: &Loop, storage: VarId) -> bool {
        let stmts = &lp.body.stmts;
        let entry = stmts.iter().find_map(|s| match s {
            Stmt::Instr(i)
                if matches!(&i.op, Op::Prim(p) if p.name == "carry")
                    && i.args[0].var() == Some(storage) =>
            {
                Some(i.dst)
            }
            _ => None,
        });
        let written = stmts.iter().find_map(|s| match s {
            Stmt::WriteBack { storage: st, value } if *st == storage => value.var(),
            _ => None,
        });
        let (Some(entry), Some(written)) = (entry, written) else {
            return false;
        };
        let reads_of = |v: VarId| {
            let mut n = 0;
            for s in stmts {
                crate::ir::visit::reads(s, &mut |r| n += usize::from(r == v));
            }
            n
        };
        let (entry_reads, written_reads) = (reads_of(entry), reads_of(written));
        let adds = stmts.iter().any(|s| match s {
            Stmt::Instr(i) if i.dst == written => match &i.op {
                Op::Prim(p) if p.name == "add" => i.args.iter().any(|a| a.var() == Some(entry)),
                Op::Prim(p) if p.name == "sub" => i.args[0].var() == Some(entry),
                _ => false,
            },
            _ => false,
        });
        // The written value is read by its write-back alone.
        adds && entry_reads == 1 && written_reads == 1
    }

    /// Loop `lp` with its reverse `body` run inside it, forward: each iteration computes its values,
    /// writes its carried values back, then adds its contributions to the adjoints.
    fn print_early_loop(
        &mut self,
        lp: &Loop,
        body: &[crate::ir::adjoint::AStmt],
        plan: &Plan,
    ) -> TokenStream {
        let mut each = TokenStream::new();
        for s in body {
            match s {
                crate::ir::adjoint::AStmt::Recompute { block, .. } => {
                    each.extend(self.forward_block(block, &Fwd::default(), plan));
                }
                other => each.extend(self.print_stmt(other, plan)),
            }
        }
        let LoopKind::Range { index, iter } = &lp.kind else {
            unreachable!("early_loop_at takes range loops")
        };
        let plain = |_: &mut Self, range: TokenStream| quote!(for #index in #range { #each });
        match self.lanes_loop(lp, body, plan, plain) {
            Some(lanes) => lanes,
            None => quote!(for #index in #iter { #each }),
        }
    }

    /// Chooses the kernels of the top level whose forward sweep computes their partials with their
    /// value: those whose value the forward sweep computes anyway, where the sweep is not a pullback
    /// closure's (which may never be called). The operands are then read once instead of twice.
    fn plan_early_kernels(
        &mut self,
        block: &Block,
        program: &crate::ir::adjoint::Program,
        plan: &Plan,
    ) {
        if self.owned_values {
            return;
        }
        for stmt in &program.body {
            let crate::ir::adjoint::AStmt::Kernel {
                instr,
                g,
                closure,
                active,
                ..
            } = stmt
            else {
                continue;
            };
            let top_level = block
                .stmts
                .iter()
                .any(|s| matches!(s, Stmt::Instr(i) if i.dst == instr.dst));
            if !top_level || !plan.needed[instr.dst.0] {
                continue;
            }
            let call = self.kernel_reverse(instr, None, g, closure, active);
            let partials = self.namer.numbered("partials");
            self.early.insert(instr.dst, Early { partials, call });
        }
    }

    /// Shape checks before a fused kernel: each operation of its chain that combines two or more values
    /// broadcasts their shapes, spanned at the operation, so that a mismatch is reported where the unfused
    /// operation would report it. Empty where no operation combines two values.
    fn kernel_checks(&mut self, i: &Instr, kernel: &crate::ir::Kernel) -> TokenStream {
        let ad = self.ad.clone();
        let mut shapes: HashMap<VarId, Ident> = HashMap::new();
        let mut out = TokenStream::new();
        let mut combines = false;
        for (k, param) in kernel.params.iter().enumerate() {
            let name = self.namer.numbered("shape");
            let arg = self.kernel_operand(i, kernel, k);
            out.extend(quote!(let #name = #ad::kernel_shape_of(#arg);));
            shapes.insert(*param, name);
        }
        for stmt in &kernel.body.stmts {
            let Stmt::Instr(instr) = stmt else { continue };
            let mut inputs: Vec<Ident> = Vec::new();
            for a in instr.args.iter().filter_map(Operand::var) {
                if let Some(shape) = shapes.get(&a).filter(|s| !inputs.contains(s)) {
                    inputs.push(shape.clone());
                }
            }
            match inputs.as_slice() {
                // A value of literals only is a scalar; one of a single value has its shape.
                [] => {}
                [one] => {
                    shapes.insert(instr.dst, one.clone());
                }
                [first, rest @ ..] => {
                    combines = true;
                    let ad = self.ad_at(instr.span);
                    let mut acc = quote!(#first);
                    for r in rest {
                        acc = quote_spanned!(instr.span=> #ad::broadcast_shapes(&#acc, &#r));
                    }
                    let name = self.namer.numbered("shape");
                    out.extend(quote!(let #name = #acc;));
                    shapes.insert(instr.dst, name);
                }
            }
        }
        if combines {
            quote!({ #out })
        } else {
            TokenStream::new()
        }
    }
}
