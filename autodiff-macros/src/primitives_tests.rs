//! Every row of the primitive table, used as a user writes it: `tests/primitives.rs` (generated here and
//! checked to be current) holds one differentiable function per row, so that a row that disagrees with
//! its runtime rule (a name, an arity, an extra argument) fails to compile there, and its gradient is
//! checked against finite differences. A row without an example here fails this test.
//!
//! `AUTODIFF_WRITE_PRIMITIVES=1 cargo test -p autodiff-macros primitives` rewrites `tests/primitives.rs`.

use crate::prims::{self, Access, Family};

/// How a row is written in the source, over `x, y, z: f64`, `a, b: &Array1<f64>` (length 3) and
/// `m: &Array2<f64>` (3 by 3); every example is a scalar.
fn example(name: &str) -> Option<&'static str> {
    Some(match name {
        "exp" => "x.exp() + a.exp().sum()",
        "exp2" => "x.exp2() + a.exp2().sum()",
        "exp_m1" => "x.exp_m1() + a.exp_m1().sum()",
        "ln" => "(x + 2.0).ln() + (a + 2.0).ln().sum()",
        "ln_1p" => "x.ln_1p() + a.ln_1p().sum()",
        "log2" => "(x + 2.0).log2() + (a + 2.0).log2().sum()",
        "log10" => "(x + 2.0).log10() + (a + 2.0).log10().sum()",
        "sqrt" => "(x + 2.0).sqrt() + (a + 2.0).sqrt().sum()",
        "cbrt" => "(x + 2.0).cbrt() + (a + 2.0).cbrt().sum()",
        "recip" => "(x + 2.0).recip() + (a + 2.0).recip().sum()",
        "sin" => "x.sin() + a.sin().sum()",
        "cos" => "x.cos() + a.cos().sum()",
        "tan" => "x.tan() + a.tan().sum()",
        "asin" => "(x * 0.5).asin() + (a * 0.5).asin().sum()",
        "acos" => "(x * 0.5).acos() + (a * 0.5).acos().sum()",
        "atan" => "x.atan() + a.atan().sum()",
        "sinh" => "x.sinh() + a.sinh().sum()",
        "cosh" => "x.cosh() + a.cosh().sum()",
        "tanh" => "x.tanh() + a.tanh().sum()",
        "asinh" => "x.asinh() + a.asinh().sum()",
        "acosh" => "(x + 2.0).acosh() + (a + 2.0).acosh().sum()",
        "atanh" => "(x * 0.5).atanh() + (a * 0.5).atanh().sum()",
        "abs" => "x.abs() + a.abs().sum()",
        "signum" => "x.signum() * x + a.signum().sum()",
        "to_degrees" => "x.to_degrees() + a.to_degrees().sum()",
        "to_radians" => "x.to_radians() + a.to_radians().sum()",
        "pow2" => "a.pow2().sum()",
        "floor" => "x.floor() + x + a.floor().sum()",
        "ceil" => "x.ceil() + x + a.ceil().sum()",
        "round" => "x.round() + x + a.round().sum()",
        "trunc" => "x.trunc() + x + a.trunc().sum()",
        "fract" => "x.fract() + a.fract().sum()",
        "neg" => "-x + (-a).sum()",
        "add" => "x + y + (a + b).sum() + (a + x).sum()",
        "sub" => "x - y + (a - b).sum() + (x - a).sum()",
        "mul" => "x * y + (a * b).sum() + (m * a).sum()",
        "div" => "x / (y + 2.0) + (a / (b + 2.0)).sum()",
        "powf" => "(x + 2.0).powf(y) + (a + 2.0).powf(y).sum()",
        "atan2" => "x.atan2(y + 2.0) * 2.0",
        "max" => "x.max(y) * 2.0",
        "min" => "x.min(y) * 2.0",
        "hypot" => "x.hypot(y) + a.hypot(y).sum()",
        "powi" => "x.powi(3) + a.powi(2).sum()",
        "clamp" => "x.clamp(y - 1.0, z + 1.0) + a.clamp(y - 1.0, z + 1.0).sum()",
        "mul_add" => "x.mul_add(y, z) * 2.0",
        "sum" => "a.sum() + m.sum()",
        "product" => "(a + 2.0).product()",
        "mean" => "a.mean().unwrap() + m.mean().unwrap()",
        "sum_axis" => "m.sum_axis(Axis(0)).dot(a) + m.sum_axis(Axis(1)).sum()",
        "mean_axis" => "m.mean_axis(Axis(1)).unwrap().dot(b)",
        "dot" => "a.dot(b) + m.dot(a).dot(b) + a.dot(m).sum() + m.dot(m).sum()",
        "t" => "m.t().dot(a).dot(b) + m.view().reversed_axes().sum() * x",
        "slice" => "a.slice(s![1..]).sum() + m.slice(s![..;-1, 1]).sum() * x",
        "insert_axis" => "a.view().insert_axis(Axis(0)).dot(m).sum()",
        "from_elem" => "Array::from_elem((2, 3), x).sum() + Array1::from_elem(3, y).dot(a)",
        "index_axis" => "m.index_axis(Axis(0), 1).dot(a)",
        "select" => "m.select(Axis(0), &[2, 0, 2]).dot(a).dot(b) + a.select(Axis(0), &[1, 1]).sum() * x",
        "var" => "a.var(1.0) * x + m.var(0.0)",
        "std" => "a.std(1.0) + m.std(0.5) * x",
        "var_axis" => "m.var_axis(Axis(0), 1.0).dot(a) + m.var_axis(Axis(1), 0.0).sum()",
        "std_axis" => "m.std_axis(Axis(1), 1.0).dot(b) + m.std_axis(Axis(0), 0.0).sum() * x",
        "product_axis" => "(m + 2.0).product_axis(Axis(0)).dot(a) + m.product_axis(Axis(1)).sum()",
        "diag" => "m.diag().dot(a) + m.dot(m).diag().sum() * x",
        "row" => "m.row(1).dot(a) + m.row(2).sum() * x",
        "column" => "m.column(0).dot(b) + m.column(2).sum() * y",
        "broadcast" => "(a.broadcast((3, 3)).unwrap().to_owned() * m).sum()",
        "reshape" => "m.to_shape(9).unwrap().sum() + a.to_owned().into_shape_with_order((3, 1)).unwrap().sum() * x",
        "to_owned" => "a.to_owned().sum() + a.clone().dot(b) + a.view().sum() * x",
        "index" => "a[0] * a[2] + m[[1, 2]] * x",
        "element" => "{ let mut s = 0.0; for v in a.iter() { s += *v * x; } s }",
        "carry" | "snapshot" => "{ let mut s = x; for i in 0..3 { s = s * a[i] + y; } s }",
        _ => return None,
    })
}

/// The source of `tests/primitives.rs`.
fn primitives_file() -> String {
    let mut out = String::from(
        "//! Generated by `autodiff-macros/src/primitives_tests.rs` (`AUTODIFF_WRITE_PRIMITIVES=1 cargo test -p\n\
         //! autodiff-macros primitives`): one function per row of the primitive table, its gradient with\n\
         //! respect to every parameter checked against central finite differences.\n\
         #![deny(warnings)]\n\
         #![allow(clippy::all)]\n\n\
         use autodiff::ndarray::{s, Array, Array1, Array2, Axis};\n\
         use autodiff::prelude::*;\n\n\
         mod common;\n\
         use common::primitives::check_all;\n\n",
    );
    let mut seen = std::collections::HashSet::new();
    for p in prims::all()
        .into_iter()
        .filter(|p| !matches!(p.family, Family::Access(Access::Field) | Family::Stop))
    {
        let body = example(p.name).unwrap_or_else(|| panic!("row `{}` has no example", p.name));
        if !seen.insert(body) {
            continue;
        }
        let family = match p.family {
            Family::Access(_) | Family::Copy(_) => "access or copy".to_string(),
            other => format!("{other:?}").to_lowercase(),
        };
        out.push_str(&format!(
            "/// `{}` ({family}).\n#[differentiable(argnums = (0, 1, 2, 3, 4, 5))]\n#[allow(unused_variables)]\nfn p_{}(\n    x: f64,\n    y: f64,\n    z: f64,\n    a: &Array1<f64>,\n    b: &Array1<f64>,\n    m: &Array2<f64>,\n) -> f64 {{\n    {body}\n}}\n\n",
            p.name, p.name
        ));
    }
    out.push_str("#[test]\nfn every_primitive_against_finite_differences() {\n");
    let mut seen = std::collections::HashSet::new();
    for p in prims::all()
        .into_iter()
        .filter(|p| !matches!(p.family, Family::Access(Access::Field) | Family::Stop))
    {
        let body = example(p.name).expect("checked above");
        if !seen.insert(body) {
            continue;
        }
        out.push_str(&format!(
            "    check_all(\"{0}\", p_{0}, p_{0}_grad);\n",
            p.name
        ));
    }
    out.push_str("}\n");
    out.push_str(FIELD);
    out.push_str(STOP);
    out
}

/// The row `stop_gradient` has no derivative by design, so it is checked against its closed form.
const STOP: &str = r#"
/// `stop_gradient` (stop): a value without a derivative.
#[differentiable(argnums = (0, 1))]
fn p_stop_gradient(x: f64, y: f64, a: &Array1<f64>) -> f64 {
    stop_gradient(x) * y + stop_gradient(a.sum()) * x
}

#[test]
fn stop_gradient_has_no_derivative() {
    let a = Array1::from(vec![0.5, -1.0, 2.0]);
    // d/dx = a.sum() (the first term's x is stopped), d/dy = x.
    assert_eq!(p_stop_gradient_grad(0.3, 0.7, &a), (1.5, 0.3));
}
"#;

/// The row `field` needs a parameter struct: its read `p.w` adds into the struct's gradient.
const FIELD: &str = r#"
/// `field` (access): a field read of a parameter struct.
#[derive(Clone, Debug, Differentiable)]
struct Pair {
    w: Array1<f64>,
    s: f64,
}

#[differentiable]
fn p_field(p: &Pair) -> f64 {
    p.w.sum() * p.s
}

#[test]
fn field_read_adds_into_the_struct_gradient() {
    let p = Pair { w: Array1::from(vec![0.5, -1.0, 2.0]), s: 3.0 };
    let g = p_field_grad(&p);
    assert_eq!(g.w, Array1::from(vec![3.0, 3.0, 3.0]));
    assert_eq!(g.s, 1.5);
}
"#;

#[test]
fn primitives_file_is_current() {
    crate::test_support::generated_file_is_current(
        "tests/primitives.rs",
        &primitives_file(),
        "AUTODIFF_WRITE_PRIMITIVES",
    );
}
