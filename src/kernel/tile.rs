//! The batched products over transposed weights, blocked in registers: a
//! tile of `R` rows by [`TILE_COLUMNS`] vector registers of an instruction
//! set `S` (its [`Registers`]) stays in registers while one operand streams
//! past, so each
//! weight (forward) or each output gradient (weight gradient) loaded is
//! used by several samples or columns instead of one.
//!
//! Every sum keeps the order of the per-sample kernels: an output of the
//! forward pass is `((bias + w₀·x₀) + w₁·x₁) + …` in input order, as in
//! [`matvec_t`](super::matvec_t); a weight gradient is
//! `((g + dz₀·x₀) + dz₁·x₁) + …` in sample order, as per-sample
//! [`matvec_t_param_grads`](super::matvec_t_param_grads) calls accumulate it.
//! Only the loop nest changes, so a batch has exactly the bits of per-sample
//! passes (`tests/batched.rs`).

use super::barrier::{column_boundary, store_boundary};
use super::simd::TILE_COLUMNS;
use super::{Registers, Scalar, Vector};
use crate::Float;

/// `rows[r][o0 + k] += Σ_t vectors(t)[o0 + k] · scalar(t, r)` for the tile's
/// `R` rows and `C` vectors `V` of lanes `k`, over `t = 0 .. steps` in
/// order: the outer-product update both batched kernels are made of.
#[inline(always)]
fn outer_tile<'v, F: Float, V: Vector<F>, const R: usize, const C: usize>(
    rows: [&mut [F]; R],
    o0: usize,
    steps: usize,
    vectors: impl Fn(usize) -> &'v [F],
    scalar: impl Fn(usize, usize) -> F,
) {
    let width = C * V::LANES;
    let mut acc: [[V; C]; R] = core::array::from_fn(|r| {
        let row = rows[r].get(o0..).unwrap_or_default();
        core::array::from_fn(|c| V::load(row.get(c * V::LANES..).unwrap_or_default()))
    });
    for t in 0..steps {
        let Some(row) = vectors(t).get(o0..o0 + width) else { continue };
        let w: [V; C] = core::array::from_fn(|c| V::load(&row[c * V::LANES..]));
        for (r, acc) in acc.iter_mut().enumerate() {
            let k = V::splat(scalar(t, r));
            for (a, &w) in acc.iter_mut().zip(&w) {
                *a = a.add(w.mul(k));
            }
        }
    }
    for (row, acc) in rows.into_iter().zip(&acc) {
        if let Some(row) = row.get_mut(o0..) {
            for (c, a) in acc.iter().enumerate() {
                a.store(row.get_mut(c * V::LANES..).unwrap_or_default());
            }
        }
    }
}

/// Covers the outputs `0..O` of a kernel generic over `<F, S, R, I, O, B>`
/// with blocks, widest first: [`TILE_COLUMNS`] registers of `S`, one
/// register, one half-width register, then single values; `block::<F, V,
/// R, C, I, O, B>(…, o0)` handles `C` vectors `V` from output `o0`. The
/// block sizes change how many sums share a load, never a sum's order.
macro_rules! for_output_blocks {
    (<$F:ty, $S:ty, $R:ident, $I:ident, $O:ident, $B:ident>, |$o0:ident| $block:ident($($arg:expr),*)) => {{
        let full = <<$F as Registers<$S>>::Vector as Vector<$F>>::LANES;
        let half = <<$F as Registers<$S>>::Half as Vector<$F>>::LANES;
        let mut $o0 = 0;
        while $o0 + TILE_COLUMNS * full <= $O {
            $block::<$F, <$F as Registers<$S>>::Vector, $R, TILE_COLUMNS, $I, $O, $B>($($arg),*);
            $o0 += TILE_COLUMNS * full;
        }
        while $o0 + full <= $O {
            $block::<$F, <$F as Registers<$S>>::Vector, $R, 1, $I, $O, $B>($($arg),*);
            $o0 += full;
        }
        while $o0 + half <= $O {
            $block::<$F, <$F as Registers<$S>>::Half, $R, 1, $I, $O, $B>($($arg),*);
            $o0 += half;
        }
        while $o0 < $O {
            $block::<$F, Scalar<$F>, $R, 1, $I, $O, $B>($($arg),*);
            $o0 += 1;
        }
    }};
}

/// `z[b] = z[b] + W·x[b]` for every sample `b` (with `z` holding the bias),
/// over transposed weights `columns`, each output summed in input order, in
/// tiles of `R` samples by [`TILE_COLUMNS`] registers of `S`.
#[inline(always)]
pub(crate) fn matmat_t<F, S, const R: usize, const I: usize, const O: usize, const B: usize>(
    z: &mut [[F; O]; B],
    columns: &[[F; O]; I],
    x: &[&[F; I]; B],
) where
    F: Float + Registers<S>,
{
    for_output_blocks!(<F, S, R, I, O, B>, |o0| forward_block(z, columns, x, o0));
}

/// One block of outputs of [`matmat_t`], `C` vectors `V` from output `o0`,
/// for every sample: tiles of `R` samples, then single samples.
#[inline(always)]
fn forward_block<
    F: Float,
    V: Vector<F>,
    const R: usize,
    const C: usize,
    const I: usize,
    const O: usize,
    const B: usize,
>(
    z: &mut [[F; O]; B],
    columns: &[[F; O]; I],
    x: &[&[F; I]; B],
    o0: usize,
) {
    let (z_blocks, z_rest) = z.as_chunks_mut::<R>();
    let (x_blocks, x_rest) = x.as_chunks::<R>();
    for (z, x) in z_blocks.iter_mut().zip(x_blocks) {
        let rows = z.each_mut().map(|row| &mut row[..]);
        outer_tile::<F, V, R, C>(rows, o0, I, |i| &columns[i], |i, r| x[r][i]);
    }
    for (z, x) in z_rest.iter_mut().zip(x_rest) {
        outer_tile::<F, V, 1, C>([&mut z[..]], o0, I, |i| &columns[i], |i, _| x[i]);
    }
}

/// The parameter gradients of `z[b] = bias + W·x[b]` over transposed
/// weights, for dL/dz `dz[b]`: adds every sample's dz into `bias_grad` and
/// dz[b]·x[b][i] into column `i`'s gradient, sample after sample, in tiles
/// of `R` columns by [`TILE_COLUMNS`] registers of `S`.
#[inline(always)]
pub(crate) fn matmat_t_param_grads<F, S, const R: usize, const I: usize, const O: usize, const B: usize>(
    x: &[&[F; I]; B],
    dz: &[&[F; O]; B],
    bias_grad: &mut [F; O],
    column_grads: &mut [[F; O]; I],
) where
    F: Float + Registers<S>,
{
    for dz in dz {
        for (g, &d) in bias_grad.iter_mut().zip(*dz) {
            *g = *g + d;
        }
    }
    for_output_blocks!(<F, S, R, I, O, B>, |o0| weight_grad_block(x, dz, column_grads, o0));
}

/// One block of outputs of [`matmat_t_param_grads`]' weight gradient, `C`
/// vectors `V` from output `o0`, for every column: tiles of `R`
/// columns, then single columns, each summing over the samples in order.
#[inline(always)]
fn weight_grad_block<
    F: Float,
    V: Vector<F>,
    const R: usize,
    const C: usize,
    const I: usize,
    const O: usize,
    const B: usize,
>(
    x: &[&[F; I]; B],
    dz: &[&[F; O]; B],
    column_grads: &mut [[F; O]; I],
    o0: usize,
) {
    let (blocks, rest) = column_grads.as_chunks_mut::<R>();
    let rest_start = blocks.len() * R;
    for (block, columns) in blocks.iter_mut().enumerate() {
        let i0 = block * R;
        let rows = columns.each_mut().map(|row| &mut row[..]);
        outer_tile::<F, V, R, C>(rows, o0, B, |b| dz[b], |b, r| x[b][i0 + r]);
    }
    for (k, column) in rest.iter_mut().enumerate() {
        let i = rest_start + k;
        outer_tile::<F, V, 1, C>([&mut column[..]], o0, B, |b| dz[b], |b, _| x[b][i]);
    }
}

/// dL/dx of `z[b] = bias + W·x[b]` over transposed weights, for dL/dz
/// `dz[b]`: `dx[b][i]` is the [`dot`](super::dot) of stored column `i` with
/// `dz[b]`, in the dot product's order (eight interleaved partial sums over
/// the outputs, combined pairwise, then the tail). Vectorised across the
/// samples: `dz` is transposed once (outputs × samples, the size of `dz`),
/// so that one register holds an output's gradient for several samples and
/// each weight is broadcast once for all of them.
#[inline(always)]
pub(crate) fn matmat_t_input_grad<F, S, const I: usize, const O: usize, const B: usize>(
    columns: &[[F; O]; I],
    dz: &[&[F; O]; B],
    dx: &mut [[F; I]; B],
) where
    F: Float + Registers<S>,
{
    // The two transpositions copy one value at a time: vectorised, either
    // side of a transposition is strided, which LLVM does with AVX-512
    // gathers or scatters (64 of them in the digits MLP's batched
    // backward), so a barrier sits in each inner loop (for the second, one
    // that the SLP vectoriser respects too).
    let mut dz_t = [[F::ZERO; B]; O];
    for (b, dz) in dz.iter().enumerate() {
        for (row, &d) in dz_t.iter_mut().zip(dz.iter()) {
            column_boundary();
            row[b] = d;
        }
    }
    let mut dx_t = [[F::ZERO; B]; I];
    let full = <<F as Registers<S>>::Vector as Vector<F>>::LANES;
    let half = <<F as Registers<S>>::Half as Vector<F>>::LANES;
    let mut b0 = 0;
    while b0 + full <= B {
        input_grad_block::<F, <F as Registers<S>>::Vector, I, O, B>(columns, &dz_t, &mut dx_t, b0);
        b0 += full;
    }
    while b0 + half <= B {
        input_grad_block::<F, <F as Registers<S>>::Half, I, O, B>(columns, &dz_t, &mut dx_t, b0);
        b0 += half;
    }
    while b0 < B {
        input_grad_block::<F, Scalar<F>, I, O, B>(columns, &dz_t, &mut dx_t, b0);
        b0 += 1;
    }
    for (b, dx) in dx.iter_mut().enumerate() {
        for (d, column) in dx.iter_mut().zip(&dx_t) {
            *d = column[b];
            store_boundary(d);
        }
    }
}

/// One block of samples of [`matmat_t_input_grad`], one vector `V` of them
/// from sample `b0`, for every input.
#[inline(always)]
fn input_grad_block<F: Float, V: Vector<F>, const I: usize, const O: usize, const B: usize>(
    columns: &[[F; O]; I],
    dz_t: &[[F; B]; O],
    dx_t: &mut [[F; B]; I],
    b0: usize,
) {
    let dz = |o: usize| V::load(dz_t[o].get(b0..).unwrap_or_default());
    let eights = O / 8;
    for (column, out) in columns.iter().zip(dx_t.iter_mut()) {
        let mut acc = [V::splat(F::ZERO); 8];
        for e in 0..eights {
            for (j, a) in acc.iter_mut().enumerate() {
                let o = e * 8 + j;
                *a = a.add(V::splat(column[o]).mul(dz(o)));
            }
        }
        let mut rest = V::splat(F::ZERO);
        for (o, &w) in column.iter().enumerate().skip(eights * 8) {
            rest = rest.add(V::splat(w).mul(dz(o)));
        }
        let quads = [acc[0].add(acc[4]), acc[1].add(acc[5]), acc[2].add(acc[6]), acc[3].add(acc[7])];
        let sum = quads[0].add(quads[2]).add(quads[1].add(quads[3])).add(rest);
        sum.store(out.get_mut(b0..).unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use crate::kernel::dispatch::{Level, available};
    use crate::kernel::matvec::{matvec_t_input_grad, matvec_t_param_grads};
    use crate::kernel::matvec_t;
    use crate::kernel::{at, matmat_t};

    fn value(k: usize) -> f32 {
        ((k * 7919 % 1013) as f32 / 1013.0 - 0.5) * 3.7
    }

    fn bits<const N: usize, const M: usize>(values: &[[f32; N]; M]) -> Vec<u32> {
        values.as_flattened().iter().map(|v| v.to_bits()).collect()
    }

    /// Every tile shape and remainder (rows past the last full block,
    /// outputs past the last full register, fewer outputs than a register)
    /// gives the bits of the per-sample kernels, in `f32` and `f64`, at
    /// `level`.
    fn check<const I: usize, const O: usize, const B: usize>(level: Level) {
        let columns: [[f32; O]; I] = core::array::from_fn(|i| core::array::from_fn(|o| value(i * O + o)));
        let x: [[f32; I]; B] = core::array::from_fn(|b| core::array::from_fn(|i| value(b * I + i + 5000)));
        let bias: [f32; O] = core::array::from_fn(|o| value(o + 9000));
        let dz: [[f32; O]; B] = core::array::from_fn(|b| core::array::from_fn(|o| value(b * O + o + 13000)));
        let inputs: [&[f32; I]; B] = core::array::from_fn(|b| &x[b]);
        let d_outputs: [&[f32; O]; B] = core::array::from_fn(|b| &dz[b]);
        let case = format!("{level:?}, I = {I}, O = {O}, B = {B}");

        let mut expected = [bias; B];
        for (z, x) in expected.iter_mut().zip(&x) {
            matvec_t(z, &columns, x);
        }
        let mut z = [bias; B];
        at::matmat_t(level, &mut z, &columns, &inputs);
        assert_eq!(bits(&z), bits(&expected), "forward, {case}");

        let (mut bias_expected, mut grads_expected) = (bias, columns);
        for (x, dz) in x.iter().zip(&dz) {
            matvec_t_param_grads(x, dz, &mut bias_expected, &mut grads_expected, |c| &mut c[..]);
        }
        let (mut bias_grad, mut grads) = (bias, columns);
        at::matmat_t_param_grads(level, &inputs, &d_outputs, &mut bias_grad, &mut grads);
        assert_eq!(bias_grad.map(f32::to_bits), bias_expected.map(f32::to_bits), "bias, {case}");
        assert_eq!(bits(&grads), bits(&grads_expected), "weights, {case}");

        let dx_expected: [[f32; I]; B] = core::array::from_fn(|b| matvec_t_input_grad(&columns, &dz[b], |c| &c[..]));
        let mut dx = [[0.0; I]; B];
        at::matmat_t_input_grad(level, &columns, &d_outputs, &mut dx);
        assert_eq!(bits(&dx), bits(&dx_expected), "input gradient, {case}");

        let columns64 = columns.map(|c| c.map(f64::from));
        let x64 = x.map(|x| x.map(f64::from));
        let inputs64: [&[f64; I]; B] = core::array::from_fn(|b| &x64[b]);
        let mut expected64 = [bias.map(f64::from); B];
        for (z, x) in expected64.iter_mut().zip(&x64) {
            matvec_t(z, &columns64, x);
        }
        let mut z64 = [bias.map(f64::from); B];
        at::matmat_t(level, &mut z64, &columns64, &inputs64);
        assert_eq!(z64.map(|z| z.map(f64::to_bits)), expected64.map(|z| z.map(f64::to_bits)), "f64, {case}");
    }

    #[test]
    fn batched_kernels_keep_the_per_sample_bits() {
        for level in available() {
            check::<1, 1, 1>(level);
            check::<3, 2, 5>(level);
            check::<7, 5, 3>(level);
            check::<4, 8, 4>(level);
            check::<5, 16, 7>(level);
            check::<6, 33, 9>(level);
            // The wide shapes take minutes in Miri (which runs the build's
            // copy only); the narrow ones above cover every remainder.
            #[cfg(not(miri))]
            {
                check::<9, 64, 13>(level);
                check::<11, 70, 8>(level);
                check::<2, 100, 17>(level);
                check::<64, 128, 32>(level);
            }
        }
    }

    /// The entry point runs one of the copies, so it gives their bits too.
    #[test]
    fn the_entry_point_gives_the_copies_bits() {
        let columns: [[f32; 40]; 24] = core::array::from_fn(|i| core::array::from_fn(|o| value(i * 40 + o)));
        let x: [[f32; 24]; 7] = core::array::from_fn(|b| core::array::from_fn(|i| value(b * 24 + i + 777)));
        let inputs: [&[f32; 24]; 7] = core::array::from_fn(|b| &x[b]);
        let mut z = [[0.5; 40]; 7];
        matmat_t(&mut z, &columns, &inputs);
        let mut expected = [[0.5; 40]; 7];
        at::matmat_t(Level::Build, &mut expected, &columns, &inputs);
        assert_eq!(bits(&z), bits(&expected));
    }
}
