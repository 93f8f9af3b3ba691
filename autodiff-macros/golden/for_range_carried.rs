#[allow(dead_code)]
fn recurrence(x: &Array1<f64>) -> f64 {
    let mut h = 0.0;
    for i in 0..x.len() {
        h = (0.9 * h + x[i]).sin();
    }
    h
}
///The gradient of [`recurrence`] with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn recurrence_grad(x: &Array1<f64>) -> Array1<f64> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let mut h = 0.0;
    let mut h_carried: f64 = (h);
    let mut stack0 = __ad::checkpoint_stack(&(0..x.len()));
    for i in 0..x.len() {
        stack0.push((__ad::owned(&h_carried),));
        let h_1 = __ad::carry(&h_carried);
        let t1 = __ad::mul(&(0.9), &h_1);
        let t2 = __ad::index(&x, i);
        let t3 = __ad::add(&t1, &t2);
        let h_2 = __ad::sin(&t3);
        h_carried = h_2;
    }
    let mut x_bar = __ad::zero_tangent(&x);
    let mut h_carried_bar = __ad::zero_tangent(&h_carried);
    let h_3_bar = __ad::one::<f64>();
    {
        let contribution = __ad::snapshot_vjp(&h_carried, h_3_bar);
        __ad::acc(&mut h_carried_bar, contribution);
    }
    for i in (0..x.len()).rev() {
        let (__saved0,) = __ad::pop(&mut stack0);
        h_carried = __saved0;
        let h_1 = __ad::carry(&h_carried);
        let t1 = __ad::mul(&(0.9), &h_1);
        let t2 = __ad::index(&x, i);
        let t3 = __ad::add(&t1, &t2);
        let h_2 = __ad::sin(&t3);
        let h_2_bar = h_carried_bar;
        let t3_bar = __ad::sin_vjp(&t3, &h_2, h_2_bar);
        let t2_bar = __ad::add_vjp1_ref(&t1, &t2, &t3_bar);
        let t1_bar = __ad::add_vjp0(&t1, &t2, t3_bar);
        __ad::index_acc(&x, &mut x_bar, i, t2_bar);
        let h_1_bar = __ad::mul_vjp1(&(0.9), &h_1, t1_bar);
        h_carried_bar = __ad::carry_vjp(&h_carried, h_1_bar);
    }
    x_bar
}
///The value of [`recurrence`] and its gradient with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn recurrence_value_and_grad(x: &Array1<f64>) -> (f64, Array1<f64>) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let mut h = 0.0;
    let mut h_carried: f64 = (h);
    let mut stack1 = __ad::checkpoint_stack(&(0..x.len()));
    for i in 0..x.len() {
        stack1.push((__ad::owned(&h_carried),));
        let h_1 = __ad::carry(&h_carried);
        let t1 = __ad::mul(&(0.9), &h_1);
        let t2 = __ad::index(&x, i);
        let t3 = __ad::add(&t1, &t2);
        let h_2 = __ad::sin(&t3);
        h_carried = h_2;
    }
    let h_3 = __ad::snapshot(&h_carried);
    let value_1 = __ad::to_owned(&h_3);
    let mut x_bar_1 = __ad::zero_tangent(&x);
    let mut h_carried_bar_1 = __ad::zero_tangent(&h_carried);
    let h_3_bar_1 = __ad::one::<f64>();
    {
        let contribution = __ad::snapshot_vjp(&h_carried, h_3_bar_1);
        __ad::acc(&mut h_carried_bar_1, contribution);
    }
    for i in (0..x.len()).rev() {
        let (__saved0,) = __ad::pop(&mut stack1);
        h_carried = __saved0;
        let h_1 = __ad::carry(&h_carried);
        let t1 = __ad::mul(&(0.9), &h_1);
        let t2 = __ad::index(&x, i);
        let t3 = __ad::add(&t1, &t2);
        let h_2 = __ad::sin(&t3);
        let h_2_bar_1 = h_carried_bar_1;
        let t3_bar_1 = __ad::sin_vjp(&t3, &h_2, h_2_bar_1);
        let t2_bar_1 = __ad::add_vjp1_ref(&t1, &t2, &t3_bar_1);
        let t1_bar_1 = __ad::add_vjp0(&t1, &t2, t3_bar_1);
        __ad::index_acc(&x, &mut x_bar_1, i, t2_bar_1);
        let h_1_bar_1 = __ad::mul_vjp1(&(0.9), &h_1, t1_bar_1);
        h_carried_bar_1 = __ad::carry_vjp(&h_carried, h_1_bar_1);
    }
    (value_1, x_bar_1)
}
///The gradient of [`recurrence`] with respect to `x` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn recurrence_grad_0(x: &Array1<f64>) -> Array1<f64> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let mut h = 0.0;
    let mut h_carried: f64 = (h);
    let mut stack0 = __ad::checkpoint_stack(&(0..x.len()));
    for i in 0..x.len() {
        stack0.push((__ad::owned(&h_carried),));
        let h_1 = __ad::carry(&h_carried);
        let t1 = __ad::mul(&(0.9), &h_1);
        let t2 = __ad::index(&x, i);
        let t3 = __ad::add(&t1, &t2);
        let h_2 = __ad::sin(&t3);
        h_carried = h_2;
    }
    let mut x_bar = __ad::zero_tangent(&x);
    let mut h_carried_bar = __ad::zero_tangent(&h_carried);
    let h_3_bar = __ad::one::<f64>();
    {
        let contribution = __ad::snapshot_vjp(&h_carried, h_3_bar);
        __ad::acc(&mut h_carried_bar, contribution);
    }
    for i in (0..x.len()).rev() {
        let (__saved0,) = __ad::pop(&mut stack0);
        h_carried = __saved0;
        let h_1 = __ad::carry(&h_carried);
        let t1 = __ad::mul(&(0.9), &h_1);
        let t2 = __ad::index(&x, i);
        let t3 = __ad::add(&t1, &t2);
        let h_2 = __ad::sin(&t3);
        let h_2_bar = h_carried_bar;
        let t3_bar = __ad::sin_vjp(&t3, &h_2, h_2_bar);
        let t2_bar = __ad::add_vjp1_ref(&t1, &t2, &t3_bar);
        let t1_bar = __ad::add_vjp0(&t1, &t2, t3_bar);
        __ad::index_acc(&x, &mut x_bar, i, t2_bar);
        let h_1_bar = __ad::mul_vjp1(&(0.9), &h_1, t1_bar);
        h_carried_bar = __ad::carry_vjp(&h_carried, h_1_bar);
    }
    x_bar
}
///The value of [`recurrence`] and its pullback (like `jax.vjp`): `pullback(seed)` returns one tangent per differentiable parameter, in parameter order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn recurrence_vjp<'__ad>(
    x: &'__ad Array1<f64>,
) -> (f64, impl ::core::ops::FnOnce(f64) -> (Array1<f64>,) + use<'__ad>) {
    use ::autodiff::__private as __ad;
    let mut h = 0.0;
    let mut h_carried: f64 = (h);
    let mut stack2 = __ad::checkpoint_stack(&(0..x.len()));
    for i in 0..x.len() {
        stack2.push((__ad::owned(&h_carried),));
        let h_1 = __ad::carry(&h_carried);
        let t1 = __ad::mul(&(0.9), &h_1);
        let t2 = __ad::index(&x, i);
        let t3 = __ad::add(&t1, &t2);
        let h_2 = __ad::sin(&t3);
        h_carried = h_2;
    }
    let h_3 = __ad::snapshot(&h_carried);
    let value_2 = h_3;
    (
        value_2,
        move |seed: f64| {
            let mut x_bar_2 = __ad::zero_tangent(&x);
            let mut h_carried_bar_2 = __ad::zero_tangent(&h_carried);
            let h_3_bar_2 = seed;
            {
                let contribution = __ad::snapshot_vjp(&h_carried, h_3_bar_2);
                __ad::acc(&mut h_carried_bar_2, contribution);
            }
            for i in (0..x.len()).rev() {
                let (__saved0,) = __ad::pop(&mut stack2);
                h_carried = __saved0;
                let h_1 = __ad::carry(&h_carried);
                let t1 = __ad::mul(&(0.9), &h_1);
                let t2 = __ad::index(&x, i);
                let t3 = __ad::add(&t1, &t2);
                let h_2 = __ad::sin(&t3);
                let h_2_bar_2 = h_carried_bar_2;
                let t3_bar_2 = __ad::sin_vjp(&t3, &h_2, h_2_bar_2);
                let t2_bar_2 = __ad::add_vjp1_ref(&t1, &t2, &t3_bar_2);
                let t1_bar_2 = __ad::add_vjp0(&t1, &t2, t3_bar_2);
                __ad::index_acc(&x, &mut x_bar_2, i, t2_bar_2);
                let h_1_bar_2 = __ad::mul_vjp1(&(0.9), &h_1, t1_bar_2);
                h_carried_bar_2 = __ad::carry_vjp(&h_carried, h_1_bar_2);
            }
            (x_bar_2,)
        },
    )
}
