#[allow(dead_code)]
fn loss(m: &Model, x: &Array1<f64>) -> f64 {
    let h = (m.w.dot(x) + &m.b).mapv(f64::tanh);
    h.sum() * m.scale
}
///The gradient of [`loss`] with respect to `m`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn loss_grad(
    m: &Model,
    x: &Array1<f64>,
) -> <Model as ::autodiff::__private::Differentiable>::Tangent {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let t0 = &(&m).w;
    let t1 = __ad::dot(&t0, &x);
    let t2 = &(&m).b;
    let (t5, partials0) = {
        {
            let shape0 = __ad::kernel_shape_of(&t1);
            let shape1 = __ad::kernel_shape_of(&t2);
            let shape2 = __ad::broadcast_shapes(&shape0, &shape1);
        }
        __ad::fused_sum2_value_vjp(
            &t1,
            &t2,
            |t1_elem, t2_elem, g_elem| {
                let t3 = __ad::add(&t1_elem, &t2_elem);
                let h = __ad::tanh(&t3);
                let h_bar = g_elem;
                let t3_bar = __ad::tanh_vjp(&t3, &h, h_bar);
                let t2_elem_bar = __ad::add_vjp1_ref(&t1_elem, &t2_elem, &t3_bar);
                let t1_elem_bar = __ad::add_vjp0(&t1_elem, &t2_elem, t3_bar);
                (h, (t1_elem_bar, t2_elem_bar))
            },
        )
    };
    let t6 = &(&m).scale;
    let mut m_bar = __ad::zero_tangent(&m);
    let t7_bar = __ad::one::<f64>();
    let t5_bar = __ad::mul_vjp0(&t5, &t6, __ad::dup(&t7_bar));
    let t6_bar = __ad::mul_vjp1(&t5, &t6, t7_bar);
    __ad::acc(&mut m_bar.scale, t6_bar);
    let (tangent0, tangent1) = partials0;
    let tangent0 = __ad::rescale(tangent0, t5_bar);
    let tangent1 = __ad::rescale(tangent1, t5_bar);
    let t1_bar = tangent0;
    let t2_bar = tangent1;
    __ad::acc(&mut m_bar.b, t2_bar);
    let t0_bar = __ad::dot_vjp0(&t0, &x, t1_bar);
    __ad::acc(&mut m_bar.w, t0_bar);
    m_bar
}
///The value of [`loss`] and its gradient with respect to `m`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn loss_value_and_grad(
    m: &Model,
    x: &Array1<f64>,
) -> (f64, <Model as ::autodiff::__private::Differentiable>::Tangent) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let t0 = &(&m).w;
    let t1 = __ad::dot(&t0, &x);
    let t2 = &(&m).b;
    let (t5, partials1) = {
        {
            let shape3 = __ad::kernel_shape_of(&t1);
            let shape4 = __ad::kernel_shape_of(&t2);
            let shape5 = __ad::broadcast_shapes(&shape3, &shape4);
        }
        __ad::fused_sum2_value_vjp(
            &t1,
            &t2,
            |t1_elem, t2_elem, g_elem_1| {
                let t3 = __ad::add(&t1_elem, &t2_elem);
                let h = __ad::tanh(&t3);
                let h_bar_1 = g_elem_1;
                let t3_bar_1 = __ad::tanh_vjp(&t3, &h, h_bar_1);
                let t2_elem_bar_1 = __ad::add_vjp1_ref(&t1_elem, &t2_elem, &t3_bar_1);
                let t1_elem_bar_1 = __ad::add_vjp0(&t1_elem, &t2_elem, t3_bar_1);
                (h, (t1_elem_bar_1, t2_elem_bar_1))
            },
        )
    };
    let t6 = &(&m).scale;
    let t7 = __ad::mul(&t5, &t6);
    let value_1 = __ad::to_owned(&t7);
    let mut m_bar_1 = __ad::zero_tangent(&m);
    let t7_bar_1 = __ad::one::<f64>();
    let t5_bar_1 = __ad::mul_vjp0(&t5, &t6, __ad::dup(&t7_bar_1));
    let t6_bar_1 = __ad::mul_vjp1(&t5, &t6, t7_bar_1);
    __ad::acc(&mut m_bar_1.scale, t6_bar_1);
    let (tangent2, tangent3) = partials1;
    let tangent2 = __ad::rescale(tangent2, t5_bar_1);
    let tangent3 = __ad::rescale(tangent3, t5_bar_1);
    let t1_bar_1 = tangent2;
    let t2_bar_1 = tangent3;
    __ad::acc(&mut m_bar_1.b, t2_bar_1);
    let t0_bar_1 = __ad::dot_vjp0(&t0, &x, t1_bar_1);
    __ad::acc(&mut m_bar_1.w, t0_bar_1);
    (value_1, m_bar_1)
}
///The gradient of [`loss`] with respect to `m` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn loss_grad_0(
    m: &Model,
    x: &Array1<f64>,
) -> <Model as ::autodiff::__private::Differentiable>::Tangent {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let t0 = &(&m).w;
    let t1 = __ad::dot(&t0, &x);
    let t2 = &(&m).b;
    let (t5, partials0) = {
        {
            let shape0 = __ad::kernel_shape_of(&t1);
            let shape1 = __ad::kernel_shape_of(&t2);
            let shape2 = __ad::broadcast_shapes(&shape0, &shape1);
        }
        __ad::fused_sum2_value_vjp(
            &t1,
            &t2,
            |t1_elem, t2_elem, g_elem| {
                let t3 = __ad::add(&t1_elem, &t2_elem);
                let h = __ad::tanh(&t3);
                let h_bar = g_elem;
                let t3_bar = __ad::tanh_vjp(&t3, &h, h_bar);
                let t2_elem_bar = __ad::add_vjp1_ref(&t1_elem, &t2_elem, &t3_bar);
                let t1_elem_bar = __ad::add_vjp0(&t1_elem, &t2_elem, t3_bar);
                (h, (t1_elem_bar, t2_elem_bar))
            },
        )
    };
    let t6 = &(&m).scale;
    let mut m_bar = __ad::zero_tangent(&m);
    let t7_bar = __ad::one::<f64>();
    let t5_bar = __ad::mul_vjp0(&t5, &t6, __ad::dup(&t7_bar));
    let t6_bar = __ad::mul_vjp1(&t5, &t6, t7_bar);
    __ad::acc(&mut m_bar.scale, t6_bar);
    let (tangent0, tangent1) = partials0;
    let tangent0 = __ad::rescale(tangent0, t5_bar);
    let tangent1 = __ad::rescale(tangent1, t5_bar);
    let t1_bar = tangent0;
    let t2_bar = tangent1;
    __ad::acc(&mut m_bar.b, t2_bar);
    let t0_bar = __ad::dot_vjp0(&t0, &x, t1_bar);
    __ad::acc(&mut m_bar.w, t0_bar);
    m_bar
}
///The gradient of [`loss`] with respect to `x` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn loss_grad_1(m: &Model, x: &Array1<f64>) -> Array1<f64> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let t0 = &(&m).w;
    let t1 = __ad::dot(&t0, &x);
    let t2 = &(&m).b;
    let (t5, partials2) = {
        {
            let shape6 = __ad::kernel_shape_of(&t1);
            let shape7 = __ad::kernel_shape_of(&t2);
            let shape8 = __ad::broadcast_shapes(&shape6, &shape7);
        }
        __ad::fused_sum2_value_vjp(
            &t1,
            &__ad::NoGrad(&t2),
            |t1_elem, t2_elem, g_elem_2| {
                let t3 = __ad::add(&t1_elem, &t2_elem);
                let h = __ad::tanh(&t3);
                let h_bar_2 = g_elem_2;
                let t3_bar_2 = __ad::tanh_vjp(&t3, &h, h_bar_2);
                let t1_elem_bar_2 = __ad::add_vjp0(&t1_elem, &t2_elem, t3_bar_2);
                (h, (t1_elem_bar_2, __ad::zero_tangent(&t2_elem)))
            },
        )
    };
    let t6 = &(&m).scale;
    let t7_bar_2 = __ad::one::<f64>();
    let t5_bar_2 = __ad::mul_vjp0(&t5, &t6, t7_bar_2);
    let (tangent4, _) = partials2;
    let tangent4 = __ad::rescale(tangent4, t5_bar_2);
    let t1_bar_2 = tangent4;
    let x_bar = __ad::dot_vjp1(&t0, &x, t1_bar_2);
    x_bar
}
///The value of [`loss`] and its pullback (like `jax.vjp`): `pullback(seed)` returns one tangent per differentiable parameter, in parameter order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn loss_vjp<'__ad>(
    m: &'__ad Model,
    x: &'__ad Array1<f64>,
) -> (
    f64,
    impl ::core::ops::FnOnce(
        f64,
    ) -> (
            <Model as ::autodiff::__private::Differentiable>::Tangent,
            Array1<f64>,
        ) + use<'__ad>,
) {
    use ::autodiff::__private as __ad;
    let t0 = ::core::clone::Clone::clone(&(&m).w);
    let t1 = __ad::dot(&t0, &x);
    let t2 = ::core::clone::Clone::clone(&(&m).b);
    let t5 = {
        {
            let shape12 = __ad::kernel_shape_of(&t1);
            let shape13 = __ad::kernel_shape_of(&t2);
            let shape14 = __ad::broadcast_shapes(&shape12, &shape13);
        }
        __ad::fused_sum2(
            &t1,
            &t2,
            |t1_elem, t2_elem| {
                let t3 = __ad::add(&t1_elem, &t2_elem);
                let h = __ad::tanh(&t3);
                h
            },
        )
    };
    let t6 = ::core::clone::Clone::clone(&(&m).scale);
    let t7 = __ad::mul(&t5, &t6);
    let value_3 = t7;
    (
        value_3,
        move |seed: f64| {
            let mut m_bar_2 = __ad::zero_tangent(&m);
            let t7_bar_3 = seed;
            let t5_bar_3 = __ad::mul_vjp0(&t5, &t6, __ad::dup(&t7_bar_3));
            let t6_bar_2 = __ad::mul_vjp1(&t5, &t6, t7_bar_3);
            __ad::acc(&mut m_bar_2.scale, t6_bar_2);
            let (tangent5, tangent6) = {
                {
                    let shape9 = __ad::kernel_shape_of(&t1);
                    let shape10 = __ad::kernel_shape_of(&t2);
                    let shape11 = __ad::broadcast_shapes(&shape9, &shape10);
                }
                __ad::fused_sum2_vjp(
                    &t1,
                    &t2,
                    t5_bar_3,
                    |t1_elem, t2_elem, g_elem_3| {
                        let t3 = __ad::add(&t1_elem, &t2_elem);
                        let h = __ad::tanh(&t3);
                        let h_bar_3 = g_elem_3;
                        let t3_bar_3 = __ad::tanh_vjp(&t3, &h, h_bar_3);
                        let t2_elem_bar_2 = __ad::add_vjp1_ref(
                            &t1_elem,
                            &t2_elem,
                            &t3_bar_3,
                        );
                        let t1_elem_bar_3 = __ad::add_vjp0(&t1_elem, &t2_elem, t3_bar_3);
                        (t1_elem_bar_3, t2_elem_bar_2)
                    },
                )
            };
            let t1_bar_3 = tangent5;
            let t2_bar_2 = tangent6;
            __ad::acc(&mut m_bar_2.b, t2_bar_2);
            let t0_bar_2 = __ad::dot_vjp0(&t0, &x, &t1_bar_3);
            let x_bar_1 = __ad::dot_vjp1(&t0, &x, t1_bar_3);
            __ad::acc(&mut m_bar_2.w, t0_bar_2);
            (m_bar_2, x_bar_1)
        },
    )
}
