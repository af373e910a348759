//! Shape mismatches are compile errors, and the errors are readable: each
//! case in `tests/compile_fail/` must fail to compile with the message in its
//! `.stderr` snapshot. The snapshots record the pinned compiler's output
//! (see `rust-toolchain.toml`); regenerate them with
//! `TRYBUILD=overwrite cargo test --test compile_fail` and read the diff.

#[test]
fn shape_mismatches_do_not_compile() {
    trybuild::TestCases::new().compile_fail("tests/compile_fail/*.rs");
}
