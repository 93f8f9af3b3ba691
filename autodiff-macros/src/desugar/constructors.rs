//! Array constructors whose element type only an operation fixes (`&x + &Array1::ones(n)`) get the
//! function's float type written in (`Array1::<f64>::ones(n)`), before lowering.
//!
//! In the user's function `+` picks the constant's element type from the other operand. The generated
//! code calls the runtime's rules instead, which take a scalar of any float type as well as an array on
//! either side, so rustc could not choose it there (E0283). Where every float the signature names is the
//! same type (`f32`, `f64`, or a generic parameter bounded by `Real`), that type is the only one such a
//! constant can have in a differentiable computation, and writing it in changes nothing else.

use quote::ToTokens;
use syn::visit_mut::VisitMut;
use syn::{
    parse_quote, Block, Expr, GenericArgument, Generics, PathArguments, Type, TypeParamBound,
};

/// The constructors whose element type comes from nothing but the context.
const UNTYPED: &[&str] = &["zeros", "ones", "eye", "default"];

/// Writes `elem` into every untyped constructor call in `block` (closures included).
pub fn rewrite(block: &mut Block, elem: &Type) {
    Pin { elem }.visit_block_mut(block);
}

/// The one float type of a signature: the element type of every float, array, slice, `Vec` or fixed array
/// among `types`, where they all agree; `None` where there is none or more than one.
pub fn float_elem<'t>(
    types: impl IntoIterator<Item = &'t Type>,
    generics: &Generics,
) -> Option<Type> {
    let real: Vec<String> = generics
        .type_params()
        .filter(|p| {
            p.bounds.iter().any(|b| match b {
                TypeParamBound::Trait(t) => t
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| matches!(s.ident.to_string().as_str(), "Real" | "Float")),
                _ => false,
            })
        })
        .map(|p| p.ident.to_string())
        .collect();
    let mut found: Option<Type> = None;
    let mut agree = true;
    for ty in types {
        collect(ty, &real, &mut |elem| match &found {
            Some(f) if f.to_token_stream().to_string() != elem.to_token_stream().to_string() => {
                agree = false
            }
            Some(_) => {}
            None => found = Some(elem.clone()),
        });
    }
    found.filter(|_| agree)
}

/// Calls `each` with the float element types that `ty` holds.
fn collect(ty: &Type, real: &[String], each: &mut dyn FnMut(&Type)) {
    match crate::types::strip_refs(ty) {
        Type::Slice(s) => collect(&s.elem, real, each),
        Type::Array(a) => collect(&a.elem, real, each),
        Type::Tuple(t) => t.elems.iter().for_each(|e| collect(e, real, each)),
        Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return;
            };
            let name = last.ident.to_string();
            if p.path.segments.len() == 1
                && (name == "f32" || name == "f64" || real.contains(&name))
            {
                each(crate::types::strip_refs(ty));
                return;
            }
            let holds_elements = name == "Vec"
                || name == "CowArray"
                || (name.starts_with("Array") && name != "ArrayBase")
                || name.starts_with("ArcArray");
            if let (true, PathArguments::AngleBracketed(a)) = (holds_elements, &last.arguments) {
                if let Some(GenericArgument::Type(t)) = a
                    .args
                    .iter()
                    .find(|g| matches!(g, GenericArgument::Type(_)))
                {
                    collect(t, real, each);
                }
            }
        }
        _ => {}
    }
}

struct Pin<'t> {
    elem: &'t Type,
}

impl VisitMut for Pin<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let Expr::Call(call) = e else {
            return;
        };
        let Expr::Path(func) = &mut *call.func else {
            return;
        };
        if func.qself.is_some() || func.path.segments.len() < 2 {
            return;
        }
        let n = func.path.segments.len();
        let untyped = UNTYPED.contains(&func.path.segments[n - 1].ident.to_string().as_str())
            && func.path.segments[n - 1].arguments.is_none();
        let owner = &mut func.path.segments[n - 2];
        let name = owner.ident.to_string();
        if !untyped || !owner.arguments.is_none() {
            return;
        }
        let elem = self.elem;
        owner.arguments = match name.as_str() {
            "Array" => PathArguments::AngleBracketed(parse_quote!(::<#elem, _>)),
            "Array0" | "Array1" | "Array2" | "Array3" | "Array4" | "Array5" | "Array6"
            | "ArrayD" => PathArguments::AngleBracketed(parse_quote!(::<#elem>)),
            _ => return,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pinned(sig: syn::Signature, body: Block) -> String {
        let types: Vec<Type> = sig
            .inputs
            .iter()
            .filter_map(|a| match a {
                syn::FnArg::Typed(t) => Some((*t.ty).clone()),
                _ => None,
            })
            .collect();
        let mut body = body;
        if let Some(elem) = float_elem(&types, &sig.generics) {
            rewrite(&mut body, &elem);
        }
        body.to_token_stream().to_string().replace(' ', "")
    }

    #[test]
    fn untyped_constructors_get_the_functions_float_type() {
        let out = pinned(
            parse_quote!(fn f(x: ArrayView1<f64>, s: f64, n: usize)),
            parse_quote!({
                &x + &Array1::ones(n) + Array::zeros((n, 2)) + ndarray::Array2::eye(n)
            }),
        );
        assert!(out.contains("Array1::<f64>::ones(n)"), "{out}");
        assert!(out.contains("Array::<f64,_>::zeros((n,2))"), "{out}");
        assert!(out.contains("ndarray::Array2::<f64>::eye(n)"), "{out}");
    }

    #[test]
    fn a_generic_float_is_written_in() {
        let out = pinned(
            parse_quote!(fn f<F: Real>(x: &[F], m: &Array2<F>)),
            parse_quote!({ Array1::zeros(3) }),
        );
        assert!(out.contains("Array1::<F>::zeros(3)"), "{out}");
    }

    #[test]
    fn typed_mixed_or_floatless_signatures_are_left_alone() {
        let typed = pinned(
            parse_quote!(fn f(x: ArrayView1<f32>)),
            parse_quote!({ Array1::<f32>::ones(3) + Array1::from_elem(3, 1.0) }),
        );
        assert!(typed.contains("Array1::<f32>::ones(3)"), "{typed}");
        assert!(typed.contains("Array1::from_elem(3,1.0)"), "{typed}");
        let mixed = pinned(
            parse_quote!(fn f(x: ArrayView1<f32>, y: f64)),
            parse_quote!({ Array1::ones(3) }),
        );
        assert!(mixed.contains("Array1::ones(3)"), "{mixed}");
        let none = pinned(
            parse_quote!(fn f(m: &Model)),
            parse_quote!({ Array1::ones(3) }),
        );
        assert!(none.contains("Array1::ones(3)"), "{none}");
    }
}
