//! Operand traits: how a rule sees its arguments, whatever reference or view wraps them.
//!
//! Generated code passes every operand as `&v`, where `v` may be an `f64`, an `&f64`, an owned array, a
//! view or a reference to one of these. [`ScalarArg`] and [`ArrayArg`] strip those layers so that a rule is
//! written once for a scalar and once for an array of any storage.

use crate::real::Real;
use ndarray::{ArrayBase, ArrayRef, ArrayView, Data, Dimension};

/// A scalar operand of element type `F`: `F` itself or a reference to it. The element type is a parameter
/// (not an associated type) so that a float literal passed as `&0.5` takes its type from the other operands.
pub trait ScalarArg<F: Real> {
    /// The value.
    fn get(&self) -> F;
}

impl<F: Real> ScalarArg<F> for F {
    #[inline]
    fn get(&self) -> F {
        *self
    }
}

// References are implemented for each type (a generic `&F` would overlap `F` for the compiler's coherence
// check): in a function generic over `F: Real`, a scalar operand is passed by value.
macro_rules! scalar_ref_arg {
    ($($F:ty),*) => {$(
        impl ScalarArg<$F> for &$F {
            #[inline]
            fn get(&self) -> $F {
                **self
            }
        }
        impl ScalarArg<$F> for &&$F {
            #[inline]
            fn get(&self) -> $F {
                ***self
            }
        }
    )*};
}
scalar_ref_arg!(f32, f64);

/// An array operand: an `ndarray` array of any storage (owned, view, shared) or any reference to one.
pub trait ArrayArg {
    /// The element type.
    type Elem: Real;
    /// The dimension type.
    type Dim: Dimension;
    /// A view of the array.
    fn view(&self) -> ArrayView<'_, Self::Elem, Self::Dim>;
}

impl<S, D> ArrayArg for ArrayBase<S, D>
where
    S: Data,
    S::Elem: Real,
    D: Dimension,
{
    type Elem = S::Elem;
    type Dim = D;
    #[inline]
    fn view(&self) -> ArrayView<'_, S::Elem, D> {
        let array: &ArrayRef<S::Elem, D> = self;
        array.view()
    }
}

impl<T: ArrayArg + ?Sized> ArrayArg for &T {
    type Elem = T::Elem;
    type Dim = T::Dim;
    #[inline]
    fn view(&self) -> ArrayView<'_, T::Elem, T::Dim> {
        (**self).view()
    }
}
