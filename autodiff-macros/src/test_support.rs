//! Helpers of the macro crate's unit tests: a function lowered to the IR as the macro lowers it.

use crate::ir::Function;
use proc_macro2::TokenStream;

/// The IR of `#[differentiable(attr)] item`, lowered as the macro does; panics on an error.
pub fn lowered(attr: TokenStream, item: TokenStream) -> Function {
    let errors = crate::errors::Errors::default();
    let options = crate::options::parse(attr, &errors);
    let func: syn::ItemFn = syn::parse2(item).expect("a function");
    let model = crate::model::build(func, options, &errors);
    let mut namer = crate::naming::Namer::avoiding(quote::ToTokens::to_token_stream(&model.func));
    let (function, _) = crate::lower::lower(&model, &mut namer, &errors).expect("it lowers");
    assert!(errors.is_empty(), "the function has errors");
    function
}
