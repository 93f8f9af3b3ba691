#[allow(dead_code)]
fn layer(w: &Array2<f64>, x: &Array1<f64>) -> Array1<f64> {
    w.dot(x).tanh()
}
///The value of [`layer`] and its pullback: `pullback(seed)` returns one tangent per differentiable parameter, in parameter order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn layer_vjp<'__ad>(
    w: &'__ad Array2<f64>,
    x: &'__ad Array1<f64>,
) -> (
    Array1<f64>,
    impl ::core::ops::FnOnce(Array1<f64>) -> (Array2<f64>, Array1<f64>) + use<'__ad>,
) {
    use ::autodiff::__private as __ad;
    let t0 = __ad::dot(&w, &x);
    let t1 = __ad::tanh(&t0);
    let value = __ad::to_owned(&t1);
    (
        value,
        move |seed: Array1<f64>| {
            let t1_bar = seed;
            let t0_bar = __ad::tanh_vjp(&t0, &t1, t1_bar);
            let w_bar = __ad::dot_vjp0(&w, &x, &t0_bar);
            let x_bar = __ad::dot_vjp1(&w, &x, t0_bar);
            (w_bar, x_bar)
        },
    )
}
///The Jacobian of [`layer`] with respect to `w`: `(m, n)`, the output's `m` components by the parameter's `n`, both in row-major order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn layer_jacobian(
    w: &Array2<f64>,
    x: &Array1<f64>,
) -> ::autodiff::__private::Array2<
    <Array1<f64> as ::autodiff::__private::FloatElem>::Elem,
> {
    use ::autodiff::__private as __ad;
    let (value, _) = layer_vjp(w, x);
    let seed_zero = __ad::zero_tangent(&value);
    let n = __ad::num_components(&__ad::zero_tangent(&w));
    __ad::jacobian_rows(
        &seed_zero,
        n,
        |seed| {
            let (_, pullback) = layer_vjp(w, x);
            pullback(seed).0
        },
    )
}
