//! Emission: the forward and reverse sweeps of a lowered function as Rust tokens.
//!
//! A sweep is generated per item (`f_grad`, `f_grad_0`, `f_vjp`, ...), each with its own activity, so that
//! every item computes only the adjoints it returns. The forward sweep is the user's computation, one
//! primitive per `let`. The reverse sweep visits statements backwards and calls each rule of the runtime.
//!
//! Adjoints: an adjoint whose contributions all come from the block that defines its variable is created
//! by its first contribution (moved in) and later ones are added in place; an adjoint read twice is copied
//! for every read but the last. Any other adjoint (a loop's carried value, an array read element by
//! element, a value used inside a branch or a loop) starts as a zero at the start of the reverse of its
//! block and is accumulated into.
//!
//! Regions: a branch's reverse recomputes the taken arm and then reverses it. A loop saves, per
//! iteration, the carried values its body reads (not an accumulator that is only added into) and its
//! integer counters; its reverse pops them, recomputes the body (so the body's own values are never
//! stored) and reverses it. A loop of the function's top level saves during the forward sweep; a loop
//! nested in a region saves during its own reverse, by running itself forward once more first.

use crate::activity::{self, Activity};
use crate::ir::visit;
use crate::ir::{
    Block, ElemWrite, Function, Instr, Loop, LoopKind, Op, Operand, Stmt, VarId, VarKind,
};
use crate::naming::Namer;
use crate::prims::{Access, Copy, Family};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use std::collections::{HashMap, HashSet};

/// Where a sweep's seed comes from.
pub enum Seed {
    /// `1` of this scalar type (`f_grad`).
    One(TokenStream),
    /// A variable already in scope (the pullback's argument, a closure's gradient).
    Named(Ident),
}

/// What a generated name (other than a value's or an adjoint's) stands for.
#[derive(Clone, PartialEq, Eq, Hash)]
enum NameKey {
    /// A loop's stack of saved iterations.
    Stack(usize),
    /// A loop's trip count.
    Trips(usize),
    /// The undo log of a logged array.
    Log(VarId),
    /// The length of an array's undo log before a region (named by the region's key).
    LogMark(VarId, String),
    /// A value's tangent in forward mode.
    Tangent(VarId),
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
    /// Forward mode: beside each active value `v`, its tangent `v_dot` (see [`Emitter::tangent_sweep`]).
    tangents: bool,
}

/// The analyses of one sweep.
struct Plan {
    activity: Activity,
    /// Adjoints that start as zeros at the start of their block's reverse.
    zeroed: HashSet<VarId>,
    /// Contributions still to come, for adjoints that are moved in.
    pending: HashMap<VarId, usize>,
    /// Adjoints already declared.
    declared: HashSet<VarId>,
    /// Variables the reverse sweep reads.
    reads: Vec<VarId>,
    /// Variables the forward sweep must compute.
    needed: Vec<bool>,
    /// Loops of the top level that the forward sweep leaves out (nothing reads what they compute).
    skip_loops: HashSet<usize>,
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
    adjoint_names: HashMap<VarId, Ident>,
    names: HashMap<NameKey, Ident>,
    /// The span of the instruction being reversed (its contributions are added there).
    span: Span,
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
            adjoint_names: HashMap::new(),
            names: HashMap::new(),
            span: Span::call_site(),
        }
    }

    /// The runtime path `__ad` spanned at `span`: a rule that panics (a shape mismatch, an index out
    /// of bounds) is then reported at the user's expression, through `#[track_caller]`.
    fn ad_at(&self, span: Span) -> Ident {
        Ident::new(&self.ad.to_string(), span)
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
        block: &Block,
        ret: &Operand,
        independents: &[VarId],
        seed: Seed,
        keep: &[VarId],
    ) -> Sweep {
        let activity = activity::analyse(self.f.vars.len(), block, ret, independents);
        let mut plan = Plan {
            activity,
            zeroed: HashSet::new(),
            pending: HashMap::new(),
            declared: HashSet::new(),
            reads: Vec::new(),
            needed: vec![false; self.f.vars.len()],
            skip_loops: HashSet::new(),
        };
        self.plan_adjoints(block, ret, independents, &mut plan);
        let ad = self.ad.clone();

        // Reverse sweep.
        let mut reverse = self.zero_declarations(block.id, &plan);
        if let Some(out) = ret.var().filter(|v| plan.activity.is_active(*v)) {
            let seed_value = match &seed {
                Seed::One(ty) => quote!(#ad::one::<#ty>()),
                Seed::Named(name) => quote!(#name),
            };
            reverse.extend(self.contribute(out, seed_value, &mut plan));
        }
        reverse.extend(self.reverse_stmts(block, &mut plan));
        let adjoints = independents
            .iter()
            .map(|v| {
                if plan.declared.contains(v) || plan.zeroed.contains(v) {
                    let name = self.adjoint(*v);
                    quote!(#name)
                } else {
                    let name = self.name(*v);
                    quote!(#ad::zero_tangent(&#name))
                }
            })
            .collect();

        // Forward sweep: what the output, the reverse sweep and constant statements read.
        let reads_output = ret.var().is_some_and(|v| plan.reads.contains(&v));
        let mut needed = std::mem::take(&mut plan.needed);
        for v in plan.reads.iter().chain(self.const_reads).chain(keep) {
            needed[v.0] = true;
        }
        // A zeroed adjoint needs its variable declared; a loop's storage needs only its `Init` for
        // that, not the loop itself.
        let mut declared_only = HashSet::new();
        for v in &plan.zeroed {
            if self.f.vars[v.0].kind == VarKind::Storage {
                declared_only.insert(*v);
            } else {
                needed[v.0] = true;
            }
        }
        plan.skip_loops = self.mark_needed(block, &mut needed, &declared_only, &plan.activity);
        plan.needed = needed;
        let top = Fwd {
            record: true,
            prune: true,
            ..Fwd::default()
        };
        let logs = if block.id == 0 {
            self.log_declarations()
        } else {
            TokenStream::new()
        };
        let forward = self.forward_block(block, &top, &plan);
        let forward = quote!(#logs #forward);
        Sweep {
            forward,
            reverse,
            adjoints,
            reads_output,
        }
    }

    /// Decides, for every adjoint, whether it is moved in or starts as a zero, and counts contributions.
    fn plan_adjoints(
        &mut self,
        block: &Block,
        ret: &Operand,
        independents: &[VarId],
        plan: &mut Plan,
    ) {
        let mut events: Vec<(VarId, usize, bool)> = Vec::new();
        if let Some(v) = ret.var() {
            events.push((v, block.id, false));
        }
        contributions(block, &plan.activity, &mut events);
        let _ = independents;
        for &(v, at, in_place) in &events {
            let var = &self.f.vars[v.0];
            if in_place || at != var.block || var.kind == VarKind::Storage {
                plan.zeroed.insert(v);
            }
        }
        for (v, var) in self.f.vars.iter().enumerate() {
            if var.kind == VarKind::Storage && plan.activity.is_active(VarId(v)) {
                plan.zeroed.insert(VarId(v));
            }
        }
        for &(v, _, _) in &events {
            if !plan.zeroed.contains(&v) {
                *plan.pending.entry(v).or_default() += 1;
            }
        }
    }

    /// `let mut v_bar = zero_tangent(&v);` for the zeroed adjoints of variables that `block` defines.
    fn zero_declarations(&mut self, block: usize, plan: &Plan) -> TokenStream {
        let ad = self.ad.clone();
        let mut vars: Vec<VarId> = plan
            .zeroed
            .iter()
            .copied()
            .filter(|v| self.f.vars[v.0].block == block && plan.activity.is_active(*v))
            .collect();
        vars.sort();
        let mut out = TokenStream::new();
        for v in vars {
            let bar = self.adjoint(v);
            let name = self.name(v).clone();
            out.extend(quote!(let mut #bar = #ad::zero_tangent(&#name);));
        }
        out
    }

    /// Adds one contribution to `target`'s adjoint.
    fn contribute(&mut self, target: VarId, value: TokenStream, plan: &mut Plan) -> TokenStream {
        let ad = self.ad_at(self.span);
        let name = self.adjoint(target);
        let acc = quote_spanned!(self.span=> #ad::acc(&mut #name, contribution));
        if plan.zeroed.contains(&target) {
            // The contribution is computed before the adjoint is borrowed: it may read the same
            // adjoint inside a closure (a `mapv` reading an element of the array it maps).
            return quote!({ let contribution = #value; #acc; });
        }
        let left = plan.pending.get_mut(&target).expect("counted");
        *left -= 1;
        if plan.declared.insert(target) {
            let mutability = (*left > 0).then(|| quote!(mut));
            quote!(let #mutability #name = #value;)
        } else {
            quote!({ let contribution = #value; #acc; })
        }
    }

    fn reverse_stmts(&mut self, block: &Block, plan: &mut Plan) -> TokenStream {
        let ad = self.ad.clone();
        let mut out = TokenStream::new();
        for stmt in block.stmts.iter().rev() {
            match stmt {
                Stmt::Instr(instr) => out.extend(self.reverse_instr(instr, plan)),
                Stmt::Verbatim { .. } => {}
                Stmt::Init { storage, value } => {
                    if let Some(v) = value.var().filter(|v| {
                        plan.activity.is_active(*storage) && plan.activity.is_active(*v)
                    }) {
                        let bar = self.adjoint(*storage);
                        out.extend(self.contribute(v, quote!(#bar), plan));
                    }
                }
                Stmt::WriteBack { storage, value } => {
                    if !plan.activity.is_active(*storage) {
                        continue;
                    }
                    let Some(v) = value.var().filter(|v| plan.activity.is_active(*v)) else {
                        // Overwritten by a value without a derivative here: what the storage held
                        // before this write contributes nothing through it.
                        let bar = self.adjoint(*storage);
                        out.extend(quote!(let _ = #ad::take(&mut #bar);));
                        continue;
                    };
                    {
                        let bar = self.adjoint(*storage);
                        // When the body's copy of the carried value is active, its reverse assigns
                        // the storage's adjoint anew: the adjoint can be moved out here.
                        let refilled =
                            entry_of(block, *storage).is_some_and(|e| plan.activity.is_active(e));
                        let seed = if refilled {
                            quote!(#bar)
                        } else {
                            quote!(#ad::take(&mut #bar))
                        };
                        out.extend(self.contribute(v, seed, plan));
                    }
                }
                Stmt::SetElem {
                    storage,
                    kind,
                    index,
                    value,
                    span,
                } => {
                    let ad = self.ad_at(*span);
                    // Undo the write first: what the reverse sweep recomputes before it must see the
                    // element as it was.
                    if self.is_logged(*storage) {
                        let y = self.name(*storage).clone();
                        let log = self.log_name(*storage);
                        out.extend(quote!(#ad::undo(&mut #y, &mut #log);));
                    }
                    if !plan.activity.is_active(*storage) {
                        continue;
                    }
                    let bar = self.adjoint(*storage);
                    let active = value.var().filter(|v| plan.activity.is_active(*v));
                    let rule = match kind {
                        ElemWrite::Set => quote_spanned!(*span=> #ad::set_vjp(&mut #bar, #index)),
                        ElemWrite::Add => {
                            quote_spanned!(*span=> #ad::add_at_vjp(&mut #bar, #index))
                        }
                        ElemWrite::Sub => {
                            quote_spanned!(*span=> #ad::sub_at_vjp(&mut #bar, #index))
                        }
                    };
                    match active {
                        Some(v) => out.extend(self.contribute(v, rule, plan)),
                        None if *kind == ElemWrite::Set => out.extend(quote!(let _ = #rule;)),
                        None => {}
                    }
                }
                Stmt::If(i) => {
                    let flag = &i.flag;
                    let mut arms = Vec::new();
                    let restore: TokenStream = i
                        .restore
                        .iter()
                        .map(|(c, saved)| quote!(#c = ::core::clone::Clone::clone(&#saved);))
                        .collect();
                    let marks = self.log_marks(&[&i.then_, &i.else_], &i.flag.to_string());
                    let undo = self.undo_to_marks(&marks);
                    for (arm, then) in [(&i.then_, true), (&i.else_, false)] {
                        let recompute = self.forward_block(arm, &Fwd::default(), plan);
                        let recompute = quote!(#restore #undo #recompute);
                        let mut body = self.zero_declarations(arm.id, plan);
                        for j in &i.joins {
                            let value = if then { &j.then_value } else { &j.else_value };
                            if let Some(v) = value.var().filter(|v| {
                                plan.activity.is_active(j.var) && plan.activity.is_active(*v)
                            }) {
                                let bar = self.adjoint(j.var);
                                body.extend(self.contribute(v, quote!(#bar), plan));
                            }
                        }
                        body.extend(self.reverse_stmts(arm, plan));
                        arms.push(quote!({ #recompute #body }));
                    }
                    let (then_arm, else_arm) = (&arms[0], &arms[1]);
                    out.extend(quote!(if #flag #then_arm else #else_arm));
                }
                Stmt::Loop(l) => out.extend(self.reverse_loop(l, block.id == 0, plan)),
            }
        }
        out
    }

    fn reverse_instr(&mut self, instr: &Instr, plan: &mut Plan) -> TokenStream {
        let ad = self.ad_at(instr.span);
        let outer = std::mem::replace(&mut self.span, instr.span);
        let out = self.reverse_instr_at(instr, plan, ad);
        self.span = outer;
        out
    }

    fn reverse_instr_at(&mut self, instr: &Instr, plan: &mut Plan, ad: Ident) -> TokenStream {
        let mut out = TokenStream::new();
        if !plan.activity.is_active(instr.dst) {
            return out;
        }
        let targets: Vec<(usize, VarId)> = instr
            .args
            .iter()
            .enumerate()
            .filter(|(_, a)| plan.activity.operand(a))
            .filter_map(|(k, a)| a.var().map(|v| (k, v)))
            .collect();
        let g = self.adjoint(instr.dst);
        if let Op::Join { stack } = &instr.op {
            let rule = if *stack {
                format_ident!("stack_vjp", span = instr.span)
            } else {
                format_ident!("concatenate_vjp", span = instr.span)
            };
            let axis = &instr.extras[0];
            let parts: Vec<TokenStream> = instr
                .args
                .iter()
                .map(|a| {
                    let a = self.operand(a);
                    quote!(#ad::view_of(#a))
                })
                .collect();
            plan.reads
                .extend(instr.args.iter().filter_map(Operand::var));
            for (n, (k, target)) in targets.iter().enumerate() {
                let seed = if n + 1 == targets.len() {
                    quote!(#g)
                } else {
                    quote!(#ad::dup(&#g))
                };
                let call =
                    quote_spanned!(instr.span=> #ad::#rule(#axis, &[#(#parts),*], #k, #seed));
                out.extend(self.contribute(*target, call, plan));
            }
            return out;
        }
        if let Op::Mapv(_) = &instr.op {
            let call = self.rule(instr, 0, quote!(#g), plan).expect("a mapv rule");
            match instr.args[0].var().filter(|v| plan.activity.is_active(*v)) {
                Some(x) => out.extend(self.contribute(x, call, plan)),
                None => out.extend(quote!(let _ = #call;)),
            }
            return out;
        }
        if let Op::Call(call) = &instr.op {
            // One pullback call gives every argument's tangent; `spread` lines them up with the
            // arguments (constant arguments get `()`).
            plan.reads.push(instr.dst);
            plan.reads
                .extend(instr.args.iter().filter_map(Operand::var));
            let (pullback, kinds) = if self.owned_values {
                let pullback = self.namer.numbered("pullback");
                let kinds = self.namer.numbered("kinds");
                let args = self.call_args(instr, call);
                let (locals, kinds_value, invoke) = self.call_vjp(instr, call, args);
                out.extend(quote! {
                    let (#pullback, #kinds) = {
                        #locals
                        let kinds = #kinds_value;
                        let (_, pullback) = #invoke;
                        (pullback, kinds)
                    };
                });
                (pullback, kinds)
            } else {
                self.call_names(instr.dst)
            };
            let names: Vec<Ident> = (0..instr.args.len())
                .map(|_| self.namer.numbered("tangent"))
                .collect();
            let pattern = names
                .iter()
                .rev()
                .fold(quote!(()), |rest, n| quote!((#n, #rest)));
            out.extend(
                // Spanned at the call, so that a rule with a wrong signature is reported there.
                {
                    let pullback = Ident::new(&pullback.to_string(), instr.span);
                    quote_spanned!(instr.span=> let #pattern = ::autodiff::__private::spread(#pullback(#g), #kinds);)
                },
            );
            for (k, target) in &targets {
                let name = &names[*k];
                out.extend(self.contribute(*target, quote!(#name), plan));
            }
            return out;
        }
        for (n, (k, target)) in targets.iter().enumerate() {
            let seed = if n + 1 == targets.len() {
                quote!(#g)
            } else {
                quote!(#ad::dup(&#g))
            };
            if let Op::Prim(p) = &instr.op {
                if p.family == Family::Access(Access::Field) {
                    let path = &instr.extras[0];
                    let bar = self.adjoint(*target);
                    out.extend(quote_spanned!(instr.span=> #ad::acc(&mut #bar.#path, #seed);));
                    continue;
                }
                if let Family::Access(Access::Index | Access::Element) = p.family {
                    // A read's gradient goes into the container's gradient in place.
                    let x = self.operand(&instr.args[0]);
                    let index = &instr.extras[0];
                    let bar = self.adjoint(*target);
                    let rule = format_ident!("{}_acc", p.name);
                    plan.reads.push(*target);
                    out.extend(
                        quote_spanned!(instr.span=> #ad::#rule(#x, &mut #bar, #index, #seed);),
                    );
                    continue;
                }
            }
            let Some(call) = self.rule(instr, *k, seed, plan) else {
                continue;
            };
            let entry = matches!(&instr.op, Op::Prim(p) if p.family == Family::Copy(Copy::Carry));
            if entry {
                // The body's copy of a carried value: the only contribution to the storage's adjoint
                // within an iteration, which the write-back moved out.
                let bar = self.adjoint(*target);
                out.extend(quote!(#bar = #call;));
                continue;
            }
            out.extend(self.contribute(*target, call, plan));
        }
        out
    }

    /// The call of the rule that gives operand `k`'s contribution from the adjoint `seed` of `i.dst`.
    fn rule(
        &mut self,
        i: &Instr,
        k: usize,
        seed: TokenStream,
        plan: &mut Plan,
    ) -> Option<TokenStream> {
        let ad = self.ad_at(i.span);
        plan.reads.extend(i.args.iter().filter_map(Operand::var));
        match &i.op {
            Op::Prim(p) => {
                if p.reads_output {
                    plan.reads.push(i.dst);
                }
                Some(self.prim_rule(i, p, k, seed))
            }
            Op::Mapv(c) => {
                let _ = k;
                let x = self.operand(&i.args[0]);
                let param = self.name(c.param).clone();
                let ty = c.param_ty.as_ref().map(|t| quote!(: #t));
                let g = self
                    .namer
                    .fresh(&format!("{param}_out_bar"), Span::call_site());
                // Captured values that carry derivatives are independents of the closure too: its
                // reverse adds into their adjoints (declared as zeros outside) element by element.
                let mut independents = vec![c.param];
                independents.extend(
                    i.args[1..]
                        .iter()
                        .filter(|a| plan.activity.operand(a))
                        .filter_map(Operand::var),
                );
                let sweep = self.sweep(&c.body, &c.ret, &independents, Seed::Named(g.clone()), &[]);
                let (forward, reverse, adjoint) =
                    (sweep.forward, sweep.reverse, &sweep.adjoints[0]);
                Some(
                    quote_spanned!(i.span=> #ad::mapv_vjp(#x, #seed, |#param #ty, #g| { #forward #reverse #adjoint })),
                )
            }
            Op::Call(_) | Op::Join { .. } => None,
        }
    }

    /// `op_vjpK(args.., extras.., [&y,] seed)`: the rule of a primitive for operand `k`.
    fn prim_rule(
        &self,
        i: &Instr,
        p: &crate::prims::Prim,
        k: usize,
        seed: TokenStream,
    ) -> TokenStream {
        let ad = &self.ad_at(i.span);
        let name = if p.arity == 1 {
            format_ident!("{}_vjp", p.name, span = i.span)
        } else {
            format_ident!("{}_vjp{}", p.name, k, span = i.span)
        };
        let args = i.args.iter().map(|a| self.operand(a));
        let extras = &i.extras;
        let output = p.reads_output.then(|| {
            let y = self.name(i.dst);
            quote!(&#y,)
        });
        quote_spanned!(i.span=> #ad::#name(#(#args,)* #(#extras,)* #output #seed))
    }

    /// The forward statements of `block`.
    fn forward_block(&mut self, block: &Block, mode: &Fwd, plan: &Plan) -> TokenStream {
        let ad = self.ad.clone();
        let nested = Fwd {
            record: false,
            prune: false,
            ..mode.clone()
        };
        let mut out = TokenStream::new();
        for stmt in &block.stmts {
            match stmt {
                Stmt::Instr(i) => {
                    if !mode.prune || plan.needed[i.dst.0] {
                        out.extend(self.forward_instr(i, plan));
                        if mode.tangents && plan.activity.is_active(i.dst) {
                            out.extend(self.tangent_instr(i, plan));
                        }
                    }
                }
                Stmt::Verbatim { tokens, .. } => out.extend(tokens.clone()),
                Stmt::Init { storage, .. } if mode.prune && !plan.needed[storage.0] => {}
                Stmt::Loop(l) if mode.prune && plan.skip_loops.contains(&l.id) => {}
                Stmt::Init { storage, value } => {
                    let name = self.name(*storage).clone();
                    let literal = matches!(value, Operand::Const(t) if crate::scalars::scalar_const(t, self.f));
                    let ty = self
                        .scalar_type
                        .as_ref()
                        .filter(|_| literal)
                        .map(|t| quote!(: #t));
                    let dot = (mode.tangents && plan.activity.is_active(*storage)).then(|| {
                        let storage_dot = self.dot(*storage);
                        let dot = self
                            .tangent_of(value, plan)
                            .unwrap_or(quote!(#ad::zero_tangent(&#name)));
                        quote!(let mut #storage_dot = #dot;)
                    });
                    let value = self.value(value, true);
                    out.extend(quote!(let mut #name #ty = #value; #dot));
                }
                Stmt::WriteBack { storage, value } => {
                    if !mode.skip_writeback.contains(storage) {
                        let name = self.name(*storage).clone();
                        let local = value.var().is_some_and(|v| {
                            self.f.vars[v.0].block == block.id
                                && self.f.vars[v.0].kind != VarKind::Storage
                        });
                        if mode.tangents && plan.activity.is_active(*storage) {
                            let dot = self.tangent_of(value, plan);
                            let storage_dot = self.dot(*storage);
                            let dot = dot.unwrap_or(quote!(#ad::zero_tangent(&#name)));
                            out.extend(quote!(#storage_dot = #dot;));
                        }
                        let value = self.value(value, !local);
                        out.extend(quote!(#name = #value;));
                    }
                }
                Stmt::SetElem {
                    storage,
                    kind,
                    index,
                    value,
                    span,
                } => {
                    let ad = self.ad_at(*span);
                    if self.is_logged(*storage) {
                        let name = self.name(*storage).clone();
                        let log = self.log_name(*storage);
                        let value = self.operand(value);
                        let write = match kind {
                            ElemWrite::Set => quote!(set_logged),
                            ElemWrite::Add => quote!(add_at_logged),
                            ElemWrite::Sub => quote!(sub_at_logged),
                        };
                        // The index and the value are evaluated before the array is borrowed: either
                        // may read it (`y[3] = y[3] * 2.0` with `y` a constant until this write).
                        let call = quote_spanned!(*span=> #ad::#write(&mut #name, &mut #log, __autodiff_index, __autodiff_value));
                        out.extend(quote!({ let __autodiff_index = #index; let __autodiff_value = #value; #call; }));
                    } else if !mode.skip_elem.contains(storage) {
                        let name = self.name(*storage).clone();
                        let value = self.operand(value);
                        let write = match kind {
                            ElemWrite::Set => quote!(set),
                            ElemWrite::Add => quote!(add_at),
                            ElemWrite::Sub => quote!(sub_at),
                        };
                        let call = quote_spanned!(*span=> #ad::#write(&mut #name, __autodiff_index, __autodiff_value));
                        out.extend(quote!({ let __autodiff_index = #index; let __autodiff_value = #value; #call; }));
                    }
                }
                Stmt::If(i) => {
                    let flag = &i.flag;
                    let mut names: Vec<Ident> =
                        i.joins.iter().map(|j| self.name(j.var).clone()).collect();
                    if mode.tangents {
                        for j in i.joins.iter().filter(|j| plan.activity.is_active(j.var)) {
                            names.push(self.dot(j.var));
                        }
                    }
                    let marks = self.log_marks(&[&i.then_, &i.else_], &i.flag.to_string());
                    out.extend(self.mark_logs(&marks));
                    let decls = quote!(#(let #names;)*);
                    let mut arms = Vec::new();
                    for (arm, then) in [(&i.then_, true), (&i.else_, false)] {
                        let mut body = self.forward_block(arm, &nested, plan);
                        for j in &i.joins {
                            let value = if then { &j.then_value } else { &j.else_value };
                            let tangent =
                                (mode.tangents && plan.activity.is_active(j.var)).then(|| {
                                    // A constant's zero tangent is taken from the joined variable, whose
                                    // type is known once assigned (a literal's alone is not).
                                    let dot = self.dot(j.var);
                                    let name = self.name(j.var).clone();
                                    let value_dot = self.tangent_of(value, plan);
                                    let value_dot = value_dot
                                        .unwrap_or_else(|| quote!(#ad::zero_tangent(&#name)));
                                    quote!(#dot = #value_dot;)
                                });
                            let local = value.var().is_some_and(|v| {
                                self.f.vars[v.0].block == arm.id
                                    && self.f.vars[v.0].kind != VarKind::Storage
                            });
                            let value = self.value(value, !local);
                            let name = self.name(j.var);
                            body.extend(quote!(#name = #value; #tangent));
                        }
                        arms.push(quote!({ #body }));
                    }
                    let (then_arm, else_arm) = (&arms[0], &arms[1]);
                    out.extend(quote!(#decls if #flag #then_arm else #else_arm));
                }
                Stmt::Loop(l) => {
                    let marks = self.log_marks(&[&l.body], &format!("loop{}", l.id));
                    out.extend(self.mark_logs(&marks));
                    for c in &l.carried_consts {
                        let saved = self.const_entry(l.id, c);
                        out.extend(quote!(let #saved = ::core::clone::Clone::clone(&#c);));
                    }
                    out.extend(self.forward_loop(l, mode.record, &nested, plan));
                }
            }
        }
        out
    }

    /// The undo log of a logged array.
    fn log_name(&mut self, v: VarId) -> Ident {
        let base = format!("{}_log", self.f.vars[v.0].name);
        self.keyed(NameKey::Log(v), &base)
    }

    /// The logged arrays that `region` writes and that are declared outside it: a region's reverse
    /// undoes their writes before it runs again (arrays declared inside are made anew by the rerun).
    fn outer_logged_writes(&self, region: &Block) -> Vec<VarId> {
        let inside = visit::block_ids(region);
        visit::element_writes(region)
            .into_iter()
            .filter(|v| self.is_logged(*v) && !inside.contains(&self.f.vars[v.0].block))
            .collect()
    }

    fn is_logged(&self, v: VarId) -> bool {
        self.f.logged.contains(&v)
    }

    /// `let mut y_log = undo_log();` for every logged array (at the top of a generated function).
    fn log_declarations(&mut self) -> TokenStream {
        let ad = self.ad.clone();
        let mut out = TokenStream::new();
        for v in self.f.logged.clone() {
            let log = self.log_name(v);
            out.extend(quote!(let mut #log = #ad::undo_log();));
        }
        out
    }

    /// The logged arrays written anywhere in `blocks`, each with the name of its log's length before
    /// them (`key` tells the region apart).
    fn log_marks(&mut self, blocks: &[&Block], key: &str) -> Vec<(VarId, Ident, Ident)> {
        let mut written: Vec<VarId> = blocks
            .iter()
            .flat_map(|b| self.outer_logged_writes(b))
            .collect();
        written.sort();
        written.dedup();
        written
            .into_iter()
            .map(|v| {
                let log = self.log_name(v);
                let base = format!("{}_log_at_{key}", self.f.vars[v.0].name);
                let mark = self.keyed(NameKey::LogMark(v, key.to_string()), &base);
                (v, log, mark)
            })
            .collect()
    }

    /// `let y_log_at = log_len(&y_log);` before a region that writes logged arrays.
    fn mark_logs(&mut self, marks: &[(VarId, Ident, Ident)]) -> TokenStream {
        let ad = self.ad.clone();
        marks
            .iter()
            .map(|(_, log, mark)| quote!(let #mark = #ad::log_len(&#log);))
            .collect()
    }

    /// Undoes logged writes back to the marks.
    fn undo_to_marks(&mut self, marks: &[(VarId, Ident, Ident)]) -> TokenStream {
        let ad = self.ad.clone();
        marks
            .iter()
            .map(|(v, log, mark)| {
                let y = self.name(*v).clone();
                quote!(#ad::undo_to(&mut #y, &mut #log, #mark);)
            })
            .collect()
    }

    /// The tangent variable of `v` in forward mode.
    fn dot(&mut self, v: VarId) -> Ident {
        let base = format!("{}_dot", self.f.vars[v.0].name);
        self.keyed(NameKey::Tangent(v), &base)
    }

    /// The tangent of an operand in forward mode, if it has one (an active variable).
    fn tangent_of(&mut self, o: &Operand, plan: &Plan) -> Option<TokenStream> {
        let v = o.var().filter(|v| plan.activity.is_active(*v))?;
        let dot = self.dot(v);
        Some(quote!(#dot))
    }

    /// `dst_dot = sum over active operands k of (d dst / d arg_k) * arg_k_dot`. For scalars a reverse
    /// rule with seed `s` is the partial derivative times `s`, so the reverse rules serve forward mode.
    fn tangent_instr(&mut self, i: &Instr, plan: &Plan) -> TokenStream {
        let ad = self.ad.clone();
        let Op::Prim(p) = &i.op else {
            return TokenStream::new();
        };
        let mut terms = Vec::new();
        for (k, a) in i.args.iter().enumerate() {
            if let Some(v) = a.var().filter(|v| plan.activity.is_active(*v)) {
                let seed = self.dot(v);
                terms.push(self.prim_rule(i, p, k, quote!(#seed)));
            }
        }
        let dot = self.dot(i.dst);
        let dst = self.name(i.dst).clone();
        let sum = terms
            .into_iter()
            .reduce(|acc, t| quote!(#acc + #t))
            .unwrap_or(quote!(#ad::zero_tangent(&#dst)));
        quote!(let #dot = #sum;)
    }

    /// Forward mode for one scalar independent, when every active value is a scalar: the forward sweep
    /// with tangents, and the output's tangent (the derivative). No values are stored, no reverse sweep
    /// is run: a Horner loop costs what its hand-written derivative recurrence does.
    pub fn tangent_sweep(
        &mut self,
        block: &Block,
        ret: &Operand,
        independent: VarId,
        scalars: &[VarId],
        keep: &[VarId],
    ) -> Option<(TokenStream, TokenStream)> {
        let activity = activity::analyse(self.f.vars.len(), block, ret, &[independent]);
        if !crate::scalars::all_active_scalar(self.f, block, &activity, scalars) {
            return None;
        }
        let plan = Plan {
            activity,
            zeroed: HashSet::new(),
            pending: HashMap::new(),
            declared: HashSet::new(),
            reads: Vec::new(),
            needed: vec![true; self.f.vars.len()],
            skip_loops: HashSet::new(),
        };
        let _ = keep;
        let ad = self.ad.clone();
        let x = self.name(independent).clone();
        let x_dot = self.dot(independent);
        let mode = Fwd {
            tangents: true,
            ..Fwd::default()
        };
        let logs = self.log_declarations();
        let forward = self.forward_block(block, &mode, &plan);
        let forward = quote!(#logs #forward);
        let output = match ret.var().filter(|v| plan.activity.is_active(*v)) {
            Some(v) => {
                let dot = self.dot(v);
                quote!(#dot)
            }
            None => quote!(#ad::zero_tangent(&#x)),
        };
        Some((quote!(let #x_dot = #ad::seed(&#x); #forward), output))
    }

    /// The name holding counter `c`'s value before loop `id`.
    fn const_entry(&mut self, id: usize, c: &Ident) -> Ident {
        let base = format!("{c}_before_loop");
        self.keyed(NameKey::CounterBefore(id, c.to_string()), &base)
    }

    fn forward_instr(&mut self, i: &Instr, plan: &Plan) -> TokenStream {
        let ad = self.ad_at(i.span);
        let dst = self.name(i.dst).clone();
        let ascription = i
            .ascription
            .as_ref()
            .filter(|t| !(self.owned_values && quote!(#t).to_string().contains("View")));
        let ascription = ascription.map(|t| quote!(: #t));
        let value = match &i.op {
            Op::Prim(p) if p.family == Family::Access(Access::Field) => {
                let base = self.operand(&i.args[0]);
                let path = &i.extras[0];
                if self.owned_values {
                    quote_spanned!(i.span=> ::core::clone::Clone::clone(&(#base).#path))
                } else {
                    quote_spanned!(i.span=> &(#base).#path)
                }
            }
            Op::Prim(p) => {
                let name = format_ident!("{}", p.name, span = i.span);
                let args = i.args.iter().map(|a| self.operand(a));
                let extras = &i.extras;
                quote_spanned!(i.span=> #ad::#name(#(#args,)* #(#extras),*))
            }
            Op::Mapv(c) => {
                let x = self.operand(&i.args[0]);
                let param = self.name(c.param).clone();
                let ty = c.param_ty.as_ref().map(|t| quote!(: #t));
                let mut inner = TokenStream::new();
                let empty = Plan {
                    activity: activity::analyse(self.f.vars.len(), &c.body, &c.ret, &[]),
                    zeroed: HashSet::new(),
                    pending: HashMap::new(),
                    declared: HashSet::new(),
                    reads: Vec::new(),
                    needed: vec![true; self.f.vars.len()],
                    skip_loops: HashSet::new(),
                };
                inner.extend(self.forward_block(&c.body, &Fwd::default(), &empty));
                let value = self.value(&c.ret, false);
                quote_spanned!(i.span=> #ad::mapv(#x, |#param #ty| { #inner #value }))
            }
            Op::Join { stack } => {
                let function = if *stack {
                    format_ident!("stack", span = i.span)
                } else {
                    format_ident!("concatenate", span = i.span)
                };
                let axis = &i.extras[0];
                let parts = i.args.iter().map(|a| {
                    let a = self.operand(a);
                    quote!(#ad::view_of(#a))
                });
                quote_spanned!(i.span=> #ad::#function(#axis, &[#(#parts),*]))
            }
            Op::Call(call) => {
                let args = self.call_args(i, call);
                // A pullback kept across the forward sweep would borrow the sweep's locals, which a
                // pullback closure (`f_vjp`) owns: there the reverse sweep calls `g_vjp` again.
                if !plan.activity.is_active(i.dst) || self.owned_values {
                    let path = &call.path;
                    let value = if call.method {
                        let (receiver, rest) = args.split_first().expect("a method has a receiver");
                        quote_spanned!(i.span=> #receiver.#path(#(#rest),*))
                    } else {
                        quote_spanned!(i.span=> #path(#(#args),*))
                    };
                    return quote!(let #dst #ascription = #value;);
                }
                let (pullback, kinds) = self.call_names(i.dst);
                let (locals, kinds_value, invoke) = self.call_vjp(i, call, args);
                return quote! {
                    let (#dst, #pullback, #kinds) = {
                        #locals
                        let kinds = #kinds_value;
                        let (value, pullback) = #invoke;
                        (value, pullback, kinds)
                    };
                };
            }
        };
        quote!(let #dst #ascription = #value;)
    }

    /// The arguments of a call as passed: by reference where the source passed a reference, else a
    /// copy (the forward sweep never moves a value the reverse sweep may read).
    fn call_args(&self, i: &Instr, call: &crate::ir::CallSite) -> Vec<TokenStream> {
        i.args
            .iter()
            .zip(&call.by_ref)
            .enumerate()
            .map(|(k, (a, by_ref))| match (a, by_ref) {
                (Operand::Var(v), _) if call.method && k == 0 => {
                    let name = self.name(*v);
                    quote!(#name)
                }
                (a, true) => self.operand(a),
                (Operand::Var(v), false) => {
                    let name = self.name(*v);
                    quote!(::core::clone::Clone::clone(&#name))
                }
                (Operand::Const(tokens), false) => quote!((#tokens)),
            })
            .collect()
    }

    /// The arguments bound to locals, their kinds, and the call of `g_vjp` on them.
    fn call_vjp(
        &mut self,
        i: &Instr,
        call: &crate::ir::CallSite,
        args: Vec<TokenStream>,
    ) -> (TokenStream, TokenStream, TokenStream) {
        let ad = self.ad.clone();
        let locals: Vec<Ident> = (0..args.len())
            .map(|_| self.namer.numbered("arg"))
            .collect();
        let kinds = locals
            .iter()
            .rev()
            .fold(quote!(()), |rest, a| quote!((#ad::arg_kind(&#a), #rest)));
        let vjp = &call.vjp;
        let invoke = if call.method {
            let (receiver, rest) = locals.split_first().expect("a method has a receiver");
            quote_spanned!(i.span=> #receiver.#vjp(#(#rest),*))
        } else {
            quote_spanned!(i.span=> #vjp(#(#locals),*))
        };
        (quote!(#(let #locals = #args;)*), kinds, invoke)
    }

    /// The names of a call's pullback and of its arguments' kinds.
    fn call_names(&mut self, dst: VarId) -> (Ident, Ident) {
        let base = self.f.vars[dst.0].name.to_string();
        let pullback = self.keyed(NameKey::Pullback(dst), &format!("{base}_pullback"));
        let kinds = self.keyed(NameKey::Kinds(dst), &format!("{base}_kinds"));
        (pullback, kinds)
    }

    /// The checkpoint of one iteration: the carried values the body reads, and the counters.
    fn checkpoint(&mut self, l: &Loop) -> Vec<(TokenStream, Restore)> {
        let ad = self.ad.clone();
        let mut parts = Vec::new();
        for c in l.carried.iter().filter(|c| c.saved) {
            let name = self.name(c.storage);
            parts.push((quote!(#ad::owned(&#name)), Restore::Assign(quote!(#name))));
        }
        for c in &l.carried_consts {
            parts.push((
                quote!(::core::clone::Clone::clone(&#c)),
                Restore::Assign(quote!(#c)),
            ));
        }
        for (y, log) in self.checkpoint_logs(l) {
            parts.push((quote!(#ad::log_len(&#log)), Restore::Undo(y, log)));
        }
        parts
    }

    /// The logged arrays a loop writes, each with its log (their lengths go into the checkpoint).
    fn checkpoint_logs(&mut self, l: &Loop) -> Vec<(Ident, Ident)> {
        let mut written = self.outer_logged_writes(&l.body);
        written.sort();
        written.dedup();
        written
            .into_iter()
            .map(|v| (self.name(v).clone(), self.log_name(v)))
            .collect()
    }

    fn needs_count(l: &Loop) -> bool {
        l.brk.is_some() || !matches!(l.kind, LoopKind::Range { .. })
    }

    /// A loop run forward; with `record`, it saves each iteration's checkpoint and counts iterations.
    fn forward_loop(
        &mut self,
        l: &Loop,
        record: bool,
        body_mode: &Fwd,
        plan: &Plan,
    ) -> TokenStream {
        let ad = self.ad.clone();
        let checkpoint = self.checkpoint(l);
        let stack = self.keyed(NameKey::Stack(l.id), "stack");
        let count = self.keyed(NameKey::Trips(l.id), "trips");
        let mut before = TokenStream::new();
        let mut each = TokenStream::new();
        if record && !checkpoint.is_empty() {
            let values = checkpoint.iter().map(|(v, _)| v);
            before.extend(match &l.kind {
                LoopKind::Range { iter, .. } => {
                    quote!(let mut #stack = #ad::checkpoint_stack(&(#iter));)
                }
                _ => quote!(let mut #stack = ::std::vec::Vec::new();),
            });
            each.extend(quote!(#stack.push((#(#values,)*));));
        }
        if record && Self::needs_count(l) {
            before.extend(quote!(let mut #count: usize = 0;));
            each.extend(quote!(#count += 1;));
        }
        let body = self.forward_block(&l.body, body_mode, plan);
        let exit = l.brk.as_ref().map(|b| quote!(if #b { break; }));
        let head = match &l.kind {
            LoopKind::Range { index, iter } => quote!(for #index in #iter),
            LoopKind::While { cond } => quote!(while #cond),
            LoopKind::Infinite => quote!(loop),
        };
        quote!(#before #head { #each #body #exit })
    }

    /// A loop reversed: pop each iteration's checkpoint, recompute the body, reverse it.
    fn reverse_loop(&mut self, l: &Loop, top_level: bool, plan: &mut Plan) -> TokenStream {
        let ad = self.ad.clone();
        let active = l.carried.iter().any(|c| plan.activity.is_active(c.storage))
            || l.writes.iter().any(|w| plan.activity.is_active(*w))
            || block_has_active(&l.body, &plan.activity);
        let marks = self.log_marks(&[&l.body], &format!("loop{}", l.id));
        if !active {
            // Nothing to differentiate, but its logged writes are undone like everyone's.
            return self.undo_to_marks(&marks);
        }
        let mut out = TokenStream::new();
        if !top_level {
            out.extend(self.undo_to_marks(&marks));
            // Run the loop forward again from its start, saving what its reverse needs.
            for c in &l.carried {
                let name = self.name(c.storage).clone();
                let value = self.value(&c.init, true);
                out.extend(quote!(#name = #value;));
            }
            for c in &l.carried_consts {
                let saved = self.const_entry(l.id, c);
                out.extend(quote!(#c = ::core::clone::Clone::clone(&#saved);));
            }
            let mut mode = Fwd::default();
            mode.skip_elem.extend(
                visit::element_writes(&l.body)
                    .into_iter()
                    .chain(l.writes.iter().copied()),
            );
            out.extend(self.forward_loop(l, true, &mode, plan));
        }
        let checkpoint = self.checkpoint(l);
        let stack = self.keyed(NameKey::Stack(l.id), "stack");
        let count = self.keyed(NameKey::Trips(l.id), "trips");
        let restore = if checkpoint.is_empty() {
            TokenStream::new()
        } else {
            let names: Vec<Ident> = (0..checkpoint.len())
                .map(|k| format_ident!("__saved{}", k))
                .collect();
            let restores = checkpoint
                .iter()
                .zip(&names)
                .map(|((_, r), saved)| match r {
                    Restore::Assign(target) => quote!(#target = #saved;),
                    Restore::Undo(y, log) => quote!(#ad::undo_to(&mut #y, &mut #log, #saved);),
                });
            quote!(let (#(#names,)*) = #ad::pop(&mut #stack); #(#restores)*)
        };
        let mut mode = Fwd::default();
        mode.skip_writeback
            .extend(l.carried.iter().map(|c| c.storage));
        mode.skip_elem.extend(l.writes.iter().copied());
        mode.skip_elem.extend(visit::element_writes(&l.body));
        let recompute = self.forward_block(&l.body, &mode, plan);
        let zeros = self.zero_declarations(l.body.id, plan);
        let reverse = self.reverse_stmts(&l.body, plan);
        let head = match &l.kind {
            LoopKind::Range { index, iter } if l.brk.is_some() => {
                quote!(for #index in (#iter).take(#count).rev())
            }
            LoopKind::Range { index, iter } => quote!(for #index in (#iter).rev()),
            _ => quote!(for _ in 0..#count),
        };
        out.extend(quote!(#head { #restore #recompute #zeros #reverse }));
        out
    }
}

/// The body's copy of `storage` (the first instruction of a loop body that reads it).
fn entry_of(body: &Block, storage: VarId) -> Option<VarId> {
    body.stmts.iter().find_map(|stmt| match stmt {
        Stmt::Instr(i)
            if matches!(&i.op, Op::Prim(p) if p.family == Family::Copy(Copy::Carry))
                && i.args[0].var() == Some(storage) =>
        {
            Some(i.dst)
        }
        _ => None,
    })
}

/// How a checkpoint entry is restored.
enum Restore {
    /// `target = saved`.
    Assign(TokenStream),
    /// Undo the array's logged writes back to the saved length.
    Undo(Ident, Ident),
}

/// Whether any variable defined in `block` (or in the regions inside it) is active.
fn block_has_active(block: &Block, activity: &Activity) -> bool {
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
fn contributions(block: &Block, activity: &Activity, events: &mut Vec<(VarId, usize, bool)>) {
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

impl Emitter<'_> {
    /// Marks what the top level's needed statements read, transitively (backwards), and returns the
    /// loops the forward sweep can leave out: those whose results nothing reads and whose reverse needs
    /// no saved iterations (an index loop that only accumulates, like a sum of terms).
    fn mark_needed(
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
