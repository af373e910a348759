//! The digits CNN recipe shared by `examples/cnn_digits.rs` and
//! `tests/cnn_digits.rs`: the same data and seeded 80/20 split as the
//! digits example ([`super::digits`]), each sample as a 1×8×8 image, and a
//! small convolutional network trained with the PyTorch baseline's
//! settings (Adam 1e-2, batch 32, 40 epochs).

use std::error::Error;

use constnet::prelude::*;

use super::digits::{Dataset, Event, Measured, Split, measure_classifier, train_classifier};

/// Conv 3×3, 1 → 16 channels (8×8 → 6×6), ReLU, max-pool 2×2 (→ 3×3),
/// flatten (16·3·3 = 144), dense 144 → 10 logits (softmax cross-entropy).
pub type Cnn = (Conv2d<1, 16, 3, 6, 6>, Relu, MaxPool2d<2, 3, 3>, Flatten<144>, Dense<144, 10>);
/// One digit as a CHW image with one channel, pixels scaled to [0, 1].
pub type Image = [[[f32; 8]; 8]; 1];
/// One sample: the image and the one-hot class.
pub type Sample = (Image, [f32; 10]);

pub const EPOCHS: usize = 40;

/// The digits' flat 64 pixels (row-major, as in the CSV) as 1×8×8 images.
pub fn images(data: &Dataset) -> Vec<Sample> {
    data.samples
        .iter()
        .map(|(pixels, target)| {
            let image: [[f32; 8]; 8] = core::array::from_fn(|r| core::array::from_fn(|c| pixels[8 * r + c]));
            ([image], *target)
        })
        .collect()
}

/// Mean softmax cross-entropy and accuracy of `net` over the samples at
/// `indices`, by inference.
pub fn measure(net: &Cnn, samples: &[Sample], labels: &[usize], indices: &[usize]) -> Measured {
    measure_classifier(net, samples, labels, indices)
}

/// Trains a freshly initialised CNN on `split.train` with the digits recipe
/// ([`train_classifier`]), reporting each batch and epoch to `observe`. The
/// initialisation is the library's default, Xavier uniform (biases zero),
/// as the digits example's: the first and only setting tried on the
/// example's split (98.6%), so nothing was chosen on the test set; see the
/// README.
pub fn train(
    samples: &[Sample],
    labels: &[usize],
    split: &Split,
    seed: u64,
    observe: impl FnMut(Event),
) -> Result<Cnn, Box<dyn Error>> {
    train_classifier(samples, labels, split, seed, EPOCHS, observe)
}
