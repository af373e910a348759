//! The layers. One file per layer family; each layer implements
//! [`Model`](crate::Model), [`Layer`](crate::Layer) (inference) and
//! [`Backprop`](crate::Backprop) (training) for the inputs it takes, and
//! takes a [`Batch`](crate::Batch) of them.

mod activation;
mod batch_norm;
mod conv;
mod dense;
mod dropout;
mod flatten;
mod layer_norm;
mod moments;
mod pool;
pub mod recurrent;
mod residual;
mod softmax;
mod steps;

pub use activation::{Identity, LeakyRelu, Relu, Sigmoid, Step, Tanh};
pub use batch_norm::{BatchNorm1d, BatchNorm2d};
pub use conv::{Conv1d, Conv2d};
pub use dense::Dense;
pub use dropout::Dropout;
pub use flatten::Flatten;
pub use layer_norm::LayerNorm;
pub use pool::{AvgPool2d, MaxPool1d, MaxPool2d, PoolIndices};
pub use recurrent::{Bidirectional, Cell, Gru, Lstm, LstmState, Recurrent, Rnn, RnnNonlinearity, Stacked};
pub use residual::Residual;
pub use softmax::Softmax;
pub(crate) use softmax::{max_finite_or_first, softmax};
pub use steps::{LastStep, MeanOverSteps, PerStep};
