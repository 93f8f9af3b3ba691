//! Fused kernels against the unfused rules they stand for: the same value (to the bit, for a
//! standard-layout chain) and the same gradients, with broadcasting and scalar operands.

use autodiff_runtime::rules;
use ndarray::{Array, Array1, Array2};

fn vec_x(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.37 * i as f64 + 0.1).sin() * 1.5)
}

fn vec_y(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (0.11 * i as f64).cos())
}

#[test]
fn a_fused_sum_has_the_bits_of_the_unfused_sum() {
    for n in [0, 1, 7, 8, 9, 1000, 1003] {
        let (x, y) = (vec_x(n), vec_y(n));
        let unfused = rules::sum(&rules::powi(&rules::sub(&x, &y), 2));
        let fused = rules::fused_sum2(&x, &y, |x, y| {
            let d = x - y;
            d * d
        });
        assert_eq!(fused.to_bits(), unfused.to_bits(), "n = {n}");
    }
}

#[test]
fn the_reverse_of_a_fused_sum_gives_the_unfused_gradients() {
    let (x, y) = (vec_x(1003), vec_y(1003));
    let g = 0.75;
    // Unfused: s = sum(d * d), d = x - y.
    let d = rules::sub(&x, &y);
    let t = rules::mul(&d, &d);
    let t_bar = rules::sum_vjp(&t, g);
    let d_bar = rules::mul_vjp0(&d, &d, t_bar.clone()) + rules::mul_vjp1(&d, &d, t_bar);
    let x_bar = rules::sub_vjp0(&x, &y, d_bar.clone());
    let y_bar = rules::sub_vjp1(&x, &y, d_bar);
    let (fx, fy) = rules::fused_sum2_vjp(&x, &y, g, |x, y, g| {
        let d = x - y;
        let d_bar = g * d + g * d;
        (d_bar, -d_bar)
    });
    assert_eq!(fx, x_bar);
    assert_eq!(fy, y_bar);
}

#[test]
fn scalars_and_broadcast_operands_get_summed_gradients() {
    let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f64 * 0.1 - 0.4);
    let row = Array1::from_vec(vec![0.5, -1.0, 2.0]);
    let w = 1.3;
    let f = |m: f64, r: f64, w: f64| (m * w + r).tanh();
    let value = rules::fused_sum3(&m, &row, &w, f);
    let want: f64 = (0..4)
        .flat_map(|i| (0..3).map(move |j| (i, j)))
        .map(|(i, j)| f(m[[i, j]], row[j], w))
        .sum();
    assert!((value - want).abs() < 1e-12);
    let (gm, grow, gw) = rules::fused_sum3_vjp(&m, &row, &w, 1.0, |m, r, w, g| {
        let t = (m * w + r).tanh();
        let dt = g * (1.0 - t * t);
        (dt * w, dt, dt * m)
    });
    assert_eq!(gm.shape(), &[4, 3]);
    assert_eq!(grow.shape(), &[3]);
    // Against central differences of the value.
    let h = 1e-6;
    let fd_w = (rules::fused_sum3(&m, &row, &(w + h), f)
        - rules::fused_sum3(&m, &row, &(w - h), f))
        / (2.0 * h);
    assert!(
        (gw - fd_w).abs() < 1e-6 * fd_w.abs().max(1.0),
        "{gw} {fd_w}"
    );
    for j in 0..3 {
        let mut up = row.clone();
        up[j] += h;
        let mut down = row.clone();
        down[j] -= h;
        let fd =
            (rules::fused_sum3(&m, &up, &w, f) - rules::fused_sum3(&m, &down, &w, f)) / (2.0 * h);
        assert!((grow[j] - fd).abs() < 1e-6, "{j}: {} {fd}", grow[j]);
    }
    let mut up = m.clone();
    up[[2, 1]] += h;
    let mut down = m.clone();
    down[[2, 1]] -= h;
    let fd =
        (rules::fused_sum3(&up, &row, &w, f) - rules::fused_sum3(&down, &row, &w, f)) / (2.0 * h);
    assert!((gm[[2, 1]] - fd).abs() < 1e-6);
}

#[test]
fn a_strided_operand_is_read_in_the_kernel_order() {
    let m = Array::from_shape_fn((3, 5), |(i, j)| (i * 5 + j) as f64);
    let t = m.t();
    let s = rules::fused_sum1(&t, |v| v * v);
    let want: f64 = m.iter().map(|v| v * v).sum();
    assert_eq!(s, want);
    let g = rules::fused_sum1_vjp(&t, 2.0, |v, g| g * 2.0 * v);
    assert_eq!(g, t.mapv(|v| 4.0 * v));
}

#[test]
#[should_panic(expected = "cannot be broadcast together")]
fn shapes_that_do_not_broadcast_are_reported() {
    let _ = rules::fused_sum2(&vec_x(3), &vec_y(4), |x, y| x * y);
}

#[test]
fn a_kernel_with_its_reverse_in_one_pass_gives_the_bits_of_both() {
    // Every remainder of the blocks of eight, f64 and f32, an array and a broadcast scalar operand.
    for n in [0, 1, 7, 8, 9, 15, 16, 17, 1003] {
        let (x, y) = (vec_x(n), vec_y(n));
        let w = 0.6;
        let f = |x: f64, y: f64, w: f64| (x * w - y) * (x * w - y);
        let df = |x: f64, y: f64, w: f64, g: f64| {
            let d = g * 2.0 * (x * w - y);
            (d * w, -d, d * x)
        };
        let value = rules::fused_sum3(&x, &y, &w, f);
        let grads: (Array1<f64>, Array1<f64>, f64) = rules::fused_sum3_vjp(&x, &y, &w, 1.0, df);
        let (v, (gx, gy, gw)): (f64, (Array1<f64>, Array1<f64>, f64)) =
            rules::fused_sum3_value_vjp(&x, &y, &w, |x, y, w, g| (f(x, y, w), df(x, y, w, g)));
        assert_eq!(v.to_bits(), value.to_bits(), "n = {n}");
        assert_eq!(
            (&gx, &gy, gw.to_bits()),
            (&grads.0, &grads.1, grads.2.to_bits())
        );

        let xf = x.mapv(|v| v as f32);
        let value = rules::fused_sum1(&xf, |x| x * x);
        let (v, g) = rules::fused_sum1_value_vjp(&xf, |x, g| (x * x, g * 2.0 * x));
        assert_eq!(v.to_bits(), value.to_bits(), "f32, n = {n}");
        assert_eq!(g, rules::fused_sum1_vjp(&xf, 1.0, |x, g| g * 2.0 * x));
        // The value is also the unfused sum's, to the bit.
        assert_eq!(v.to_bits(), rules::sum(&rules::mul(&xf, &xf)).to_bits());
    }
}

#[test]
fn a_mean_kernel_with_its_reverse_in_one_pass_seeds_each_element_one_over_n() {
    for n in [1, 9, 1003] {
        let x = vec_x(n);
        let value = rules::fused_mean1(&x, |x| x.exp());
        let grad = rules::fused_mean1_vjp(&x, 1.0, |x, g| g * x.exp());
        let (v, g) = rules::fused_mean1_value_vjp(&x, |x, g| (x.exp(), g * x.exp()));
        assert_eq!(v.to_bits(), value.to_bits(), "n = {n}");
        assert_eq!(g, grad);
    }
}

#[test]
fn rescaled_partials_are_the_reverse_for_another_seed() {
    let (x, y) = (vec_x(1003), vec_y(1003));
    let df = |x: f64, y: f64, g: f64| {
        let d = g * 2.0 * (x - y);
        (d, -d)
    };
    let (_, (gx, gy)) =
        rules::fused_sum2_value_vjp(&x, &y, |x, y, g| ((x - y) * (x - y), df(x, y, g)));
    // Seed one: the partials themselves (no pass over them).
    let same = rules::rescale(gx.clone(), 1.0);
    assert_eq!(same, gx);
    // Another seed: the reverse for that seed, to rounding (the seed multiplies last, not first).
    for seed in [0.75, -3.0, 1e-3] {
        let (want_x, want_y) = rules::fused_sum2_vjp(&x, &y, seed, df);
        let (got_x, got_y) = (
            rules::rescale(gx.clone(), seed),
            rules::rescale(gy.clone(), seed),
        );
        for (got, want) in got_x.iter().chain(&got_y).zip(want_x.iter().chain(&want_y)) {
            assert!(
                (got - want).abs() <= 2.0 * f64::EPSILON * want.abs(),
                "{got} {want}"
            );
        }
    }
    assert_eq!(rules::rescale(2.5f64, -2.0), -5.0);
}

/// `sum((b - a^2)^2)` over `a = x.slice(sa)`, `b = x.slice(sb)` read in place, and its gradient
/// against the unfused rules (`slice`, then the chain, then `slice_vjp` of each).
fn sliced_pair<D, I, J>(x: &Array<f64, D>, sa: I, sb: J)
where
    D: ndarray::Dimension,
    I: ndarray::SliceArg<D, OutDim = D> + Copy,
    J: ndarray::SliceArg<D, OutDim = D> + Copy,
{
    let f = |a: f64, b: f64| (b - a * a) * (b - a * a);
    let df = |a: f64, b: f64, g: f64| {
        let d = g * 2.0 * (b - a * a);
        (-2.0 * a * d, d)
    };
    let (a, b) = (rules::slice(x, sa), rules::slice(x, sb));
    let value = rules::fused_sum2(&a, &b, f);
    let (ga, gb) = rules::fused_sum2_vjp(&a, &b, 0.5, df);
    let want = rules::slice_vjp(x, sa, ga) + rules::slice_vjp(x, sb, gb);
    let (va, vb) = (rules::sliced(x, sa), rules::sliced(x, sb));
    assert_eq!(rules::fused_sum2(&va, &vb, f).to_bits(), value.to_bits());
    let (ga, gb) = rules::fused_sum2_vjp(&va, &vb, 0.5, df);
    assert_eq!(ga.shape(), x.shape());
    assert_eq!(ga + gb, want);
    let (v, (ga, gb)) = rules::fused_sum2_value_vjp(&va, &vb, |a, b, g| (f(a, b), df(a, b, g)));
    assert_eq!(v.to_bits(), value.to_bits());
    assert_eq!(rules::rescale(ga + gb, 0.5), want);

    // Both slices adding into one buffer of `x`'s shape, the second's gradient: an element gets at
    // most one partial of each slice, so the sum has the bits of the two gradients added.
    let shared = rules::shared_grad(x);
    let (va, vb) = (
        rules::sliced_into(x, sa, &shared),
        rules::sliced_owner(x, sb, &shared),
    );
    assert_eq!(rules::fused_sum2(&va, &vb, f).to_bits(), value.to_bits());
    let (rules::Merged, g) = rules::fused_sum2_vjp(&va, &vb, 0.5, df);
    assert_eq!(g, want);
    let shared = rules::shared_grad(x);
    let (va, vb) = (
        rules::sliced_into(x, sa, &shared),
        rules::sliced_owner(x, sb, &shared),
    );
    let (v, (rules::Merged, g)) =
        rules::fused_sum2_value_vjp(&va, &vb, |a, b, g| (f(a, b), df(a, b, g)));
    assert_eq!(v.to_bits(), value.to_bits());
    assert_eq!(rules::rescale(g, 0.5), want);
}

#[test]
fn a_slice_read_in_place_gives_the_gradient_of_the_slice() {
    use ndarray::s;
    // Contiguous slices of a vector (written straight into the whole gradient).
    let x = vec_x(1003);
    sliced_pair(&x, s![..-1], s![1..]);
    sliced_pair(&x, s![2..9], s![0..7]);
    // Strided and reversed slices, and column slices of a matrix (their own buffer, then placed).
    sliced_pair(&x, s![..-1;2], s![1..;2]);
    sliced_pair(&x, s![..;-1], s![..]);
    let m = Array2::from_shape_fn((5, 6), |(i, j)| (i as f64 - 0.3 * j as f64).sin());
    sliced_pair(&m, s![1.., ..], s![..-1, ..]);
    sliced_pair(&m, s![.., 1..], s![.., ..-1]);
    // A transposed array (not in standard layout).
    let t = m.t().to_owned();
    sliced_pair(&t.t().to_owned(), s![.., 1..], s![.., ..-1]);
    let view = t.t();
    let value = rules::fused_sum1(&rules::sliced(&view, s![.., 1..]), |v| v * v);
    assert_eq!(
        value,
        rules::sum(&rules::powi(&rules::slice(&view, s![.., 1..]), 2))
    );
    let g = rules::fused_sum1_vjp(&rules::sliced(&view, s![.., 1..]), 1.0, |v, g| g * 2.0 * v);
    assert_eq!(
        g,
        rules::slice_vjp(&view, s![.., 1..], rules::slice(&view, s![.., 1..]) * 2.0)
    );
}

#[test]
fn a_broadcast_slice_sums_its_partials_back_into_the_slice() {
    use ndarray::s;
    let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f64 * 0.1);
    let x = vec_x(10);
    // `m * x.slice(s![2..5])`: the slice broadcast over the rows of `m`.
    let g = rules::fused_sum2_vjp(&m, &rules::sliced(&x, s![2..5]), 1.0, |m, v, g| {
        (g * v, g * m)
    });
    let mut want = Array1::zeros(10);
    for j in 0..3 {
        want[2 + j] = m.column(j).sum();
    }
    assert_eq!(g.1, want);
}

#[test]
#[should_panic(expected = "slice end 12 is past the end of axis 0 of length 10")]
fn a_slice_out_of_bounds_is_reported() {
    let _ = rules::sliced(&vec_x(10), ndarray::s![2..12]);
}

#[test]
fn three_slices_of_one_array_add_into_one_buffer() {
    use ndarray::s;
    // `sum(a * b * c)` over `x[..-2]`, `x[1..-1]`, `x[2..]`, in every order of the owner, for every
    // remainder of the block of eight, against the unfused rules (to rounding: an element gets three
    // partials, added in another order).
    let df = |a: f64, b: f64, c: f64, g: f64| (g * b * c, g * a * c, g * a * b);
    for n in [3, 4, 10, 17, 64, 1003] {
        let x = vec_x(n);
        let (sa, sb, sc) = (s![..-2], s![1..n - 1], s![2..]);
        let (a, b, c) = (
            rules::slice(&x, sa),
            rules::slice(&x, sb),
            rules::slice(&x, sc),
        );
        let (ga, gb, gc) = rules::fused_sum3_vjp(&a, &b, &c, -1.5, df);
        let want = rules::slice_vjp(&x, sa, ga)
            + rules::slice_vjp(&x, sb, gb)
            + rules::slice_vjp(&x, sc, gc);
        let shared = rules::shared_grad(&x);
        let (rules::Merged, rules::Merged, g) = rules::fused_sum3_vjp(
            &rules::sliced_into(&x, sa, &shared),
            &rules::sliced_into(&x, sb, &shared),
            &rules::sliced_owner(&x, sc, &shared),
            -1.5,
            df,
        );
        let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (got, want) in g.iter().zip(&want) {
            assert!(
                (got - want).abs() <= 4.0 * f64::EPSILON * scale,
                "{n}: {got} != {want}"
            );
        }
        // A strided slice (its own zeroed buffer, added in after the loop) before the owner.
        let half = s![..n.div_ceil(2)];
        let shared = rules::shared_grad(&x);
        let (rules::Merged, g) = rules::fused_sum2_vjp(
            &rules::sliced_into(&x, s![..;2], &shared),
            &rules::sliced_owner(&x, half, &shared),
            1.0,
            |a, b, g| (g * b, g * a),
        );
        let (p, q) = (rules::slice(&x, s![..;2]), rules::slice(&x, half));
        let want =
            rules::slice_vjp(&x, s![..;2], q.to_owned()) + rules::slice_vjp(&x, half, p.to_owned());
        assert_eq!(g, want, "{n}");
    }
}

#[test]
#[should_panic(expected = "the kernel's last slice of the array")]
fn an_owner_before_another_slice_of_its_array_is_reported() {
    use ndarray::s;
    let x = vec_x(9);
    let shared = rules::shared_grad(&x);
    let _ = rules::fused_sum2_vjp(
        &rules::sliced_owner(&x, s![..5], &shared),
        &rules::sliced_into(&x, s![..;2], &shared),
        1.0,
        |a, b, g| (g * b, g * a),
    );
}

#[test]
fn broadcast_slices_add_their_summed_partials_into_the_shared_buffer() {
    use ndarray::s;
    let m = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f64 * 0.1 - 0.4);
    let x = vec_x(10);
    // `sum(m * x[2..5] * x[..3])`, both slices broadcast over the rows of `m`.
    let shared = rules::shared_grad(&x);
    let ((), rules::Merged, g) = rules::fused_sum3_vjp(
        &rules::NoGrad(&m),
        &rules::sliced_into(&x, s![2..5], &shared),
        &rules::sliced_owner(&x, s![..3], &shared),
        1.0,
        |m, a, b, g| (g * a * b, g * m * b, g * m * a),
    );
    let mut want = Array1::<f64>::zeros(10);
    for j in 0..3 {
        let column = m.column(j).sum();
        want[2 + j] += column * x[j];
        want[j] += column * x[2 + j];
    }
    for (got, want) in g.iter().zip(&want) {
        assert!((got - want).abs() <= 1e-15, "{got} != {want}");
    }
}

/// The pair kernel at constant offsets (Rosenbrock's `x[..-1]`, `x[1..]`, and `x[2..]` with `x[..-2]`)
/// gives the bits of the general kernel over the same slices sharing one buffer, the value and every
/// element of the gradient (and the seeded reverse alone); `pair_at` takes it only where both slices are where the offsets say and
/// of one length. Both ways of the neighbouring offsets (the partial of the iteration before shifted
/// between lanes, or evaluated again) give those bits.
#[test]
fn the_pair_kernel_has_the_bits_of_the_shared_slices_kernel() {
    pair_kernel_bits::<false>();
    pair_kernel_bits::<true>();
}

fn pair_kernel_bits<const RECOMPUTE: bool>() {
    use ndarray::s;
    let f = |a: f64, b: f64| 100.0 * (b - a * a).powi(2) + (1.0 - a).powi(2);
    let df = |a: f64, b: f64, g: f64| {
        let d = b - a * a;
        (g * (-400.0 * a * d - 2.0 * (1.0 - a)), g * 200.0 * d)
    };
    for n in [3usize, 8, 9, 16, 17, 25, 1003] {
        let x = vec_x(n);
        let shared = rules::shared_grad(&x);
        let (va, vb) = (
            rules::sliced_into(&x, s![..-1], &shared),
            rules::sliced_owner(&x, s![1..], &shared),
        );
        let (v, (rules::Merged, g)) =
            rules::fused_sum2_value_vjp(&va, &vb, |a, b, g| (f(a, b), df(a, b, g)));
        let len = rules::pair_at(
            rules::slice_at(&x, s![..-1], 0),
            rules::slice_at(&x, s![1..], 1),
        )
        .expect("contiguous slices at 0 and 1");
        assert_eq!(len, n - 1);
        let (pv, (rules::Merged, pg)) =
            rules::pair_sum_value_vjp::<_, 0, 1, RECOMPUTE>(&x, len, |a, b, g| {
                (f(a, b), df(a, b, g))
            });
        assert_eq!(pv.to_bits(), v.to_bits(), "value, n = {n}");
        assert!(
            pg.iter().zip(&g).all(|(a, b)| a.to_bits() == b.to_bits()),
            "gradient, n = {n}"
        );
        // The reverse alone, for a seed.
        let shared = rules::shared_grad(&x);
        let (va, vb) = (
            rules::sliced_into(&x, s![..-1], &shared),
            rules::sliced_owner(&x, s![1..], &shared),
        );
        let (rules::Merged, g) = rules::fused_sum2_vjp(&va, &vb, 0.75, df);
        let (rules::Merged, pg) = rules::pair_sum_vjp::<_, 0, 1, RECOMPUTE>(&x, len, 0.75, df);
        assert!(
            pg.iter().zip(&g).all(|(a, b)| a.to_bits() == b.to_bits()),
            "seeded gradient, n = {n}"
        );
        // Offsets 2 and 0.
        let len = rules::pair_at(
            rules::slice_at(&x, s![2..], 2),
            rules::slice_at(&x, s![..-2], 0),
        )
        .expect("contiguous slices at 2 and 0");
        let shared = rules::shared_grad(&x);
        let (va, vb) = (
            rules::sliced_into(&x, s![2..], &shared),
            rules::sliced_owner(&x, s![..-2], &shared),
        );
        let (v, (rules::Merged, g)) =
            rules::fused_sum2_value_vjp(&va, &vb, |a, b, g| (f(a, b), df(a, b, g)));
        let (pv, (rules::Merged, pg)) =
            rules::pair_sum_value_vjp::<_, 2, 0, RECOMPUTE>(&x, len, |a, b, g| {
                (f(a, b), df(a, b, g))
            });
        assert_eq!(pv.to_bits(), v.to_bits());
        assert!(pg.iter().zip(&g).all(|(a, b)| a.to_bits() == b.to_bits()));
    }
    // Offsets a block apart (the widest the buffered pass takes), one further (the plain loop), and equal.
    fn pair_against_general<const K0: usize, const K1: usize>(
        n: usize,
        f: impl Fn(f64, f64) -> f64,
    ) {
        let df = |a: f64, b: f64, g: f64| (g * f(a, b) * b, g * (a - f(b, a)));
        let x = vec_x(n);
        let (m0, m1) = (n - K0.max(K1) + K0, n - K0.max(K1) + K1);
        let len = rules::pair_at(
            rules::slice_at(&x, s![K0..m0], K0),
            rules::slice_at(&x, s![K1..m1], K1),
        )
        .expect("contiguous slices at the offsets");
        let shared = rules::shared_grad(&x);
        let (va, vb) = (
            rules::sliced_into(&x, s![K0..m0], &shared),
            rules::sliced_owner(&x, s![K1..m1], &shared),
        );
        let (v, (rules::Merged, g)) =
            rules::fused_sum2_value_vjp(&va, &vb, |a, b, g| (f(a, b), df(a, b, g)));
        let (pv, (rules::Merged, pg)) =
            rules::pair_sum_value_vjp::<_, K0, K1, false>(&x, len, |a, b, g| {
                (f(a, b), df(a, b, g))
            });
        assert_eq!(
            pv.to_bits(),
            v.to_bits(),
            "value, offsets {K0} and {K1}, n = {n}"
        );
        assert!(
            pg.iter().zip(&g).all(|(a, b)| a.to_bits() == b.to_bits()),
            "gradient, offsets {K0} and {K1}, n = {n}: {pg} against {g}"
        );
    }
    for n in [10usize, 17, 26, 27, 40, 301] {
        pair_against_general::<0, 8>(n, f);
        pair_against_general::<8, 0>(n, f);
        pair_against_general::<0, 9>(n, f);
        pair_against_general::<3, 3>(n, f);
        pair_against_general::<1, 4>(n, f);
    }
    // Not where the offsets say, or of different lengths: the general kernel.
    let x = vec_x(10);
    assert_eq!(rules::slice_at(&x, s![1..], 0), None);
    assert_eq!(
        rules::pair_at(
            rules::slice_at(&x, s![..-1], 0),
            rules::slice_at(&x, s![2..], 2)
        ),
        None
    );
    let t = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64);
    let column = t.column(1);
    assert_eq!(rules::slice_at(&column, s![1..], 1), None);
}
