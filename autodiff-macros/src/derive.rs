//! `#[derive(Differentiable)]`: a struct of floats, arrays, `Vec`s and other derived structs becomes a
//! differentiable value whose tangent is the struct itself (JAX's pytrees). Fields of integer, `bool`,
//! `char` or string type are constants: copied into tangents, never added or scaled.

use crate::types;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

/// Expands the derive; errors are spanned `compile_error!`s.
pub fn expand(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let name = &input.ident;
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => &named.named,
            Fields::Unnamed(u) => {
                return syn::Error::new_spanned(u, format!("#[derive(Differentiable)] supports structs with named fields; give the fields of `{name}` names, like `struct {name} {{ w: Array2<f64>, b: Array1<f64> }}`"))
                    .to_compile_error()
            }
            Fields::Unit => {
                return syn::Error::new_spanned(&input.ident, format!("`{name}` has no fields to differentiate; #[derive(Differentiable)] needs a struct with named fields"))
                    .to_compile_error()
            }
        },
        Data::Enum(e) => {
            return syn::Error::new_spanned(e.enum_token, "#[derive(Differentiable)] is not supported on enums: a gradient needs the same fields in every value; use a struct")
                .to_compile_error()
        }
        Data::Union(u) => {
            return syn::Error::new_spanned(u.union_token, "#[derive(Differentiable)] is not supported on unions; use a struct")
                .to_compile_error()
        }
    };
    let ad = quote!(::autodiff::__private);
    let mut errors = TokenStream::new();
    let mut zero = Vec::new();
    let (mut add, mut scale, mut count, mut get, mut set, mut axpy) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let mut bounds = Vec::new();
    for field in fields {
        let ident = field.ident.as_ref().expect("named fields");
        let ty = &field.ty;
        if types::is_constant_type(ty) {
            zero.push(
                quote_spanned!(field.span()=> #ident: ::core::clone::Clone::clone(&self.#ident)),
            );
            continue;
        }
        if let Some(name) = types::last_segment(ty) {
            if name.starts_with("ArrayView") || matches!(ty, syn::Type::Reference(_)) {
                errors.extend(
                    syn::Error::new_spanned(ty, format!("field `{ident}` borrows its data; a field of a #[derive(Differentiable)] struct must own it (use `Array` instead of a view or reference), because the gradient has the struct's own type"))
                        .to_compile_error(),
                );
                continue;
            }
        }
        bounds.push(
            quote_spanned!(ty.span()=> #ty: #ad::Differentiable<Tangent = #ty> + #ad::Tangent),
        );
        zero.push(
            quote_spanned!(field.span()=> #ident: #ad::Differentiable::zero_tangent(&self.#ident)),
        );
        add.push(quote!(#ad::Tangent::add_assign(&mut self.#ident, other.#ident);));
        scale.push(quote!(#ad::Tangent::scale(&mut self.#ident, factor);));
        count.push(quote!(#ad::Tangent::num_components(&self.#ident)));
        get.push(quote! {
            let n = #ad::Tangent::num_components(&self.#ident);
            if i < n {
                return #ad::Tangent::component(&self.#ident, i);
            }
            i -= n;
        });
        set.push(quote! {
            let n = #ad::Tangent::num_components(&self.#ident);
            if i < n {
                return #ad::Tangent::set_component(&mut self.#ident, i, value);
            }
            i -= n;
        });
        axpy.push(quote!(#ad::Tangent::axpy(&mut self.#ident, alpha, &x.#ident);));
    }
    if !errors.is_empty() {
        return errors;
    }
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut predicates: Vec<TokenStream> = where_clause
        .map(|w| w.predicates.iter().map(|p| quote!(#p)).collect())
        .unwrap_or_default();
    predicates.extend(bounds);
    let self_ty = quote!(#name #ty_generics);
    quote! {
        impl #impl_generics #ad::Differentiable for #self_ty where #(#predicates,)* {
            type Tangent = #self_ty;
            fn zero_tangent(&self) -> Self {
                #name { #(#zero,)* }
            }
        }

        impl #impl_generics #ad::Tangent for #self_ty where Self: ::core::clone::Clone, #(#predicates,)* {
            fn add_assign(&mut self, other: Self) {
                #(#add)*
            }
            fn scale(&mut self, factor: f64) {
                #(#scale)*
            }
            fn num_components(&self) -> usize {
                0 #(+ #count)*
            }
            #[allow(unused_mut, unused_assignments)]
            fn component(&self, mut i: usize) -> f64 {
                #(#get)*
                ::core::panic!("component {} is out of range", i)
            }
            #[allow(unused_mut, unused_assignments)]
            fn set_component(&mut self, mut i: usize, value: f64) {
                #(#set)*
                ::core::panic!("component {} is out of range", i)
            }
            fn axpy(&mut self, alpha: f64, x: &Self) {
                #(#axpy)*
            }
        }

        impl #impl_generics #ad::ArgKind for #self_ty #where_clause {
            type Kind = #ad::Diff;
        }

        impl #impl_generics #ad::OwnedCopy for #self_ty where Self: ::core::clone::Clone, #(#predicates,)* {
            type Owned = Self;
            fn owned_copy(&self) -> Self {
                ::core::clone::Clone::clone(self)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_enums_and_tuple_structs() {
        let out = expand(quote!(
            enum E {
                A,
                B,
            }
        ))
        .to_string();
        assert!(out.contains("not supported on enums"));
        let out = expand(quote!(
            struct T(f64, f64);
        ))
        .to_string();
        assert!(out.contains("named fields"));
        let out = expand(quote!(
            struct V<'a> {
                x: ArrayView1<'a, f64>,
            }
        ))
        .to_string();
        assert!(out.contains("must own it"));
    }

    #[test]
    fn constant_fields_are_copied() {
        let out = expand(quote!(
            struct P {
                w: Array1<f64>,
                n: usize,
            }
        ))
        .to_string();
        assert!(out.contains("n : :: core :: clone :: Clone :: clone (& self . n)"));
        assert!(out.contains("add_assign (& mut self . w , other . w)"));
        assert!(!out.contains("self . n , other . n"));
    }
}
