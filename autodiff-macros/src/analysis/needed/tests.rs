//! Liveness for the forward sweep on small programs.

use super::mark_needed;
use crate::analysis::activity::analyse;
use crate::ir::{Function, VarId};
use crate::test_support::lowered;
use quote::quote;
use std::collections::HashSet;

fn var(f: &Function, name: &str) -> VarId {
    VarId(
        f.vars
            .iter()
            .position(|v| v.name == name)
            .unwrap_or_else(|| panic!("no variable {name}")),
    )
}

#[test]
fn what_the_needed_values_read_is_needed_and_nothing_else() {
    let f = lowered(
        quote!(),
        quote!(
            fn f(x: f64) -> f64 {
                let a = x * 2.0;
                let b = x.sin();
                let c = b * 3.0;
                c
            }
        ),
    );
    let activity = analyse(f.vars.len(), &f.body, &f.ret, &[var(&f, "x")]);
    let mut needed = vec![false; f.vars.len()];
    needed[var(&f, "c").0] = true;
    mark_needed(&f, &f.body, &mut needed, &HashSet::new(), &activity);
    assert!(needed[var(&f, "b").0]);
    assert!(needed[var(&f, "x").0]);
    // `a` is dead: the forward sweep leaves it out.
    assert!(!needed[var(&f, "a").0]);
}

#[test]
fn an_accumulating_loop_nobody_reads_is_left_out_but_its_reads_are_kept() {
    let f = lowered(
        quote!(),
        quote!(
            fn f(x: &Array1<f64>, w: f64) -> f64 {
                let mut s = 0.0;
                for i in 0..x.len() {
                    s += x[i] * w;
                }
                s
            }
        ),
    );
    let activity = analyse(f.vars.len(), &f.body, &f.ret, &[var(&f, "x")]);
    // `f_grad` reads neither the sum nor anything computed in the loop: the forward sweep skips the
    // loop, and the reverse sweep, which recomputes the body, still finds `w`.
    let mut needed = vec![false; f.vars.len()];
    let skipped = mark_needed(&f, &f.body, &mut needed, &HashSet::new(), &activity);
    assert_eq!(skipped.len(), 1);
    assert!(needed[var(&f, "w").0]);
    // `f_value_and_grad` needs the value: the loop runs.
    let mut needed = vec![false; f.vars.len()];
    needed[f.ret.var().expect("a variable").0] = true;
    let skipped = mark_needed(&f, &f.body, &mut needed, &HashSet::new(), &activity);
    assert!(skipped.is_empty());
}
