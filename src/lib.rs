//! # constnet
//!
//! Neural networks whose layer shapes are const generics checked by the
//! compiler, and which never allocate. The same model type trains on a host
//! with `cargo test` and runs in `#![no_std]` firmware, with its weights in
//! a `static` (flash) and every buffer's size known at compile time.
//!
//! ## A model in ten lines
//!
//! A stack of layers is a tuple. Shapes are checked when the stack is used:
//! `(Dense<2, 4>, Dense<3, 1>)` does not compile, and the error says that a
//! layer taking `[f32; 3]` was given `[f32; 4]`.
//!
//! ```
//! use constnet::prelude::*;
//!
//! type Xor = (Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid);
//! const _: () = assert!(<Xor as Model>::PARAMS == 17); // a compile-time fact
//!
//! const DATA: [([f32; 2], [f32; 1]); 4] =
//!     [([0.0, 0.0], [0.0]), ([0.0, 1.0], [1.0]), ([1.0, 0.0], [1.0]), ([1.0, 1.0], [0.0])];
//!
//! let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
//! let mut net = Xor::init(&mut rng);              // Xavier-uniform, seeded
//! let mut opt = Sgd::new(0.5).unwrap();
//! for _ in 0..2000 {
//!     let mut grads = Grads::<Xor>::zeroed();
//!     for (x, y) in &DATA {
//!         let (out, tape) = net.forward_tape(x);  // keeps what backward needs
//!         let (_loss, dy) = mse(&out, y);
//!         net.backward(&tape, &dy, &mut grads);   // accumulates dL/dθ
//!     }
//!     grads.scale_params(0.25);                   // the batch mean
//!     opt.step(&mut net, &grads);
//! }
//! for (x, y) in &DATA {
//!     let [p] = net.forward(x);                   // inference keeps nothing
//!     assert_eq!(p > 0.5, y[0] > 0.5);
//! }
//! ```
//!
//! [`train_batch`](train::train_batch) and
//! [`train_epoch`](train::train_epoch) wrap that loop.
//!
//! ## Every axis has a meaning: samples, batches, feature maps, time steps
//!
//! A plain array is always **one sample**, and its type says what it is:
//!
//! | type | one sample of | PyTorch, per sample |
//! |---|---|---|
//! | `[F; N]` | `N` features (what [`Dense`](layers::Dense) takes) | `[N]` |
//! | `[[F; L]; C]` | a 1-D feature map: `C` channels of `L` positions ([`Conv1d`](layers::Conv1d)) | `[C][L]` |
//! | `[[[F; W]; H]; C]` | an image: `C` channels of `H`×`W` ([`Conv2d`](layers::Conv2d)) | `[C][H][W]` |
//!
//! Several samples are a [`Batch`]`<X, B>` — never a plain outer array — so
//! no layer has to guess whether an outer axis is a batch or channels. A
//! batch runs through any stack; layers that treat samples independently
//! ([`PerSample`]) give exactly the bits of per-sample passes, and batch
//! normalisation computes its statistics over the batch (and, for feature
//! maps, over the positions: PyTorch's `[N][C][L]` and `[N][C][H][W]`).
//!
//! Time is its own axis too: a [`Sequence`]`<X, T>` is one sample of `T`
//! steps, each an `X`. Recurrent layers ([`Lstm`](layers::Lstm),
//! [`Gru`](layers::Gru), [`Rnn`](layers::Rnn); see
//! [`layers::recurrent`]) map a `Sequence<[F; I], T>` to every hidden
//! state, a `Sequence<[F; H], T>`, so they stack, and
//! [`LastStep`](layers::LastStep), [`MeanOverSteps`](layers::MeanOverSteps)
//! or [`PerStep`](layers::PerStep) bring the sequence back to a per-sample
//! value: `(Lstm<8, 32>, Lstm<32, 32>, LastStep, Dense<32, 10>)`. A
//! sequence can never be taken for a batch: batch normalisation given a
//! `Sequence` (which would compute statistics over time steps) does not
//! compile, and several sequences are a `Batch<Sequence<X, T>, B>`.
//!
//! ```
//! use constnet::prelude::*;
//!
//! type Net = (Conv1d<1, 4, 3, 6>, BatchNorm1d<4>, Relu, Flatten<24>, Dense<24, 2>);
//! let mut net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
//! let signals = Batch::new([[[0.5; 8]], [[-0.5; 8]], [[1.0; 8]]]); // three 1×8 signals
//! let (logits, tape) = net.forward_tape(&signals);                 // statistics per channel
//! let mut grads = Grads::<Net>::zeroed();
//! net.backward(&tape, &Batch::new([[1.0, 0.0]; 3]), &mut grads);
//! let one: [f32; 2] = net.forward(&[[0.5; 8]]);                     // inference: one sample
//! assert_eq!(logits.len(), 3);
//! ```
//!
//! The mistakes this rules out do not compile, with messages that name the
//! shapes (`tests/compile_fail/` pins them): a `Dense<4, _>` after a
//! convolution's `[[f32; 4]; 3]` ("a layer taking `[f32; 4]` was given
//! `[[f32; 4]; 3]`"), batch normalisation trained on one sample ("a layer
//! that needs a batch to train was given one sample, `[[f32; 4]; 4]`"), a
//! batch of outputs given to a per-sample loss, a sequence given to batch
//! normalisation or a recurrent stack whose hidden sizes do not chain.
//!
//! Training runs in a [`Mode`]: [`forward_tape`](Forward::forward_tape) in
//! [`TrainMode`] (PyTorch's `model.train()`), and
//! [`forward_tape_eval`](Forward::forward_tape_eval) in [`EvalMode`]
//! (`model.eval()` with gradients: batch normalisation with its running
//! statistics, dropout off), for fine-tuning — where one sample at a time
//! is fine.
//!
//! ## Firmware
//!
//! Every layer can be built by a `const fn`, so a trained model is a
//! `static`, placed in flash. [`Model::write_rust`] exports a trained model
//! as such an expression:
//!
//! ```
//! use constnet::prelude::*;
//!
//! type Tiny = (Dense<2, 1>, Sigmoid);
//! static NET: Tiny = (Dense::from_weights([[2.0, -2.0]], [0.0]), Sigmoid);
//! assert_eq!(NET.forward(&[1.0, 1.0]), [0.5]);
//! ```
//!
//! The library is `#![no_std]` without `alloc` and its inference path does
//! not panic: indices are all compile-time shapes. Its only `unsafe` is in
//! the x86-64 kernels — the vector intrinsics (loads and stores through
//! pointers to arrays of the exact length, and arithmetic on registers the
//! CPU provides), the calls into the kernels' AVX2 and AVX-512 copies once
//! the CPU has reported those instruction sets, and an empty `asm!`
//! statement that keeps LLVM from vectorising a loop the wrong way —
//! isolated in three modules, whose SSE2 path runs under Miri; firmware
//! builds (Arm) contain none of it.
//!
//! ## Models larger than the stack
//!
//! [`Model::ZERO`] and the optimisers' `DEFAULT`s (such as
//! [`Adam::DEFAULT`](optim::Adam::DEFAULT)) are constants, so a model, its
//! gradients and its optimiser state can be `static`s that never pass
//! through the stack or the heap; [`Model::initialize`] fills the weights
//! in place and training runs through the statics:
//!
//! ```
//! use std::sync::Mutex;
//! use constnet::prelude::*;
//!
//! type Wide = (Dense<256, 512>, Relu, Dense<512, 10>); // 136,714 parameters
//! static NET: Mutex<Wide> = Mutex::new(Wide::ZERO);
//! static GRADS: Mutex<Wide> = Mutex::new(Wide::ZERO);
//! static ADAM: Mutex<Adam<f32, Wide>> = Mutex::new(Adam::DEFAULT);
//!
//! let (mut net, mut grads, mut adam) = (NET.lock().unwrap(), GRADS.lock().unwrap(), ADAM.lock().unwrap());
//! net.initialize(&mut Xoshiro256PlusPlus::seed_from_u64(3));
//! let x = [0.5; 256];
//! let target = one_hot(4).unwrap();
//! let (before, _) = softmax_cross_entropy(&net.forward(&x), &target);
//! for _ in 0..5 {
//!     grads.zero_params();
//!     let (logits, tape) = net.forward_tape(&x);
//!     let (_, dz) = softmax_cross_entropy(&logits, &target);
//!     net.backward(&tape, &dz, &mut grads);
//!     adam.step(&mut net, &grads);
//! }
//! let (after, _) = softmax_cross_entropy(&net.forward(&x), &target);
//! assert!(after < before);
//! ```
//!
//! ## Numbers
//!
//! `f32` by default, `f64` supported (`Dense<I, O, f64>`). Conventions follow
//! PyTorch: a dense weight is `[out][in]` at the API, losses use
//! `reduction='mean'`, ReLU′(0) = 0. The test suite checks forward values,
//! losses, gradients and SGD steps against PyTorch to 10⁻¹² in `f64`. The
//! transcendental functions are pure-Rust software on every target
//! (`libm`, and the crate's own `f32` tanh and sigmoid); the square root is correctly
//! rounded everywhere (see [`Float::sqrt`]); and every sum has one fixed
//! order, so a model gives the same bits on the host and on a Cortex-M4F.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]
#![deny(missing_docs)]

mod axis;
mod batch;
pub mod data;
mod error;
mod float;
mod forward;
mod incremental;
mod init;
mod kernel;
mod layer;
pub mod layers;
pub mod loss;
mod math;
pub mod metrics;
mod mode;
mod model;
pub mod optim;
pub mod quant;
pub mod regularize;
pub mod sampling;
mod sequence;
mod stack;
pub mod state;
mod streaming;
pub mod train;
mod values;
mod zeroed;

pub use batch::Batch;
pub use error::{ClassOutOfRange, InvalidHyperparameter, TrainError};
pub use error::{CsvError, CsvErrorKind, Excerpt, GatherError, MetricError};
pub use error::{Unit, WeightsError, WithoutPaths};
pub use float::Float;
pub use forward::{Forward, Module, Tape, TapeOf};
pub use incremental::{ContextFull, Decoding, Incremental, Position};
pub use init::Init;
pub use layer::{Backprop, Layer, PerSample, SameShape};
pub use layers::{TokenId, TokenOutOfRange};
pub use mode::{EvalMode, Mode, SingleSampleMode, TrainMode};
pub use model::{Grads, Layout, Model, ParamKind, Shape, Tensor, TensorMut};
pub use sequence::Sequence;
pub use streaming::Streaming;
pub use values::{LengthMismatch, Values};
pub use zeroed::Zeroed;

// So that the `::constnet::…` paths the derives generate also resolve
// inside this crate.
#[cfg(feature = "derive")]
extern crate self as constnet;

/// Derives [`Model`](trait@Model) and [`Module`] for a struct with named
/// fields (the `derive` feature): a model whose state-dict names are its
/// field names, as a PyTorch module's are its attributes' — so it matches
/// the PyTorch model's `state_dict()` with no mapping table.
///
/// The struct's parameters are its fields', in declaration order; a field
/// `fc: Dense<…>` has the entries `fc.weight` and `fc.bias`, a tuple field
/// `conv: (Conv1d<…>, Relu)` `conv.0.weight`, a field of a struct deriving
/// `Model` its own names below the field's (`encoder.fc.weight`). Every
/// field must be a [`Model`](trait@Model); generic structs work.
///
/// `#[model(rename = "name")]` on a field gives it another state-dict name
/// (a PyTorch attribute that is a Rust keyword, or spelled differently).
/// [`write_rust`](Model::write_rust) writes a struct literal, `Name {
/// field: …, … }`, whose `Name` is the struct's bare name — the type must
/// be in scope where the source is `include!`d — or the path given by
/// `#[model(rust_path = "my_crate::models::Name")]` on the struct.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::state;
///
/// #[derive(Model, Sequential)]
/// #[model(rust_path = "models::Kws")]
/// struct Kws {
///     conv: (Conv1d<1, 4, 3, 6>, Relu),
///     flatten: Flatten<24>,
///     #[model(rename = "classifier")]
///     fc: Dense<24, 2>,
/// }
///
/// const _: () = assert!(<Kws as Model>::PARAMS == 16 + 50);
/// let kws = Kws::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// let mut names = Vec::new();
/// state::visit(&kws, &mut |path, _, _| names.push(path.to_string()));
/// assert_eq!(names, ["conv.0.weight", "conv.0.bias", "classifier.weight", "classifier.bias"]);
///
/// let mut source = String::new();
/// kws.write_rust(&mut source).unwrap();
/// assert!(source.starts_with("models::Kws {\n    conv: (\n"));
/// ```
///
/// For a forward pass other than a chain of the fields, derive only
/// `Model` and implement [`Layer`] yourself (and [`Backprop`], to train
/// through it):
///
/// ```
/// use constnet::prelude::*;
/// use constnet::Layer;
///
/// #[derive(Model)]
/// struct Skip {
///     fc: Dense<2, 2>,
///     act: Relu,
/// }
///
/// impl Layer<[f32; 2]> for Skip {
///     type Output = [f32; 2];
///
///     fn eval(&self, x: &[f32; 2]) -> [f32; 2] {
///         let y = self.act.forward(&self.fc.forward(x));
///         [x[0] + y[0], x[1] + y[1]]
///     }
/// }
///
/// let skip = Skip { fc: Dense::from_weights([[1.0, 0.0], [0.0, -1.0]], [0.0, 0.0]), act: Relu };
/// assert_eq!(skip.forward(&[1.0, 2.0]), [2.0, 2.0]);
/// ```
#[cfg(feature = "derive")]
pub use constnet_derive::Model;

/// Derives [`Layer`] and [`Backprop`] for a struct with named fields (the
/// `derive` feature): its fields run in declaration order, each on its
/// predecessor's output, exactly as a tuple of their types does — same
/// outputs bit for bit, batches included, the same gradients; the tape is
/// the tuple of the fields' tapes. At least one field. Derive
/// [`Model`](macro@Model) beside it; for a forward pass of your own, derive
/// only `Model` (see there).
///
/// ```
/// use constnet::prelude::*;
///
/// #[derive(Model, Sequential)]
/// struct Mlp {
///     hidden: Dense<2, 3>,
///     act: Tanh,
///     out: Dense<3, 1>,
/// }
///
/// let mut mlp = Mlp::init(&mut Xoshiro256PlusPlus::seed_from_u64(7));
/// let tuple = (mlp.hidden.clone(), Tanh, mlp.out.clone());
/// assert_eq!(mlp.forward(&[0.5, -1.0]), tuple.forward(&[0.5, -1.0]));
///
/// let (y, tape) = mlp.forward_tape(&Batch::new([[0.5, -1.0], [1.0, 1.0]]));
/// let mut grads = Grads::<Mlp>::zeroed();
/// let dx = mlp.backward(&tape, &Batch::new([[1.0], [1.0]]), &mut grads);
/// assert_eq!((y.len(), dx.len()), (2, 2));
/// ```
#[cfg(feature = "derive")]
pub use constnet_derive::Sequential;

/// Not public API: what the code `#[derive(Model)]` generates names.
#[doc(hidden)]
pub mod __private {
    pub use rand::Rng;
}

/// The derives inside this crate, through `extern crate self`.
#[cfg(all(test, feature = "derive"))]
mod derive_inside {
    use crate::layers::{Dense, Relu};
    use crate::{Forward, Model, Sequential};

    #[derive(Model, Sequential)]
    struct Inside {
        fc: Dense<2, 2>,
        act: Relu,
    }

    #[test]
    fn the_generated_paths_resolve() {
        let net = <Inside as Model>::ZERO;
        assert_eq!(net.forward(&[1.0, 2.0]), [0.0, 0.0]);
    }
}

/// Everything a typical program uses, plus the RNG types to seed it.
pub mod prelude {
    pub use crate::data::{
        EarlyStopping, batches, gather, identity_permutation, parse_labeled_csv, shuffle, train_validation_split,
    };
    pub use crate::layers::{
        AvgPool2d, BatchNorm1d, BatchNorm2d, Bidirectional, CausalConv1d, Conv1d, Conv2d, ConvTranspose1d,
        ConvTranspose2d, Dense, DepthwiseConv1d, DepthwiseConv2d, Dropout, Elu, Embedding, Flatten, Gelu, GeluTanh,
        Gru, Hardswish, Identity, LastFrame, LastStep, LayerNorm, LeakyRelu, LearnedPositions, Lstm, MaxPool1d,
        MaxPool2d, MeanOverSteps, MultiHeadAttention, PRelu, PerStep, PostNorm, PreNorm, Relu, Residual, Rnn,
        SharedPRelu, Sigmoid, Silu, SinusoidalPositions, Softmax, Softplus, Stacked, Step, Tanh, TcnBlock, TokenId,
        TransformerDecoderLayer, TransformerEncoderLayer,
    };
    pub use crate::loss::{bce, bce_with_logits, half_sse, mse, one_hot, softmax_cross_entropy};
    pub use crate::metrics::{ConfusionMatrix, accuracy, argmax};
    pub use crate::optim::{Adam, AdamW, LearningRate, Optimizer, RmsProp, Schedule, Scheduled, Sgd, SgdMomentum};
    pub use crate::regularize::Penalty;
    pub use crate::train::{
        evaluate, train_batch, train_batched, train_epoch, train_epoch_batched, train_epoch_ordered,
    };
    pub use crate::{
        Batch, Decoding, EvalMode, Float, Forward, Grads, Incremental, Init, Model, Sequence, Streaming, TapeOf,
        TrainMode, Zeroed,
    };
    // With the `derive` feature, `Model` above is the derive macro too.
    #[cfg(feature = "derive")]
    pub use crate::Sequential;
    pub use rand::SeedableRng;
    pub use rand::rngs::{SmallRng, Xoshiro256PlusPlus};
}
