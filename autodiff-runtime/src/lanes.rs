//! Index loops in lanes: the slices, chunks and buffers of a loop that reads `x[i + c]` and accumulates
//! into a gradient, run by the generated code in chunks of [`LANES`] iterations.
//!
//! A loop `for i in a..b { s += f(x[i], x[i + 1]) }` in `f_value_and_grad` computes its value and its
//! partials in one pass. Run as written, each iteration adds its two partials into the gradient buffer
//! one element apart, so the next iteration reads back what this one stored (a chain through memory), and
//! every read is bounds-checked. The generated code instead checks once that the loop's reads and writes
//! lie in one contiguous slice ([`lane_window`], [`lane_window_mut`]); then, per chunk of iterations, it
//! computes every iteration's values and partials lane by lane ([`lane_chunk`], [`lane_buf`]: no
//! dependence between lanes, so they vectorize), and then, in iteration order, adds the terms into the
//! carried sums and the partials into the gradient through registers that hold the elements still being
//! added to ([`lane_add`]). Every addition happens in the order the loop makes it: the same bits.

use crate::real::Real;
use ndarray::{Array, ArrayBase, Data, Dimension};

/// Iterations per chunk.
pub const LANES: usize = 16;

/// A container that an index loop reads by one `usize` index: its elements as one slice, where they are
/// one (a one-dimensional array in standard layout, a `Vec`, a slice, a fixed array), and the same for
/// its gradient.
pub trait LaneSlice {
    /// The element type.
    type Elem: Real;
    /// The gradient type of the whole container (as in [`crate::element::Elements`]).
    type Tangent;
    /// The elements in index order, if they are one slice.
    fn lane_slice(&self) -> Option<&[Self::Elem]>;
    /// The gradient's elements in index order, if they are one slice.
    fn lane_slice_mut(tangent: &mut Self::Tangent) -> Option<&mut [Self::Elem]>;
    /// The elements in iteration order (`x.iter()`'s, row-major), if they are one slice.
    fn lane_flat(&self) -> Option<&[Self::Elem]> {
        self.lane_slice()
    }
    /// The gradient's elements in iteration order, if they are one slice.
    fn lane_flat_mut(tangent: &mut Self::Tangent) -> Option<&mut [Self::Elem]> {
        Self::lane_slice_mut(tangent)
    }
}

impl<A: Real, S: Data<Elem = A>, D: Dimension> LaneSlice for ArrayBase<S, D> {
    type Elem = A;
    type Tangent = Array<A, D>;
    #[inline]
    fn lane_slice(&self) -> Option<&[A]> {
        // One index addresses elements in order only in one dimension (`x[i]` of a 2-D array is a
        // compile error, of an `ArrayD` of one dimension an element).
        if self.ndim() == 1 {
            self.as_slice()
        } else {
            None
        }
    }
    #[inline]
    fn lane_slice_mut(tangent: &mut Array<A, D>) -> Option<&mut [A]> {
        if tangent.ndim() == 1 {
            tangent.as_slice_mut()
        } else {
            None
        }
    }
    #[inline]
    fn lane_flat(&self) -> Option<&[A]> {
        self.as_slice()
    }
    #[inline]
    fn lane_flat_mut(tangent: &mut Array<A, D>) -> Option<&mut [A]> {
        tangent.as_slice_mut()
    }
}

macro_rules! lane_sequence {
    ($([$($gen:tt)*] $T:ty => $Tan:ty),* $(,)?) => {$(
        impl<$($gen)*> LaneSlice for $T {
            type Elem = F;
            type Tangent = $Tan;
            #[inline]
            fn lane_slice(&self) -> Option<&[F]> {
                Some(&self[..])
            }
            #[inline]
            fn lane_slice_mut(tangent: &mut $Tan) -> Option<&mut [F]> {
                Some(&mut tangent[..])
            }
        }
    )*};
}
lane_sequence!(
    [F: Real] Vec<F> => Vec<F>,
    [F: Real] [F] => Vec<F>,
    [F: Real, const N: usize] [F; N] => [F; N],
);

impl<T: LaneSlice + ?Sized> LaneSlice for &T {
    type Elem = T::Elem;
    type Tangent = T::Tangent;
    #[inline]
    fn lane_slice(&self) -> Option<&[T::Elem]> {
        (**self).lane_slice()
    }
    #[inline]
    fn lane_slice_mut(tangent: &mut T::Tangent) -> Option<&mut [T::Elem]> {
        T::lane_slice_mut(tangent)
    }
    #[inline]
    fn lane_flat(&self) -> Option<&[T::Elem]> {
        (**self).lane_flat()
    }
    #[inline]
    fn lane_flat_mut(tangent: &mut T::Tangent) -> Option<&mut [T::Elem]> {
        T::lane_flat_mut(tangent)
    }
}

/// The positions `start + lo ..= end - 1 + hi` of `len` elements (what iterations `start..end` address
/// at offsets `lo..=hi` from their index), if the loop runs at least once and they are all in bounds.
#[inline]
fn window_range(
    len: usize,
    start: usize,
    end: usize,
    lo: isize,
    hi: isize,
) -> Option<std::ops::Range<usize>> {
    if start >= end {
        return None;
    }
    let first = start.checked_add_signed(lo)?;
    let last = (end - 1).checked_add_signed(hi)?;
    (last < len).then_some(first..last + 1)
}

/// The elements of `x` that iterations `start..end` read at offsets `lo..=hi` from their index, as one
/// slice (iteration `start + j` reads offset `c` at position `j + c - lo`): by index (`x[i]`), or in
/// iteration order where `FLAT` (`x.iter()`'s elements, any number of dimensions). `None` where they are
/// not one slice, out of bounds, or the loop does not run (the loop then runs as written, and panics
/// where the source would).
#[inline]
pub fn lane_window<const FLAT: bool, X: LaneSlice + ?Sized>(
    x: &X,
    start: usize,
    end: usize,
    lo: isize,
    hi: isize,
) -> Option<&[X::Elem]> {
    let all = if FLAT { x.lane_flat() } else { x.lane_slice() }?;
    let range = window_range(all.len(), start, end, lo, hi)?;
    Some(&all[range])
}

/// [`lane_window`] of `x`'s tangent `t` (a forward-printed loop's `index_jvp` reads); `None` also where
/// the tangent has not as many elements as `x` (the loop as written then reports it).
#[inline]
pub fn lane_window_tangent<'t, X: LaneSlice + ?Sized, T: LaneSlice<Elem = X::Elem> + ?Sized>(
    x: &X,
    t: &'t T,
    start: usize,
    end: usize,
    lo: isize,
    hi: isize,
) -> Option<&'t [X::Elem]> {
    let len = x.lane_slice()?.len();
    let all = t.lane_slice()?;
    if all.len() != len {
        return None;
    }
    let range = window_range(len, start, end, lo, hi)?;
    Some(&all[range])
}

/// [`lane_window`] of an array that the loop writes element by element (its own storage), mutably.
#[inline]
pub fn lane_window_own_mut<X: LaneSlice<Tangent = X>>(
    x: &mut X,
    start: usize,
    end: usize,
    lo: isize,
    hi: isize,
) -> Option<&mut [X::Elem]> {
    let all = X::lane_slice_mut(x)?;
    let range = window_range(all.len(), start, end, lo, hi)?;
    Some(&mut all[range])
}

/// `register = value`: an element write of a windowed loop, into the register holding the element.
#[inline]
pub fn register_set<F: Real, V: crate::operand::ScalarArg<F> + ?Sized>(
    register: &mut F,
    value: &V,
) {
    *register = value.get();
}

/// `register += value` (see [`register_set`]).
#[inline]
pub fn register_add<F: Real, V: crate::operand::ScalarArg<F> + ?Sized>(
    register: &mut F,
    value: &V,
) {
    *register += value.get();
}

/// `register -= value` (see [`register_set`]).
#[inline]
pub fn register_sub<F: Real, V: crate::operand::ScalarArg<F> + ?Sized>(
    register: &mut F,
    value: &V,
) {
    *register -= value.get();
}

/// [`lane_window`] of `x`'s gradient `tangent`, mutably; `None` also where the gradient's length is not
/// `x`'s.
#[inline]
pub fn lane_window_mut<'t, const FLAT: bool, X: LaneSlice + ?Sized>(
    x: &X,
    tangent: &'t mut X::Tangent,
    start: usize,
    end: usize,
    lo: isize,
    hi: isize,
) -> Option<&'t mut [X::Elem]> {
    let len = if FLAT { x.lane_flat() } else { x.lane_slice() }?.len();
    let all = if FLAT {
        X::lane_flat_mut(tangent)
    } else {
        X::lane_slice_mut(tangent)
    }?;
    if all.len() != len {
        return None;
    }
    let range = window_range(len, start, end, lo, hi)?;
    Some(&mut all[range])
}

/// The `L` elements of `window` from position `at`: a chunk's reads at one offset.
#[inline]
#[track_caller]
pub fn lane_chunk<T, const L: usize>(window: &[T], at: usize) -> &[T; L] {
    match window[at..at + L].try_into() {
        Ok(chunk) => chunk,
        Err(_) => unreachable!("a slice of length L"),
    }
}

/// The `L` elements of `window` from position `at`, mutably: a chunk's gradient elements (`L` is the
/// chunk's width and the window's span).
#[inline]
#[track_caller]
pub fn lane_chunk_mut<T, const L: usize>(window: &mut [T], at: usize) -> &mut [T; L] {
    match (&mut window[at..at + L]).try_into() {
        Ok(chunk) => chunk,
        Err(_) => unreachable!("a slice of length L"),
    }
}

/// A buffer of one value per lane (its element type is inferred from what the lanes store).
#[inline]
pub fn lane_buf<T: Real, const L: usize>() -> [T; L] {
    [T::zero(); L]
}

/// `*r += g`: a partial added to the element it belongs to, as [`crate::element::index_acc`] adds it.
#[inline]
pub fn lane_add<T: Real>(r: &mut T, g: T) {
    *r += g;
}
