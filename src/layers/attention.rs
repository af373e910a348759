//! Attention: [`sdpa`], scaled dot-product attention, and
//! [`MultiHeadAttention`], PyTorch's `nn.MultiheadAttention` for
//! self-attention, optionally with a causal mask ([`Causal`]).

use core::fmt;
use core::marker::PhantomData;
use core::ops::Range;

use rand::Rng;

use crate::kernel::{dot, matvec_t_backprop, matvec_t_columns};
use crate::layer::SameShape;
use crate::layers::Dense;
use crate::model::{Tensor, TensorMut, write_array, write_rows};
use crate::{
    Backprop, Float, Init, Layer, Layout, Mode, Model, Module, ParamKind, PerSample, Sequence, Shape, TrainMode,
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
    attend::<F, Mk, TQ, TK, DK, DV>(q, k, v, (0..DK, 0..DV), scale_for(DK), &mut out, &mut weights);
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
    attend_backward::<F, TQ, TK, DK, DV>((q, k, v), weights, dy, (0..DK, 0..DV), scale_for(DK), grads);
    (dq, dk, dv)
}

/// 1/√d, the score scale of a head of width `d`.
fn scale_for<F: Float>(d: usize) -> F {
    F::ONE / F::from_usize(d).sqrt()
}

/// The attention kernel shared by [`sdpa`] and every head of
/// [`MultiHeadAttention`]: attention of queries `q[t][qk]` over keys
/// `k[j][qk]` and values `v[j][vr]`, where `qk` and `vr` are feature ranges
/// of the rows (a head's slice of the projections). Writes the outputs into
/// `out[t][vr]` and the weights into `weights[t]`.
///
/// Each score is `dot(q, k)·scale`, summed by [`dot`]; each output element
/// sums `weight·v` over the keys in increasing order.
fn attend<F: Float, Mk: AttentionMask, const TQ: usize, const TK: usize, const NQ: usize, const NV: usize>(
    q: &[[F; NQ]; TQ],
    k: &[[F; NQ]; TK],
    v: &[[F; NV]; TK],
    (qk, vr): (Range<usize>, Range<usize>),
    scale: F,
    out: &mut [[F; NV]; TQ],
    weights: &mut [[F; TK]; TQ],
) {
    for (t, (row, p)) in out.iter_mut().zip(weights.iter_mut()).enumerate() {
        let query = &q[t][qk.clone()];
        let mut max = F::neg_infinity();
        let mut any = false;
        for (j, (pj, key)) in p.iter_mut().zip(k).enumerate() {
            if Mk::allows(t, j) {
                *pj = dot(query, &key[qk.clone()]) * scale;
                max = max.max(*pj);
                any = true;
            }
        }
        let mut sum = F::ZERO;
        for (j, pj) in p.iter_mut().enumerate() {
            *pj = if any && Mk::allows(t, j) { (*pj - max).exp() } else { F::ZERO };
            sum = sum + *pj;
        }
        let row = &mut row[vr.clone()];
        row.fill(F::ZERO);
        if !any {
            continue;
        }
        for (pj, value) in p.iter_mut().zip(v) {
            *pj = *pj / sum;
            for (o, &x) in row.iter_mut().zip(&value[vr.clone()]) {
                *o = *o + *pj * x;
            }
        }
    }
}

/// The backward pass of [`attend`] over the same feature ranges: adds
/// dL/dq, dL/dk and dL/dv into `dq[t][qk]`, `dk[j][qk]` and `dv[j][vr]`.
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
    (dq, dk, dv): (&mut [[F; NQ]; TQ], &mut [[F; NQ]; TK], &mut [[F; NV]; TK]),
) {
    for t in 0..TQ {
        let (p, d_out) = (&weights[t], &dy[t][vr.clone()]);
        let dp: [F; TK] = core::array::from_fn(|j| dot(d_out, &v[j][vr.clone()]));
        let weighted = p.iter().zip(&dp).fold(F::ZERO, |s, (&pj, &dj)| s + pj * dj);
        for j in 0..TK {
            let pj = p[j];
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
/// used for self-attention, `mha(x, x, x)`, with the mask `Mk` — [`NoMask`]
/// or [`Causal`] (PyTorch's `attn_mask` that is `true` where key > query).
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
/// Training keeps, per sequence, the input, q, k, v, every head's attention
/// weights and the concatenated heads, all sized at compile time
/// ([`AttentionTape`]). A [`Batch`](crate::Batch) of sequences runs
/// sequence by sequence.
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

    /// The forward pass: the output, and what backward needs.
    fn run<const T: usize>(&self, x: &[[F; E]; T]) -> (Sequence<[F; E], T>, AttentionTape<E, HEADS, T, F>) {
        // The callers (the `Layer` and `Backprop` methods) check the shape.
        let d = E / HEADS;
        let scale = scale_for::<F>(d);
        let [q, k, v] = self.project(x);
        let mut concat = [[F::ZERO; E]; T];
        let mut weights = [[[F::ZERO; T]; T]; HEADS];
        for (h, weights) in weights.iter_mut().enumerate() {
            let features = h * d..(h + 1) * d;
            attend::<F, Mk, T, T, E, E>(&q, &k, &v, (features.clone(), features), scale, &mut concat, weights);
        }
        let y = Sequence(core::array::from_fn(|t| self.out_proj.eval(&concat[t])));
        (y, AttentionTape { x: *x, q, k, v, weights, concat })
    }
}

/// What [`MultiHeadAttention`] keeps of a sequence of `T` steps for its
/// backward pass: the input, q, k, v, the attention weights of every head
/// and the concatenated heads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AttentionTape<const E: usize, const HEADS: usize, const T: usize, F> {
    x: [[F; E]; T],
    q: [[F; E]; T],
    k: [[F; E]; T],
    v: [[F; E]; T],
    weights: [[[F; T]; T]; HEADS],
    concat: [[F; E]; T],
}

impl<const E: usize, const HEADS: usize, const T: usize, F: Copy> AttentionTape<E, HEADS, T, F> {
    /// Head `h`'s attention weights, `[query][key]` (PyTorch's
    /// `need_weights=True, average_attn_weights=False` for one sequence).
    pub fn weights(&self, h: usize) -> Option<&[[F; T]; T]> {
        self.weights.get(h)
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
        self.run(&x.0.map(|step| *step.as_shape())).0
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
        self.run(&x.0.map(|step| *step.as_shape()))
    }

    /// Back through `out_proj`, every head's attention (the gradients of q,
    /// k and v) and the input projection; dL/dx sums the paths through q,
    /// k and v.
    fn backprop(&self, tape: &Self::Tape, dy: &Sequence<[F; E], T>, grads: &mut Self) -> Sequence<[F; N], T> {
        heads_check!();
        let d = E / HEADS;
        let scale = scale_for::<F>(d);
        let d_concat: [[F; E]; T] = core::array::from_fn(|t| {
            <Dense<E, E, F> as Backprop<[F; E], TrainMode>>::backprop(
                &self.out_proj,
                &tape.concat[t],
                &dy.0[t],
                &mut grads.out_proj,
            )
        });
        let mut dq = [[F::ZERO; E]; T];
        let mut dk = [[F::ZERO; E]; T];
        let mut dv = [[F::ZERO; E]; T];
        for (h, weights) in tape.weights.iter().enumerate() {
            let features = h * d..(h + 1) * d;
            attend_backward::<F, T, T, E, E>(
                (&tape.q, &tape.k, &tape.v),
                weights,
                &d_concat,
                (features.clone(), features),
                scale,
                (&mut dq, &mut dk, &mut dv),
            );
        }
        Sequence(core::array::from_fn(|t| {
            let dz = [dq[t], dk[t], dv[t]];
            let dx = matvec_t_backprop(
                &self.in_proj_t,
                &tape.x[t],
                dz.as_flattened(),
                grads.in_proj_bias.as_flattened_mut(),
                &mut grads.in_proj_t,
                |c| c.as_flattened(),
                |c| c.as_flattened_mut(),
            );
            SameShape::from_shape(dx)
        }))
    }
}
