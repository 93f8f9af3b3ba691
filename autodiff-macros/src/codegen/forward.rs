//! The forward sweep: the user's computation one primitive per `let`, loops that save their iterations,
//! and calls through `g_vjp`.

use super::*;

impl Emitter<'_> {
    /// The value an element write writes, as a reference for the runtime: a constant is evaluated
    /// into a value first, so that reading the array it is written into (`y[1] = y[0]`) does not keep
    /// the array borrowed.
    fn written_value(&self, value: &Operand) -> TokenStream {
        match value {
            Operand::Const(tokens) => quote!(&{ #tokens }),
            var => self.operand(var),
        }
    }

    /// The forward statements of `block`.
    pub(super) fn forward_block(&mut self, block: &Block, mode: &Fwd, plan: &Plan) -> TokenStream {
        if self.map_plan.is_some() && !self.in_map_run && !mode.prune && !mode.record {
            // Runs of elementwise instructions as map kernels, every other statement as below.
            return self.print_fused(&block.stmts, |e, s| {
                e.in_map_run = true;
                let one = Block {
                    id: block.id,
                    stmts: vec![s.clone()],
                };
                let out = e.forward_block(&one, mode, plan);
                e.in_map_run = false;
                out
            });
        }
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
                    let moved = value.var().is_some_and(|v| self.moved_into_storage(v));
                    let mut value = self.value(value, !moved);
                    if moved && crate::ir::visit::element_writes(&self.f.body).contains(storage) {
                        // Moved through `black_box`: of a fresh zero whose unit stride it knows, LLVM
                        // pairs a loop's additions at `i` and `i + 1` into one 16-byte load and store,
                        // which the next iteration's overlapping load cannot forward from (`f_hvp` of
                        // Rosenbrock's loop at 1e5: 455 against 252 µs).
                        value = quote!(::core::hint::black_box(#value));
                    }
                    out.extend(quote!(let mut #name #ty = #value;));
                }
                Stmt::WriteBack { storage, value } => {
                    if !mode.skip_writeback.contains(storage) {
                        let name = self.name(*storage).clone();
                        let local = value.var().is_some_and(|v| {
                            self.f.vars[v.0].block == block.id
                                && self.f.vars[v.0].kind != VarKind::Storage
                        });
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
                    let (plain, logged) = match kind {
                        ElemWrite::AddField => {
                            // A struct's adjoint (or any in storage): the field, or the whole,
                            // accumulated in place.
                            let name = self.name(*storage).clone();
                            let value = self.value(value, true);
                            let place = if index.is_empty() {
                                quote!(#name)
                            } else {
                                quote!(#name.#index)
                            };
                            out.extend(quote_spanned!(*span=> #ad::acc(&mut #place, #value);));
                            continue;
                        }
                        ElemWrite::Save => {
                            // A tape of values: a copy of the value at the position.
                            let name = self.name(*storage).clone();
                            let value = self.operand(value);
                            out.extend(
                                quote_spanned!(*span=> #ad::tape_save(&mut #name, #index, #value);),
                            );
                            continue;
                        }
                        ElemWrite::Set => ("set", "set_logged"),
                        ElemWrite::Add => ("add_at", "add_at_logged"),
                        ElemWrite::Sub => ("sub_at", "sub_at_logged"),
                    };
                    if self.f.logged.contains(storage) {
                        let name = self.name(*storage).clone();
                        let log = self.log_name(*storage);
                        let value = self.written_value(value);
                        let write = format_ident!("{}", logged);
                        // The index and the value are evaluated before the array is borrowed: either
                        // may read it (`y[3] = y[3] * 2.0` with `y` a constant until this write).
                        let call = quote_spanned!(*span=> #ad::#write(&mut #name, &mut #log, __autodiff_index, __autodiff_value));
                        out.extend(quote!({ let __autodiff_index = #index; let __autodiff_value = #value; #call; }));
                    } else if !mode.skip_elem.contains(storage) {
                        let name = self.name(*storage).clone();
                        let value = self.written_value(value);
                        if let Some(write) =
                            self.window_write(*storage, *kind, index, value.clone())
                        {
                            out.extend(quote!({ #write }));
                            continue;
                        }
                        let write = format_ident!("{}", plain);
                        let call = quote_spanned!(*span=> #ad::#write(&mut #name, __autodiff_index, __autodiff_value));
                        out.extend(quote!({ let __autodiff_index = #index; let __autodiff_value = #value; #call; }));
                    }
                }
                Stmt::If(i) => {
                    let flag = &i.flag;
                    let names: Vec<Ident> =
                        i.joins.iter().map(|j| self.name(j.var).clone()).collect();
                    let marks = self.log_marks(&[&i.then_, &i.else_], &i.flag.to_string());
                    out.extend(self.mark_logs(&marks));
                    let decls = quote!(#(let #names;)*);
                    let mut arms = Vec::new();
                    for (arm, then) in [(&i.then_, true), (&i.else_, false)] {
                        let mut body = self.forward_block(arm, &nested, plan);
                        for j in &i.joins {
                            let value = if then { &j.then_value } else { &j.else_value };
                            let local = value.var().is_some_and(|v| {
                                self.f.vars[v.0].block == arm.id
                                    && self.f.vars[v.0].kind != VarKind::Storage
                            });
                            let value = match (value, j.zero_of) {
                                // A tangent program's zero: the joined primal value is assigned.
                                (Operand::Const(_), Some(of)) => {
                                    let of = self.name(of);
                                    quote!(#ad::zero_tangent(&#of))
                                }
                                _ => self.value(value, !local),
                            };
                            let name = self.name(j.var);
                            body.extend(quote!(#name = #value;));
                        }
                        arms.push(quote!({ #body }));
                    }
                    let (then_arm, else_arm) = (&arms[0], &arms[1]);
                    out.extend(quote!(#decls if #flag #then_arm else #else_arm));
                }
                Stmt::Loop(l) if self.early_loop.as_ref().is_some_and(|(id, _)| *id == l.id) => {
                    let (_, tokens) = self.early_loop.as_ref().expect("matched above");
                    out.extend(tokens.clone());
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

    /// The name holding counter `c`'s value before loop `id`.
    pub(super) fn const_entry(&mut self, id: usize, c: &Ident) -> Ident {
        let base = format!("{c}_before_loop");
        self.keyed(NameKey::CounterBefore(id, c.to_string()), &base)
    }

    pub(super) fn forward_instr(&mut self, i: &Instr, plan: &Plan) -> TokenStream {
        let ad = self.ad_at(i.span);
        let dst = self.name(i.dst).clone();
        let ascription = i
            .ascription
            .as_ref()
            .filter(|t| !(self.owned_values && quote!(#t).to_string().contains("View")))
            .filter(|_| !self.in_kernel_body);
        let ascription = ascription.map(|t| quote!(: #t));
        if let Some(early) = self.early.get(&i.dst) {
            let (partials, call) = (&early.partials, &early.call);
            return quote!(let (#dst, #partials) = #call;);
        }
        if let Some(read) = self.window_read(i) {
            return quote!(let #dst #ascription = #read;);
        }
        // A sum of two adjoints planned in place (`print_fused`).
        if let Some(sum) = self.sums.get(&i.dst).copied() {
            let value = match sum {
                super::Sum::Owned(a, b) => {
                    let (a, b) = (self.name(a), self.name(b));
                    quote_spanned!(i.span=> #ad::add_owned(#a, #b))
                }
                super::Sum::Slice(v) => {
                    let v = self.name(v);
                    quote!(#v)
                }
            };
            return quote!(let #dst #ascription = #value;);
        }
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
                let name = if self.views.contains(&i.dst) {
                    format_ident!("slice_view", span = i.span)
                } else {
                    format_ident!("{}", p.name, span = i.span)
                };
                let args = i.args.iter().map(|a| self.operand(a));
                let extras = &i.extras;
                quote_spanned!(i.span=> #ad::#name(#(#args,)* #(#extras),*))
            }
            Op::Mapv(c) => {
                let x = self.operand(&i.args[0]);
                let param = self.name(c.param).clone();
                let ty = c.param_ty.as_ref().map(|t| quote!(: #t));
                let mut inner = TokenStream::new();
                let activity = activity::analyse(self.f.vars.len(), &c.body, &c.ret, &[]);
                let empty = Plan::new(&activity, self.f.vars.len(), true);
                inner.extend(self.forward_block(&c.body, &Fwd::default(), &empty));
                let value = self.value(&c.ret, false);
                match c.dot_param {
                    // A tangent program's map: the element and its tangent to the output's tangent.
                    Some(dot) => {
                        let x_dot = self.operand(&i.args[1]);
                        let dot = self.name(dot);
                        quote_spanned!(i.span=> #ad::mapv_tangent(#x, #x_dot, |#param #ty, #dot #ty| { #inner #value }))
                    }
                    None => {
                        quote_spanned!(i.span=> #ad::mapv(#x, |#param #ty| { #inner #value }))
                    }
                }
            }
            Op::Fused(kernel) => {
                let rule = format_ident!("{}", kernel.function(i.args.len(), false), span = i.span);
                let args: Vec<TokenStream> = (0..i.args.len())
                    .map(|k| self.kernel_operand(i, kernel, k))
                    .collect();
                let params: Vec<Ident> = kernel
                    .params
                    .iter()
                    .map(|p| self.name(*p).clone())
                    .collect();
                let activity = activity::analyse(self.f.vars.len(), &kernel.body, &kernel.ret, &[]);
                let all = Plan::new(&activity, self.f.vars.len(), true);
                let inner = self.forward_block(&kernel.body, &Fwd::default(), &all);
                let value = self.value(&kernel.ret, false);
                let checks = self.kernel_checks(i, kernel);
                quote_spanned!(i.span=> { #checks #ad::#rule(#(#args,)* |#(#params),*| { #inner #value }) })
            }
            Op::Vjp { prim, k } => {
                // A reverse rule takes its seed by value, which the program may read again (its
                // tangent rules do): a copy, or the value itself where this is its last reader.
                let into = self.slice_into.get(&i.dst).map(|a| {
                    let a = self.name(*a);
                    quote!(#a,)
                });
                let name = match into {
                    Some(_) => format_ident!("slice_vjp_acc", span = i.span),
                    None => format_ident!("{}", crate::ir::vjp_name(prim, *k), span = i.span),
                };
                let ad = self.ad_at(i.span);
                let (operands, rest) = i.args.split_at(prim.arity);
                let (seed, rest) = rest.split_last().expect("a reverse rule has a seed");
                let operands = operands.iter().map(|a| self.operand(a));
                let rest = rest.iter().map(|a| self.operand(a));
                let seed = match seed {
                    Operand::Var(v) if self.moved_seed == Some(*v) => {
                        let name = self.name(*v).clone();
                        quote!(#name)
                    }
                    seed => {
                        let seed = self.operand(seed);
                        quote!(#ad::dup(#seed))
                    }
                };
                let extras = &i.extras;
                quote_spanned!(i.span=> #ad::#name(#into #(#operands,)* #(#extras,)* #(#rest,)* #seed))
            }
            Op::Jvp { rule, k } => {
                let name = if self.views.contains(&i.dst) {
                    format_ident!("slice_jvp_view", span = i.span)
                } else {
                    format_ident!("{}", rule.jvp_name(*k), span = i.span)
                };
                self.rule_call(i, rule.prim(), name)
            }
            Op::Load => {
                let tape = self.operand(&i.args[0]);
                let index = &i.extras[0];
                quote_spanned!(i.span=> #ad::tape_load(#tape, #index))
            }
            Op::JoinVjp { kind, k } => {
                // Part `k` of the seed (the last argument), as the reverse sweep's rule reads it.
                let rule = format_ident!("{}_vjp", kind.function(), span = i.span);
                let (seed, parts) = i.args.split_last().expect("a join rule has a seed");
                if let crate::ir::JoinKind::Pack(_) = kind {
                    let seed = self.operand(seed);
                    quote_spanned!(i.span=> #ad::#rule(#seed, #k))
                } else {
                    let seed = self.value(seed, true);
                    let axis = &i.extras[0];
                    let parts = parts.iter().map(|a| {
                        let a = self.operand(a);
                        quote!(#ad::view_of(#a))
                    });
                    quote_spanned!(i.span=> #ad::#rule(#axis, &[#(#parts),*], #k, #seed))
                }
            }
            Op::Join(kind) => {
                let function = format_ident!("{}", kind.function(), span = i.span);
                if let crate::ir::JoinKind::Pack(crate::ir::PackForm::StructTangent) = kind {
                    let path = &i.extras[0];
                    let (value, dots) = i.args.split_last().expect("the literal's value");
                    let value = self.operand(value);
                    let fields = dots.iter().zip(&i.extras[1..]).map(|(a, member)| {
                        let a = self.operand(a);
                        quote!(#member: ::core::clone::Clone::clone(#a))
                    });
                    quote_spanned!(i.span=> #path { #(#fields,)* ..#ad::zero_tangent(#value) })
                } else if let crate::ir::JoinKind::Pack(crate::ir::PackForm::Struct) = kind {
                    let path = &i.extras[0];
                    let fields = i.args.iter().zip(&i.extras[1..]).map(|(a, member)| {
                        let a = self.operand(a);
                        quote!(#member: ::core::clone::Clone::clone(#a))
                    });
                    quote_spanned!(i.span=> #path { #(#fields),* })
                } else if let crate::ir::JoinKind::Pack(crate::ir::PackForm::Tuple) = kind {
                    // Copies of the parts (which the rest of the program may still read).
                    let parts = i.args.iter().map(|a| {
                        let a = self.operand(a);
                        quote!(::core::clone::Clone::clone(#a))
                    });
                    quote_spanned!(i.span=> (#(#parts,)*))
                } else if let crate::ir::JoinKind::Pack(form) = kind {
                    let parts = i.args.iter().map(|a| {
                        let a = self.operand(a);
                        quote!(#ad::scalar(#a))
                    });
                    let cols = match form {
                        crate::ir::PackForm::Array2 { cols } => quote!(, #cols),
                        _ => TokenStream::new(),
                    };
                    quote_spanned!(i.span=> #ad::#function([#(#parts),*] #cols))
                } else {
                    let axis = &i.extras[0];
                    let parts = i.args.iter().map(|a| {
                        let a = self.operand(a);
                        quote!(#ad::view_of(#a))
                    });
                    quote_spanned!(i.span=> #ad::#function(#axis, &[#(#parts),*]))
                }
            }
            Op::Call(call) => {
                let args = self.call_args(i, call);
                // A pullback kept across the forward sweep would borrow the sweep's locals, which a
                // pullback closure (`f_vjp`) owns: there the reverse sweep calls `g_vjp` again.
                if !plan.activity.is_active(i.dst) || self.owned_values {
                    let path = &call.path;
                    let value = if call.method {
                        let (receiver, rest) = args.split_first().expect("a method has a receiver");
                        // Parenthesized: a local receiver is `&p`, and `&p.m(..)` would borrow the
                        // result instead.
                        quote_spanned!(i.span=> (#receiver).#path(#(#rest),*))
                    } else {
                        quote_spanned!(i.span=> #path(#(#args),*))
                    };
                    return quote!(let #dst #ascription = #value;);
                }
                let (pullback, kinds) = self.call_names(i.dst);
                let (held, locals, kinds_value, invoke) = self.call_vjp(i, call, args);
                return quote! {
                    #held
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

    /// `name(operands.., extras.., rest..)`: a rule of primitive `p` (its operands are the first
    /// `p.arity` args).
    fn rule_call(&self, i: &Instr, p: &crate::prims::Prim, name: Ident) -> TokenStream {
        let ad = self.ad_at(i.span);
        let (operands, rest) = i.args.split_at(p.arity);
        let operands = operands.iter().map(|a| self.operand(a));
        let rest = rest.iter().map(|a| self.operand(a));
        let extras = &i.extras;
        quote_spanned!(i.span=> #ad::#name(#(#operands,)* #(#extras,)* #(#rest),*))
    }

    /// The arguments of a call as passed: by reference where the source passed a reference, else a
    /// copy (the forward sweep never moves a value the reverse sweep may read).
    pub(super) fn call_args(&self, i: &Instr, call: &crate::ir::CallSite) -> Vec<TokenStream> {
        i.args
            .iter()
            .zip(&call.by_ref)
            .enumerate()
            .map(|(k, (a, by_ref))| match (a, by_ref) {
                (Operand::Var(v), _) if call.method && k == 0 => {
                    // A parameter as it is (a reference, which the pullback of a `&self` method
                    // borrows for as long as the parameter); a local struct (a literal) by reference.
                    let name = self.name(*v);
                    if matches!(self.f.vars[v.0].kind, crate::ir::VarKind::Param(_)) {
                        quote!(#name)
                    } else {
                        quote!(&#name)
                    }
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

    /// The arguments bound to locals, their kinds, and the call of `g_vjp` on them; first, the values of
    /// constant arguments passed by reference, bound where the pullback's scope begins (the pullback
    /// borrows them, and outlives the block the locals are in: `g(&(y.mapv(..)), ..)`).
    pub(super) fn call_vjp(
        &mut self,
        i: &Instr,
        call: &crate::ir::CallSite,
        mut args: Vec<TokenStream>,
    ) -> (TokenStream, TokenStream, TokenStream, TokenStream) {
        let ad = self.ad.clone();
        let mut held = TokenStream::new();
        for (k, (a, by_ref)) in i.args.iter().zip(&call.by_ref).enumerate() {
            if let (Operand::Const(tokens), true) = (a, by_ref) {
                let local = self.namer.numbered("held");
                held.extend(quote!(let #local = (#tokens);));
                args[k] = quote!(&#local);
            }
        }
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
        (held, quote!(#(let #locals = #args;)*), kinds, invoke)
    }

    /// The names of a call's pullback and of its arguments' kinds.
    pub(super) fn call_names(&mut self, dst: VarId) -> (Ident, Ident) {
        let base = self.f.vars[dst.0].name.to_string();
        let pullback = self.keyed(NameKey::Pullback(dst), &format!("{base}_pullback"));
        let kinds = self.keyed(NameKey::Kinds(dst), &format!("{base}_kinds"));
        (pullback, kinds)
    }

    /// The checkpoint of one iteration ([`regions::checkpoint`]): each part's value and how it is restored.
    pub(super) fn checkpoint(&mut self, l: &Loop) -> Vec<(TokenStream, Restore)> {
        let ad = self.ad.clone();
        regions::checkpoint(self.f, l)
            .into_iter()
            .map(|part| match part {
                regions::Saved::Carried(v) => {
                    let name = self.name(v);
                    (quote!(#ad::owned(&#name)), Restore::Assign(quote!(#name)))
                }
                regions::Saved::Counter(c) => (
                    quote!(::core::clone::Clone::clone(&#c)),
                    Restore::Assign(quote!(#c)),
                ),
                regions::Saved::LogLength(v) => {
                    let (y, log) = (self.name(v).clone(), self.log_name(v));
                    (quote!(#ad::log_len(&#log)), Restore::Undo(y, log))
                }
            })
            .collect()
    }

    /// A loop run forward; with `record`, it saves each iteration's checkpoint and counts iterations.
    pub(super) fn forward_loop(
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
        // A range that reads a counter the body changes is evaluated once, before the loop, and kept
        // for the loop's reverse.
        let saved_range = regions::range_reads_counters(l).then(|| {
            let range = self.keyed(NameKey::Range(l.id), "range");
            if let LoopKind::Range { iter, .. } = &l.kind {
                before.extend(quote!(let #range = #iter;));
            }
            quote!(::core::clone::Clone::clone(&#range))
        });
        if record && !checkpoint.is_empty() {
            let values = checkpoint.iter().map(|(v, _)| v);
            before.extend(match &l.kind {
                LoopKind::Range { iter, .. } => {
                    let iter = saved_range.clone().unwrap_or_else(|| iter.clone());
                    quote!(let mut #stack = #ad::checkpoint_stack(&(#iter));)
                }
                _ => quote!(let mut #stack = ::std::vec::Vec::new();),
            });
            each.extend(quote!(#stack.push((#(#values,)*));));
        }
        if record && regions::needs_count(l) {
            before.extend(quote!(let mut #count: usize = 0;));
            each.extend(quote!(#count += 1;));
        }
        let body = self.forward_block(&l.body, body_mode, plan);
        let exit = l.brk.as_ref().map(|b| quote!(if #b { break; }));
        let head = match (&l.kind, saved_range) {
            (LoopKind::Range { index, .. }, Some(range)) => quote!(for #index in #range),
            (LoopKind::Range { index, iter }, None) => quote!(for #index in #iter),
            (LoopKind::While { cond }, _) => quote!(while #cond),
            (LoopKind::Infinite, _) => quote!(loop),
        };
        let as_written = quote!(#before #head { #each #body #exit });
        if self.map_plan.is_some() && !record {
            if let Some(windowed) = self.windowed_loop(l, &as_written, body_mode, plan) {
                return windowed;
            }
        }
        as_written
    }
}

/// How a checkpoint entry is restored.
pub(super) enum Restore {
    /// `target = saved`.
    Assign(TokenStream),
    /// Undo the array's logged writes back to the saved length.
    Undo(Ident, Ident),
}
