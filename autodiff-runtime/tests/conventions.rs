//! Derivatives at non-differentiable points follow JAX, exactly.
//!
//! References (JAX's `lax` JVP rules):
//! - `abs`: `select(x >= 0, g, -g)`, so abs'(0) = +1 (also at -0.0, which compares `>= 0`).
//! - `max`/`min`: `_balanced_eq`, so a tie gives half of `g` to each side.
//! - `sqrt`: `g * 0.5 / ans`, so sqrt'(0) = +inf.
//! - `sign`: derivative 0 everywhere.
//! - `pow` (d/dx): `select(y == 0, 0, y * x^(y-1))`; (d/dy): `log(_replace_zero(x)) * ans`, i.e. ln 1 at x == 0.
//! - `integer_pow` with n == 0: 0.
//! - `jnp.clip(x, lo, hi) = minimum(hi, maximum(lo, x))`, so a tie with a bound passes half of `g`.

use autodiff_runtime::rules;
use ndarray::{array, Array1, Array2};

#[test]
fn abs_at_zero_takes_plus_one() {
    assert_eq!(rules::abs_vjp(&0.0_f64, &0.0, 1.0), 1.0);
    assert_eq!(rules::abs_vjp(&0.0_f64, &0.0, -3.0), -3.0);
    assert_eq!(rules::abs_vjp(&-0.0_f64, &0.0, 2.0), 2.0);
    assert_eq!(rules::abs_vjp(&0.0_f32, &0.0, 1.0), 1.0);
    assert_eq!(rules::abs_vjp(&-1.5_f64, &1.5, 2.0), -2.0);
    assert_eq!(rules::abs_vjp(&1.5_f64, &1.5, 2.0), 2.0);
    let x = array![-1.0, 0.0, -0.0, 2.0];
    let y = rules::abs(&x);
    assert_eq!(
        rules::abs_vjp(&x, &y, array![1.0, 1.0, 1.0, 1.0]),
        array![-1.0, 1.0, 1.0, 1.0]
    );
}

#[test]
fn max_min_tie_gives_half_to_each_side() {
    for (a, b) in [(2.0_f64, 2.0), (0.0, 0.0), (-1.5, -1.5)] {
        assert_eq!(rules::max_vjp0(&a, &b, 1.0), 0.5);
        assert_eq!(rules::max_vjp1(&a, &b, 1.0), 0.5);
        assert_eq!(rules::min_vjp0(&a, &b, 1.0), 0.5);
        assert_eq!(rules::min_vjp1(&a, &b, 1.0), 0.5);
        assert_eq!(rules::max_vjp0(&a, &b, -4.0), -2.0);
    }
    // 0.0 and -0.0 compare equal: a tie.
    assert_eq!(rules::max_vjp0(&0.0_f64, &-0.0, 1.0), 0.5);
    assert_eq!(rules::min_vjp1(&0.0_f64, &-0.0, 1.0), 0.5);
    assert_eq!(rules::max_vjp0(&3.0_f32, &3.0, 1.0), 0.5);
    // Without a tie the larger (smaller) side takes everything.
    assert_eq!(rules::max_vjp0(&3.0_f64, &2.0, 1.0), 1.0);
    assert_eq!(rules::max_vjp1(&3.0_f64, &2.0, 1.0), 0.0);
    assert_eq!(rules::min_vjp0(&3.0_f64, &2.0, 1.0), 0.0);
    assert_eq!(rules::min_vjp1(&3.0_f64, &2.0, 1.0), 1.0);
}

#[test]
fn max_min_ties_under_broadcasting() {
    let x = array![1.0, 2.0, 3.0];
    let g = array![1.0, 1.0, 1.0];
    // max(x, 2): x gets [0, 1/2, 1]; the scalar gets 1 + 1/2.
    assert_eq!(rules::max_vjp0(&x, &2.0, g.clone()), array![0.0, 0.5, 1.0]);
    assert_eq!(rules::max_vjp1(&x, &2.0, g.clone()), 1.5);
    assert_eq!(rules::min_vjp0(&x, &2.0, g.clone()), array![1.0, 0.5, 0.0]);
    assert_eq!(rules::min_vjp1(&x, &2.0, g.clone()), 1.5);
    // scalar on the left
    assert_eq!(rules::max_vjp0(&2.0, &x, g.clone()), 1.5);
    assert_eq!(rules::max_vjp1(&2.0, &x, g.clone()), array![0.0, 0.5, 1.0]);
    // (2, 1) ⊗ (1, 3): ties on the diagonal of the broadcast
    let a = array![[1.0], [2.0]];
    let b = array![[1.0, 2.0, 3.0]];
    let g = Array2::from_elem((2, 3), 1.0);
    // max: row 0 = max(1, [1,2,3]) -> a: [0.5, 0, 0]; row 1 = max(2, [1,2,3]) -> a: [1, 0.5, 0]
    assert_eq!(rules::max_vjp0(&a, &b, g.clone()), array![[0.5], [1.5]]);
    assert_eq!(rules::max_vjp1(&a, &b, g.clone()), array![[0.5, 1.5, 2.0]]);
    assert_eq!(rules::min_vjp0(&a, &b, g.clone()), array![[2.5], [1.5]]);
    assert_eq!(rules::min_vjp1(&a, &b, g.clone()), array![[1.5, 0.5, 0.0]]);
}

#[test]
fn sqrt_at_zero_is_infinite() {
    assert_eq!(rules::sqrt_vjp(&0.0_f64, &0.0, 1.0), f64::INFINITY);
    assert_eq!(rules::sqrt_vjp(&0.0_f32, &0.0, 1.0), f32::INFINITY);
    assert_eq!(rules::sqrt_vjp(&0.0_f64, &0.0, -1.0), f64::NEG_INFINITY);
    let x = array![0.0, 4.0];
    let y = rules::sqrt(&x);
    assert_eq!(
        rules::sqrt_vjp(&x, &y, array![1.0, 1.0]),
        array![f64::INFINITY, 0.25]
    );
}

#[test]
fn signum_has_zero_derivative() {
    for x in [-2.0_f64, -0.0, 0.0, 3.0] {
        assert_eq!(rules::signum_vjp(&x, &x.signum(), 5.0), 0.0);
    }
    assert_eq!(rules::signum_vjp(&0.0_f32, &1.0, 5.0), 0.0);
    let x = array![-1.0, 0.0, 2.0];
    let y = rules::signum(&x);
    assert_eq!(
        rules::signum_vjp(&x, &y, array![1.0, -1.0, 7.0]),
        Array1::<f64>::zeros(3)
    );
}

#[test]
fn powf_base_derivative_is_zero_where_exponent_is_zero() {
    // Also at a == 0, where b * a^(b - 1) would be 0 * inf = NaN.
    for a in [0.0_f64, 2.0, -3.0, 0.5] {
        assert_eq!(rules::powf_vjp0(&a, &0.0, 1.0), 0.0, "a = {a}");
    }
    assert_eq!(rules::powf_vjp0(&0.0_f32, &0.0, 1.0), 0.0);
    let a = array![0.0, 2.0, 3.0];
    let b = array![0.0, 0.0, 2.0];
    assert_eq!(
        rules::powf_vjp0(&a, &b, array![1.0, 1.0, 1.0]),
        array![0.0, 0.0, 6.0]
    );
    // scalar exponent 0 broadcast over an array base
    assert_eq!(
        rules::powf_vjp0(&a, &0.0, array![1.0, 1.0, 1.0]),
        array![0.0, 0.0, 0.0]
    );
}

#[test]
fn powf_exponent_derivative_uses_ln_one_at_zero_base() {
    // Where a == 0, d/db = ln(1) * a^b = 0, not ln(0) * 0 = NaN.
    for b in [0.0_f64, 0.5, 2.0, 3.0] {
        assert_eq!(rules::powf_vjp1(&0.0_f64, &b, 1.0), 0.0, "b = {b}");
    }
    assert_eq!(rules::powf_vjp1(&0.0_f32, &2.0, 1.0), 0.0);
    // Elsewhere it is ln(a) * a^b.
    assert_eq!(rules::powf_vjp1(&1.0_f64, &2.0, 1.0), 0.0);
    let (a, b) = (2.0_f64, 3.0_f64);
    assert_eq!(rules::powf_vjp1(&a, &b, 1.0), a.ln() * a.powf(b));
    let a = array![0.0, 0.0, 2.0];
    assert_eq!(
        rules::powf_vjp1(&a, &2.0, array![1.0, 1.0, 1.0]),
        2.0_f64.ln() * 4.0
    );
}

#[test]
fn powi_with_zero_exponent_has_zero_derivative() {
    // Also at x == 0, where 0 * x^(-1) would be 0 * inf = NaN.
    for x in [0.0_f64, 2.0, -1.5] {
        assert_eq!(rules::powi_vjp(&x, 0, &1.0, 1.0), 0.0, "x = {x}");
    }
    assert_eq!(rules::powi_vjp(&0.0_f32, 0, &1.0, 1.0), 0.0);
    let x = array![0.0, 1.0, -2.0];
    let y = rules::powi(&x, 0);
    assert_eq!(y, array![1.0, 1.0, 1.0]);
    assert_eq!(
        rules::powi_vjp(&x, 0, &y, array![1.0, 1.0, 1.0]),
        array![0.0, 0.0, 0.0]
    );
    // n == 1 at 0 is the identity's derivative (0^0 = 1).
    assert_eq!(rules::powi_vjp(&0.0_f64, 1, &0.0, 3.0), 3.0);
}

/// `(x̄, lō, hī)` of `clamp(x, lo, hi)` for `g = 1`.
fn clamp_grads(x: f64, lo: f64, hi: f64) -> (f64, f64, f64) {
    let y = rules::clamp(&x, &lo, &hi);
    (
        rules::clamp_vjp0(&x, &lo, &hi, &y, 1.0),
        rules::clamp_vjp1(&x, &lo, &hi, &y, 1.0),
        rules::clamp_vjp2(&x, &lo, &hi, &y, 1.0),
    )
}

#[test]
fn clamp_at_a_bound_gives_half() {
    // minimum(hi, maximum(lo, x)):
    assert_eq!(clamp_grads(-1.0, -1.0, 2.0), (0.5, 0.5, 0.0)); // x == lo
    assert_eq!(clamp_grads(2.0, -1.0, 2.0), (0.5, 0.0, 0.5)); // x == hi
    assert_eq!(clamp_grads(0.5, -1.0, 2.0), (1.0, 0.0, 0.0)); // inside
    assert_eq!(clamp_grads(-3.0, -1.0, 2.0), (0.0, 1.0, 0.0)); // below
    assert_eq!(clamp_grads(5.0, -1.0, 2.0), (0.0, 0.0, 1.0)); // above
                                                              // lo == hi: maximum gives lo everything (x < lo) and then minimum ties.
    assert_eq!(clamp_grads(0.0, 1.0, 1.0), (0.0, 0.5, 0.5));
    assert_eq!(clamp_grads(3.0, 1.0, 1.0), (0.0, 0.0, 1.0));
    // x == lo == hi: maximum ties (x, lo: 1/2 each of what passes), then minimum ties (1/2 passes).
    assert_eq!(clamp_grads(1.0, 1.0, 1.0), (0.25, 0.25, 0.5));
    // f32 and arrays
    let y = rules::clamp(&0.0_f32, &0.0, &1.0);
    assert_eq!(rules::clamp_vjp0(&0.0_f32, &0.0, &1.0, &y, 1.0), 0.5);
    let x = array![-2.0, -1.0, 0.0, 2.0, 3.0];
    let y = rules::clamp(&x, &-1.0, &2.0);
    assert_eq!(y, array![-1.0, -1.0, 0.0, 2.0, 2.0]);
    let g = Array1::from_elem(5, 2.0);
    assert_eq!(
        rules::clamp_vjp0(&x, &-1.0, &2.0, &y, g.clone()),
        array![0.0, 1.0, 2.0, 1.0, 0.0]
    );
    assert_eq!(rules::clamp_vjp1(&x, &-1.0, &2.0, &y, g.clone()), 3.0);
    assert_eq!(rules::clamp_vjp2(&x, &-1.0, &2.0, &y, g.clone()), 3.0);
}

#[test]
fn hypot_at_origin_splits_in_halves() {
    // JAX's value: jnp.hypot's rewrite through maximum/minimum splits the tie at the origin.
    assert_eq!(rules::hypot_vjp0(&0.0_f64, &0.0, 1.0), 0.5);
    assert_eq!(rules::hypot_vjp1(&0.0_f64, &0.0, 1.0), 0.5);
    assert_eq!(rules::hypot_vjp0(&0.0_f32, &0.0, 1.0), 0.5);
    let a = array![0.0, 3.0];
    assert_eq!(rules::hypot_vjp1(&a, &0.0, array![1.0, 1.0]), 0.5);
    assert_eq!(
        rules::hypot_vjp0(&a, &0.0, array![1.0, 1.0]),
        array![0.5, 1.0]
    );
}

#[test]
fn product_with_zeros_is_exact() {
    // One zero: only the zero's gradient is nonzero (the product of the others).
    assert_eq!(
        rules::product_vjp(&array![2.0, 0.0, 3.0], 1.0),
        array![0.0, 6.0, 0.0]
    );
    assert_eq!(
        rules::product_vjp(&array![2.0, 0.0, 3.0], -2.0),
        array![-0.0, -12.0, -0.0]
    );
    // Two zeros: every gradient is zero.
    assert_eq!(
        rules::product_vjp(&array![0.0, 5.0, 0.0], 1.0),
        array![0.0, 0.0, 0.0]
    );
    // No zero, as a matrix.
    assert_eq!(
        rules::product_vjp(&array![[1.0, 2.0], [3.0, 4.0]], 1.0),
        array![[24.0, 12.0], [8.0, 6.0]]
    );
}
