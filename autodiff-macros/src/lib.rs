//! `#[differentiable]`: a small compiler from a Rust function to its reverse-mode derivative.
//!
//! The entry points only call [`expand::expand`]; every stage lives in its own module:
//! [`options`] (the attribute), [`model`] (the function's signature), [`lower`] (body to IR, [`ir`]),
//! [`activity`] (which values carry derivatives), [`emit`] (forward and reverse sweeps as tokens), with
//! [`prims`] the one table from syntax to runtime rules, [`naming`] the one source of generated names,
//! [`types`] the syntactic tangent types and [`fallback`] the stubs emitted beside an error.
#![deny(missing_docs)]

mod activity;
mod emit;
mod errors;
mod expand;
mod fallback;
mod ir;
mod lower;
mod model;
mod naming;
mod options;
mod prims;
mod types;

use proc_macro::TokenStream;

/// Generates the gradient functions of a scalar-output function (`f_grad`, `f_value_and_grad`,
/// `f_grad_<i>`, `f_vjp`, ...), as described in the `autodiff` crate's documentation.
#[proc_macro_attribute]
pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(attr.into(), item.into()).into()
}
