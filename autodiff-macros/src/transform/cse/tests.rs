//! Which element reads are merged, on small programs.

use super::eliminate;
use crate::ir::print;
use crate::test_support::lowered;
use proc_macro2::TokenStream;
use quote::quote;

fn merged(item: TokenStream) -> String {
    let f = lowered(quote!(), item);
    print::function(&eliminate(&f, &[]))
}

#[test]
fn a_repeated_read_is_the_first_one() {
    let text = merged(quote!(
        fn f(x: &Array1<f64>) -> f64 {
            let mut s = 0.0;
            for i in 0..x.len() - 1 {
                s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
            }
            s
        }
    ));
    assert_eq!(text.matches("index(x; i)").count(), 1, "{text}");
    assert_eq!(text.matches("index(x; i + 1)").count(), 1, "{text}");
    // The three uses read the one value.
    assert!(text.contains("mul(t2, t2)"), "{text}");
    assert!(text.contains("sub(const(1.0), t2)"), "{text}");
}

#[test]
fn reads_around_other_statements_or_of_storage_stay() {
    let text = merged(quote!(
        fn f(x: &Array1<f64>) -> f64 {
            let mut y = x.to_owned();
            let mut k = 0;
            let a = x[k];
            k += 1;
            let b = x[k];
            let c = y[0];
            y[0] = 2.0 * c;
            let d = y[0];
            a + b + c + d
        }
    ));
    // `x[k]` before and after `k += 1` are two reads (of the counter's value at each); so are the
    // reads of `y` before and after its write.
    assert!(text.contains("a = index(x; at0)"), "{text}");
    assert!(text.contains("b = index(x; at1)"), "{text}");
    assert!(text.contains("c = index(y; 0)"), "{text}");
    assert!(text.contains("d = index(y_1; 0)"), "{text}");
    assert!(text.contains("add(a, b)"), "{text}");
}

#[test]
fn a_statement_between_two_reads_keeps_both() {
    let text = merged(quote!(
        fn f(x: &Array1<f64>) -> f64 {
            let mut s = 0.0;
            for i in 0..x.len() {
                let a = x[i];
                s += a;
                let b = x[i];
                s += b * b;
            }
            s
        }
    ));
    // In one block, with only instructions between them: one read.
    assert_eq!(text.matches("index(x; i)").count(), 1, "{text}");
    let text = merged(quote!(
        fn f(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
            let a = x[0];
            let mut t = 0.0;
            for i in 0..y.len() {
                t += y[i];
            }
            let b = x[0];
            a * b + t
        }
    ));
    // A loop between them: two reads (merging across regions is left alone).
    assert_eq!(text.matches("index(x; 0)").count(), 2, "{text}");
}
