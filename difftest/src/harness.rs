//! Writes the test code: one module per program with the function, its dual twin and its check.

use crate::ast::{Fl, Program, Ty};
use std::fmt::Write;

/// Lints of the generated user-style code (random programs have dead stores and spare parentheses);
/// they are allowed on the user's functions only, so the macro's own output stays under `deny(warnings)`.
pub const USER_ALLOWS: &str =
    "#[allow(unused_variables, unused_assignments, unused_mut, unused_parens, clippy::all)]";

/// The imports and lint settings at the top of a generated file; `support` is the path of `check.rs`.
pub fn header(doc: &str, support: &str) -> String {
    format!(
        "{doc}\
#![deny(warnings)]
#![allow(clippy::all)]

#[path = \"{support}\"]
mod support;

#[allow(unused_imports)]
use autodiff::ndarray::{{array, s, Array1}};
#[allow(unused_imports)]
use autodiff::nn;
#[allow(unused_imports)]
use autodiff::prelude::*;
#[allow(unused_imports)]
use support::*;
"
    )
}

fn lit(fl: Fl, v: f64) -> String {
    let s = format!("{v:?}");
    let s = if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    };
    match fl {
        Fl::F64 => s,
        Fl::F32 => format!("{s}f32"),
    }
}

/// The module of one program: `mod <name> { fn <name>; fn <name>_dual; pub fn check() -> Report; #[test] }`.
/// `cfg` is an attribute line put on the module (empty for none), `ignore` a reason to ignore its test.
pub fn program_module(p: &Program, cfg: &str, ignore: Option<&str>, with_test: bool) -> String {
    let fl = p.fl.name();
    let name = &p.name;
    let mut o = String::new();
    let _ = writeln!(o, "\n// seed {} index {}", p.seed, p.index);
    if !cfg.is_empty() {
        let _ = writeln!(o, "{cfg}");
    }
    let _ = writeln!(o, "mod {name} {{\n    use super::*;\n");
    let mut body = String::new();
    let _ = write!(body, "{USER_ALLOWS}\n{}", p.source());
    if p.scalar_only() {
        let _ = write!(body, "\n{USER_ALLOWS}\n{}", p.dual_source());
    }
    // inputs
    let _ = writeln!(body, "\npub fn check() -> Report {{");
    let _ = writeln!(body, "    let mut r = Report::new(\"{name}\");");
    for q in &p.params {
        match q.ty {
            Ty::S => {
                let _ = writeln!(
                    body,
                    "    let {}: {fl} = {};",
                    q.name,
                    lit(p.fl, q.value[0])
                );
            }
            Ty::A => {
                let vs: Vec<String> = q.value.iter().map(|v| lit(p.fl, *v)).collect();
                let _ = writeln!(
                    body,
                    "    let {}: Array1<{fl}> = array![{}];",
                    q.name,
                    vs.join(", ")
                );
            }
        }
    }
    let args_with = |k: usize, sub: &str| -> String {
        p.params
            .iter()
            .enumerate()
            .map(|(j, q)| match (j == k, q.ty) {
                (true, _) => sub.to_string(),
                (false, Ty::S) => q.name.clone(),
                (false, Ty::A) => format!("&{}", q.name),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let args = args_with(usize::MAX, "");
    let _ = writeln!(body, "    let v = {name}({args});");
    let _ = writeln!(body, "    if !r.in_range(v) {{\n        return r;\n    }}");
    let _ = writeln!(
        body,
        "    let (vg_value, vg_grad) = {name}_value_and_grad({args});"
    );
    let _ = writeln!(body, "    r.value(\"value_and_grad\", vg_value, v);");
    for (k, q) in p.params.iter().enumerate() {
        let _ = writeln!(body, "    let g{k} = {name}_grad_{k}({args});");
        match q.ty {
            Ty::S => {
                let _ = writeln!(
                    body,
                    "    r.fd_scalar(\"{}\", g{k}, |t: {fl}| {name}({}), {}, v);",
                    q.name,
                    args_with(k, "t"),
                    q.name
                );
            }
            Ty::A => {
                let _ = writeln!(
                    body,
                    "    r.fd_array(\"{}\", &g{k}, |t: &Array1<{fl}>| {name}({}), &{}, v);",
                    q.name,
                    args_with(k, "t"),
                    q.name
                );
            }
        }
    }
    // `f_jvp` along a direction for every parameter, against the gradients' directional derivative.
    let mut dirs = Vec::new();
    let mut terms = Vec::new();
    for (k, q) in p.params.iter().enumerate() {
        match q.ty {
            Ty::S => {
                let d = lit(p.fl, 0.5 - 0.25 * k as f64);
                let _ = writeln!(body, "    let d{k}: {fl} = {d};");
                terms.push(format!("f64::from(g{k}) * f64::from(d{k})"));
                dirs.push(format!("d{k}"));
            }
            Ty::A => {
                let vs: Vec<String> = (0..q.value.len())
                    .map(|j| lit(p.fl, ((j * 7 + k * 3) % 5) as f64 * 0.25 - 0.5))
                    .collect();
                let _ = writeln!(
                    body,
                    "    let d{k}: Array1<{fl}> = array![{}];",
                    vs.join(", ")
                );
                terms.push(format!(
                    "g{k}.iter().zip(d{k}.iter()).map(|(g, d)| f64::from(*g) * f64::from(*d)).sum::<f64>()"
                ));
                dirs.push(format!("d{k}.clone()"));
            }
        }
    }
    let _ = writeln!(
        body,
        "    let (jvp_value, jvp_tangent) = {name}_jvp({args}, ({},));",
        dirs.join(", ")
    );
    let _ = writeln!(body, "    r.value(\"jvp\", jvp_value, v);");
    let _ = writeln!(
        body,
        "    r.jvp::<{fl}>(\"jvp.tangent\", jvp_tangent, &[{}]);",
        terms.join(", ")
    );
    // `f_hvp` along the selected parameters' directions, against differences of their gradients.
    if p.hessian {
        let tuple = !p.argnums.is_empty();
        let selected: Vec<usize> = if tuple { p.argnums.clone() } else { vec![0] };
        let v: Vec<&str> = selected.iter().map(|k| dirs[*k].as_str()).collect();
        let v = if tuple {
            format!("({},)", v.join(", "))
        } else {
            v[0].to_string()
        };
        let _ = writeln!(body, "    let hv = {name}_hvp({args}, {v});");
        let shifted: Vec<String> = p
            .params
            .iter()
            .enumerate()
            .map(|(j, q)| match (selected.contains(&j), q.ty) {
                (true, Ty::S) => format!("{} + t * d{j}", q.name),
                (true, Ty::A) => format!("&(&{} + &(&d{j} * t))", q.name),
                (false, Ty::S) => q.name.clone(),
                (false, Ty::A) => format!("&{}", q.name),
            })
            .collect();
        for (pos, k) in selected.iter().enumerate() {
            let got = if tuple {
                format!("hv.{pos}")
            } else {
                "hv".to_string()
            };
            let _ = writeln!(
                body,
                "    r.hvp::<{fl}, _>(\"hvp.{k}\", &{got}, |t: {fl}| {name}_grad_{k}({}));",
                shifted.join(", ")
            );
        }
    }
    let _ = writeln!(body, "    let (vjp_value, pullback) = {name}_vjp({args});");
    let _ = writeln!(body, "    r.value(\"vjp\", vjp_value, v);");
    let pbs: Vec<String> = (0..p.params.len()).map(|k| format!("pb{k}")).collect();
    let tuple = if pbs.len() == 1 {
        format!("({},)", pbs[0])
    } else {
        format!("({})", pbs.join(", "))
    };
    let _ = writeln!(body, "    let {tuple} = pullback(1.0);");
    for k in 0..p.params.len() {
        let _ = writeln!(
            body,
            "    r.same::<{fl}, _>(\"pullback.{k}\", &pb{k}, &g{k});"
        );
    }
    let _ = writeln!(body, "    let sel = {name}_grad({args});");
    if p.argnums.is_empty() {
        let _ = writeln!(body, "    r.same::<{fl}, _>(\"grad\", &sel, &g0);");
        let _ = writeln!(
            body,
            "    r.same::<{fl}, _>(\"value_and_grad.1\", &vg_grad, &g0);"
        );
    } else {
        let idx: Vec<String> = p.argnums.iter().map(|k| k.to_string()).collect();
        let _ = writeln!(
            body,
            "    let sel2 = {name}_grad_{}({args});",
            idx.join("_")
        );
        for (pos, k) in p.argnums.iter().enumerate() {
            let _ = writeln!(
                body,
                "    r.same::<{fl}, _>(\"grad.{pos}\", &sel.{pos}, &g{k});"
            );
            let _ = writeln!(
                body,
                "    r.same::<{fl}, _>(\"grad_{}.{pos}\", &sel2.{pos}, &g{k});",
                idx.join("_")
            );
            let _ = writeln!(
                body,
                "    r.same::<{fl}, _>(\"value_and_grad.1.{pos}\", &vg_grad.{pos}, &g{k});"
            );
        }
    }
    if p.scalar_only() {
        let d = p.fl.dual();
        for (k, q) in p.params.iter().enumerate() {
            let dargs: Vec<String> = p
                .params
                .iter()
                .enumerate()
                .map(|(j, r)| {
                    format!(
                        "{d}::new({}, {})",
                        r.name,
                        if j == k { "1.0" } else { "0.0" }
                    )
                })
                .collect();
            let _ = writeln!(
                body,
                "    r.dual(\"{}\", g{k}, {name}_dual({}).eps);",
                q.name,
                dargs.join(", ")
            );
        }
    }
    let _ = writeln!(body, "    r\n}}");
    if with_test {
        let _ = writeln!(body, "\n#[test]");
        if let Some(why) = ignore {
            let _ = writeln!(body, "#[ignore = \"bug: {}\"]", why.replace('"', "'"));
        }
        let _ = writeln!(body, "fn test() {{\n    check().finish();\n}}");
    }
    for line in body.lines() {
        if line.is_empty() {
            o.push('\n');
        } else {
            let _ = writeln!(o, "    {line}");
        }
    }
    o.push_str("}\n");
    o
}
