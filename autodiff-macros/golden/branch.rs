#[allow(dead_code)]
fn piecewise(x: f64) -> f64 {
    let y = if x > 0.0 { x.sin() } else { x * x };
    y * 2.0
}
///The gradient of [`piecewise`] with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn piecewise_grad(x: f64) -> f64 {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let x_dot = __ad::seed(&x);
    let branch0: bool = x > 0.0;
    let y;
    let y_dot;
    if branch0 {
        let t0 = __ad::sin(&x);
        let t0_dot = __ad::sin_jvp(&x, &t0, &x_dot);
        y = t0;
        y_dot = t0_dot;
    } else {
        let t1 = __ad::mul(&x, &x);
        let t1_dot0 = __ad::mul_jvp0(&x, &x, &x_dot);
        let t1_dot1 = __ad::mul_jvp1(&x, &x, &x_dot);
        let t1_dot = __ad::add(&t1_dot0, &t1_dot1);
        y = t1;
        y_dot = t1_dot;
    }
    let t3 = __ad::mul(&y, &(2.0));
    let t3_dot = __ad::mul_jvp0(&y, &(2.0), &y_dot);
    t3_dot
}
///The value of [`piecewise`] and its gradient with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn piecewise_value_and_grad(x: f64) -> (f64, f64) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let x_dot_1 = __ad::seed(&x);
    let branch0: bool = x > 0.0;
    let y;
    let y_dot_1;
    if branch0 {
        let t0 = __ad::sin(&x);
        let t0_dot_1 = __ad::sin_jvp(&x, &t0, &x_dot_1);
        y = t0;
        y_dot_1 = t0_dot_1;
    } else {
        let t1 = __ad::mul(&x, &x);
        let t1_dot0_1 = __ad::mul_jvp0(&x, &x, &x_dot_1);
        let t1_dot1_1 = __ad::mul_jvp1(&x, &x, &x_dot_1);
        let t1_dot_1 = __ad::add(&t1_dot0_1, &t1_dot1_1);
        y = t1;
        y_dot_1 = t1_dot_1;
    }
    let t3 = __ad::mul(&y, &(2.0));
    let t3_dot_1 = __ad::mul_jvp0(&y, &(2.0), &y_dot_1);
    let value_1 = __ad::to_owned(&t3);
    (value_1, t3_dot_1)
}
///The gradient of [`piecewise`] with respect to `x` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn piecewise_grad_0(x: f64) -> f64 {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let x_dot = __ad::seed(&x);
    let branch0: bool = x > 0.0;
    let y;
    let y_dot;
    if branch0 {
        let t0 = __ad::sin(&x);
        let t0_dot = __ad::sin_jvp(&x, &t0, &x_dot);
        y = t0;
        y_dot = t0_dot;
    } else {
        let t1 = __ad::mul(&x, &x);
        let t1_dot0 = __ad::mul_jvp0(&x, &x, &x_dot);
        let t1_dot1 = __ad::mul_jvp1(&x, &x, &x_dot);
        let t1_dot = __ad::add(&t1_dot0, &t1_dot1);
        y = t1;
        y_dot = t1_dot;
    }
    let t3 = __ad::mul(&y, &(2.0));
    let t3_dot = __ad::mul_jvp0(&y, &(2.0), &y_dot);
    t3_dot
}
///The value of [`piecewise`] and its pullback (like `jax.vjp`): `pullback(seed)` returns one tangent per differentiable parameter, in parameter order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn piecewise_vjp<'__ad>(
    x: f64,
) -> (f64, impl ::core::ops::FnOnce(f64) -> (f64,) + use<'__ad>) {
    use ::autodiff::__private as __ad;
    let branch0: bool = x > 0.0;
    let y;
    if branch0 {
        let t0 = __ad::sin(&x);
        y = t0;
    } else {
        let t1 = __ad::mul(&x, &x);
        y = t1;
    }
    let t3 = __ad::mul(&y, &(2.0));
    let value_2 = t3;
    (
        value_2,
        move |seed: f64| {
            let mut x_bar = __ad::zero_tangent(&x);
            let t3_bar = seed;
            let y_bar = __ad::mul_vjp0(&y, &(2.0), t3_bar);
            if branch0 {
                let t0 = __ad::sin(&x);
                let t0_bar = y_bar;
                {
                    let contribution = __ad::sin_vjp(&x, &t0, t0_bar);
                    __ad::acc(&mut x_bar, contribution);
                }
            } else {
                let t1 = __ad::mul(&x, &x);
                let t1_bar = y_bar;
                {
                    let contribution = __ad::mul_vjp0(&x, &x, __ad::dup(&t1_bar));
                    __ad::acc(&mut x_bar, contribution);
                }
                {
                    let contribution = __ad::mul_vjp1(&x, &x, t1_bar);
                    __ad::acc(&mut x_bar, contribution);
                }
            }
            (x_bar,)
        },
    )
}
