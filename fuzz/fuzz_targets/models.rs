//! The model types the weight-loading targets read into: an MLP and a CNN
//! with batch normalisation inside a residual block, each in f32 and f64,
//! seeded so that every run starts from the same weights.

use constnet::prelude::*;

pub type Mlp<F> = (Dense<3, 8, F>, Relu, (Dense<8, 8, F>, Tanh), LayerNorm<8, F>, Dense<8, 2, F>);
pub type Cnn<F> = (
    Conv2d<1, 2, 3, 4, 4, 1, 1, F>,
    Residual<(BatchNorm2d<2, F>, Relu)>,
    MaxPool2d<2, 2, 2>,
    Flatten<8>,
    Dense<8, 3, F>,
);

/// A model with seeded, non-zero weights, so that an unchanged model and a
/// zeroed one cannot be confused.
pub fn seeded<F: Float, M: Model<F>>() -> M {
    M::init(&mut Xoshiro256PlusPlus::seed_from_u64(7))
}

/// Every parameter's bits, in `tensors()` order.
#[allow(dead_code)] // used by the weight targets, not by every target
pub fn bits<F: Float, M: Model<F>>(model: &M) -> Vec<u64> {
    model.tensors().flat_map(|t| t.storage.iter().map(|v| v.to_bits_u64()).collect::<Vec<_>>()).collect()
}
