//! Codegen of the adjoint program: each statement spelled out as Rust, with the runtime's rules called
//! through `__ad` spanned at the user's expression. It makes no decisions: the program has them.

use super::*;
use crate::ir::adjoint::{AExpr, AStmt, How, Pullback, Rerun, Seed};
use crate::ir::Share;

impl Emitter<'_> {
    /// The reverse statements of `body`.
    pub(super) fn print_adjoint(&mut self, body: &[AStmt], plan: &Plan) -> TokenStream {
        let mut out = TokenStream::new();
        for s in body {
            out.extend(self.print_stmt(s, plan));
        }
        out
    }

    fn rerun_mode(rerun: &Rerun) -> Fwd {
        Fwd {
            skip_writeback: rerun.skip_writeback.clone(),
            skip_elem: rerun.skip_elem.clone(),
            ..Fwd::default()
        }
    }

    pub(super) fn print_stmt(&mut self, s: &AStmt, plan: &Plan) -> TokenStream {
        let ad = self.ad.clone();
        match s {
            AStmt::Zero(v) => {
                let bar = self.adjoint(*v);
                let name = self.name(*v).clone();
                quote!(let mut #bar = #ad::zero_tangent(&#name);)
            }
            AStmt::Contribute {
                target,
                value,
                how,
                span,
            } => {
                let value = self.print_expr(value);
                let name = self.adjoint(*target);
                match how {
                    How::Create { mutable } => {
                        let mutability = mutable.then(|| quote!(mut));
                        quote!(let #mutability #name = #value;)
                    }
                    // The contribution is computed before the adjoint is borrowed: it may read the
                    // same adjoint inside a closure (a `mapv` reading an element of the array it maps).
                    How::Add => {
                        let ad = self.ad_at(*span);
                        let acc = quote_spanned!(*span=> #ad::acc(&mut #name, contribution));
                        quote!({ let contribution = #value; #acc; })
                    }
                }
            }
            AStmt::Assign { target, value } => {
                let value = self.print_expr(value);
                let bar = self.adjoint(*target);
                quote!(#bar = #value;)
            }
            AStmt::Kill(v) => {
                let bar = self.adjoint(*v);
                quote!(let _ = #ad::take(&mut #bar);)
            }
            AStmt::Discard(e) => {
                let e = self.print_expr(e);
                quote!(let _ = #e;)
            }
            AStmt::FieldAcc {
                instr,
                target,
                seed,
            } => {
                let ad = self.ad_at(instr.span);
                let seed = self.print_expr(seed);
                let path = &instr.extras[0];
                let bar = self.adjoint(*target);
                quote_spanned!(instr.span=> #ad::acc(&mut #bar.#path, #seed);)
            }
            AStmt::ElemAcc {
                instr,
                target,
                seed,
            } => {
                let ad = self.ad_at(instr.span);
                let seed = self.print_expr(seed);
                let x = self.operand(&instr.args[0]);
                let index = &instr.extras[0];
                let bar = self.adjoint(*target);
                let Op::Prim(p) = &instr.op else {
                    unreachable!("an element read is a primitive")
                };
                let rule = format_ident!("{}_acc", p.name);
                quote_spanned!(instr.span=> #ad::#rule(#x, &mut #bar, #index, #seed);)
            }
            AStmt::Pullback {
                instr,
                source,
                tangents,
            } => {
                let Op::Call(call) = &instr.op else {
                    unreachable!("a pullback belongs to a call")
                };
                let mut out = TokenStream::new();
                let (pullback, kinds) = match source {
                    Pullback::Fresh => {
                        let pullback = self.namer.numbered("pullback");
                        let kinds = self.namer.numbered("kinds");
                        let args = self.call_args(instr, call);
                        let (held, locals, kinds_value, invoke) = self.call_vjp(instr, call, args);
                        out.extend(quote! {
                            #held
                            let (#pullback, #kinds) = {
                                #locals
                                let kinds = #kinds_value;
                                let (_, pullback) = #invoke;
                                (pullback, kinds)
                            };
                        });
                        (pullback, kinds)
                    }
                    Pullback::Kept => self.call_names(instr.dst),
                };
                let g = self.adjoint(instr.dst);
                let pattern = tangents
                    .iter()
                    .rev()
                    .fold(quote!(()), |rest, n| quote!((#n, #rest)));
                // Spanned at the call, so that a rule with a wrong signature is reported there.
                let pullback = Ident::new(&pullback.to_string(), instr.span);
                out.extend(
                    quote_spanned!(instr.span=> let #pattern = ::autodiff::__private::spread(#pullback(#g), #kinds);),
                );
                out
            }
            AStmt::Kernel {
                instr,
                seed,
                g,
                closure,
                active,
                tangents,
            } => {
                let Op::Fused(kernel) = &instr.op else {
                    unreachable!("a kernel statement holds a kernel")
                };
                // A slice merged into another's gradient binds nothing (its gradient is `Merged`).
                let shares = kernel.shared_slices(&instr.args, active);
                let mut names = tangents.iter();
                let mut bound = Vec::new();
                let pattern: Vec<TokenStream> = active
                    .iter()
                    .zip(&shares)
                    .map(|(active, share)| match active {
                        true => {
                            let name = names.next().expect("one name per active operand");
                            if matches!(share, Some(Share::Into(_))) {
                                return quote!(_);
                            }
                            bound.push(name.clone());
                            quote!(#name)
                        }
                        false => quote!(_),
                    })
                    .collect();
                let tangents = &bound;
                let seed = self.print_expr(seed);
                if let Some(partials) = self.early.get(&instr.dst).map(|e| e.partials.clone()) {
                    // The forward sweep computed the partials for seed one with the value.
                    let ad = self.ad_at(instr.span);
                    return quote_spanned!(instr.span=>
                        let (#(#pattern),*) = #partials;
                        #(let #tangents = #ad::rescale(#tangents, #seed);)*
                    );
                }
                let call = self.kernel_reverse(instr, Some(seed), g, closure, active);
                quote_spanned!(instr.span=> let (#(#pattern),*) = #call;)
            }
            AStmt::Undo { storage, span } => {
                let ad = self.ad_at(*span);
                let y = self.name(*storage).clone();
                let log = self.log_name(*storage);
                quote!(#ad::undo(&mut #y, &mut #log);)
            }
            AStmt::UndoTo { arrays, key } => {
                let marks = self.marks_of(arrays, key);
                self.undo_to_marks(&marks)
            }
            AStmt::Restore(pairs) => pairs
                .iter()
                .map(|(c, saved)| quote!(#c = ::core::clone::Clone::clone(&#saved);))
                .collect(),
            AStmt::Recompute { block, rerun } => {
                self.forward_block(block, &Self::rerun_mode(rerun), plan)
            }
            AStmt::Replay { lp, rerun } => {
                let mut out = TokenStream::new();
                for c in &lp.carried {
                    let name = self.name(c.storage).clone();
                    let value = self.value(&c.init, true);
                    out.extend(quote!(#name = #value;));
                }
                for c in &lp.carried_consts {
                    let saved = self.const_entry(lp.id, c);
                    out.extend(quote!(#c = ::core::clone::Clone::clone(&#saved);));
                }
                out.extend(self.forward_loop(lp, true, &Self::rerun_mode(rerun), plan));
                out
            }
            AStmt::If { flag, then_, else_ } => {
                let then_ = self.print_adjoint(then_, plan);
                let else_ = self.print_adjoint(else_, plan);
                quote!(if #flag { #then_ } else { #else_ })
            }
            AStmt::Loop { lp, body } => self.print_loop(lp, body, plan),
        }
    }

    /// The call of a fused kernel's reverse (`fused_sum2_vjp`) with `seed`; without a seed, the call of
    /// the kernel and its reverse in one pass (`fused_sum2_value_vjp`, the partials for seed one), which
    /// gives the kernel's value with the tangents.
    pub(super) fn kernel_reverse(
        &mut self,
        instr: &Instr,
        seed: Option<TokenStream>,
        g: &Ident,
        closure: &crate::ir::adjoint::Program,
        active: &[bool],
    ) -> TokenStream {
        let Op::Fused(kernel) = &instr.op else {
            unreachable!("a kernel's reverse belongs to a kernel")
        };
        let ad = self.ad_at(instr.span);
        let arity = instr.args.len();
        let rule = match seed {
            Some(_) => kernel.function(arity, true),
            None => kernel.value_vjp_function(arity),
        };
        let rule = format_ident!("{}", rule, span = instr.span);
        // Slices of one array share one gradient buffer, made before the kernel (named after its
        // owner, the array's last slice in the kernel).
        let shares = kernel.shared_slices(&instr.args, active);
        let mut buffers = TokenStream::new();
        let buffer_names: Vec<Option<Ident>> = shares
            .iter()
            .enumerate()
            .map(|(k, share)| match share {
                Some(Share::Owns(_)) => {
                    let name = self.namer.numbered("shared_grad");
                    let a = self.operand(&instr.args[k]);
                    buffers.extend(quote!(let #name = #ad::shared_grad(#a);));
                    Some(name)
                }
                _ => None,
            })
            .collect();
        // Operands without a gradient are passed as constants: the kernel keeps nothing for them.
        let args: Vec<TokenStream> = active
            .iter()
            .enumerate()
            .map(|(k, active)| {
                if let (Some(share), Some(view)) = (shares[k], &kernel.views[k]) {
                    let (function, owner) = match share {
                        Share::Owns(_) => ("sliced_owner", k),
                        Share::Into(owner) => ("sliced_into", owner),
                    };
                    let buffer = buffer_names[owner]
                        .as_ref()
                        .expect("an owner names its buffer");
                    let function = format_ident!("{}", function, span = view.span);
                    let (a, info, ad) = (
                        self.operand(&instr.args[k]),
                        &view.info,
                        self.ad_at(view.span),
                    );
                    return quote_spanned!(view.span=> &#ad::#function(#a, #info, &#buffer));
                }
                let a = self.kernel_operand(instr, kernel, k);
                if *active {
                    a
                } else {
                    quote!(&#ad::NoGrad(#a))
                }
            })
            .collect();
        let params: Vec<Ident> = kernel
            .params
            .iter()
            .map(|p| self.name(*p).clone())
            .collect();
        // With the value, the closure's forward computes the chain's output too.
        let keep: Vec<VarId> = match (&seed, kernel.ret.var()) {
            (None, Some(v)) => vec![v],
            _ => Vec::new(),
        };
        let sweep = self.print_sweep(&kernel.body, &kernel.ret, closure, &keep);
        let (forward, reverse) = (sweep.forward, sweep.reverse);
        let mut gradients = sweep.adjoints.into_iter();
        let partials: Vec<TokenStream> = kernel
            .params
            .iter()
            .zip(active)
            .map(|(p, active)| {
                if *active {
                    gradients.next().expect("one gradient per active operand")
                } else {
                    let p = self.name(*p);
                    quote!(#ad::zero_tangent(&#p))
                }
            })
            .collect();
        let checks = self.kernel_checks(instr, kernel);
        // Two slices of one array at offsets the macro reads from their `s![..]` (Rosenbrock's
        // `x[..-1]` and `x[1..]`): a kernel with the offsets as constants, where they hold.
        let pair = (kernel.reduction != crate::prims::Reduction::Mean
            && matches!(
                shares.as_slice(),
                [Some(Share::Into(1)), Some(Share::Owns(_))]
            ))
        .then(|| {
            let offset = |k: usize| {
                kernel.views[k]
                    .as_ref()
                    .and_then(|v| constant_offset(&v.info).map(|o| (o, v)))
            };
            offset(0).zip(offset(1))
        })
        .flatten();
        // The closure and the general and pair calls, with the seed (reverse alone) or without it
        // (reverse with the value).
        let (closure, seed_arg, pair_rule) = match &seed {
            Some(seed) => (
                quote!(|#(#params,)* #g| { #forward #reverse (#(#partials),*) }),
                quote!(#seed,),
                format_ident!("pair_sum_vjp"),
            ),
            None => {
                let value = self.value(&kernel.ret, false);
                (
                    quote!(|#(#params,)* #g| { #forward #reverse (#value, (#(#partials),*)) }),
                    TokenStream::new(),
                    format_ident!("pair_sum_value_vjp"),
                )
            }
        };
        let general = quote!(#ad::#rule(#(#args,)* #seed_arg #closure));
        let Some(((k0, view0), (k1, view1))) = pair else {
            return quote_spanned!(instr.span=> { #checks #buffers #general });
        };
        let (x, x1) = (self.operand(&instr.args[0]), self.operand(&instr.args[1]));
        // Each slice checked at its own line, as the checks would.
        let at = |x: &TokenStream, view: &crate::ir::View, k: usize| {
            let info = &view.info;
            let ad = self.ad_at(view.span);
            quote_spanned!(view.span=> #ad::slice_at(#x, #info, #k))
        };
        let (at0, at1) = (at(&x, view0, k0), at(&x1, view1, k1));
        let recompute = arithmetic_only(&kernel.body);
        // The shape checks run where the pair kernel does not: `slice_at` checks each slice where the
        // checks would (at the caller's location), and the pair kernel runs only on two slices of one
        // length, which broadcast.
        quote_spanned!(instr.span=> {
            if let ::core::option::Option::Some(__autodiff_len) = #ad::pair_at(#at0, #at1) {
                #ad::#pair_rule::<_, #k0, #k1, #recompute>(#x, __autodiff_len, #seed_arg #closure)
            } else {
                #checks
                #buffers
                #general
            }
        })
    }

    /// A reversed loop: each iteration pops its checkpoint, then runs `body`.
    fn print_loop(&mut self, l: &Loop, body: &[AStmt], plan: &Plan) -> TokenStream {
        let ad = self.ad.clone();
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
        let body = self.print_adjoint(body, plan);
        // The range as the forward loop evaluated it, where its body changes what the range reads.
        let range = |iter: &TokenStream, w: &mut Self| -> TokenStream {
            if regions::range_reads_counters(l) {
                let range = w.keyed(NameKey::Range(l.id), "range");
                quote!(::core::clone::Clone::clone(&#range))
            } else {
                iter.clone()
            }
        };
        let head = match &l.kind {
            LoopKind::Range { index, iter } if l.brk.is_some() => {
                let iter = range(iter, self);
                quote!(for #index in (#iter).take(#count).rev())
            }
            LoopKind::Range { index, iter } => {
                let iter = range(iter, self);
                quote!(for #index in (#iter).rev())
            }
            _ => quote!(for _ in 0..#count),
        };
        quote!(#head { #restore #body })
    }

    pub(super) fn print_expr(&mut self, e: &AExpr) -> TokenStream {
        let ad = self.ad.clone();
        match e {
            AExpr::Seed(Seed::One(ty)) => quote!(#ad::one::<#ty>()),
            AExpr::Seed(Seed::Named(n)) | AExpr::Named(n) => quote!(#n),
            AExpr::Adjoint(v) => {
                let bar = self.adjoint(*v);
                quote!(#bar)
            }
            AExpr::Take(v) => {
                let bar = self.adjoint(*v);
                quote!(#ad::take(&mut #bar))
            }
            AExpr::Dup(v) => {
                let bar = self.adjoint(*v);
                quote!(#ad::dup(&#bar))
            }
            AExpr::Borrow(v) => {
                let bar = self.adjoint(*v);
                quote!(&#bar)
            }
            AExpr::Rule { instr, k, seed } => {
                let borrowed = matches!(**seed, AExpr::Borrow(_));
                let seed = self.print_expr(seed);
                let Op::Prim(p) = &instr.op else {
                    unreachable!("a rule belongs to a primitive")
                };
                if borrowed && p.family == Family::Elementwise {
                    // `add_vjp1_ref(&a, &b, &g)`: the rule of `a ± b` that reads its seed.
                    let ad = &self.ad_at(instr.span);
                    let name =
                        format_ident!("{}_ref", crate::ir::vjp_name(p, *k), span = instr.span);
                    let args = instr.args.iter().map(|a| self.operand(a));
                    return quote_spanned!(instr.span=> #ad::#name(#(#args,)* #seed));
                }
                self.prim_rule(instr, p, *k, seed)
            }
            AExpr::JoinRule { instr, k, seed } => {
                let seed = self.print_expr(seed);
                let ad = self.ad_at(instr.span);
                let Op::Join(kind) = &instr.op else {
                    unreachable!("a join rule belongs to a join")
                };
                let rule = format_ident!("{}_vjp", kind.function(), span = instr.span);
                if let crate::ir::JoinKind::Pack(crate::ir::PackForm::Struct) = kind {
                    // Field `k` of the struct's gradient (a struct of the same type).
                    let member = &instr.extras[1 + *k];
                    return quote_spanned!(instr.span=> ::core::clone::Clone::clone(&(#seed).#member));
                }
                if let crate::ir::JoinKind::Pack(crate::ir::PackForm::Tuple) = kind {
                    // Element `k` of the tuple's gradient.
                    let index = syn::Index::from(*k);
                    return quote_spanned!(instr.span=> ::core::clone::Clone::clone(&(#seed).#index));
                }
                if let crate::ir::JoinKind::Pack(_) = kind {
                    // Element `k` of the literal's gradient.
                    return quote_spanned!(instr.span=> #ad::#rule(#seed, #k));
                }
                let axis = &instr.extras[0];
                let parts: Vec<TokenStream> = instr
                    .args
                    .iter()
                    .map(|a| {
                        let a = self.operand(a);
                        quote!(#ad::view_of(#a))
                    })
                    .collect();
                quote_spanned!(instr.span=> #ad::#rule(#axis, &[#(#parts),*], #k, #seed))
            }
            AExpr::Mapv {
                instr,
                seed,
                g,
                closure,
            } => {
                let seed = self.print_expr(seed);
                let Op::Mapv(c) = &instr.op else {
                    unreachable!("a mapv rule belongs to a mapv")
                };
                let ad = self.ad_at(instr.span);
                let x = self.operand(&instr.args[0]);
                let param = self.name(c.param).clone();
                let ty = c.param_ty.as_ref().map(|t| quote!(: #t));
                let sweep = self.print_sweep(&c.body, &c.ret, closure, &[]);
                let (forward, reverse, adjoint) =
                    (sweep.forward, sweep.reverse, &sweep.adjoints[0]);
                quote_spanned!(instr.span=> #ad::mapv_vjp(#x, #seed, |#param #ty, #g| { #forward #reverse #adjoint }))
            }
            AExpr::SetElem {
                storage,
                kind,
                index,
                span,
            } => {
                let ad = self.ad_at(*span);
                let bar = self.adjoint(*storage);
                match kind {
                    ElemWrite::Set => quote_spanned!(*span=> #ad::set_vjp(&mut #bar, #index)),
                    ElemWrite::Add => quote_spanned!(*span=> #ad::add_at_vjp(&mut #bar, #index)),
                    ElemWrite::Sub => quote_spanned!(*span=> #ad::sub_at_vjp(&mut #bar, #index)),
                    ElemWrite::AddField => {
                        quote_spanned!(*span=> ::core::clone::Clone::clone(&#bar.#index))
                    }
                    ElemWrite::Save => quote_spanned!(*span=> #ad::tape_load(&#bar, #index)),
                }
            }
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
        let name = format_ident!("{}", crate::ir::vjp_name(p, k), span = i.span);
        let args = i.args.iter().map(|a| self.operand(a));
        let extras = &i.extras;
        let output = p.reads_output.then(|| {
            let y = self.name(i.dst);
            quote!(&#y,)
        });
        quote_spanned!(i.span=> #ad::#name(#(#args,)* #(#extras,)* #output #seed))
    }
}

/// The offset of a slice `s![a..]`, `s![..b]`, `s![a..b]` (one axis, no step, `a` a literal that is not
/// negative) from the start of the array: `a`, or 0 without it. `None` for any other slice.
fn constant_offset(info: &TokenStream) -> Option<usize> {
    let mac: syn::Macro = syn::parse2(info.clone()).ok()?;
    if !mac.path.is_ident("s") {
        return None;
    }
    let range: syn::Expr = syn::parse2(mac.tokens).ok()?;
    let syn::Expr::Range(r) = range else {
        return None;
    };
    match r.start.as_deref() {
        None => Some(0),
        Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        })) => i.base10_parse().ok(),
        Some(_) => None,
    }
}

/// Whether a kernel's chain is arithmetic alone (`+ - *`, `neg`, `abs`, `powi`, `max`, `min`,
/// `mul_add`): the pair kernel then evaluates each element's partial of the iteration before again
/// instead of shifting it between lanes, which costs more where the chain calls `exp` or `tanh`.
fn arithmetic_only(body: &crate::ir::Block) -> bool {
    const CHEAP: &[&str] = &[
        "add", "sub", "mul", "neg", "abs", "powi", "max", "min", "mul_add",
    ];
    let mut cheap = true;
    crate::ir::visit::stmts(body, crate::ir::visit::Depth::Closures, &mut |s| match s {
        Stmt::Instr(i) => {
            if !matches!(&i.op, Op::Prim(p) if CHEAP.contains(&p.name)) {
                cheap = false;
            }
        }
        Stmt::Verbatim { .. } => {}
        _ => cheap = false,
    });
    cheap
}
