//! The sequence digits recipe shared by `examples/sequence_digits.rs` and
//! `tests/sequence_digits.rs`: the digits example's data and seeded 80/20
//! split, each digit read as a sequence of its 8 rows of 8 pixels (the
//! row-by-row task recurrent networks are classically tested on), and a
//! recurrent classifier trained with the digits recipe (Adam 1e-2, batch
//! 32, 30 epochs — the PyTorch baseline's settings).

use constnet::prelude::*;

use super::digits::Dataset;

/// An LSTM of 32 units over the rows, its last hidden state, dense to 10
/// logits (softmax cross-entropy).
pub type LstmDigits = (Lstm<8, 32>, LastStep, Dense<32, 10>);
/// The same with a GRU.
pub type GruDigits = (Gru<8, 32>, LastStep, Dense<32, 10>);
/// One digit as 8 steps of 8 pixels, scaled to [0, 1].
pub type Rows = Sequence<[f32; 8], 8>;
/// One sample: the rows and the one-hot class.
pub type Sample = (Rows, [f32; 10]);

pub const EPOCHS: usize = 30;

/// The digits' flat 64 pixels (row-major, as in the CSV) as sequences of
/// rows, top row first.
pub fn sequences(data: &Dataset) -> Vec<Sample> {
    data.samples
        .iter()
        .map(|(pixels, target)| (Sequence::from_fn(|r| core::array::from_fn(|c| pixels[8 * r + c])), *target))
        .collect()
}
