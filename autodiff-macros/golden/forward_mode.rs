#[allow(dead_code)]
fn horner(x: f64) -> f64 {
    let mut s = 0.0;
    for k in 0..4 {
        s = s * x + (k as f64 + 1.0);
    }
    s
}
///The gradient of [`horner`] with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn horner_grad(x: f64) -> f64 {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let x_dot = __ad::seed(&x);
    let mut s = 0.0;
    let mut s_carried: f64 = (s);
    let zero = __ad::zero_tangent(&s_carried);
    let mut s_carried_dot = __ad::to_owned(&zero);
    for k in 0..4 {
        let s_1 = __ad::carry(&s_carried);
        let s_1_dot = __ad::carry_jvp(&s_carried, &s_carried_dot);
        let t1 = __ad::mul(&s_1, &x);
        let t1_dot0 = __ad::mul_jvp0(&s_1, &x, &s_1_dot);
        let t1_dot1 = __ad::mul_jvp1(&s_1, &x, &x_dot);
        let t1_dot = __ad::add(&t1_dot0, &t1_dot1);
        let s_2 = __ad::add(&t1, &(k as f64 + 1.0));
        let s_2_dot = __ad::add_jvp0(&t1, &(k as f64 + 1.0), &t1_dot);
        s_carried_dot = s_2_dot;
        s_carried = s_2;
    }
    let s_3 = __ad::snapshot(&s_carried);
    let s_3_dot = __ad::snapshot_jvp(&s_carried, &s_carried_dot);
    s_3_dot
}
///The value of [`horner`] and its gradient with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn horner_value_and_grad(x: f64) -> (f64, f64) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let x_dot_1 = __ad::seed(&x);
    let mut s = 0.0;
    let mut s_carried: f64 = (s);
    let zero_1 = __ad::zero_tangent(&s_carried);
    let mut s_carried_dot_1 = __ad::to_owned(&zero_1);
    for k in 0..4 {
        let s_1 = __ad::carry(&s_carried);
        let s_1_dot_1 = __ad::carry_jvp(&s_carried, &s_carried_dot_1);
        let t1 = __ad::mul(&s_1, &x);
        let t1_dot0_1 = __ad::mul_jvp0(&s_1, &x, &s_1_dot_1);
        let t1_dot1_1 = __ad::mul_jvp1(&s_1, &x, &x_dot_1);
        let t1_dot_1 = __ad::add(&t1_dot0_1, &t1_dot1_1);
        let s_2 = __ad::add(&t1, &(k as f64 + 1.0));
        let s_2_dot_1 = __ad::add_jvp0(&t1, &(k as f64 + 1.0), &t1_dot_1);
        s_carried_dot_1 = s_2_dot_1;
        s_carried = s_2;
    }
    let s_3 = __ad::snapshot(&s_carried);
    let s_3_dot_1 = __ad::snapshot_jvp(&s_carried, &s_carried_dot_1);
    let value_1 = __ad::to_owned(&s_3);
    (value_1, s_3_dot_1)
}
///The gradient of [`horner`] with respect to `x` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn horner_grad_0(x: f64) -> f64 {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let x_dot = __ad::seed(&x);
    let mut s = 0.0;
    let mut s_carried: f64 = (s);
    let zero = __ad::zero_tangent(&s_carried);
    let mut s_carried_dot = __ad::to_owned(&zero);
    for k in 0..4 {
        let s_1 = __ad::carry(&s_carried);
        let s_1_dot = __ad::carry_jvp(&s_carried, &s_carried_dot);
        let t1 = __ad::mul(&s_1, &x);
        let t1_dot0 = __ad::mul_jvp0(&s_1, &x, &s_1_dot);
        let t1_dot1 = __ad::mul_jvp1(&s_1, &x, &x_dot);
        let t1_dot = __ad::add(&t1_dot0, &t1_dot1);
        let s_2 = __ad::add(&t1, &(k as f64 + 1.0));
        let s_2_dot = __ad::add_jvp0(&t1, &(k as f64 + 1.0), &t1_dot);
        s_carried_dot = s_2_dot;
        s_carried = s_2;
    }
    let s_3 = __ad::snapshot(&s_carried);
    let s_3_dot = __ad::snapshot_jvp(&s_carried, &s_carried_dot);
    s_3_dot
}
///The value of [`horner`] and its pullback (like `jax.vjp`): `pullback(seed)` returns one tangent per differentiable parameter, in parameter order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn horner_vjp<'__ad>(
    x: f64,
) -> (f64, impl ::core::ops::FnOnce(f64) -> (f64,) + use<'__ad>) {
    use ::autodiff::__private as __ad;
    let mut s = 0.0;
    let mut s_carried: f64 = (s);
    let mut stack2 = __ad::checkpoint_stack(&(0..4));
    for k in 0..4 {
        stack2.push((__ad::owned(&s_carried),));
        let s_1 = __ad::carry(&s_carried);
        let t1 = __ad::mul(&s_1, &x);
        let s_2 = __ad::add(&t1, &(k as f64 + 1.0));
        s_carried = s_2;
    }
    let s_3 = __ad::snapshot(&s_carried);
    let value_2 = s_3;
    (
        value_2,
        move |seed: f64| {
            let mut x_bar = __ad::zero_tangent(&x);
            let mut s_carried_bar = __ad::zero_tangent(&s_carried);
            let s_3_bar = seed;
            {
                let contribution = __ad::snapshot_vjp(&s_carried, s_3_bar);
                __ad::acc(&mut s_carried_bar, contribution);
            }
            for k in (0..4).rev() {
                let (__saved0,) = __ad::pop(&mut stack2);
                s_carried = __saved0;
                let s_1 = __ad::carry(&s_carried);
                let t1 = __ad::mul(&s_1, &x);
                let s_2 = __ad::add(&t1, &(k as f64 + 1.0));
                let s_2_bar = s_carried_bar;
                let t1_bar = __ad::add_vjp0(&t1, &(k as f64 + 1.0), s_2_bar);
                let s_1_bar = __ad::mul_vjp0(&s_1, &x, __ad::dup(&t1_bar));
                {
                    let contribution = __ad::mul_vjp1(&s_1, &x, t1_bar);
                    __ad::acc(&mut x_bar, contribution);
                }
                s_carried_bar = __ad::carry_vjp(&s_carried, s_1_bar);
            }
            (x_bar,)
        },
    )
}
