//! The `digits` image: the 64-32-10 model trained by `examples/digits.rs`
//! classifies the whole test split of the 8×8 handwritten digits on the
//! device. Model and test set are `static`s (flash); the test set is kept
//! as raw pixels (0–16) and scaled by 1/16 on the device, which is exact
//! and so gives the same `f32` inputs as the host.
//!
//! The firmware and the host test `tests/firmware_outputs.rs` both compile
//! this file: the same model, the same inputs, the same function.

use constnet::prelude::*;

/// The network: 2410 parameters, 9640 bytes.
pub type Digits = (Dense<64, 32>, Tanh, Dense<32, 10>);

/// The flash this image allows for the model's parameters, in bytes.
pub const BUDGET: usize = 10 * 1024;
const _: () =
    assert!(<Digits as Model>::BYTES <= BUDGET, "the digits model's parameters do not fit the image's budget");

/// The trained model, as exported by `cargo run --release --example digits`.
pub static NET: Digits = include!("models/digits.rs");

/// The test split of seed 0 (360 samples): raw pixels and labels, exported
/// by the same example.
pub static TEST_SET: [([u8; 64], u8); 360] = include!("models/digits_test_set.rs");

/// The model's input for raw pixels: each divided by 16, exactly.
pub fn pixels(raw: &[u8; 64]) -> [f32; 64] {
    raw.map(|p| f32::from(p) / 16.0)
}

/// One inference: the ten logits. Never panics: every index is a
/// compile-time shape (`check-no-panic.sh` verifies the machine code).
#[inline(never)]
pub fn infer(x: &[f32; 64]) -> [f32; 10] {
    NET.forward(x)
}

/// The index of the largest logit (the first, on ties).
pub fn predicted(logits: &[f32; 10]) -> usize {
    argmax(logits)
}
