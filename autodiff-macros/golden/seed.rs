#[allow(dead_code)]
fn sum_squared_error(x: &Array1<f32>, y: &Array1<f32>) -> f32 {
    let d = x - y;
    (&d * &d).sum()
}
///The gradient of [`sum_squared_error`] with respect to `x`, `y`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn sum_squared_error_grad(
    x: &Array1<f32>,
    y: &Array1<f32>,
) -> (Array1<f32>, Array1<f32>) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f32>();
    let t2_bar = __ad::one::<f32>();
    let (tangent0, tangent1) = {
        {
            let shape0 = __ad::kernel_shape_of(&x);
            let shape1 = __ad::kernel_shape_of(&y);
            let shape2 = __ad::broadcast_shapes(&shape0, &shape1);
        }
        __ad::fused_sum2_vjp(
            &x,
            &y,
            t2_bar,
            |x_elem, y_elem, g_elem| {
                let d = __ad::sub(&x_elem, &y_elem);
                let t1_bar = g_elem;
                let mut d_bar = __ad::mul_vjp0(&d, &d, __ad::dup(&t1_bar));
                {
                    let contribution = __ad::mul_vjp1(&d, &d, t1_bar);
                    __ad::acc(&mut d_bar, contribution);
                }
                let y_elem_bar = __ad::sub_vjp1_ref(&x_elem, &y_elem, &d_bar);
                let x_elem_bar = __ad::sub_vjp0(&x_elem, &y_elem, d_bar);
                (x_elem_bar, y_elem_bar)
            },
        )
    };
    let x_bar = tangent0;
    let y_bar = tangent1;
    (x_bar, y_bar)
}
///The value of [`sum_squared_error`] and its gradient with respect to `x`, `y`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn sum_squared_error_value_and_grad(
    x: &Array1<f32>,
    y: &Array1<f32>,
) -> (f32, (Array1<f32>, Array1<f32>)) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f32>();
    let (t2, partials0) = {
        {
            let shape3 = __ad::kernel_shape_of(&x);
            let shape4 = __ad::kernel_shape_of(&y);
            let shape5 = __ad::broadcast_shapes(&shape3, &shape4);
        }
        __ad::fused_sum2_value_vjp(
            &x,
            &y,
            |x_elem, y_elem, g_elem_1| {
                let d = __ad::sub(&x_elem, &y_elem);
                let t1 = __ad::mul(&d, &d);
                let t1_bar_1 = g_elem_1;
                let mut d_bar_1 = __ad::mul_vjp0(&d, &d, __ad::dup(&t1_bar_1));
                {
                    let contribution = __ad::mul_vjp1(&d, &d, t1_bar_1);
                    __ad::acc(&mut d_bar_1, contribution);
                }
                let y_elem_bar_1 = __ad::sub_vjp1_ref(&x_elem, &y_elem, &d_bar_1);
                let x_elem_bar_1 = __ad::sub_vjp0(&x_elem, &y_elem, d_bar_1);
                (t1, (x_elem_bar_1, y_elem_bar_1))
            },
        )
    };
    let value_1 = __ad::to_owned(&t2);
    let t2_bar_1 = __ad::one::<f32>();
    let (tangent2, tangent3) = partials0;
    let tangent2 = __ad::rescale(tangent2, t2_bar_1);
    let tangent3 = __ad::rescale(tangent3, t2_bar_1);
    let x_bar_1 = tangent2;
    let y_bar_1 = tangent3;
    (value_1, (x_bar_1, y_bar_1))
}
///The gradient of [`sum_squared_error`] with respect to `x` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn sum_squared_error_grad_0(x: &Array1<f32>, y: &Array1<f32>) -> Array1<f32> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f32>();
    let t2_bar_2 = __ad::one::<f32>();
    let (tangent4, _) = {
        {
            let shape6 = __ad::kernel_shape_of(&x);
            let shape7 = __ad::kernel_shape_of(&y);
            let shape8 = __ad::broadcast_shapes(&shape6, &shape7);
        }
        __ad::fused_sum2_vjp(
            &x,
            &__ad::NoGrad(&y),
            t2_bar_2,
            |x_elem, y_elem, g_elem_2| {
                let d = __ad::sub(&x_elem, &y_elem);
                let t1_bar_2 = g_elem_2;
                let mut d_bar_2 = __ad::mul_vjp0(&d, &d, __ad::dup(&t1_bar_2));
                {
                    let contribution = __ad::mul_vjp1(&d, &d, t1_bar_2);
                    __ad::acc(&mut d_bar_2, contribution);
                }
                let x_elem_bar_2 = __ad::sub_vjp0(&x_elem, &y_elem, d_bar_2);
                (x_elem_bar_2, __ad::zero_tangent(&y_elem))
            },
        )
    };
    let x_bar_2 = tangent4;
    x_bar_2
}
///The gradient of [`sum_squared_error`] with respect to `y` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn sum_squared_error_grad_1(x: &Array1<f32>, y: &Array1<f32>) -> Array1<f32> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f32>();
    let t2_bar_3 = __ad::one::<f32>();
    let (_, tangent5) = {
        {
            let shape9 = __ad::kernel_shape_of(&x);
            let shape10 = __ad::kernel_shape_of(&y);
            let shape11 = __ad::broadcast_shapes(&shape9, &shape10);
        }
        __ad::fused_sum2_vjp(
            &__ad::NoGrad(&x),
            &y,
            t2_bar_3,
            |x_elem, y_elem, g_elem_3| {
                let d = __ad::sub(&x_elem, &y_elem);
                let t1_bar_3 = g_elem_3;
                let mut d_bar_3 = __ad::mul_vjp0(&d, &d, __ad::dup(&t1_bar_3));
                {
                    let contribution = __ad::mul_vjp1(&d, &d, t1_bar_3);
                    __ad::acc(&mut d_bar_3, contribution);
                }
                let y_elem_bar_2 = __ad::sub_vjp1(&x_elem, &y_elem, d_bar_3);
                (__ad::zero_tangent(&x_elem), y_elem_bar_2)
            },
        )
    };
    let y_bar_2 = tangent5;
    y_bar_2
}
///The gradients of [`sum_squared_error`] with respect to `x`, `y` (the same as `sum_squared_error_grad`).
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn sum_squared_error_grad_0_1(
    x: &Array1<f32>,
    y: &Array1<f32>,
) -> (Array1<f32>, Array1<f32>) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f32>();
    let t2_bar = __ad::one::<f32>();
    let (tangent0, tangent1) = {
        {
            let shape0 = __ad::kernel_shape_of(&x);
            let shape1 = __ad::kernel_shape_of(&y);
            let shape2 = __ad::broadcast_shapes(&shape0, &shape1);
        }
        __ad::fused_sum2_vjp(
            &x,
            &y,
            t2_bar,
            |x_elem, y_elem, g_elem| {
                let d = __ad::sub(&x_elem, &y_elem);
                let t1_bar = g_elem;
                let mut d_bar = __ad::mul_vjp0(&d, &d, __ad::dup(&t1_bar));
                {
                    let contribution = __ad::mul_vjp1(&d, &d, t1_bar);
                    __ad::acc(&mut d_bar, contribution);
                }
                let y_elem_bar = __ad::sub_vjp1_ref(&x_elem, &y_elem, &d_bar);
                let x_elem_bar = __ad::sub_vjp0(&x_elem, &y_elem, d_bar);
                (x_elem_bar, y_elem_bar)
            },
        )
    };
    let x_bar = tangent0;
    let y_bar = tangent1;
    (x_bar, y_bar)
}
///The value of [`sum_squared_error`] and its pullback (like `jax.vjp`): `pullback(seed)` returns one tangent per differentiable parameter, in parameter order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn sum_squared_error_vjp<'__ad>(
    x: &'__ad Array1<f32>,
    y: &'__ad Array1<f32>,
) -> (f32, impl ::core::ops::FnOnce(f32) -> (Array1<f32>, Array1<f32>) + use<'__ad>) {
    use ::autodiff::__private as __ad;
    let t2 = {
        {
            let shape15 = __ad::kernel_shape_of(&x);
            let shape16 = __ad::kernel_shape_of(&y);
            let shape17 = __ad::broadcast_shapes(&shape15, &shape16);
        }
        __ad::fused_sum2(
            &x,
            &y,
            |x_elem, y_elem| {
                let d = __ad::sub(&x_elem, &y_elem);
                let t1 = __ad::mul(&d, &d);
                t1
            },
        )
    };
    let value_4 = t2;
    (
        value_4,
        move |seed: f32| {
            let t2_bar_4 = seed;
            let (tangent6, tangent7) = {
                {
                    let shape12 = __ad::kernel_shape_of(&x);
                    let shape13 = __ad::kernel_shape_of(&y);
                    let shape14 = __ad::broadcast_shapes(&shape12, &shape13);
                }
                __ad::fused_sum2_vjp(
                    &x,
                    &y,
                    t2_bar_4,
                    |x_elem, y_elem, g_elem_4| {
                        let d = __ad::sub(&x_elem, &y_elem);
                        let t1_bar_4 = g_elem_4;
                        let mut d_bar_4 = __ad::mul_vjp0(&d, &d, __ad::dup(&t1_bar_4));
                        {
                            let contribution = __ad::mul_vjp1(&d, &d, t1_bar_4);
                            __ad::acc(&mut d_bar_4, contribution);
                        }
                        let y_elem_bar_3 = __ad::sub_vjp1_ref(
                            &x_elem,
                            &y_elem,
                            &d_bar_4,
                        );
                        let x_elem_bar_3 = __ad::sub_vjp0(&x_elem, &y_elem, d_bar_4);
                        (x_elem_bar_3, y_elem_bar_3)
                    },
                )
            };
            let x_bar_3 = tangent6;
            let y_bar_3 = tangent7;
            (x_bar_3, y_bar_3)
        },
    )
}
