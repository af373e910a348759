//! The layers. One file per layer family; each layer implements
//! [`Model`](crate::Model) and [`Layer`](crate::Layer).

mod activation;
mod dense;
mod dropout;
mod norm;
mod softmax;

pub use activation::{Identity, LeakyRelu, Relu, Sigmoid, Step, Tanh};
pub use dense::Dense;
pub use dropout::Dropout;
pub use norm::{BatchNorm1d, LayerNorm};
pub use softmax::Softmax;
pub(crate) use softmax::{max_finite_or_first, softmax};
