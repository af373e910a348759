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
//! The library is `#![no_std]` without `alloc`, has no `unsafe`, and its
//! inference path does not panic: indices are all compile-time shapes.
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
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod axis;
mod batch;
pub mod data;
mod error;
mod float;
mod forward;
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
pub mod regularize;
mod sequence;
mod stack;
pub mod state;
pub mod train;
mod values;

pub use batch::Batch;
pub use error::{ClassOutOfRange, InvalidHyperparameter, TrainError};
pub use error::{CsvError, CsvErrorKind, Excerpt, GatherError, MetricError};
pub use error::{Unit, WeightsError};
pub use float::Float;
pub use forward::{Forward, Module, Tape};
pub use init::Init;
pub use layer::{Backprop, Layer, PerSample, SameShape};
pub use mode::{EvalMode, Mode, SingleSampleMode, TrainMode};
pub use model::{Grads, Layout, Model, ParamKind, Shape, Tensor, TensorMut};
pub use sequence::Sequence;
pub use values::{LengthMismatch, Values};

/// Everything a typical program uses, plus the RNG types to seed it.
pub mod prelude {
    pub use crate::data::{
        EarlyStopping, batches, gather, identity_permutation, parse_labeled_csv, shuffle, train_validation_split,
    };
    pub use crate::layers::{
        AvgPool2d, BatchNorm1d, BatchNorm2d, Bidirectional, Conv1d, Conv2d, Dense, Dropout, Flatten, Gru, Identity,
        LastStep, LayerNorm, LeakyRelu, Lstm, MaxPool1d, MaxPool2d, MeanOverSteps, PerStep, Relu, Residual, Rnn,
        Sigmoid, Softmax, Stacked, Step, Tanh,
    };
    pub use crate::loss::{bce, bce_with_logits, half_sse, mse, one_hot, softmax_cross_entropy};
    pub use crate::metrics::{ConfusionMatrix, accuracy, argmax};
    pub use crate::optim::{Adam, AdamW, LearningRate, Optimizer, RmsProp, Schedule, Scheduled, Sgd, SgdMomentum};
    pub use crate::regularize::Penalty;
    pub use crate::train::{evaluate, train_batch, train_batched, train_epoch, train_epoch_ordered};
    pub use crate::{Batch, EvalMode, Float, Forward, Grads, Init, Model, Sequence, TrainMode};
    pub use rand::SeedableRng;
    pub use rand::rngs::{SmallRng, Xoshiro256PlusPlus};
}
