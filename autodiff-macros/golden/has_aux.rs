#[allow(dead_code)]
fn aux_loss(x: &Array1<f64>) -> (f64, Array1<f64>) {
    let y = x.tanh();
    let loss = y.powi(2).sum();
    (loss, y)
}
///The gradient of [`aux_loss`] with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn aux_loss_grad(x: &Array1<f64>) -> (Array1<f64>, Array1<f64>) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let y = __ad::tanh(&x);
    let aux = __ad::to_owned(&y);
    let loss_bar = __ad::one::<f64>();
    let (tangent0) = {
        __ad::fused_sum1_vjp(
            &y,
            loss_bar,
            |y_elem, g_elem| {
                let t1 = __ad::powi(&y_elem, 2);
                let t1_bar = g_elem;
                let y_elem_bar = __ad::powi_vjp(&y_elem, 2, &t1, t1_bar);
                (y_elem_bar)
            },
        )
    };
    let y_bar = tangent0;
    let x_bar = __ad::tanh_vjp(&x, &y, y_bar);
    (x_bar, aux)
}
///The value of [`aux_loss`] and its gradient with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn aux_loss_value_and_grad(x: &Array1<f64>) -> ((f64, Array1<f64>), Array1<f64>) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let y = __ad::tanh(&x);
    let (loss, partials0) = {
        __ad::fused_sum1_value_vjp(
            &y,
            |y_elem, g_elem_1| {
                let t1 = __ad::powi(&y_elem, 2);
                let t1_bar_1 = g_elem_1;
                let y_elem_bar_1 = __ad::powi_vjp(&y_elem, 2, &t1, t1_bar_1);
                (t1, (y_elem_bar_1))
            },
        )
    };
    let value_1 = __ad::to_owned(&loss);
    let aux_1 = __ad::to_owned(&y);
    let loss_bar_1 = __ad::one::<f64>();
    let (tangent1) = partials0;
    let tangent1 = __ad::rescale(tangent1, loss_bar_1);
    let y_bar_1 = tangent1;
    let x_bar_1 = __ad::tanh_vjp(&x, &y, y_bar_1);
    ((value_1, aux_1), x_bar_1)
}
///The gradient of [`aux_loss`] with respect to `x` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn aux_loss_grad_0(x: &Array1<f64>) -> (Array1<f64>, Array1<f64>) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let y = __ad::tanh(&x);
    let aux = __ad::to_owned(&y);
    let loss_bar = __ad::one::<f64>();
    let (tangent0) = {
        __ad::fused_sum1_vjp(
            &y,
            loss_bar,
            |y_elem, g_elem| {
                let t1 = __ad::powi(&y_elem, 2);
                let t1_bar = g_elem;
                let y_elem_bar = __ad::powi_vjp(&y_elem, 2, &t1, t1_bar);
                (y_elem_bar)
            },
        )
    };
    let y_bar = tangent0;
    let x_bar = __ad::tanh_vjp(&x, &y, y_bar);
    (x_bar, aux)
}
///The value of [`aux_loss`] and its pullback (like `jax.vjp`): `pullback(seed)` returns one tangent per differentiable parameter, in parameter order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn aux_loss_vjp<'__ad>(
    x: &'__ad Array1<f64>,
) -> (f64, impl ::core::ops::FnOnce(f64) -> (Array1<f64>,) + use<'__ad>, Array1<f64>) {
    use ::autodiff::__private as __ad;
    let y = __ad::tanh(&x);
    let loss = {
        __ad::fused_sum1(
            &y,
            |y_elem| {
                let t1 = __ad::powi(&y_elem, 2);
                t1
            },
        )
    };
    let value_2 = loss;
    let aux_2 = __ad::to_owned(&y);
    (
        value_2,
        move |seed: f64| {
            let loss_bar_2 = seed;
            let (tangent2) = {
                __ad::fused_sum1_vjp(
                    &y,
                    loss_bar_2,
                    |y_elem, g_elem_2| {
                        let t1 = __ad::powi(&y_elem, 2);
                        let t1_bar_2 = g_elem_2;
                        let y_elem_bar_2 = __ad::powi_vjp(&y_elem, 2, &t1, t1_bar_2);
                        (y_elem_bar_2)
                    },
                )
            };
            let y_bar_2 = tangent2;
            let x_bar_2 = __ad::tanh_vjp(&x, &y, y_bar_2);
            (x_bar_2,)
        },
        aux_2,
    )
}
