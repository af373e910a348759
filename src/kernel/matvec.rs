//! The per-sample kernels over transposed (column-major) weights: a
//! matrix-vector product and its two backward products, each output summed
//! in the one order fixed here. The crate calls them through
//! [`super::dispatch`]. On x86-64 they are `#[inline(always)]`, down to the
//! helpers, so that each instruction set's copy is compiled whole for that
//! instruction set; on Arm the entry points' calls inline as they did
//! before there was a dispatch (the firmware's instruction counts depend
//! on it).

use super::barrier::column_boundary;
use crate::Float;

/// How many independent partial sums [`dot`] keeps. Eight `f32` lanes fill one
/// AVX register or two SSE/NEON registers; the order is the same everywhere.
const DOT_LANES: usize = 8;

/// The dot product of `a` and `b`, summed in [`DOT_LANES`] interleaved partial
/// sums that are then added pairwise, then the tail. Always inlined on
/// x86-64: it runs once per column of a backward pass, where a call cost as
/// much as a short column's arithmetic. On Arm the compiler decides (forcing
/// it there made the transformer's inference 0.03% longer on a Cortex-M0).
#[cfg_attr(target_arch = "x86_64", inline(always))]
#[cfg_attr(not(target_arch = "x86_64"), inline)]
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
/// sum, so this vectorises without reordering anything. Always inlined on
/// x86-64, so that it is compiled for the instruction set of the
/// [dispatched](super::dispatch) kernel it is part of.
#[cfg_attr(target_arch = "x86_64", inline(always))]
#[cfg_attr(not(target_arch = "x86_64"), inline)]
pub(crate) fn axpy<F: Float>(acc: &mut [F], column: &[F], scale: F) {
    for (a, &w) in acc.iter_mut().zip(column) {
        *a = *a + w * scale;
    }
}

/// `z[o] = ((z[o] + column_0[o]·x[0]) + column_1[o]·x[1]) + …` for every
/// output `o`, each column seen as a flat slice through `flat` (a gate block
/// `[[F; H]; G]` of a recurrent layer, or a plain `[F; O]`): the inputs are
/// taken four at a time, each taking one pass over `z` that adds four terms
/// to each output, in order — the sums of repeated [`axpy`], so its bits.
#[cfg_attr(target_arch = "x86_64", inline(always))]
#[cfg_attr(not(target_arch = "x86_64"), inline)]
pub(crate) fn matvec_t_columns<F: Float, C>(z: &mut [F], columns: &[C], x: &[F], flat: impl Fn(&C) -> &[F]) {
    let (column_quads, column_tail) = columns.as_chunks::<4>();
    let (x_quads, x_tail) = x.as_chunks::<4>();
    for ([c0, c1, c2, c3], &[x0, x1, x2, x3]) in column_quads.iter().zip(x_quads) {
        let columns = z.iter_mut().zip(flat(c0)).zip(flat(c1)).zip(flat(c2)).zip(flat(c3));
        for ((((zo, &w0), &w1), &w2), &w3) in columns {
            *zo = (((*zo + w0 * x0) + w1 * x1) + w2 * x2) + w3 * x3;
        }
    }
    for (column, &xi) in column_tail.iter().zip(x_tail) {
        axpy(z, flat(column), xi);
    }
}

/// The parameter gradients of `z = bias + W·x` over transposed weights:
/// adds dz into `bias_grad` and dz·x[i] into input `i`'s gradient column,
/// one [`axpy`] per column, vectorised along the column.
#[cfg_attr(target_arch = "x86_64", inline(always))]
#[cfg_attr(not(target_arch = "x86_64"), inline)]
pub(crate) fn matvec_t_param_grads<F: Float, C>(
    x: &[F],
    dz: &[F],
    bias_grad: &mut [F],
    column_grads: &mut [C],
    flat_mut: impl Fn(&mut C) -> &mut [F],
) {
    for (g, &d) in bias_grad.iter_mut().zip(dz) {
        *g = *g + d;
    }
    for (column, &xi) in column_grads.iter_mut().zip(x) {
        column_boundary();
        axpy(flat_mut(column), dz, xi);
    }
}

/// dL/dx of `z = bias + W·x` over transposed weights: dx[i] is the [`dot`]
/// of stored column `i` with `dz`.
#[cfg_attr(target_arch = "x86_64", inline(always))]
#[cfg_attr(not(target_arch = "x86_64"), inline)]
pub(crate) fn matvec_t_input_grad<F: Float, C, const N: usize>(
    columns: &[C; N],
    dz: &[F],
    flat: impl Fn(&C) -> &[F],
) -> [F; N] {
    let mut dx = [F::zero(); N];
    for (d, column) in dx.iter_mut().zip(columns) {
        column_boundary();
        *d = dot(flat(column), dz);
    }
    dx
}

/// The widest layer whose output sums [`matvec_t`](super::matvec_t) keeps
/// in registers.
pub(crate) const REGISTER_OUTPUTS: usize = 32;

/// `z = z + W·x` for `O <= REGISTER_OUTPUTS` (see
/// [`matvec_t`](super::matvec_t)): one pass over the inputs with the
/// outputs split into at most one block each of 32, 16, 8, 4, 2 and 1
/// (which exist is known at compile time).
#[inline(always)]
pub(crate) fn matvec_t_registers<F: Float, const I: usize, const O: usize>(
    z: &mut [F; O],
    columns: &[[F; O]; I],
    x: &[F; I],
) {
    let (z32, rest) = z.as_chunks_mut::<32>();
    let (z16, rest) = rest.as_chunks_mut::<16>();
    let (z8, rest) = rest.as_chunks_mut::<8>();
    let (z4, rest) = rest.as_chunks_mut::<4>();
    let (z2, z1) = rest.as_chunks_mut::<2>();
    let s16 = 32 * z32.len();
    let s8 = s16 + 16 * z16.len();
    let s4 = s8 + 8 * z8.len();
    let s2 = s4 + 4 * z4.len();
    let s1 = s2 + 2 * z2.len();
    let mut a32 = z32.first().copied().unwrap_or([F::zero(); 32]);
    let mut a16 = z16.first().copied().unwrap_or([F::zero(); 16]);
    let mut a8 = z8.first().copied().unwrap_or([F::zero(); 8]);
    let mut a4 = z4.first().copied().unwrap_or([F::zero(); 4]);
    let mut a2 = z2.first().copied().unwrap_or([F::zero(); 2]);
    let mut a1 = [z1.first().copied().unwrap_or(F::zero())];
    for (column, &xi) in columns.iter().zip(x) {
        if !z32.is_empty() {
            mac_32(&mut a32, column, 0, xi);
        }
        if !z16.is_empty() {
            mac_16(&mut a16, column, s16, xi);
        }
        if !z8.is_empty() {
            mac_8(&mut a8, column, s8, xi);
        }
        if !z4.is_empty() {
            mac_4(&mut a4, column, s4, xi);
        }
        if !z2.is_empty() {
            mac_2(&mut a2, column, s2, xi);
        }
        if !z1.is_empty() {
            mac_1(&mut a1, column, s1, xi);
        }
    }
    if let Some(z) = z32.first_mut() {
        *z = a32;
    }
    if let Some(z) = z16.first_mut() {
        *z = a16;
    }
    if let Some(z) = z8.first_mut() {
        *z = a8;
    }
    if let Some(z) = z4.first_mut() {
        *z = a4;
    }
    if let Some(z) = z2.first_mut() {
        *z = a2;
    }
    if let Some(z) = z1.first_mut() {
        *z = a1[0];
    }
}

/// Defines `$name`: `acc[k] = acc[k] + column[start + k]·xi` for each of the
/// block's `$size` outputs. The body names every output (`$k`) instead of
/// looping over them, so that the block's sums are registers at every
/// opt-level, not only where LLVM chooses to unroll.
macro_rules! mac {
    ($name:ident, $size:literal, [$($k:literal)*]) => {
        #[inline(always)]
        fn $name<F: Float, const O: usize>(acc: &mut [F; $size], column: &[F; O], start: usize, xi: F) {
            // Always `Some`: the caller's blocks lie inside `0..O`.
            if let Some(w) = column.get(start..).and_then(<[F]>::first_chunk::<$size>) {
                $(acc[$k] = acc[$k] + w[$k] * xi;)*
            }
        }
    };
}

mac!(mac_32, 32, [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31]);
mac!(mac_16, 16, [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15]);
mac!(mac_8, 8, [0 1 2 3 4 5 6 7]);
mac!(mac_4, 4, [0 1 2 3]);
mac!(mac_2, 2, [0 1]);
mac!(mac_1, 1, [0]);

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

    /// Every block shape (`O` up to 32 and past it) gives exactly the bits of
    /// repeated `axpy`, i.e. of each output summed in input order, at every
    /// instruction set this CPU runs.
    #[test]
    fn matvec_t_sums_in_input_order() {
        fn check<const I: usize, const O: usize>() {
            let value = |k: usize| ((k * 7919 % 1013) as f32 / 1013.0 - 0.5) * 3.7;
            let columns: [[f32; O]; I] = core::array::from_fn(|i| core::array::from_fn(|o| value(i * O + o)));
            let x: [f32; I] = core::array::from_fn(|i| value(i + 5000));
            let bias: [f32; O] = core::array::from_fn(|o| value(o + 9000));
            let mut expected = bias;
            for (column, &xi) in columns.iter().zip(&x) {
                axpy(&mut expected, column, xi);
            }
            for level in crate::kernel::dispatch::available() {
                let mut z = bias;
                if O <= REGISTER_OUTPUTS {
                    crate::kernel::at::matvec_t_registers(level, &mut z, &columns, &x);
                } else {
                    crate::kernel::at::matvec_t_columns(level, &mut z, &columns, &x, |c| &c[..]);
                }
                assert_eq!(z.map(f32::to_bits), expected.map(f32::to_bits), "{level:?}, I = {I}, O = {O}");
            }
        }
        check::<1, 1>();
        check::<3, 2>();
        check::<5, 7>();
        check::<16, 16>();
        check::<13, 31>();
        check::<9, 32>();
        check::<6, 33>();
        check::<7, 61>();
        check::<64, 10>();
        // Quads and single columns after them, past 32 outputs.
        check::<15, 33>();
        check::<21, 64>();
    }

    /// The backward products and the flat-column product give the same
    /// bits at every instruction set this CPU runs, for column lengths
    /// past and short of a register (and of the dot product's eight sums).
    #[test]
    fn every_instruction_set_gives_the_backward_bits() {
        fn check<const I: usize, const O: usize>() {
            let value = |k: usize| ((k * 7919 % 1013) as f64 / 1013.0 - 0.5) * 3.7;
            let columns: [[f64; O]; I] = core::array::from_fn(|i| core::array::from_fn(|o| value(i * O + o)));
            let x: [f64; I] = core::array::from_fn(|i| value(i + 5000));
            let dz: [f64; O] = core::array::from_fn(|o| value(o + 7000));
            let bias: [f64; O] = core::array::from_fn(|o| value(o + 9000));
            let run = |level| {
                let (mut bias_grad, mut grads) = (bias, columns);
                crate::kernel::at::matvec_t_param_grads(level, &x, &dz, &mut bias_grad, &mut grads, |c| &mut c[..]);
                let dx = crate::kernel::at::matvec_t_input_grad(level, &columns, &dz, |c| &c[..]);
                let mut z = bias;
                crate::kernel::at::matvec_t_columns(level, &mut z, &columns, &x, |c| &c[..]);
                let bits = |v: &[f64]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                (bits(&bias_grad), bits(grads.as_flattened()), bits(&dx), bits(&z))
            };
            let expected = run(crate::kernel::dispatch::Level::Build);
            for level in crate::kernel::dispatch::available() {
                assert!(run(level) == expected, "{level:?}, I = {I}, O = {O}");
            }
        }
        check::<1, 1>();
        check::<5, 7>();
        check::<13, 31>();
        // Minutes in Miri, which runs only the build's copy.
        #[cfg(not(miri))]
        {
            check::<64, 32>();
            check::<32, 10>();
            check::<9, 67>();
        }
    }

    #[test]
    fn axpy_accumulates_each_lane() {
        let mut acc = [1.0_f64, 2.0, 3.0];
        axpy(&mut acc, &[1.0, 10.0, 100.0], 2.0);
        assert_eq!(acc, [3.0, 22.0, 203.0]);
    }
}
