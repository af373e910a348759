//! [`Model`]: what every layer and every stack of layers is — plain data with
//! a known number of parameters.

use core::fmt;

use rand::Rng;

use crate::{Float, Init, Module, WeightsError};

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

    /// The size of the model's weights as bytes, [`BYTES`](Model::BYTES):
    /// the length [`write_le_bytes`](Model::write_le_bytes) writes and
    /// [`read_le_bytes`](Model::read_le_bytes) expects.
    ///
    /// ```
    /// use constnet::prelude::*;
    ///
    /// type Xor = (Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid);
    /// assert_eq!(<Xor as Model>::byte_len(), 68);
    /// assert_eq!(<Dense<2, 4, f64> as Model<f64>>::byte_len(), 96);
    /// ```
    fn byte_len() -> usize {
        Self::BYTES
    }

    /// Writes every parameter into `out` as little-endian bytes and returns
    /// the number of bytes written, [`BYTES`](Model::BYTES); bytes of `out`
    /// past that are left alone.
    ///
    /// # Format
    ///
    /// The tensors of [`tensors`](Model::tensors), concatenated in that
    /// order, each in its *storage* order, each value as its IEEE 754 bits
    /// in little-endian (4 bytes for `f32`, 8 for `f64`). There is no header:
    /// the model's type is the schema. This is not PyTorch's `state_dict`
    /// layout — a [`Dense`](crate::layers::Dense) stores its weight
    /// transposed, `[in][out]` — so a tool converting from PyTorch must
    /// transpose dense weights. Every value round-trips bit for bit, NaN
    /// payloads included.
    ///
    /// # Errors
    ///
    /// [`WeightsError::OutputTooShort`] if `out` is shorter than
    /// [`BYTES`](Model::BYTES), naming the first tensor that does not fit;
    /// `out` is then left unchanged.
    ///
    /// ```
    /// use constnet::prelude::*;
    /// use constnet::WeightsError;
    ///
    /// type Xor = (Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid);
    /// let net = Xor::init(&mut Xoshiro256PlusPlus::seed_from_u64(7));
    ///
    /// let mut bytes = [0_u8; <Xor as Model>::BYTES];
    /// assert_eq!(net.write_le_bytes(&mut bytes), Ok(68));
    ///
    /// let mut short = [0_u8; 40];
    /// let error = net.write_le_bytes(&mut short).unwrap_err();
    /// // Tensors: 0 and 1 are the first layer's weight (32 bytes) and bias
    /// // (16 bytes); the bias is the first that does not fit.
    /// assert_eq!(
    ///     error,
    ///     WeightsError::OutputTooShort {
    ///         tensor: 1,
    ///         name: "bias",
    ///         needed: 16,
    ///         remaining: 8,
    ///         expected: 68,
    ///         found: 40,
    ///     }
    /// );
    /// ```
    fn write_le_bytes(&self, out: &mut [u8]) -> Result<usize, WeightsError> {
        if let Some((tensor, name, needed, remaining)) = first_misfit(self.tensors(), out.len()) {
            return Err(WeightsError::OutputTooShort {
                tensor,
                name,
                needed,
                remaining,
                expected: Self::BYTES,
                found: out.len(),
            });
        }
        let found = out.len();
        let mut position = 0;
        for (index, tensor) in self.tensors().enumerate() {
            for &value in tensor.data {
                // Cannot fail after the check above; stays an error, not a panic.
                let slot = out.get_mut(position..position + F::SIZE).ok_or(WeightsError::OutputTooShort {
                    tensor: index,
                    name: tensor.name,
                    needed: tensor.data.len() * F::SIZE,
                    remaining: found.saturating_sub(position),
                    expected: Self::BYTES,
                    found,
                })?;
                for (byte, bits) in slot.iter_mut().zip(value.to_bits_u64().to_le_bytes()) {
                    *byte = bits;
                }
                position += F::SIZE;
            }
        }
        Ok(position)
    }

    /// Sets every parameter from little-endian bytes in the format that
    /// [`write_le_bytes`](Model::write_le_bytes) writes (see its *Format*
    /// section): exactly [`BYTES`](Model::BYTES) bytes, tensors in
    /// [`tensors`](Model::tensors) order, each in storage order.
    ///
    /// Any bit pattern is a valid value, so NaN and infinite values are
    /// accepted and loaded as they are (they are IEEE data; check with
    /// [`tensors`](Model::tensors) if the source is untrusted).
    ///
    /// # Errors
    ///
    /// The length is checked before anything is written, so on error the
    /// model is unchanged, and bad data never panics:
    ///
    /// - [`WeightsError::InputTooShort`] if `bytes` is shorter than
    ///   [`BYTES`](Model::BYTES), naming the first tensor that does not fit
    ///   (its index in [`tensors`](Model::tensors) order and its name), its
    ///   size and the bytes left for it;
    /// - [`WeightsError::InputTooLong`] if `bytes` is longer, with the
    ///   expected and found lengths.
    ///
    /// ```
    /// use constnet::prelude::*;
    /// use constnet::WeightsError;
    ///
    /// type Xor = (Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid);
    /// let net = Xor::init(&mut Xoshiro256PlusPlus::seed_from_u64(7));
    /// let mut bytes = [0_u8; <Xor as Model>::BYTES];
    /// net.write_le_bytes(&mut bytes).unwrap();
    ///
    /// // Round trip: a zeroed model of the same type becomes `net`.
    /// let mut copy = Xor::zeroed();
    /// copy.read_le_bytes(&bytes).unwrap();
    /// assert!(copy.tensors().zip(net.tensors()).all(|(a, b)| a.data == b.data));
    ///
    /// // Truncated: the error names the tensor and both sizes.
    /// let error = copy.read_le_bytes(&bytes[..60]).unwrap_err();
    /// assert_eq!(
    ///     error.to_string(),
    ///     "weights: tensor 2 (`weight`) needs 16 bytes but only 12 remain \
    ///      (expected 68 bytes in all, found 60)"
    /// );
    /// // One byte too many.
    /// let long = [0_u8; 69];
    /// assert_eq!(copy.read_le_bytes(&long), Err(WeightsError::InputTooLong { expected: 68, found: 69 }));
    /// ```
    fn read_le_bytes(&mut self, bytes: &[u8]) -> Result<(), WeightsError> {
        if let Some((tensor, name, needed, remaining)) = first_misfit(self.tensors(), bytes.len()) {
            return Err(WeightsError::InputTooShort {
                tensor,
                name,
                needed,
                remaining,
                expected: Self::BYTES,
                found: bytes.len(),
            });
        }
        if bytes.len() != Self::BYTES {
            return Err(WeightsError::InputTooLong { expected: Self::BYTES, found: bytes.len() });
        }
        let mut chunks = bytes.chunks_exact(F::SIZE.max(1));
        for tensor in self.tensors_mut() {
            for (value, chunk) in tensor.data.iter_mut().zip(&mut chunks) {
                let mut bits = [0_u8; 8];
                for (bit, &byte) in bits.iter_mut().zip(chunk) {
                    *bit = byte;
                }
                *value = F::from_bits_u64(u64::from_le_bytes(bits));
            }
        }
        Ok(())
    }
}

/// The first tensor that does not fit in `len` bytes, as
/// `(index, name, its size in bytes, bytes left where it starts)`.
fn first_misfit<'a, F: Float>(
    tensors: impl Iterator<Item = Tensor<'a, F>>,
    len: usize,
) -> Option<(usize, &'static str, usize, usize)> {
    let mut position = 0_usize;
    for (index, tensor) in tensors.enumerate() {
        let needed = tensor.data.len() * F::SIZE;
        let remaining = len.saturating_sub(position);
        if needed > remaining {
            return Some((index, tensor.name, needed, remaining));
        }
        position += needed;
    }
    None
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
