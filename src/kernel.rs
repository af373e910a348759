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

/// `z[o] = ((z[o] + columns[0][o]·x[0]) + columns[1][o]·x[1]) + …` for every
/// `o`: a matrix-vector product over column-major (transposed) weights, each
/// output summed in increasing input order — exactly the sums of repeated
/// [`axpy`], so exactly its bits.
///
/// The inputs are taken four at a time: one pass over `z` adds four terms to
/// each output, in order, so each partial sum is loaded and stored once per
/// four multiply-adds instead of once per one. The compiler vectorises the
/// pass over `o` as before; only how often a sum goes through memory changes.
#[inline]
pub(crate) fn matvec_t<F: Float, const I: usize, const O: usize>(z: &mut [F; O], columns: &[[F; O]; I], x: &[F; I]) {
    let (column_quads, column_tail) = columns.as_chunks::<4>();
    let (x_quads, x_tail) = x.as_chunks::<4>();
    for ([c0, c1, c2, c3], &[x0, x1, x2, x3]) in column_quads.iter().zip(x_quads) {
        for ((((zo, &w0), &w1), &w2), &w3) in z.iter_mut().zip(c0).zip(c1).zip(c2).zip(c3) {
            *zo = (((*zo + w0 * x0) + w1 * x1) + w2 * x2) + w3 * x3;
        }
    }
    for (column, &xi) in column_tail.iter().zip(x_tail) {
        axpy(z, column, xi);
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
