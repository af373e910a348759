//! The x86-64 vector registers that the batched kernels ([`super::tile`])
//! and the optimisers compute in, as [`Vector`]s — `__m128`/`__m128d` (SSE2, every x86-64),
//! `__m256`/`__m256d` when the build enables AVX, `__m512`/`__m512d` when it
//! enables AVX-512F. The choice is made at compile time from the build's
//! target features; there is no run-time dispatch.
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
//! passes on every target.
//!
//! This module and [`super::barrier`] hold the crate's `unsafe`: unaligned
//! loads and stores through pointers taken from arrays of the exact length.
#![allow(unsafe_code)]

use core::arch::x86_64::*;

use super::vector::Vector;

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
                // SAFETY (here and below): the impl exists only in builds
                // that enable the instruction set (its `cfg`).
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

#[cfg(target_arch = "x86_64")]
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
#[cfg(target_arch = "x86_64")]
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

#[cfg(all(target_arch = "x86_64", target_feature = "avx"))]
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
#[cfg(all(target_arch = "x86_64", target_feature = "avx"))]
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

#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
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
#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
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

/// The tile of the batched kernels: [`TILE_ROWS`] rows (samples in the
/// forward pass, weight columns in the weight gradient) by `TILE_COLUMNS`
/// registers of outputs, so that the tile's sums, one register of weights
/// per tile column, the broadcast input and a product fit the register file
/// (16 registers for SSE2 and AVX, 32 for AVX-512) without spilling. The
/// shape is the register file's, the same for `f32` and `f64`.
macro_rules! simd {
    ($f32:ty, $half32:ty, $f64:ty, $half64:ty, rows: $rows:literal, columns: $columns:literal) => {
        impl super::Simd for f32 {
            type Vector = $f32;
            type Half = $half32;
        }
        impl super::Simd for f64 {
            type Vector = $f64;
            type Half = $half64;
        }
        /// Tile rows (see [`simd!`]).
        pub(crate) const TILE_ROWS: usize = $rows;
        /// Tile columns, in registers (see [`simd!`]).
        pub(crate) const TILE_COLUMNS: usize = $columns;
    };
}

#[cfg(all(target_arch = "x86_64", not(target_feature = "avx")))]
simd!(__m128, super::Scalar<f32>, __m128d, super::Scalar<f64>, rows: 4, columns: 2);
#[cfg(all(target_arch = "x86_64", target_feature = "avx", not(target_feature = "avx512f")))]
simd!(__m256, __m128, __m256d, __m128d, rows: 6, columns: 2);
#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
simd!(__m512, __m256, __m512d, __m256d, rows: 8, columns: 2);
