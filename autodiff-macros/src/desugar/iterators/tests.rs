//! Iterator loops and reductions as index loops, on syntax.

use super::{rewrite, Context, Outcome};
use crate::errors::Errors;
use quote::quote;

/// The block rewritten (with the given parameters and value type), and what was left for the lowering.
fn rewritten_with(
    params: &[(&str, syn::Type, bool)],
    output: Option<syn::Type>,
    body: proc_macro2::TokenStream,
) -> (String, Outcome, bool) {
    let mut block: syn::Block = syn::parse2(body).expect("a block");
    let cx = Context {
        params: params
            .iter()
            .map(|(n, t, d)| (n.to_string(), t, *d))
            .collect(),
        output: output.as_ref(),
    };
    let errors = Errors::default();
    let outcome = rewrite(&mut block, &cx, &errors);
    let text = quote!(#block).to_string();
    (text, outcome, errors.is_empty())
}

fn rewritten(body: proc_macro2::TokenStream) -> String {
    let (text, outcome, clean) = rewritten_with(&[], None, body);
    assert!(clean && outcome.deferred.is_empty(), "{text}");
    text
}

/// `text` with its spaces removed, for comparisons that do not depend on how tokens print.
fn squash(text: &str) -> String {
    text.replace(' ', "")
}

#[track_caller]
fn has(text: &str, want: proc_macro2::TokenStream) {
    has_str(text, &want.to_string());
}

/// Like [`has`], for a fragment whose brackets do not balance.
#[track_caller]
fn has_str(text: &str, want: &str) {
    let want = squash(want);
    assert!(squash(text).contains(&want), "{want}\nnot in\n{text}");
}

#[test]
fn enumerate_loop_binds_the_index_and_a_reference() {
    let text = rewritten(quote!({
        for (i, v) in x.iter().enumerate() {
            s += *v * i as f64;
        }
    }));
    has(
        &text,
        quote!(for __autodiff_pos0 in 0..x.len() {
            let i = __autodiff_pos0;
            let v = &x[__autodiff_pos0];
            s += *v * i as f64;
        }),
    );
}

#[test]
fn zip_of_three_with_a_copying_pattern() {
    let text = rewritten(quote!({
        for ((a, &b), c) in x.iter().zip(&y).zip(z.iter().copied()) {
            s += a * b * c;
        }
    }));
    has(
        &text,
        quote!(for __autodiff_pos0 in
            0..::core::cmp::min(::core::cmp::min(x.len(), y.len()), z.len())
        {
            let a = &x[__autodiff_pos0];
            let b = y[__autodiff_pos0];
            let c = z[__autodiff_pos0];
            s += a * b * c;
        }),
    );
}

#[test]
fn enumerate_of_a_zip() {
    let text = rewritten(quote!({
        for (k, (a, b)) in x.iter().zip(y.iter()).enumerate() {
            s += a * b;
        }
    }));
    has(&text, quote!(let k = __autodiff_pos0;));
    has(
        &text,
        quote!(let a = &x[__autodiff_pos0]; let b = &y[__autodiff_pos0];),
    );
}

#[test]
fn plain_loops_become_the_iter_form_the_lowering_reads() {
    let text = rewritten(quote!({
        for v in &x {
            s += v;
        }
        for v in x.iter().copied() {
            s += v;
        }
        for v in x.iter() {
            s += v;
        }
    }));
    has(
        &text,
        quote!(for v in x.iter() {
            s += v;
        }),
    );
    has(
        &text,
        quote!(for &v in x.iter() {
            s += v;
        }),
    );
    assert!(!text.contains("__autodiff_pos"), "{text}");
}

#[test]
fn a_loop_over_a_parameter_by_value_follows_its_type() {
    let slice: syn::Type = syn::parse_quote!(&[f64]);
    let owned: syn::Type = syn::parse_quote!(Vec<f64>);
    let (text, _, clean) = rewritten_with(
        &[("x", slice, true), ("y", owned, true)],
        None,
        quote!({
            for v in x {
                s += *v;
            }
            for v in y {
                s += v;
            }
        }),
    );
    assert!(clean);
    has(
        &text,
        quote!(for v in x.iter() {
            s += *v;
        }),
    );
    has(
        &text,
        quote!(for &v in y.iter() {
            s += v;
        }),
    );
}

#[test]
fn ranges_with_their_own_adapters_are_left_alone() {
    let text = rewritten(quote!({
        for i in (0..n).rev() {
            s += x[i];
        }
        for i in 0..n {
            s += x[i];
        }
    }));
    assert!(!text.contains("__autodiff"), "{text}");
}

#[test]
fn map_sum_in_expression_position_is_hoisted_with_its_type() {
    let text = rewritten(quote!({
        let s = 2.0 * x.iter().map(|v| v * v).sum::<f64>();
        s
    }));
    has(
        &text,
        quote!(
            let mut __autodiff_sum1: f64 = -0.0;
            for __autodiff_pos0 in 0..x.len() {
                let v = &x[__autodiff_pos0];
                __autodiff_sum1 += v * v;
            }
            let s = 2.0 * __autodiff_sum1;
        ),
    );
}

#[test]
fn the_tail_and_a_let_give_the_type_of_a_plain_sum() {
    let f64_ty: syn::Type = syn::parse_quote!(F);
    let (text, _, clean) = rewritten_with(
        &[],
        Some(f64_ty),
        quote!({
            let n: usize = ks.iter().sum();
            x.iter().map(|v| *v * *v).sum()
        }),
    );
    assert!(clean);
    has(&text, quote!(let mut __autodiff_sum1: usize = 0;));
    has(&text, quote!(__autodiff_sum1 += ks[__autodiff_pos0];));
    has(
        &text,
        quote!(let mut __autodiff_sum3: F = <F as ::autodiff::__private::Real>::cast_from(-0.0);),
    );
    assert!(squash(&text).ends_with("__autodiff_sum3}"), "{text}");
}

#[test]
fn fold_binds_its_accumulator_and_splices_a_block_body() {
    let text = rewritten(quote!({
        let p = x.iter().fold(1.0, |acc, &v| {
            let t = v * 2.0;
            acc * t
        });
        p
    }));
    has(
        &text,
        quote!(
            let mut __autodiff_fold1 = 1.0;
            for __autodiff_pos0 in 0..x.len() {
                let acc = __autodiff_fold1;
                let v = x[__autodiff_pos0];
                let t = v * 2.0;
                __autodiff_fold1 = acc * t;
            }
            let p = __autodiff_fold1;
        ),
    );
}

#[test]
fn product_starts_from_one_and_multiplies() {
    let text = rewritten(quote!({ x.iter().product::<f64>() }));
    has(&text, quote!(let mut __autodiff_product1: f64 = 1.0;));
    has(&text, quote!(__autodiff_product1 *= x[__autodiff_pos0];));
}

#[test]
fn rev_skip_take_and_step_by_read_the_positions_they_select() {
    let text = rewritten(quote!({
        let s = x.iter().rev().skip(1).step_by(2).take(3).sum::<f64>();
    }));
    // Lengths: n, then n - 1, then ceil((n - 1) / 2), then at most 3.
    has(&text, quote!(let __autodiff_len1 = x.len();));
    has(
        &text,
        quote!(0..::core::cmp::min(__autodiff_len1.saturating_sub(1).div_ceil(2), 3)),
    );
    // Position p reads element n - 1 - (2 p + 1).
    has(
        &text,
        quote!(x[(__autodiff_len1 - 1 - ((__autodiff_pos0 * 2) + 1))]),
    );
}

#[test]
fn consecutive_pairs_by_zipping_with_a_skip() {
    let text = rewritten(quote!({
        x.iter()
            .zip(x.iter().skip(1))
            .map(|(a, b)| (b - a) * (b - a))
            .sum::<f64>()
    }));
    has(
        &text,
        quote!(for __autodiff_pos0 in 0..::core::cmp::min(x.len(), x.len().saturating_sub(1))),
    );
    has(
        &text,
        quote!(let a = &x[__autodiff_pos0]; let b = &x[(__autodiff_pos0 + 1)];),
    );
}

#[test]
fn a_range_source_and_a_nested_sum_in_the_closure() {
    let text = rewritten(quote!({
        (0..n)
            .map(|i| (0..m).map(|j| a[[i, j]] * x[j]).sum::<f64>())
            .sum::<f64>()
    }));
    has_str(
        &text,
        "for __autodiff_pos0 in 0..n { let i = __autodiff_pos0;",
    );
    has_str(
        &text,
        "for __autodiff_pos2 in 0..m { let j = __autodiff_pos2;",
    );
    has(&text, quote!(__autodiff_sum3 += a[[i, j]] * x[j];));
    has(&text, quote!(__autodiff_sum1 += __autodiff_sum3;));
}

#[test]
fn a_name_that_a_later_element_reads_is_bound_after_reading_both() {
    let text = rewritten(quote!({
        for (y, x) in x.iter().zip(y.iter()) {
            s += x - y;
        }
    }));
    has(
        &text,
        quote!(
            let __autodiff_seq1 = &x;
            let __autodiff_seq2 = &y;
            let y = &__autodiff_seq1[__autodiff_pos0];
            let x = &__autodiff_seq2[__autodiff_pos0];
        ),
    );
}

#[test]
fn a_temporary_base_is_bound_once_and_arguments_evaluated_once() {
    let text = rewritten(quote!({
        let s: f64 = (&a - &b).iter().skip(k + 1).map(|v| v * v).sum();
    }));
    has(&text, quote!(let __autodiff_seq1 = &(&a - &b);));
    has(&text, quote!(let __autodiff_skip2 = k + 1;));
    has(
        &text,
        quote!(&__autodiff_seq1[(__autodiff_pos0 + __autodiff_skip2)]),
    );
}

#[test]
fn count_is_the_length_and_for_each_is_a_loop() {
    let text = rewritten(quote!({
        let n = x.iter().skip(2).count();
        x.iter().enumerate().for_each(|(i, v)| {
            y[i] = *v;
        });
    }));
    has(&text, quote!(let n = x.len().saturating_sub(2);));
    has(
        &text,
        quote!(for __autodiff_pos1 in 0..x.len() {
            let i = __autodiff_pos1;
            let v = &x[__autodiff_pos1];
            y[i] = *v;
        }),
    );
}

#[test]
fn chains_in_comparisons_and_closures_are_left_as_written() {
    let text = rewritten(quote!({
        if x.iter().map(|v| v * v).sum::<f64>() > 1.0 {
            s = 1.0;
        }
        let y = x.mapv(|v| v + z.iter().sum::<f64>());
    }));
    assert!(!text.contains("__autodiff"), "{text}");
}

#[test]
fn a_reduction_in_a_branch_stays_in_its_branch() {
    let text = rewritten(quote!({
        let y = if c { x.iter().sum::<f64>() } else { 0.0 };
        y
    }));
    assert!(
        squash(&text).starts_with("{lety=ifc{letmut__autodiff_sum1:f64=-0.0;for"),
        "{text}"
    );
}

#[test]
fn unsupported_constructs_are_wrapped_for_the_lowering_with_their_message() {
    let (text, outcome, clean) = rewritten_with(
        &[],
        None,
        quote!({
            let m = x.iter().filter_map(|v| Some(v * v)).sum::<f64>();
            let v: f64 = x.iter().map(|v| v * 2.0).last().unwrap();
            let it = w.iter().map(|v| v * 2.0);
            for p in x.windows(2) {
                s += p[0];
            }
        }),
    );
    assert!(clean, "these are left for the lowering");
    has_str(&text, "let m = __autodiff_unsupported0(x.iter().filter_map");
    has_str(&text, "let v: f64 = __autodiff_unsupported1(x.iter()");
    has_str(&text, "let it = __autodiff_unsupported2(w.iter()");
    has_str(&text, "for p in __autodiff_unsupported3(x.windows(2))");
    let messages: Vec<&str> = outcome
        .deferred
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        messages[0].starts_with("`filter_map` in an iterator chain"),
        "{messages:?}"
    );
    assert!(
        messages[0].contains("for v in x.iter() { if *v > 0.0"),
        "{messages:?}"
    );
    assert!(messages[1].contains("`last`"), "{messages:?}");
    assert!(
        messages[2].starts_with("an iterator must be consumed"),
        "{messages:?}"
    );
    assert!(
        messages[3].contains("x.iter().zip(x.iter().skip(1))"),
        "{messages:?}"
    );
    // The span of `filter`'s message is the adapter itself.
    assert!(outcome.deferred[0].tokens.to_string().starts_with("filter"));
}

#[test]
fn a_pattern_that_does_not_fit_is_reported_at_once() {
    let (_, outcome, clean) = rewritten_with(
        &[],
        None,
        quote!({
            for (a, b, c) in x.iter().zip(y.iter()) {
                s += a;
            }
        }),
    );
    assert!(!clean);
    assert!(outcome.reported.is_some());
}

#[test]
fn a_method_of_the_reduced_value_stays_outside_the_chain() {
    let text = rewritten(quote!({
        let n = x.iter().map(|v| v * v).sum::<f64>().sqrt();
        n
    }));
    has(&text, quote!(let n = __autodiff_sum1.sqrt();));
    let (text, outcome, _) = rewritten_with(
        &[],
        None,
        quote!({
            let m = *x.iter().max_by(|a, b| a.total_cmp(b)).unwrap();
            m
        }),
    );
    has_str(&text, "let m = *__autodiff_unsupported0(x.iter().max_by(");
    has_str(&text, ".unwrap();");
    assert!(outcome.deferred[0]
        .message
        .contains("fold(f64::NEG_INFINITY"));
}

#[test]
fn a_closure_parameter_that_shadows_the_container_reads_it_first() {
    let text = rewritten(quote!({ x.iter().fold(0.0, |x, &v| x * 0.5 + v) }));
    has(
        &text,
        quote!(
            let __autodiff_item2 = __autodiff_fold1;
            let __autodiff_seq3 = &x;
            let x = __autodiff_item2;
            let v = __autodiff_seq3[__autodiff_pos0];
            __autodiff_fold1 = x * 0.5 + v;
        ),
    );
}

#[test]
fn a_chain_in_an_argument_of_the_chain_is_taken_apart_too() {
    let text = rewritten(quote!({
        x.iter()
            .skip(y.iter().count())
            .fold(y.iter().sum::<f64>(), |a, v| a + v)
    }));
    has(&text, quote!(let __autodiff_skip1 = y.len();));
    has(&text, quote!(let mut __autodiff_fold2 = __autodiff_sum5;));
    assert!(!squash(&text).contains("y.iter()"), "{text}");
}

#[test]
fn collect_writes_a_buffer_of_the_chain_length() {
    let text = rewritten(quote!({
        let v: Vec<f64> = x.iter().rev().map(|e| e * 2.0).collect();
        let a: Array1<f64> = x.iter().copied().collect();
        v[0] + a[1]
    }));
    let flat = squash(&text);
    assert!(
        flat.contains("letmut__autodiff_collect2:Vec<f64>=::std::vec![::core::default::Default::default();__autodiff_len1]"),
        "{text}"
    );
    assert!(
        flat.contains(
            "::autodiff::ndarray::Array1::from_elem(x.len(),::core::default::Default::default())"
        ),
        "{text}"
    );
    // In iteration order: the reversed chain's first element is written first.
    assert!(
        flat.contains("__autodiff_collect2[__autodiff_pos0]=e*2.0"),
        "{text}"
    );
    assert!(!flat.contains("collect()"), "{text}");
}

#[test]
fn ndarray_fold_is_the_fold_of_its_iterator() {
    let text = rewritten(quote!({
        let m = x.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        m
    }));
    let flat = squash(&text);
    assert!(
        flat.contains("letmut__autodiff_fold1=f64::NEG_INFINITY;"),
        "{text}"
    );
    assert!(!flat.contains(".fold("), "{text}");
}

#[test]
fn filter_guards_the_consumers_body() {
    let text = rewritten(quote!({
        let s = x.iter().filter(|v| **v > 0.0).map(|v| v * v).sum::<f64>();
        s
    }));
    let flat = squash(&text);
    // The predicate reads the item (`**v` over `&&f64` is `*v` over the element reference).
    assert!(flat.contains(":bool=*v>0.0;if__autodiff_keep"), "{text}");
    assert!(!flat.contains(".filter("), "{text}");
}

#[test]
fn zip_map_collect_is_a_buffer_of_the_first_operands_shape() {
    let text = rewritten(quote!({
        let z = Zip::from(&x).and(y.view()).map_collect(|&a, &b| a * b);
        z.sum()
    }));
    let s = squash(&text);
    assert!(s.contains("assert_eq!(x.shape(),y.shape()"), "{text}");
    assert!(s.contains("from_elem(x.raw_dim()"), "{text}");
    assert!(s.contains("leta=x[__autodiff_pos"), "{text}");
    assert!(s.contains("letb=y[__autodiff_pos"), "{text}");
    assert!(s.contains("flat_position(&__autodiff_zipped"), "{text}");
    assert!(s.contains("letz=__autodiff_zipped"), "{text}");
}

#[test]
fn zip_mut_with_reads_and_writes_the_element_in_place() {
    let text = rewritten(quote!({
        let mut z = x.to_owned();
        z.zip_mut_with(&y, |a, &b| *a += b * *a);
        z.sum()
    }));
    let s = squash(&text);
    assert!(s.contains("y.broadcast(z.raw_dim()).unwrap()"), "{text}");
    assert!(s.contains("letmut__autodiff_element"), "{text}");
    assert!(!s.contains("*a"), "{text}");
    assert!(
        s.contains("z[::autodiff::__private::flat_position(&z,"),
        "{text}"
    );
}

#[test]
fn zip_mut_with_reports_other_uses_of_the_element() {
    let (_, _, clean) = rewritten_with(
        &[],
        None,
        quote!({
            let mut z = x.to_owned();
            z.zip_mut_with(&y, |a, &b| g(a, b));
            z.sum()
        }),
    );
    assert!(!clean);
}

#[test]
fn accumulate_axis_inplace_reads_the_element_before_along_the_axis() {
    let text = rewritten(quote!({
        let mut z = x.to_owned();
        z.accumulate_axis_inplace(Axis(1), |&prev, curr| *curr += prev);
        z.sum()
    }));
    let s = squash(&text);
    assert!(s.contains("=z.raw_dim();"), "{text}");
    assert!(s.contains("axis_index_in(&__autodiff_shape"), "{text}");
    assert!(
        s.contains("axis_predecessor_in(&__autodiff_shape"),
        "{text}"
    );
    assert!(s.contains("letprev=z[__autodiff_before"), "{text}");
    assert!(!s.contains("*curr"), "{text}");
    assert!(
        s.contains("z[::autodiff::__private::position_in(&__autodiff_shape"),
        "{text}"
    );
}

#[test]
fn count_after_filter_counts_in_the_loop() {
    let text = rewritten(quote!({
        let n = x.iter().filter(|&&v| v > 0.0).count();
        n as f64
    }));
    let s = squash(&text);
    assert!(s.contains("letmut__autodiff_count"), "{text}");
    assert!(s.contains("=0usize;"), "{text}");
    assert!(s.contains("+=1;"), "{text}");
    assert!(s.contains("letn=__autodiff_count"), "{text}");
}

#[test]
fn filter_then_collect_counts_then_writes_through_a_counter() {
    let text = rewritten(quote!({
        let v: Vec<f64> = x.iter().copied().filter(|v| *v > 0.0).collect();
        v[0]
    }));
    let s = squash(&text);
    // The count, then a buffer of that length, then the writes at the counter.
    let count = s.find("+=1;").expect("a count");
    let buffer = s
        .find("vec![::core::default::Default::default();__autodiff_kept")
        .expect("a buffer of the kept length");
    assert!(count < buffer, "{text}");
    assert!(s.contains("[__autodiff_at"), "{text}");
    // Over copied items the predicate's `*v` is the value itself.
    assert!(!s.contains("*v>0.0"), "{text}");
    assert!(!s.contains(".filter("), "{text}");
}

#[test]
fn arrays_from_vecs_and_from_iterators() {
    let text = rewritten(quote!({
        let a = Array::from_vec(v);
        let b = Array1::from_iter(x.iter().map(|e| e * 2.0));
        a.sum() + b.sum()
    }));
    let s = squash(&text);
    assert!(
        !s.contains("from_vec") && !s.contains("from_iter"),
        "{text}"
    );
    assert!(s.contains("=v;"), "{text}");
    assert!(s.contains("Array1::from_elem(__autodiff_vec"), "{text}");
    assert!(s.contains("Array1::from_elem(x.len()"), "{text}");
}
