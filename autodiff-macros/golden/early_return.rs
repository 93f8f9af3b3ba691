#[allow(dead_code)]
fn guarded(x: f64) -> f64 {
    if x > 0.0 {
        if x > 1.0 {
            return x * 2.0;
        }
    }
    x * x
}
///The gradient of [`guarded`] with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn guarded_grad(x: f64) -> f64 {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let x_dot = __ad::seed(&x);
    let mut __autodiff_returned = false;
    let mut __autodiff_result: f64 = 0.0;
    let branch0: bool = x > 0.0;
    let before_branch1 = ::core::clone::Clone::clone(&__autodiff_returned);
    let before_branch2 = ::core::clone::Clone::clone(&__autodiff_result);
    let __autodiff_result_3;
    let __autodiff_result_3_dot;
    if branch0 {
        let branch1: bool = x > 1.0;
        let before_branch0 = ::core::clone::Clone::clone(&__autodiff_returned);
        let __autodiff_result_2;
        let __autodiff_result_2_dot;
        if branch1 {
            let __autodiff_result_1 = __ad::mul(&x, &(2.0));
            let __autodiff_result_1_dot = __ad::mul_jvp0(&x, &(2.0), &x_dot);
            __autodiff_returned = true;
            __autodiff_result_2 = __autodiff_result_1;
            __autodiff_result_2_dot = __autodiff_result_1_dot;
        } else {
            __autodiff_result_2 = (__autodiff_result);
            __autodiff_result_2_dot = __ad::zero_tangent(&__autodiff_result_2);
        }
        __autodiff_result_3 = __autodiff_result_2;
        __autodiff_result_3_dot = __autodiff_result_2_dot;
    } else {
        __autodiff_result_3 = (__autodiff_result);
        __autodiff_result_3_dot = __ad::zero_tangent(&__autodiff_result_3);
    }
    let branch2: bool = __autodiff_returned;
    let t2;
    let t2_dot;
    if branch2 {
        t2 = __ad::to_owned(&__autodiff_result_3);
        t2_dot = __ad::to_owned(&__autodiff_result_3_dot);
    } else {
        let t1 = __ad::mul(&x, &x);
        let t1_dot0 = __ad::mul_jvp0(&x, &x, &x_dot);
        let t1_dot1 = __ad::mul_jvp1(&x, &x, &x_dot);
        let t1_dot = __ad::add(&t1_dot0, &t1_dot1);
        t2 = t1;
        t2_dot = t1_dot;
    }
    t2_dot
}
///The value of [`guarded`] and its gradient with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn guarded_value_and_grad(x: f64) -> (f64, f64) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let x_dot_1 = __ad::seed(&x);
    let mut __autodiff_returned = false;
    let mut __autodiff_result: f64 = 0.0;
    let branch0: bool = x > 0.0;
    let before_branch1 = ::core::clone::Clone::clone(&__autodiff_returned);
    let before_branch2 = ::core::clone::Clone::clone(&__autodiff_result);
    let __autodiff_result_3;
    let __autodiff_result_3_dot_1;
    if branch0 {
        let branch1: bool = x > 1.0;
        let before_branch0 = ::core::clone::Clone::clone(&__autodiff_returned);
        let __autodiff_result_2;
        let __autodiff_result_2_dot_1;
        if branch1 {
            let __autodiff_result_1 = __ad::mul(&x, &(2.0));
            let __autodiff_result_1_dot_1 = __ad::mul_jvp0(&x, &(2.0), &x_dot_1);
            __autodiff_returned = true;
            __autodiff_result_2 = __autodiff_result_1;
            __autodiff_result_2_dot_1 = __autodiff_result_1_dot_1;
        } else {
            __autodiff_result_2 = (__autodiff_result);
            __autodiff_result_2_dot_1 = __ad::zero_tangent(&__autodiff_result_2);
        }
        __autodiff_result_3 = __autodiff_result_2;
        __autodiff_result_3_dot_1 = __autodiff_result_2_dot_1;
    } else {
        __autodiff_result_3 = (__autodiff_result);
        __autodiff_result_3_dot_1 = __ad::zero_tangent(&__autodiff_result_3);
    }
    let branch2: bool = __autodiff_returned;
    let t2;
    let t2_dot_1;
    if branch2 {
        t2 = __ad::to_owned(&__autodiff_result_3);
        t2_dot_1 = __ad::to_owned(&__autodiff_result_3_dot_1);
    } else {
        let t1 = __ad::mul(&x, &x);
        let t1_dot0_1 = __ad::mul_jvp0(&x, &x, &x_dot_1);
        let t1_dot1_1 = __ad::mul_jvp1(&x, &x, &x_dot_1);
        let t1_dot_1 = __ad::add(&t1_dot0_1, &t1_dot1_1);
        t2 = t1;
        t2_dot_1 = t1_dot_1;
    }
    let value_1 = __ad::to_owned(&t2);
    (value_1, t2_dot_1)
}
///The gradient of [`guarded`] with respect to `x` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn guarded_grad_0(x: f64) -> f64 {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let x_dot = __ad::seed(&x);
    let mut __autodiff_returned = false;
    let mut __autodiff_result: f64 = 0.0;
    let branch0: bool = x > 0.0;
    let before_branch1 = ::core::clone::Clone::clone(&__autodiff_returned);
    let before_branch2 = ::core::clone::Clone::clone(&__autodiff_result);
    let __autodiff_result_3;
    let __autodiff_result_3_dot;
    if branch0 {
        let branch1: bool = x > 1.0;
        let before_branch0 = ::core::clone::Clone::clone(&__autodiff_returned);
        let __autodiff_result_2;
        let __autodiff_result_2_dot;
        if branch1 {
            let __autodiff_result_1 = __ad::mul(&x, &(2.0));
            let __autodiff_result_1_dot = __ad::mul_jvp0(&x, &(2.0), &x_dot);
            __autodiff_returned = true;
            __autodiff_result_2 = __autodiff_result_1;
            __autodiff_result_2_dot = __autodiff_result_1_dot;
        } else {
            __autodiff_result_2 = (__autodiff_result);
            __autodiff_result_2_dot = __ad::zero_tangent(&__autodiff_result_2);
        }
        __autodiff_result_3 = __autodiff_result_2;
        __autodiff_result_3_dot = __autodiff_result_2_dot;
    } else {
        __autodiff_result_3 = (__autodiff_result);
        __autodiff_result_3_dot = __ad::zero_tangent(&__autodiff_result_3);
    }
    let branch2: bool = __autodiff_returned;
    let t2;
    let t2_dot;
    if branch2 {
        t2 = __ad::to_owned(&__autodiff_result_3);
        t2_dot = __ad::to_owned(&__autodiff_result_3_dot);
    } else {
        let t1 = __ad::mul(&x, &x);
        let t1_dot0 = __ad::mul_jvp0(&x, &x, &x_dot);
        let t1_dot1 = __ad::mul_jvp1(&x, &x, &x_dot);
        let t1_dot = __ad::add(&t1_dot0, &t1_dot1);
        t2 = t1;
        t2_dot = t1_dot;
    }
    t2_dot
}
///The value of [`guarded`] and its pullback (like `jax.vjp`): `pullback(seed)` returns one tangent per differentiable parameter, in parameter order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn guarded_vjp<'__ad>(
    x: f64,
) -> (f64, impl ::core::ops::FnOnce(f64) -> (f64,) + use<'__ad>) {
    use ::autodiff::__private as __ad;
    let mut __autodiff_returned = false;
    let mut __autodiff_result: f64 = 0.0;
    let branch0: bool = x > 0.0;
    let before_branch1 = ::core::clone::Clone::clone(&__autodiff_returned);
    let before_branch2 = ::core::clone::Clone::clone(&__autodiff_result);
    let __autodiff_result_3;
    if branch0 {
        let branch1: bool = x > 1.0;
        let before_branch0 = ::core::clone::Clone::clone(&__autodiff_returned);
        let __autodiff_result_2;
        if branch1 {
            let __autodiff_result_1 = __ad::mul(&x, &(2.0));
            __autodiff_returned = true;
            __autodiff_result_2 = __autodiff_result_1;
        } else {
            __autodiff_result_2 = (__autodiff_result);
        }
        __autodiff_result_3 = __autodiff_result_2;
    } else {
        __autodiff_result_3 = (__autodiff_result);
    }
    let branch2: bool = __autodiff_returned;
    let t2;
    if branch2 {
        t2 = __ad::to_owned(&__autodiff_result_3);
    } else {
        let t1 = __ad::mul(&x, &x);
        t2 = t1;
    }
    let value_2 = t2;
    (
        value_2,
        move |seed: f64| {
            let mut x_bar = __ad::zero_tangent(&x);
            let mut __autodiff_result_3_bar = __ad::zero_tangent(&__autodiff_result_3);
            let t2_bar = seed;
            if branch2 {
                {
                    let contribution = t2_bar;
                    __ad::acc(&mut __autodiff_result_3_bar, contribution);
                }
            } else {
                let t1 = __ad::mul(&x, &x);
                let t1_bar = t2_bar;
                {
                    let contribution = __ad::mul_vjp0(&x, &x, __ad::dup(&t1_bar));
                    __ad::acc(&mut x_bar, contribution);
                }
                {
                    let contribution = __ad::mul_vjp1(&x, &x, t1_bar);
                    __ad::acc(&mut x_bar, contribution);
                }
            }
            if branch0 {
                __autodiff_returned = ::core::clone::Clone::clone(&before_branch1);
                __autodiff_result = ::core::clone::Clone::clone(&before_branch2);
                let branch1: bool = x > 1.0;
                let before_branch0 = ::core::clone::Clone::clone(&__autodiff_returned);
                let __autodiff_result_2;
                if branch1 {
                    let __autodiff_result_1 = __ad::mul(&x, &(2.0));
                    __autodiff_returned = true;
                    __autodiff_result_2 = __autodiff_result_1;
                } else {
                    __autodiff_result_2 = (__autodiff_result);
                }
                let __autodiff_result_2_bar = __autodiff_result_3_bar;
                if branch1 {
                    __autodiff_returned = ::core::clone::Clone::clone(&before_branch0);
                    let __autodiff_result_1 = __ad::mul(&x, &(2.0));
                    __autodiff_returned = true;
                    let __autodiff_result_1_bar = __autodiff_result_2_bar;
                    {
                        let contribution = __ad::mul_vjp0(
                            &x,
                            &(2.0),
                            __autodiff_result_1_bar,
                        );
                        __ad::acc(&mut x_bar, contribution);
                    }
                } else {
                    __autodiff_returned = ::core::clone::Clone::clone(&before_branch0);
                }
            } else {
                __autodiff_returned = ::core::clone::Clone::clone(&before_branch1);
                __autodiff_result = ::core::clone::Clone::clone(&before_branch2);
            }
            (x_bar,)
        },
    )
}
