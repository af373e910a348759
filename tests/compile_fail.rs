//! Shape mismatches are compile errors, and the errors are readable: each
//! case in `tests/compile_fail/` must fail to compile with the message in its
//! `.stderr` snapshot. The snapshots record the pinned compiler's output
//! (see `rust-toolchain.toml`); regenerate them with
//! `TRYBUILD=overwrite cargo test --test compile_fail` and read the diff.
//!
//! Computed shapes (convolution and pooling output sizes, `Flatten` widths)
//! are checked by `const { assert!(..) }` blocks that are evaluated after
//! monomorphisation, which `cargo check` skips: the `compile_pass` case makes
//! trybuild run `cargo build` for every case, so those checks run.

#[test]
fn shape_mismatches_do_not_compile() {
    let t = trybuild::TestCases::new();
    t.pass("tests/compile_pass/*.rs");
    t.compile_fail("tests/compile_fail/*.rs");
}
