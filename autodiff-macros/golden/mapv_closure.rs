#[allow(dead_code)]
fn variance(x: &Array1<f64>) -> f64 {
    let mu = x.mean().unwrap();
    x.mapv(|v| (v - mu).powi(2)).sum()
}
///The gradient of [`variance`] with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn variance_grad(x: &Array1<f64>) -> Array1<f64> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let mu = __ad::mean(&x);
    let t3 = __ad::mapv(
        &x,
        |v| {
            let t1 = __ad::sub(&v, &mu);
            let t2 = __ad::powi(&t1, 2);
            t2
        },
    );
    let mut mu_bar = __ad::zero_tangent(&mu);
    let t4_bar = __ad::one::<f64>();
    let t3_bar = __ad::sum_vjp(&t3, t4_bar);
    let mut x_bar = __ad::mapv_vjp(
        &x,
        t3_bar,
        |v, v_out_bar| {
            let t1 = __ad::sub(&v, &mu);
            let t2 = __ad::powi(&t1, 2);
            let t2_bar = v_out_bar;
            let t1_bar = __ad::powi_vjp(&t1, 2, &t2, t2_bar);
            {
                let contribution = __ad::sub_vjp1_ref(&v, &mu, &t1_bar);
                __ad::acc(&mut mu_bar, contribution);
            }
            let v_bar = __ad::sub_vjp0(&v, &mu, t1_bar);
            v_bar
        },
    );
    {
        let contribution = __ad::mean_vjp(&x, mu_bar);
        __ad::acc(&mut x_bar, contribution);
    }
    x_bar
}
///The value of [`variance`] and its gradient with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn variance_value_and_grad(x: &Array1<f64>) -> (f64, Array1<f64>) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let mu = __ad::mean(&x);
    let t3 = __ad::mapv(
        &x,
        |v| {
            let t1 = __ad::sub(&v, &mu);
            let t2 = __ad::powi(&t1, 2);
            t2
        },
    );
    let t4 = __ad::sum(&t3);
    let value_1 = __ad::to_owned(&t4);
    let mut mu_bar_1 = __ad::zero_tangent(&mu);
    let t4_bar_1 = __ad::one::<f64>();
    let t3_bar_1 = __ad::sum_vjp(&t3, t4_bar_1);
    let mut x_bar_1 = __ad::mapv_vjp(
        &x,
        t3_bar_1,
        |v, v_out_bar_1| {
            let t1 = __ad::sub(&v, &mu);
            let t2 = __ad::powi(&t1, 2);
            let t2_bar_1 = v_out_bar_1;
            let t1_bar_1 = __ad::powi_vjp(&t1, 2, &t2, t2_bar_1);
            {
                let contribution = __ad::sub_vjp1_ref(&v, &mu, &t1_bar_1);
                __ad::acc(&mut mu_bar_1, contribution);
            }
            let v_bar_1 = __ad::sub_vjp0(&v, &mu, t1_bar_1);
            v_bar_1
        },
    );
    {
        let contribution = __ad::mean_vjp(&x, mu_bar_1);
        __ad::acc(&mut x_bar_1, contribution);
    }
    (value_1, x_bar_1)
}
///The gradient of [`variance`] with respect to `x` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn variance_grad_0(x: &Array1<f64>) -> Array1<f64> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let mu = __ad::mean(&x);
    let t3 = __ad::mapv(
        &x,
        |v| {
            let t1 = __ad::sub(&v, &mu);
            let t2 = __ad::powi(&t1, 2);
            t2
        },
    );
    let mut mu_bar = __ad::zero_tangent(&mu);
    let t4_bar = __ad::one::<f64>();
    let t3_bar = __ad::sum_vjp(&t3, t4_bar);
    let mut x_bar = __ad::mapv_vjp(
        &x,
        t3_bar,
        |v, v_out_bar| {
            let t1 = __ad::sub(&v, &mu);
            let t2 = __ad::powi(&t1, 2);
            let t2_bar = v_out_bar;
            let t1_bar = __ad::powi_vjp(&t1, 2, &t2, t2_bar);
            {
                let contribution = __ad::sub_vjp1_ref(&v, &mu, &t1_bar);
                __ad::acc(&mut mu_bar, contribution);
            }
            let v_bar = __ad::sub_vjp0(&v, &mu, t1_bar);
            v_bar
        },
    );
    {
        let contribution = __ad::mean_vjp(&x, mu_bar);
        __ad::acc(&mut x_bar, contribution);
    }
    x_bar
}
///The value of [`variance`] and its pullback (like `jax.vjp`): `pullback(seed)` returns one tangent per differentiable parameter, in parameter order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn variance_vjp<'__ad>(
    x: &'__ad Array1<f64>,
) -> (f64, impl ::core::ops::FnOnce(f64) -> (Array1<f64>,) + use<'__ad>) {
    use ::autodiff::__private as __ad;
    let mu = __ad::mean(&x);
    let t3 = __ad::mapv(
        &x,
        |v| {
            let t1 = __ad::sub(&v, &mu);
            let t2 = __ad::powi(&t1, 2);
            t2
        },
    );
    let t4 = __ad::sum(&t3);
    let value_2 = t4;
    (
        value_2,
        move |seed: f64| {
            let mut mu_bar_2 = __ad::zero_tangent(&mu);
            let t4_bar_2 = seed;
            let t3_bar_2 = __ad::sum_vjp(&t3, t4_bar_2);
            let mut x_bar_2 = __ad::mapv_vjp(
                &x,
                t3_bar_2,
                |v, v_out_bar_2| {
                    let t1 = __ad::sub(&v, &mu);
                    let t2 = __ad::powi(&t1, 2);
                    let t2_bar_2 = v_out_bar_2;
                    let t1_bar_2 = __ad::powi_vjp(&t1, 2, &t2, t2_bar_2);
                    {
                        let contribution = __ad::sub_vjp1_ref(&v, &mu, &t1_bar_2);
                        __ad::acc(&mut mu_bar_2, contribution);
                    }
                    let v_bar_2 = __ad::sub_vjp0(&v, &mu, t1_bar_2);
                    v_bar_2
                },
            );
            {
                let contribution = __ad::mean_vjp(&x, mu_bar_2);
                __ad::acc(&mut x_bar_2, contribution);
            }
            (x_bar_2,)
        },
    )
}
