//! Compile-fail (and a few compile-pass) tests of `#[differentiable]`'s diagnostics.
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test --test ui`, then read every
//! changed `.stderr`: each must show exactly the intended error, at the construct itself.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
