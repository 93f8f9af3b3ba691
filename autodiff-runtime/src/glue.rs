//! Helpers that generated code calls besides the rules: seeds, zeros, copies and accumulation.

use crate::operand::{ArrayArg, ScalarArg};
use crate::real::Real;
use crate::tangent::{Differentiable, Tangent};
use crate::unary::Elementwise;
use ndarray::{Array, Zip};

/// The seed of a scalar output: one.
#[inline]
pub fn seed<F: Real, Y: ScalarArg<F> + ?Sized>(_output: &Y) -> F {
    F::one()
}

/// The zero tangent of `x` (a parameter the output does not depend on).
#[inline]
pub fn zero_tangent<T: Differentiable + ?Sized>(x: &T) -> T::Tangent {
    x.zero_tangent()
}

/// A copy of an adjoint that is read again later (the last read moves it instead).
#[inline]
pub fn dup<T: Clone>(t: &T) -> T {
    t.clone()
}

/// Adds `contribution` into the adjoint `acc`.
#[inline]
#[track_caller]
pub fn acc<T: Tangent>(acc: &mut T, contribution: T) {
    acc.add_assign(contribution);
}

/// `a + b` for two adjoints of one shape that nothing reads after: the sum in `a`'s buffer.
#[inline]
#[track_caller]
pub fn add_owned<T: Tangent>(mut a: T, b: T) -> T {
    a.add_assign(b);
    a
}

/// One, of the output type `F` (the seed of `f_grad`).
#[inline]
pub fn one<F: Real>() -> F {
    F::one()
}

/// One, of the type of `x` (the unit tangent of a `mapv` closure's parameter, for its derivative).
#[inline]
pub fn unit_like<F: Real>(x: &F) -> F {
    let _ = x;
    F::one()
}

/// `x.mapv(f)` for a closure of the subset, as an owned array.
#[inline]
pub fn mapv<X: ArrayArg + ?Sized>(x: &X, f: impl Fn(X::Elem) -> X::Elem) -> Array<X::Elem, X::Dim> {
    x.view().mapv(f)
}

/// Reverse rule of [`mapv`]: `df(x[i], g[i])` is the closure's derivative at `x[i]` times `g[i]`.
#[inline]
#[track_caller]
pub fn mapv_vjp<X: ArrayArg + ?Sized>(
    x: &X,
    mut g: Array<X::Elem, X::Dim>,
    mut df: impl FnMut(X::Elem, X::Elem) -> X::Elem,
) -> Array<X::Elem, X::Dim> {
    Zip::from(&mut g)
        .and(&x.view())
        .for_each(|g, &x| *g = df(x, *g));
    g
}

/// `stop_gradient(x)`: a copy of the value, through which no derivative flows.
#[inline]
pub fn stop_gradient<X: Elementwise + ?Sized>(x: &X) -> X::Output {
    x.map1(|v| v)
}

/// Implemented by the scalar types a plain `#[differentiable]` function may return.
#[diagnostic::on_unimplemented(
    message = "a gradient is only defined for scalar-output functions, and `{Self}` is not `f32` or `f64`",
    label = "this output is not a scalar",
    note = "reduce the output to an `f32` or `f64` (for example with `.sum()`), or mark the function `#[differentiable(vjp)]` to get only its pullback"
)]
pub trait ScalarOutput: Real {}
impl<F: Real> ScalarOutput for F {}

/// Compile-time check that `F` is a scalar output.
#[inline]
pub fn assert_scalar_output<F: ScalarOutput>() {}

/// An owned copy of a value (a loop's carried value, a branch's result): `F` for scalars, an owned
/// array for arrays of any storage.
#[inline]
pub fn owned<X: Elementwise + ?Sized>(x: &X) -> X::Output {
    x.map1(|v| v)
}

/// The copy of a carried value (a storage that holds an owned value) at the start of a loop body, and after
/// the loop. A plain clone: no trait on the element type, so a literal's type (`let mut s = 0.0;`) is
/// inferred from the code that uses it, `f32` or `f64`.
#[inline]
pub fn carry<T: Clone>(x: &T) -> T {
    x.clone()
}

/// Reverse rule of [`carry`]: the identity.
#[inline]
pub fn carry_vjp<T, G>(_x: &T, g: G) -> G {
    g
}

/// A copy of a storage's value after a loop, or of an array written element by element: [`carry`].
#[inline]
pub fn snapshot<T: Clone>(x: &T) -> T {
    x.clone()
}

/// Reverse rule of [`snapshot`]: the identity.
#[inline]
pub fn snapshot_vjp<T, G>(_x: &T, g: G) -> G {
    g
}

/// The adjoint in `acc`, leaving a zero of the same shape in its place.
#[inline]
pub fn take<T: Tangent>(acc: &mut T) -> T {
    let zero = acc.zeros_like();
    std::mem::replace(acc, zero)
}

/// A stack of the values that a loop's reverse sweep restores, one entry per iteration.
pub fn checkpoint_stack<T, I: Iterator>(iteration: &I) -> Vec<T> {
    Vec::with_capacity(iteration.size_hint().0)
}

/// The last entry of a stack filled by the forward sweep.
#[inline]
#[track_caller]
pub fn pop<T>(stack: &mut Vec<T>) -> T {
    stack
        .pop()
        .expect("the reverse sweep pops what the forward sweep pushed")
}

/// `value`, whose type is that of `like`: a constant assigned to a variable that held a differentiable
/// value (`t = Array1::zeros(2)`) takes the type the variable had, as rustc infers it in the source.
#[inline]
pub fn same_type<T>(_like: &T, value: T) -> T {
    value
}
