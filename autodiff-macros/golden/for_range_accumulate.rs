#[allow(dead_code)]
fn rosenbrock(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}
///The gradient of [`rosenbrock`] with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn rosenbrock_grad(x: &Array1<f64>) -> Array1<f64> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let mut s = 0.0;
    let mut s_carried: f64 = (s);
    let mut x_bar = __ad::zero_tangent(&x);
    let mut s_carried_bar = __ad::zero_tangent(&s_carried);
    let s_3_bar = __ad::one::<f64>();
    {
        let contribution = __ad::snapshot_vjp(&s_carried, s_3_bar);
        __ad::acc(&mut s_carried_bar, contribution);
    }
    {
        let __lane_start: usize = 0;
        let __lane_end: usize = x.len() - 1;
        if let (
            ::core::option::Option::Some(__lane_x0),
            ::core::option::Option::Some(__lane_g0),
        ) = (
            __ad::lane_window::<false, _>(&x, __lane_start, __lane_end, 0isize, 1isize),
            __ad::lane_window_mut::<
                false,
                _,
            >(&x, &mut x_bar, __lane_start, __lane_end, 0isize, 1isize),
        ) {
            let __lane_n = __lane_end - __lane_start;
            let mut __lane_g0_r0 = __lane_g0[0usize];
            let mut __lane_j = 0usize;
            while __lane_j + __ad::LANES <= __lane_n {
                let __lane_c0: &[_; __ad::LANES] = __ad::lane_chunk(
                    __lane_x0,
                    __lane_j + 1usize,
                );
                let __lane_c1: &[_; __ad::LANES] = __ad::lane_chunk(
                    __lane_x0,
                    __lane_j + 0usize,
                );
                let __lane_gc0: &mut [_; __ad::LANES + 1usize] = __ad::lane_chunk_mut(
                    __lane_g0,
                    __lane_j,
                );
                let mut __lane_b0: [_; __ad::LANES] = __ad::lane_buf();
                let mut __lane_b1: [_; __ad::LANES] = __ad::lane_buf();
                let mut __lane_b2: [_; __ad::LANES] = __ad::lane_buf();
                for __lane_k in 0..__ad::LANES {
                    let i = __lane_start + __lane_j + __lane_k;
                    let t1 = __lane_c0[__lane_k];
                    let t2 = __lane_c1[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let t4 = __ad::mul(&t2, &t2);
                    let t5 = __ad::sub(&t1, &t4);
                    let t6 = __ad::powi(&t5, 2);
                    let t7 = __ad::mul(&(100.0), &t6);
                    let t9 = __ad::sub(&(1.0), &t2);
                    let t10 = __ad::powi(&t9, 2);
                    let t11 = __ad::add(&t7, &t10);
                    let s_2_bar = __ad::dup(&s_carried_bar);
                    let t11_bar = __ad::add_vjp1_ref(&s_1, &t11, &s_2_bar);
                    let t10_bar = __ad::add_vjp1_ref(&t7, &t10, &t11_bar);
                    let t7_bar = __ad::add_vjp0(&t7, &t10, t11_bar);
                    let t9_bar = __ad::powi_vjp(&t9, 2, &t10, t10_bar);
                    let mut t2_bar = __ad::sub_vjp1(&(1.0), &t2, t9_bar);
                    let t6_bar = __ad::mul_vjp1(&(100.0), &t6, t7_bar);
                    let t5_bar = __ad::powi_vjp(&t5, 2, &t6, t6_bar);
                    let t4_bar = __ad::sub_vjp1_ref(&t1, &t4, &t5_bar);
                    let t1_bar = __ad::sub_vjp0(&t1, &t4, t5_bar);
                    {
                        let contribution = __ad::mul_vjp0(&t2, &t2, __ad::dup(&t4_bar));
                        __ad::acc(&mut t2_bar, contribution);
                    }
                    {
                        let contribution = __ad::mul_vjp1(&t2, &t2, t4_bar);
                        __ad::acc(&mut t2_bar, contribution);
                    }
                    __lane_b0[__lane_k] = t11;
                    __lane_b1[__lane_k] = t2_bar;
                    __lane_b2[__lane_k] = t1_bar;
                }
                for __lane_k in 0..__ad::LANES {
                    let i = __lane_start + __lane_j + __lane_k;
                    let t11 = __lane_b0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let s_2 = __ad::add(&s_1, &t11);
                    s_carried = s_2;
                }
                for __lane_k in 0..__ad::LANES {
                    let mut __lane_g0_r1 = __lane_gc0[__lane_k + 1usize];
                    __ad::lane_add(&mut __lane_g0_r0, __lane_b1[__lane_k]);
                    __ad::lane_add(&mut __lane_g0_r1, __lane_b2[__lane_k]);
                    __lane_gc0[__lane_k] = __lane_g0_r0;
                    __lane_g0_r0 = __lane_g0_r1;
                }
                __lane_j += __ad::LANES;
            }
            while __lane_j < __lane_n {
                let __lane_c0: &[_; 1] = __ad::lane_chunk(__lane_x0, __lane_j + 1usize);
                let __lane_c1: &[_; 1] = __ad::lane_chunk(__lane_x0, __lane_j + 0usize);
                let __lane_gc0: &mut [_; 1 + 1usize] = __ad::lane_chunk_mut(
                    __lane_g0,
                    __lane_j,
                );
                let mut __lane_b0: [_; 1] = __ad::lane_buf();
                let mut __lane_b1: [_; 1] = __ad::lane_buf();
                let mut __lane_b2: [_; 1] = __ad::lane_buf();
                for __lane_k in 0..1 {
                    let i = __lane_start + __lane_j + __lane_k;
                    let t1 = __lane_c0[__lane_k];
                    let t2 = __lane_c1[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let t4 = __ad::mul(&t2, &t2);
                    let t5 = __ad::sub(&t1, &t4);
                    let t6 = __ad::powi(&t5, 2);
                    let t7 = __ad::mul(&(100.0), &t6);
                    let t9 = __ad::sub(&(1.0), &t2);
                    let t10 = __ad::powi(&t9, 2);
                    let t11 = __ad::add(&t7, &t10);
                    let s_2_bar = __ad::dup(&s_carried_bar);
                    let t11_bar = __ad::add_vjp1_ref(&s_1, &t11, &s_2_bar);
                    let t10_bar = __ad::add_vjp1_ref(&t7, &t10, &t11_bar);
                    let t7_bar = __ad::add_vjp0(&t7, &t10, t11_bar);
                    let t9_bar = __ad::powi_vjp(&t9, 2, &t10, t10_bar);
                    let mut t2_bar = __ad::sub_vjp1(&(1.0), &t2, t9_bar);
                    let t6_bar = __ad::mul_vjp1(&(100.0), &t6, t7_bar);
                    let t5_bar = __ad::powi_vjp(&t5, 2, &t6, t6_bar);
                    let t4_bar = __ad::sub_vjp1_ref(&t1, &t4, &t5_bar);
                    let t1_bar = __ad::sub_vjp0(&t1, &t4, t5_bar);
                    {
                        let contribution = __ad::mul_vjp0(&t2, &t2, __ad::dup(&t4_bar));
                        __ad::acc(&mut t2_bar, contribution);
                    }
                    {
                        let contribution = __ad::mul_vjp1(&t2, &t2, t4_bar);
                        __ad::acc(&mut t2_bar, contribution);
                    }
                    __lane_b0[__lane_k] = t11;
                    __lane_b1[__lane_k] = t2_bar;
                    __lane_b2[__lane_k] = t1_bar;
                }
                for __lane_k in 0..1 {
                    let i = __lane_start + __lane_j + __lane_k;
                    let t11 = __lane_b0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let s_2 = __ad::add(&s_1, &t11);
                    s_carried = s_2;
                }
                for __lane_k in 0..1 {
                    let mut __lane_g0_r1 = __lane_gc0[__lane_k + 1usize];
                    __ad::lane_add(&mut __lane_g0_r0, __lane_b1[__lane_k]);
                    __ad::lane_add(&mut __lane_g0_r1, __lane_b2[__lane_k]);
                    __lane_gc0[__lane_k] = __lane_g0_r0;
                    __lane_g0_r0 = __lane_g0_r1;
                }
                __lane_j += 1;
            }
            __lane_g0[__lane_n + 0usize] = __lane_g0_r0;
        } else {
            for i in __lane_start..__lane_end {
                let s_1 = __ad::carry(&s_carried);
                let t1 = __ad::index(&x, i + 1);
                let t2 = __ad::index(&x, i);
                let t4 = __ad::mul(&t2, &t2);
                let t5 = __ad::sub(&t1, &t4);
                let t6 = __ad::powi(&t5, 2);
                let t7 = __ad::mul(&(100.0), &t6);
                let t9 = __ad::sub(&(1.0), &t2);
                let t10 = __ad::powi(&t9, 2);
                let t11 = __ad::add(&t7, &t10);
                let s_2 = __ad::add(&s_1, &t11);
                s_carried = s_2;
                let s_2_bar = s_carried_bar;
                let t11_bar = __ad::add_vjp1_ref(&s_1, &t11, &s_2_bar);
                let s_1_bar = __ad::add_vjp0(&s_1, &t11, s_2_bar);
                let t10_bar = __ad::add_vjp1_ref(&t7, &t10, &t11_bar);
                let t7_bar = __ad::add_vjp0(&t7, &t10, t11_bar);
                let t9_bar = __ad::powi_vjp(&t9, 2, &t10, t10_bar);
                let mut t2_bar = __ad::sub_vjp1(&(1.0), &t2, t9_bar);
                let t6_bar = __ad::mul_vjp1(&(100.0), &t6, t7_bar);
                let t5_bar = __ad::powi_vjp(&t5, 2, &t6, t6_bar);
                let t4_bar = __ad::sub_vjp1_ref(&t1, &t4, &t5_bar);
                let t1_bar = __ad::sub_vjp0(&t1, &t4, t5_bar);
                {
                    let contribution = __ad::mul_vjp0(&t2, &t2, __ad::dup(&t4_bar));
                    __ad::acc(&mut t2_bar, contribution);
                }
                {
                    let contribution = __ad::mul_vjp1(&t2, &t2, t4_bar);
                    __ad::acc(&mut t2_bar, contribution);
                }
                __ad::index_acc(&x, &mut x_bar, i, t2_bar);
                __ad::index_acc(&x, &mut x_bar, i + 1, t1_bar);
                s_carried_bar = __ad::carry_vjp(&s_carried, s_1_bar);
            }
        }
    }
    x_bar
}
///The value of [`rosenbrock`] and its gradient with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn rosenbrock_value_and_grad(x: &Array1<f64>) -> (f64, Array1<f64>) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let mut s = 0.0;
    let mut s_carried: f64 = (s);
    let mut x_bar_1 = __ad::zero_tangent(&x);
    let mut s_carried_bar_1 = __ad::zero_tangent(&s_carried);
    let s_3_bar_1 = __ad::one::<f64>();
    {
        let contribution = __ad::snapshot_vjp(&s_carried, s_3_bar_1);
        __ad::acc(&mut s_carried_bar_1, contribution);
    }
    {
        let __lane_start: usize = 0;
        let __lane_end: usize = x.len() - 1;
        if let (
            ::core::option::Option::Some(__lane_x0),
            ::core::option::Option::Some(__lane_g0),
        ) = (
            __ad::lane_window::<false, _>(&x, __lane_start, __lane_end, 0isize, 1isize),
            __ad::lane_window_mut::<
                false,
                _,
            >(&x, &mut x_bar_1, __lane_start, __lane_end, 0isize, 1isize),
        ) {
            let __lane_n = __lane_end - __lane_start;
            let mut __lane_g0_r0 = __lane_g0[0usize];
            let mut __lane_j = 0usize;
            while __lane_j + __ad::LANES <= __lane_n {
                let __lane_c0: &[_; __ad::LANES] = __ad::lane_chunk(
                    __lane_x0,
                    __lane_j + 1usize,
                );
                let __lane_c1: &[_; __ad::LANES] = __ad::lane_chunk(
                    __lane_x0,
                    __lane_j + 0usize,
                );
                let __lane_gc0: &mut [_; __ad::LANES + 1usize] = __ad::lane_chunk_mut(
                    __lane_g0,
                    __lane_j,
                );
                let mut __lane_b0: [_; __ad::LANES] = __ad::lane_buf();
                let mut __lane_b1: [_; __ad::LANES] = __ad::lane_buf();
                let mut __lane_b2: [_; __ad::LANES] = __ad::lane_buf();
                for __lane_k in 0..__ad::LANES {
                    let i = __lane_start + __lane_j + __lane_k;
                    let t1 = __lane_c0[__lane_k];
                    let t2 = __lane_c1[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let t4 = __ad::mul(&t2, &t2);
                    let t5 = __ad::sub(&t1, &t4);
                    let t6 = __ad::powi(&t5, 2);
                    let t7 = __ad::mul(&(100.0), &t6);
                    let t9 = __ad::sub(&(1.0), &t2);
                    let t10 = __ad::powi(&t9, 2);
                    let t11 = __ad::add(&t7, &t10);
                    let s_2_bar_1 = __ad::dup(&s_carried_bar_1);
                    let t11_bar_1 = __ad::add_vjp1_ref(&s_1, &t11, &s_2_bar_1);
                    let t10_bar_1 = __ad::add_vjp1_ref(&t7, &t10, &t11_bar_1);
                    let t7_bar_1 = __ad::add_vjp0(&t7, &t10, t11_bar_1);
                    let t9_bar_1 = __ad::powi_vjp(&t9, 2, &t10, t10_bar_1);
                    let mut t2_bar_1 = __ad::sub_vjp1(&(1.0), &t2, t9_bar_1);
                    let t6_bar_1 = __ad::mul_vjp1(&(100.0), &t6, t7_bar_1);
                    let t5_bar_1 = __ad::powi_vjp(&t5, 2, &t6, t6_bar_1);
                    let t4_bar_1 = __ad::sub_vjp1_ref(&t1, &t4, &t5_bar_1);
                    let t1_bar_1 = __ad::sub_vjp0(&t1, &t4, t5_bar_1);
                    {
                        let contribution = __ad::mul_vjp0(
                            &t2,
                            &t2,
                            __ad::dup(&t4_bar_1),
                        );
                        __ad::acc(&mut t2_bar_1, contribution);
                    }
                    {
                        let contribution = __ad::mul_vjp1(&t2, &t2, t4_bar_1);
                        __ad::acc(&mut t2_bar_1, contribution);
                    }
                    __lane_b0[__lane_k] = t11;
                    __lane_b1[__lane_k] = t2_bar_1;
                    __lane_b2[__lane_k] = t1_bar_1;
                }
                for __lane_k in 0..__ad::LANES {
                    let i = __lane_start + __lane_j + __lane_k;
                    let t11 = __lane_b0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let s_2 = __ad::add(&s_1, &t11);
                    s_carried = s_2;
                }
                for __lane_k in 0..__ad::LANES {
                    let mut __lane_g0_r1 = __lane_gc0[__lane_k + 1usize];
                    __ad::lane_add(&mut __lane_g0_r0, __lane_b1[__lane_k]);
                    __ad::lane_add(&mut __lane_g0_r1, __lane_b2[__lane_k]);
                    __lane_gc0[__lane_k] = __lane_g0_r0;
                    __lane_g0_r0 = __lane_g0_r1;
                }
                __lane_j += __ad::LANES;
            }
            while __lane_j < __lane_n {
                let __lane_c0: &[_; 1] = __ad::lane_chunk(__lane_x0, __lane_j + 1usize);
                let __lane_c1: &[_; 1] = __ad::lane_chunk(__lane_x0, __lane_j + 0usize);
                let __lane_gc0: &mut [_; 1 + 1usize] = __ad::lane_chunk_mut(
                    __lane_g0,
                    __lane_j,
                );
                let mut __lane_b0: [_; 1] = __ad::lane_buf();
                let mut __lane_b1: [_; 1] = __ad::lane_buf();
                let mut __lane_b2: [_; 1] = __ad::lane_buf();
                for __lane_k in 0..1 {
                    let i = __lane_start + __lane_j + __lane_k;
                    let t1 = __lane_c0[__lane_k];
                    let t2 = __lane_c1[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let t4 = __ad::mul(&t2, &t2);
                    let t5 = __ad::sub(&t1, &t4);
                    let t6 = __ad::powi(&t5, 2);
                    let t7 = __ad::mul(&(100.0), &t6);
                    let t9 = __ad::sub(&(1.0), &t2);
                    let t10 = __ad::powi(&t9, 2);
                    let t11 = __ad::add(&t7, &t10);
                    let s_2_bar_1 = __ad::dup(&s_carried_bar_1);
                    let t11_bar_1 = __ad::add_vjp1_ref(&s_1, &t11, &s_2_bar_1);
                    let t10_bar_1 = __ad::add_vjp1_ref(&t7, &t10, &t11_bar_1);
                    let t7_bar_1 = __ad::add_vjp0(&t7, &t10, t11_bar_1);
                    let t9_bar_1 = __ad::powi_vjp(&t9, 2, &t10, t10_bar_1);
                    let mut t2_bar_1 = __ad::sub_vjp1(&(1.0), &t2, t9_bar_1);
                    let t6_bar_1 = __ad::mul_vjp1(&(100.0), &t6, t7_bar_1);
                    let t5_bar_1 = __ad::powi_vjp(&t5, 2, &t6, t6_bar_1);
                    let t4_bar_1 = __ad::sub_vjp1_ref(&t1, &t4, &t5_bar_1);
                    let t1_bar_1 = __ad::sub_vjp0(&t1, &t4, t5_bar_1);
                    {
                        let contribution = __ad::mul_vjp0(
                            &t2,
                            &t2,
                            __ad::dup(&t4_bar_1),
                        );
                        __ad::acc(&mut t2_bar_1, contribution);
                    }
                    {
                        let contribution = __ad::mul_vjp1(&t2, &t2, t4_bar_1);
                        __ad::acc(&mut t2_bar_1, contribution);
                    }
                    __lane_b0[__lane_k] = t11;
                    __lane_b1[__lane_k] = t2_bar_1;
                    __lane_b2[__lane_k] = t1_bar_1;
                }
                for __lane_k in 0..1 {
                    let i = __lane_start + __lane_j + __lane_k;
                    let t11 = __lane_b0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let s_2 = __ad::add(&s_1, &t11);
                    s_carried = s_2;
                }
                for __lane_k in 0..1 {
                    let mut __lane_g0_r1 = __lane_gc0[__lane_k + 1usize];
                    __ad::lane_add(&mut __lane_g0_r0, __lane_b1[__lane_k]);
                    __ad::lane_add(&mut __lane_g0_r1, __lane_b2[__lane_k]);
                    __lane_gc0[__lane_k] = __lane_g0_r0;
                    __lane_g0_r0 = __lane_g0_r1;
                }
                __lane_j += 1;
            }
            __lane_g0[__lane_n + 0usize] = __lane_g0_r0;
        } else {
            for i in __lane_start..__lane_end {
                let s_1 = __ad::carry(&s_carried);
                let t1 = __ad::index(&x, i + 1);
                let t2 = __ad::index(&x, i);
                let t4 = __ad::mul(&t2, &t2);
                let t5 = __ad::sub(&t1, &t4);
                let t6 = __ad::powi(&t5, 2);
                let t7 = __ad::mul(&(100.0), &t6);
                let t9 = __ad::sub(&(1.0), &t2);
                let t10 = __ad::powi(&t9, 2);
                let t11 = __ad::add(&t7, &t10);
                let s_2 = __ad::add(&s_1, &t11);
                s_carried = s_2;
                let s_2_bar_1 = s_carried_bar_1;
                let t11_bar_1 = __ad::add_vjp1_ref(&s_1, &t11, &s_2_bar_1);
                let s_1_bar_1 = __ad::add_vjp0(&s_1, &t11, s_2_bar_1);
                let t10_bar_1 = __ad::add_vjp1_ref(&t7, &t10, &t11_bar_1);
                let t7_bar_1 = __ad::add_vjp0(&t7, &t10, t11_bar_1);
                let t9_bar_1 = __ad::powi_vjp(&t9, 2, &t10, t10_bar_1);
                let mut t2_bar_1 = __ad::sub_vjp1(&(1.0), &t2, t9_bar_1);
                let t6_bar_1 = __ad::mul_vjp1(&(100.0), &t6, t7_bar_1);
                let t5_bar_1 = __ad::powi_vjp(&t5, 2, &t6, t6_bar_1);
                let t4_bar_1 = __ad::sub_vjp1_ref(&t1, &t4, &t5_bar_1);
                let t1_bar_1 = __ad::sub_vjp0(&t1, &t4, t5_bar_1);
                {
                    let contribution = __ad::mul_vjp0(&t2, &t2, __ad::dup(&t4_bar_1));
                    __ad::acc(&mut t2_bar_1, contribution);
                }
                {
                    let contribution = __ad::mul_vjp1(&t2, &t2, t4_bar_1);
                    __ad::acc(&mut t2_bar_1, contribution);
                }
                __ad::index_acc(&x, &mut x_bar_1, i, t2_bar_1);
                __ad::index_acc(&x, &mut x_bar_1, i + 1, t1_bar_1);
                s_carried_bar_1 = __ad::carry_vjp(&s_carried, s_1_bar_1);
            }
        }
    }
    let s_3 = __ad::snapshot(&s_carried);
    let value_1 = __ad::to_owned(&s_3);
    (value_1, x_bar_1)
}
///The gradient of [`rosenbrock`] with respect to `x` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn rosenbrock_grad_0(x: &Array1<f64>) -> Array1<f64> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let mut s = 0.0;
    let mut s_carried: f64 = (s);
    let mut x_bar = __ad::zero_tangent(&x);
    let mut s_carried_bar = __ad::zero_tangent(&s_carried);
    let s_3_bar = __ad::one::<f64>();
    {
        let contribution = __ad::snapshot_vjp(&s_carried, s_3_bar);
        __ad::acc(&mut s_carried_bar, contribution);
    }
    {
        let __lane_start: usize = 0;
        let __lane_end: usize = x.len() - 1;
        if let (
            ::core::option::Option::Some(__lane_x0),
            ::core::option::Option::Some(__lane_g0),
        ) = (
            __ad::lane_window::<false, _>(&x, __lane_start, __lane_end, 0isize, 1isize),
            __ad::lane_window_mut::<
                false,
                _,
            >(&x, &mut x_bar, __lane_start, __lane_end, 0isize, 1isize),
        ) {
            let __lane_n = __lane_end - __lane_start;
            let mut __lane_g0_r0 = __lane_g0[0usize];
            let mut __lane_j = 0usize;
            while __lane_j + __ad::LANES <= __lane_n {
                let __lane_c0: &[_; __ad::LANES] = __ad::lane_chunk(
                    __lane_x0,
                    __lane_j + 1usize,
                );
                let __lane_c1: &[_; __ad::LANES] = __ad::lane_chunk(
                    __lane_x0,
                    __lane_j + 0usize,
                );
                let __lane_gc0: &mut [_; __ad::LANES + 1usize] = __ad::lane_chunk_mut(
                    __lane_g0,
                    __lane_j,
                );
                let mut __lane_b0: [_; __ad::LANES] = __ad::lane_buf();
                let mut __lane_b1: [_; __ad::LANES] = __ad::lane_buf();
                let mut __lane_b2: [_; __ad::LANES] = __ad::lane_buf();
                for __lane_k in 0..__ad::LANES {
                    let i = __lane_start + __lane_j + __lane_k;
                    let t1 = __lane_c0[__lane_k];
                    let t2 = __lane_c1[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let t4 = __ad::mul(&t2, &t2);
                    let t5 = __ad::sub(&t1, &t4);
                    let t6 = __ad::powi(&t5, 2);
                    let t7 = __ad::mul(&(100.0), &t6);
                    let t9 = __ad::sub(&(1.0), &t2);
                    let t10 = __ad::powi(&t9, 2);
                    let t11 = __ad::add(&t7, &t10);
                    let s_2_bar = __ad::dup(&s_carried_bar);
                    let t11_bar = __ad::add_vjp1_ref(&s_1, &t11, &s_2_bar);
                    let t10_bar = __ad::add_vjp1_ref(&t7, &t10, &t11_bar);
                    let t7_bar = __ad::add_vjp0(&t7, &t10, t11_bar);
                    let t9_bar = __ad::powi_vjp(&t9, 2, &t10, t10_bar);
                    let mut t2_bar = __ad::sub_vjp1(&(1.0), &t2, t9_bar);
                    let t6_bar = __ad::mul_vjp1(&(100.0), &t6, t7_bar);
                    let t5_bar = __ad::powi_vjp(&t5, 2, &t6, t6_bar);
                    let t4_bar = __ad::sub_vjp1_ref(&t1, &t4, &t5_bar);
                    let t1_bar = __ad::sub_vjp0(&t1, &t4, t5_bar);
                    {
                        let contribution = __ad::mul_vjp0(&t2, &t2, __ad::dup(&t4_bar));
                        __ad::acc(&mut t2_bar, contribution);
                    }
                    {
                        let contribution = __ad::mul_vjp1(&t2, &t2, t4_bar);
                        __ad::acc(&mut t2_bar, contribution);
                    }
                    __lane_b0[__lane_k] = t11;
                    __lane_b1[__lane_k] = t2_bar;
                    __lane_b2[__lane_k] = t1_bar;
                }
                for __lane_k in 0..__ad::LANES {
                    let i = __lane_start + __lane_j + __lane_k;
                    let t11 = __lane_b0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let s_2 = __ad::add(&s_1, &t11);
                    s_carried = s_2;
                }
                for __lane_k in 0..__ad::LANES {
                    let mut __lane_g0_r1 = __lane_gc0[__lane_k + 1usize];
                    __ad::lane_add(&mut __lane_g0_r0, __lane_b1[__lane_k]);
                    __ad::lane_add(&mut __lane_g0_r1, __lane_b2[__lane_k]);
                    __lane_gc0[__lane_k] = __lane_g0_r0;
                    __lane_g0_r0 = __lane_g0_r1;
                }
                __lane_j += __ad::LANES;
            }
            while __lane_j < __lane_n {
                let __lane_c0: &[_; 1] = __ad::lane_chunk(__lane_x0, __lane_j + 1usize);
                let __lane_c1: &[_; 1] = __ad::lane_chunk(__lane_x0, __lane_j + 0usize);
                let __lane_gc0: &mut [_; 1 + 1usize] = __ad::lane_chunk_mut(
                    __lane_g0,
                    __lane_j,
                );
                let mut __lane_b0: [_; 1] = __ad::lane_buf();
                let mut __lane_b1: [_; 1] = __ad::lane_buf();
                let mut __lane_b2: [_; 1] = __ad::lane_buf();
                for __lane_k in 0..1 {
                    let i = __lane_start + __lane_j + __lane_k;
                    let t1 = __lane_c0[__lane_k];
                    let t2 = __lane_c1[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let t4 = __ad::mul(&t2, &t2);
                    let t5 = __ad::sub(&t1, &t4);
                    let t6 = __ad::powi(&t5, 2);
                    let t7 = __ad::mul(&(100.0), &t6);
                    let t9 = __ad::sub(&(1.0), &t2);
                    let t10 = __ad::powi(&t9, 2);
                    let t11 = __ad::add(&t7, &t10);
                    let s_2_bar = __ad::dup(&s_carried_bar);
                    let t11_bar = __ad::add_vjp1_ref(&s_1, &t11, &s_2_bar);
                    let t10_bar = __ad::add_vjp1_ref(&t7, &t10, &t11_bar);
                    let t7_bar = __ad::add_vjp0(&t7, &t10, t11_bar);
                    let t9_bar = __ad::powi_vjp(&t9, 2, &t10, t10_bar);
                    let mut t2_bar = __ad::sub_vjp1(&(1.0), &t2, t9_bar);
                    let t6_bar = __ad::mul_vjp1(&(100.0), &t6, t7_bar);
                    let t5_bar = __ad::powi_vjp(&t5, 2, &t6, t6_bar);
                    let t4_bar = __ad::sub_vjp1_ref(&t1, &t4, &t5_bar);
                    let t1_bar = __ad::sub_vjp0(&t1, &t4, t5_bar);
                    {
                        let contribution = __ad::mul_vjp0(&t2, &t2, __ad::dup(&t4_bar));
                        __ad::acc(&mut t2_bar, contribution);
                    }
                    {
                        let contribution = __ad::mul_vjp1(&t2, &t2, t4_bar);
                        __ad::acc(&mut t2_bar, contribution);
                    }
                    __lane_b0[__lane_k] = t11;
                    __lane_b1[__lane_k] = t2_bar;
                    __lane_b2[__lane_k] = t1_bar;
                }
                for __lane_k in 0..1 {
                    let i = __lane_start + __lane_j + __lane_k;
                    let t11 = __lane_b0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let s_2 = __ad::add(&s_1, &t11);
                    s_carried = s_2;
                }
                for __lane_k in 0..1 {
                    let mut __lane_g0_r1 = __lane_gc0[__lane_k + 1usize];
                    __ad::lane_add(&mut __lane_g0_r0, __lane_b1[__lane_k]);
                    __ad::lane_add(&mut __lane_g0_r1, __lane_b2[__lane_k]);
                    __lane_gc0[__lane_k] = __lane_g0_r0;
                    __lane_g0_r0 = __lane_g0_r1;
                }
                __lane_j += 1;
            }
            __lane_g0[__lane_n + 0usize] = __lane_g0_r0;
        } else {
            for i in __lane_start..__lane_end {
                let s_1 = __ad::carry(&s_carried);
                let t1 = __ad::index(&x, i + 1);
                let t2 = __ad::index(&x, i);
                let t4 = __ad::mul(&t2, &t2);
                let t5 = __ad::sub(&t1, &t4);
                let t6 = __ad::powi(&t5, 2);
                let t7 = __ad::mul(&(100.0), &t6);
                let t9 = __ad::sub(&(1.0), &t2);
                let t10 = __ad::powi(&t9, 2);
                let t11 = __ad::add(&t7, &t10);
                let s_2 = __ad::add(&s_1, &t11);
                s_carried = s_2;
                let s_2_bar = s_carried_bar;
                let t11_bar = __ad::add_vjp1_ref(&s_1, &t11, &s_2_bar);
                let s_1_bar = __ad::add_vjp0(&s_1, &t11, s_2_bar);
                let t10_bar = __ad::add_vjp1_ref(&t7, &t10, &t11_bar);
                let t7_bar = __ad::add_vjp0(&t7, &t10, t11_bar);
                let t9_bar = __ad::powi_vjp(&t9, 2, &t10, t10_bar);
                let mut t2_bar = __ad::sub_vjp1(&(1.0), &t2, t9_bar);
                let t6_bar = __ad::mul_vjp1(&(100.0), &t6, t7_bar);
                let t5_bar = __ad::powi_vjp(&t5, 2, &t6, t6_bar);
                let t4_bar = __ad::sub_vjp1_ref(&t1, &t4, &t5_bar);
                let t1_bar = __ad::sub_vjp0(&t1, &t4, t5_bar);
                {
                    let contribution = __ad::mul_vjp0(&t2, &t2, __ad::dup(&t4_bar));
                    __ad::acc(&mut t2_bar, contribution);
                }
                {
                    let contribution = __ad::mul_vjp1(&t2, &t2, t4_bar);
                    __ad::acc(&mut t2_bar, contribution);
                }
                __ad::index_acc(&x, &mut x_bar, i, t2_bar);
                __ad::index_acc(&x, &mut x_bar, i + 1, t1_bar);
                s_carried_bar = __ad::carry_vjp(&s_carried, s_1_bar);
            }
        }
    }
    x_bar
}
///The value of [`rosenbrock`] and its pullback (like `jax.vjp`): `pullback(seed)` returns one tangent per differentiable parameter, in parameter order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn rosenbrock_vjp<'__ad>(
    x: &'__ad Array1<f64>,
) -> (f64, impl ::core::ops::FnOnce(f64) -> (Array1<f64>,) + use<'__ad>) {
    use ::autodiff::__private as __ad;
    let mut s = 0.0;
    let mut s_carried: f64 = (s);
    for i in 0..x.len() - 1 {
        let s_1 = __ad::carry(&s_carried);
        let t1 = __ad::index(&x, i + 1);
        let t2 = __ad::index(&x, i);
        let t4 = __ad::mul(&t2, &t2);
        let t5 = __ad::sub(&t1, &t4);
        let t6 = __ad::powi(&t5, 2);
        let t7 = __ad::mul(&(100.0), &t6);
        let t9 = __ad::sub(&(1.0), &t2);
        let t10 = __ad::powi(&t9, 2);
        let t11 = __ad::add(&t7, &t10);
        let s_2 = __ad::add(&s_1, &t11);
        s_carried = s_2;
    }
    let s_3 = __ad::snapshot(&s_carried);
    let value_2 = s_3;
    (
        value_2,
        move |seed: f64| {
            let mut x_bar_2 = __ad::zero_tangent(&x);
            let mut s_carried_bar_2 = __ad::zero_tangent(&s_carried);
            let s_3_bar_2 = seed;
            {
                let contribution = __ad::snapshot_vjp(&s_carried, s_3_bar_2);
                __ad::acc(&mut s_carried_bar_2, contribution);
            }
            for i in (0..x.len() - 1).rev() {
                let s_1 = __ad::carry(&s_carried);
                let t1 = __ad::index(&x, i + 1);
                let t2 = __ad::index(&x, i);
                let t4 = __ad::mul(&t2, &t2);
                let t5 = __ad::sub(&t1, &t4);
                let t6 = __ad::powi(&t5, 2);
                let t7 = __ad::mul(&(100.0), &t6);
                let t9 = __ad::sub(&(1.0), &t2);
                let t10 = __ad::powi(&t9, 2);
                let t11 = __ad::add(&t7, &t10);
                let s_2 = __ad::add(&s_1, &t11);
                let s_2_bar_2 = s_carried_bar_2;
                let t11_bar_2 = __ad::add_vjp1_ref(&s_1, &t11, &s_2_bar_2);
                let s_1_bar_2 = __ad::add_vjp0(&s_1, &t11, s_2_bar_2);
                let t10_bar_2 = __ad::add_vjp1_ref(&t7, &t10, &t11_bar_2);
                let t7_bar_2 = __ad::add_vjp0(&t7, &t10, t11_bar_2);
                let t9_bar_2 = __ad::powi_vjp(&t9, 2, &t10, t10_bar_2);
                let mut t2_bar_2 = __ad::sub_vjp1(&(1.0), &t2, t9_bar_2);
                let t6_bar_2 = __ad::mul_vjp1(&(100.0), &t6, t7_bar_2);
                let t5_bar_2 = __ad::powi_vjp(&t5, 2, &t6, t6_bar_2);
                let t4_bar_2 = __ad::sub_vjp1_ref(&t1, &t4, &t5_bar_2);
                let t1_bar_2 = __ad::sub_vjp0(&t1, &t4, t5_bar_2);
                {
                    let contribution = __ad::mul_vjp0(&t2, &t2, __ad::dup(&t4_bar_2));
                    __ad::acc(&mut t2_bar_2, contribution);
                }
                {
                    let contribution = __ad::mul_vjp1(&t2, &t2, t4_bar_2);
                    __ad::acc(&mut t2_bar_2, contribution);
                }
                __ad::index_acc(&x, &mut x_bar_2, i, t2_bar_2);
                __ad::index_acc(&x, &mut x_bar_2, i + 1, t1_bar_2);
                s_carried_bar_2 = __ad::carry_vjp(&s_carried, s_1_bar_2);
            }
            (x_bar_2,)
        },
    )
}
