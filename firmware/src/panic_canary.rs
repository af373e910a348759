//! The `panic_canary` image's "inference": a table look-up with a bounds
//! check that fails. Not a real image — the positive control that shows
//! `check-no-panic.sh` finding a panic reachable from an `infer` function.

/// `table[index]`, which panics when `index` is out of bounds.
#[inline(never)]
pub fn infer(table: &[u32], index: usize) -> u32 {
    table[index]
}
