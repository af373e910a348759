//! The `int8_cnn_digits` image: TensorFlow Lite's full-integer quantisation
//! of a small digits CNN (`tests/data/int8/digits_cnn.tflite`: 3×3
//! convolution 1→16 with ReLU, 2×2 max pooling, dense 144→10), classifying
//! that model's 360 test digits as 8×8 NHWC images (the `int8_digits`
//! image's test set).
//!
//! As `int8_digits`: `build.rs` checks the file against [`Cnn8`] and writes
//! the model and the pixel quantisation table into `OUT_DIR`; the host test
//! loads the same file.

use constnet::prelude::*;

#[path = "models/int8_cnn_digits_type.rs"]
mod model_type;
pub use model_type::Cnn8;

/// The model, from the source `build.rs` generated: in flash.
#[cfg(target_os = "none")]
pub static NET: Cnn8 = include!(concat!(env!("OUT_DIR"), "/int8_cnn_digits.rs"));

/// Each raw pixel value 0–16 quantised as the model's input.
#[cfg(target_os = "none")]
pub static PIXELS: [i8; 17] = include!(concat!(env!("OUT_DIR"), "/int8_cnn_digits_pixels.rs"));

/// The model's test set: raw pixels and labels.
pub static TEST_SET: [([u8; 64], u8); 360] = include!("models/pytorch_cnn_test_set.rs");

/// The model's input for raw pixels: an 8×8 one-channel NHWC image through
/// the quantisation table (a value above 16 takes its last entry).
pub fn image(raw: &[u8; 64], table: &[i8; 17]) -> [[[i8; 1]; 8]; 8] {
    core::array::from_fn(|r| core::array::from_fn(|c| [table[usize::from(raw[8 * r + c]).min(16)]]))
}

/// One inference: the ten int8 logits.
#[inline(never)]
pub fn infer(net: &Cnn8, x: &[[[i8; 1]; 8]; 8]) -> [i8; 10] {
    net.forward(x)
}
