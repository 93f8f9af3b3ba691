use super::prune;
use crate::ir::{Op, Stmt, VarId};
use crate::test_support::lowered;
use proc_macro2::TokenStream;
use quote::quote;

fn var(f: &crate::ir::Function, name: &str) -> VarId {
    VarId(
        f.vars
            .iter()
            .position(|v| v.name == name)
            .unwrap_or_else(|| panic!("no variable {name}")),
    )
}

fn instr_names(f: &crate::ir::Function) -> Vec<String> {
    let mut out = Vec::new();
    crate::ir::visit::stmts(&f.body, crate::ir::visit::Depth::Regions, &mut |s| {
        if let Stmt::Instr(i) = s {
            if let Op::Prim(p) = &i.op {
                out.push(format!("{}={}", f.vars[i.dst.0].name, p.name));
            }
        }
    });
    out
}

fn loops(f: &crate::ir::Function) -> usize {
    let mut n = 0;
    crate::ir::visit::stmts(&f.body, crate::ir::visit::Depth::Regions, &mut |s| {
        n += usize::from(matches!(s, Stmt::Loop(_)));
    });
    n
}

#[test]
fn what_no_output_reads_is_left_out_with_its_loop() {
    let f = lowered(
        TokenStream::new(),
        quote!(
            fn f(x: &Array1<f64>) -> f64 {
                let mut s = 0.0;
                for i in 0..x.len() {
                    s += x[i] * x[i];
                }
                let d = x.sin().sum();
                s + d
            }
        ),
    );
    // Only `d` asked for: the loop and everything it reads go.
    let d = prune(&f, &[var(&f, "d")]);
    assert_eq!(loops(&d), 0);
    assert!(instr_names(&d).iter().any(|n| n.ends_with("=sin")));
    assert!(!instr_names(&d).iter().any(|n| n.ends_with("=index")));
    // The loop's result asked for: the loop stays, `d` goes.
    let ret = f.ret.var().expect("a variable");
    let all = prune(&f, &[ret]);
    assert_eq!(loops(&all), 1);
    let s_only = prune(&f, &[var(&f, "s_2")]);
    assert!(!instr_names(&s_only).iter().any(|n| n.ends_with("=sin")));
}

/// Whether `f_hvp` of `item` has a loop over the range as written (not reversed).
fn hvp_body(item: TokenStream) -> String {
    let out = crate::expand::expand(quote!(hessian), item).to_string();
    out.split("fn ")
        .find(|f| f.starts_with("rosenbrock_hvp"))
        .expect("f_hvp")
        .to_string()
}

#[test]
fn f_hvp_leaves_out_the_value_and_the_gradient_itself() {
    let body = hvp_body(quote!(
        fn rosenbrock(x: &Array1<f64>) -> f64 {
            let mut s = 0.0;
            for i in 0..x.len() - 1 {
                s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
            }
            s
        }
    ));
    // The primal loop (only its shape is read) is gone; the reversed one stays, printed twice: through
    // windows (see `codegen::windows`) and as written.
    assert_eq!(body.matches("for i in").count(), 2, "{body}");
    assert_eq!(body.matches(". rev ()").count(), 2, "{body}");
    // Element writes go into the gradient's tangent alone: through registers, or in place.
    let writes = body.matches("add_at (& mut").count();
    assert_eq!(writes, 2, "{body}");
    assert_eq!(body.matches("register_add (& mut").count(), 2, "{body}");
    // The gradient's tangent starts from a zero of the parameter; the gradient's own storage (read
    // for that shape alone) and the zero it starts from are gone.
    assert_eq!(body.matches("zero_tangent (& x ,)").count(), 1, "{body}");
    assert_eq!(body.matches("zero_tangent").count(), 3, "{body}");
}

#[test]
fn a_branch_flag_keeps_what_it_reads_and_goes_with_its_branch() {
    let f = lowered(
        TokenStream::new(),
        quote!(
            fn f(x: &Array1<f64>) -> f64 {
                let r = x[0] - 2.0;
                let d = x.sin().sum();
                let t = if r.abs() < 1.0 { d * 2.0 } else { d };
                t + d
            }
        ),
    );
    let verbatims = |f: &crate::ir::Function| {
        let mut n = 0;
        crate::ir::visit::stmts(&f.body, crate::ir::visit::Depth::Regions, &mut |s| {
            n += usize::from(
                matches!(s, Stmt::Verbatim { tokens, .. } if tokens.to_string().contains("branch")),
            );
        });
        n
    };
    // The branch kept: its flag and `r`, which only the flag reads.
    let ret = f.ret.var().expect("a variable");
    let all = prune(&f, &[ret]);
    assert_eq!(verbatims(&all), 1);
    assert!(
        instr_names(&all).contains(&"r=sub".to_string()),
        "{:?}",
        instr_names(&all)
    );
    // Only `d` asked for: the branch, its flag and `r` go.
    let d = prune(&f, &[var(&f, "d")]);
    assert_eq!(verbatims(&d), 0);
    assert!(
        !instr_names(&d).iter().any(|n| n.starts_with("r=")),
        "{:?}",
        instr_names(&d)
    );
}

/// The same input expands to the same text every time (the windows of a forward-printed loop were kept
/// in hash maps, whose order changes from one map to the next, and printed in that order).
#[test]
fn the_expansion_is_the_same_every_time() {
    let item = quote!(
        fn rosenbrock(x: &Array1<f64>) -> f64 {
            let mut s = 0.0;
            for i in 0..x.len() - 1 {
                s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
            }
            s
        }
    );
    let first = crate::expand::expand(quote!(hessian), item.clone()).to_string();
    assert!(first.contains("register"), "the loop is windowed");
    for _ in 0..8 {
        assert_eq!(
            crate::expand::expand(quote!(hessian), item.clone()).to_string(),
            first
        );
    }
}
