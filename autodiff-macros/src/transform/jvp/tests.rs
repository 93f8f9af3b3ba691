//! The JVP transform on small programs: which tangent rules it applies, and what it leaves out.

use super::{transform, Unsupported};
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
    let t = transform(&f, &f.body, &f.ret, &[param(&f, wrt)], &mut namer)?;
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
    assert_eq!(result.err(), Some(Unsupported::Call));
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
