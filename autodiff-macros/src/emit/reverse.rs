//! The reverse sweep: statements visited backwards, each instruction's rules called on its adjoint,
//! branches and loops recomputed and reversed.

use super::*;

impl Emitter<'_> {
    pub(super) fn reverse_stmts(&mut self, block: &Block, plan: &mut Plan) -> TokenStream {
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

    pub(super) fn reverse_instr(&mut self, instr: &Instr, plan: &mut Plan) -> TokenStream {
        let ad = self.ad_at(instr.span);
        let outer = std::mem::replace(&mut self.span, instr.span);
        let out = self.reverse_instr_at(instr, plan, ad);
        self.span = outer;
        out
    }

    pub(super) fn reverse_instr_at(
        &mut self,
        instr: &Instr,
        plan: &mut Plan,
        ad: Ident,
    ) -> TokenStream {
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
    pub(super) fn rule(
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
    pub(super) fn prim_rule(
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

    /// A loop reversed: pop each iteration's checkpoint, recompute the body, reverse it.
    pub(super) fn reverse_loop(
        &mut self,
        l: &Loop,
        top_level: bool,
        plan: &mut Plan,
    ) -> TokenStream {
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
                self.outer_writes(&l.body)
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
        mode.skip_elem.extend(self.outer_writes(&l.body));
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
pub(super) fn entry_of(body: &Block, storage: VarId) -> Option<VarId> {
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
