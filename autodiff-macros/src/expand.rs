//! The whole expansion as an ordinary function: attribute and item in, tokens out. On any error the
//! original function is emitted with stubs of every generated item beside the errors, so that a user sees
//! the errors and not a cascade of missing names.

use crate::codegen::{Emitter, Seed};
use crate::errors::Errors;
use crate::ir::{Function, VarId, VarKind};
use crate::model::{self, Model};
use crate::naming::Namer;
use crate::timing::pass;
use crate::types::{self, NameElided};
use crate::{fallback, lower, options};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use std::fmt::Write;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{ItemFn, Lifetime};

/// What a generated item returns.
#[derive(Clone, Copy, PartialEq)]
pub enum Kind {
    /// The gradient(s); with `has_aux`, `(gradient, aux)`.
    Grad,
    /// `(value, gradient)`; with `has_aux`, `((value, aux), gradient)`.
    ValueAndGrad,
    /// `(value, pullback)`; with `has_aux`, `(value, pullback, aux)`.
    Vjp,
    /// `(value, tangent_out)` from a tuple of input tangents; with `has_aux`, `(value, tangent_out,
    /// aux)`.
    Jvp,
    /// The `(m, n)` Jacobian of a `vjp` function's output with respect to one parameter.
    Jacobian,
    /// The Hessian-vector product for the selection: `v` has the gradient's form, and so has the result.
    Hvp,
    /// The Hessian with respect to one parameter: `F` for a scalar, `Array2<F>` of shape `(n, n)`.
    Hessian,
    /// The second-order rule of calls (`g_vjp_jvp`): the pullback of every differentiable parameter
    /// applied to a seed, and its tangent along the parameters' tangents and the seed's.
    VjpJvp,
}

/// One generated item's signature.
pub struct Item {
    /// What it returns.
    pub kind: Kind,
    /// Its name.
    pub name: Ident,
    /// The parameters it differentiates, in the order of its result.
    pub wrt: Vec<usize>,
    /// Whether the gradients come back as a tuple.
    pub tuple: bool,
    /// Its doc comment.
    pub doc: String,
}

/// Expands `#[differentiable(attr)] item`.
pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand_inner(attr, item, false).0
}

/// The compiler's intermediate forms of one expansion, printed (for `AUTODIFF_DUMP` and golden files).
pub struct Dump {
    /// The lowered IR.
    pub ir: String,
    /// The adjoint program of each generated item, under its name.
    pub adjoint: String,
}

/// Expands `#[differentiable(attr)] item`; also returns the lowered IR and the adjoint programs,
/// printed, where lowering succeeded.
pub fn expand_with_ir(attr: TokenStream, item: TokenStream) -> (TokenStream, Option<Dump>) {
    expand_inner(attr, item, true)
}

fn expand_inner(attr: TokenStream, item: TokenStream, dump: bool) -> (TokenStream, Option<Dump>) {
    let errors = Errors::default();
    let options = pass("options", || options::parse(attr, &errors));
    let func: ItemFn = match pass("parse", || syn::parse2(item.clone())) {
        Ok(f) => f,
        Err(_) => {
            let span = item
                .clone()
                .into_iter()
                .next()
                .map_or(Span::call_site(), |t| t.span());
            errors.at_span(span, "#[differentiable] applies to a function (`fn`); put it on a free function of scalars and arrays");
            let compile_errors = errors.to_compile_errors();
            return (quote!(#compile_errors #item), None);
        }
    };
    let model = pass("model", || model::build(func, options, &errors));
    let mut namer = pass("namer", || Namer::avoiding(model.func.to_token_stream()));
    let lowered = pass("lower", || lower::lower(&model, &mut namer, &errors));
    match lowered {
        Some((function, const_reads)) if errors.is_empty() => {
            let mut programs = dump.then(String::new);
            let generated = pass("generate", || {
                generate(&model, &function, &const_reads, &mut namer, &mut programs)
            });
            let original = pass("item tokens", || original(&model));
            let dump = programs.map(|adjoint| Dump {
                ir: crate::ir::print::function(&function),
                adjoint,
            });
            (quote!(#original #generated), dump)
        }
        _ => (fallback::emit(&model, &errors), None),
    }
}

/// The user's function, unchanged but for `#[allow(dead_code)]`: it is often only called through the
/// generated items.
pub fn original(model: &Model) -> TokenStream {
    let func = &model.func;
    quote!(#[allow(dead_code)] #func)
}

/// The items to generate, by the API's rules.
pub fn items(model: &Model) -> Vec<Item> {
    let mut items = reverse_items(model);
    if let Some(k) = jacobian_parameter(model) {
        let name = model.name();
        items.push(Item {
            kind: Kind::Jacobian,
            name: format_ident!("{}_jacobian", name),
            wrt: vec![k],
            tuple: false,
            doc: format!(
                "The Jacobian of [`{name}`] with respect to `{}`: `(m, n)`, the output's `m` components by the parameter's `n`, both in row-major order.",
                model.params[k].ident
            ),
        });
    }
    if model.options.hessian && !model.options.vjp_only {
        let name = model.name();
        let selected_names: Vec<String> = model
            .selected
            .iter()
            .map(|i| format!("`{}`", model.params[*i].ident))
            .collect();
        let selected_names = selected_names.join(", ");
        items.push(Item {
            kind: Kind::Hvp,
            name: format_ident!("{}_hvp", name),
            wrt: model.selected.clone(),
            tuple: model.tuple,
            doc: format!("The Hessian of [`{name}`] with respect to {selected_names} times `v` (which has the gradient's form, as the result has): forward over reverse, a small multiple of the gradient's cost."),
        });
        items.push(Item {
            kind: Kind::VjpJvp,
            name: format_ident!("{}_vjp_jvp", name),
            wrt: model.differentiable(),
            tuple: true,
            doc: format!("The second-order rule of [`{name}`], for a call of it in a function with `hessian`: its pullback applied to `seed` (one tangent per differentiable parameter, as `{name}_vjp`'s) and that pullback's tangent along `tangents` (one per differentiable parameter, then the seed's), forward over reverse."),
        });
        if let [k] = model.selected.as_slice() {
            if !model.tuple && model.hessian_param(*k) {
                items.push(Item {
                    kind: Kind::Hessian,
                    name: format_ident!("{}_hessian", name),
                    wrt: vec![*k],
                    tuple: false,
                    doc: format!("The Hessian of [`{name}`] with respect to {selected_names}: the second derivative for a scalar, else `(n, n)` over its `n` components in row-major order (`n` Hessian-vector products)."),
                });
            }
        }
    }
    // `hessian` serves calls of the function from other `hessian` functions: their forward over reverse
    // needs its forward rule too.
    if model.options.jvp || (model.options.hessian && !model.options.vjp_only) {
        let name = model.name();
        items.push(Item {
            kind: Kind::Jvp,
            name: format_ident!("{}_jvp", name),
            wrt: model.differentiable(),
            tuple: true,
            doc: format!("The value of [`{name}`] and its tangent (like `jax.jvp`): `tangents` holds one tangent per differentiable parameter, in parameter order; forward mode, which stores nothing."),
        });
    }
    items
}

/// The parameter `f_jacobian` differentiates, where there is one: a `vjp` function (not a method)
/// whose output is a float, an array, a `Vec`, a slice or a fixed array of floats, with one selected
/// parameter (`argnums = i`, default 0).
fn jacobian_parameter(model: &Model) -> Option<usize> {
    if !model.options.vjp_only || model.tuple || model.options.has_aux {
        return None;
    }
    if model.params.first().is_some_and(|p| p.ident == "self") {
        return None;
    }
    let output = &model.output.as_ref()?.value;
    let float_like = match types::strip_refs(output) {
        syn::Type::Array(_) | syn::Type::Slice(_) => true,
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| {
            let name = s.ident.to_string();
            name == "f32" || name == "f64" || name == "Vec" || name.starts_with("Array")
        }),
        _ => false,
    };
    match model.selected.as_slice() {
        [k] if float_like => Some(*k),
        _ => None,
    }
}

/// The reverse-mode items.
fn reverse_items(model: &Model) -> Vec<Item> {
    let name = model.name();
    let mut items = Vec::new();
    if model.options.vjp_only {
        items.push(Item {
            kind: Kind::Vjp,
            name: format_ident!("{}_vjp", name),
            wrt: model.differentiable(),
            tuple: true,
            doc: format!("The value of [`{name}`] and its pullback: `pullback(seed)` returns one tangent per differentiable parameter, in parameter order."),
        });
        return items;
    }
    let selected_names: Vec<String> = model
        .selected
        .iter()
        .map(|i| format!("`{}`", model.params[*i].ident))
        .collect();
    let selected_names = selected_names.join(", ");
    items.push(Item {
        kind: Kind::Grad,
        name: format_ident!("{}_grad", name),
        wrt: model.selected.clone(),
        tuple: model.tuple,
        doc: format!("The gradient of [`{name}`] with respect to {selected_names}."),
    });
    items.push(Item {
        kind: Kind::ValueAndGrad,
        name: format_ident!("{}_value_and_grad", name),
        wrt: model.selected.clone(),
        tuple: model.tuple,
        doc: format!("The value of [`{name}`] and its gradient with respect to {selected_names}."),
    });
    for i in model.differentiable() {
        items.push(Item {
            kind: Kind::Grad,
            name: format_ident!("{}_grad_{}", name, i),
            wrt: vec![i],
            tuple: false,
            doc: format!(
                "The gradient of [`{name}`] with respect to `{}` alone.",
                model.params[i].ident
            ),
        });
    }
    if model.tuple && model.selected.len() > 1 {
        let suffix: Vec<String> = model.selected.iter().map(|i| i.to_string()).collect();
        let item_name = format_ident!("{}_grad_{}", name, suffix.join("_"));
        if !items.iter().any(|it| it.name == item_name) {
            items.push(Item {
                kind: Kind::Grad,
                name: item_name,
                wrt: model.selected.clone(),
                tuple: true,
                doc: format!("The gradients of [`{name}`] with respect to {selected_names} (the same as `{name}_grad`)."),
            });
        }
    }
    items.push(Item {
        kind: Kind::Vjp,
        name: format_ident!("{}_vjp", name),
        wrt: model.differentiable(),
        tuple: true,
        doc: format!("The value of [`{name}`] and its pullback (like `jax.vjp`): `pullback(seed)` returns one tangent per differentiable parameter, in parameter order."),
    });
    items
}

/// The pieces of a generated item's signature shared by real items and stubs.
pub struct Signature {
    /// Attributes, visibility, `fn name<generics>(params) -> ret where ..`, without the body.
    pub head: TokenStream,
}

/// The signature of `item`.
pub fn signature(model: &Model, item: &Item) -> Signature {
    let func = &model.func;
    let vis = &func.vis;
    let name = &item.name;
    let doc = &item.doc;
    let private = quote!(::autodiff::__private);
    let lifetime = Lifetime::new("'__ad", Span::call_site());
    let vjp = item.kind == Kind::Vjp;
    let mut generics = func.sig.generics.clone();
    let mut params: Vec<TokenStream> = model
        .params
        .iter()
        .map(|p| {
            let ident = &p.ident;
            let mut ty = p.ty.clone();
            if vjp {
                NameElided(&lifetime).visit_type_mut(&mut ty);
            }
            quote!(#ident: #ty)
        })
        .collect();
    let tangents: Vec<TokenStream> = item
        .wrt
        .iter()
        .map(|i| types::tangent_type(&model.params[*i].ty, &private))
        .collect();

    let grads = if item.tuple || tangents.is_empty() {
        quote!((#(#tangents,)*))
    } else {
        quote!(#(#tangents)*)
    };
    if item.kind == Kind::Jvp {
        let name = jvp_tangents(model);
        params.push(quote!(#name: (#(#tangents,)*)));
    }
    if item.kind == Kind::Hvp {
        let name = hvp_vector(model);
        params.push(quote!(#name: #grads));
    }
    let seed_of = |model: &Model| match &model.output {
        Some(o) => types::tangent_type(&o.value, &private),
        None => quote!(()),
    };
    if item.kind == Kind::VjpJvp {
        let seed_ty = seed_of(model);
        params.push(quote!(__ad_seed: #seed_ty));
        params.push(quote!(__ad_tangents: (#(#tangents,)* #seed_ty,)));
    }
    let value_ty = match &model.output {
        Some(o) => o.value.to_token_stream(),
        None => match &func.sig.output {
            syn::ReturnType::Type(_, t) => t.to_token_stream(),
            syn::ReturnType::Default => quote!(()),
        },
    };
    let aux_ty = model.output.as_ref().and_then(|o| o.aux.as_ref());
    let ret = match item.kind {
        Kind::Grad => match aux_ty {
            Some(aux) => quote!((#grads, #aux)),
            None => grads,
        },
        Kind::ValueAndGrad => match aux_ty {
            Some(aux) => quote!(((#value_ty, #aux), #grads)),
            None => quote!((#value_ty, #grads)),
        },
        Kind::Vjp => {
            generics.params.insert(0, syn::parse_quote!('__ad));
            let captured: Vec<TokenStream> = generics
                .params
                .iter()
                .map(|g| match g {
                    syn::GenericParam::Lifetime(l) => l.lifetime.to_token_stream(),
                    syn::GenericParam::Type(t) => t.ident.to_token_stream(),
                    syn::GenericParam::Const(c) => c.ident.to_token_stream(),
                })
                .collect();
            let seed_ty = match &model.output {
                Some(o) => types::tangent_type(&o.value, &private),
                None => value_ty.clone(),
            };
            let value_ty = match &model.output {
                Some(o) => {
                    let mut t = o.value.clone();
                    NameElided(&lifetime).visit_type_mut(&mut t);
                    t.to_token_stream()
                }
                None => value_ty,
            };
            // A method's impl block may have generics the attribute cannot see: it names only the
            // lifetime and lets the edition capture the rest.
            let method = model.params.first().is_some_and(|p| p.ident == "self");
            let bound = if method {
                quote!(+ '__ad)
            } else {
                quote!(+ use<#(#captured),*>)
            };
            let pullback = quote!(impl ::core::ops::FnOnce(#seed_ty) -> (#(#tangents,)*) #bound);
            match aux_ty {
                Some(aux) => quote!((#value_ty, #pullback, #aux)),
                None => quote!((#value_ty, #pullback)),
            }
        }
        Kind::Hvp => grads.clone(),
        Kind::VjpJvp => quote!(((#(#tangents,)*), (#(#tangents,)*))),
        Kind::Hessian => {
            let ty = &model.params[item.wrt[0]].ty;
            let inner = types::strip_refs(ty);
            if model.scalar_param(item.wrt[0]) {
                quote!(#inner)
            } else {
                quote!(#private::Array2<<#inner as #private::FloatElem>::Elem>)
            }
        }
        Kind::Jacobian => {
            let out = model
                .output
                .as_ref()
                .map(|o| o.value.to_token_stream())
                .unwrap_or_else(|| value_ty.clone());
            quote!(#private::Array2<<#out as #private::FloatElem>::Elem>)
        }
        Kind::Jvp => {
            let tangent_ty = match &model.output {
                Some(o) => types::tangent_type(&o.value, &private),
                None => value_ty.clone(),
            };
            match aux_ty {
                Some(aux) => quote!((#value_ty, #tangent_ty, #aux)),
                None => quote!((#value_ty, #tangent_ty)),
            }
        }
    };
    let (_, _, where_clause) = generics.split_for_impl();
    let params_generics = &generics.params;
    let generics_tokens = if params_generics.is_empty() {
        quote!()
    } else {
        quote!(<#params_generics>)
    };
    let head = quote! {
        #[doc = #doc]
        #[allow(dead_code, unused_variables, unused_mut, unused_assignments, unused_parens, non_snake_case, clippy::all)]
        #vis fn #name #generics_tokens (#(#params),*) -> #ret #where_clause
    };
    Signature { head }
}

/// Every generated item with its body.
/// Every generated item with its body; where `programs` is given, each item's adjoint program is
/// appended to it, printed.
fn generate(
    model: &Model,
    f: &Function,
    const_reads: &[VarId],
    namer: &mut Namer,
    programs: &mut Option<String>,
) -> TokenStream {
    let ad = namer.fresh("__ad", Span::call_site());
    // Reverse mode runs on the fused IR (elementwise chains and their sums as kernels); forward mode
    // on the IR as lowered.
    let reduced = pass("strength reduction", || {
        crate::transform::strength::reduce(f)
    });
    let merged = pass("element reads merged", || {
        crate::transform::cse::eliminate(&reduced, const_reads)
    });
    let f = &merged;
    let fused = pass("fusion", || {
        crate::transform::fuse::fuse(f, const_reads, namer)
    });
    let output = model.output.as_ref().expect("no errors, so an output");
    let param_var = |i: usize| -> VarId {
        VarId(
            f.vars
                .iter()
                .position(|v| v.kind == VarKind::Param(i))
                .expect("a differentiable parameter has a variable"),
        )
    };
    let scalar_params: Vec<VarId> = model
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| p.differentiable && matches!(types::strip_refs(&p.ty), syn::Type::Path(t) if t.path.is_ident("f64") || t.path.is_ident("f32")))
        .map(|(i, _)| param_var(i))
        .collect();
    let scalar_vars = scalar_parameters(model, f);
    let mut out = TokenStream::new();
    let main_grad = format_ident!("{}_grad", model.name());
    let mut main_grad_body: Option<TokenStream> = None;
    for item in items(model) {
        let Signature { head } = pass("item tokens", || signature(model, &item));
        // An item that is `f_grad` under another name (`f_grad_0` where parameter 0 is the selection,
        // `f_grad_0_1` for `argnums = (0, 1)`) has its body, without computing its sweeps again. (It
        // cannot call `f_grad`: inside an `impl` that would be `Self::f_grad`, and the macro does not
        // see the `impl`.)
        let same_as_main =
            item.kind == Kind::Grad && item.wrt == model.selected && item.tuple == model.tuple;
        if let Some(body) = main_grad_body.as_ref().filter(|_| same_as_main) {
            out.extend([head, body.clone()]);
            if let Some(text) = programs.as_mut() {
                let _ = writeln!(text, "{}:\n  the body of {main_grad}", item.name);
            }
            continue;
        }
        let independents: Vec<VarId> = item.wrt.iter().map(|&i| param_var(i)).collect();
        let scalar_type = (!model.options.vjp_only).then(|| output.value.to_token_stream());
        // One scalar independent: forward mode, which stores nothing and has no reverse sweep.
        let tangent = match (item.kind, independents.as_slice()) {
            (Kind::Grad | Kind::ValueAndGrad, [x]) if scalar_params.contains(x) => {
                pass("forward-mode sweep (grad items)", || {
                    let mut forward = Emitter::new(f, const_reads, namer, ad.clone());
                    forward.scalar_type = scalar_type.clone();
                    forward.tangent_sweep(&f.body, &f.ret, *x)
                })
            }
            _ => None,
        };
        let mut emitter = Emitter::new(&fused, const_reads, namer, ad.clone());
        emitter.programs = programs.as_ref().map(|_| Vec::new());
        emitter.scalar_type = scalar_type;
        emitter.scalar_vars = scalar_vars.clone();
        let value_ty = &output.value;
        let mut keep: Vec<VarId> = Vec::new();
        if item.kind != Kind::Grad {
            keep.extend(f.ret.var());
        }
        keep.extend(f.aux.iter().flat_map(|a| a.vars()));
        let body = match item.kind {
            Kind::Jacobian => jacobian_body(model, item.wrt[0], &ad),
            Kind::Hessian => hessian_body(model, item.wrt[0], &ad),
            Kind::Hvp | Kind::VjpJvp => pass(sweep_pass(item.kind), || {
                hvp_body(
                    model,
                    f,
                    const_reads,
                    emitter.namer,
                    &ad,
                    &independents,
                    &item,
                )
            }),
            Kind::Jvp => pass(sweep_pass(item.kind), || {
                jvp_body(model, f, const_reads, emitter.namer, &ad, &independents)
            }),
            Kind::Grad | Kind::ValueAndGrad => {
                let sweep = match tangent {
                    Some((forward, derivative)) => crate::codegen::Sweep {
                        forward,
                        reverse: TokenStream::new(),
                        adjoints: vec![derivative],
                        reads_output: false,
                    },
                    None => pass(sweep_pass(item.kind), || {
                        emitter.sweep(
                            &fused.body,
                            &fused.ret,
                            &independents,
                            Seed::One(value_ty.to_token_stream()),
                            &keep,
                        )
                    }),
                };
                let crate::codegen::Sweep {
                    forward,
                    reverse,
                    adjoints,
                    ..
                } = sweep;
                let grads = if item.tuple {
                    quote!((#(#adjoints,)*))
                } else {
                    quote!(#(#adjoints)*)
                };
                let check = (!model.options.vjp_only).then(
                    || quote_spanned!(value_ty.span()=> #ad::assert_scalar_output::<#value_ty>();),
                );
                // The value and the aux are taken before the reverse sweep, which may change the
                // constants they read (counters restored per iteration).
                let value_name = emitter.namer.fresh("value", Span::call_site());
                let aux_name = emitter.namer.fresh("aux", Span::call_site());
                let mut taken = TokenStream::new();
                if item.kind == Kind::ValueAndGrad {
                    let value = emitter.value(&f.ret, false);
                    let value = if matches!(f.ret, crate::ir::Operand::Const(_)) {
                        value
                    } else {
                        emitter.value(&f.ret, true)
                    };
                    taken.extend(quote!(let #value_name = #value;));
                }
                if let Some(a) = &f.aux {
                    let aux = emitter.aux_value(a, true);
                    taken.extend(quote!(let #aux_name = #aux;));
                }
                let result = match (item.kind, f.aux.is_some()) {
                    (Kind::Grad, false) => grads,
                    (Kind::Grad, true) => quote!((#grads, #aux_name)),
                    (_, false) => quote!((#value_name, #grads)),
                    (_, true) => quote!(((#value_name, #aux_name), #grads)),
                };
                // The sweeps are moved into the body, not copied (they are most of the tokens).
                let mut inner = quote!(use ::autodiff::__private as #ad; #check);
                inner.extend([forward, taken, reverse, result]);
                braced(inner)
            }
            Kind::Vjp => {
                emitter.owned_values = true;
                let seed = emitter.namer.fresh("seed", Span::call_site());
                let sweep = pass(sweep_pass(item.kind), || {
                    emitter.sweep(
                        &fused.body,
                        &fused.ret,
                        &independents,
                        Seed::Named(seed.clone()),
                        &keep,
                    )
                });
                let crate::codegen::Sweep {
                    forward,
                    mut reverse,
                    adjoints,
                    reads_output,
                } = sweep;
                let value_name = emitter.namer.fresh("value", Span::call_site());
                let value = emitter.value(&f.ret, reads_output);
                let seed_ty = types::tangent_type(value_ty, &quote!(#ad));
                let aux = f.aux.as_ref().map(|a| {
                    let aux_name = emitter.namer.fresh("aux", Span::call_site());
                    let v = emitter.aux_value(a, true);
                    (aux_name, v)
                });
                let (aux_let, aux_ret) = match &aux {
                    Some((name, v)) => (quote!(let #name = #v;), quote!(, #name)),
                    None => (quote!(), quote!()),
                };
                reverse.extend(quote!((#(#adjoints,)*)));
                let pullback = braced(reverse);
                let mut inner = quote!(use ::autodiff::__private as #ad;);
                inner.extend([
                    forward,
                    quote! {
                        let #value_name = #value;
                        #aux_let
                        (#value_name, move |#seed: #seed_ty| #pullback #aux_ret)
                    },
                ]);
                braced(inner)
            }
        };
        if let Some(text) = programs.as_mut() {
            let _ = writeln!(text, "{}:", item.name);
            match emitter.programs.take().unwrap_or_default().as_slice() {
                [] => text.push_str("  forward mode: no reverse sweep\n"),
                printed => printed.iter().for_each(|p| text.push_str(p)),
            }
        }
        if item.name == main_grad {
            main_grad_body = Some(body.clone());
        }
        out.extend([head, body]);
    }
    out
}

/// The body of `f_jvp`: the tangent program of `f` (as lowered, unfused) with the tangents of
/// `independents` taken from the `tangents` parameter, and `(value, tangent[, aux])`. A call goes
/// through the callee's `g_jvp`; a method call is a compile error at the call (no rule for one yet).
fn jvp_body(
    model: &Model,
    f: &Function,
    const_reads: &[VarId],
    namer: &mut Namer,
    ad: &Ident,
    independents: &[VarId],
) -> TokenStream {
    let tangents = jvp_tangents(model);
    let value_name = namer.fresh("value", Span::call_site());
    let tangent_name = namer.fresh("tangent_out", Span::call_site());
    let aux_name = namer.fresh("aux", Span::call_site());
    let mut printer = Emitter::new(f, const_reads, namer, ad.clone());
    printer.scalar_type = (!model.options.vjp_only)
        .then(|| model.output.as_ref().map(|o| o.value.to_token_stream()))
        .flatten();
    let arrays = array_params(model, f);
    match printer.jvp_sweep(
        &f.body,
        &f.ret,
        independents,
        &arrays,
        &tangents,
        &value_name,
    ) {
        Ok(crate::codegen::JvpSweep { forward, tangent }) => {
            let value = printer.value(&f.ret, true);
            let (aux_let, aux_ret) = match &f.aux {
                Some(a) => {
                    let v = printer.aux_value(a, true);
                    (quote!(let #aux_name = #v;), quote!(, #aux_name))
                }
                None => (quote!(), quote!()),
            };
            let mut inner = quote!(use ::autodiff::__private as #ad;);
            inner.extend([
                forward,
                // The tangent before the value is moved into the result (a zero tangent is made from
                // the value).
                quote!(let #value_name = #value; let #tangent_name = #tangent; #aux_let (#value_name, #tangent_name #aux_ret)),
            ]);
            braced(inner)
        }
        Err(crate::transform::jvp::Unsupported::Call(span, path)) => {
            let message = format!(
                "forward mode (`jvp`) differentiates a call through the callee's forward rule, which `{path}` here has none of: put `#[differentiable(jvp)]` on it or write `{path}_jvp` by hand, or remove `jvp` and use the reverse-mode items (`f_grad`, `f_vjp`)"
            );
            let error = syn::Error::new(span, message).to_compile_error();
            quote!({ #error })
        }
        Err(other) => {
            let message = format!("forward mode cannot differentiate this function ({other:?})");
            let error = syn::Error::new(model.func.sig.ident.span(), message).to_compile_error();
            quote!({ #error })
        }
    }
}

/// The body of `f_jacobian` with respect to parameter `k`: `m` pullbacks of `f_vjp` (rows), or where the
/// function has `f_jvp` and the parameter has fewer components than the output, `n` calls of `f_jvp`
/// (columns).
fn jacobian_body(model: &Model, k: usize, ad: &Ident) -> TokenStream {
    let name = model.name();
    let vjp = format_ident!("{}_vjp", name);
    let args: Vec<TokenStream> = model
        .params
        .iter()
        .map(|p| {
            let ident = &p.ident;
            if matches!(p.ty, syn::Type::Reference(_)) {
                quote!(#ident)
            } else {
                quote!(::core::clone::Clone::clone(&#ident))
            }
        })
        .collect();
    let param = &model.params[k].ident;
    let position = model
        .differentiable()
        .iter()
        .position(|i| *i == k)
        .expect("the selected parameter is differentiable");
    let position = syn::Index::from(position);
    let columns = model.options.jvp.then(|| {
        let jvp = format_ident!("{}_jvp", name);
        let tangents = model.differentiable().into_iter().map(|i| {
            if i == k {
                quote!(column)
            } else {
                let p = &model.params[i].ident;
                quote!(#ad::zero_tangent(&#p))
            }
        });
        quote! {
            let m = #ad::num_components(&seed_zero);
            let tangent_zero = #ad::zero_tangent(&#param);
            if #ad::num_components(&tangent_zero) < m {
                return #ad::jacobian_columns(&tangent_zero, m, |column| {
                    #jvp(#(#args,)* (#(#tangents,)*)).1
                });
            }
        }
    });
    quote!({
        use ::autodiff::__private as #ad;
        let (value, _) = #vjp(#(#args),*);
        let seed_zero = #ad::zero_tangent(&value);
        #columns
        let n = #ad::num_components(&#ad::zero_tangent(&#param));
        #ad::jacobian_rows(&seed_zero, n, |seed| {
            let (_, pullback) = #vjp(#(#args),*);
            pullback(seed).#position
        })
    })
}

/// The variables of the parameters `keep` takes.
fn param_vars(model: &Model, f: &Function, keep: impl Fn(usize) -> bool) -> Vec<VarId> {
    (0..model.params.len())
        .filter(|&k| keep(k))
        .filter_map(|k| {
            let at = f.vars.iter().position(|v| v.kind == VarKind::Param(k))?;
            Some(VarId(at))
        })
        .collect()
}

/// The parameters that are scalars by their type (a float, or the generic float type), differentiable
/// or not: index loops read them in lanes, and `f_hvp` saves a recurrence that starts from one.
fn scalar_parameters(model: &Model, f: &Function) -> Vec<VarId> {
    param_vars(model, f, |k| model.scalar_param(k))
}

/// The variables of `f`'s parameters that are neither arrays nor scalars (structs, `self`, tuples,
/// `Vec`s, slices, fixed arrays): their adjoints have no elementwise `+`.
fn whole_parameters(model: &Model, f: &Function) -> Vec<VarId> {
    param_vars(model, f, |k| {
        !types::is_ndarray(&model.params[k].ty) && !model.scalar_param(k)
    })
}

/// The body of `f_hvp`: the adjoint program of the function written out as IR, and the
/// JVP transform over it along `v`: forward over reverse. The tangents of the gradients are the
/// Hessian times `v`. The same with a seed that is a parameter with a tangent of its own is the body of
/// `f_vjp_jvp`, the second-order rule of calls: the gradients and their tangents.
fn hvp_body(
    model: &Model,
    f: &Function,
    const_reads: &[VarId],
    namer: &mut Namer,
    ad: &Ident,
    independents: &[VarId],
    item: &Item,
) -> TokenStream {
    // `f_hvp`, or the second-order rule of calls (`f_vjp_jvp`).
    let (tuple, rule) = (item.tuple, item.kind == Kind::VjpJvp);
    let fail = |message: &str| {
        let error = syn::Error::new(model.func.sig.ident.span(), message).to_compile_error();
        quote!({ #error })
    };
    let value_ty = match &model.output {
        Some(o) => o.value.to_token_stream(),
        None => return fail("`hessian` needs a scalar output"),
    };
    // Elementwise `mapv` closures as array operations (the printer fuses them back into one pass).
    let mut inlined = crate::transform::inline_maps::inline(f);
    // The second-order rule of calls (`rule`): the seed is a parameter, with a tangent of its own.
    let seed_name = Ident::new("__ad_seed", Span::call_site());
    let seed_var = rule.then(|| {
        inlined.vars.push(crate::ir::Var {
            name: seed_name.clone(),
            kind: crate::ir::VarKind::Local,
            block: inlined.body.id,
        });
        VarId(inlined.vars.len() - 1)
    });
    let f = &inlined;
    let activity = crate::analysis::activity::analyse(f.vars.len(), &f.body, &f.ret, independents);
    let seed = match seed_var {
        Some(_) => Seed::Named(seed_name.clone()),
        None => Seed::One(value_ty),
    };
    let program = crate::transform::reverse::Reverse {
        f,
        namer,
        owned_values: false,
    }
    .program(&f.body, &f.ret, independents, seed, activity);
    let linear = match crate::transform::linearize::linearize(
        f,
        &f.body,
        &program,
        namer,
        seed_var,
        &scalar_parameters(model, f),
        &whole_parameters(model, f),
    ) {
        Ok(linear) => linear,
        // Reported at the construct where it is known, else at the function.
        Err(refusal) => {
            let span = refusal.span.unwrap_or_else(|| model.func.sig.ident.span());
            let message = format!("`hessian` (f_hvp, f_hessian) {}", refusal.message);
            let error = syn::Error::new(span, message).to_compile_error();
            return quote!({ #error });
        }
    };
    let outputs: Vec<crate::ir::Operand> = linear
        .gradients
        .iter()
        .map(|g| crate::ir::Operand::Var(*g))
        .collect();
    let mut along: Vec<VarId> = independents.to_vec();
    along.extend(seed_var);
    let t = match crate::transform::jvp::transform_outputs(
        &linear.function,
        &linear.function.body,
        &outputs,
        &along,
        crate::transform::jvp::Calls::ForwardRule,
        namer,
    ) {
        Ok(t) => t,
        Err(e) => {
            return fail(&format!(
                "`hessian` cannot differentiate this function's gradient ({e:?})"
            ))
        }
    };
    let v = if rule {
        Ident::new("__ad_tangents", Span::call_site())
    } else {
        hvp_vector(model)
    };
    let dots: Vec<&Ident> = t.seeds.iter().map(|s| &t.function.vars[s.0].name).collect();
    let bind = if tuple || rule {
        quote!(let (#(#dots,)*) = #v;)
    } else {
        quote!(let #(#dots)* = #v;)
    };
    let results: Vec<TokenStream> = t
        .outputs
        .iter()
        .zip(independents)
        .map(|(o, p)| match o {
            Some(d) => {
                let name = &t.function.vars[d.0].name;
                quote!(#name)
            }
            None => {
                let name = &f.vars[p.0].name;
                quote!(#ad::zero_tangent(&#name))
            }
        })
        .collect();
    let result = if rule {
        // The gradients themselves too.
        let grads = linear.gradients.iter().map(|g| {
            let name = &t.function.vars[g.0].name;
            quote!(#name)
        });
        quote!(((#(#grads,)*), (#(#results,)*)))
    } else if tuple {
        quote!((#(#results,)*))
    } else {
        quote!(#(#results)*)
    };
    // The gradient itself and the value are dead here where no rule reads them: only their tangents
    // are returned (and, for the rule, the gradients).
    let mut outputs: Vec<VarId> = t.outputs.iter().flatten().copied().collect();
    if rule {
        outputs.extend(linear.gradients.iter().copied());
    }
    let pruned = crate::transform::prune::prune(&t.function, &outputs);
    let mut printer = Emitter::new(&pruned, const_reads, namer, ad.clone());
    printer.scalar_type = model.output.as_ref().map(|o| o.value.to_token_stream());
    let mut arrays = array_params(model, f);
    arrays.extend(
        independents
            .iter()
            .zip(&t.seeds)
            .filter(|(p, _)| arrays.contains(p))
            .map(|(_, s)| *s)
            .collect::<Vec<_>>(),
    );
    let mut results: Vec<VarId> = t.outputs.iter().flatten().copied().collect();
    if rule {
        results.extend(linear.gradients.iter().copied());
    }
    printer.map_plan = Some(crate::codegen::MapPlan::new(
        &pruned,
        &arrays,
        &results,
        const_reads,
    ));
    let plan_activity = t.activity.clone();
    let forward = printer.forward_plain(&pruned.body, &plan_activity);
    let mut inner = quote!(use ::autodiff::__private as #ad; #bind);
    inner.extend([forward, result]);
    braced(inner)
}

/// The body of `f_hessian` with respect to parameter `k`: `f_hvp` along one (a scalar parameter), or
/// along each unit vector (the Hessian's columns; it is symmetric to rounding).
fn hessian_body(model: &Model, k: usize, ad: &Ident) -> TokenStream {
    let name = model.name();
    let hvp = format_ident!("{}_hvp", name);
    let args: Vec<TokenStream> = model
        .params
        .iter()
        .map(|p| {
            let ident = &p.ident;
            if matches!(p.ty, syn::Type::Reference(_)) {
                quote!(#ident)
            } else {
                quote!(::core::clone::Clone::clone(&#ident))
            }
        })
        .collect();
    // A method's `f_hvp` is a method too (`self.f_hvp(args.., v)`).
    let call = |v: TokenStream| match args.split_first() {
        Some((receiver, rest)) if model.params[0].ident == "self" => {
            quote!(#receiver.#hvp(#(#rest,)* #v))
        }
        _ => quote!(#hvp(#(#args,)* #v)),
    };
    let param = &model.params[k].ident;
    let inner = types::strip_refs(&model.params[k].ty);
    if model.scalar_param(k) {
        let one = call(quote!(#ad::one::<#inner>()));
        return quote!({
            use ::autodiff::__private as #ad;
            #one
        });
    }
    let column = call(quote!(column));
    quote!({
        use ::autodiff::__private as #ad;
        let tangent_zero = #ad::zero_tangent(&#param);
        let n = #ad::num_components(&tangent_zero);
        #ad::jacobian_columns(&tangent_zero, n, |column| #column)
    })
}

/// The variables of `f`'s parameters whose types are `ndarray` arrays (map fusion starts from them).
fn array_params(model: &Model, f: &Function) -> Vec<VarId> {
    param_vars(model, f, |k| types::is_ndarray(&model.params[k].ty))
}

/// The name of `f_hvp`'s vector parameter: `v`, unless a parameter of the function has that name.
fn hvp_vector(model: &Model) -> Ident {
    let taken = model.params.iter().any(|p| p.ident == "v");
    Ident::new(if taken { "__autodiff_v" } else { "v" }, Span::call_site())
}

/// The name of `f_jvp`'s parameter holding the input tangents: `tangents`, unless a parameter of the
/// function has that name.
fn jvp_tangents(model: &Model) -> Ident {
    let taken = model.params.iter().any(|p| p.ident == "tangents");
    let name = if taken {
        "__autodiff_tangents"
    } else {
        "tangents"
    };
    Ident::new(name, Span::call_site())
}

/// The name under which the reverse sweep of an item of `kind` is timed.
fn sweep_pass(kind: Kind) -> &'static str {
    match kind {
        Kind::Grad => "reverse sweep (grad items)",
        Kind::ValueAndGrad => "reverse sweep (value_and_grad)",
        Kind::Vjp => "reverse sweep (vjp)",
        Kind::Jvp => "tangent program (jvp)",
        Kind::Jacobian => "jacobian",
        Kind::Hvp => "forward over reverse (hvp)",
        Kind::Hessian => "hessian",
        Kind::VjpJvp => "forward over reverse (vjp_jvp)",
    }
}

/// `{ tokens }`, as `quote!({ #tokens })` makes it but without copying the tokens.
fn braced(tokens: TokenStream) -> TokenStream {
    proc_macro2::TokenTree::Group(proc_macro2::Group::new(
        proc_macro2::Delimiter::Brace,
        tokens,
    ))
    .into()
}
