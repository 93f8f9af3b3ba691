//! Emission: the forward and reverse sweeps of a lowered function as Rust tokens.
//!
//! A sweep is generated per item (`f_grad`, `f_grad_0`, `f_vjp`, ...), each with its own activity, so that
//! every item computes only the adjoints it returns. The forward sweep is the user's computation, one
//! primitive per `let`, keeping only the values that the output or the reverse sweep reads. The reverse
//! sweep visits instructions backwards and calls each rule of the runtime; an adjoint is created by its
//! first contribution (moved in) and later ones are added in place; an adjoint read twice is copied for
//! every read but the last.

use crate::activity::{self, Activity};
use crate::errors::Errors;
use crate::ir::{Block, Function, Instr, Op, Operand, Stmt, VarId};
use crate::naming::Namer;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use std::collections::HashMap;

/// Where a sweep's seed comes from.
pub enum Seed {
    /// `1` of this scalar type (`f_grad`).
    One(TokenStream),
    /// A variable already in scope (the pullback's argument, a closure's gradient).
    Named(Ident),
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
    /// Errors found while emitting.
    pub errors: &'a Errors,
    /// Whether forward values must not borrow each other (they are moved into a pullback closure).
    pub owned_values: bool,
    adjoint_names: HashMap<VarId, Ident>,
}

impl<'a> Emitter<'a> {
    /// An emitter for `f`.
    pub fn new(
        f: &'a Function,
        const_reads: &'a [VarId],
        namer: &'a mut Namer,
        ad: Ident,
        errors: &'a Errors,
    ) -> Self {
        Emitter {
            f,
            const_reads,
            namer,
            ad,
            errors,
            owned_values: false,
            adjoint_names: HashMap::new(),
        }
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

    /// The value of an operand, by move where possible.
    pub fn value(&self, o: &Operand, copy: bool) -> TokenStream {
        let ad = &self.ad;
        match o {
            Operand::Var(v) => {
                let name = self.name(*v);
                if copy || matches!(self.f.vars[v.0].kind, crate::ir::VarKind::Param(_)) {
                    quote!(#ad::stop_gradient(&#name))
                } else {
                    quote!(#name)
                }
            }
            Operand::Const(tokens) => quote!((#tokens)),
        }
    }

    /// The sweeps of `block` with `independents` differentiated, `ret` the output and `seed` its
    /// gradient. With `keep_output` the forward sweep computes the output even if no rule reads it.
    pub fn sweep(
        &mut self,
        block: &Block,
        ret: &Operand,
        independents: &[VarId],
        seed: Seed,
        keep: &[VarId],
    ) -> Sweep {
        let activity = activity::analyse(self.f.vars.len(), block, ret, independents);
        let ad = self.ad.clone();

        // Count the contributions each adjoint will receive.
        let mut pending: HashMap<VarId, usize> = HashMap::new();
        let ret_active = activity.operand(ret);
        if let Some(v) = ret.var().filter(|_| ret_active) {
            *pending.entry(v).or_default() += 1;
        }
        for stmt in &block.stmts {
            if let Stmt::Instr(i) = stmt {
                if activity.is_active(i.dst) {
                    for v in i
                        .args
                        .iter()
                        .filter(|a| activity.operand(a))
                        .filter_map(Operand::var)
                    {
                        *pending.entry(v).or_default() += 1;
                    }
                }
            }
        }

        // Reverse sweep.
        let mut reverse = TokenStream::new();
        let mut declared: HashMap<VarId, bool> = HashMap::new();
        let mut reads: Vec<VarId> = Vec::new();
        if let Some(out) = ret.var().filter(|_| ret_active) {
            let seed_value = match &seed {
                Seed::One(ty) => quote!(#ad::one::<#ty>()),
                Seed::Named(name) => quote!(#name),
            };
            self.contribute(out, seed_value, &mut pending, &mut declared, &mut reverse);
        }
        for stmt in block.stmts.iter().rev() {
            let Stmt::Instr(instr) = stmt else { continue };
            if !activity.is_active(instr.dst) {
                continue;
            }
            let targets: Vec<(usize, VarId)> = instr
                .args
                .iter()
                .enumerate()
                .filter(|(_, a)| activity.operand(a))
                .filter_map(|(k, a)| a.var().map(|v| (k, v)))
                .collect();
            let g = self.adjoint(instr.dst);
            for (n, (k, target)) in targets.iter().enumerate() {
                let seed = if n + 1 == targets.len() {
                    quote!(#g)
                } else {
                    quote!(#ad::dup(&#g))
                };
                let Some(call) = self.rule(instr, *k, seed, &activity, &mut reads) else {
                    continue;
                };
                self.contribute(*target, call, &mut pending, &mut declared, &mut reverse);
            }
        }
        let adjoints = independents
            .iter()
            .map(|v| {
                if declared.contains_key(v) {
                    let name = self.adjoint(*v);
                    quote!(#name)
                } else {
                    let name = self.name(*v);
                    quote!(#ad::zero_tangent(&#name))
                }
            })
            .collect();

        // Forward sweep: what the output, the reverse sweep and constant statements read.
        let reads_output = ret.var().is_some_and(|v| reads.contains(&v));
        let mut needed: Vec<bool> = vec![false; self.f.vars.len()];
        for v in reads.iter().chain(self.const_reads).chain(keep) {
            needed[v.0] = true;
        }
        for stmt in block.stmts.iter().rev() {
            match stmt {
                Stmt::Instr(i) if needed[i.dst.0] => {
                    for v in i.args.iter().filter_map(Operand::var) {
                        needed[v.0] = true;
                    }
                    if let Op::Mapv(c) = &i.op {
                        crate::lower::collect_reads(&c.body, &c.ret, &mut |v| needed[v.0] = true);
                    }
                }
                Stmt::Verbatim { reads, .. } => reads.iter().for_each(|v| needed[v.0] = true),
                _ => {}
            }
        }
        let mut forward = TokenStream::new();
        for stmt in &block.stmts {
            match stmt {
                Stmt::Instr(i) if needed[i.dst.0] => forward.extend(self.forward(i)),
                Stmt::Instr(_) => {}
                Stmt::Verbatim { tokens, .. } => forward.extend(tokens.clone()),
            }
        }
        Sweep {
            forward,
            reverse,
            adjoints,
            reads_output,
        }
    }

    /// Adds one contribution to `target`'s adjoint.
    fn contribute(
        &mut self,
        target: VarId,
        value: TokenStream,
        pending: &mut HashMap<VarId, usize>,
        declared: &mut HashMap<VarId, bool>,
        out: &mut TokenStream,
    ) {
        let ad = self.ad.clone();
        let name = self.adjoint(target);
        let left = pending.get_mut(&target).expect("counted");
        *left -= 1;
        if let std::collections::hash_map::Entry::Vacant(entry) = declared.entry(target) {
            entry.insert(true);
            let mutability = (*left > 0).then(|| quote!(mut));
            out.extend(quote!(let #mutability #name = #value;));
        } else {
            out.extend(quote!(#ad::acc(&mut #name, #value);));
        }
    }

    fn forward(&mut self, i: &Instr) -> TokenStream {
        let ad = self.ad.clone();
        let dst = self.name(i.dst).clone();
        let ascription = i
            .ascription
            .as_ref()
            .filter(|t| !(self.owned_values && quote!(#t).to_string().contains("View")));
        let ascription = ascription.map(|t| quote!(: #t));
        let value = match &i.op {
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
                let inner = self.inner_forward(&c.body, &c.ret);
                quote_spanned!(i.span=> #ad::mapv(#x, |#param #ty| { #inner }))
            }
        };
        quote!(let #dst #ascription = #value;)
    }

    /// A closure body's forward computation, ending in its value.
    fn inner_forward(&mut self, body: &Block, ret: &Operand) -> TokenStream {
        let mut out = TokenStream::new();
        for stmt in &body.stmts {
            match stmt {
                Stmt::Instr(i) => out.extend(self.forward(i)),
                Stmt::Verbatim { tokens, .. } => out.extend(tokens.clone()),
            }
        }
        let value = self.value(ret, false);
        quote!(#out #value)
    }

    /// The call of the rule that gives operand `k`'s contribution from the adjoint `seed` of `i.dst`.
    fn rule(
        &mut self,
        i: &Instr,
        k: usize,
        seed: TokenStream,
        outer: &Activity,
        reads: &mut Vec<VarId>,
    ) -> Option<TokenStream> {
        let ad = self.ad.clone();
        for a in &i.args {
            if let Some(v) = a.var() {
                reads.push(v);
            }
        }
        match &i.op {
            Op::Prim(p) => {
                let name = if p.arity == 1 {
                    format_ident!("{}_vjp", p.name, span = i.span)
                } else {
                    format_ident!("{}_vjp{}", p.name, k, span = i.span)
                };
                let args = i.args.iter().map(|a| self.operand(a));
                let extras = &i.extras;
                let output = p.reads_output.then(|| {
                    reads.push(i.dst);
                    let y = self.name(i.dst);
                    quote!(&#y,)
                });
                Some(quote_spanned!(i.span=> #ad::#name(#(#args,)* #(#extras,)* #output #seed)))
            }
            Op::Mapv(c) => {
                if k != 0 {
                    let name = self.name(i.args[k].var().expect("a capture is a variable"));
                    self.errors.at_span(
                        c.capture_spans[k - 1],
                        format!("this `mapv` closure reads `{name}`, which depends on the differentiated parameters; only the closure's own parameter may carry a derivative. Write this step as array arithmetic instead (for example `(&x - {name}).mapv(..)`)"),
                    );
                    return None;
                }
                let _ = outer;
                let x = self.operand(&i.args[0]);
                let param = self.name(c.param).clone();
                let ty = c.param_ty.as_ref().map(|t| quote!(: #t));
                let g = self
                    .namer
                    .fresh(&format!("{param}_out_bar"), Span::call_site());
                let sweep = self.sweep(&c.body, &c.ret, &[c.param], Seed::Named(g.clone()), &[]);
                let (forward, reverse, adjoint) =
                    (sweep.forward, sweep.reverse, &sweep.adjoints[0]);
                Some(
                    quote_spanned!(i.span=> #ad::mapv_vjp(#x, #seed, |#param #ty, #g| { #forward #reverse #adjoint })),
                )
            }
        }
    }
}
