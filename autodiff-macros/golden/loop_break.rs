#[allow(dead_code)]
fn until_large(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    let mut i = 0;
    loop {
        if i >= x.len() {
            break;
        }
        s = s * x[i] + 1.0;
        i += 1;
    }
    s
}
///The gradient of [`until_large`] with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn until_large_grad(x: &Array1<f64>) -> Array1<f64> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let mut s = 0.0;
    let mut i = 0;
    let mut s_carried: f64 = (s);
    let i_before_loop0 = ::core::clone::Clone::clone(&i);
    let mut stack0 = ::std::vec::Vec::new();
    let mut trips0: usize = 0;
    loop {
        stack0.push((__ad::owned(&s_carried), ::core::clone::Clone::clone(&i)));
        trips0 += 1;
        let mut broke0 = false;
        let s_1 = __ad::carry(&s_carried);
        let branch0: bool = i >= x.len();
        let before_branch0 = ::core::clone::Clone::clone(&broke0);
        if branch0 {
            broke0 = true;
        } else {}
        let branch1: bool = (!(false || broke0));
        let before_branch1 = ::core::clone::Clone::clone(&i);
        let s_3;
        if branch1 {
            let at0 = ::core::clone::Clone::clone(&i);
            let t1 = __ad::index(&x, at0);
            let t2 = __ad::mul(&s_1, &t1);
            let s_2 = __ad::add(&t2, &(1.0));
            i += 1;
            s_3 = s_2;
        } else {
            s_3 = __ad::to_owned(&s_1);
        }
        s_carried = s_3;
        if broke0 {
            break;
        }
    }
    let mut x_bar = __ad::zero_tangent(&x);
    let mut s_carried_bar = __ad::zero_tangent(&s_carried);
    let s_4_bar = __ad::one::<f64>();
    {
        let contribution = __ad::snapshot_vjp(&s_carried, s_4_bar);
        __ad::acc(&mut s_carried_bar, contribution);
    }
    for _ in 0..trips0 {
        let (__saved0, __saved1) = __ad::pop(&mut stack0);
        s_carried = __saved0;
        i = __saved1;
        let mut broke0 = false;
        let s_1 = __ad::carry(&s_carried);
        let branch0: bool = i >= x.len();
        let before_branch0 = ::core::clone::Clone::clone(&broke0);
        if branch0 {
            broke0 = true;
        } else {}
        let branch1: bool = (!(false || broke0));
        let before_branch1 = ::core::clone::Clone::clone(&i);
        let s_3;
        if branch1 {
            let at0 = ::core::clone::Clone::clone(&i);
            let t1 = __ad::index(&x, at0);
            let t2 = __ad::mul(&s_1, &t1);
            let s_2 = __ad::add(&t2, &(1.0));
            i += 1;
            s_3 = s_2;
        } else {
            s_3 = __ad::to_owned(&s_1);
        }
        let mut s_1_bar = __ad::zero_tangent(&s_1);
        let s_3_bar = s_carried_bar;
        if branch1 {
            i = ::core::clone::Clone::clone(&before_branch1);
            let at0 = ::core::clone::Clone::clone(&i);
            let t1 = __ad::index(&x, at0);
            let t2 = __ad::mul(&s_1, &t1);
            let s_2 = __ad::add(&t2, &(1.0));
            i += 1;
            let s_2_bar = s_3_bar;
            let t2_bar = __ad::add_vjp0(&t2, &(1.0), s_2_bar);
            {
                let contribution = __ad::mul_vjp0(&s_1, &t1, __ad::dup(&t2_bar));
                __ad::acc(&mut s_1_bar, contribution);
            }
            let t1_bar = __ad::mul_vjp1(&s_1, &t1, t2_bar);
            __ad::index_acc(&x, &mut x_bar, at0, t1_bar);
        } else {
            i = ::core::clone::Clone::clone(&before_branch1);
            {
                let contribution = s_3_bar;
                __ad::acc(&mut s_1_bar, contribution);
            }
        }
        if branch0 {
            broke0 = ::core::clone::Clone::clone(&before_branch0);
            broke0 = true;
        } else {
            broke0 = ::core::clone::Clone::clone(&before_branch0);
        }
        s_carried_bar = __ad::carry_vjp(&s_carried, s_1_bar);
    }
    x_bar
}
///The value of [`until_large`] and its gradient with respect to `x`.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn until_large_value_and_grad(x: &Array1<f64>) -> (f64, Array1<f64>) {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let mut s = 0.0;
    let mut i = 0;
    let mut s_carried: f64 = (s);
    let i_before_loop1 = ::core::clone::Clone::clone(&i);
    let mut stack1 = ::std::vec::Vec::new();
    let mut trips1: usize = 0;
    loop {
        stack1.push((__ad::owned(&s_carried), ::core::clone::Clone::clone(&i)));
        trips1 += 1;
        let mut broke0 = false;
        let s_1 = __ad::carry(&s_carried);
        let branch0: bool = i >= x.len();
        let before_branch0 = ::core::clone::Clone::clone(&broke0);
        if branch0 {
            broke0 = true;
        } else {}
        let branch1: bool = (!(false || broke0));
        let before_branch1 = ::core::clone::Clone::clone(&i);
        let s_3;
        if branch1 {
            let at0 = ::core::clone::Clone::clone(&i);
            let t1 = __ad::index(&x, at0);
            let t2 = __ad::mul(&s_1, &t1);
            let s_2 = __ad::add(&t2, &(1.0));
            i += 1;
            s_3 = s_2;
        } else {
            s_3 = __ad::to_owned(&s_1);
        }
        s_carried = s_3;
        if broke0 {
            break;
        }
    }
    let s_4 = __ad::snapshot(&s_carried);
    let value_1 = __ad::to_owned(&s_4);
    let mut x_bar_1 = __ad::zero_tangent(&x);
    let mut s_carried_bar_1 = __ad::zero_tangent(&s_carried);
    let s_4_bar_1 = __ad::one::<f64>();
    {
        let contribution = __ad::snapshot_vjp(&s_carried, s_4_bar_1);
        __ad::acc(&mut s_carried_bar_1, contribution);
    }
    for _ in 0..trips1 {
        let (__saved0, __saved1) = __ad::pop(&mut stack1);
        s_carried = __saved0;
        i = __saved1;
        let mut broke0 = false;
        let s_1 = __ad::carry(&s_carried);
        let branch0: bool = i >= x.len();
        let before_branch0 = ::core::clone::Clone::clone(&broke0);
        if branch0 {
            broke0 = true;
        } else {}
        let branch1: bool = (!(false || broke0));
        let before_branch1 = ::core::clone::Clone::clone(&i);
        let s_3;
        if branch1 {
            let at0 = ::core::clone::Clone::clone(&i);
            let t1 = __ad::index(&x, at0);
            let t2 = __ad::mul(&s_1, &t1);
            let s_2 = __ad::add(&t2, &(1.0));
            i += 1;
            s_3 = s_2;
        } else {
            s_3 = __ad::to_owned(&s_1);
        }
        let mut s_1_bar_1 = __ad::zero_tangent(&s_1);
        let s_3_bar_1 = s_carried_bar_1;
        if branch1 {
            i = ::core::clone::Clone::clone(&before_branch1);
            let at0 = ::core::clone::Clone::clone(&i);
            let t1 = __ad::index(&x, at0);
            let t2 = __ad::mul(&s_1, &t1);
            let s_2 = __ad::add(&t2, &(1.0));
            i += 1;
            let s_2_bar_1 = s_3_bar_1;
            let t2_bar_1 = __ad::add_vjp0(&t2, &(1.0), s_2_bar_1);
            {
                let contribution = __ad::mul_vjp0(&s_1, &t1, __ad::dup(&t2_bar_1));
                __ad::acc(&mut s_1_bar_1, contribution);
            }
            let t1_bar_1 = __ad::mul_vjp1(&s_1, &t1, t2_bar_1);
            __ad::index_acc(&x, &mut x_bar_1, at0, t1_bar_1);
        } else {
            i = ::core::clone::Clone::clone(&before_branch1);
            {
                let contribution = s_3_bar_1;
                __ad::acc(&mut s_1_bar_1, contribution);
            }
        }
        if branch0 {
            broke0 = ::core::clone::Clone::clone(&before_branch0);
            broke0 = true;
        } else {
            broke0 = ::core::clone::Clone::clone(&before_branch0);
        }
        s_carried_bar_1 = __ad::carry_vjp(&s_carried, s_1_bar_1);
    }
    (value_1, x_bar_1)
}
///The gradient of [`until_large`] with respect to `x` alone.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn until_large_grad_0(x: &Array1<f64>) -> Array1<f64> {
    use ::autodiff::__private as __ad;
    __ad::assert_scalar_output::<f64>();
    let mut s = 0.0;
    let mut i = 0;
    let mut s_carried: f64 = (s);
    let i_before_loop0 = ::core::clone::Clone::clone(&i);
    let mut stack0 = ::std::vec::Vec::new();
    let mut trips0: usize = 0;
    loop {
        stack0.push((__ad::owned(&s_carried), ::core::clone::Clone::clone(&i)));
        trips0 += 1;
        let mut broke0 = false;
        let s_1 = __ad::carry(&s_carried);
        let branch0: bool = i >= x.len();
        let before_branch0 = ::core::clone::Clone::clone(&broke0);
        if branch0 {
            broke0 = true;
        } else {}
        let branch1: bool = (!(false || broke0));
        let before_branch1 = ::core::clone::Clone::clone(&i);
        let s_3;
        if branch1 {
            let at0 = ::core::clone::Clone::clone(&i);
            let t1 = __ad::index(&x, at0);
            let t2 = __ad::mul(&s_1, &t1);
            let s_2 = __ad::add(&t2, &(1.0));
            i += 1;
            s_3 = s_2;
        } else {
            s_3 = __ad::to_owned(&s_1);
        }
        s_carried = s_3;
        if broke0 {
            break;
        }
    }
    let mut x_bar = __ad::zero_tangent(&x);
    let mut s_carried_bar = __ad::zero_tangent(&s_carried);
    let s_4_bar = __ad::one::<f64>();
    {
        let contribution = __ad::snapshot_vjp(&s_carried, s_4_bar);
        __ad::acc(&mut s_carried_bar, contribution);
    }
    for _ in 0..trips0 {
        let (__saved0, __saved1) = __ad::pop(&mut stack0);
        s_carried = __saved0;
        i = __saved1;
        let mut broke0 = false;
        let s_1 = __ad::carry(&s_carried);
        let branch0: bool = i >= x.len();
        let before_branch0 = ::core::clone::Clone::clone(&broke0);
        if branch0 {
            broke0 = true;
        } else {}
        let branch1: bool = (!(false || broke0));
        let before_branch1 = ::core::clone::Clone::clone(&i);
        let s_3;
        if branch1 {
            let at0 = ::core::clone::Clone::clone(&i);
            let t1 = __ad::index(&x, at0);
            let t2 = __ad::mul(&s_1, &t1);
            let s_2 = __ad::add(&t2, &(1.0));
            i += 1;
            s_3 = s_2;
        } else {
            s_3 = __ad::to_owned(&s_1);
        }
        let mut s_1_bar = __ad::zero_tangent(&s_1);
        let s_3_bar = s_carried_bar;
        if branch1 {
            i = ::core::clone::Clone::clone(&before_branch1);
            let at0 = ::core::clone::Clone::clone(&i);
            let t1 = __ad::index(&x, at0);
            let t2 = __ad::mul(&s_1, &t1);
            let s_2 = __ad::add(&t2, &(1.0));
            i += 1;
            let s_2_bar = s_3_bar;
            let t2_bar = __ad::add_vjp0(&t2, &(1.0), s_2_bar);
            {
                let contribution = __ad::mul_vjp0(&s_1, &t1, __ad::dup(&t2_bar));
                __ad::acc(&mut s_1_bar, contribution);
            }
            let t1_bar = __ad::mul_vjp1(&s_1, &t1, t2_bar);
            __ad::index_acc(&x, &mut x_bar, at0, t1_bar);
        } else {
            i = ::core::clone::Clone::clone(&before_branch1);
            {
                let contribution = s_3_bar;
                __ad::acc(&mut s_1_bar, contribution);
            }
        }
        if branch0 {
            broke0 = ::core::clone::Clone::clone(&before_branch0);
            broke0 = true;
        } else {
            broke0 = ::core::clone::Clone::clone(&before_branch0);
        }
        s_carried_bar = __ad::carry_vjp(&s_carried, s_1_bar);
    }
    x_bar
}
///The value of [`until_large`] and its pullback (like `jax.vjp`): `pullback(seed)` returns one tangent per differentiable parameter, in parameter order.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    non_snake_case,
    clippy::all
)]
fn until_large_vjp<'__ad>(
    x: &'__ad Array1<f64>,
) -> (f64, impl ::core::ops::FnOnce(f64) -> (Array1<f64>,) + use<'__ad>) {
    use ::autodiff::__private as __ad;
    let mut s = 0.0;
    let mut i = 0;
    let mut s_carried: f64 = (s);
    let i_before_loop2 = ::core::clone::Clone::clone(&i);
    let mut stack2 = ::std::vec::Vec::new();
    let mut trips2: usize = 0;
    loop {
        stack2.push((__ad::owned(&s_carried), ::core::clone::Clone::clone(&i)));
        trips2 += 1;
        let mut broke0 = false;
        let s_1 = __ad::carry(&s_carried);
        let branch0: bool = i >= x.len();
        let before_branch0 = ::core::clone::Clone::clone(&broke0);
        if branch0 {
            broke0 = true;
        } else {}
        let branch1: bool = (!(false || broke0));
        let before_branch1 = ::core::clone::Clone::clone(&i);
        let s_3;
        if branch1 {
            let at0 = ::core::clone::Clone::clone(&i);
            let t1 = __ad::index(&x, at0);
            let t2 = __ad::mul(&s_1, &t1);
            let s_2 = __ad::add(&t2, &(1.0));
            i += 1;
            s_3 = s_2;
        } else {
            s_3 = __ad::to_owned(&s_1);
        }
        s_carried = s_3;
        if broke0 {
            break;
        }
    }
    let s_4 = __ad::snapshot(&s_carried);
    let value_2 = s_4;
    (
        value_2,
        move |seed: f64| {
            let mut x_bar_2 = __ad::zero_tangent(&x);
            let mut s_carried_bar_2 = __ad::zero_tangent(&s_carried);
            let s_4_bar_2 = seed;
            {
                let contribution = __ad::snapshot_vjp(&s_carried, s_4_bar_2);
                __ad::acc(&mut s_carried_bar_2, contribution);
            }
            for _ in 0..trips2 {
                let (__saved0, __saved1) = __ad::pop(&mut stack2);
                s_carried = __saved0;
                i = __saved1;
                let mut broke0 = false;
                let s_1 = __ad::carry(&s_carried);
                let branch0: bool = i >= x.len();
                let before_branch0 = ::core::clone::Clone::clone(&broke0);
                if branch0 {
                    broke0 = true;
                } else {}
                let branch1: bool = (!(false || broke0));
                let before_branch1 = ::core::clone::Clone::clone(&i);
                let s_3;
                if branch1 {
                    let at0 = ::core::clone::Clone::clone(&i);
                    let t1 = __ad::index(&x, at0);
                    let t2 = __ad::mul(&s_1, &t1);
                    let s_2 = __ad::add(&t2, &(1.0));
                    i += 1;
                    s_3 = s_2;
                } else {
                    s_3 = __ad::to_owned(&s_1);
                }
                let mut s_1_bar_2 = __ad::zero_tangent(&s_1);
                let s_3_bar_2 = s_carried_bar_2;
                if branch1 {
                    i = ::core::clone::Clone::clone(&before_branch1);
                    let at0 = ::core::clone::Clone::clone(&i);
                    let t1 = __ad::index(&x, at0);
                    let t2 = __ad::mul(&s_1, &t1);
                    let s_2 = __ad::add(&t2, &(1.0));
                    i += 1;
                    let s_2_bar_2 = s_3_bar_2;
                    let t2_bar_2 = __ad::add_vjp0(&t2, &(1.0), s_2_bar_2);
                    {
                        let contribution = __ad::mul_vjp0(
                            &s_1,
                            &t1,
                            __ad::dup(&t2_bar_2),
                        );
                        __ad::acc(&mut s_1_bar_2, contribution);
                    }
                    let t1_bar_2 = __ad::mul_vjp1(&s_1, &t1, t2_bar_2);
                    __ad::index_acc(&x, &mut x_bar_2, at0, t1_bar_2);
                } else {
                    i = ::core::clone::Clone::clone(&before_branch1);
                    {
                        let contribution = s_3_bar_2;
                        __ad::acc(&mut s_1_bar_2, contribution);
                    }
                }
                if branch0 {
                    broke0 = ::core::clone::Clone::clone(&before_branch0);
                    broke0 = true;
                } else {
                    broke0 = ::core::clone::Clone::clone(&before_branch0);
                }
                s_carried_bar_2 = __ad::carry_vjp(&s_carried, s_1_bar_2);
            }
            (x_bar_2,)
        },
    )
}
