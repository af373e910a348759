//! The `cnn_digits` image: the small convolutional network trained by
//! `examples/cnn_digits.rs` classifies the same 360 test digits as the
//! `digits` image, on the device. Model and test set are `static`s (flash);
//! pixels are scaled by 1/16 on the device, exactly as on the host.
//!
//! The firmware and the host test `tests/firmware_outputs.rs` both compile
//! this file: the same model, the same inputs, the same function.

use constnet::prelude::*;

/// Conv 3×3 (1→16) → ReLU → max-pool 2×2 → flatten → dense 144→10:
/// 1,610 parameters, 6,440 bytes.
pub type Cnn = (Conv2d<1, 16, 3, 6, 6>, Relu, MaxPool2d<2, 3, 3>, Flatten<144>, Dense<144, 10>);

/// The flash this image allows for the model's parameters, in bytes.
pub const BUDGET: usize = 8 * 1024;
const _: () = assert!(<Cnn as Model>::BYTES <= BUDGET, "the CNN's parameters do not fit the image's budget");

/// The trained model, as exported by `cargo run --release --example cnn_digits`.
pub static NET: Cnn = include!("models/cnn_digits.rs");

/// The digits example's test split (seed 0): raw pixels and labels.
pub static TEST_SET: [([u8; 64], u8); 360] = include!("models/digits_test_set.rs");

/// The model's input for raw pixels: a 1×8×8 image, each pixel divided by
/// 16, exactly.
pub fn image(raw: &[u8; 64]) -> [[[f32; 8]; 8]; 1] {
    [core::array::from_fn(|r| core::array::from_fn(|c| f32::from(raw[8 * r + c]) / 16.0))]
}

/// One inference: the ten logits.
#[inline(never)]
pub fn infer(x: &[[[f32; 8]; 8]; 1]) -> [f32; 10] {
    NET.forward(x)
}

/// The index of the largest logit (the first, on ties).
pub fn predicted(logits: &[f32; 10]) -> usize {
    argmax(logits)
}
