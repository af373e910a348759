//! The `lstm_digits` image: the recurrent classifier trained by
//! `examples/sequence_digits.rs` — an LSTM of 32 units reading each 8×8
//! digit as 8 rows of 8 pixels, its last hidden state to 10 logits —
//! classifies the digits example's 360 test digits on the device, streaming
//! each digit one row at a time through the LSTM's step function on a state
//! the caller holds, as firmware runs a recurrent model on a live signal.
//! Model and test set are `static`s (flash); pixels are scaled by 1/16 on
//! the device, exactly as on the host.
//!
//! The firmware and the host test `tests/firmware_outputs.rs` both compile
//! this file: the same model, the same inputs, the same function.

use constnet::layers::{Cell, LstmState};
use constnet::prelude::*;

/// LSTM (8 → 32) over the rows, the last hidden state, dense 32 → 10:
/// 5,706 parameters, 22,824 bytes.
pub type LstmDigits = (Lstm<8, 32>, LastStep, Dense<32, 10>);

/// The flash this image allows for the model's parameters, in bytes.
pub const BUDGET: usize = 24 * 1024;
const _: () = assert!(<LstmDigits as Model>::BYTES <= BUDGET, "the LSTM's parameters do not fit the image's budget");

/// The trained model, as exported by `cargo run --release --example sequence_digits`.
pub static NET: LstmDigits = include!("models/lstm_digits.rs");

/// The digits example's test split (seed 0): raw pixels and labels.
pub static TEST_SET: [([u8; 64], u8); 360] = include!("models/digits_test_set.rs");

/// The model's input for raw pixels: 8 rows of 8 pixels, top row first,
/// each pixel divided by 16, exactly.
pub fn rows(raw: &[u8; 64]) -> [[f32; 8]; 8] {
    core::array::from_fn(|r| core::array::from_fn(|c| f32::from(raw[8 * r + c]) / 16.0))
}

/// One inference, streamed: the rows go through the LSTM one at a time on
/// a state held here, then the last hidden state through the dense layer —
/// exactly the bits of `NET.forward` on the whole sequence (the host test
/// checks it). Never panics (`check-no-panic.sh`).
#[inline(never)]
pub fn infer(rows: &[[f32; 8]; 8]) -> [f32; 10] {
    let (lstm, _, dense) = &NET;
    let mut state = LstmState::default();
    let mut hidden = [0.0; 32];
    for row in rows {
        hidden = lstm.step(&mut state, row);
    }
    dense.forward(&hidden)
}

/// The index of the largest logit (the first, on ties).
pub fn predicted(logits: &[f32; 10]) -> usize {
    argmax(logits)
}
