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
    clippy::all
)]
fn sum_squared_error_grad(
    x: &Array1<f32>,
    y: &Array1<f32>,
) -> (Array1<f32>, Array1<f32>) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f32>();
    let d = __ad::sub(&x, &y);
    let t1 = __ad::mul(&d, &d);
    let t2_bar = __ad::one::<f32>();
    let t1_bar = __ad::sum_vjp(&t1, t2_bar);
    let mut d_bar = __ad::mul_vjp0(&d, &d, __ad::dup(&t1_bar));
    {
        let contribution = __ad::mul_vjp1(&d, &d, t1_bar);
        __ad::acc(&mut d_bar, contribution);
    }
    let x_bar = __ad::sub_vjp0(&x, &y, __ad::dup(&d_bar));
    let y_bar = __ad::sub_vjp1(&x, &y, d_bar);
    (x_bar, y_bar)
}
///The value of [`sum_squared_error`] and its gradient with respect to `x`, `y`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    clippy::all
)]
fn sum_squared_error_value_and_grad(
    x: &Array1<f32>,
    y: &Array1<f32>,
) -> (f32, (Array1<f32>, Array1<f32>)) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f32>();
    let d = __ad::sub(&x, &y);
    let t1 = __ad::mul(&d, &d);
    let t2 = __ad::sum(&t1);
    let value_1 = __ad::to_owned(&t2);
    let t2_bar_1 = __ad::one::<f32>();
    let t1_bar_1 = __ad::sum_vjp(&t1, t2_bar_1);
    let mut d_bar_1 = __ad::mul_vjp0(&d, &d, __ad::dup(&t1_bar_1));
    {
        let contribution = __ad::mul_vjp1(&d, &d, t1_bar_1);
        __ad::acc(&mut d_bar_1, contribution);
    }
    let x_bar_1 = __ad::sub_vjp0(&x, &y, __ad::dup(&d_bar_1));
    let y_bar_1 = __ad::sub_vjp1(&x, &y, d_bar_1);
    (value_1, (x_bar_1, y_bar_1))
}
///The gradient of [`sum_squared_error`] with respect to `x` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    clippy::all
)]
fn sum_squared_error_grad_0(x: &Array1<f32>, y: &Array1<f32>) -> Array1<f32> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f32>();
    let d = __ad::sub(&x, &y);
    let t1 = __ad::mul(&d, &d);
    let t2_bar_2 = __ad::one::<f32>();
    let t1_bar_2 = __ad::sum_vjp(&t1, t2_bar_2);
    let mut d_bar_2 = __ad::mul_vjp0(&d, &d, __ad::dup(&t1_bar_2));
    {
        let contribution = __ad::mul_vjp1(&d, &d, t1_bar_2);
        __ad::acc(&mut d_bar_2, contribution);
    }
    let x_bar_2 = __ad::sub_vjp0(&x, &y, d_bar_2);
    x_bar_2
}
///The gradient of [`sum_squared_error`] with respect to `y` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    clippy::all
)]
fn sum_squared_error_grad_1(x: &Array1<f32>, y: &Array1<f32>) -> Array1<f32> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f32>();
    let d = __ad::sub(&x, &y);
    let t1 = __ad::mul(&d, &d);
    let t2_bar_3 = __ad::one::<f32>();
    let t1_bar_3 = __ad::sum_vjp(&t1, t2_bar_3);
    let mut d_bar_3 = __ad::mul_vjp0(&d, &d, __ad::dup(&t1_bar_3));
    {
        let contribution = __ad::mul_vjp1(&d, &d, t1_bar_3);
        __ad::acc(&mut d_bar_3, contribution);
    }
    let y_bar_2 = __ad::sub_vjp1(&x, &y, d_bar_3);
    y_bar_2
}
///The gradients of [`sum_squared_error`] with respect to `x`, `y` (the same as `sum_squared_error_grad`).
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    clippy::all
)]
fn sum_squared_error_grad_0_1(
    x: &Array1<f32>,
    y: &Array1<f32>,
) -> (Array1<f32>, Array1<f32>) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f32>();
    let d = __ad::sub(&x, &y);
    let t1 = __ad::mul(&d, &d);
    let t2_bar_4 = __ad::one::<f32>();
    let t1_bar_4 = __ad::sum_vjp(&t1, t2_bar_4);
    let mut d_bar_4 = __ad::mul_vjp0(&d, &d, __ad::dup(&t1_bar_4));
    {
        let contribution = __ad::mul_vjp1(&d, &d, t1_bar_4);
        __ad::acc(&mut d_bar_4, contribution);
    }
    let x_bar_3 = __ad::sub_vjp0(&x, &y, __ad::dup(&d_bar_4));
    let y_bar_3 = __ad::sub_vjp1(&x, &y, d_bar_4);
    (x_bar_3, y_bar_3)
}
///The value of [`sum_squared_error`] and its pullback (like `jax.vjp`): `pullback(seed)` returns one tangent per differentiable parameter, in parameter order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    clippy::all
)]
fn sum_squared_error_vjp<'__ad>(
    x: &'__ad Array1<f32>,
    y: &'__ad Array1<f32>,
) -> (f32, impl ::core::ops::FnOnce(f32) -> (Array1<f32>, Array1<f32>) + use<'__ad>) {
    use ::autodiff::__private as __ad;
    let d = __ad::sub(&x, &y);
    let t1 = __ad::mul(&d, &d);
    let t2 = __ad::sum(&t1);
    let value_5 = t2;
    (
        value_5,
        move |seed: f32| {
            let t2_bar_5 = seed;
            let t1_bar_5 = __ad::sum_vjp(&t1, t2_bar_5);
            let mut d_bar_5 = __ad::mul_vjp0(&d, &d, __ad::dup(&t1_bar_5));
            {
                let contribution = __ad::mul_vjp1(&d, &d, t1_bar_5);
                __ad::acc(&mut d_bar_5, contribution);
            }
            let x_bar_4 = __ad::sub_vjp0(&x, &y, __ad::dup(&d_bar_5));
            let y_bar_4 = __ad::sub_vjp1(&x, &y, d_bar_5);
            (x_bar_4, y_bar_4)
        },
    )
}
