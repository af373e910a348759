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

    /// The model with every parameter zero, as a constant. Hyper-parameters
    /// that are not trained (a leaky ReLU's slope, a dropout probability)
    /// keep their defaults.
    ///
    /// Being a constant, it can initialise a `static`: the compiler lays the
    /// model out in zero-initialised memory (`.bss`), so a model, its
    /// gradients and its optimiser state can be far larger than the stack
    /// without ever passing through it, and without a heap. Fill it in place
    /// with [`initialize`](Model::initialize), then train it through the
    /// `static`. (A `static` in `.bss` costs no flash on a microcontroller,
    /// only RAM.)
    ///
    /// ```
    /// use std::sync::Mutex;
    /// use constnet::prelude::*;
    ///
    /// type Net = (Dense<784, 256>, Relu, Dense<256, 10>);
    /// // 203,530 parameters, 814 KB: built at compile time, never on a stack.
    /// static NET: Mutex<Net> = Mutex::new(Net::ZERO);
    ///
    /// let mut net = NET.lock().unwrap();
    /// net.initialize(&mut Xoshiro256PlusPlus::seed_from_u64(1));
    /// assert!(net.tensors().any(|t| t.data.iter().any(|&w| w != 0.0)));
    /// ```
    const ZERO: Self;

    /// Sets the model's parameters and state in place to what
    /// [`init_with`](Model::init_with) builds, drawing the same numbers from
    /// `rng` in the same order: weights drawn by `init`, biases zero,
    /// normalisation layers back to γ = 1, β = 0 and fresh running
    /// statistics, dropout's generator reseeded. Hyper-parameters that are
    /// not trained (a slope, ε, a dropout probability) are kept.
    ///
    /// In place, it initialises a model that lives in a `static` or a `Box`
    /// (see [`ZERO`](Model::ZERO)) without a model-sized value on the stack.
    fn initialize_with<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R);

    /// [`initialize_with`](Model::initialize_with) the default scheme,
    /// [`Init::XavierUniform`].
    fn initialize<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        self.initialize_with(Init::default(), rng);
    }

    /// A model whose parameters are drawn by `init` from `rng` (biases are
    /// zero). Deterministic for a seeded `rng`.
    fn init_with<R: Rng + ?Sized>(init: Init, rng: &mut R) -> Self {
        let mut model = Self::ZERO;
        model.initialize_with(init, rng);
        model
    }

    /// A model initialised with the default scheme,
    /// [`Init::XavierUniform`].
    fn init<R: Rng + ?Sized>(rng: &mut R) -> Self {
        Self::init_with(Init::default(), rng)
    }

    /// [`ZERO`](Model::ZERO) as a value: the starting value of a gradient
    /// accumulator or of optimiser state.
    fn zeroed() -> Self {
        Self::ZERO
    }

    /// The number of parameter tensors, the length of
    /// [`tensors`](Model::tensors): 2 for a layer with a weight and a bias,
    /// 0 for an activation, the sum over a stack.
    const TENSORS: usize;

    /// Which layer holds tensor number `index` (in
    /// [`tensors`](Model::tensors) order): its position in this model's
    /// stack (0 when the model is a single layer) and the Rust type of the
    /// layer, as [`core::any::type_name`] gives it — for messages; the exact
    /// form is the compiler's. Inside a nested stack or a
    /// [`Residual`](crate::layers::Residual) block the position is the
    /// whole nested stack's or block's, and the type is the inner layer's.
    /// `None` if `index` is not below [`TENSORS`](Model::TENSORS).
    ///
    /// Answered from the types alone: tensor views carry no bookkeeping.
    /// This is what a [`WeightsError`] names.
    ///
    /// ```
    /// use constnet::prelude::*;
    ///
    /// type Net = (Dense<2, 4>, Tanh, (Dense<4, 3>, Relu), Dense<3, 1>);
    /// const _: () = assert!(<Net as Model>::TENSORS == 6);
    /// assert_eq!(<Net as Model>::tensor_owner(0), Some((0, "constnet::layers::dense::Dense<2, 4>")));
    /// // Tensors 2 and 3 are in the nested stack at position 2.
    /// assert_eq!(<Net as Model>::tensor_owner(3), Some((2, "constnet::layers::dense::Dense<4, 3>")));
    /// assert_eq!(<Net as Model>::tensor_owner(6), None);
    /// ```
    fn tensor_owner(index: usize) -> Option<(usize, &'static str)> {
        (index < Self::TENSORS).then(|| (0, core::any::type_name::<Self>()))
    }

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
    /// [`BYTES`](Model::BYTES), naming the first tensor that does not fit
    /// and its layer; `out` is then left unchanged.
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
    /// // The first layer's weight takes 32 bytes; its bias (16 bytes) is
    /// // the first tensor that does not fit.
    /// let WeightsError::OutputTooShort { layer, name, needed, remaining, .. } = error else {
    ///     panic!("{error:?}")
    /// };
    /// assert_eq!((layer, name, needed, remaining), (0, "bias", 16, 8));
    /// assert_eq!(
    ///     error.to_string(),
    ///     "weights: layer 0 (Dense<2, 4>), its `bias` (tensor 1), needs 16 bytes but only 8 \
    ///      remain in the output buffer (the model takes 68 bytes, the buffer holds 40)"
    /// );
    /// ```
    fn write_le_bytes(&self, out: &mut [u8]) -> Result<usize, WeightsError> {
        if let Some(misfit) = first_misfit::<F, Self>(self.tensors(), out.len()) {
            return Err(misfit.output_error(Self::BYTES, out.len()));
        }
        let found = out.len();
        let mut position = 0;
        for (index, tensor) in self.tensors().enumerate() {
            for &value in tensor.data {
                // Cannot fail after the check above; stays an error, not a panic.
                let misfit = || {
                    Misfit::of::<F, Self>(index, &tensor, found.saturating_sub(position))
                        .output_error(Self::BYTES, found)
                };
                let slot = out.get_mut(position..position + F::SIZE).ok_or_else(misfit)?;
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
    ///   [`BYTES`](Model::BYTES), naming the first tensor that does not fit:
    ///   its layer (position and type), its name and index in
    ///   [`tensors`](Model::tensors) order, its size and the bytes left for
    ///   it;
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
    /// // Truncated: the error names the layer, its tensor and the sizes.
    /// let error = copy.read_le_bytes(&bytes[..60]).unwrap_err();
    /// assert_eq!(
    ///     error.to_string(),
    ///     "weights: layer 2 (Dense<4, 1>), its `weight` (tensor 2), needs 16 bytes but only 12 \
    ///      remain (expected 68 bytes in all, found 60)"
    /// );
    /// // One byte too many.
    /// let long = [0_u8; 69];
    /// assert_eq!(copy.read_le_bytes(&long), Err(WeightsError::InputTooLong { expected: 68, found: 69 }));
    /// ```
    fn read_le_bytes(&mut self, bytes: &[u8]) -> Result<(), WeightsError> {
        if let Some(misfit) = first_misfit::<F, Self>(self.tensors(), bytes.len()) {
            return Err(misfit.input_error(Self::BYTES, bytes.len()));
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

/// A tensor that does not fit in the bytes left for it.
struct Misfit {
    tensor: usize,
    layer: usize,
    layer_type: &'static str,
    name: &'static str,
    needed: usize,
    remaining: usize,
}

impl Misfit {
    /// Tensor number `index` of an `M`, with `remaining` bytes left where it
    /// starts.
    fn of<F: Float, M: Model<F>>(index: usize, tensor: &Tensor<'_, F>, remaining: usize) -> Self {
        // Every index below `M::TENSORS` has an owner; the fallback keeps a
        // miscounting custom layer from turning an error into a panic.
        let (layer, layer_type) = M::tensor_owner(index).unwrap_or((index, "?"));
        Misfit { tensor: index, layer, layer_type, name: tensor.name, needed: tensor.data.len() * F::SIZE, remaining }
    }

    /// The error for reading a model of `expected` bytes from `found`.
    fn input_error(self, expected: usize, found: usize) -> WeightsError {
        let Misfit { tensor, layer, layer_type, name, needed, remaining } = self;
        WeightsError::InputTooShort { layer, layer_type, tensor, name, needed, remaining, expected, found }
    }

    /// The error for writing a model of `expected` bytes into `found`.
    fn output_error(self, expected: usize, found: usize) -> WeightsError {
        let Misfit { tensor, layer, layer_type, name, needed, remaining } = self;
        WeightsError::OutputTooShort { layer, layer_type, tensor, name, needed, remaining, expected, found }
    }
}

/// The first tensor of an `M` that does not fit in `len` bytes.
fn first_misfit<'a, F: Float, M: Model<F>>(tensors: impl Iterator<Item = Tensor<'a, F>>, len: usize) -> Option<Misfit> {
    let mut position = 0_usize;
    for (index, tensor) in tensors.enumerate() {
        let misfit = Misfit::of::<F, M>(index, &tensor, len.saturating_sub(position));
        if misfit.needed > misfit.remaining {
            return Some(misfit);
        }
        position += misfit.needed;
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
