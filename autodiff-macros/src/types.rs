//! Syntax of types: which parameter types are constants, the tangent type of a parameter type, and the
//! rewriting of elided lifetimes for the pullback's signature. Only syntax is read; anything that needs
//! to know a type is left to the runtime's `Differentiable` trait.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{GenericArgument, Lifetime, PathArguments, Type};

const CONSTANT_TYPES: &[&str] = &[
    "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128", "bool",
    "char", "str", "String", "Axis",
];

/// The last path segment's name of a (dereferenced) type, if it is a path.
pub fn last_segment(ty: &Type) -> Option<String> {
    match strip_refs(ty) {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `ty` without any leading references or parentheses.
pub fn strip_refs(ty: &Type) -> &Type {
    match ty {
        Type::Reference(r) => strip_refs(&r.elem),
        Type::Paren(p) => strip_refs(&p.elem),
        Type::Group(g) => strip_refs(&g.elem),
        other => other,
    }
}

/// Whether a parameter of this type is a constant (an integer, `bool`, `char`, `str`/`String`, a
/// reference to one, or a collection of them: `&[usize]`, `Vec<i32>`, `Array1<usize>`): it gets no
/// gradient.
pub fn is_constant_type(ty: &Type) -> bool {
    match strip_refs(ty) {
        Type::Slice(s) => is_constant_type(&s.elem),
        Type::Array(a) => is_constant_type(&a.elem),
        Type::Tuple(t) => t.elems.iter().all(is_constant_type),
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last().expect("a path has a segment");
            let name = last.ident.to_string();
            if p.path.segments.len() == 1 && CONSTANT_TYPES.contains(&name.as_str()) {
                return true;
            }
            // An `Option` of anything is a constant (it has no tangent type).
            if name == "Option" {
                return true;
            }
            let collection =
                name == "Vec" || name.starts_with("Array") || name.starts_with("ArcArray");
            match &last.arguments {
                PathArguments::AngleBracketed(a) if collection => a
                    .args
                    .iter()
                    .find_map(|g| match g {
                        GenericArgument::Type(t) => Some(is_constant_type(t)),
                        _ => None,
                    })
                    .unwrap_or(false),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether a parameter type is (a reference to) a struct: not a float, an array, a `Vec` or a constant.
/// Its fields are read with `p.w`, and its methods are differentiated through their `_vjp`.
pub fn is_struct_like(ty: &Type) -> bool {
    match strip_refs(ty) {
        Type::Path(p) if p.qself.is_none() => {
            let name = p
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            let numeric = matches!(name.as_str(), "f32" | "f64" | "Vec")
                || name.starts_with("Array")
                || name.starts_with("ArcArray")
                || name.starts_with("CowArray");
            !numeric && !is_constant_type(ty)
        }
        _ => false,
    }
}

/// Whether `ty` (behind references) is `f32` or `f64`.
pub fn is_float(ty: &Type) -> bool {
    last_segment(strip_refs(ty)).is_some_and(|name| name == "f32" || name == "f64")
}

/// Whether `ty` (behind references) is an `ndarray` array: `Array1<F>`, `ArrayView2<'_, F>`, `ArrayBase<S, D>`.
pub fn is_ndarray(ty: &Type) -> bool {
    last_segment(strip_refs(ty)).is_some_and(|name| {
        name.starts_with("Array") || name.starts_with("ArcArray") || name.starts_with("CowArray")
    })
}

/// Why a return type is certainly not a scalar, if it is one of the forms that never are.
pub fn non_scalar_kind(ty: &Type) -> Option<&'static str> {
    match ty {
        Type::Tuple(_) => Some("a tuple"),
        Type::Array(_) | Type::Slice(_) => Some("an array"),
        Type::Reference(_) => Some("a reference"),
        Type::Paren(p) => non_scalar_kind(&p.elem),
        Type::Path(_) => {
            let name = last_segment(ty)?;
            if name.starts_with("Array")
                || name.starts_with("ArcArray")
                || name.starts_with("CowArray")
            {
                Some("an array")
            } else if name == "Vec" {
                Some("a `Vec`")
            } else if CONSTANT_TYPES.contains(&name.as_str()) {
                Some("not a float")
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The tangent type of a parameter type, written without lifetimes: `f64` -> `f64`, `&T` -> tangent of
/// `T`, `ArrayView1<'_, A>` -> `Array1<A>`, `ArrayBase<S, D>` -> `Array<A, D>` via the trait, `&[A]` ->
/// `Vec<A>`, `[A; N]` -> `[A; N]`; anything else `<T as Differentiable>::Tangent`.
pub fn tangent_type(ty: &Type, private: &TokenStream) -> TokenStream {
    let span = ty.span();
    let inner = strip_refs(ty);
    match inner {
        Type::Slice(s) => {
            let elem = &s.elem;
            return quote_spanned!(span=> ::std::vec::Vec<#elem>);
        }
        Type::Array(_) => return quote!(#inner),
        Type::Tuple(t) => {
            let parts = t.elems.iter().map(|e| tangent_type(e, private));
            return quote_spanned!(span=> (#(#parts,)*));
        }
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last().expect("a path has a segment");
            let name = last.ident.to_string();
            let owned = name == "f32"
                || name == "f64"
                || name == "Vec"
                || name.starts_with("Array")
                    && !name.starts_with("ArrayView")
                    && name != "ArrayBase";
            if owned && !has_lifetime(inner) {
                return quote!(#inner);
            }
            if let Some(rest) = name.strip_prefix("ArrayView") {
                if !rest.starts_with("Mut") {
                    let owned = syn::Ident::new(&format!("Array{rest}"), last.ident.span());
                    let args: Vec<&GenericArgument> = match &last.arguments {
                        PathArguments::AngleBracketed(a) => a
                            .args
                            .iter()
                            .filter(|a| !matches!(a, GenericArgument::Lifetime(_)))
                            .collect(),
                        _ => Vec::new(),
                    };
                    let mut prefix = p.path.clone();
                    prefix.segments.pop();
                    let leading = if prefix.segments.is_empty() {
                        quote!()
                    } else {
                        let segs = prefix.segments.iter();
                        let colon = p.path.leading_colon;
                        quote!(#colon #(#segs ::)*)
                    };
                    return quote_spanned!(span=> #leading #owned<#(#args),*>);
                }
            }
        }
        _ => {}
    }
    if has_lifetime(inner) {
        let mut erased = inner.clone();
        StaticLifetimes.visit_type_mut(&mut erased);
        quote_spanned!(span=> <#erased as #private::Differentiable>::Tangent)
    } else {
        quote_spanned!(span=> <#inner as #private::Differentiable>::Tangent)
    }
}

fn has_lifetime(ty: &Type) -> bool {
    struct Finder(bool);
    impl syn::visit::Visit<'_> for Finder {
        fn visit_lifetime(&mut self, _: &Lifetime) {
            self.0 = true;
        }
        fn visit_type_reference(&mut self, _: &syn::TypeReference) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    syn::visit::visit_type(&mut finder, ty);
    finder.0
}

struct StaticLifetimes;
impl VisitMut for StaticLifetimes {
    fn visit_lifetime_mut(&mut self, l: &mut Lifetime) {
        *l = Lifetime::new("'static", l.span());
    }
    fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
        r.lifetime = Some(Lifetime::new("'static", Span::call_site()));
        self.visit_type_mut(&mut r.elem);
    }
}

/// Gives every elided lifetime in a parameter type the name `lifetime` (references, `'_`, and views
/// written without their lifetime argument), so that the pullback can promise to live as long as them.
pub struct NameElided<'a>(pub &'a Lifetime);

impl VisitMut for NameElided<'_> {
    fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
        if r.lifetime.is_none() {
            r.lifetime = Some(self.0.clone());
        }
        self.visit_type_mut(&mut r.elem);
    }
    fn visit_lifetime_mut(&mut self, l: &mut Lifetime) {
        if l.ident == "_" {
            *l = self.0.clone();
        }
    }
    fn visit_path_segment_mut(&mut self, seg: &mut syn::PathSegment) {
        let name = seg.ident.to_string();
        if name.starts_with("ArrayView") || name == "CowArray" {
            match &mut seg.arguments {
                PathArguments::AngleBracketed(a) => {
                    if !a
                        .args
                        .iter()
                        .any(|g| matches!(g, GenericArgument::Lifetime(_)))
                    {
                        a.args.insert(0, GenericArgument::Lifetime(self.0.clone()));
                    }
                }
                PathArguments::None => {}
                PathArguments::Parenthesized(_) => {}
            }
        }
        syn::visit_mut::visit_path_segment_mut(self, seg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn tangent(ty: Type) -> String {
        tangent_type(&ty, &quote!(ad)).to_string()
    }

    #[test]
    fn tangent_types_are_named_without_lifetimes() {
        assert_eq!(tangent(parse_quote!(f64)), "f64");
        assert_eq!(tangent(parse_quote!(&Array1<f32>)), "Array1 < f32 >");
        assert_eq!(tangent(parse_quote!(ArrayView2<'a, f64>)), "Array2 < f64 >");
        assert_eq!(
            tangent(parse_quote!(&ndarray::ArrayView1<f64>)),
            "ndarray :: Array1 < f64 >"
        );
        assert_eq!(
            tangent(parse_quote!(&[f64])),
            ":: std :: vec :: Vec < f64 >"
        );
        assert_eq!(tangent(parse_quote!([f32; 3])), "[f32 ; 3]");
        assert_eq!(
            tangent(parse_quote!(Params)),
            "< Params as ad :: Differentiable > :: Tangent"
        );
    }

    #[test]
    fn constants_are_integers_bools_and_strings() {
        assert!(is_constant_type(&parse_quote!(usize)));
        assert!(is_constant_type(&parse_quote!(&str)));
        assert!(!is_constant_type(&parse_quote!(f64)));
        assert!(!is_constant_type(&parse_quote!(&Array1<f64>)));
        assert!(is_constant_type(&parse_quote!(&[usize])));
        assert!(is_constant_type(&parse_quote!(Vec<i32>)));
        assert!(is_constant_type(&parse_quote!(&Array1<usize>)));
        assert!(!is_constant_type(&parse_quote!(&[f32; 3])));
    }
}
