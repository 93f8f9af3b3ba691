//! What loops save and which arrays have their writes logged, on small programs.

use super::{checkpoint, needs_count, outer_writes, Saved};
use crate::ir::{Function, Loop, Stmt, VarId};
use crate::test_support::lowered;
use proc_macro2::TokenStream;
use quote::quote;

/// The function's top-level loops.
fn loops(f: &Function) -> Vec<&Loop> {
    f.body
        .stmts
        .iter()
        .filter_map(|s| match s {
            Stmt::Loop(l) => Some(&**l),
            _ => None,
        })
        .collect()
}

fn names(f: &Function, vars: &[VarId]) -> Vec<String> {
    vars.iter().map(|v| f.vars[v.0].name.to_string()).collect()
}

/// The checkpoint of the first loop of `item`, as text.
fn saved(item: TokenStream) -> Vec<String> {
    let f = lowered(quote!(), item);
    checkpoint(&f, loops(&f)[0])
        .into_iter()
        .map(|s| match s {
            Saved::Carried(v) => format!("carried {}", f.vars[v.0].name),
            Saved::Counter(c) => format!("counter {c}"),
            Saved::LogLength(v) => format!("log of {}", f.vars[v.0].name),
        })
        .collect()
}

#[test]
fn an_accumulating_loop_saves_nothing() {
    let saved = saved(quote!(
        fn f(x: &Array1<f64>) -> f64 {
            let mut s = 0.0;
            for i in 0..x.len() {
                s += x[i] * x[i];
            }
            s
        }
    ));
    assert!(saved.is_empty(), "{saved:?}");
}

#[test]
fn a_recurrence_saves_its_carried_value() {
    let saved = saved(quote!(
        fn f(x: &Array1<f64>) -> f64 {
            let mut h = 0.0;
            for i in 0..x.len() {
                h = (0.9 * h + x[i]).sin();
            }
            h
        }
    ));
    assert_eq!(saved, ["carried h_carried"]);
}

#[test]
fn a_while_loop_saves_its_counter_and_counts_its_trips() {
    let item = quote!(
        fn f(x: f64) -> f64 {
            let mut s = x;
            let mut k = 0;
            while k < 3 {
                s = s * 0.5 + x;
                k += 1;
            }
            s
        }
    );
    let f = lowered(quote!(), item.clone());
    assert!(needs_count(loops(&f)[0]));
    let saved = saved(item);
    assert!(saved.contains(&"counter k".to_string()), "{saved:?}");
}

#[test]
fn a_range_loop_replays_its_range_instead_of_counting() {
    let f = lowered(
        quote!(),
        quote!(
            fn f(x: &Array1<f64>) -> f64 {
                let mut s = 0.0;
                for i in 0..x.len() {
                    s += x[i];
                }
                s
            }
        ),
    );
    assert!(!needs_count(loops(&f)[0]));
}

#[test]
fn an_array_read_back_in_the_loop_that_writes_it_is_logged_and_saved() {
    let item = quote!(
        fn scan(x: &Array1<f64>) -> f64 {
            let mut y = Array1::zeros(x.len());
            y[0] = x[0];
            for t in 1..x.len() {
                y[t] = y[t - 1] * 0.5 + x[t];
            }
            y.sum()
        }
    );
    let f = lowered(quote!(), item.clone());
    assert_eq!(names(&f, &f.logged), ["y"]);
    assert_eq!(saved(item), ["log of y"]);
}

#[test]
fn an_array_only_written_is_not_logged() {
    let f = lowered(
        quote!(),
        quote!(
            fn f(x: &Array1<f64>) -> f64 {
                let mut y = Array1::zeros(x.len());
                for t in 0..x.len() {
                    y[t] = x[t] * 2.0;
                }
                y.sum()
            }
        ),
    );
    assert!(f.logged.is_empty());
    // The loop writes `y`, declared outside it: a rerun of the body must not write it again.
    assert_eq!(names(&f, &outer_writes(&f, &loops(&f)[0].body)), ["y"]);
}

#[test]
fn an_array_declared_in_the_body_is_not_an_outer_write() {
    let f = lowered(
        quote!(),
        quote!(
            fn f(x: &Array1<f64>) -> f64 {
                let mut s = 0.0;
                for t in 0..x.len() {
                    let mut z = Array1::zeros(2);
                    z[0] = x[t];
                    s += z.sum();
                }
                s
            }
        ),
    );
    assert!(outer_writes(&f, &loops(&f)[0].body).is_empty());
}
