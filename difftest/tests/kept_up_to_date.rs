//! The checked-in kept-seed files are exactly what the generator writes now (regenerate them with
//! `cargo run -p autodiff-difftest -- write-kept`).

use autodiff_difftest::kept::{kept_file, kept_path, KEPT_SEEDS};

#[test]
fn kept_files_are_up_to_date() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for &seed in KEPT_SEEDS {
        let path = dir.join(kept_path(seed));
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        if on_disk != kept_file(seed) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files {stale:?}: run `cargo run -p autodiff-difftest -- write-kept`"
    );
}

#[test]
fn generation_is_deterministic() {
    let a = autodiff_difftest::gen::generate(42, 7).source();
    let b = autodiff_difftest::gen::generate(42, 7).source();
    assert_eq!(a, b);
    assert!(a.contains("#[differentiable"), "{a}");
}
