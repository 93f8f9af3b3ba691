//! The JVP transform on small programs: which tangent rules it applies, and what it leaves out.

use super::{transform, Calls, Unsupported};
use crate::ir::{print, Function, VarId, VarKind};
use crate::naming::Namer;
use crate::test_support::lowered;
use proc_macro2::TokenStream;
use quote::quote;

fn param(f: &Function, name: &str) -> VarId {
    VarId(
        f.vars
            .iter()
            .position(|v| matches!(v.kind, VarKind::Param(_)) && v.name == name)
            .expect("a parameter"),
    )
}

/// The tangent program of `item` with respect to parameter `wrt`, printed.
fn tangent(item: TokenStream, wrt: &str) -> Result<String, Unsupported> {
    let f = lowered(quote!(), item.clone());
    let mut namer = Namer::avoiding(item);
    let t = transform(
        &f,
        &f.body,
        &f.ret,
        &[param(&f, wrt)],
        Calls::Refuse,
        &mut namer,
    )?;
    let output = t.output.map(|v| t.function.vars[v.0].name.to_string());
    Ok(format!(
        "{}tangent {}\n",
        print::function(&t.function),
        output.unwrap_or_else(|| "zero".into())
    ))
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().map(str::trim).collect()
}

#[test]
fn a_straight_line_function_gets_one_rule_per_active_operand() {
    let text = tangent(
        quote!(
            fn f(x: f64, y: f64) -> f64 {
                let a = x * y;
                let b = a * x;
                b.sin()
            }
        ),
        "x",
    )
    .unwrap();
    let lines = lines(&text);
    // `x * y` with only `x` varying: one rule, written straight into the tangent.
    assert!(lines.contains(&"a_dot = mul_jvp0(x, y, x_dot)"), "{text}");
    assert!(!text.contains("mul_jvp1(x, y"), "{text}");
    // `a * x` with both varying: two contributions, summed.
    assert!(lines.contains(&"b_dot0 = mul_jvp0(a, x, a_dot)"), "{text}");
    assert!(lines.contains(&"b_dot1 = mul_jvp1(a, x, x_dot)"), "{text}");
    assert!(lines.contains(&"b_dot = add(b_dot0, b_dot1)"), "{text}");
    // `sin` reads its output.
    let sin = lines
        .iter()
        .find(|l| l.contains("= sin(b)"))
        .expect("the sine");
    let y = sin.split(" = ").next().expect("its value");
    assert!(
        lines.contains(&format!("{y}_dot = sin_jvp(b, {y}, b_dot)").as_str()),
        "{text}"
    );
    assert!(text.ends_with(&format!("tangent {y}_dot\n")), "{text}");
}

#[test]
fn array_code_gets_array_rules() {
    let text = tangent(
        quote!(
            fn f(x: &Array1<f64>, w: f64) -> f64 {
                let z = x * w;
                let s = z.sum();
                s * s
            }
        ),
        "w",
    )
    .unwrap();
    let lines = lines(&text);
    assert!(lines.contains(&"z_dot = mul_jvp1(x, w, w_dot)"), "{text}");
    assert!(lines.contains(&"s_dot = sum_jvp(z, z_dot)"), "{text}");
    // The array parameter does not vary: no tangent of it anywhere.
    assert!(!text.contains("x_dot"), "{text}");
}

#[test]
fn a_branch_joins_tangents_and_a_constant_arm_gives_a_zero_of_the_value() {
    let text = tangent(
        quote!(
            fn f(x: f64) -> f64 {
                let y = if x > 0.0 { x.sin() } else { 0.0 };
                y * 2.0
            }
        ),
        "x",
    )
    .unwrap();
    assert!(text.contains("join y_dot = "), "{text}");
    assert!(text.contains("| zero_like(y)"), "{text}");
}

#[test]
fn a_loop_carries_a_tangent_beside_its_value() {
    let text = tangent(
        quote!(
            fn horner(x: f64) -> f64 {
                let mut s = 0.0;
                for k in 0..4 {
                    s = s * x + (k as f64 + 1.0);
                }
                s
            }
        ),
        "x",
    )
    .unwrap();
    // The carried value's tangent starts as a zero of the value and is carried and written back.
    assert!(text.contains("init s_carried_dot <- zero"), "{text}");
    assert!(
        text.contains("carries s_carried <- const(s), s_carried_dot <- zero"),
        "{text}"
    );
    assert!(text.contains("write back s_carried_dot <- "), "{text}");
    // Nothing is saved for a reverse sweep.
    assert!(!text.contains("saved"), "{text}");
}

#[test]
fn an_array_written_by_element_gets_a_tangent_array_written_in_step() {
    let text = tangent(
        quote!(
            fn f(x: &Array1<f64>, a: f64) -> f64 {
                let n = x.len();
                let mut y = Array1::zeros(n);
                for t in 0..n {
                    y[t] = x[t] * a;
                }
                y.sum()
            }
        ),
        "a",
    )
    .unwrap();
    let lines = lines(&text);
    assert!(text.contains("init y_dot <- zero"), "{text}");
    assert!(lines.contains(&"y_dot[t] = t1_dot"), "{text}");
    assert!(text.contains("writes y, y_dot"), "{text}");
}

#[test]
fn a_call_with_an_active_result_is_not_supported_yet() {
    let result = tangent(
        quote!(
            fn f(x: f64) -> f64 {
                g(x) * 2.0
            }
        ),
        "x",
    );
    match result {
        Err(Unsupported::Call(_, path)) => assert_eq!(path, "g"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_inactive_output_has_no_tangent() {
    let text = tangent(
        quote!(
            fn f(x: f64, y: f64) -> f64 {
                let _z = x * 2.0;
                y * 3.0
            }
        ),
        "x",
    )
    .unwrap();
    assert!(text.ends_with("tangent zero\n"), "{text}");
    assert!(!text.contains("_jvp"), "{text}");
}

/// Forward over reverse: the adjoint program of a straight-line function, written out as IR, is an
/// input the JVP transform accepts; the tangent of the gradient is a Hessian-vector product.
#[test]
fn the_jvp_transform_runs_on_the_adjoint_program_of_a_straight_line_function() {
    use crate::analysis::activity::analyse;
    use crate::ir::adjoint::Seed;
    use crate::ir::Operand;
    use crate::transform::linearize::linearize;
    use crate::transform::reverse::Reverse;

    let item = quote!(
        fn f(x: f64, y: f64) -> f64 {
            let a = x * y;
            a.sin()
        }
    );
    let f = lowered(quote!(), item.clone());
    let mut namer = Namer::avoiding(item);
    let x = param(&f, "x");
    let activity = analyse(f.vars.len(), &f.body, &f.ret, &[x]);
    let program = Reverse {
        f: &f,
        namer: &mut namer,
        owned_values: false,
    }
    .program(&f.body, &f.ret, &[x], Seed::One(quote!(f64)), activity);
    let linear =
        linearize(&f, &f.body, &program, &mut namer, None, &[], &[]).expect("straight-line");
    let adjoint = print::function(&linear.function);
    let lines_of =
        |text: &str| -> Vec<String> { text.lines().map(|l| l.trim().to_string()).collect() };
    let adjoint_lines = lines_of(&adjoint);
    // The reverse sweep as IR: the seed, sin's rule on it, then mul's rule for `x` on `a`'s adjoint.
    for line in [
        "t1_bar = to_owned(const(:: autodiff :: __private :: one :: < f64 > ()))",
        "a_bar = sin_vjp(a, t1, t1_bar)",
        "x_bar = mul_vjp0(x, y, a_bar)",
        "return x_bar",
    ] {
        assert!(adjoint_lines.iter().any(|l| l == line), "{line}\n{adjoint}");
    }

    // Forward over it, along x: the tangent of x's gradient.
    let ret = linear.function.ret.clone();
    let t = transform(
        &linear.function,
        &linear.function.body,
        &ret,
        &[x],
        Calls::Refuse,
        &mut namer,
    )
    .expect("the JVP transform accepts an adjoint program");
    assert!(matches!(ret, Operand::Var(_)) && t.output.is_some());
    let text = print::function(&t.function);
    let lines = lines_of(&text);
    // The derivative of sin's rule along its operand `a` and along the seed (a constant: none).
    assert!(
        lines
            .iter()
            .any(|l| l.contains("= sin_vjp_jvp0(a, ") && l.ends_with(", a_dot)")),
        "{text}"
    );
    assert!(!text.contains("sin_vjp_jvp2"), "{text}");
    // mul's rule for `x` (`y * a_bar`) varies with `a_bar` only: along `x` (its own operand) it is
    // zero by its form and skipped; `y` does not vary.
    // Along the seed the rule is linear: it is the rule itself applied to the seed's tangent.
    assert!(!text.contains("mul_vjp0_jvp0"), "{text}");
    assert!(
        text.contains("x_bar_dot = mul_vjp0(x, y, a_bar_dot)"),
        "{text}"
    );
    assert!(!text.contains("mul_vjp0_jvp"), "{text}");
}

#[test]
fn a_mapv_closure_maps_its_tangent_program() {
    // Over the array and its tangent together.
    let text = tangent(
        quote!(
            fn f(a: f64) -> f64 {
                let x = Array1::linspace(0.0, 1.0, 5) * a;
                x.mapv(|v| v.exp() * a).sum()
            }
        ),
        "a",
    )
    .unwrap();
    assert!(text.contains("= mapv(x, x_dot, a, a_dot) |v| {"), "{text}");
    assert!(text.contains("exp_jvp(v, "), "{text}");
    // Over the array alone, where only a captured value varies: no tangent of `v`.
    let text = tangent(
        quote!(
            fn f(x: &Array1<f64>, w: f64) -> f64 {
                x.mapv(|v| (v * w).sin()).sum()
            }
        ),
        "w",
    )
    .unwrap();
    assert!(text.contains("= mapv(x, w, w_dot) |v| {"), "{text}");
    assert!(text.contains("mul_jvp1(v, w, w_dot)"), "{text}");
    assert!(!text.contains("v_dot"), "{text}");
}
