//! The `int8_digits` image: TensorFlow Lite's full-integer quantisation of
//! a 64-32-10 ReLU digits MLP (`tests/data/int8/digits_mlp.tflite`),
//! classifying that model's 360 test digits — the rows `test_indices` of
//! `data/digits.csv`, the same split as the `pytorch_cnn` image's.
//!
//! `build.rs` checks the `.tflite` file against [`Digits8`] and writes the
//! model, and the quantised value of each raw pixel 0–16 (`p / 16` by the
//! file's input scale and zero point), as Rust source into `OUT_DIR`; the
//! image links no parser. The host test `tests/firmware_outputs.rs`
//! compiles this file without the `OUT_DIR` statics and loads the same file.

use constnet::prelude::*;

#[path = "models/int8_digits_type.rs"]
mod model_type;
pub use model_type::Digits8;

/// The model, from the source `build.rs` generated: in flash.
#[cfg(target_os = "none")]
pub static NET: Digits8 = include!(concat!(env!("OUT_DIR"), "/int8_digits.rs"));

/// Each raw pixel value 0–16 quantised as the model's input.
#[cfg(target_os = "none")]
pub static PIXELS: [i8; 17] = include!(concat!(env!("OUT_DIR"), "/int8_digits_pixels.rs"));

/// The model's test set: raw pixels and labels.
pub static TEST_SET: [([u8; 64], u8); 360] = include!("models/pytorch_cnn_test_set.rs");

/// The model's input for raw pixels, through the quantisation table
/// `pixels` (a value above 16 takes the table's last entry).
pub fn pixels(raw: &[u8; 64], table: &[i8; 17]) -> [i8; 64] {
    raw.map(|p| table[usize::from(p).min(16)])
}

/// One inference: the ten int8 logits.
#[inline(never)]
pub fn infer(net: &Digits8, x: &[i8; 64]) -> [i8; 10] {
    net.forward(x)
}
