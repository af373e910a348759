//! [`column_boundary`]: keeps LLVM's loop vectoriser from vectorising a loop
//! over a layer's columns *across* the columns; and [`store_boundary`],
//! which keeps a transposition's single-value copies single. Each is one
//! empty `asm!` statement, the `unsafe` of this module.
//!
//! A backward pass walks the stored columns of a transposed weight one at a
//! time, and the work on each column (an `axpy` into its gradient, a dot
//! product with it) runs along the column's contiguous outputs, where the
//! SLP vectoriser packs it into plain vector loads and stores. On targets
//! with gathers and scatters (x86-64 with AVX2 or AVX-512), LLVM's *loop*
//! vectoriser, which runs first, instead widens the loop over the columns:
//! eight or sixteen columns at once, each element fetched by a strided
//! gather and written back by a scatter. Measured on this project's Zen 4
//! machine with `-C target-cpu=native`, the weight gradient of a 64→32
//! layer took 1,269 ns that way and 193 ns with this barrier (187 ns on the
//! default target); the digits MLP's training step was 1.8× slower with
//! native flags than without them.
//!
//! Stable Rust has no `#pragma nounroll`-style hint for this. An `asm!`
//! statement is a call the loop vectoriser cannot widen, so a loop that
//! contains one is left as a loop; `nomem`, `nostack` and `preserves_flags`
//! tell the rest of the optimiser that it reads and writes nothing, so the
//! loads, stores and vector code around it are untouched. It assembles to
//! no instruction, and changes no value: a summation order is the same with
//! or without it.
//!
//! Only x86 has the gathers; elsewhere (Arm, the firmware's Cortex-M) and
//! under Miri (which does not run inline assembly) it is an empty function.
#![allow(unsafe_code)]

/// Marks the start of one column's work in a loop over columns; see the
/// [module documentation](self).
#[inline(always)]
pub(crate) fn column_boundary() {
    #[cfg(all(any(target_arch = "x86_64", target_arch = "x86"), not(miri)))]
    // SAFETY: the template is empty, so it executes nothing; the options
    // promise no memory access, no stack use and no flag change, which an
    // empty statement keeps.
    unsafe {
        core::arch::asm!("", options(nomem, nostack, preserves_flags));
    }
}

/// Pins the stores to `written`'s object before it, for the optimiser: an
/// empty `asm!` statement that is given `written`'s address and declared as
/// reading memory, so every store to that object must be done, in order,
/// before it runs. After each single-value store of a transposition it keeps
/// the SLP vectoriser from fusing the strided side into a gather or a
/// scatter, which [`column_boundary`] (a barrier to the loop vectoriser
/// only) does not. (A barrier without the address would not do: the
/// optimiser knows that an `asm!` it was not given a pointer to a `&mut`'s
/// memory cannot read it.)
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn store_boundary<T>(written: &T) {
    #[cfg(all(any(target_arch = "x86_64", target_arch = "x86"), not(miri)))]
    // SAFETY: the template is empty, so it executes nothing: it reads and
    // writes nothing, uses no stack and changes no flag; the operand only
    // tells the optimiser that `written`'s memory may be read.
    unsafe {
        core::arch::asm!("/* {0} */", in(reg) written as *const T, options(readonly, nostack, preserves_flags));
    }
    #[cfg(not(all(any(target_arch = "x86_64", target_arch = "x86"), not(miri))))]
    let _ = written;
}
