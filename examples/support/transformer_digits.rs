//! The transformer digits recipe shared by `examples/transformer_digits.rs`,
//! `tests/transformer_digits.rs` and `tests/firmware_outputs.rs`: the
//! digits example's data and seeded 80/20 split, each digit as 8 tokens
//! (its rows) of 8 pixels, as the recurrent models read them
//! ([`super::sequence_digits::sequences`]), and a
//! one-layer transformer encoder classifier trained with the PyTorch
//! baseline's settings: Adam 2e-3, batch 32, 30 epochs.

use std::error::Error;

use constnet::prelude::*;

use super::digits::{Event, Split, train_classifier_at};
use super::sequence_digits::Sample;

/// Each row (token) embedded linearly to 32, learned positions added, one
/// post-norm encoder layer (4 heads, ReLU feed-forward of 64), the mean over
/// the 8 tokens, dense to 10 logits (softmax cross-entropy): PyTorch's
/// `Linear(8, 32)`, a `[8, 32]` parameter added to the tokens,
/// `TransformerEncoderLayer(32, 4, 64, dropout=0, batch_first=True)`,
/// `x.mean(dim=1)`, `Linear(32, 10)`.
pub type TransformerDigits =
    (PerStep<Dense<8, 32>>, LearnedPositions<8, 32>, TransformerEncoderLayer<32, 4, 64>, MeanOverSteps, Dense<32, 10>);

/// The model's type as Rust source, for the example's output and the
/// exported file's header.
pub const NAME: &str = "(PerStep<Dense<8, 32>>, LearnedPositions<8, 32>, TransformerEncoderLayer<32, 4, 64>, \
                        MeanOverSteps, Dense<32, 10>)";

pub const EPOCHS: usize = 30;
/// Adam's step size: PyTorch's baseline for this model (the other digits
/// recipes use 1e-2).
pub const LEARNING_RATE: f32 = 2e-3;

/// Trains a freshly initialised [`TransformerDigits`] on `split.train`
/// with the digits recipe ([`train_classifier_at`]: the default
/// initialisation from an RNG seeded with `seed` — Xavier uniform for the
/// dense and attention weights, N(0, 1) for the positions, as PyTorch's
/// `nn.Embedding` — batches of 32 reshuffled every epoch by the same RNG,
/// softmax cross-entropy) with Adam at [`LEARNING_RATE`] for [`EPOCHS`]
/// epochs, reporting each batch and epoch to `observe`.
pub fn train(
    samples: &[Sample],
    labels: &[usize],
    split: &Split,
    seed: u64,
    observe: impl FnMut(Event),
) -> Result<TransformerDigits, Box<dyn Error>> {
    train_classifier_at(samples, labels, split, seed, (EPOCHS, LEARNING_RATE), observe)
}
