//! Broadcasting and its reverse: the common shape of two operands, and summing a gradient back to an
//! operand's shape. Every rule that broadcasts goes through here.

use crate::real::Real;
use ndarray::{Array, ArrayView, Axis, Dimension};

/// The shape that `a` and `b` broadcast to (NumPy's rule: align on the right; each pair of lengths is
/// equal or one of them is 1), as the dimension type `Out`.
///
/// # Panics
/// If the shapes are not compatible, naming both.
#[track_caller]
pub fn broadcast_shape<Out: Dimension>(a: &[usize], b: &[usize]) -> Out {
    let ndim = a.len().max(b.len());
    let mut out = Out::zeros(ndim);
    let dims = out.slice_mut();
    for k in 0..ndim {
        let la = if k + a.len() >= ndim {
            a[k + a.len() - ndim]
        } else {
            1
        };
        let lb = if k + b.len() >= ndim {
            b[k + b.len() - ndim]
        } else {
            1
        };
        dims[k] = if la == lb || lb == 1 {
            la
        } else if la == 1 {
            lb
        } else {
            panic!("shapes {a:?} and {b:?} cannot be broadcast together");
        };
    }
    out
}

/// `view` broadcast to the shape `to`.
#[inline]
#[track_caller]
pub fn broadcast_to<'a, F, D: Dimension, E: Dimension>(
    view: &'a ArrayView<'a, F, D>,
    to: &E,
) -> ArrayView<'a, F, E> {
    // A `match`, not `unwrap_or_else`: a closure would break the `#[track_caller]` chain, and the panic
    // would name this line instead of the user's expression.
    match view.broadcast(to.clone()) {
        Some(out) => out,
        None => panic!(
            "cannot broadcast shape {:?} to {:?}",
            view.shape(),
            to.slice()
        ),
    }
}

/// [`sum_to`] of a borrowed gradient: a copy where the shapes agree, else sums of it (no copy first).
/// The same bits as [`sum_to`] of a copy.
#[track_caller]
pub fn sum_to_ref<F: Real, G: Dimension, T: Dimension>(g: &Array<F, G>, target: &T) -> Array<F, T> {
    if g.shape() == target.slice() {
        return g
            .clone()
            .into_dimensionality::<T>()
            .expect("same shape, same number of axes");
    }
    if let Some(rows) = sum_rows(&g.view(), target) {
        return rows;
    }
    let v = g.view().into_dyn();
    // The first reduction `sum_to` would make, from the view; the rest as `sum_to` makes them.
    let first = if v.ndim() > target.ndim() {
        v.sum_axis(Axis(0))
    } else {
        match (0..target.ndim()).find(|&k| target.slice()[k] == 1 && v.shape()[k] != 1) {
            Some(k) => v.sum_axis(Axis(k)).insert_axis(Axis(k)),
            None => v.to_owned(),
        }
    };
    sum_to(first, target)
}

/// Sums the gradient `g` of a broadcast result back to the operand shape `target`: leading axes that the
/// operand lacks are summed away, and axes where the operand has length 1 are summed keeping the axis.
/// Where the shapes already agree this is a move, with no copy.
#[track_caller]
pub fn sum_to<F: Real, G: Dimension, T: Dimension>(g: Array<F, G>, target: &T) -> Array<F, T> {
    if g.shape() == target.slice() {
        return g
            .into_dimensionality::<T>()
            .expect("same shape, same number of axes");
    }
    if let Some(rows) = sum_rows(&g.view(), target) {
        return rows;
    }
    let mut g = g.into_dyn();
    while g.ndim() > target.ndim() {
        g = g.sum_axis(Axis(0));
    }
    for (k, &len) in target.slice().iter().enumerate() {
        if len == 1 && g.shape()[k] != 1 {
            g = g.sum_axis(Axis(k)).insert_axis(Axis(k));
        }
    }
    assert_eq!(
        g.shape(),
        target.slice(),
        "gradient cannot be summed to the operand's shape"
    );
    g.into_dimensionality::<T>()
        .expect("same shape, same number of axes")
}

/// The bias cases of [`sum_to`], over slices, with its bits (`g` in standard layout, shapes unequal):
/// to one element from one axis of length above 1, `g`'s sum; or with one leading axis more than
/// `target` and the others `target`'s shape (of at least two elements), the rows added in order onto
/// zeros, as `sum_axis(Axis(0))` adds them. Its dynamic-dimension passes took 18 µs for W4's bias
/// gradient (256 rows of 128), and 19 µs for its output bias (256 rows of one).
fn sum_rows<F: Real, G: Dimension, T: Dimension>(
    g: &ArrayView<'_, F, G>,
    target: &T,
) -> Option<Array<F, T>> {
    let n = target.size();
    let flat = g.as_slice()?;
    if n == 1 && g.shape().iter().filter(|&&len| len > 1).count() <= 1 {
        // One axis to sum (a scalar bias): `sum_axis` sums it as a contiguous lane, as `sum` does.
        return Some(Array::from_elem(target.clone(), g.sum()));
    }
    if g.ndim() != target.ndim() + 1 || g.shape()[1..] != *target.slice() || n < 2 {
        return None;
    }
    let mut out = vec![F::zero(); n];
    for row in flat.chunks_exact(n) {
        for (o, &v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
    Array::from_shape_vec(target.clone(), out).ok()
}
