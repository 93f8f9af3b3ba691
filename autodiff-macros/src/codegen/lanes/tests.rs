use super::index_offset;
use crate::expand::expand;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

#[test]
fn an_index_is_the_loop_variable_plus_or_minus_a_literal() {
    let i = format_ident!("i");
    assert_eq!(index_offset(&quote!(i), &i), Some(0));
    assert_eq!(index_offset(&quote!(i + 1), &i), Some(1));
    assert_eq!(index_offset(&quote!(2 + i), &i), Some(2));
    assert_eq!(index_offset(&quote!((i - 3)), &i), Some(-3));
    assert_eq!(index_offset(&quote!(i + 1usize), &i), Some(1));
    for other in [
        quote!(2 * i),
        quote!(i + k),
        quote!(j),
        quote!(i + 1 + 1),
        quote!([i, 0]),
        quote!(i as usize),
    ] {
        assert_eq!(index_offset(&other, &i), None, "{other}");
    }
}

/// Whether `f_value_and_grad` of `item` runs its loop in lanes.
fn in_lanes(item: TokenStream) -> bool {
    let out = expand(TokenStream::new(), item).to_string();
    let grad = out
        .split("fn ")
        .find(|f| f.contains("_value_and_grad"))
        .expect("f_value_and_grad");
    grad.contains("lane_window")
}

#[test]
fn an_accumulating_loop_of_element_reads_runs_in_lanes() {
    assert!(in_lanes(quote!(
        fn f(x: &Array1<f64>, a: f64) -> f64 {
            let mut s = 0.0;
            for i in 1..x.len() {
                s += (x[i] - x[i - 1] * a).powi(2) + F::one();
            }
            s
        }
    )));
}

#[test]
fn loops_that_lanes_cannot_run_are_printed_as_written() {
    let cases = [
        // An index that is not the loop variable plus a literal.
        quote!(
            fn f(x: &Array1<f64>) -> f64 {
                let mut s = 0.0;
                for i in 0..x.len() / 2 {
                    s += x[2 * i];
                }
                s
            }
        ),
        // A value of unknown type read in the body (it may be an array).
        quote!(
            fn f(x: &Array1<f64>, w: &Array1<f64>) -> f64 {
                let m = w.sum();
                let mut s = 0.0;
                for i in 0..x.len() {
                    s += x[i] * m;
                }
                s
            }
        ),
        // A carried value that is not only accumulated.
        quote!(
            fn f(x: &Array1<f64>) -> f64 {
                let mut s = 0.0;
                for i in 0..x.len() {
                    s = s * 0.5 + x[i];
                }
                s
            }
        ),
        // An inclusive range.
        quote!(
            fn f(x: &Array1<f64>) -> f64 {
                let mut s = 0.0;
                for i in 0..=x.len() - 1 {
                    s += x[i];
                }
                s
            }
        ),
        // A read of an array the loop writes.
        quote!(
            fn f(x: &Array1<f64>) -> f64 {
                let mut y = x.to_owned();
                let mut s = 0.0;
                for i in 0..x.len() {
                    y[i] = 2.0 * x[i];
                    s += y[i];
                }
                s
            }
        ),
    ];
    for item in cases {
        assert!(!in_lanes(item.clone()), "{item}");
    }
}
