//! Which chains fusion takes, on small programs.

use super::fuse;
use crate::ir::print;
use crate::naming::Namer;
use crate::test_support::lowered;
use proc_macro2::TokenStream;
use quote::quote;

fn fused(attr: TokenStream, item: TokenStream) -> String {
    let f = lowered(attr, item.clone());
    let mut namer = Namer::avoiding(item);
    print::function(&fuse(&f, &[], &mut namer))
}

#[test]
fn a_chain_and_its_sum_become_one_kernel_over_the_arrays() {
    let text = fused(
        quote!(argnums = (0, 1)),
        quote!(
            fn f(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
                (x - y).powi(2).sum()
            }
        ),
    );
    assert!(
        text.contains("= fused_sum2(x, y) |x_elem, y_elem| {"),
        "{text}"
    );
    assert!(text.contains("sub(x_elem, y_elem)"), "{text}");
    // No array of the chain is left outside the kernel.
    assert_eq!(text.matches(" = ").count(), 3, "{text}");
}

#[test]
fn a_literal_stays_inside_and_a_scalar_parameter_is_an_operand() {
    let text = fused(
        quote!(),
        quote!(
            fn f(x: &Array1<f64>, w: f64) -> f64 {
                (x * w + 1.0).tanh().sum()
            }
        ),
    );
    assert!(
        text.contains("= fused_sum2(x, w) |x_elem, w_elem| {"),
        "{text}"
    );
    assert!(text.contains("const(1.0)"), "{text}");
}

#[test]
fn a_value_read_elsewhere_is_an_operand_not_a_member() {
    let text = fused(
        quote!(),
        quote!(
            fn f(x: &Array1<f64>) -> f64 {
                let d = x * 2.0;
                let s = d.sin().sum();
                s + d[0]
            }
        ),
    );
    // `d` is read by the element read too: it is computed once, outside, and read by the kernel.
    assert!(text.contains("d = mul(x, const(2.0))"), "{text}");
    assert!(text.contains("fused_sum1(d) |d_elem| {"), "{text}");
}

#[test]
fn a_sum_of_a_parameter_is_not_a_kernel() {
    let text = fused(
        quote!(),
        quote!(
            fn f(x: &Array1<f64>) -> f64 {
                x.sum()
            }
        ),
    );
    assert!(!text.contains("fused_sum"), "{text}");
}

#[test]
fn a_chain_is_not_moved_across_code_that_may_change_what_it_names() {
    let text = fused(
        quote!(),
        quote!(
            fn f(x: &Array1<f64>) -> f64 {
                let mut c = 1.0;
                let t = x * c;
                c = 2.0;
                let _ = c;
                t.sum()
            }
        ),
    );
    assert!(!text.contains("fused_sum"), "{text}");
}

#[test]
fn a_slice_read_by_the_chain_alone_is_read_in_place() {
    let text = fused(
        quote!(),
        quote!(
            fn f(x: &Array1<f64>) -> f64 {
                let a = x.slice(s![..-1]);
                let b = x.slice(s![1..]);
                let c = x.slice(s![2..]);
                (&b - &a * &a).powi(2).sum() + c.sum() + c[0]
            }
        ),
    );
    // `a` and `b` become views of `x` inside the kernel; `c`, read by `c[0]` too, stays a slice.
    assert!(
        text.contains(
            "= fused_sum2(slice(x; s ! [.. - 1]), slice(x; s ! [1 ..])) |a_elem, b_elem| {"
        ),
        "{text}"
    );
    assert!(!text.contains("a = slice"), "{text}");
    assert!(!text.contains("b = slice"), "{text}");
    assert!(text.contains("c = slice(x; s ! [2 ..])"), "{text}");
}
