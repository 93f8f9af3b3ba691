//! The model of a `#[differentiable]` function: its parameters (which are differentiable), its output,
//! and which parameters `f_grad` differentiates. Checks of the signature live here, one function each.

use crate::errors::Errors;
use crate::options::{Options, Selection};
use crate::types;
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ItemFn, Pat, ReturnType, Type};

/// A parameter of the function.
pub struct Param {
    /// Its name.
    pub ident: Ident,
    /// Its type, as written.
    pub ty: Type,
    /// Whether it can have a gradient (not an integer, `bool`, `char` or string).
    pub differentiable: bool,
}

/// The function's output, as `f_grad` sees it.
pub struct Output {
    /// The return type (for `has_aux`, the first element of the tuple).
    pub value: Type,
    /// With `has_aux`: the auxiliary type.
    pub aux: Option<Type>,
}

/// A checked function signature.
pub struct Model {
    /// The function as the user wrote it.
    pub func: ItemFn,
    /// Its parameters, in order.
    pub params: Vec<Param>,
    /// Its output; `None` where the signature had an error (stubs are still emitted).
    pub output: Option<Output>,
    /// The indices of the parameters `f_grad` differentiates, in the order asked.
    pub selected: Vec<usize>,
    /// Whether the selection was a tuple (`f_grad` returns a tuple).
    pub tuple: bool,
    /// The attribute's options.
    pub options: Options,
}

impl Model {
    /// The differentiable parameters' indices, in parameter order.
    pub fn differentiable(&self) -> Vec<usize> {
        (0..self.params.len())
            .filter(|&i| self.params[i].differentiable)
            .collect()
    }

    /// The function's name.
    pub fn name(&self) -> &Ident {
        &self.func.sig.ident
    }

    /// Whether parameter `k` is a scalar: `f32`, `f64` or the function's generic float type (behind
    /// references).
    pub fn scalar_param(&self, k: usize) -> bool {
        let ty = types::strip_refs(&self.params[k].ty);
        types::last_segment(ty).is_some_and(|s| s == "f32" || s == "f64")
            || generic_param_named(&self.func, ty).is_some()
    }

    /// Whether parameter `k` has an `f_hessian`: a scalar, an array, a `Vec`, a slice or a fixed array of
    /// floats (not a struct, whose tangent has no element type).
    pub fn hessian_param(&self, k: usize) -> bool {
        let p = &self.params[k];
        p.ident != "self" && (self.scalar_param(k) || !types::is_struct_like(&p.ty))
    }
}

/// Builds the model, recording every problem of the signature in `errors`.
pub fn build(func: ItemFn, options: Options, errors: &Errors) -> Model {
    let params = params(&func, &options, errors);
    let output = output(&func, &options, errors);
    // A `vjp` function selects the parameter of its `f_jacobian`: `argnums`/`wrt` as for `f_grad`, by
    // default its first differentiable parameter.
    let (selected, tuple) = match (&options.selection, options.vjp_only) {
        (crate::options::Selection::Default, true) => (
            params
                .iter()
                .position(|p| p.differentiable)
                .into_iter()
                .collect(),
            false,
        ),
        _ => selection(&func, &params, &options.selection, errors),
    };
    check_signature(&func, errors);
    Model {
        func,
        params,
        output,
        selected,
        tuple,
        options,
    }
}

fn params(func: &ItemFn, options: &Options, errors: &Errors) -> Vec<Param> {
    // Every name `constant = ..` gives is a parameter.
    for c in &options.constants {
        let known = func.sig.inputs.iter().any(|input| {
            matches!(input, FnArg::Typed(t) if matches!(&*t.pat, Pat::Ident(p) if &p.ident == c))
        });
        if !known {
            let names: Vec<String> = func
                .sig
                .inputs
                .iter()
                .filter_map(|input| match input {
                    FnArg::Typed(t) => match &*t.pat {
                        Pat::Ident(p) => Some(format!("`{}`", p.ident)),
                        _ => None,
                    },
                    FnArg::Receiver(_) => None,
                })
                .collect();
            errors.at(c, format!("`constant` names `{c}`, which is not a parameter of this function; the parameters are {}", names.join(", ")));
        }
    }
    let mut params = Vec::new();
    for input in &func.sig.inputs {
        match input {
            FnArg::Receiver(r) => {
                if r.mutability.is_some() && r.reference.is_some() {
                    errors.at(r, "a #[differentiable] method cannot take `&mut self`: it must be pure; take `&self` and return what you computed");
                }
                let ty: Type = if r.reference.is_some() {
                    syn::parse_quote!(&Self)
                } else {
                    syn::parse_quote!(Self)
                };
                params.push(Param {
                    ident: Ident::new("self", r.self_token.span),
                    ty,
                    differentiable: true,
                });
            }
            FnArg::Typed(t) => match &*t.pat {
                _ if matches!(&*t.ty, Type::Reference(r) if r.mutability.is_some()) => {
                    errors.at(&t.ty, "a #[differentiable] function cannot take `&mut` parameters: it must be pure. Take the value by reference (`&T`) and return what you computed");
                    // Kept as differentiable so that the selection reports nothing more about it.
                    let ident = match &*t.pat {
                        Pat::Ident(p) => p.ident.clone(),
                        _ => Ident::new("__autodiff_unnamed", t.span()),
                    };
                    params.push(Param {
                        ident,
                        ty: (*t.ty).clone(),
                        differentiable: true,
                    });
                }
                Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                    let differentiable = !types::is_constant_type(&t.ty)
                        && !options.constants.iter().any(|c| c == &p.ident);
                    if let (true, Type::Reference(r)) = (differentiable, &*t.ty) {
                        if let Some(name) = generic_param_named(func, types::strip_refs(&r.elem)) {
                            errors.at(&t.ty, format!("a scalar of the generic float type is taken by value in a #[differentiable] function: write `{}: {name}`, not `&{name}` (`{name}` is `Copy`)", p.ident));
                        }
                    }
                    params.push(Param {
                        ident: p.ident.clone(),
                        ty: (*t.ty).clone(),
                        differentiable,
                    })
                }
                other => {
                    errors.at(other, "a parameter of a #[differentiable] function must be a plain name, like `x: f64`; destructure it in the body instead");
                    params.push(Param {
                        ident: Ident::new("__autodiff_unnamed", other.span()),
                        ty: (*t.ty).clone(),
                        differentiable: false,
                    });
                }
            },
        }
    }
    params
}

/// The name of `ty` where it is one of `func`'s type parameters (`F` in `fn f<F: Real>`).
fn generic_param_named<'a>(func: &'a ItemFn, ty: &Type) -> Option<&'a Ident> {
    let Type::Path(path) = ty else { return None };
    let name = path.path.get_ident()?;
    func.sig
        .generics
        .type_params()
        .map(|p| &p.ident)
        .find(|p| *p == name)
}

fn output(func: &ItemFn, options: &Options, errors: &Errors) -> Option<Output> {
    let name = &func.sig.ident;
    let ty = match &func.sig.output {
        ReturnType::Default => {
            if !options.vjp_only {
                errors.at(
                    &func.sig,
                    format!("#[differentiable] function `{name}` returns nothing: a gradient is only defined for scalar-output functions; return an `f32` or `f64`"),
                );
            }
            return None;
        }
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    if options.vjp_only {
        return Some(Output {
            value: ty,
            aux: None,
        });
    }
    if options.has_aux {
        match &ty {
            Type::Tuple(t) if t.elems.len() == 2 => {
                let value = t.elems[0].clone();
                check_scalar(name, &value, errors).then(|| Output {
                    value,
                    aux: Some(t.elems[1].clone()),
                })
            }
            _ => {
                errors.at(
                    &ty,
                    format!("#[differentiable(has_aux)] function `{name}` must return a pair `(value, aux)` whose first element is an `f32` or `f64`, like `-> (f64, Array1<f64>)`"),
                );
                None
            }
        }
    } else {
        check_scalar(name, &ty, errors).then(|| Output {
            value: ty,
            aux: None,
        })
    }
}

/// A plain function must return a scalar; the forms that never are get an error here, an alias is
/// checked by the compiler through the runtime's `ScalarOutput` trait.
fn check_scalar(name: &Ident, ty: &Type, errors: &Errors) -> bool {
    let Some(kind) = types::non_scalar_kind(ty) else {
        return true;
    };
    let ty_text = quote::quote!(#ty)
        .to_string()
        .replace(" < ", "<")
        .replace(" >", ">")
        .replace("< ", "<")
        .replace(" ,", ",");
    let hint = if kind == "a tuple" {
        " (to return extra values beside the loss, use `#[differentiable(has_aux)]`)"
    } else {
        ""
    };
    errors.at(
        ty,
        format!(
            "#[differentiable] function `{name}` returns `{ty_text}`, {kind}: a gradient is only defined for scalar-output functions{hint}. Reduce the output to an `f32` or `f64` (for example with `.sum()`), or mark the function `#[differentiable(vjp)]` to get only its pullback `{name}_vjp`, for use inside other differentiable functions"
        ),
    );
    false
}

fn selection(
    func: &ItemFn,
    params: &[Param],
    selection: &Selection,
    errors: &Errors,
) -> (Vec<usize>, bool) {
    let name = &func.sig.ident;
    let check_index = |lit: &syn::LitInt| -> Option<usize> {
        let Ok(i) = lit.base10_parse::<usize>() else {
            errors.at(
                lit,
                "`argnums` takes parameter indices: non-negative integers",
            );
            return None;
        };
        match params.get(i) {
            None => {
                errors.at(
                    lit,
                    format!(
                        "`argnums` index {i} is out of range: `{name}` has {} parameter{}",
                        params.len(),
                        if params.len() == 1 { "" } else { "s" }
                    ),
                );
                None
            }
            Some(p) if !p.differentiable => {
                let ty = &p.ty;
                let why = if types::is_constant_type(ty) {
                    "integers, `bool`, `char` and strings have no gradient"
                } else {
                    "`constant` names it"
                };
                errors.at(lit, format!("`argnums` index {i} names parameter `{}: {}`, which is a constant ({why}); select a float or array parameter", p.ident, quote::quote!(#ty)));
                None
            }
            Some(_) => Some(i),
        }
    };
    let check_name = |ident: &Ident| -> Option<usize> {
        match params.iter().position(|p| p.ident == *ident) {
            None => {
                let names: Vec<String> = params.iter().map(|p| format!("`{}`", p.ident)).collect();
                errors.at(ident, format!("`wrt` names `{ident}`, which is not a parameter of `{name}`; its parameters are {}", names.join(", ")));
                None
            }
            Some(i) if !params[i].differentiable => {
                let why = if types::is_constant_type(&params[i].ty) {
                    "integers, `bool`, `char` and strings have no gradient"
                } else {
                    "`constant` names it"
                };
                errors.at(
                    ident,
                    format!("`wrt` names `{ident}`, which is a constant ({why})"),
                );
                None
            }
            Some(i) => Some(i),
        }
    };
    let check_distinct = |picked: &[usize], spans: Vec<proc_macro2::Span>| {
        for (k, i) in picked.iter().enumerate() {
            if picked[..k].contains(i) {
                errors.at_span(spans[k], format!("parameter {i} is selected twice"));
            }
        }
    };
    match selection {
        Selection::Default => match params.first() {
            None => {
                errors.at(
                    &func.sig,
                    format!(
                        "#[differentiable] function `{name}` has no parameter to differentiate"
                    ),
                );
                (Vec::new(), false)
            }
            Some(p) if !p.differentiable => {
                errors.at(&p.ty, format!("`{name}` is differentiated with respect to its first parameter by default, and `{}` is a constant; choose a float or array parameter with `argnums = i` or `wrt = name`", p.ident));
                (Vec::new(), false)
            }
            Some(_) => (vec![0], false),
        },
        Selection::Index(lit) => (check_index(lit).into_iter().collect(), false),
        Selection::Name(ident) => (check_name(ident).into_iter().collect(), false),
        Selection::Indices(lits, span) => {
            if lits.is_empty() {
                errors.at_span(
                    *span,
                    "`argnums = ()` selects nothing; name at least one parameter index",
                );
            }
            let picked: Vec<usize> = lits.iter().filter_map(check_index).collect();
            check_distinct(&picked, lits.iter().map(|l| l.span()).collect());
            (picked, true)
        }
        Selection::Names(idents, span) => {
            if idents.is_empty() {
                errors.at_span(
                    *span,
                    "`wrt = ()` selects nothing; name at least one parameter",
                );
            }
            let picked: Vec<usize> = idents.iter().filter_map(check_name).collect();
            check_distinct(&picked, idents.iter().map(|l| l.span()).collect());
            (picked, true)
        }
    }
}

fn check_signature(func: &ItemFn, errors: &Errors) {
    let sig = &func.sig;
    if let Some(a) = &sig.asyncness {
        errors.at(
            a,
            "`async fn` cannot be differentiated; make it a plain `fn`",
        );
    }
    if let Some(u) = &sig.unsafety {
        errors.at(
            u,
            "`unsafe fn` cannot be differentiated; make it a safe `fn`",
        );
    }
    if let Some(v) = &sig.variadic {
        errors.at(v, "variadic functions cannot be differentiated");
    }
}
