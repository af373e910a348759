//! [`Model`]: what every layer and every stack of layers is — plain data with
//! a known number of parameters.

use core::fmt;

use rand::Rng;

use crate::{Float, Init, Module};

/// What a parameter tensor is, so that algorithms can treat weights and
/// biases differently (weight decay, for example, usually skips biases).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// A weight matrix or kernel.
    Weight,
    /// A bias vector.
    Bias,
}

/// A read-only view of one parameter tensor of a model.
///
/// `data` is in the layer's *storage* order, which need not be PyTorch's
/// (a [`Dense`](crate::layers::Dense) stores its weight transposed). Use it
/// for element-wise work — optimisers, norms, comparisons between two models
/// of the same type — and the layers' own accessors for a specific layout.
#[derive(Debug)]
pub struct Tensor<'a, F> {
    /// The tensor's name inside its layer, such as `"weight"`.
    pub name: &'static str,
    /// Whether this is a weight or a bias.
    pub kind: ParamKind,
    /// The values, in storage order.
    pub data: &'a [F],
}

/// A mutable view of one parameter tensor of a model; see [`Tensor`].
#[derive(Debug)]
pub struct TensorMut<'a, F> {
    /// The tensor's name inside its layer, such as `"weight"`.
    pub name: &'static str,
    /// Whether this is a weight or a bias.
    pub kind: ParamKind,
    /// The values, in storage order.
    pub data: &'a mut [F],
}

/// A layer or a stack of layers: plain data with a compile-time parameter
/// count.
///
/// Gradients and optimiser state are *model-shaped*: they have the model's own
/// type, so `Grads<Xor>` is an `Xor` whose numbers are gradients. That keeps
/// every buffer typed, sized at compile time and off the heap.
///
/// The float type parameter defaults to `f32`, so `<Net as Model>::PARAMS`
/// reads naturally; an `f64` model is `Model<f64>`.
///
/// ```
/// use constnet::prelude::*;
///
/// type Xor = (Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid);
/// const _: () = assert!(<Xor as Model>::PARAMS == 17);
/// const _: () = assert!(<Xor as Model>::BYTES == 17 * 4);
///
/// let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
/// let net = Xor::init(&mut rng);
/// let count: usize = net.tensors().map(|t| t.data.len()).sum();
/// assert_eq!(count, 17);
/// ```
pub trait Model<F: Float = f32>: Module + Sized {
    /// The number of trainable parameters.
    const PARAMS: usize;
    /// The bytes those parameters occupy.
    const BYTES: usize = Self::PARAMS * core::mem::size_of::<F>();

    /// A model whose parameters are drawn by `init` from `rng` (biases are
    /// zero). Deterministic for a seeded `rng`.
    fn init_with<R: Rng + ?Sized>(init: Init, rng: &mut R) -> Self;

    /// A model initialised with the default scheme,
    /// [`Init::XavierUniform`].
    fn init<R: Rng + ?Sized>(rng: &mut R) -> Self {
        Self::init_with(Init::default(), rng)
    }

    /// A model whose parameters are all zero: the starting value of a
    /// gradient accumulator or of optimiser state. Hyper-parameters that are
    /// not trained (a leaky ReLU's slope) keep their defaults.
    fn zeroed() -> Self;

    /// The parameter tensors, in a fixed order.
    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>>;

    /// The parameter tensors, mutably, in the same order as
    /// [`tensors`](Model::tensors).
    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>>;

    /// Writes the model as a Rust expression that rebuilds it in a `const`
    /// or `static` context, with every value round-tripping exactly.
    ///
    /// ```
    /// use constnet::prelude::*;
    ///
    /// let layer: Dense<2, 1> = Dense::from_weights([[0.5, -0.25]], [0.1]);
    /// let mut source = String::new();
    /// layer.write_rust(&mut source).unwrap();
    /// assert_eq!(
    ///     source,
    ///     "constnet::layers::Dense::from_weights([[0.5, -0.25]], [0.1])"
    /// );
    /// ```
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result;

    /// Sets every parameter to zero, keeping hyper-parameters.
    fn zero_params(&mut self) {
        for tensor in self.tensors_mut() {
            tensor.data.fill(F::zero());
        }
    }

    /// Multiplies every parameter by `factor` (to average a sum of gradients
    /// over a batch, for example).
    fn scale_params(&mut self, factor: F) {
        for tensor in self.tensors_mut() {
            for value in tensor.data.iter_mut() {
                *value = *value * factor;
            }
        }
    }
}

/// The type that holds a model's gradients: the model's own type
/// (see [`Model`]). `Grads::<Net>::zeroed()` starts an accumulator.
pub type Grads<M> = M;

/// The tensor views of a layer with one weight and one bias, the common case.
pub(crate) fn weight_and_bias<'a, F>(weight: &'a [F], bias: &'a [F]) -> impl Iterator<Item = Tensor<'a, F>> {
    [
        Tensor { name: "weight", kind: ParamKind::Weight, data: weight },
        Tensor { name: "bias", kind: ParamKind::Bias, data: bias },
    ]
    .into_iter()
}

/// The mutable tensor views of a layer with one weight and one bias.
pub(crate) fn weight_and_bias_mut<'a, F>(
    weight: &'a mut [F],
    bias: &'a mut [F],
) -> impl Iterator<Item = TensorMut<'a, F>> {
    [
        TensorMut { name: "weight", kind: ParamKind::Weight, data: weight },
        TensorMut { name: "bias", kind: ParamKind::Bias, data: bias },
    ]
    .into_iter()
}

/// Writes `value` as a Rust literal of type `F` that parses back to the same
/// bits (Rust's `Debug` for floats is the shortest round-trip form).
pub(crate) fn write_float<F: Float, W: fmt::Write>(out: &mut W, value: F) -> fmt::Result {
    if value.is_nan() {
        write!(out, "{}::NAN", F::RUST_NAME)
    } else if value.is_infinite() {
        let sign = if value.is_sign_negative() { "NEG_" } else { "" };
        write!(out, "{}::{sign}INFINITY", F::RUST_NAME)
    } else {
        write!(out, "{value:?}")
    }
}

/// Writes `values` as a Rust array literal.
pub(crate) fn write_array<F: Float, W: fmt::Write>(out: &mut W, values: &[F]) -> fmt::Result {
    out.write_char('[')?;
    for (i, &v) in values.iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write_float(out, v)?;
    }
    out.write_char(']')
}
