//! The layers. One file per layer family; each layer implements
//! [`Model`](crate::Model), [`Layer`](crate::Layer) (inference) and
//! [`Backprop`](crate::Backprop) (training) for the inputs it takes, and
//! takes a [`Batch`](crate::Batch) of them.

/// Implements [`Module`](crate::Module) and a [`Model`](crate::Model) with
/// no parameters for a layer type `$ty`: its generic parameters in
/// brackets (the float type `F` is always generic; write `float F [..]`
/// when `$ty` itself names it), its compile-time zero and how it writes
/// itself as Rust source.
///
/// ```text
/// parameter_free_model!([const N: usize] Flatten<N>, Flatten, |_this, out| out.write_str("…"));
/// parameter_free_model!(float F [] LeakyRelu<F>, LeakyRelu::DEFAULT, |this, out| …);
/// ```
macro_rules! parameter_free_model {
    (float $f:ident [$($g:tt)*] $ty:ty, $zero:expr, |$this:ident, $out:ident| $write:expr) => {
        impl<$f, $($g)*> $crate::Module for $ty {}
        parameter_free_model!(@model [$($g)*] $ty, $zero, |$this, $out| $write);
    };
    ([$($g:tt)*] $ty:ty, $zero:expr, |$this:ident, $out:ident| $write:expr) => {
        impl<$($g)*> $crate::Module for $ty {}
        parameter_free_model!(@model [$($g)*] $ty, $zero, |$this, $out| $write);
    };
    (@model [$($g:tt)*] $ty:ty, $zero:expr, |$this:ident, $out:ident| $write:expr) => {
        impl<F: $crate::Float, $($g)*> $crate::Model<F> for $ty {
            const PARAMS: usize = 0;
            const ZERO: Self = $zero;
            const TENSORS: usize = 0;

            /// Nothing to initialise: the layer has no parameters.
            fn initialize_with<R: rand::Rng + ?Sized>(&mut self, _init: $crate::Init, _rng: &mut R) {}
            fn tensors(&self) -> impl Iterator<Item = $crate::Tensor<'_, F>> {
                core::iter::empty()
            }
            fn tensors_mut(&mut self) -> impl Iterator<Item = $crate::TensorMut<'_, F>> {
                core::iter::empty()
            }
            fn write_rust<W: core::fmt::Write>(&self, $out: &mut W) -> core::fmt::Result {
                let $this = self;
                $write
            }
        }
    };
}

mod activation;
mod attention;
mod batch_norm;
mod conv;
mod dense;
mod dropout;
mod embedding;
mod feed_forward;
mod flatten;
mod last_frame;
mod layer_norm;
mod moments;
mod pool;
mod positional;
mod prelu;
pub mod recurrent;
mod residual;
mod softmax;
mod steps;
mod tcn;
mod transformer;

pub use activation::{Elu, Gelu, GeluTanh, Hardswish, Identity, LeakyRelu, Relu, Sigmoid, Silu, Softplus, Step, Tanh};
pub use attention::{
    AttentionMask, AttentionTape, Causal, CrossAttentionTape, KvCache, MultiHeadAttention, NoMask, Padded, sdpa,
    sdpa_backward, sdpa_forward,
};
pub use batch_norm::{BatchNorm1d, BatchNorm2d};
pub(crate) use conv::Axis;
pub use conv::{
    CausalConv1d, CausalPad, Conv, Conv1d, Conv2d, ConvTranspose, ConvTranspose1d, ConvTranspose2d, DepthwiseConv1d,
    DepthwiseConv2d, Geometry1d, Geometry2d, History, Kernel, Pad, PadSpec, Padding, Same,
};
pub use dense::Dense;
pub use dropout::Dropout;
pub use embedding::{Embedding, TokenId, TokenOutOfRange};
pub use feed_forward::FeedForward;
pub use flatten::Flatten;
pub use last_frame::LastFrame;
pub use layer_norm::LayerNorm;
pub use pool::{AvgPool2d, MaxPool1d, MaxPool2d, PoolIndices};
pub use positional::{LearnedPositions, SinusoidalPositions};
pub use prelu::{PRelu, SharedPRelu};
pub use recurrent::{Bidirectional, Cell, Gru, Lstm, LstmState, Recurrent, Rnn, RnnNonlinearity, Stacked};
pub use residual::Residual;
pub use softmax::Softmax;
pub(crate) use softmax::{Exponentials, exponentials};
pub use steps::{LastStep, MeanOverSteps, PerStep};
pub use tcn::{TcnBlock, TcnState};
pub use transformer::{
    DecoderTape, EncoderBlocks, FeedForwardBlock, NormPlacement, PostNorm, PreNorm, SelfAttentionBlock,
    TransformerDecoderLayer, TransformerEncoderLayer,
};
