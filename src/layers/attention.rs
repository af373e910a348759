//! Attention: [`sdpa`], scaled dot-product attention, and
//! [`MultiHeadAttention`], PyTorch's `nn.MultiheadAttention` for
//! self-attention and cross-attention, optionally with a causal mask
//! ([`Causal`]) and a key-padding length ([`Padded`]).

use core::fmt;
use core::marker::PhantomData;
use core::ops::Range;

use rand::Rng;

use crate::kernel::{dot, matvec_t_backprop, matvec_t_columns};
use crate::layer::SameShape;
use crate::layers::Dense;
use crate::model::{Tensor, TensorMut, write_array, write_rows};
use crate::{
    Backprop, Float, Incremental, Init, Layer, Layout, Mode, Model, Module, ParamKind, PerSample, Position, Sequence,
    Shape, TrainMode,
};

/// Which keys a query may attend to: a mask type of [`MultiHeadAttention`]
/// and of [`sdpa`]. Masks are types, so the choice is part of the model's
/// type and costs nothing at run time.
///
/// PyTorch describes a mask by a bool tensor whose `true` entries are
/// *masked*; [`allows`](AttentionMask::allows) is its negation.
pub trait AttentionMask: Copy + Default {
    /// The mask's Rust path, for [`Model::write_rust`] and messages.
    const NAME: &'static str;

    /// Whether query `query` may attend to key `key` (PyTorch's mask is
    /// `!allows(query, key)`).
    fn allows(query: usize, key: usize) -> bool;
}

/// No mask: every query attends to every key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NoMask;

impl AttentionMask for NoMask {
    const NAME: &'static str = "constnet::layers::NoMask";

    #[inline(always)]
    fn allows(_query: usize, _key: usize) -> bool {
        true
    }
}

/// The causal mask: query `t` attends to keys `0..=t` only, as PyTorch's
/// `attn_mask` that is `true` where key > query (what
/// `nn.Transformer.generate_square_subsequent_mask` gives, as a bool mask).
/// Every query sees at least its own key, so no row is fully masked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Causal;

impl AttentionMask for Causal {
    const NAME: &'static str = "constnet::layers::Causal";

    #[inline(always)]
    fn allows(query: usize, key: usize) -> bool {
        key <= query
    }
}

/// Scaled dot-product attention, softmax(q·kᵀ/√DK)·v with the softmax over
/// the keys — PyTorch's `torch.nn.functional.scaled_dot_product_attention`
/// for one sequence (no dropout): `q` is `[TQ][DK]`, `k` `[TK][DK]`, `v`
/// `[TK][DV]`, the result `[TQ][DV]`. `mask` selects the keys each query
/// sees ([`NoMask`], [`Causal`]).
///
/// The softmax is stable (the largest allowed score is subtracted first).
/// A query for which the mask allows no key at all gets attention weights
/// of zero and a zero output — PyTorch gives NaN there; zero is defined,
/// finite and has a zero gradient. NaN or infinite inputs propagate as IEEE
/// values and never panic.
///
/// ```
/// use constnet::layers::{NoMask, sdpa};
///
/// let q = [[1.0_f64, 0.0]];
/// let k = [[1.0, 0.0], [0.0, 1.0]];
/// let v = [[10.0], [20.0]];
/// let [[y]] = sdpa(&q, &k, &v, NoMask);
/// // Scores 1/√2 and 0: the first key gets weight σ(1/√2).
/// let p = 1.0 / (1.0 + (-1.0 / 2.0_f64.sqrt()).exp());
/// assert!((y - (10.0 * p + 20.0 * (1.0 - p))).abs() < 1e-12);
/// ```
pub fn sdpa<F: Float, Mk: AttentionMask, const TQ: usize, const TK: usize, const DK: usize, const DV: usize>(
    q: &[[F; DK]; TQ],
    k: &[[F; DK]; TK],
    v: &[[F; DV]; TK],
    mask: Mk,
) -> [[F; DV]; TQ] {
    sdpa_forward(q, k, v, mask).0
}

/// [`sdpa`], also returning the attention weights `[TQ][TK]` (each row sums
/// to 1 over its allowed keys, masked keys 0), which
/// [`sdpa_backward`] needs.
pub fn sdpa_forward<F: Float, Mk: AttentionMask, const TQ: usize, const TK: usize, const DK: usize, const DV: usize>(
    q: &[[F; DK]; TQ],
    k: &[[F; DK]; TK],
    v: &[[F; DV]; TK],
    _mask: Mk,
) -> ([[F; DV]; TQ], [[F; TK]; TQ]) {
    let mut out = [[F::ZERO; DV]; TQ];
    let mut weights = [[F::ZERO; TK]; TQ];
    attend::<F, Mk, TQ, TK, DK, DV>(q, k, v, (0..DK, 0..DV), scale_for(DK), (0, TK), &mut out, &mut weights);
    (out, weights)
}

/// The backward pass of [`sdpa`] for dL/d(output) `dy`, given the inputs
/// and the attention weights of [`sdpa_forward`]: (dL/dq, dL/dk, dL/dv).
/// The mask is in the weights (masked weights are zero, so their gradients
/// are too).
///
/// ```
/// use constnet::layers::{Causal, sdpa_backward, sdpa_forward};
///
/// let (q, k, v) = ([[0.5_f64], [1.0]], [[1.0], [-1.0]], [[2.0], [3.0]]);
/// let (_y, weights) = sdpa_forward(&q, &k, &v, Causal);
/// assert_eq!(weights[0], [1.0, 0.0]); // the first query sees only the first key
/// let (dq, _dk, dv) = sdpa_backward(&q, &k, &v, &weights, &[[1.0], [0.0]]);
/// assert_eq!((dq[0], dv[0], dv[1]), ([0.0], [1.0], [0.0]));
/// ```
#[allow(clippy::type_complexity)]
pub fn sdpa_backward<F: Float, const TQ: usize, const TK: usize, const DK: usize, const DV: usize>(
    q: &[[F; DK]; TQ],
    k: &[[F; DK]; TK],
    v: &[[F; DV]; TK],
    weights: &[[F; TK]; TQ],
    dy: &[[F; DV]; TQ],
) -> ([[F; DK]; TQ], [[F; DK]; TK], [[F; DV]; TK]) {
    let mut dq = [[F::ZERO; DK]; TQ];
    let mut dk = [[F::ZERO; DK]; TK];
    let mut dv = [[F::ZERO; DV]; TK];
    let grads = (&mut dq, &mut dk, &mut dv);
    attend_backward::<F, TQ, TK, DK, DV>((q, k, v), weights, dy, (0..DK, 0..DV), scale_for(DK), TK, grads);
    (dq, dk, dv)
}

/// 1/√d, the score scale of a head of width `d`.
fn scale_for<F: Float>(d: usize) -> F {
    F::ONE / F::from_usize(d).sqrt()
}

/// The attention kernel shared by [`sdpa`] and every head of
/// [`MultiHeadAttention`]: attention of queries `q[t][qk]` over keys
/// `k[j][qk]` and values `v[j][vr]`, where `qk` and `vr` are feature ranges
/// of the rows (a head's slice of the projections). Query `t` stands at
/// position `first_query + t` for the mask (0 for a whole sequence; the
/// newest position when decoding step by step). Only the first `keys` keys
/// exist (a key-padding length, `keys <= TK`): the others are masked, and
/// their rows of `k` and `v` are never read. Writes the outputs into
/// `out[t][vr]` and the weights into `weights[t]`.
///
/// Each score is `dot(q, k)·scale`, summed by [`dot`]; each output element
/// sums `weight·v` over the keys in increasing order. With `keys` below
/// `TK`, every sum has exactly the terms and bits of the same attention over
/// a `k` and `v` of `keys` rows.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn attend<F: Float, Mk: AttentionMask, const TQ: usize, const TK: usize, const NQ: usize, const NV: usize>(
    q: &[[F; NQ]; TQ],
    k: &[[F; NQ]; TK],
    v: &[[F; NV]; TK],
    (qk, vr): (Range<usize>, Range<usize>),
    scale: F,
    (first_query, keys): (usize, usize),
    out: &mut [[F; NV]; TQ],
    weights: &mut [[F; TK]; TQ],
) {
    for (t, (row, p)) in out.iter_mut().zip(weights.iter_mut()).enumerate() {
        let position = first_query + t;
        let query = &q[t][qk.clone()];
        let mut max = F::neg_infinity();
        let mut any = false;
        for (j, (pj, key)) in p.iter_mut().zip(k).enumerate().take(keys) {
            if Mk::allows(position, j) {
                *pj = dot(query, &key[qk.clone()]) * scale;
                max = max.max(*pj);
                any = true;
            }
        }
        let mut sum = F::ZERO;
        for (j, pj) in p.iter_mut().enumerate() {
            *pj = if any && j < keys && Mk::allows(position, j) { (*pj - max).exp() } else { F::ZERO };
            sum = sum + *pj;
        }
        let row = &mut row[vr.clone()];
        row.fill(F::ZERO);
        if !any {
            continue;
        }
        // Masked keys are skipped, not weighted by zero: a value the mask
        // hides (a later step's, under `Causal`) never reaches the output,
        // even when it is NaN or infinite. For finite values the bits are
        // those of adding the zero terms.
        for (j, (pj, value)) in p.iter_mut().zip(v).enumerate().take(keys) {
            if !Mk::allows(position, j) {
                continue;
            }
            *pj = *pj / sum;
            for (o, &x) in row.iter_mut().zip(&value[vr.clone()]) {
                *o = *o + *pj * x;
            }
        }
    }
}

/// The backward pass of [`attend`] over the same feature ranges and the
/// same `keys`: adds dL/dq, dL/dk and dL/dv into `dq[t][qk]`, `dk[j][qk]`
/// and `dv[j][vr]` for keys `j < keys` (the rows of the others are neither
/// read nor written).
///
/// With dP_j = dy·v_j, the softmax's Jacobian gives the score gradient
/// ds_j = P_j·(dP_j − Σ_i P_i·dP_i); then dq_t += scale·Σ_j ds_j·k_j,
/// dk_j += scale·ds_j·q_t and dv_j += P_j·dy_t.
#[allow(clippy::type_complexity)]
fn attend_backward<F: Float, const TQ: usize, const TK: usize, const NQ: usize, const NV: usize>(
    (q, k, v): (&[[F; NQ]; TQ], &[[F; NQ]; TK], &[[F; NV]; TK]),
    weights: &[[F; TK]; TQ],
    dy: &[[F; NV]; TQ],
    (qk, vr): (Range<usize>, Range<usize>),
    scale: F,
    keys: usize,
    (dq, dk, dv): (&mut [[F; NQ]; TQ], &mut [[F; NQ]; TK], &mut [[F; NV]; TK]),
) {
    for t in 0..TQ {
        let (p, d_out) = (&weights[t], &dy[t][vr.clone()]);
        // Keys of weight zero (masked ones) add exact zeros for finite
        // values, so they are skipped: a masked NaN or infinite value never
        // reaches a gradient, as it never reaches the output.
        let dp: [F; TK] =
            core::array::from_fn(|j| if j < keys && p[j] != F::ZERO { dot(d_out, &v[j][vr.clone()]) } else { F::ZERO });
        let weighted =
            p.iter().zip(&dp).take(keys).filter(|(pj, _)| **pj != F::ZERO).fold(F::ZERO, |s, (&pj, &dj)| s + pj * dj);
        for j in 0..keys.min(TK) {
            let pj = p[j];
            if pj == F::ZERO {
                continue;
            }
            for (g, &d) in dv[j][vr.clone()].iter_mut().zip(d_out) {
                *g = *g + pj * d;
            }
            let ds = pj * (dp[j] - weighted) * scale;
            for (g, &key) in dq[t][qk.clone()].iter_mut().zip(&k[j][qk.clone()]) {
                *g = *g + ds * key;
            }
            for (g, &query) in dk[j][qk.clone()].iter_mut().zip(&q[t][qk.clone()]) {
                *g = *g + ds * query;
            }
        }
    }
}

/// Multi-head attention over embeddings of width `E` with `HEADS` heads:
/// PyTorch's `nn.MultiheadAttention(E, HEADS, bias=True, batch_first=True)`
/// used for self-attention, `mha(x, x, x)`, or cross-attention,
/// `mha(query, memory, memory)` (see *Inputs* below), with the mask `Mk` —
/// [`NoMask`] or [`Causal`] (PyTorch's `attn_mask` that is `true` where
/// key > query).
///
/// It maps a [`Sequence`]`<[F; E], T>` to a `Sequence<[F; E], T>`, any `T`:
///
/// * q, k, v = x·W_qᵀ + b_q, x·W_kᵀ + b_k, x·W_vᵀ + b_v for every step;
/// * head `h` takes features `h·d..(h+1)·d` of each (d = E/HEADS) and
///   computes softmax(q_h·k_hᵀ/√d)·v_h (see [`sdpa`]; stable softmax over the
///   keys);
/// * the heads are concatenated in order and projected by `out_proj`, a
///   [`Dense<E, E>`](Dense): y = concat·W_oᵀ + b_o.
///
/// `E` must be divisible by `HEADS`: checked at compile time (a build
/// error naming `E` and `HEADS`). Dropout is not part of the layer.
///
/// # Parameters
///
/// Exactly PyTorch's, under its names (the state dict has `in_proj_weight`,
/// `in_proj_bias`, `out_proj.weight`, `out_proj.bias`): `in_proj_weight`
/// `[3E][E]` (rows `0..E` are W_q, `E..2E` W_k, `2E..3E` W_v, each
/// `[out][in]`), `in_proj_bias [3E]`, `out_proj.weight [E][E]` and
/// `out_proj.bias [E]`. Both weights are stored transposed
/// ([`Layout::Transposed`]), as in [`Dense`]. Since `3E` cannot be written
/// as an array length on stable Rust, the API takes and gives
/// `in_proj_weight` as three blocks `[[[F; E]; E]; 3]` (q, k, v) and
/// `in_proj_bias` as `[[F; E]; 3]` — the same values in the same order.
///
/// [`initialize_with`](Model::initialize_with) draws `in_proj_weight` with
/// the scheme's fans of its `[3E][E]` shape (the default,
/// [`Init::XavierUniform`], is PyTorch's `xavier_uniform_`), then
/// `out_proj.weight` as a `Dense<E, E>` (PyTorch uses its `Linear`'s
/// Kaiming-uniform init there; this library's scheme is used instead);
/// the biases are zero, as PyTorch's.
///
/// # Inputs
///
/// * A `Sequence<[F; E], T>`: self-attention, `mha(x, x, x)`.
/// * A [`Padded`]`<Sequence<[F; E], T>>`: self-attention with a key-padding
///   length, PyTorch's `key_padding_mask` true at the steps `len..T`.
/// * A pair `(query, memory)` of a `Sequence<[F; E], TQ>` and a
///   `Sequence<[F; E], TK>` (or a `Padded` one): cross-attention,
///   `mha(query, memory, memory)`, giving `TQ` steps; the backward pass
///   returns the pair `(dquery, dmemory)`. [`Causal`] masks key `j` for
///   query `t` when `j > t`, as PyTorch's `triu(ones(TQ, TK), 1)`.
///
/// Training keeps, per sequence, the input, q, k, v, every head's attention
/// weights and the concatenated heads, all sized at compile time
/// ([`AttentionTape`], [`CrossAttentionTape`]). A [`Batch`](crate::Batch)
/// of inputs runs input by input.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::Causal;
///
/// type Attention = MultiHeadAttention<8, 2>;
/// const _: () = assert!(<Attention as Model>::PARAMS == 3 * 8 * 8 + 3 * 8 + 8 * 8 + 8);
/// let mha = Attention::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// let x = Sequence::new([[0.5_f32; 8], [-0.5; 8], [1.0; 8]]);
/// let y: Sequence<[f32; 8], 3> = mha.forward(&x);
/// assert!(y.0.iter().flatten().all(|v| v.is_finite()));
///
/// // The causal variant: the first step sees only itself, so it does not
/// // depend on the later steps.
/// let causal: MultiHeadAttention<8, 2, f32, Causal> =
///     MultiHeadAttention::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// let other = Sequence::new([[0.5_f32; 8], [3.0; 8], [-2.0; 8]]);
/// assert_eq!(causal.forward(&x).0[0], causal.forward(&other).0[0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MultiHeadAttention<const E: usize, const HEADS: usize, F = f32, Mk = NoMask> {
    /// `in_proj_weight`, transposed: `in_proj_t[i][b][o]` is PyTorch's
    /// `in_proj_weight[b·E + o][i]` (block `b` = q, k, v).
    in_proj_t: [[[F; E]; 3]; E],
    /// `in_proj_bias` as blocks q, k, v.
    in_proj_bias: [[F; E]; 3],
    /// `out_proj`, a `Linear(E, E)`.
    out_proj: Dense<E, E, F>,
    mask: PhantomData<Mk>,
}

/// The compile-time shape check of a [`MultiHeadAttention`].
macro_rules! heads_check {
    () => {
        const {
            assert!(
                HEADS > 0 && E % HEADS == 0,
                "MultiHeadAttention<E, HEADS>: the embedding width E must be divisible by the number of heads HEADS"
            );
        }
    };
}

impl<const E: usize, const HEADS: usize, F: Float, Mk: AttentionMask> MultiHeadAttention<E, HEADS, F, Mk> {
    /// Builds the layer from PyTorch's tensors: `in_proj_weight [3E][E]` as
    /// three blocks q, k, v of `[E][E]` (`[out][in]`), `in_proj_bias [3E]`
    /// as three blocks, `out_proj.weight [E][E]` and `out_proj.bias [E]`.
    /// A `const fn`, so a model can live in a `static`.
    pub const fn from_weights(
        in_proj_weight: &[[[F; E]; E]; 3],
        in_proj_bias: [[F; E]; 3],
        out_proj_weight: [[F; E]; E],
        out_proj_bias: [F; E],
    ) -> Self {
        heads_check!();
        let mut in_proj_t = [[[F::ZERO; E]; 3]; E];
        let mut b = 0;
        while b < 3 {
            let mut o = 0;
            while o < E {
                let mut i = 0;
                while i < E {
                    in_proj_t[i][b][o] = in_proj_weight[b][o][i];
                    i += 1;
                }
                o += 1;
            }
            b += 1;
        }
        MultiHeadAttention {
            in_proj_t,
            in_proj_bias,
            out_proj: Dense::from_weights(out_proj_weight, out_proj_bias),
            mask: PhantomData,
        }
    }

    /// `in_proj_weight` in PyTorch's layout, as blocks q, k, v of `[E][E]`.
    pub fn in_proj_weight(&self) -> [[[F; E]; E]; 3] {
        core::array::from_fn(|b| core::array::from_fn(|o| core::array::from_fn(|i| self.in_proj_t[i][b][o])))
    }

    /// `in_proj_bias`, as blocks q, k, v.
    pub const fn in_proj_bias(&self) -> &[[F; E]; 3] {
        &self.in_proj_bias
    }

    /// `out_proj`, the output projection.
    pub const fn out_proj(&self) -> &Dense<E, E, F> {
        &self.out_proj
    }

    /// The same weights with another mask.
    pub fn with_mask<Mk2: AttentionMask>(self) -> MultiHeadAttention<E, HEADS, F, Mk2> {
        let MultiHeadAttention { in_proj_t, in_proj_bias, out_proj, .. } = self;
        MultiHeadAttention { in_proj_t, in_proj_bias, out_proj, mask: PhantomData }
    }

    /// q, k and v of every step.
    #[inline(always)]
    fn project<const T: usize>(&self, x: &[[F; E]; T]) -> [[[F; E]; T]; 3] {
        let mut qkv = [[[F::ZERO; E]; T]; 3];
        for (t, x) in x.iter().enumerate() {
            let mut z = self.in_proj_bias;
            matvec_t_columns(z.as_flattened_mut(), &self.in_proj_t, x, |c| c.as_flattened());
            for (block, z) in qkv.iter_mut().zip(z) {
                block[t] = z;
            }
        }
        qkv
    }

    /// q of every query step: block q of the input projection, with the
    /// bits of [`project`](Self::project)'s q.
    fn project_query<const T: usize>(&self, x: &[[F; E]; T]) -> [[F; E]; T] {
        core::array::from_fn(|t| {
            let mut z = self.in_proj_bias[0];
            matvec_t_columns(&mut z, &self.in_proj_t, &x[t], |c| &c[0]);
            z
        })
    }

    /// k and v of the first `keys` memory steps (blocks k and v of the input
    /// projection, with the bits of [`project`](Self::project)'s); the rows
    /// of the padding are left zero, never computed.
    fn project_memory<const T: usize>(&self, m: &[[F; E]; T], keys: usize) -> ([[F; E]; T], [[F; E]; T]) {
        let (mut k, mut v) = ([[F::ZERO; E]; T], [[F::ZERO; E]; T]);
        for (t, m) in m.iter().enumerate().take(keys) {
            let mut z = [self.in_proj_bias[1], self.in_proj_bias[2]];
            matvec_t_columns(z.as_flattened_mut(), &self.in_proj_t, m, |c| c[1..].as_flattened());
            [k[t], v[t]] = z;
        }
        (k, v)
    }

    /// Every head's attention of the queries `q` over the first `keys` of
    /// `k` and `v`, concatenated and projected by `out_proj`: the output,
    /// and what backward needs. The callers (the `Layer` and `Backprop`
    /// methods) check the shape.
    #[allow(clippy::type_complexity)]
    fn attend_heads<const TQ: usize, const TK: usize>(
        &self,
        (q, k, v): ([[F; E]; TQ], [[F; E]; TK], [[F; E]; TK]),
        keys: usize,
    ) -> (Sequence<[F; E], TQ>, Heads<E, HEADS, TQ, TK, F>) {
        let d = E / HEADS;
        let scale = scale_for::<F>(d);
        let mut concat = [[F::ZERO; E]; TQ];
        let mut weights = [[[F::ZERO; TK]; TQ]; HEADS];
        for (h, weights) in weights.iter_mut().enumerate() {
            let features = h * d..(h + 1) * d;
            let queries = (0, keys);
            attend::<F, Mk, TQ, TK, E, E>(
                &q,
                &k,
                &v,
                (features.clone(), features),
                scale,
                queries,
                &mut concat,
                weights,
            );
        }
        let y = Sequence(core::array::from_fn(|t| self.out_proj.eval(&concat[t])));
        (y, Heads { q, k, v, weights, concat, keys })
    }

    /// Every head's attention of the queries `q` over the first `keys` of
    /// `k` and `v`, concatenated and projected by `out_proj`, for inference:
    /// the bits of [`attend_heads`](Self::attend_heads)'s output with no
    /// tape — one head's weights at a time, so the stack holds
    /// `TQ·TK` weights instead of `HEADS·TQ·TK` and no copy of q, k, v.
    /// Query `t` stands at position `first_query + t` for the mask.
    #[allow(clippy::type_complexity)]
    fn infer_heads<const TQ: usize, const TK: usize>(
        &self,
        (q, k, v): (&[[F; E]; TQ], &[[F; E]; TK], &[[F; E]; TK]),
        (first_query, keys): (usize, usize),
    ) -> [[F; E]; TQ] {
        let d = E / HEADS;
        let scale = scale_for::<F>(d);
        let mut concat = [[F::ZERO; E]; TQ];
        let mut weights = [[F::ZERO; TK]; TQ];
        for h in 0..HEADS {
            let features = h * d..(h + 1) * d;
            let queries = (first_query, keys);
            attend::<F, Mk, TQ, TK, E, E>(
                q,
                k,
                v,
                (features.clone(), features),
                scale,
                queries,
                &mut concat,
                &mut weights,
            );
        }
        core::array::from_fn(|t| self.out_proj.eval(&concat[t]))
    }

    /// Self-attention of `x` over its first `keys` steps, for inference.
    fn infer<const T: usize>(&self, x: &[[F; E]; T], keys: usize) -> Sequence<[F; E], T> {
        let [q, k, v] = self.project(x);
        Sequence(self.infer_heads((&q, &k, &v), (0, keys)))
    }

    /// Cross-attention of the queries from `query` over the first `keys`
    /// steps of `memory`, for inference.
    fn infer_cross<const TQ: usize, const TK: usize>(
        &self,
        query: &[[F; E]; TQ],
        memory: &[[F; E]; TK],
        keys: usize,
    ) -> Sequence<[F; E], TQ> {
        let q = self.project_query(query);
        let (k, v) = self.project_memory(memory, keys);
        Sequence(self.infer_heads((&q, &k, &v), (0, keys)))
    }

    /// The backward pass of [`attend_heads`](Self::attend_heads): adds
    /// `out_proj`'s gradients into `grads` and returns dL/dq, dL/dk and
    /// dL/dv (zero in the key padding).
    #[allow(clippy::type_complexity)]
    fn heads_backward<const TQ: usize, const TK: usize>(
        &self,
        heads: &Heads<E, HEADS, TQ, TK, F>,
        dy: &[[F; E]; TQ],
        grads: &mut Self,
    ) -> ([[F; E]; TQ], [[F; E]; TK], [[F; E]; TK]) {
        let d = E / HEADS;
        let scale = scale_for::<F>(d);
        let d_concat: [[F; E]; TQ] = core::array::from_fn(|t| {
            <Dense<E, E, F> as Backprop<[F; E], TrainMode>>::backprop(
                &self.out_proj,
                &heads.concat[t],
                &dy[t],
                &mut grads.out_proj,
            )
        });
        let mut dq = [[F::ZERO; E]; TQ];
        let mut dk = [[F::ZERO; E]; TK];
        let mut dv = [[F::ZERO; E]; TK];
        for (h, weights) in heads.weights.iter().enumerate() {
            let features = h * d..(h + 1) * d;
            attend_backward::<F, TQ, TK, E, E>(
                (&heads.q, &heads.k, &heads.v),
                weights,
                &d_concat,
                (features.clone(), features),
                scale,
                heads.keys,
                (&mut dq, &mut dk, &mut dv),
            );
        }
        (dq, dk, dv)
    }

    /// Self-attention of `x` over its first `keys` steps.
    fn run<const T: usize>(
        &self,
        x: &[[F; E]; T],
        keys: usize,
    ) -> (Sequence<[F; E], T>, AttentionTape<E, HEADS, T, F>) {
        let [q, k, v] = self.project(x);
        let (y, heads) = self.attend_heads((q, k, v), keys);
        (y, AttentionTape { x: *x, heads })
    }

    /// The backward pass of [`run`](Self::run): dL/dx sums the paths
    /// through q, k and v.
    fn run_backward<const T: usize>(
        &self,
        tape: &AttentionTape<E, HEADS, T, F>,
        dy: &[[F; E]; T],
        grads: &mut Self,
    ) -> [[F; E]; T] {
        let (dq, dk, dv) = self.heads_backward(&tape.heads, dy, grads);
        core::array::from_fn(|t| {
            let dz = [dq[t], dk[t], dv[t]];
            matvec_t_backprop(
                &self.in_proj_t,
                &tape.x[t],
                dz.as_flattened(),
                grads.in_proj_bias.as_flattened_mut(),
                &mut grads.in_proj_t,
                |c| c.as_flattened(),
                |c| c.as_flattened_mut(),
            )
        })
    }

    /// Cross-attention of the queries from `query` over the first `keys`
    /// steps of `memory`.
    fn cross<const TQ: usize, const TK: usize>(
        &self,
        query: &[[F; E]; TQ],
        memory: &[[F; E]; TK],
        keys: usize,
    ) -> (Sequence<[F; E], TQ>, CrossAttentionTape<E, HEADS, TQ, TK, F>) {
        let q = self.project_query(query);
        let (k, v) = self.project_memory(memory, keys);
        let (y, heads) = self.attend_heads((q, k, v), keys);
        (y, CrossAttentionTape { query: *query, memory: *memory, heads })
    }

    /// The backward pass of [`cross`](Self::cross): (dL/dquery, dL/dmemory),
    /// the latter zero in the key padding (whose steps are not read, so
    /// whatever the padding holds never reaches a gradient).
    #[allow(clippy::type_complexity)]
    fn cross_backward<const TQ: usize, const TK: usize>(
        &self,
        tape: &CrossAttentionTape<E, HEADS, TQ, TK, F>,
        dy: &[[F; E]; TQ],
        grads: &mut Self,
    ) -> ([[F; E]; TQ], [[F; E]; TK]) {
        let (dq, dk, dv) = self.heads_backward(&tape.heads, dy, grads);
        let dquery = core::array::from_fn(|t| {
            matvec_t_backprop(
                &self.in_proj_t,
                &tape.query[t],
                &dq[t],
                &mut grads.in_proj_bias[0],
                &mut grads.in_proj_t,
                |c| &c[0],
                |c| &mut c[0],
            )
        });
        let mut dmemory = [[F::ZERO; E]; TK];
        for (t, dm) in dmemory.iter_mut().enumerate().take(tape.heads.keys) {
            let dz = [dk[t], dv[t]];
            *dm = matvec_t_backprop(
                &self.in_proj_t,
                &tape.memory[t],
                dz.as_flattened(),
                grads.in_proj_bias[1..].as_flattened_mut(),
                &mut grads.in_proj_t,
                |c| c[1..].as_flattened(),
                |c| c[1..].as_flattened_mut(),
            );
        }
        (dquery, dmemory)
    }
}

/// A sequence stored in a longer buffer: the first `len` steps of
/// `sequence` are the real ones, the rest is padding — PyTorch's
/// `key_padding_mask` that is `true` at the steps `len..T`.
///
/// As an input of [`MultiHeadAttention`] (self-attention over a
/// `Padded<Sequence<[F; E], T>>`, or cross-attention with a padded memory,
/// `(Sequence<[F; E], TQ>, Padded<Sequence<[F; E], TK>>)`), the steps at
/// `len` and beyond are masked as keys, in addition to the layer's mask: no
/// query attends to them, and their values never reach an output. A `len`
/// above the buffer's length `T` means all `T` steps: it is clamped where
/// it is used, never an error or a panic. A query whose keys are all masked
/// (`len == 0`, say) gets a zero output, as documented at [`sdpa`].
///
/// Only keys are masked, as in PyTorch: in self-attention the padded steps
/// are still queries, with outputs computed over the real keys (ignore
/// them, or give them a zero upstream gradient). A padded memory in
/// cross-attention is not read at all: its steps get a zero gradient, and
/// whatever they hold (even NaN) changes nothing.
///
/// The gradient that [`Backprop`] returns for a padded input is padded the
/// same way, with the clamped `len`.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::Padded;
///
/// let mha: MultiHeadAttention<4, 2, f64> = MultiHeadAttention::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// let (real, junk) = ([[0.5, -1.0, 0.25, 2.0], [1.0, 0.0, -0.5, 0.5]], [9.0; 4]);
/// // Two real steps in a buffer of three: the same outputs at those steps
/// // as the sequence of two, bit for bit.
/// let padded = mha.forward(&Padded::new(Sequence([real[0], real[1], junk]), 2));
/// let short = mha.forward(&Sequence(real));
/// assert_eq!(padded.0[..2], short.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Padded<S> {
    /// The buffer, real steps first.
    pub sequence: S,
    /// How many leading steps of `sequence` are real (clamped to its
    /// length where used).
    pub len: usize,
}

impl<S> Padded<S> {
    /// `sequence` whose first `len` steps are real.
    pub const fn new(sequence: S, len: usize) -> Self {
        Padded { sequence, len }
    }
}

/// What every head keeps for the backward pass: q, k, v, the attention
/// weights, the concatenated heads and the number of (unpadded) keys.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Heads<const E: usize, const HEADS: usize, const TQ: usize, const TK: usize, F> {
    q: [[F; E]; TQ],
    k: [[F; E]; TK],
    v: [[F; E]; TK],
    weights: [[[F; TK]; TQ]; HEADS],
    concat: [[F; E]; TQ],
    keys: usize,
}

crate::zeroed::zeroed_struct!([const E: usize, const HEADS: usize, const TQ: usize, const TK: usize, F: crate::Zeroed] Heads<E, HEADS, TQ, TK, F> { q, k, v, weights, concat, keys });

/// What [`MultiHeadAttention`]'s self-attention keeps of a sequence of `T`
/// steps for its backward pass: the input, q, k, v, the attention weights
/// of every head, the concatenated heads and the key-padding length.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AttentionTape<const E: usize, const HEADS: usize, const T: usize, F> {
    x: [[F; E]; T],
    heads: Heads<E, HEADS, T, T, F>,
}

crate::zeroed::zeroed_struct!([const E: usize, const HEADS: usize, const T: usize, F: crate::Zeroed] AttentionTape<E, HEADS, T, F> { x, heads });

impl<const E: usize, const HEADS: usize, const T: usize, F: Copy> AttentionTape<E, HEADS, T, F> {
    /// Head `h`'s attention weights, `[query][key]` (PyTorch's
    /// `need_weights=True, average_attn_weights=False` for one sequence).
    pub fn weights(&self, h: usize) -> Option<&[[F; T]; T]> {
        self.heads.weights.get(h)
    }
}

/// What [`MultiHeadAttention`]'s cross-attention keeps for its backward
/// pass: the query sequence (`TQ` steps), the memory (`TK` steps), q, k, v,
/// the attention weights of every head, the concatenated heads and the
/// key-padding length.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::Causal;
///
/// let mut mha: MultiHeadAttention<4, 2, f64, Causal> =
///     MultiHeadAttention::init(&mut Xoshiro256PlusPlus::seed_from_u64(2));
/// let query = Sequence([[1.0, 0.0, -1.0, 0.5], [0.0, 2.0, 0.5, -0.5]]);
/// let memory = Sequence([[0.5; 4], [-0.5; 4], [1.0; 4]]);
/// let (_y, tape) = mha.forward_tape(&(query, memory));
/// // Causal: query 0 sees key 0 only, query 1 keys 0 and 1, never key 2.
/// let w = tape.layers().weights(0).unwrap();
/// assert_eq!((w[0][1], w[0][2], w[1][2]), (0.0, 0.0, 0.0));
/// assert!((w[1][0] + w[1][1] - 1.0).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CrossAttentionTape<const E: usize, const HEADS: usize, const TQ: usize, const TK: usize, F> {
    query: [[F; E]; TQ],
    memory: [[F; E]; TK],
    heads: Heads<E, HEADS, TQ, TK, F>,
}

crate::zeroed::zeroed_struct!([const E: usize, const HEADS: usize, const TQ: usize, const TK: usize, F: crate::Zeroed] CrossAttentionTape<E, HEADS, TQ, TK, F> { query, memory, heads });

impl<const E: usize, const HEADS: usize, const TQ: usize, const TK: usize, F: Copy>
    CrossAttentionTape<E, HEADS, TQ, TK, F>
{
    /// Head `h`'s attention weights, `[query][key]` (PyTorch's
    /// `need_weights=True, average_attn_weights=False` for one pair of
    /// sequences).
    pub fn weights(&self, h: usize) -> Option<&[[F; TK]; TQ]> {
        self.heads.weights.get(h)
    }
}

impl<const E: usize, const HEADS: usize, F, Mk> Module for MultiHeadAttention<E, HEADS, F, Mk> {}

/// A batch of sequences runs sequence by sequence, in order.
impl<const E: usize, const HEADS: usize, F, Mk> PerSample for MultiHeadAttention<E, HEADS, F, Mk> {}

/// PyTorch's name, kind, shape and storage layout of the input projection.
const fn in_proj_descriptions<const E: usize>() -> [(&'static str, ParamKind, Shape, Layout); 2] {
    [
        ("in_proj_weight", ParamKind::Weight, Shape::new(const { &[3 * E, E] }), Layout::Transposed),
        ("in_proj_bias", ParamKind::Bias, Shape::new(const { &[3 * E] }), Layout::PyTorch),
    ]
}

/// `out_proj`'s tensor names, as `named_parameters()` gives them.
fn out_proj_name(name: &'static str) -> &'static str {
    match name {
        "weight" => "out_proj.weight",
        _ => "out_proj.bias",
    }
}

impl<const E: usize, const HEADS: usize, F: Float, Mk: AttentionMask> Model<F> for MultiHeadAttention<E, HEADS, F, Mk> {
    const PARAMS: usize = 3 * E * E + 3 * E + E * E + E;
    const TENSORS: usize = 4;

    const ZERO: Self = MultiHeadAttention {
        in_proj_t: [[[F::ZERO; E]; 3]; E],
        in_proj_bias: [[F::ZERO; E]; 3],
        out_proj: Dense::ZERO,
        mask: PhantomData,
    };

    /// Draws `in_proj_weight` (fans of `[3E][E]`) then `out_proj.weight`
    /// (as a `Dense<E, E>`) with `init`, in PyTorch's row-major order;
    /// biases zero.
    fn initialize_with<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        init.fill_transposed(&mut self.in_proj_t, |column| column.as_flattened_mut(), rng);
        self.in_proj_bias = [[F::ZERO; E]; 3];
        self.out_proj.initialize_with(init, rng);
    }

    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        let storage = [self.in_proj_t.as_flattened().as_flattened(), self.in_proj_bias.as_flattened()];
        let in_proj = in_proj_descriptions::<E>()
            .into_iter()
            .zip(storage)
            .map(|((name, kind, shape, layout), storage)| Tensor { name, kind, shape, layout, storage });
        in_proj.chain(self.out_proj.tensors().map(|t| Tensor { name: out_proj_name(t.name), ..t }))
    }

    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        let storage = [self.in_proj_t.as_flattened_mut().as_flattened_mut(), self.in_proj_bias.as_flattened_mut()];
        let in_proj = in_proj_descriptions::<E>()
            .into_iter()
            .zip(storage)
            .map(|((name, kind, shape, layout), storage)| TensorMut { name, kind, shape, layout, storage });
        in_proj.chain(self.out_proj.tensors_mut().map(|t| TensorMut { name: out_proj_name(t.name), ..t }))
    }

    /// `constnet::layers::MultiHeadAttention::from_weights(&[q, k, v
    /// blocks], [bias blocks], out_proj.weight, out_proj.bias)`; the mask is
    /// the declared type's.
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::MultiHeadAttention::from_weights(&[")?;
        for (b, block) in self.in_proj_weight().iter().enumerate() {
            if b > 0 {
                out.write_str(", ")?;
            }
            write_rows(out, block)?;
        }
        out.write_str("], [")?;
        for (b, block) in self.in_proj_bias.iter().enumerate() {
            if b > 0 {
                out.write_str(", ")?;
            }
            write_array(out, block)?;
        }
        out.write_str("], ")?;
        write_rows(out, &self.out_proj.weight())?;
        out.write_str(", ")?;
        write_array(out, self.out_proj.bias())?;
        out.write_char(')')
    }
}

/// Self-attention over a sequence whose steps must be [`SameShape`] as
/// `[F; E]`, so that a wrong width is reported naming both shapes.
impl<const E: usize, const HEADS: usize, const N: usize, const T: usize, F: Float, Mk: AttentionMask>
    Layer<Sequence<[F; N], T>> for MultiHeadAttention<E, HEADS, F, Mk>
where
    [F; N]: SameShape<[F; E]>,
{
    type Output = Sequence<[F; E], T>;

    fn eval(&self, x: &Sequence<[F; N], T>) -> Sequence<[F; E], T> {
        heads_check!();
        self.infer(&x.0.map(|step| *step.as_shape()), T)
    }
}

impl<const E: usize, const HEADS: usize, const N: usize, const T: usize, F: Float, Mk: AttentionMask, Md: Mode>
    Backprop<Sequence<[F; N], T>, Md> for MultiHeadAttention<E, HEADS, F, Mk>
where
    [F; N]: SameShape<[F; E]>,
{
    /// The input, q, k, v, the attention weights and the concatenated heads.
    type Tape = AttentionTape<E, HEADS, T, F>;

    fn eval_tape(&mut self, x: &Sequence<[F; N], T>) -> (Sequence<[F; E], T>, Self::Tape) {
        heads_check!();
        self.run(&x.0.map(|step| *step.as_shape()), T)
    }

    /// Back through `out_proj`, every head's attention (the gradients of q,
    /// k and v) and the input projection; dL/dx sums the paths through q,
    /// k and v.
    fn backprop(&self, tape: &Self::Tape, dy: &Sequence<[F; E], T>, grads: &mut Self) -> Sequence<[F; N], T> {
        heads_check!();
        Sequence(self.run_backward(tape, &dy.0, grads).map(SameShape::from_shape))
    }
}

/// Self-attention over a [`Padded`] sequence: the steps at `len` and beyond
/// (`len` clamped to `T`) are masked as keys, in addition to `Mk`; every
/// step is still a query. The outputs at the first `len` steps have the bits
/// of self-attention over a `Sequence` of those `len` steps.
impl<const E: usize, const HEADS: usize, const N: usize, const T: usize, F: Float, Mk: AttentionMask>
    Layer<Padded<Sequence<[F; N], T>>> for MultiHeadAttention<E, HEADS, F, Mk>
where
    [F; N]: SameShape<[F; E]>,
{
    type Output = Sequence<[F; E], T>;

    fn eval(&self, x: &Padded<Sequence<[F; N], T>>) -> Sequence<[F; E], T> {
        heads_check!();
        self.infer(&x.sequence.0.map(|step| *step.as_shape()), x.len.min(T))
    }
}

impl<const E: usize, const HEADS: usize, const N: usize, const T: usize, F: Float, Mk: AttentionMask, Md: Mode>
    Backprop<Padded<Sequence<[F; N], T>>, Md> for MultiHeadAttention<E, HEADS, F, Mk>
where
    [F; N]: SameShape<[F; E]>,
{
    /// The input, q, k, v, the attention weights, the concatenated heads and
    /// the clamped length.
    type Tape = AttentionTape<E, HEADS, T, F>;

    fn eval_tape(&mut self, x: &Padded<Sequence<[F; N], T>>) -> (Sequence<[F; E], T>, Self::Tape) {
        heads_check!();
        self.run(&x.sequence.0.map(|step| *step.as_shape()), x.len.min(T))
    }

    /// As for a plain sequence; no gradient flows through the padded steps
    /// as keys (only through their own outputs, as queries). The result
    /// carries the clamped length.
    fn backprop(&self, tape: &Self::Tape, dy: &Sequence<[F; E], T>, grads: &mut Self) -> Padded<Sequence<[F; N], T>> {
        heads_check!();
        let dx = self.run_backward(tape, &dy.0, grads);
        Padded::new(Sequence(dx.map(SameShape::from_shape)), tape.heads.keys)
    }
}

/// Implements cross-attention's `Layer` and `Backprop` for one kind of
/// memory: `$memory` (its steps `[F; M]`, `TK` of them), `$rows` the memory's
/// sequence and `$keys` the number of unpadded keys, `$wrap` the memory's
/// gradient from the gradient of its steps and the tape's key count.
macro_rules! cross_attention_input {
    (
        $(#[$doc:meta])*
        $memory:ty, |$m:ident| ($rows:expr, $keys:expr), |$d:ident, $k:ident| $wrap:expr
    ) => {
        $(#[$doc])*
        impl<
            const E: usize,
            const HEADS: usize,
            const N: usize,
            const M: usize,
            const TQ: usize,
            const TK: usize,
            F: Float,
            Mk: AttentionMask,
        > Layer<(Sequence<[F; N], TQ>, $memory)> for MultiHeadAttention<E, HEADS, F, Mk>
        where
            [F; N]: SameShape<[F; E]>,
            [F; M]: SameShape<[F; E]>,
        {
            type Output = Sequence<[F; E], TQ>;

            fn eval(&self, (query, $m): &(Sequence<[F; N], TQ>, $memory)) -> Sequence<[F; E], TQ> {
                heads_check!();
                let rows: &Sequence<[F; M], TK> = $rows;
                self.infer_cross(&query.0.map(|step| *step.as_shape()), &rows.0.map(|step| *step.as_shape()), $keys)
            }
        }

        impl<
            const E: usize,
            const HEADS: usize,
            const N: usize,
            const M: usize,
            const TQ: usize,
            const TK: usize,
            F: Float,
            Mk: AttentionMask,
            Md: Mode,
        > Backprop<(Sequence<[F; N], TQ>, $memory), Md> for MultiHeadAttention<E, HEADS, F, Mk>
        where
            [F; N]: SameShape<[F; E]>,
            [F; M]: SameShape<[F; E]>,
        {
            /// Both inputs, q, k, v, the attention weights, the concatenated
            /// heads and the number of unpadded keys.
            type Tape = CrossAttentionTape<E, HEADS, TQ, TK, F>;

            fn eval_tape(&mut self, (query, $m): &(Sequence<[F; N], TQ>, $memory)) -> (Sequence<[F; E], TQ>, Self::Tape) {
                heads_check!();
                let rows: &Sequence<[F; M], TK> = $rows;
                self.cross(&query.0.map(|step| *step.as_shape()), &rows.0.map(|step| *step.as_shape()), $keys)
            }

            /// Back through `out_proj`, every head's attention and the input
            /// projection: `(dquery, dmemory)`, dquery through W_q, dmemory
            /// summing the paths through W_k and W_v (zero in any padding).
            fn backprop(
                &self,
                tape: &Self::Tape,
                dy: &Sequence<[F; E], TQ>,
                grads: &mut Self,
            ) -> (Sequence<[F; N], TQ>, $memory) {
                heads_check!();
                let (dquery, dmemory) = self.cross_backward(tape, &dy.0, grads);
                let ($d, $k) = (Sequence(dmemory.map(SameShape::from_shape)), tape.heads.keys);
                (Sequence(dquery.map(SameShape::from_shape)), $wrap)
            }
        }
    };
}

cross_attention_input!(
    /// Cross-attention, PyTorch's `mha(query, key=memory, value=memory)`: the
    /// input is `(query, memory)`, q = query·W_qᵀ + b_q for each of the `TQ`
    /// query steps, k and v = memory·W_kᵀ + b_k, memory·W_vᵀ + b_v for each of
    /// the `TK` memory steps, and the output has the `TQ` steps of the query.
    /// The steps of both must be [`SameShape`] as `[F; E]` (a memory of another
    /// width is a compile error naming both shapes).
    ///
    /// The mask applies with query index `t` and key index `j`: [`Causal`]
    /// masks `j > t`, PyTorch's `attn_mask = triu(ones(TQ, TK), 1)` (as bools)
    /// for any `TQ` and `TK`; so with `TQ > TK`, the queries `t >= TK` see every
    /// key. With `memory == query`, it is self-attention, with the same bits.
    ///
    /// ```
    /// use constnet::prelude::*;
    ///
    /// let mha: MultiHeadAttention<4, 2, f64> = MultiHeadAttention::init(&mut Xoshiro256PlusPlus::seed_from_u64(3));
    /// let query = Sequence([[1.0, 0.0, -1.0, 0.5], [0.0, 2.0, 0.5, -0.5]]);
    /// let memory = Sequence([[0.5; 4], [-0.5; 4], [1.0; 4]]);
    /// let y: Sequence<[f64; 4], 2> = mha.forward(&(query, memory));
    /// assert!(y.0.iter().flatten().all(|v| v.is_finite()));
    /// // Attending to itself is self-attention.
    /// assert_eq!(mha.forward(&(query, query)), mha.forward(&query));
    /// ```
    Sequence<[F; M], TK>, |memory| (memory, TK), |dmemory, _keys| dmemory
);
cross_attention_input!(
    /// Cross-attention over a [`Padded`] memory: the memory steps at `len` and
    /// beyond (`len` clamped to `TK`) are masked as keys, in addition to `Mk`,
    /// and never read. The outputs have the bits of cross-attention over a
    /// memory of those `len` steps; the padded steps get a zero gradient.
    ///
    /// ```
    /// use constnet::prelude::*;
    /// use constnet::layers::Padded;
    ///
    /// let mha: MultiHeadAttention<4, 2, f64> = MultiHeadAttention::init(&mut Xoshiro256PlusPlus::seed_from_u64(4));
    /// let query = Sequence([[1.0, 0.0, -1.0, 0.5]]);
    /// let memory = Sequence([[0.5; 4], [-0.5; 4]]);
    /// let buffer = Padded::new(Sequence([memory.0[0], memory.0[1], [f64::NAN; 4]]), 2);
    /// assert_eq!(mha.forward(&(query, buffer)), mha.forward(&(query, memory)));
    /// ```
    Padded<Sequence<[F; M], TK>>,
    |memory| (&memory.sequence, memory.len.min(TK)),
    |dmemory, keys| Padded::new(dmemory, keys)
);

/// The keys and values of the steps a causal [`MultiHeadAttention`] has
/// seen while decoding step by step ([`Incremental`]): row `t` holds step
/// `t`'s k and v (all heads), for a window of `T` steps. Rows beyond the
/// steps seen are never read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KvCache<const E: usize, const T: usize, F> {
    keys: [[F; E]; T],
    values: [[F; E]; T],
}

impl<const E: usize, const T: usize, F: Float> KvCache<E, T, F> {
    /// No step seen.
    pub const EMPTY: Self = KvCache { keys: [[F::ZERO; E]; T], values: [[F::ZERO; E]; T] };

    /// The keys, `[step][feature]`.
    pub const fn keys(&self) -> &[[F; E]; T] {
        &self.keys
    }

    /// The values, `[step][feature]`.
    pub const fn values(&self) -> &[[F; E]; T] {
        &self.values
    }
}

/// Causal self-attention one step at a time, with the keys and values of
/// the earlier steps in a [`KvCache`]: the step's q, k and v are projected
/// (its k and v stored at its position), its query attends to the keys at
/// positions `0..=position`, and the heads are projected by `out_proj` —
/// O(T·E) per step instead of the whole window's O(T²·E), with the bits of
/// the whole-sequence pass at that step.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::{Causal, KvCache};
/// use constnet::Position;
///
/// let mha: MultiHeadAttention<4, 2, f64, Causal> = MultiHeadAttention::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// let x = Sequence::new([[1.0, 0.0, -1.0, 0.5], [0.0, 2.0, 0.5, -0.5], [0.25; 4]]);
/// let whole = mha.forward(&x);
/// let mut cache = KvCache::<4, 3, f64>::EMPTY;
/// for t in 0..3 {
///     let step = Incremental::<_, 3>::step(&mha, &x.0[t], Position::new(t).unwrap(), &mut cache);
///     assert_eq!(step, whole.0[t]);
/// }
/// ```
impl<const E: usize, const HEADS: usize, const N: usize, const T: usize, F: Float> Incremental<[F; N], T>
    for MultiHeadAttention<E, HEADS, F, Causal>
where
    [F; N]: SameShape<[F; E]>,
{
    type Step = [F; E];
    type Cache = KvCache<E, T, F>;
    const EMPTY: KvCache<E, T, F> = KvCache::EMPTY;

    fn step(&self, x: &[F; N], position: Position<T>, cache: &mut KvCache<E, T, F>) -> [F; E] {
        heads_check!();
        let t = position.get();
        let [[q], [k], [v]] = self.project(&[*x.as_shape()]);
        if let (Some(key), Some(value)) = (cache.keys.get_mut(t), cache.values.get_mut(t)) {
            (*key, *value) = (k, v);
        }
        let [y] = self.infer_heads((&[q], &cache.keys, &cache.values), (t, t + 1));
        y
    }
}
