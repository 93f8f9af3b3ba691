#[allow(dead_code)]
fn sum_of_squares_loop(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for v in x.iter() {
        s += *v * *v;
    }
    s
}
///The gradient of [`sum_of_squares_loop`] with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn sum_of_squares_loop_grad(x: &Array1<f64>) -> Array1<f64> {
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
        let __lane_end: usize = ::autodiff::__private::count(&x);
        if let (
            ::core::option::Option::Some(__lane_x0),
            ::core::option::Option::Some(__lane_g0),
        ) = (
            __ad::lane_window::<true, _>(&x, __lane_start, __lane_end, 0isize, 0isize),
            __ad::lane_window_mut::<
                true,
                _,
            >(&x, &mut x_bar, __lane_start, __lane_end, 0isize, 0isize),
        ) {
            let __lane_n = __lane_end - __lane_start;
            let mut __lane_j = 0usize;
            while __lane_j + __ad::LANES <= __lane_n {
                let __lane_c0: &[_; __ad::LANES] = __ad::lane_chunk(
                    __lane_x0,
                    __lane_j + 0usize,
                );
                let __lane_gc0: &mut [_; __ad::LANES + 0usize] = __ad::lane_chunk_mut(
                    __lane_g0,
                    __lane_j,
                );
                let mut __lane_b0: [_; __ad::LANES] = __ad::lane_buf();
                let mut __lane_b1: [_; __ad::LANES] = __ad::lane_buf();
                for __lane_k in 0..__ad::LANES {
                    let i0 = __lane_start + __lane_j + __lane_k;
                    let v = __lane_c0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let t2 = __ad::mul(&v, &v);
                    let s_2_bar = __ad::dup(&s_carried_bar);
                    let t2_bar = __ad::add_vjp1_ref(&s_1, &t2, &s_2_bar);
                    let mut v_bar = __ad::mul_vjp0(&v, &v, __ad::dup(&t2_bar));
                    {
                        let contribution = __ad::mul_vjp1(&v, &v, t2_bar);
                        __ad::acc(&mut v_bar, contribution);
                    }
                    __lane_b0[__lane_k] = t2;
                    __lane_b1[__lane_k] = v_bar;
                }
                for __lane_k in 0..__ad::LANES {
                    let i0 = __lane_start + __lane_j + __lane_k;
                    let t2 = __lane_b0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let s_2 = __ad::add(&s_1, &t2);
                    s_carried = s_2;
                }
                for __lane_k in 0..__ad::LANES {
                    let mut __lane_g0_r0 = __lane_gc0[__lane_k + 0usize];
                    __ad::lane_add(&mut __lane_g0_r0, __lane_b1[__lane_k]);
                    __lane_gc0[__lane_k] = __lane_g0_r0;
                }
                __lane_j += __ad::LANES;
            }
            while __lane_j < __lane_n {
                let __lane_c0: &[_; 1] = __ad::lane_chunk(__lane_x0, __lane_j + 0usize);
                let __lane_gc0: &mut [_; 1 + 0usize] = __ad::lane_chunk_mut(
                    __lane_g0,
                    __lane_j,
                );
                let mut __lane_b0: [_; 1] = __ad::lane_buf();
                let mut __lane_b1: [_; 1] = __ad::lane_buf();
                for __lane_k in 0..1 {
                    let i0 = __lane_start + __lane_j + __lane_k;
                    let v = __lane_c0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let t2 = __ad::mul(&v, &v);
                    let s_2_bar = __ad::dup(&s_carried_bar);
                    let t2_bar = __ad::add_vjp1_ref(&s_1, &t2, &s_2_bar);
                    let mut v_bar = __ad::mul_vjp0(&v, &v, __ad::dup(&t2_bar));
                    {
                        let contribution = __ad::mul_vjp1(&v, &v, t2_bar);
                        __ad::acc(&mut v_bar, contribution);
                    }
                    __lane_b0[__lane_k] = t2;
                    __lane_b1[__lane_k] = v_bar;
                }
                for __lane_k in 0..1 {
                    let i0 = __lane_start + __lane_j + __lane_k;
                    let t2 = __lane_b0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let s_2 = __ad::add(&s_1, &t2);
                    s_carried = s_2;
                }
                for __lane_k in 0..1 {
                    let mut __lane_g0_r0 = __lane_gc0[__lane_k + 0usize];
                    __ad::lane_add(&mut __lane_g0_r0, __lane_b1[__lane_k]);
                    __lane_gc0[__lane_k] = __lane_g0_r0;
                }
                __lane_j += 1;
            }
        } else {
            for i0 in __lane_start..__lane_end {
                let v = __ad::element(&x, i0);
                let s_1 = __ad::carry(&s_carried);
                let t2 = __ad::mul(&v, &v);
                let s_2 = __ad::add(&s_1, &t2);
                s_carried = s_2;
                let s_2_bar = s_carried_bar;
                let t2_bar = __ad::add_vjp1_ref(&s_1, &t2, &s_2_bar);
                let s_1_bar = __ad::add_vjp0(&s_1, &t2, s_2_bar);
                let mut v_bar = __ad::mul_vjp0(&v, &v, __ad::dup(&t2_bar));
                {
                    let contribution = __ad::mul_vjp1(&v, &v, t2_bar);
                    __ad::acc(&mut v_bar, contribution);
                }
                s_carried_bar = __ad::carry_vjp(&s_carried, s_1_bar);
                __ad::element_acc(&x, &mut x_bar, i0, v_bar);
            }
        }
    }
    x_bar
}
///The value of [`sum_of_squares_loop`] and its gradient with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn sum_of_squares_loop_value_and_grad(x: &Array1<f64>) -> (f64, Array1<f64>) {
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
        let __lane_end: usize = ::autodiff::__private::count(&x);
        if let (
            ::core::option::Option::Some(__lane_x0),
            ::core::option::Option::Some(__lane_g0),
        ) = (
            __ad::lane_window::<true, _>(&x, __lane_start, __lane_end, 0isize, 0isize),
            __ad::lane_window_mut::<
                true,
                _,
            >(&x, &mut x_bar_1, __lane_start, __lane_end, 0isize, 0isize),
        ) {
            let __lane_n = __lane_end - __lane_start;
            let mut __lane_j = 0usize;
            while __lane_j + __ad::LANES <= __lane_n {
                let __lane_c0: &[_; __ad::LANES] = __ad::lane_chunk(
                    __lane_x0,
                    __lane_j + 0usize,
                );
                let __lane_gc0: &mut [_; __ad::LANES + 0usize] = __ad::lane_chunk_mut(
                    __lane_g0,
                    __lane_j,
                );
                let mut __lane_b0: [_; __ad::LANES] = __ad::lane_buf();
                let mut __lane_b1: [_; __ad::LANES] = __ad::lane_buf();
                for __lane_k in 0..__ad::LANES {
                    let i0 = __lane_start + __lane_j + __lane_k;
                    let v = __lane_c0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let t2 = __ad::mul(&v, &v);
                    let s_2_bar_1 = __ad::dup(&s_carried_bar_1);
                    let t2_bar_1 = __ad::add_vjp1_ref(&s_1, &t2, &s_2_bar_1);
                    let mut v_bar_1 = __ad::mul_vjp0(&v, &v, __ad::dup(&t2_bar_1));
                    {
                        let contribution = __ad::mul_vjp1(&v, &v, t2_bar_1);
                        __ad::acc(&mut v_bar_1, contribution);
                    }
                    __lane_b0[__lane_k] = t2;
                    __lane_b1[__lane_k] = v_bar_1;
                }
                for __lane_k in 0..__ad::LANES {
                    let i0 = __lane_start + __lane_j + __lane_k;
                    let t2 = __lane_b0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let s_2 = __ad::add(&s_1, &t2);
                    s_carried = s_2;
                }
                for __lane_k in 0..__ad::LANES {
                    let mut __lane_g0_r0 = __lane_gc0[__lane_k + 0usize];
                    __ad::lane_add(&mut __lane_g0_r0, __lane_b1[__lane_k]);
                    __lane_gc0[__lane_k] = __lane_g0_r0;
                }
                __lane_j += __ad::LANES;
            }
            while __lane_j < __lane_n {
                let __lane_c0: &[_; 1] = __ad::lane_chunk(__lane_x0, __lane_j + 0usize);
                let __lane_gc0: &mut [_; 1 + 0usize] = __ad::lane_chunk_mut(
                    __lane_g0,
                    __lane_j,
                );
                let mut __lane_b0: [_; 1] = __ad::lane_buf();
                let mut __lane_b1: [_; 1] = __ad::lane_buf();
                for __lane_k in 0..1 {
                    let i0 = __lane_start + __lane_j + __lane_k;
                    let v = __lane_c0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let t2 = __ad::mul(&v, &v);
                    let s_2_bar_1 = __ad::dup(&s_carried_bar_1);
                    let t2_bar_1 = __ad::add_vjp1_ref(&s_1, &t2, &s_2_bar_1);
                    let mut v_bar_1 = __ad::mul_vjp0(&v, &v, __ad::dup(&t2_bar_1));
                    {
                        let contribution = __ad::mul_vjp1(&v, &v, t2_bar_1);
                        __ad::acc(&mut v_bar_1, contribution);
                    }
                    __lane_b0[__lane_k] = t2;
                    __lane_b1[__lane_k] = v_bar_1;
                }
                for __lane_k in 0..1 {
                    let i0 = __lane_start + __lane_j + __lane_k;
                    let t2 = __lane_b0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let s_2 = __ad::add(&s_1, &t2);
                    s_carried = s_2;
                }
                for __lane_k in 0..1 {
                    let mut __lane_g0_r0 = __lane_gc0[__lane_k + 0usize];
                    __ad::lane_add(&mut __lane_g0_r0, __lane_b1[__lane_k]);
                    __lane_gc0[__lane_k] = __lane_g0_r0;
                }
                __lane_j += 1;
            }
        } else {
            for i0 in __lane_start..__lane_end {
                let v = __ad::element(&x, i0);
                let s_1 = __ad::carry(&s_carried);
                let t2 = __ad::mul(&v, &v);
                let s_2 = __ad::add(&s_1, &t2);
                s_carried = s_2;
                let s_2_bar_1 = s_carried_bar_1;
                let t2_bar_1 = __ad::add_vjp1_ref(&s_1, &t2, &s_2_bar_1);
                let s_1_bar_1 = __ad::add_vjp0(&s_1, &t2, s_2_bar_1);
                let mut v_bar_1 = __ad::mul_vjp0(&v, &v, __ad::dup(&t2_bar_1));
                {
                    let contribution = __ad::mul_vjp1(&v, &v, t2_bar_1);
                    __ad::acc(&mut v_bar_1, contribution);
                }
                s_carried_bar_1 = __ad::carry_vjp(&s_carried, s_1_bar_1);
                __ad::element_acc(&x, &mut x_bar_1, i0, v_bar_1);
            }
        }
    }
    let s_3 = __ad::snapshot(&s_carried);
    let value_1 = __ad::to_owned(&s_3);
    (value_1, x_bar_1)
}
///The gradient of [`sum_of_squares_loop`] with respect to `x` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn sum_of_squares_loop_grad_0(x: &Array1<f64>) -> Array1<f64> {
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
        let __lane_end: usize = ::autodiff::__private::count(&x);
        if let (
            ::core::option::Option::Some(__lane_x0),
            ::core::option::Option::Some(__lane_g0),
        ) = (
            __ad::lane_window::<true, _>(&x, __lane_start, __lane_end, 0isize, 0isize),
            __ad::lane_window_mut::<
                true,
                _,
            >(&x, &mut x_bar, __lane_start, __lane_end, 0isize, 0isize),
        ) {
            let __lane_n = __lane_end - __lane_start;
            let mut __lane_j = 0usize;
            while __lane_j + __ad::LANES <= __lane_n {
                let __lane_c0: &[_; __ad::LANES] = __ad::lane_chunk(
                    __lane_x0,
                    __lane_j + 0usize,
                );
                let __lane_gc0: &mut [_; __ad::LANES + 0usize] = __ad::lane_chunk_mut(
                    __lane_g0,
                    __lane_j,
                );
                let mut __lane_b0: [_; __ad::LANES] = __ad::lane_buf();
                let mut __lane_b1: [_; __ad::LANES] = __ad::lane_buf();
                for __lane_k in 0..__ad::LANES {
                    let i0 = __lane_start + __lane_j + __lane_k;
                    let v = __lane_c0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let t2 = __ad::mul(&v, &v);
                    let s_2_bar = __ad::dup(&s_carried_bar);
                    let t2_bar = __ad::add_vjp1_ref(&s_1, &t2, &s_2_bar);
                    let mut v_bar = __ad::mul_vjp0(&v, &v, __ad::dup(&t2_bar));
                    {
                        let contribution = __ad::mul_vjp1(&v, &v, t2_bar);
                        __ad::acc(&mut v_bar, contribution);
                    }
                    __lane_b0[__lane_k] = t2;
                    __lane_b1[__lane_k] = v_bar;
                }
                for __lane_k in 0..__ad::LANES {
                    let i0 = __lane_start + __lane_j + __lane_k;
                    let t2 = __lane_b0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let s_2 = __ad::add(&s_1, &t2);
                    s_carried = s_2;
                }
                for __lane_k in 0..__ad::LANES {
                    let mut __lane_g0_r0 = __lane_gc0[__lane_k + 0usize];
                    __ad::lane_add(&mut __lane_g0_r0, __lane_b1[__lane_k]);
                    __lane_gc0[__lane_k] = __lane_g0_r0;
                }
                __lane_j += __ad::LANES;
            }
            while __lane_j < __lane_n {
                let __lane_c0: &[_; 1] = __ad::lane_chunk(__lane_x0, __lane_j + 0usize);
                let __lane_gc0: &mut [_; 1 + 0usize] = __ad::lane_chunk_mut(
                    __lane_g0,
                    __lane_j,
                );
                let mut __lane_b0: [_; 1] = __ad::lane_buf();
                let mut __lane_b1: [_; 1] = __ad::lane_buf();
                for __lane_k in 0..1 {
                    let i0 = __lane_start + __lane_j + __lane_k;
                    let v = __lane_c0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let t2 = __ad::mul(&v, &v);
                    let s_2_bar = __ad::dup(&s_carried_bar);
                    let t2_bar = __ad::add_vjp1_ref(&s_1, &t2, &s_2_bar);
                    let mut v_bar = __ad::mul_vjp0(&v, &v, __ad::dup(&t2_bar));
                    {
                        let contribution = __ad::mul_vjp1(&v, &v, t2_bar);
                        __ad::acc(&mut v_bar, contribution);
                    }
                    __lane_b0[__lane_k] = t2;
                    __lane_b1[__lane_k] = v_bar;
                }
                for __lane_k in 0..1 {
                    let i0 = __lane_start + __lane_j + __lane_k;
                    let t2 = __lane_b0[__lane_k];
                    let s_1 = __ad::carry(&s_carried);
                    let s_2 = __ad::add(&s_1, &t2);
                    s_carried = s_2;
                }
                for __lane_k in 0..1 {
                    let mut __lane_g0_r0 = __lane_gc0[__lane_k + 0usize];
                    __ad::lane_add(&mut __lane_g0_r0, __lane_b1[__lane_k]);
                    __lane_gc0[__lane_k] = __lane_g0_r0;
                }
                __lane_j += 1;
            }
        } else {
            for i0 in __lane_start..__lane_end {
                let v = __ad::element(&x, i0);
                let s_1 = __ad::carry(&s_carried);
                let t2 = __ad::mul(&v, &v);
                let s_2 = __ad::add(&s_1, &t2);
                s_carried = s_2;
                let s_2_bar = s_carried_bar;
                let t2_bar = __ad::add_vjp1_ref(&s_1, &t2, &s_2_bar);
                let s_1_bar = __ad::add_vjp0(&s_1, &t2, s_2_bar);
                let mut v_bar = __ad::mul_vjp0(&v, &v, __ad::dup(&t2_bar));
                {
                    let contribution = __ad::mul_vjp1(&v, &v, t2_bar);
                    __ad::acc(&mut v_bar, contribution);
                }
                s_carried_bar = __ad::carry_vjp(&s_carried, s_1_bar);
                __ad::element_acc(&x, &mut x_bar, i0, v_bar);
            }
        }
    }
    x_bar
}
///The value of [`sum_of_squares_loop`] and its pullback (like `jax.vjp`): `pullback(seed)` returns one tangent per differentiable parameter, in parameter order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn sum_of_squares_loop_vjp<'__ad>(
    x: &'__ad Array1<f64>,
) -> (f64, impl ::core::ops::FnOnce(f64) -> (Array1<f64>,) + use<'__ad>) {
    use ::autodiff::__private as __ad;
    let mut s = 0.0;
    let mut s_carried: f64 = (s);
    for i0 in 0..::autodiff::__private::count(&x) {
        let v = __ad::element(&x, i0);
        let s_1 = __ad::carry(&s_carried);
        let t2 = __ad::mul(&v, &v);
        let s_2 = __ad::add(&s_1, &t2);
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
            for i0 in (0..::autodiff::__private::count(&x)).rev() {
                let v = __ad::element(&x, i0);
                let s_1 = __ad::carry(&s_carried);
                let t2 = __ad::mul(&v, &v);
                let s_2 = __ad::add(&s_1, &t2);
                let s_2_bar_2 = s_carried_bar_2;
                let t2_bar_2 = __ad::add_vjp1_ref(&s_1, &t2, &s_2_bar_2);
                let s_1_bar_2 = __ad::add_vjp0(&s_1, &t2, s_2_bar_2);
                let mut v_bar_2 = __ad::mul_vjp0(&v, &v, __ad::dup(&t2_bar_2));
                {
                    let contribution = __ad::mul_vjp1(&v, &v, t2_bar_2);
                    __ad::acc(&mut v_bar_2, contribution);
                }
                s_carried_bar_2 = __ad::carry_vjp(&s_carried, s_1_bar_2);
                __ad::element_acc(&x, &mut x_bar_2, i0, v_bar_2);
            }
            (x_bar_2,)
        },
    )
}
