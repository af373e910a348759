//! The x86-64 vector registers that the batched kernels ([`super::tile`])
//! and the optimisers compute in, as [`Vector`]s — `__m128`/`__m128d`
//! (SSE2, every x86-64), `__m256`/`__m256d` (AVX) and `__m512`/`__m512d`
//! (AVX-512F) — and the instruction sets that choose among them: [`Sse2`],
//! [`Avx`] and [`Avx512`], each mapping `f32` and `f64` to its registers
//! ([`Registers`]) and fixing its tile's shape.
//!
//! Why explicit vectors: a batched matrix product keeps a tile of sums —
//! several samples times several outputs — in registers. Written as scalar
//! Rust, that tile is two-dimensional, and LLVM's SLP vectoriser sometimes
//! packs it along the wrong axis: across samples, with gathers (measured:
//! 1.0–1.5 multiply-adds per ns for a 128×128 layer on a batch of 32 with
//! `-C target-cpu=native`, against 20 for the per-sample loop). Naming the
//! vector type fixes the axis.
//!
//! Every operation is one IEEE 754 operation per lane, rounded once — no
//! fused multiply-add; the square root and the division are the correctly
//! rounded instructions — so a lane computes exactly what the
//! scalar code computes, and the kernels keep the bits of the per-sample
//! passes on every target and at every instruction set.
//!
//! The AVX and AVX-512 registers are usable only where their instructions
//! run: in a build that enables them ([`Build`]), or inside the
//! `#[target_feature]` copies that [`super::dispatch`] writes, which are
//! called only after the CPU has reported them. Kernels reach [`Avx`] and
//! [`Avx512`] only through those two, which keeps that true.
//!
//! This module, [`super::dispatch`] and [`super::barrier`] hold the crate's
//! `unsafe`: here, unaligned loads and stores through pointers taken from
//! arrays of the exact length, and the intrinsics themselves.
#![allow(unsafe_code)]

use core::arch::x86_64::*;

use super::Registers;
use super::vector::{Scalar, Vector};

/// Implements [`Vector`] for one register type: `$lanes` values of `$f`,
/// loaded and stored with the unaligned `$load` / `$store`.
macro_rules! vector {
    (
        $reg:ty, $f:ty, $lanes:literal, $splat:ident, $load:ident, $store:ident, $zero:ident,
        $add:ident, $sub:ident, $mul:ident, $div:ident, $sqrt:ident
    ) => {
        impl Vector<$f> for $reg {
            const LANES: usize = $lanes;

            #[inline(always)]
            fn splat(value: $f) -> Self {
                // SAFETY (here and below): these registers are used only
                // where their instruction set runs (see the module
                // documentation).
                unsafe { $splat(value) }
            }

            #[inline(always)]
            fn load(values: &[$f]) -> Self {
                match values.first_chunk::<$lanes>() {
                    // SAFETY: the pointer is to `$lanes` initialised values;
                    // the load is the unaligned one.
                    Some(lanes) => unsafe { $load(lanes.as_ptr()) },
                    None => unsafe { $zero() },
                }
            }

            #[inline(always)]
            fn store(self, values: &mut [$f]) {
                if let Some(lanes) = values.first_chunk_mut::<$lanes>() {
                    // SAFETY: the pointer is to `$lanes` values borrowed
                    // mutably; the store is the unaligned one.
                    unsafe { $store(lanes.as_mut_ptr(), self) }
                }
            }

            #[inline(always)]
            fn add(self, other: Self) -> Self {
                unsafe { $add(self, other) }
            }

            #[inline(always)]
            fn sub(self, other: Self) -> Self {
                unsafe { $sub(self, other) }
            }

            #[inline(always)]
            fn mul(self, other: Self) -> Self {
                unsafe { $mul(self, other) }
            }

            #[inline(always)]
            fn div(self, other: Self) -> Self {
                unsafe { $div(self, other) }
            }

            #[inline(always)]
            fn sqrt(self) -> Self {
                unsafe { $sqrt(self) }
            }
        }
    };
}

vector!(
    __m128,
    f32,
    4,
    _mm_set1_ps,
    _mm_loadu_ps,
    _mm_storeu_ps,
    _mm_setzero_ps,
    _mm_add_ps,
    _mm_sub_ps,
    _mm_mul_ps,
    _mm_div_ps,
    _mm_sqrt_ps
);
vector!(
    __m128d,
    f64,
    2,
    _mm_set1_pd,
    _mm_loadu_pd,
    _mm_storeu_pd,
    _mm_setzero_pd,
    _mm_add_pd,
    _mm_sub_pd,
    _mm_mul_pd,
    _mm_div_pd,
    _mm_sqrt_pd
);

vector!(
    __m256,
    f32,
    8,
    _mm256_set1_ps,
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_setzero_ps,
    _mm256_add_ps,
    _mm256_sub_ps,
    _mm256_mul_ps,
    _mm256_div_ps,
    _mm256_sqrt_ps
);
vector!(
    __m256d,
    f64,
    4,
    _mm256_set1_pd,
    _mm256_loadu_pd,
    _mm256_storeu_pd,
    _mm256_setzero_pd,
    _mm256_add_pd,
    _mm256_sub_pd,
    _mm256_mul_pd,
    _mm256_div_pd,
    _mm256_sqrt_pd
);

vector!(
    __m512,
    f32,
    16,
    _mm512_set1_ps,
    _mm512_loadu_ps,
    _mm512_storeu_ps,
    _mm512_setzero_ps,
    _mm512_add_ps,
    _mm512_sub_ps,
    _mm512_mul_ps,
    _mm512_div_ps,
    _mm512_sqrt_ps
);
vector!(
    __m512d,
    f64,
    8,
    _mm512_set1_pd,
    _mm512_loadu_pd,
    _mm512_storeu_pd,
    _mm512_setzero_pd,
    _mm512_add_pd,
    _mm512_sub_pd,
    _mm512_mul_pd,
    _mm512_div_pd,
    _mm512_sqrt_pd
);

/// Defines an instruction set: a marker type that maps `f32` and `f64` to
/// its registers ([`Registers`]: a full register and a half-width one, for
/// the outputs past the last full register) and the tile shape of the
/// batched kernels, `TILE_ROWS` rows (samples in the
/// forward pass, weight columns in the weight gradient) by
/// [`TILE_COLUMNS`] registers of outputs. The rows are chosen so that the
/// tile's sums, one register of weights per tile column, the broadcast
/// input and a product fit the register file (16 registers for SSE2 and
/// AVX, 32 for AVX-512) without spilling; the shape is the register
/// file's, the same for `f32` and `f64`.
macro_rules! instruction_set {
    ($(#[$doc:meta])* $isa:ident: $f32:ty, $half32:ty, $f64:ty, $half64:ty, rows: $rows:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $isa;

        impl $isa {
            /// Tile rows (see [`instruction_set!`]). SSE2's are unused in
            /// a build whose own instruction set is wider.
            #[allow(dead_code)]
            pub(crate) const TILE_ROWS: usize = $rows;
        }

        impl Registers<$isa> for f32 {
            type Vector = $f32;
            type Half = $half32;
        }

        impl Registers<$isa> for f64 {
            type Vector = $f64;
            type Half = $half64;
        }
    };
}

instruction_set!(
    /// SSE2, which every x86-64 CPU has: 128-bit registers.
    Sse2: __m128, Scalar<f32>, __m128d, Scalar<f64>, rows: 4
);
instruction_set!(
    /// AVX: 256-bit registers.
    Avx: __m256, __m128, __m256d, __m128d, rows: 6
);
instruction_set!(
    /// AVX-512F: 512-bit registers.
    Avx512: __m512, __m256, __m512d, __m256d, rows: 8
);

/// Tile columns, in registers, at every instruction set (see
/// [`instruction_set!`]).
pub(crate) const TILE_COLUMNS: usize = 2;

/// The instruction set the build's target features enable (SSE2 on the
/// default target, AVX-512F with `-C target-cpu=native` on a machine that
/// has it), which needs no run-time check.
#[cfg(not(target_feature = "avx"))]
pub type Build = Sse2;
/// The instruction set the build's target features enable.
#[cfg(all(target_feature = "avx", not(target_feature = "avx512f")))]
pub type Build = Avx;
/// The instruction set the build's target features enable.
#[cfg(target_feature = "avx512f")]
pub type Build = Avx512;
