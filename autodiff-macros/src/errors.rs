//! Error collection: every problem in a function is recorded with its span and reported at once.

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::cell::RefCell;
use std::fmt::Display;

/// Proof that an error has been recorded: only [`Errors`] makes one (the field is private), as it
/// records an error. A stage that gives up on a construct returns `Err(Reported)`, so its caller knows,
/// from the type alone, that the problem is already reported and does not report it again (nor a
/// generic error over it); a caller that still holds a value (`Ok`) reports its own problems.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reported(());

/// A collector of `syn::Error`s; stages push into it and never stop at the first problem.
#[derive(Default)]
pub struct Errors {
    errors: RefCell<Vec<syn::Error>>,
}

impl Errors {
    /// Records an error at the span of `tokens`.
    pub fn at<T: ToTokens, M: Display>(&self, tokens: T, message: M) -> Reported {
        self.push(syn::Error::new_spanned(tokens, message))
    }

    /// Records an error at `span`.
    pub fn at_span<M: Display>(&self, span: proc_macro2::Span, message: M) -> Reported {
        self.push(syn::Error::new(span, message))
    }

    /// Records a ready error.
    pub fn push(&self, error: syn::Error) -> Reported {
        self.errors.borrow_mut().push(error);
        Reported(())
    }

    /// Whether anything was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.borrow().is_empty()
    }

    /// All errors as `compile_error!` invocations, in the order they were found.
    pub fn to_compile_errors(&self) -> TokenStream {
        self.errors
            .borrow()
            .iter()
            .map(syn::Error::to_compile_error)
            .collect()
    }
}
