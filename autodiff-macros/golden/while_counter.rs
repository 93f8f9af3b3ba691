#[allow(dead_code)]
fn halve(x: f64) -> f64 {
    let mut s = x;
    let mut k = 0;
    while k < 3 {
        s = s * 0.5 + x;
        k += 1;
    }
    s
}
///The gradient of [`halve`] with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn halve_grad(x: f64) -> f64 {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let x_dot = __ad::seed(&x);
    let mut k = 0;
    let mut s_carried = __ad::to_owned(&x);
    let mut s_carried_dot = __ad::to_owned(&x_dot);
    let k_before_loop0 = ::core::clone::Clone::clone(&k);
    while k < 3 {
        let s = __ad::carry(&s_carried);
        let s_dot = __ad::carry_jvp(&s_carried, &s_carried_dot);
        let t1 = __ad::mul(&s, &(0.5));
        let t1_dot = __ad::mul_jvp0(&s, &(0.5), &s_dot);
        let s_1 = __ad::add(&t1, &x);
        let s_1_dot = __ad::add(&t1_dot, &x_dot);
        k += 1;
        s_carried_dot = s_1_dot;
        s_carried = s_1;
    }
    let s_2 = __ad::snapshot(&s_carried);
    let s_2_dot = __ad::snapshot_jvp(&s_carried, &s_carried_dot);
    s_2_dot
}
///The value of [`halve`] and its gradient with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn halve_value_and_grad(x: f64) -> (f64, f64) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let x_dot_1 = __ad::seed(&x);
    let mut k = 0;
    let mut s_carried = __ad::to_owned(&x);
    let mut s_carried_dot_1 = __ad::to_owned(&x_dot_1);
    let k_before_loop1 = ::core::clone::Clone::clone(&k);
    while k < 3 {
        let s = __ad::carry(&s_carried);
        let s_dot_1 = __ad::carry_jvp(&s_carried, &s_carried_dot_1);
        let t1 = __ad::mul(&s, &(0.5));
        let t1_dot_1 = __ad::mul_jvp0(&s, &(0.5), &s_dot_1);
        let s_1 = __ad::add(&t1, &x);
        let s_1_dot_1 = __ad::add(&t1_dot_1, &x_dot_1);
        k += 1;
        s_carried_dot_1 = s_1_dot_1;
        s_carried = s_1;
    }
    let s_2 = __ad::snapshot(&s_carried);
    let s_2_dot_1 = __ad::snapshot_jvp(&s_carried, &s_carried_dot_1);
    let value_1 = __ad::to_owned(&s_2);
    (value_1, s_2_dot_1)
}
///The gradient of [`halve`] with respect to `x` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn halve_grad_0(x: f64) -> f64 {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let x_dot = __ad::seed(&x);
    let mut k = 0;
    let mut s_carried = __ad::to_owned(&x);
    let mut s_carried_dot = __ad::to_owned(&x_dot);
    let k_before_loop0 = ::core::clone::Clone::clone(&k);
    while k < 3 {
        let s = __ad::carry(&s_carried);
        let s_dot = __ad::carry_jvp(&s_carried, &s_carried_dot);
        let t1 = __ad::mul(&s, &(0.5));
        let t1_dot = __ad::mul_jvp0(&s, &(0.5), &s_dot);
        let s_1 = __ad::add(&t1, &x);
        let s_1_dot = __ad::add(&t1_dot, &x_dot);
        k += 1;
        s_carried_dot = s_1_dot;
        s_carried = s_1;
    }
    let s_2 = __ad::snapshot(&s_carried);
    let s_2_dot = __ad::snapshot_jvp(&s_carried, &s_carried_dot);
    s_2_dot
}
///The value of [`halve`] and its pullback (like `jax.vjp`): `pullback(seed)` returns one tangent per differentiable parameter, in parameter order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn halve_vjp<'__ad>(
    x: f64,
) -> (f64, impl ::core::ops::FnOnce(f64) -> (f64,) + use<'__ad>) {
    use ::autodiff::__private as __ad;
    let mut k = 0;
    let mut s_carried = __ad::to_owned(&x);
    let k_before_loop2 = ::core::clone::Clone::clone(&k);
    let mut stack2 = ::std::vec::Vec::new();
    let mut trips2: usize = 0;
    while k < 3 {
        stack2.push((__ad::owned(&s_carried), ::core::clone::Clone::clone(&k)));
        trips2 += 1;
        let s = __ad::carry(&s_carried);
        let t1 = __ad::mul(&s, &(0.5));
        let s_1 = __ad::add(&t1, &x);
        k += 1;
        s_carried = s_1;
    }
    let s_2 = __ad::snapshot(&s_carried);
    let value_2 = s_2;
    (
        value_2,
        move |seed: f64| {
            let mut x_bar = __ad::zero_tangent(&x);
            let mut s_carried_bar = __ad::zero_tangent(&s_carried);
            let s_2_bar = seed;
            {
                let contribution = __ad::snapshot_vjp(&s_carried, s_2_bar);
                __ad::acc(&mut s_carried_bar, contribution);
            }
            for _ in 0..trips2 {
                let (__saved0, __saved1) = __ad::pop(&mut stack2);
                s_carried = __saved0;
                k = __saved1;
                let s = __ad::carry(&s_carried);
                let t1 = __ad::mul(&s, &(0.5));
                let s_1 = __ad::add(&t1, &x);
                k += 1;
                let s_1_bar = s_carried_bar;
                {
                    let contribution = __ad::add_vjp1_ref(&t1, &x, &s_1_bar);
                    __ad::acc(&mut x_bar, contribution);
                }
                let t1_bar = __ad::add_vjp0(&t1, &x, s_1_bar);
                let s_bar = __ad::mul_vjp0(&s, &(0.5), t1_bar);
                s_carried_bar = __ad::carry_vjp(&s_carried, s_bar);
            }
            {
                let contribution = s_carried_bar;
                __ad::acc(&mut x_bar, contribution);
            }
            (x_bar,)
        },
    )
}
