//! The layers. One file per layer family; each layer implements
//! [`Model`](crate::Model) and [`Layer`](crate::Layer).

mod activation;
mod conv;
mod dense;
mod dropout;
mod feature_maps;
mod flatten;
mod norm;
mod pool;
mod residual;
mod softmax;

pub use activation::{Identity, LeakyRelu, Relu, Sigmoid, Step, Tanh};
pub use conv::{Conv1d, Conv2d};
pub use dense::Dense;
pub use dropout::Dropout;
pub use flatten::Flatten;
pub use norm::{BatchNorm1d, BatchNorm2d, LayerNorm};
pub use pool::{AvgPool2d, MaxPool1d, MaxPool2d};
pub use residual::{Residual, Values};
pub use softmax::Softmax;
pub(crate) use softmax::{max_finite_or_first, softmax};
