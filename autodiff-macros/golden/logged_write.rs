#[allow(dead_code)]
fn scan(x: &Array1<f64>) -> f64 {
    let mut y = Array1::zeros(x.len());
    y[0] = x[0];
    for t in 1..x.len() {
        y[t] = y[t - 1] * 0.5 + x[t];
    }
    y.sum()
}
///The gradient of [`scan`] with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn scan_grad(x: &Array1<f64>) -> Array1<f64> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let mut y_log0 = __ad::undo_log();
    let mut y = Array1::<f64>::zeros(x.len());
    let t0 = __ad::index(&x, 0);
    {
        let __autodiff_index = 0;
        let __autodiff_value = &t0;
        __ad::set_logged(&mut y, &mut y_log0, __autodiff_index, __autodiff_value);
    }
    let y_log_at_loop00 = __ad::log_len(&y_log0);
    let mut stack0 = __ad::checkpoint_stack(&(1..x.len()));
    for t in 1..x.len() {
        stack0.push((__ad::log_len(&y_log0),));
        let t1 = __ad::index(&y, t - 1);
        let t2 = __ad::mul(&t1, &(0.5));
        let t3 = __ad::index(&x, t);
        let t4 = __ad::add(&t2, &t3);
        {
            let __autodiff_index = t;
            let __autodiff_value = &t4;
            __ad::set_logged(&mut y, &mut y_log0, __autodiff_index, __autodiff_value);
        }
    }
    let t5 = __ad::snapshot(&y);
    let mut x_bar = __ad::zero_tangent(&x);
    let mut y_bar = __ad::zero_tangent(&y);
    let t6_bar = __ad::one::<f64>();
    let t5_bar = __ad::sum_vjp(&t5, t6_bar);
    {
        let contribution = __ad::snapshot_vjp(&y, t5_bar);
        __ad::acc(&mut y_bar, contribution);
    }
    for t in (1..x.len()).rev() {
        let (__saved0,) = __ad::pop(&mut stack0);
        __ad::undo_to(&mut y, &mut y_log0, __saved0);
        let t1 = __ad::index(&y, t - 1);
        let t2 = __ad::mul(&t1, &(0.5));
        let t3 = __ad::index(&x, t);
        let t4 = __ad::add(&t2, &t3);
        {
            let __autodiff_index = t;
            let __autodiff_value = &t4;
            __ad::set_logged(&mut y, &mut y_log0, __autodiff_index, __autodiff_value);
        }
        __ad::undo(&mut y, &mut y_log0);
        let t4_bar = __ad::set_vjp(&mut y_bar, t);
        let t3_bar = __ad::add_vjp1_ref(&t2, &t3, &t4_bar);
        let t2_bar = __ad::add_vjp0(&t2, &t3, t4_bar);
        __ad::index_acc(&x, &mut x_bar, t, t3_bar);
        let t1_bar = __ad::mul_vjp0(&t1, &(0.5), t2_bar);
        __ad::index_acc(&y, &mut y_bar, t - 1, t1_bar);
    }
    __ad::undo(&mut y, &mut y_log0);
    let t0_bar = __ad::set_vjp(&mut y_bar, 0);
    __ad::index_acc(&x, &mut x_bar, 0, t0_bar);
    x_bar
}
///The value of [`scan`] and its gradient with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn scan_value_and_grad(x: &Array1<f64>) -> (f64, Array1<f64>) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let mut y_log1 = __ad::undo_log();
    let mut y = Array1::<f64>::zeros(x.len());
    let t0 = __ad::index(&x, 0);
    {
        let __autodiff_index = 0;
        let __autodiff_value = &t0;
        __ad::set_logged(&mut y, &mut y_log1, __autodiff_index, __autodiff_value);
    }
    let y_log_at_loop01 = __ad::log_len(&y_log1);
    let mut stack1 = __ad::checkpoint_stack(&(1..x.len()));
    for t in 1..x.len() {
        stack1.push((__ad::log_len(&y_log1),));
        let t1 = __ad::index(&y, t - 1);
        let t2 = __ad::mul(&t1, &(0.5));
        let t3 = __ad::index(&x, t);
        let t4 = __ad::add(&t2, &t3);
        {
            let __autodiff_index = t;
            let __autodiff_value = &t4;
            __ad::set_logged(&mut y, &mut y_log1, __autodiff_index, __autodiff_value);
        }
    }
    let t5 = __ad::snapshot(&y);
    let t6 = __ad::sum(&t5);
    let value_1 = __ad::to_owned(&t6);
    let mut x_bar_1 = __ad::zero_tangent(&x);
    let mut y_bar_1 = __ad::zero_tangent(&y);
    let t6_bar_1 = __ad::one::<f64>();
    let t5_bar_1 = __ad::sum_vjp(&t5, t6_bar_1);
    {
        let contribution = __ad::snapshot_vjp(&y, t5_bar_1);
        __ad::acc(&mut y_bar_1, contribution);
    }
    for t in (1..x.len()).rev() {
        let (__saved0,) = __ad::pop(&mut stack1);
        __ad::undo_to(&mut y, &mut y_log1, __saved0);
        let t1 = __ad::index(&y, t - 1);
        let t2 = __ad::mul(&t1, &(0.5));
        let t3 = __ad::index(&x, t);
        let t4 = __ad::add(&t2, &t3);
        {
            let __autodiff_index = t;
            let __autodiff_value = &t4;
            __ad::set_logged(&mut y, &mut y_log1, __autodiff_index, __autodiff_value);
        }
        __ad::undo(&mut y, &mut y_log1);
        let t4_bar_1 = __ad::set_vjp(&mut y_bar_1, t);
        let t3_bar_1 = __ad::add_vjp1_ref(&t2, &t3, &t4_bar_1);
        let t2_bar_1 = __ad::add_vjp0(&t2, &t3, t4_bar_1);
        __ad::index_acc(&x, &mut x_bar_1, t, t3_bar_1);
        let t1_bar_1 = __ad::mul_vjp0(&t1, &(0.5), t2_bar_1);
        __ad::index_acc(&y, &mut y_bar_1, t - 1, t1_bar_1);
    }
    __ad::undo(&mut y, &mut y_log1);
    let t0_bar_1 = __ad::set_vjp(&mut y_bar_1, 0);
    __ad::index_acc(&x, &mut x_bar_1, 0, t0_bar_1);
    (value_1, x_bar_1)
}
///The gradient of [`scan`] with respect to `x` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn scan_grad_0(x: &Array1<f64>) -> Array1<f64> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let mut y_log0 = __ad::undo_log();
    let mut y = Array1::<f64>::zeros(x.len());
    let t0 = __ad::index(&x, 0);
    {
        let __autodiff_index = 0;
        let __autodiff_value = &t0;
        __ad::set_logged(&mut y, &mut y_log0, __autodiff_index, __autodiff_value);
    }
    let y_log_at_loop00 = __ad::log_len(&y_log0);
    let mut stack0 = __ad::checkpoint_stack(&(1..x.len()));
    for t in 1..x.len() {
        stack0.push((__ad::log_len(&y_log0),));
        let t1 = __ad::index(&y, t - 1);
        let t2 = __ad::mul(&t1, &(0.5));
        let t3 = __ad::index(&x, t);
        let t4 = __ad::add(&t2, &t3);
        {
            let __autodiff_index = t;
            let __autodiff_value = &t4;
            __ad::set_logged(&mut y, &mut y_log0, __autodiff_index, __autodiff_value);
        }
    }
    let t5 = __ad::snapshot(&y);
    let mut x_bar = __ad::zero_tangent(&x);
    let mut y_bar = __ad::zero_tangent(&y);
    let t6_bar = __ad::one::<f64>();
    let t5_bar = __ad::sum_vjp(&t5, t6_bar);
    {
        let contribution = __ad::snapshot_vjp(&y, t5_bar);
        __ad::acc(&mut y_bar, contribution);
    }
    for t in (1..x.len()).rev() {
        let (__saved0,) = __ad::pop(&mut stack0);
        __ad::undo_to(&mut y, &mut y_log0, __saved0);
        let t1 = __ad::index(&y, t - 1);
        let t2 = __ad::mul(&t1, &(0.5));
        let t3 = __ad::index(&x, t);
        let t4 = __ad::add(&t2, &t3);
        {
            let __autodiff_index = t;
            let __autodiff_value = &t4;
            __ad::set_logged(&mut y, &mut y_log0, __autodiff_index, __autodiff_value);
        }
        __ad::undo(&mut y, &mut y_log0);
        let t4_bar = __ad::set_vjp(&mut y_bar, t);
        let t3_bar = __ad::add_vjp1_ref(&t2, &t3, &t4_bar);
        let t2_bar = __ad::add_vjp0(&t2, &t3, t4_bar);
        __ad::index_acc(&x, &mut x_bar, t, t3_bar);
        let t1_bar = __ad::mul_vjp0(&t1, &(0.5), t2_bar);
        __ad::index_acc(&y, &mut y_bar, t - 1, t1_bar);
    }
    __ad::undo(&mut y, &mut y_log0);
    let t0_bar = __ad::set_vjp(&mut y_bar, 0);
    __ad::index_acc(&x, &mut x_bar, 0, t0_bar);
    x_bar
}
///The value of [`scan`] and its pullback (like `jax.vjp`): `pullback(seed)` returns one tangent per differentiable parameter, in parameter order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn scan_vjp<'__ad>(
    x: &'__ad Array1<f64>,
) -> (f64, impl ::core::ops::FnOnce(f64) -> (Array1<f64>,) + use<'__ad>) {
    use ::autodiff::__private as __ad;
    let mut y_log2 = __ad::undo_log();
    let mut y = Array1::<f64>::zeros(x.len());
    let t0 = __ad::index(&x, 0);
    {
        let __autodiff_index = 0;
        let __autodiff_value = &t0;
        __ad::set_logged(&mut y, &mut y_log2, __autodiff_index, __autodiff_value);
    }
    let y_log_at_loop02 = __ad::log_len(&y_log2);
    let mut stack2 = __ad::checkpoint_stack(&(1..x.len()));
    for t in 1..x.len() {
        stack2.push((__ad::log_len(&y_log2),));
        let t1 = __ad::index(&y, t - 1);
        let t2 = __ad::mul(&t1, &(0.5));
        let t3 = __ad::index(&x, t);
        let t4 = __ad::add(&t2, &t3);
        {
            let __autodiff_index = t;
            let __autodiff_value = &t4;
            __ad::set_logged(&mut y, &mut y_log2, __autodiff_index, __autodiff_value);
        }
    }
    let t5 = __ad::snapshot(&y);
    let t6 = __ad::sum(&t5);
    let value_2 = t6;
    (
        value_2,
        move |seed: f64| {
            let mut x_bar_2 = __ad::zero_tangent(&x);
            let mut y_bar_2 = __ad::zero_tangent(&y);
            let t6_bar_2 = seed;
            let t5_bar_2 = __ad::sum_vjp(&t5, t6_bar_2);
            {
                let contribution = __ad::snapshot_vjp(&y, t5_bar_2);
                __ad::acc(&mut y_bar_2, contribution);
            }
            for t in (1..x.len()).rev() {
                let (__saved0,) = __ad::pop(&mut stack2);
                __ad::undo_to(&mut y, &mut y_log2, __saved0);
                let t1 = __ad::index(&y, t - 1);
                let t2 = __ad::mul(&t1, &(0.5));
                let t3 = __ad::index(&x, t);
                let t4 = __ad::add(&t2, &t3);
                {
                    let __autodiff_index = t;
                    let __autodiff_value = &t4;
                    __ad::set_logged(
                        &mut y,
                        &mut y_log2,
                        __autodiff_index,
                        __autodiff_value,
                    );
                }
                __ad::undo(&mut y, &mut y_log2);
                let t4_bar_2 = __ad::set_vjp(&mut y_bar_2, t);
                let t3_bar_2 = __ad::add_vjp1_ref(&t2, &t3, &t4_bar_2);
                let t2_bar_2 = __ad::add_vjp0(&t2, &t3, t4_bar_2);
                __ad::index_acc(&x, &mut x_bar_2, t, t3_bar_2);
                let t1_bar_2 = __ad::mul_vjp0(&t1, &(0.5), t2_bar_2);
                __ad::index_acc(&y, &mut y_bar_2, t - 1, t1_bar_2);
            }
            __ad::undo(&mut y, &mut y_log2);
            let t0_bar_2 = __ad::set_vjp(&mut y_bar_2, 0);
            __ad::index_acc(&x, &mut x_bar_2, 0, t0_bar_2);
            (x_bar_2,)
        },
    )
}
