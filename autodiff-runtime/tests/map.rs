//! Map kernels against the unfused rules they stand for: every output array equal, sums and means
//! with the bits of `ndarray`'s, and no kernel where the arrays' shapes differ.

use autodiff_runtime::rules;
use ndarray::{Array1, Array2, ArrayD, IxDyn};

fn vec_x(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.37 * i as f64 + 0.1).sin() * 1.5)
}

#[test]
fn a_map_kernel_gives_the_unfused_arrays_and_sums_bit_for_bit() {
    for n in [1, 7, 8, 9, 16, 1003] {
        let x = vec_x(n);
        let y = x.mapv(|v| v.cos());
        let s = 0.75;
        let shape = rules::map_shape(&(&x, &y, &s)).expect("one shape");
        assert_eq!(shape, IxDyn(&[n]));
        let (a, b, sum, mean): (ArrayD<f64>, ArrayD<f64>, f64, f64) =
            rules::map_kernel(&shape, (&x, &y, &s), |(x, y, s)| {
                let a = rules::mul(&x, &y);
                let b = rules::add(&rules::exp(&a), &s);
                (a, b, rules::Summed(b), rules::Meaned(a))
            });
        let want_a = rules::mul(&x, &y);
        let want_b = rules::add(&rules::exp(&want_a), &s);
        assert_eq!(a, want_a.clone().into_dyn());
        assert_eq!(b, want_b.clone().into_dyn());
        assert_eq!(sum.to_bits(), rules::sum(&want_b).to_bits(), "{n}");
        assert_eq!(mean.to_bits(), rules::mean(&want_a).to_bits(), "{n}");
        let a: Array1<f64> = rules::from_kernel(a);
        assert_eq!(a, want_a);
    }
}

#[test]
fn an_empty_kernel_gives_empty_arrays_and_zero_sums() {
    let x = Array1::<f64>::zeros(0);
    let shape = rules::map_shape(&(&x,)).unwrap();
    let (a, s): (ArrayD<f64>, f64) = rules::map_kernel(&shape, (&x,), |(x,)| (x, rules::Summed(x)));
    assert_eq!(a.shape(), &[0]);
    assert_eq!(s.to_bits(), rules::sum(&x).to_bits());
}

#[test]
#[should_panic(expected = "mean of an empty array")]
fn the_mean_of_an_empty_kernel_is_reported_as_the_unfused_mean_is() {
    let x = Array1::<f64>::zeros(0);
    let shape = rules::map_shape(&(&x,)).unwrap();
    let (_,): (f64,) = rules::map_kernel(&shape, (&x,), |(x,)| (rules::Meaned(x),));
}

#[test]
fn arrays_of_different_shapes_make_no_kernel() {
    let m = Array2::<f64>::zeros((3, 4));
    let row = Array1::<f64>::zeros(4);
    assert_eq!(rules::map_shape(&(&m, &row)), None);
    assert_eq!(rules::map_shape(&(&m, &2.0)), Some(IxDyn(&[3, 4])));
    // Scalars only: one position.
    assert_eq!(rules::map_shape(&(&1.0f64, &2.0f64)), Some(IxDyn(&[])));
    // A 2-D kernel over a transposed operand reads it in row-major order.
    let t = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f64).reversed_axes();
    let u = Array2::from_shape_fn((3, 4), |(i, j)| (i + j) as f64);
    let shape = rules::map_shape(&(&t, &u)).unwrap();
    let (p,): (ArrayD<f64>,) = rules::map_kernel(&shape, (&t, &u), |(t, u)| (t - u,));
    assert_eq!(p, (&t - &u).into_dyn());
}
