#[allow(dead_code)]
fn model(w: &Array2<f64>, b: &Array1<f64>, x: &Array1<f64>) -> f64 {
    let h = dense(w, b, x);
    h.sum()
}
///The gradient of [`model`] with respect to `w`, `b`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn model_grad(
    w: &Array2<f64>,
    b: &Array1<f64>,
    x: &Array1<f64>,
) -> (Array2<f64>, Array1<f64>) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let (h, h_pullback0, h_kinds0) = {
        let arg0 = ::core::clone::Clone::clone(&w);
        let arg1 = ::core::clone::Clone::clone(&b);
        let arg2 = ::core::clone::Clone::clone(&x);
        let kinds = (
            __ad::arg_kind(&arg0),
            (__ad::arg_kind(&arg1), (__ad::arg_kind(&arg2), ())),
        );
        let (value, pullback) = dense_vjp(arg0, arg1, arg2);
        (value, pullback, kinds)
    };
    let t1_bar = __ad::one::<f64>();
    let h_bar = __ad::sum_vjp(&h, t1_bar);
    let (tangent0, (tangent1, (tangent2, ()))) = ::autodiff::__private::spread(
        h_pullback0(h_bar),
        h_kinds0,
    );
    let w_bar = tangent0;
    let b_bar = tangent1;
    (w_bar, b_bar)
}
///The value of [`model`] and its gradient with respect to `w`, `b`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn model_value_and_grad(
    w: &Array2<f64>,
    b: &Array1<f64>,
    x: &Array1<f64>,
) -> (f64, (Array2<f64>, Array1<f64>)) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let (h, h_pullback1, h_kinds1) = {
        let arg3 = ::core::clone::Clone::clone(&w);
        let arg4 = ::core::clone::Clone::clone(&b);
        let arg5 = ::core::clone::Clone::clone(&x);
        let kinds = (
            __ad::arg_kind(&arg3),
            (__ad::arg_kind(&arg4), (__ad::arg_kind(&arg5), ())),
        );
        let (value, pullback) = dense_vjp(arg3, arg4, arg5);
        (value, pullback, kinds)
    };
    let t1 = __ad::sum(&h);
    let value_1 = __ad::to_owned(&t1);
    let t1_bar_1 = __ad::one::<f64>();
    let h_bar_1 = __ad::sum_vjp(&h, t1_bar_1);
    let (tangent3, (tangent4, (tangent5, ()))) = ::autodiff::__private::spread(
        h_pullback1(h_bar_1),
        h_kinds1,
    );
    let w_bar_1 = tangent3;
    let b_bar_1 = tangent4;
    (value_1, (w_bar_1, b_bar_1))
}
///The gradient of [`model`] with respect to `w` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn model_grad_0(w: &Array2<f64>, b: &Array1<f64>, x: &Array1<f64>) -> Array2<f64> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let (h, h_pullback2, h_kinds2) = {
        let arg6 = ::core::clone::Clone::clone(&w);
        let arg7 = ::core::clone::Clone::clone(&b);
        let arg8 = ::core::clone::Clone::clone(&x);
        let kinds = (
            __ad::arg_kind(&arg6),
            (__ad::arg_kind(&arg7), (__ad::arg_kind(&arg8), ())),
        );
        let (value, pullback) = dense_vjp(arg6, arg7, arg8);
        (value, pullback, kinds)
    };
    let t1_bar_2 = __ad::one::<f64>();
    let h_bar_2 = __ad::sum_vjp(&h, t1_bar_2);
    let (tangent6, (tangent7, (tangent8, ()))) = ::autodiff::__private::spread(
        h_pullback2(h_bar_2),
        h_kinds2,
    );
    let w_bar_2 = tangent6;
    w_bar_2
}
///The gradient of [`model`] with respect to `b` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn model_grad_1(w: &Array2<f64>, b: &Array1<f64>, x: &Array1<f64>) -> Array1<f64> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let (h, h_pullback3, h_kinds3) = {
        let arg9 = ::core::clone::Clone::clone(&w);
        let arg10 = ::core::clone::Clone::clone(&b);
        let arg11 = ::core::clone::Clone::clone(&x);
        let kinds = (
            __ad::arg_kind(&arg9),
            (__ad::arg_kind(&arg10), (__ad::arg_kind(&arg11), ())),
        );
        let (value, pullback) = dense_vjp(arg9, arg10, arg11);
        (value, pullback, kinds)
    };
    let t1_bar_3 = __ad::one::<f64>();
    let h_bar_3 = __ad::sum_vjp(&h, t1_bar_3);
    let (tangent9, (tangent10, (tangent11, ()))) = ::autodiff::__private::spread(
        h_pullback3(h_bar_3),
        h_kinds3,
    );
    let b_bar_2 = tangent10;
    b_bar_2
}
///The gradient of [`model`] with respect to `x` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn model_grad_2(w: &Array2<f64>, b: &Array1<f64>, x: &Array1<f64>) -> Array1<f64> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let (h, h_pullback4, h_kinds4) = {
        let arg12 = ::core::clone::Clone::clone(&w);
        let arg13 = ::core::clone::Clone::clone(&b);
        let arg14 = ::core::clone::Clone::clone(&x);
        let kinds = (
            __ad::arg_kind(&arg12),
            (__ad::arg_kind(&arg13), (__ad::arg_kind(&arg14), ())),
        );
        let (value, pullback) = dense_vjp(arg12, arg13, arg14);
        (value, pullback, kinds)
    };
    let t1_bar_4 = __ad::one::<f64>();
    let h_bar_4 = __ad::sum_vjp(&h, t1_bar_4);
    let (tangent12, (tangent13, (tangent14, ()))) = ::autodiff::__private::spread(
        h_pullback4(h_bar_4),
        h_kinds4,
    );
    let x_bar = tangent14;
    x_bar
}
///The gradients of [`model`] with respect to `w`, `b` (the same as `model_grad`).
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn model_grad_0_1(
    w: &Array2<f64>,
    b: &Array1<f64>,
    x: &Array1<f64>,
) -> (Array2<f64>, Array1<f64>) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let (h, h_pullback0, h_kinds0) = {
        let arg0 = ::core::clone::Clone::clone(&w);
        let arg1 = ::core::clone::Clone::clone(&b);
        let arg2 = ::core::clone::Clone::clone(&x);
        let kinds = (
            __ad::arg_kind(&arg0),
            (__ad::arg_kind(&arg1), (__ad::arg_kind(&arg2), ())),
        );
        let (value, pullback) = dense_vjp(arg0, arg1, arg2);
        (value, pullback, kinds)
    };
    let t1_bar = __ad::one::<f64>();
    let h_bar = __ad::sum_vjp(&h, t1_bar);
    let (tangent0, (tangent1, (tangent2, ()))) = ::autodiff::__private::spread(
        h_pullback0(h_bar),
        h_kinds0,
    );
    let w_bar = tangent0;
    let b_bar = tangent1;
    (w_bar, b_bar)
}
///The value of [`model`] and its pullback (like `jax.vjp`): `pullback(seed)` returns one tangent per differentiable parameter, in parameter order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn model_vjp<'__ad>(
    w: &'__ad Array2<f64>,
    b: &'__ad Array1<f64>,
    x: &'__ad Array1<f64>,
) -> (
    f64,
    impl ::core::ops::FnOnce(f64) -> (Array2<f64>, Array1<f64>, Array1<f64>) + use<'__ad>,
) {
    use ::autodiff::__private as __ad;
    let h = dense(
        ::core::clone::Clone::clone(&w),
        ::core::clone::Clone::clone(&b),
        ::core::clone::Clone::clone(&x),
    );
    let t1 = __ad::sum(&h);
    let value_5 = t1;
    (
        value_5,
        move |seed: f64| {
            let t1_bar_5 = seed;
            let h_bar_5 = __ad::sum_vjp(&h, t1_bar_5);
            let (pullback0, kinds0) = {
                let arg15 = ::core::clone::Clone::clone(&w);
                let arg16 = ::core::clone::Clone::clone(&b);
                let arg17 = ::core::clone::Clone::clone(&x);
                let kinds = (
                    __ad::arg_kind(&arg15),
                    (__ad::arg_kind(&arg16), (__ad::arg_kind(&arg17), ())),
                );
                let (_, pullback) = dense_vjp(arg15, arg16, arg17);
                (pullback, kinds)
            };
            let (tangent15, (tangent16, (tangent17, ()))) = ::autodiff::__private::spread(
                pullback0(h_bar_5),
                kinds0,
            );
            let w_bar_3 = tangent15;
            let b_bar_3 = tangent16;
            let x_bar_1 = tangent17;
            (w_bar_3, b_bar_3, x_bar_1)
        },
    )
}
