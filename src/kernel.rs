//! The numeric kernels shared by the layers.
//!
//! Every kernel fixes its summation order once, for every target: no
//! `mul_add`, no reassociation left to the optimiser. Rust never contracts
//! `a * b + c` into a fused multiply-add, so these loops give the same bits on
//! x86-64 and on a Cortex-M4F (DESIGN.md, property 7). Speed comes from the
//! shape of the loops: the inner loops run over independent accumulators,
//! which the compiler vectorises without changing any sum.

use crate::Float;

/// How many independent partial sums [`dot`] keeps. Eight `f32` lanes fill one
/// AVX register or two SSE/NEON registers; the order is the same everywhere.
const DOT_LANES: usize = 8;

/// The dot product of `a` and `b`, summed in [`DOT_LANES`] interleaved partial
/// sums that are then added pairwise, then the tail.
#[inline]
pub(crate) fn dot<F: Float>(a: &[F], b: &[F]) -> F {
    let mut acc = [F::zero(); DOT_LANES];
    let a_chunks = a.chunks_exact(DOT_LANES);
    let b_chunks = b.chunks_exact(DOT_LANES);
    let (a_tail, b_tail) = (a_chunks.remainder(), b_chunks.remainder());
    for (ca, cb) in a_chunks.zip(b_chunks) {
        for ((s, &x), &y) in acc.iter_mut().zip(ca).zip(cb) {
            *s = *s + x * y;
        }
    }
    let mut tail = F::zero();
    for (&x, &y) in a_tail.iter().zip(b_tail) {
        tail = tail + x * y;
    }
    let quads = [acc[0] + acc[4], acc[1] + acc[5], acc[2] + acc[6], acc[3] + acc[7]];
    ((quads[0] + quads[2]) + (quads[1] + quads[3])) + tail
}

/// `acc[o] += column[o] * scale` for every `o`: one column of a matrix-vector
/// product over column-major (transposed) weights. Each `acc[o]` is its own
/// sum, so this vectorises without reordering anything.
#[inline]
pub(crate) fn axpy<F: Float>(acc: &mut [F], column: &[F], scale: F) {
    for (a, &w) in acc.iter_mut().zip(column) {
        *a = *a + w * scale;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_naive_sum_on_exact_values() {
        // Small integers are exact in f32, so any summation order agrees.
        let a: [f32; 19] = core::array::from_fn(|i| i as f32);
        let b: [f32; 19] = core::array::from_fn(|i| (19 - i) as f32);
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert_eq!(dot(&a, &b), naive);
        assert_eq!(dot::<f32>(&[], &[]), 0.0);
    }

    #[test]
    fn axpy_accumulates_each_lane() {
        let mut acc = [1.0_f64, 2.0, 3.0];
        axpy(&mut acc, &[1.0, 10.0, 100.0], 2.0);
        assert_eq!(acc, [3.0, 22.0, 203.0]);
    }
}
