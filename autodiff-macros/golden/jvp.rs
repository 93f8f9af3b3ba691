#[allow(dead_code)]
fn weighted(x: &Array1<f64>, w: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += (w * x[i]).tanh();
    }
    s + (x * x).sum()
}
///The gradient of [`weighted`] with respect to `w`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn weighted_grad(x: &Array1<f64>, w: f64) -> f64 {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let w_dot = __ad::seed(&w);
    let mut s = 0.0;
    let mut s_carried: f64 = (s);
    let zero = __ad::zero_tangent(&s_carried);
    let mut s_carried_dot = __ad::to_owned(&zero);
    for i in 0..x.len() {
        let s_1 = __ad::carry(&s_carried);
        let s_1_dot = __ad::carry_jvp(&s_carried, &s_carried_dot);
        let t1 = __ad::index(&x, i);
        let t2 = __ad::mul(&w, &t1);
        let t2_dot = __ad::mul_jvp0(&w, &t1, &w_dot);
        let t3 = __ad::tanh(&t2);
        let t3_dot = __ad::tanh_jvp(&t2, &t3, &t2_dot);
        let s_2 = __ad::add(&s_1, &t3);
        let s_2_dot = __ad::add(&s_1_dot, &t3_dot);
        s_carried_dot = s_2_dot;
        s_carried = s_2;
    }
    let s_3 = __ad::snapshot(&s_carried);
    let s_3_dot = __ad::snapshot_jvp(&s_carried, &s_carried_dot);
    let t6 = __ad::mul(&x, &x);
    let t7 = __ad::sum(&t6);
    let t8 = __ad::add(&s_3, &t7);
    let t8_dot = __ad::add_jvp0(&s_3, &t7, &s_3_dot);
    t8_dot
}
///The value of [`weighted`] and its gradient with respect to `w`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn weighted_value_and_grad(x: &Array1<f64>, w: f64) -> (f64, f64) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let w_dot_1 = __ad::seed(&w);
    let mut s = 0.0;
    let mut s_carried: f64 = (s);
    let zero_1 = __ad::zero_tangent(&s_carried);
    let mut s_carried_dot_1 = __ad::to_owned(&zero_1);
    for i in 0..x.len() {
        let s_1 = __ad::carry(&s_carried);
        let s_1_dot_1 = __ad::carry_jvp(&s_carried, &s_carried_dot_1);
        let t1 = __ad::index(&x, i);
        let t2 = __ad::mul(&w, &t1);
        let t2_dot_1 = __ad::mul_jvp0(&w, &t1, &w_dot_1);
        let t3 = __ad::tanh(&t2);
        let t3_dot_1 = __ad::tanh_jvp(&t2, &t3, &t2_dot_1);
        let s_2 = __ad::add(&s_1, &t3);
        let s_2_dot_1 = __ad::add(&s_1_dot_1, &t3_dot_1);
        s_carried_dot_1 = s_2_dot_1;
        s_carried = s_2;
    }
    let s_3 = __ad::snapshot(&s_carried);
    let s_3_dot_1 = __ad::snapshot_jvp(&s_carried, &s_carried_dot_1);
    let t6 = __ad::mul(&x, &x);
    let t7 = __ad::sum(&t6);
    let t8 = __ad::add(&s_3, &t7);
    let t8_dot_1 = __ad::add_jvp0(&s_3, &t7, &s_3_dot_1);
    let value_1 = __ad::to_owned(&t8);
    (value_1, t8_dot_1)
}
///The gradient of [`weighted`] with respect to `x` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn weighted_grad_0(x: &Array1<f64>, w: f64) -> Array1<f64> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let mut s = 0.0;
    let mut s_carried: f64 = (s);
    for i in 0..x.len() {
        let s_1 = __ad::carry(&s_carried);
        let t1 = __ad::index(&x, i);
        let t2 = __ad::mul(&w, &t1);
        let t3 = __ad::tanh(&t2);
        let s_2 = __ad::add(&s_1, &t3);
        s_carried = s_2;
    }
    let s_3 = __ad::snapshot(&s_carried);
    let (t7, partials0) = {
        __ad::fused_sum1_value_vjp(
            &x,
            |x_elem, g_elem| {
                let t6 = __ad::mul(&x_elem, &x_elem);
                let t6_bar = g_elem;
                let mut x_elem_bar = __ad::mul_vjp0(
                    &x_elem,
                    &x_elem,
                    __ad::dup(&t6_bar),
                );
                {
                    let contribution = __ad::mul_vjp1(&x_elem, &x_elem, t6_bar);
                    __ad::acc(&mut x_elem_bar, contribution);
                }
                (t6, (x_elem_bar))
            },
        )
    };
    let mut x_bar = __ad::zero_tangent(&x);
    let mut s_carried_bar = __ad::zero_tangent(&s_carried);
    let t8_bar = __ad::one::<f64>();
    let t7_bar = __ad::add_vjp1_ref(&s_3, &t7, &t8_bar);
    let s_3_bar = __ad::add_vjp0(&s_3, &t7, t8_bar);
    let (tangent0) = partials0;
    let tangent0 = __ad::rescale(tangent0, t7_bar);
    {
        let contribution = tangent0;
        __ad::acc(&mut x_bar, contribution);
    }
    {
        let contribution = __ad::snapshot_vjp(&s_carried, s_3_bar);
        __ad::acc(&mut s_carried_bar, contribution);
    }
    for i in (0..x.len()).rev() {
        let s_1 = __ad::carry(&s_carried);
        let t1 = __ad::index(&x, i);
        let t2 = __ad::mul(&w, &t1);
        let t3 = __ad::tanh(&t2);
        let s_2 = __ad::add(&s_1, &t3);
        let s_2_bar = s_carried_bar;
        let t3_bar = __ad::add_vjp1_ref(&s_1, &t3, &s_2_bar);
        let s_1_bar = __ad::add_vjp0(&s_1, &t3, s_2_bar);
        let t2_bar = __ad::tanh_vjp(&t2, &t3, t3_bar);
        let t1_bar = __ad::mul_vjp1(&w, &t1, t2_bar);
        __ad::index_acc(&x, &mut x_bar, i, t1_bar);
        s_carried_bar = __ad::carry_vjp(&s_carried, s_1_bar);
    }
    x_bar
}
///The gradient of [`weighted`] with respect to `w` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn weighted_grad_1(x: &Array1<f64>, w: f64) -> f64 {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let w_dot = __ad::seed(&w);
    let mut s = 0.0;
    let mut s_carried: f64 = (s);
    let zero = __ad::zero_tangent(&s_carried);
    let mut s_carried_dot = __ad::to_owned(&zero);
    for i in 0..x.len() {
        let s_1 = __ad::carry(&s_carried);
        let s_1_dot = __ad::carry_jvp(&s_carried, &s_carried_dot);
        let t1 = __ad::index(&x, i);
        let t2 = __ad::mul(&w, &t1);
        let t2_dot = __ad::mul_jvp0(&w, &t1, &w_dot);
        let t3 = __ad::tanh(&t2);
        let t3_dot = __ad::tanh_jvp(&t2, &t3, &t2_dot);
        let s_2 = __ad::add(&s_1, &t3);
        let s_2_dot = __ad::add(&s_1_dot, &t3_dot);
        s_carried_dot = s_2_dot;
        s_carried = s_2;
    }
    let s_3 = __ad::snapshot(&s_carried);
    let s_3_dot = __ad::snapshot_jvp(&s_carried, &s_carried_dot);
    let t6 = __ad::mul(&x, &x);
    let t7 = __ad::sum(&t6);
    let t8 = __ad::add(&s_3, &t7);
    let t8_dot = __ad::add_jvp0(&s_3, &t7, &s_3_dot);
    t8_dot
}
///The value of [`weighted`] and its pullback (like `jax.vjp`): `pullback(seed)` returns one tangent per differentiable parameter, in parameter order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn weighted_vjp<'__ad>(
    x: &'__ad Array1<f64>,
    w: f64,
) -> (f64, impl ::core::ops::FnOnce(f64) -> (Array1<f64>, f64) + use<'__ad>) {
    use ::autodiff::__private as __ad;
    let mut s = 0.0;
    let mut s_carried: f64 = (s);
    for i in 0..x.len() {
        let s_1 = __ad::carry(&s_carried);
        let t1 = __ad::index(&x, i);
        let t2 = __ad::mul(&w, &t1);
        let t3 = __ad::tanh(&t2);
        let s_2 = __ad::add(&s_1, &t3);
        s_carried = s_2;
    }
    let s_3 = __ad::snapshot(&s_carried);
    let t7 = {
        __ad::fused_sum1(
            &x,
            |x_elem| {
                let t6 = __ad::mul(&x_elem, &x_elem);
                t6
            },
        )
    };
    let t8 = __ad::add(&s_3, &t7);
    let value_3 = t8;
    (
        value_3,
        move |seed: f64| {
            let mut x_bar_1 = __ad::zero_tangent(&x);
            let mut w_bar = __ad::zero_tangent(&w);
            let mut s_carried_bar_1 = __ad::zero_tangent(&s_carried);
            let t8_bar_1 = seed;
            let t7_bar_1 = __ad::add_vjp1_ref(&s_3, &t7, &t8_bar_1);
            let s_3_bar_1 = __ad::add_vjp0(&s_3, &t7, t8_bar_1);
            let (tangent1) = {
                __ad::fused_sum1_vjp(
                    &x,
                    t7_bar_1,
                    |x_elem, g_elem_1| {
                        let t6_bar_1 = g_elem_1;
                        let mut x_elem_bar_1 = __ad::mul_vjp0(
                            &x_elem,
                            &x_elem,
                            __ad::dup(&t6_bar_1),
                        );
                        {
                            let contribution = __ad::mul_vjp1(
                                &x_elem,
                                &x_elem,
                                t6_bar_1,
                            );
                            __ad::acc(&mut x_elem_bar_1, contribution);
                        }
                        (x_elem_bar_1)
                    },
                )
            };
            {
                let contribution = tangent1;
                __ad::acc(&mut x_bar_1, contribution);
            }
            {
                let contribution = __ad::snapshot_vjp(&s_carried, s_3_bar_1);
                __ad::acc(&mut s_carried_bar_1, contribution);
            }
            for i in (0..x.len()).rev() {
                let s_1 = __ad::carry(&s_carried);
                let t1 = __ad::index(&x, i);
                let t2 = __ad::mul(&w, &t1);
                let t3 = __ad::tanh(&t2);
                let s_2 = __ad::add(&s_1, &t3);
                let s_2_bar_1 = s_carried_bar_1;
                let t3_bar_1 = __ad::add_vjp1_ref(&s_1, &t3, &s_2_bar_1);
                let s_1_bar_1 = __ad::add_vjp0(&s_1, &t3, s_2_bar_1);
                let t2_bar_1 = __ad::tanh_vjp(&t2, &t3, t3_bar_1);
                {
                    let contribution = __ad::mul_vjp0(&w, &t1, __ad::dup(&t2_bar_1));
                    __ad::acc(&mut w_bar, contribution);
                }
                let t1_bar_1 = __ad::mul_vjp1(&w, &t1, t2_bar_1);
                __ad::index_acc(&x, &mut x_bar_1, i, t1_bar_1);
                s_carried_bar_1 = __ad::carry_vjp(&s_carried, s_1_bar_1);
            }
            (x_bar_1, w_bar)
        },
    )
}
///The value of [`weighted`] and its tangent (like `jax.jvp`): `tangents` holds one tangent per differentiable parameter, in parameter order; forward mode, which stores nothing.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn weighted_jvp(x: &Array1<f64>, w: f64, tangents: (Array1<f64>, f64)) -> (f64, f64) {
    use ::autodiff::__private as __ad;
    let (x_dot, w_dot_2) = tangents;
    let mut s = 0.0;
    let mut s_carried: f64 = (s);
    let zero_2 = __ad::zero_tangent(&s_carried);
    let mut s_carried_dot_2 = __ad::to_owned(&zero_2);
    for i in 0..x.len() {
        let s_1 = __ad::carry(&s_carried);
        let s_1_dot_2 = __ad::carry_jvp(&s_carried, &s_carried_dot_2);
        let t1 = __ad::index(&x, i);
        let t1_dot = __ad::index_jvp(&x, i, &x_dot);
        let t2 = __ad::mul(&w, &t1);
        let t2_dot0 = __ad::mul_jvp0(&w, &t1, &w_dot_2);
        let t2_dot1 = __ad::mul_jvp1(&w, &t1, &t1_dot);
        let t2_dot_2 = __ad::add(&t2_dot0, &t2_dot1);
        let t3 = __ad::tanh(&t2);
        let t3_dot_2 = __ad::tanh_jvp(&t2, &t3, &t2_dot_2);
        let s_2 = __ad::add(&s_1, &t3);
        let s_2_dot_2 = __ad::add(&s_1_dot_2, &t3_dot_2);
        s_carried_dot_2 = s_2_dot_2;
        s_carried = s_2;
    }
    __ad::release(zero_2);
    let s_3 = __ad::snapshot(&s_carried);
    let s_3_dot_2 = __ad::snapshot_jvp(&s_carried, &s_carried_dot_2);
    let (t7, t7_dot) = if let ::core::option::Option::Some(__map_shape) = __ad::map_shape(
        &(&x, &x_dot),
    ) {
        let (t7, t7_dot) = __ad::map_kernel(
            &__map_shape,
            (&x, &x_dot),
            |(x, x_dot)| {
                let t6 = __ad::mul(&x, &x);
                let t6_dot0 = __ad::mul_jvp0(&x, &x, &x_dot);
                let t6_dot1 = __ad::mul_jvp1(&x, &x, &x_dot);
                let t6_dot = __ad::add(&t6_dot0, &t6_dot1);
                let t7 = __ad::Summed(t6);
                let t7_dot = __ad::Summed(t6_dot);
                (t7, t7_dot)
            },
        );
        (__ad::from_kernel(t7), __ad::from_kernel(t7_dot))
    } else {
        let t6 = __ad::mul(&x, &x);
        let t6_dot0 = __ad::mul_jvp0(&x, &x, &x_dot);
        let t6_dot1 = __ad::mul_jvp1(&x, &x, &x_dot);
        let t6_dot = __ad::add(&t6_dot0, &t6_dot1);
        let t7 = __ad::sum(&t6);
        let t7_dot = __ad::sum_jvp(&t6, &t6_dot);
        (t7, t7_dot)
    };
    let t8 = __ad::add(&s_3, &t7);
    __ad::release(t7);
    __ad::release(s_3);
    let t8_dot_2 = __ad::add(&s_3_dot_2, &t7_dot);
    __ad::release(t7_dot);
    __ad::release(s_3_dot_2);
    let value_4 = __ad::to_owned(&t8);
    let tangent_out = t8_dot_2;
    (value_4, tangent_out)
}
