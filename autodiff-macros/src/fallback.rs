//! What is emitted beside errors: the user's function and stubs with the generated items' signatures, so
//! that callers of `f_grad` see the real error and not "cannot find function `f_grad`".

use crate::errors::Errors;
use crate::expand::{self, Kind, Signature};
use crate::model::Model;
use proc_macro2::TokenStream;
use quote::quote;

/// The errors, the original function, and a stub of every item.
pub fn emit(model: &Model, errors: &Errors) -> TokenStream {
    let compile_errors = errors.to_compile_errors();
    // The body is replaced, so that rustc does not report again what the macro reported.
    let mut func = model.func.clone();
    *func.block = syn::parse_quote!({ ::core::unimplemented!() });
    let original =
        quote!(#[allow(dead_code, unused_variables, unused_mut, unreachable_code)] #func);
    let stubs = expand::items(model).into_iter().map(|item| {
        let Signature { head } = expand::signature(model, &item);
        let body = match item.kind {
            Kind::Vjp => {
                let aux = model
                    .output
                    .as_ref()
                    .and_then(|o| o.aux.as_ref())
                    .map(|_| quote!(, ::core::unimplemented!()));
                quote!({ (::core::unimplemented!(), move |_| ::core::unimplemented!() #aux) })
            }
            Kind::Jvp => {
                let aux = model
                    .output
                    .as_ref()
                    .and_then(|o| o.aux.as_ref())
                    .map(|_| quote!(, ::core::unimplemented!()));
                quote!({ (::core::unimplemented!(), ::core::unimplemented!() #aux) })
            }
            _ => quote!({ ::core::unimplemented!() }),
        };
        quote!(#[allow(unreachable_code)] #head #body)
    });
    quote! {
        #compile_errors
        #original
        #(#stubs)*
    }
}
