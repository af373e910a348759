//! The numeric kernels shared by the layers.
//!
//! Every kernel fixes its summation order once, for every target: no
//! `mul_add`, no reassociation left to the optimiser. Rust never contracts
//! `a * b + c` into a fused multiply-add, so these loops give the same bits on
//! x86-64 and on a Cortex-M4F (DESIGN.md, property 7). Speed comes from the
//! shape of the loops: the inner loops run over independent accumulators,
//! which the compiler vectorises without changing any sum.
//!
//! The matrix kernels below are entry points that [`dispatch`] runs at the
//! widest instruction set the CPU has (on x86-64; elsewhere at the build's).
//! An instruction set changes how many lanes an operation covers, never
//! which operations run, so every one gives the same bits.

mod barrier;
mod dispatch;
mod matvec;
#[cfg(target_arch = "x86_64")]
mod simd;
#[cfg(target_arch = "x86_64")]
mod tile;
mod vector;

use crate::Float;
use dispatch::dispatched;
pub(crate) use matvec::dot;
pub(crate) use vector::{Scalar, Vector};

/// The registers an instruction set `S` holds values of this type in: a
/// full register and a half-width one (or [`Scalar`]) for the values past
/// the last full register.
pub trait Registers<S>: Sized {
    /// A full register.
    type Vector: Vector<Self>;
    /// A register of half as many lanes, or [`Scalar`].
    type Half: Vector<Self>;
}

#[cfg(target_arch = "x86_64")]
pub use simd::{Avx, Avx512, Build, Sse2};

/// The registers of every instruction set the kernels run at: on x86-64
/// SSE2, AVX and AVX-512F, elsewhere one [`Scalar`] lane. A supertrait of
/// [`Float`], sealed with it.
#[cfg(target_arch = "x86_64")]
pub trait Simd: Registers<Sse2> + Registers<Avx> + Registers<Avx512> {}

/// The registers of every instruction set the kernels run at: on x86-64
/// SSE2, AVX and AVX-512F, elsewhere one [`Scalar`] lane. A supertrait of
/// [`Float`], sealed with it.
#[cfg(not(target_arch = "x86_64"))]
pub trait Simd: Registers<Build> {}

/// The one instruction set off x86-64: one value at a time (the compiler
/// may still vectorise the scalar loops, as on AArch64).
#[cfg(not(target_arch = "x86_64"))]
#[derive(Clone, Copy, Debug)]
pub struct Build;

#[cfg(not(target_arch = "x86_64"))]
impl Registers<Build> for f32 {
    type Vector = Scalar<f32>;
    type Half = Scalar<f32>;
}

#[cfg(not(target_arch = "x86_64"))]
impl Registers<Build> for f64 {
    type Vector = Scalar<f64>;
    type Half = Scalar<f64>;
}

impl Simd for f32 {}
impl Simd for f64 {}

/// An element-wise update of three values from four, written once for any
/// [`Vector`] (a closure cannot be generic over the vector type).
pub(crate) trait Lanewise<F>: Copy {
    /// The new `(a, c, d)` from `(a, b, c, d)`.
    fn apply<V: Vector<F>>(self, a: V, b: V, c: V, d: V) -> (V, V, V);
}

dispatched! {
    /// `a[k] = f(a[k], b[k])` for every `k` of the shorter slice: an
    /// optimiser's element-wise update from the gradients.
    widest Avx512: fn zip_update[F: Float](a: &mut [F], b: &[F], f: impl Fn(F, F) -> F) {
        for (a, &b) in a.iter_mut().zip(b) {
            *a = f(*a, b);
        }
    }

    /// Multiplies every value by `scale`; whether every product is finite.
    /// One pass with no early exit, so that it vectorises.
    widest Avx512: fn scale_all_finite[F: Float](values: &mut [F], scale: F) -> bool {
        let mut finite = true;
        for v in values.iter_mut() {
            *v = *v * scale;
            finite &= v.is_finite();
        }
        finite
    }

    /// Whether every value is finite: [`scale_all_finite`] by one, which
    /// changes no value, without the stores. One pass with no early exit,
    /// so that it vectorises.
    widest Avx512: fn all_finite[F: Float](values: &[F]) -> bool {
        let mut finite = true;
        for v in values {
            finite &= v.is_finite();
        }
        finite
    }

    /// Applies `f` to every run of a register's worth of values of the
    /// four slices together — registers loaded from `a`, `b`, `c` and `d`,
    /// the three results stored back into `a`, `c` and `d` — then to the
    /// remaining values one [`Scalar`] at a time. `f` is generic over the
    /// vector type, so the bulk and the remainder compute the same
    /// expression.
    widest Avx512: fn zip4_update[F: Float](a: &mut [F], b: &[F], c: &mut [F], d: &mut [F], f: impl Lanewise<F>) {
        type Register<F> = <F as Registers<Isa>>::Vector;
        let lanes = <Register<F> as Vector<F>>::LANES;
        let n = a.len().min(b.len()).min(c.len()).min(d.len());
        let bulk = n - n % lanes;
        let mut k = 0;
        while k < bulk {
            let (a, b, c, d) = (&mut a[k..], &b[k..], &mut c[k..], &mut d[k..]);
            let load = <Register<F> as Vector<F>>::load;
            let (ra, rc, rd) = f.apply(load(a), load(b), load(c), load(d));
            ra.store(a);
            rc.store(c);
            rd.store(d);
            k += lanes;
        }
        for (((a, &b), c), d) in a[bulk..n].iter_mut().zip(&b[bulk..n]).zip(&mut c[bulk..n]).zip(&mut d[bulk..n]) {
            let (ra, rc, rd) = f.apply(Scalar(*a), Scalar(b), Scalar(*c), Scalar(*d));
            (*a, *c, *d) = (ra.0, rc.0, rd.0);
        }
    }

    /// `values[k] = f(values[k])` for every `k`, in place: an element-wise
    /// activation, which vectorises over the values when `f` inlines (the
    /// `f32` tanh and sigmoid are plain arithmetic for that reason).
    widest Avx512: fn map_in_place[F: Float, const N: usize](values: &mut [F; N], f: impl Fn(F) -> F) {
        for v in values.iter_mut() {
            *v = f(*v);
        }
    }

    /// [`map_in_place`] over a run of values of any length: a whole
    /// feature map, flattened, in one loop (a loop per row took the
    /// firmware's `cnn_digits` 22,939 instructions per inference on the
    /// Cortex-M4F, flattened 22,452). A vector keeps the array version,
    /// whose length is a constant: with it, the digits MLP's inference is
    /// about 3% faster on the host than through this one.
    widest Avx512: fn map_slice_in_place[F: Float](values: &mut [F], f: impl Fn(F) -> F) {
        for v in values.iter_mut() {
            *v = f(*v);
        }
    }

    /// [`matvec_t`] for layers of at most
    /// [`REGISTER_OUTPUTS`](matvec::REGISTER_OUTPUTS) outputs:
    /// [`matvec::matvec_t_registers`].
    widest Avx: fn matvec_t_registers[F: Float, const I: usize, const O: usize](
        z: &mut [F; O],
        columns: &[[F; O]; I],
        x: &[F; I],
    ) {
        matvec::matvec_t_registers(z, columns, x)
    }

    /// `z = z + W·x` over transposed weights whose columns `flat` sees as
    /// flat slices (a gate block of a recurrent layer), each output summed
    /// in input order: [`matvec::matvec_t_columns`].
    widest Avx512: fn matvec_t_columns[F: Float, C](z: &mut [F], columns: &[C], x: &[F], flat: impl Fn(&C) -> &[F]) {
        matvec::matvec_t_columns(z, columns, x, flat)
    }

    /// The parameter gradients of `z = bias + W·x` over transposed weights,
    /// for dL/dz `dz`: [`matvec::matvec_t_param_grads`].
    widest Avx512: fn matvec_t_param_grads[F: Float, C](
        x: &[F],
        dz: &[F],
        bias_grad: &mut [F],
        column_grads: &mut [C],
        flat_mut: impl Fn(&mut C) -> &mut [F],
    ) {
        matvec::matvec_t_param_grads(x, dz, bias_grad, column_grads, flat_mut)
    }

    /// dL/dx of `z = bias + W·x` over transposed weights, for dL/dz `dz`:
    /// [`matvec::matvec_t_input_grad`]. At most AVX2: a [`dot`]'s eight
    /// partial sums fill one 256-bit register and no wider one.
    widest Avx: fn matvec_t_input_grad[F: Float, C, const N: usize](columns: &[C; N], dz: &[F], flat: impl Fn(&C) -> &[F]) -> [F; N] {
        matvec::matvec_t_input_grad(columns, dz, flat)
    }

    /// `z[b] = z[b] + W·x[b]` for every sample (with `z` holding the bias),
    /// over transposed weights, each output summed in input order: on x86-64
    /// the register-tiled [`tile::matmat_t`], elsewhere one
    /// [`matvec_t`] per sample. Both sum in the per-sample order.
    widest Avx512: fn matmat_t[F: Float, const I: usize, const O: usize, const B: usize](
        z: &mut [[F; O]; B],
        columns: &[[F; O]; I],
        x: &[&[F; I]; B],
    ) {
        #[cfg(target_arch = "x86_64")]
        tile::matmat_t::<F, Isa, { Isa::TILE_ROWS }, I, O, B>(z, columns, x);
        #[cfg(not(target_arch = "x86_64"))]
        for (z, x) in z.iter_mut().zip(x) {
            super::matvec_t(z, columns, x);
        }
    }

    /// dL/dx of a batch through `z[b] = bias + W·x[b]` over transposed
    /// weights, for dL/dz `dz[b]`, each sample's in the per-sample order: on
    /// x86-64 [`tile::matmat_t_input_grad`], vectorised across the samples,
    /// elsewhere one [`matvec::matvec_t_input_grad`] per sample.
    widest Avx512: fn matmat_t_input_grad[F: Float, const I: usize, const O: usize, const B: usize](
        columns: &[[F; O]; I],
        dz: &[&[F; O]; B],
        dx: &mut [[F; I]; B],
    ) {
        #[cfg(target_arch = "x86_64")]
        tile::matmat_t_input_grad::<F, Isa, I, O, B>(columns, dz, dx);
        #[cfg(not(target_arch = "x86_64"))]
        for (dx, dz) in dx.iter_mut().zip(dz) {
            *dx = matvec::matvec_t_input_grad(columns, *dz, |c| &c[..]);
        }
    }

    /// The parameter gradients of a batch through `z[b] = bias + W·x[b]`,
    /// for dL/dz `dz[b]`, accumulated sample after sample: on x86-64 the
    /// register-tiled [`tile::matmat_t_param_grads`], elsewhere one
    /// [`matvec::matvec_t_param_grads`] per sample.
    widest Avx512: fn matmat_t_param_grads[F: Float, const I: usize, const O: usize, const B: usize](
        x: &[&[F; I]; B],
        dz: &[&[F; O]; B],
        bias_grad: &mut [F; O],
        column_grads: &mut [[F; O]; I],
    ) {
        #[cfg(target_arch = "x86_64")]
        tile::matmat_t_param_grads::<F, Isa, { Isa::TILE_ROWS }, I, O, B>(x, dz, bias_grad, column_grads);
        #[cfg(not(target_arch = "x86_64"))]
        for (x, dz) in x.iter().zip(dz) {
            matvec::matvec_t_param_grads(*x, *dz, bias_grad, column_grads, |c| &mut c[..]);
        }
    }
}

/// `z[o] = ((z[o] + columns[0][o]·x[0]) + columns[1][o]·x[1]) + …` for every
/// `o`: a matrix-vector product over column-major (transposed) weights, each
/// output summed in increasing input order — exactly the sums of repeated
/// [`matvec::axpy`], so exactly its bits.
///
/// Two loop shapes, chosen by the layer's width alone (so the same on every
/// target), with the same sums:
///
/// * Up to [`REGISTER_OUTPUTS`](matvec::REGISTER_OUTPUTS) outputs: one pass
///   over the inputs, in order, with every output's sum in a register
///   (blocks of 32, 16, 8, 4, 2 and 1, at most one of each, written out
///   rather than looped over so that no opt-level leaves them in memory). The weights are read once, in storage
///   order. On a Cortex-M4F this is the short loop: one load and one
///   multiply-add per weight (the 1-16-16-1 sine model: 825 instructions for
///   `infer` at opt-level 3, against 1,010 for the passes below).
/// * Wider layers: the inputs are taken four at a time, each taking one pass
///   over `z` that adds four terms to each output, in order; the compiler
///   vectorises the pass over the outputs, and each partial sum goes through
///   memory once per four multiply-adds. Blocks of outputs kept in registers
///   over all the inputs were measured slower here on x86-64 (13% at 64×64,
///   40% at 128×128): they read each column in short strided pieces instead
///   of streaming through the weights.
///
/// Each shape is its own [dispatched](dispatch) kernel: the first, a chain
/// of dependent additions per register, runs at most at AVX2.
#[inline]
pub(crate) fn matvec_t<F: Float, const I: usize, const O: usize>(z: &mut [F; O], columns: &[[F; O]; I], x: &[F; I]) {
    if O <= matvec::REGISTER_OUTPUTS {
        matvec_t_registers(z, columns, x);
    } else {
        matvec_t_columns(z, columns, x, |column| &column[..]);
    }
}

/// The backward pass of `z = bias + W·x` over transposed weights, each
/// input's column seen flat through `flat` / `flat_mut` (as in
/// [`matvec_t_columns`]), for dL/dz `dz`: [`matvec_t_param_grads`], then
/// dL/dx from [`matvec_t_input_grad`].
#[inline]
pub(crate) fn matvec_t_backprop<F: Float, C, const N: usize>(
    columns: &[C; N],
    x: &[F; N],
    dz: &[F],
    bias_grad: &mut [F],
    column_grads: &mut [C; N],
    flat: impl Fn(&C) -> &[F],
    flat_mut: impl Fn(&mut C) -> &mut [F],
) -> [F; N] {
    matvec_t_param_grads(x, dz, bias_grad, column_grads, flat_mut);
    matvec_t_input_grad(columns, dz, flat)
}

#[cfg(test)]
mod tests {
    use super::dispatch::{Level, available};
    use super::*;

    /// A lane-wise update that uses every [`Vector`] operation.
    #[derive(Clone, Copy)]
    struct Mix;

    impl Lanewise<f32> for Mix {
        fn apply<V: Vector<f32>>(self, a: V, b: V, c: V, d: V) -> (V, V, V) {
            let root = c.mul(c).add(d.mul(d)).sqrt();
            (a.add(b.div(root.add(V::splat(0.5)))), c.sub(b), root)
        }
    }

    /// The element-wise kernels give the build's bits at every instruction
    /// set this CPU runs, over lengths that leave a remainder, and with
    /// non-finite values among the inputs (NaN where NaN).
    #[test]
    fn element_wise_kernels_give_the_same_bits_everywhere() {
        let value = |k: usize| match k % 37 {
            5 => f32::NAN,
            11 => f32::INFINITY,
            17 => -0.0,
            _ => ((k * 7919 % 1013) as f32 / 1013.0 - 0.5) * 23.0,
        };
        let run = |level| {
            let mut values: [f32; 77] = core::array::from_fn(value);
            at::map_in_place(level, &mut values, crate::Float::tanh);
            let mut run: [f32; 77] = core::array::from_fn(|k| value(k + 500));
            at::map_slice_in_place(level, &mut run[..], crate::Float::sigmoid);
            let mut a: [f32; 45] = core::array::from_fn(|k| value(k + 100));
            let b: [f32; 45] = core::array::from_fn(|k| value(k + 200));
            let mut c: [f32; 45] = core::array::from_fn(|k| value(k + 300));
            let mut d: [f32; 45] = core::array::from_fn(|k| value(k + 400));
            at::zip4_update(level, &mut a, &b, &mut c, &mut d, Mix);
            at::zip_update(level, &mut c, &b, |c, b| c - 0.25 * b);
            let finite = at::scale_all_finite(level, &mut d, 1e37);
            assert_eq!(finite, d.iter().all(|v| v.is_finite()), "{level:?}");
            assert_eq!(at::all_finite(level, &d), finite, "{level:?}");
            assert!(at::all_finite(level, &b[..3]) && !at::all_finite(level, &values), "{level:?}");
            // Any NaN counts as one value: which NaN an operation returns is
            // not fixed (Miri picks its payload at random).
            let bits = |x: &f32| if x.is_nan() { u32::MAX } else { x.to_bits() };
            [&values[..], &run, &a, &c, &d].map(|v| v.iter().map(bits).collect::<Vec<_>>())
        };
        let expected = run(Level::Build);
        for level in available() {
            assert!(run(level) == expected, "{level:?}");
        }
    }
}
