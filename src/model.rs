//! [`Model`]: what every layer and every stack of layers is — plain data with
//! a known number of parameters.

use core::fmt::{self, Write as _};

use rand::Rng;

use crate::error::Unit;
use crate::state::{Segment, StateEntry, StateEntryMut, StatePath};
use crate::{Float, Init, LengthMismatch, Module, WeightsError};

/// What a parameter tensor is, so that algorithms can treat weights and
/// biases differently (weight decay, for example, usually skips biases).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// A weight matrix or kernel.
    Weight,
    /// A bias vector.
    Bias,
    /// A buffer: state a layer keeps but does not train (batch
    /// normalisation's running statistics). Buffers appear only in the state
    /// dict ([`Model::visit_state`]), never in [`Model::tensors`].
    Buffer,
}

/// The shape of a tensor in PyTorch's layout, as `torch.Size` gives it:
/// its dimensions, outermost first. The dimensions are a constant (a layer
/// builds them from its const parameters with `const { &[O, I] }`), so a
/// shape is one reference, which keeps the tensor views small on a
/// microcontroller's stack.
///
/// ```
/// use constnet::Shape;
/// let shape = Shape::new(&[32, 64]);
/// assert_eq!((shape.dims(), shape.len()), (&[32, 64][..], 2048));
/// assert_eq!(shape.to_string(), "[32, 64]");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape {
    dims: &'static [usize],
}

impl Shape {
    /// The shape with dimensions `dims`, outermost first.
    pub const fn new(dims: &'static [usize]) -> Self {
        Shape { dims }
    }

    /// The dimensions, outermost first.
    pub const fn dims(&self) -> &'static [usize] {
        self.dims
    }

    /// The number of dimensions.
    pub const fn rank(&self) -> usize {
        self.dims.len()
    }

    /// The number of elements: the product of the dimensions.
    pub const fn len(&self) -> usize {
        let mut product = 1;
        let mut k = 0;
        while k < self.dims.len() {
            product *= self.dims[k];
            k += 1;
        }
        product
    }

    /// Whether the tensor has no elements.
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('[')?;
        for (k, d) in self.dims().iter().enumerate() {
            if k > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{d}")?;
        }
        f.write_char(']')
    }
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Shape({self})")
    }
}

/// How a tensor's *storage* (the order a layer keeps its values in, which it
/// chooses for speed) relates to PyTorch's row-major order of its
/// [`Shape`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// The storage is PyTorch's row-major order.
    PyTorch,
    /// A 2-D tensor of shape `[rows, cols]` stored transposed (column-major):
    /// PyTorch's element `(r, c)` is at `storage[c·rows + r]`. A
    /// [`Dense`](crate::layers::Dense) weight `[O, I]` is stored this way,
    /// `[I][O]`, so that its forward pass adds whole columns.
    Transposed,
}

impl Layout {
    /// Where PyTorch's row-major element `index` of a tensor of `shape` is
    /// in storage in this layout, or `None` if `index` is out of range.
    pub fn storage_index(self, shape: Shape, index: usize) -> Option<usize> {
        if index >= shape.len() {
            return None;
        }
        match (self, shape.dims()) {
            (Layout::Transposed, &[rows, cols]) => Some((index % cols) * rows + index / cols),
            _ => Some(index),
        }
    }
}

/// A read-only view of one parameter tensor of a model.
///
/// `storage` holds the values in the layer's *storage* order, which is
/// PyTorch's only when `layout` is [`Layout::PyTorch`] (a
/// [`Dense`](crate::layers::Dense) stores its weight transposed). Use it as
/// it is for element-wise work — optimisers, norms, comparisons between two
/// models of the same type — and [`get`](Tensor::get) or
/// [`write_pytorch`](Tensor::write_pytorch) for PyTorch's order.
#[derive(Debug)]
pub struct Tensor<'a, F> {
    /// The tensor's name inside its layer, PyTorch's (`"weight"`, `"bias"`).
    pub name: &'static str,
    /// Whether this is a weight or a bias.
    pub kind: ParamKind,
    /// The tensor's shape in PyTorch's layout (`[out, in]` for a dense
    /// weight).
    pub shape: Shape,
    /// How `storage` relates to PyTorch's row-major order of `shape`.
    pub layout: Layout,
    /// The values, in storage order.
    pub storage: &'a [F],
}

impl<F: Float> Tensor<'_, F> {
    /// PyTorch's row-major element `index`, or `None` if out of range.
    pub fn get(&self, index: usize) -> Option<F> {
        self.layout.storage_index(self.shape, index).and_then(|k| self.storage.get(k)).copied()
    }

    /// Copies the values, in PyTorch's row-major order, into the first
    /// `shape.len()` elements of `out`.
    ///
    /// # Errors
    ///
    /// [`LengthMismatch`] if `out` is shorter; `out` is then unchanged.
    ///
    /// ```
    /// use constnet::prelude::*;
    ///
    /// let layer: Dense<2, 2> = Dense::from_weights([[1.0, 2.0], [3.0, 4.0]], [0.0, 0.0]);
    /// let weight = layer.tensors().next().unwrap();
    /// assert_eq!(weight.storage, [1.0, 3.0, 2.0, 4.0]); // transposed inside
    /// let mut pytorch = [0.0; 4];
    /// weight.write_pytorch(&mut pytorch).unwrap();
    /// assert_eq!(pytorch, [1.0, 2.0, 3.0, 4.0]); // PyTorch's [out][in]
    /// ```
    pub fn write_pytorch(&self, out: &mut [F]) -> Result<(), LengthMismatch> {
        let len = self.shape.len();
        let found = out.len();
        let out = out.get_mut(..len).ok_or(LengthMismatch { expected: len, found })?;
        for (index, slot) in out.iter_mut().enumerate() {
            *slot = self.get(index).unwrap_or(F::zero());
        }
        Ok(())
    }
}

/// A mutable view of one parameter tensor of a model; see [`Tensor`].
#[derive(Debug)]
pub struct TensorMut<'a, F> {
    /// The tensor's name inside its layer, PyTorch's (`"weight"`, `"bias"`).
    pub name: &'static str,
    /// Whether this is a weight or a bias.
    pub kind: ParamKind,
    /// The tensor's shape in PyTorch's layout.
    pub shape: Shape,
    /// How `storage` relates to PyTorch's row-major order of `shape`.
    pub layout: Layout,
    /// The values, in storage order.
    pub storage: &'a mut [F],
}

impl<F: Float> TensorMut<'_, F> {
    /// Sets PyTorch's row-major element `index` to `value`; returns `false`
    /// (and changes nothing) if `index` is out of range.
    pub fn set(&mut self, index: usize, value: F) -> bool {
        match self.layout.storage_index(self.shape, index).and_then(|k| self.storage.get_mut(k)) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// Sets every value from `values`, given in PyTorch's row-major order,
    /// which must hold exactly `shape.len()` of them.
    ///
    /// # Errors
    ///
    /// [`LengthMismatch`] if the length differs; nothing is changed then.
    pub fn read_pytorch(&mut self, values: &[F]) -> Result<(), LengthMismatch> {
        if values.len() != self.shape.len() {
            return Err(LengthMismatch { expected: self.shape.len(), found: values.len() });
        }
        for (index, &value) in values.iter().enumerate() {
            self.set(index, value);
        }
        Ok(())
    }
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
/// let count: usize = net.tensors().map(|t| t.storage.len()).sum();
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
    /// assert!(net.tensors().any(|t| t.storage.iter().any(|&w| w != 0.0)));
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

    /// Calls `visit(path, layer_type, entry)` for every entry of the model's
    /// state dict — its parameters in [`tensors`](Model::tensors) order,
    /// with any buffers of a layer after its parameters — under PyTorch's
    /// names, each path below `prefix` (see [`state`](crate::state)).
    /// `layer_type` is the Rust type of the layer that holds the entry.
    ///
    /// The default gives each tensor of [`tensors`](Model::tensors) its own
    /// name below `prefix`: right for a layer. Stacks, wrappers and layers
    /// with buffers override it.
    fn visit_state<V>(&self, prefix: Option<&StatePath<'_>>, visit: &mut V)
    where
        V: FnMut(&StatePath<'_>, &'static str, StateEntry<'_, F>) + ?Sized,
    {
        for tensor in self.tensors() {
            let path = StatePath::new(prefix, Segment::Name(tensor.name));
            visit(&path, core::any::type_name::<Self>(), StateEntry::Tensor(tensor));
        }
    }

    /// [`visit_state`](Model::visit_state), mutably, in the same order.
    fn visit_state_mut<V>(&mut self, prefix: Option<&StatePath<'_>>, visit: &mut V)
    where
        V: FnMut(&StatePath<'_>, &'static str, StateEntryMut<'_, F>) + ?Sized,
    {
        for tensor in self.tensors_mut() {
            let path = StatePath::new(prefix, Segment::Name(tensor.name));
            visit(&path, core::any::type_name::<Self>(), StateEntryMut::TensorMut(tensor));
        }
    }

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
            tensor.storage.fill(F::zero());
        }
    }

    /// Multiplies every parameter by `factor` (to average a sum of gradients
    /// over a batch, for example).
    fn scale_params(&mut self, factor: F) {
        for tensor in self.tensors_mut() {
            for value in tensor.storage.iter_mut() {
                *value = *value * factor;
            }
        }
    }

    /// Adds `other`'s parameters into this model's, element by element: to
    /// sum gradients computed apart (a batch split across threads, say) in
    /// an order the caller fixes, so the sum's bits do not depend on which
    /// part finished first.
    ///
    /// ```
    /// use constnet::prelude::*;
    ///
    /// type Net = (Dense<2, 2>, Tanh, Dense<2, 1>);
    /// let net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
    /// let (first, second) = ([0.5_f32, -1.0], [1.0_f32, 2.0]);
    /// // Each half's gradient apart, then summed: the gradient of both.
    /// let mut halves = [Net::zeroed(), Net::zeroed()];
    /// for (x, grads) in [first, second].iter().zip(&mut halves) {
    ///     let (_, tape) = net.clone().forward_tape(x);
    ///     net.backward(&tape, &[1.0], grads);
    /// }
    /// let [mut sum, second_half] = halves;
    /// sum.add_params(&second_half);
    /// let mut both = Net::zeroed();
    /// for x in [first, second] {
    ///     let (_, tape) = net.clone().forward_tape(&x);
    ///     net.backward(&tape, &[1.0], &mut both);
    /// }
    /// assert!(sum.tensors().zip(both.tensors()).all(|(a, b)| a.storage == b.storage));
    /// ```
    fn add_params(&mut self, other: &Self) {
        for (sum, addend) in self.tensors_mut().zip(other.tensors()) {
            for (s, &a) in sum.storage.iter_mut().zip(addend.storage) {
                *s = *s + a;
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
    /// The parameters in PyTorch's order — the tensors of
    /// [`tensors`](Model::tensors), which is the order of PyTorch's
    /// `model.parameters()`, each in PyTorch's row-major layout of its
    /// [`Shape`] (a dense weight `[out][in]`) — each value as its IEEE 754
    /// bits in little-endian (4 bytes for `f32`, 8 for `f64`). There is no
    /// header: the model's type is the schema. For a PyTorch model of the
    /// same architecture these are exactly the bytes of
    /// `torch.nn.utils.parameters_to_vector(model.parameters())` as
    /// little-endian floats. Every value round-trips bit for bit, NaN
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
    /// // PyTorch's order: the first value is weight[0][0], the second weight[0][1].
    /// assert_eq!(bytes[4..8], net.0.weight()[0][1].to_le_bytes());
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
        let size = F::SIZE.max(1);
        if let Some(misfit) = first_misfit::<F, Self>(self.tensors(), out.len(), size) {
            return Err(misfit.output_error(Self::BYTES, out.len(), Unit::Bytes));
        }
        let mut slots = out.chunks_exact_mut(size);
        for_each_pytorch_value(self.tensors(), |value| {
            if let Some(slot) = slots.next() {
                for (byte, bits) in slot.iter_mut().zip(value.to_bits_u64().to_le_bytes()) {
                    *byte = bits;
                }
            }
        });
        Ok(Self::BYTES)
    }

    /// Sets every parameter from little-endian bytes in the format that
    /// [`write_le_bytes`](Model::write_le_bytes) writes (see its *Format*
    /// section): exactly [`BYTES`](Model::BYTES) bytes, tensors in
    /// [`tensors`](Model::tensors) order, each in PyTorch's layout.
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
    /// use constnet::{Unit, WeightsError};
    ///
    /// type Xor = (Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid);
    /// let net = Xor::init(&mut Xoshiro256PlusPlus::seed_from_u64(7));
    /// let mut bytes = [0_u8; <Xor as Model>::BYTES];
    /// net.write_le_bytes(&mut bytes).unwrap();
    ///
    /// // Round trip: a zeroed model of the same type becomes `net`.
    /// let mut copy = Xor::zeroed();
    /// copy.read_le_bytes(&bytes).unwrap();
    /// assert_eq!(copy, net);
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
    /// assert_eq!(copy.read_le_bytes(&long), Err(WeightsError::InputTooLong { expected: 68, found: 69, unit: Unit::Bytes }));
    /// ```
    fn read_le_bytes(&mut self, bytes: &[u8]) -> Result<(), WeightsError> {
        let size = F::SIZE.max(1);
        check_input_len::<F, Self>(self.tensors(), bytes.len(), size, Unit::Bytes)?;
        let mut chunks = bytes.chunks_exact(size);
        set_each_pytorch_value(self.tensors_mut(), || {
            let mut bits = [0_u8; 8];
            for (bit, &byte) in bits.iter_mut().zip(chunks.next().unwrap_or(&[])) {
                *bit = byte;
            }
            F::from_bits_u64(u64::from_le_bytes(bits))
        });
        Ok(())
    }

    /// Writes every parameter into `out`, in PyTorch's order and layouts —
    /// what `torch.nn.utils.parameters_to_vector(model.parameters())` gives
    /// for the same architecture — and returns the number of values written,
    /// [`PARAMS`](Model::PARAMS); values of `out` past that are left alone.
    ///
    /// # Errors
    ///
    /// [`WeightsError::OutputTooShort`] (sizes in values) if `out` is
    /// shorter than [`PARAMS`](Model::PARAMS); `out` is then unchanged.
    ///
    /// ```
    /// use constnet::prelude::*;
    ///
    /// let layer: Dense<2, 2> = Dense::from_weights([[1.0, 2.0], [3.0, 4.0]], [0.5, -0.5]);
    /// let mut values = [0.0; 6];
    /// assert_eq!(layer.write_parameters(&mut values), Ok(6));
    /// assert_eq!(values, [1.0, 2.0, 3.0, 4.0, 0.5, -0.5]);
    /// ```
    fn write_parameters(&self, out: &mut [F]) -> Result<usize, WeightsError> {
        if let Some(misfit) = first_misfit::<F, Self>(self.tensors(), out.len(), 1) {
            return Err(misfit.output_error(Self::PARAMS, out.len(), Unit::Values));
        }
        let mut slots = out.iter_mut();
        for_each_pytorch_value(self.tensors(), |value| {
            if let Some(slot) = slots.next() {
                *slot = value;
            }
        });
        Ok(Self::PARAMS)
    }

    /// Sets every parameter from `values`, given in PyTorch's order and
    /// layouts (the order of `model.parameters()`, each tensor row-major in
    /// its PyTorch [`Shape`]) — what PyTorch's
    /// `torch.nn.utils.vector_to_parameters` reads. Exactly
    /// [`PARAMS`](Model::PARAMS) values; NaN and infinities are loaded as
    /// they are (they are data).
    ///
    /// # Errors
    ///
    /// The length is checked before anything is written, so on error the
    /// model is unchanged:
    /// [`WeightsError::InputTooShort`] naming the first tensor that does not
    /// fit (its layer, name, size and the values left for it), or
    /// [`WeightsError::InputTooLong`]; sizes in values.
    ///
    /// ```
    /// use constnet::prelude::*;
    /// use constnet::{Unit, WeightsError};
    ///
    /// type Net = (Dense<2, 2>, Relu, Dense<2, 1>);
    /// let mut net = Net::zeroed();
    /// // 0.weight [2, 2], 0.bias [2], 2.weight [1, 2], 2.bias [1], as PyTorch lists them.
    /// net.read_parameters(&[1.0, 2.0, 3.0, 4.0, 0.5, -0.5, 1.0, -1.0, 0.25]).unwrap();
    /// assert_eq!(net.0.weight(), [[1.0, 2.0], [3.0, 4.0]]);
    /// assert_eq!(net.2.bias(), &[0.25]);
    ///
    /// let error = net.read_parameters(&[0.0; 5]).unwrap_err();
    /// assert_eq!(
    ///     error.to_string(),
    ///     "weights: layer 0 (Dense<2, 2>), its `bias` (tensor 1), needs 2 values but only 1 \
    ///      remain (expected 9 values in all, found 5)"
    /// );
    /// assert_eq!(net.0.weight(), [[1.0, 2.0], [3.0, 4.0]]); // unchanged
    /// assert_eq!(net.read_parameters(&[0.0; 10]), Err(WeightsError::InputTooLong { expected: 9, found: 10, unit: Unit::Values }));
    /// ```
    fn read_parameters(&mut self, values: &[F]) -> Result<(), WeightsError> {
        check_input_len::<F, Self>(self.tensors(), values.len(), 1, Unit::Values)?;
        let mut source = values.iter();
        set_each_pytorch_value(self.tensors_mut(), || source.next().copied().unwrap_or(F::zero()));
        Ok(())
    }
}

/// Calls `f` with every value of `tensors`, each tensor in PyTorch's
/// row-major order.
fn for_each_pytorch_value<'a, F: Float + 'a>(tensors: impl Iterator<Item = Tensor<'a, F>>, mut f: impl FnMut(F)) {
    for tensor in tensors {
        for index in 0..tensor.shape.len() {
            f(tensor.get(index).unwrap_or(F::zero()));
        }
    }
}

/// Sets every value of `tensors`, each in PyTorch's row-major order, to
/// what `next` returns.
fn set_each_pytorch_value<'a, F: Float + 'a>(
    tensors: impl Iterator<Item = TensorMut<'a, F>>,
    mut next: impl FnMut() -> F,
) {
    for mut tensor in tensors {
        for index in 0..tensor.shape.len() {
            tensor.set(index, next());
        }
    }
}

/// Checks that an input of `len` units (`size` units per value) holds
/// exactly the model's parameters.
fn check_input_len<'a, F: Float, M: Model<F>>(
    tensors: impl Iterator<Item = Tensor<'a, F>>,
    len: usize,
    size: usize,
    unit: Unit,
) -> Result<(), WeightsError> {
    let expected = M::PARAMS * size;
    if let Some(misfit) = first_misfit::<F, M>(tensors, len, size) {
        return Err(misfit.input_error(expected, len, unit));
    }
    if len != expected {
        return Err(WeightsError::InputTooLong { expected, found: len, unit });
    }
    Ok(())
}

/// A tensor that does not fit in what is left for it.
struct Misfit {
    tensor: usize,
    layer: usize,
    layer_type: &'static str,
    name: &'static str,
    needed: usize,
    remaining: usize,
}

impl Misfit {
    /// Tensor number `index` of an `M`, `size` units per value, with
    /// `remaining` units left where it starts.
    fn of<F: Float, M: Model<F>>(index: usize, tensor: &Tensor<'_, F>, size: usize, remaining: usize) -> Self {
        // Every index below `M::TENSORS` has an owner; the fallback keeps a
        // miscounting custom layer from turning an error into a panic.
        let (layer, layer_type) = M::tensor_owner(index).unwrap_or((index, "?"));
        Misfit { tensor: index, layer, layer_type, name: tensor.name, needed: tensor.shape.len() * size, remaining }
    }

    /// The error for reading a model of `expected` units from `found`.
    fn input_error(self, expected: usize, found: usize, unit: Unit) -> WeightsError {
        let Misfit { tensor, layer, layer_type, name, needed, remaining } = self;
        WeightsError::InputTooShort { layer, layer_type, tensor, name, needed, remaining, expected, found, unit }
    }

    /// The error for writing a model of `expected` units into `found`.
    fn output_error(self, expected: usize, found: usize, unit: Unit) -> WeightsError {
        let Misfit { tensor, layer, layer_type, name, needed, remaining } = self;
        WeightsError::OutputTooShort { layer, layer_type, tensor, name, needed, remaining, expected, found, unit }
    }
}

/// The first tensor of an `M` that does not fit in `len` units, `size`
/// units per value.
fn first_misfit<'a, F: Float, M: Model<F>>(
    tensors: impl Iterator<Item = Tensor<'a, F>>,
    len: usize,
    size: usize,
) -> Option<Misfit> {
    let mut position = 0_usize;
    for (index, tensor) in tensors.enumerate() {
        let misfit = Misfit::of::<F, M>(index, &tensor, size, len.saturating_sub(position));
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

/// The tensor views of a layer with one weight and one bias, the common case:
/// the weight of PyTorch's `weight_shape` in `weight_layout`, the bias a
/// vector of `bias_shape` in PyTorch's layout.
pub(crate) fn weight_and_bias<'a, F>(
    (weight_shape, weight_layout): (Shape, Layout),
    bias_shape: Shape,
    weight: &'a [F],
    bias: &'a [F],
) -> impl Iterator<Item = Tensor<'a, F>> {
    [
        Tensor { name: "weight", kind: ParamKind::Weight, shape: weight_shape, layout: weight_layout, storage: weight },
        Tensor { name: "bias", kind: ParamKind::Bias, shape: bias_shape, layout: Layout::PyTorch, storage: bias },
    ]
    .into_iter()
}

/// The mutable tensor views of a layer with one weight and one bias; see
/// [`weight_and_bias`].
pub(crate) fn weight_and_bias_mut<'a, F>(
    (weight_shape, weight_layout): (Shape, Layout),
    bias_shape: Shape,
    weight: &'a mut [F],
    bias: &'a mut [F],
) -> impl Iterator<Item = TensorMut<'a, F>> {
    [
        TensorMut {
            name: "weight",
            kind: ParamKind::Weight,
            shape: weight_shape,
            layout: weight_layout,
            storage: weight,
        },
        TensorMut { name: "bias", kind: ParamKind::Bias, shape: bias_shape, layout: Layout::PyTorch, storage: bias },
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
/// Writes rows of values as a Rust array of array literals, `[[…], […]]`,
/// each row through [`write_array`].
pub(crate) fn write_rows<'a, F: Float, W: fmt::Write, R: AsRef<[F]> + ?Sized + 'a>(
    out: &mut W,
    rows: impl IntoIterator<Item = &'a R>,
) -> fmt::Result {
    out.write_char('[')?;
    for (k, row) in rows.into_iter().enumerate() {
        if k > 0 {
            out.write_str(", ")?;
        }
        write_array(out, row.as_ref())?;
    }
    out.write_char(']')
}

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
