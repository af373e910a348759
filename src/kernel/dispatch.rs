//! Run-time choice of the instruction set the matrix kernels run at.
//!
//! A build for the default x86-64 target may use only SSE2, yet nearly
//! every x86-64 CPU in use has AVX2 and many have AVX-512F: the batched
//! Dense kernel, for one, runs at about a quarter of the machine's peak with
//! SSE2 and at over four fifths with AVX-512. So each kernel listed in
//! [`dispatched!`] is compiled three times — for the build's own target
//! features, with `#[target_feature(enable = "avx2")]` and with
//! `#[target_feature(enable = "avx512f")]` — and its entry point calls the
//! widest copy the CPU reports (and the operating system saves the
//! registers of), as detected once by `cpufeatures` and then read from an
//! atomic. A build that already enables an instruction set skips its check.
//!
//! The copies compute the same operations in the same order, one IEEE 754
//! operation per lane (Rust never fuses a multiply and an add, with or
//! without the FMA instructions enabled), so they give the same bits: the
//! instruction set changes speed, never a result. `tests/target_bits.rs`
//! holds the digits model's bits to a fingerprint written before there was
//! a dispatch, and the tests below compare every copy with the build's.
//!
//! Off x86-64 (the firmware's Cortex-M, AArch64) and under Miri there is
//! one copy, the build's, and no check.
#![allow(unsafe_code)]

/// An instruction set a [`dispatched!`] kernel can run at.
#[cfg(any(test, target_arch = "x86_64"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    /// The build's own target features.
    Build,
    /// AVX2 (in a build that does not enable it).
    #[cfg(target_arch = "x86_64")]
    #[cfg_attr(all(not(test), target_feature = "avx2"), allow(dead_code))]
    Avx,
    /// AVX-512F (in a build that does not enable it).
    #[cfg(target_arch = "x86_64")]
    #[cfg_attr(all(not(test), target_feature = "avx512f"), allow(dead_code))]
    Avx512,
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
cpufeatures::new!(cpu_avx2, "avx2");
#[cfg(all(target_arch = "x86_64", not(miri)))]
cpufeatures::new!(cpu_avx512, "avx512f");

/// Whether this CPU runs AVX2 (and its operating system saves the
/// registers); never under Miri, which runs no vector extension.
#[cfg(target_arch = "x86_64")]
#[cfg_attr(all(not(test), target_feature = "avx2"), allow(dead_code))]
#[inline(always)]
fn has_avx2() -> bool {
    #[cfg(not(miri))]
    return cpu_avx2::get();
    #[cfg(miri)]
    return false;
}

/// Whether this CPU runs AVX-512F; never under Miri.
#[cfg(target_arch = "x86_64")]
#[cfg_attr(all(not(test), target_feature = "avx512f"), allow(dead_code))]
#[inline(always)]
fn has_avx512() -> bool {
    #[cfg(not(miri))]
    return cpu_avx512::get();
    #[cfg(miri)]
    return false;
}

/// The widest instruction set up to `widest` ([`Level::Avx`] or
/// [`Level::Avx512`]) that this CPU runs and the build does not already
/// enable, or [`Level::Build`].
#[cfg(target_arch = "x86_64")]
#[cfg_attr(target_feature = "avx512f", allow(unused_variables))]
#[inline(always)]
pub(crate) fn level(widest: Level) -> Level {
    #[cfg(all(target_arch = "x86_64", not(target_feature = "avx512f")))]
    if widest == Level::Avx512 && has_avx512() {
        return Level::Avx512;
    }
    #[cfg(all(target_arch = "x86_64", not(target_feature = "avx2")))]
    if has_avx2() {
        return Level::Avx;
    }
    Level::Build
}

/// Every instruction set this CPU runs a copy at, the build's first: what
/// the tests compare.
#[cfg(test)]
pub(crate) fn available() -> impl Iterator<Item = Level> {
    let levels = [
        Some(Level::Build),
        #[cfg(target_arch = "x86_64")]
        has_avx2().then_some(Level::Avx),
        #[cfg(target_arch = "x86_64")]
        has_avx512().then_some(Level::Avx512),
    ];
    levels.into_iter().flatten()
}

/// Whether this CPU runs `level`.
#[cfg(test)]
pub(crate) fn supported(level: Level) -> bool {
    match level {
        Level::Build => true,
        #[cfg(target_arch = "x86_64")]
        Level::Avx => has_avx2(),
        #[cfg(target_arch = "x86_64")]
        Level::Avx512 => has_avx512(),
    }
}

/// Defines each listed kernel as an entry point that runs its body at the
/// widest instruction set [`level`] finds up to the kernel's `widest`, and
/// the body's copies: one in a
/// module `build` (the build's target features), and on x86-64 one in `avx`
/// and one in `avx512`, each `#[target_feature]` function compiled for its
/// instruction set. A body names its instruction set `Isa` (a
/// [`Registers`](super::Registers) marker with its `TILE_ROWS`); what it
/// calls must be `#[inline(always)]`, so that it is compiled into the copy.
///
/// A kernel is written `widest Avx512: fn name[F: Float, const N:
/// usize](…) { … }`, generic parameters in brackets. `widest` caps the
/// instruction set where the wider registers were measured slower: on this
/// project's Zen 4 machine a chain of dependent 512-bit additions (a narrow
/// layer's outputs summed over its inputs) ran about 1.3× slower than the
/// same chain in 256-bit registers, while throughput-bound loops ran up to
/// 1.7× faster in 512-bit ones. The entry point passes its arguments on unchanged, so they
/// determine the copy's parameters. For the tests, `at::name(level, …)`
/// runs the copy at `level`, which must be `supported`.
macro_rules! dispatched {
    ($(
        $(#[$attr:meta])*
        widest $widest:ident: fn $name:ident[$($generics:tt)*]($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block
    )*) => {
        $(
            $(#[$attr])*
            // Off x86-64 the entry point only forwards, so it always inlines
            // and the body's own attribute decides, as it did before there
            // was a dispatch.
            #[cfg_attr(target_arch = "x86_64", inline)]
            #[cfg_attr(not(target_arch = "x86_64"), inline(always))]
            #[allow(unsafe_code)]
            pub(crate) fn $name<$($generics)*>($($arg: $ty),*) $(-> $ret)? {
                #[cfg(target_arch = "x86_64")]
                match $crate::kernel::dispatch::level($crate::kernel::dispatch::Level::$widest) {
                    // SAFETY: `level` returns `Avx512` only when the CPU has
                    // AVX-512F and the operating system saves its registers.
                    $crate::kernel::dispatch::Level::Avx512 => unsafe { avx512::$name($($arg),*) },
                    // SAFETY: likewise for AVX2.
                    $crate::kernel::dispatch::Level::Avx => unsafe { avx::$name($($arg),*) },
                    $crate::kernel::dispatch::Level::Build => build::$name($($arg),*),
                }
                #[cfg(not(target_arch = "x86_64"))]
                build::$name($($arg),*)
            }
        )*

        /// Each kernel at a chosen instruction set, for the tests.
        #[cfg(test)]
        pub(crate) mod at {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[allow(unsafe_code)]
                pub(crate) fn $name<$($generics)*>(
                    level: $crate::kernel::dispatch::Level,
                    $($arg: $ty),*
                ) $(-> $ret)? {
                    assert!($crate::kernel::dispatch::supported(level), "this CPU does not run {level:?}");
                    match level {
                        // SAFETY: the CPU runs the instruction set (checked above).
                        #[cfg(target_arch = "x86_64")]
                        $crate::kernel::dispatch::Level::Avx512 => unsafe { super::avx512::$name($($arg),*) },
                        // SAFETY: likewise.
                        #[cfg(target_arch = "x86_64")]
                        $crate::kernel::dispatch::Level::Avx => unsafe { super::avx::$name($($arg),*) },
                        $crate::kernel::dispatch::Level::Build => super::build::$name($($arg),*),
                    }
                }
            )*
        }

        /// The kernels at the build's own target features.
        mod build {
            #[allow(unused_imports)]
            use super::*;
            /// The build's instruction set.
            #[allow(dead_code)]
            type Isa = super::Build;
            $(
                #[inline(always)]
                pub(super) fn $name<$($generics)*>($($arg: $ty),*) $(-> $ret)? $body
            )*
        }

        dispatched!(@copies avx, "avx2", Avx, "AVX2", $(fn $name[$($generics)*]($($arg: $ty),*) $(-> $ret)? $body)*);
        dispatched!(@copies avx512, "avx512f", Avx512, "AVX-512F", $(fn $name[$($generics)*]($($arg: $ty),*) $(-> $ret)? $body)*);
    };
    // The module `$module` of copies compiled for the target feature
    // `$feature`, whose registers are `$isa`'s.
    (@copies $module:ident, $feature:literal, $isa:ident, $what:literal, $(
        fn $name:ident[$($generics:tt)*]($($arg:ident: $ty:ty),*) $(-> $ret:ty)? $body:block
    )*) => {
        #[doc = concat!("The kernels compiled for ", $what, ".")]
        #[cfg(target_arch = "x86_64")]
        mod $module {
            #[allow(unused_imports)]
            use super::*;
            /// The instruction set's registers.
            type Isa = super::$isa;
            $(
                #[target_feature(enable = $feature)]
                #[inline]
                pub(super) fn $name<$($generics)*>($($arg: $ty),*) $(-> $ret)? $body
            )*
        }
    };
}

pub(crate) use dispatched;
