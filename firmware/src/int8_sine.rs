//! The `int8_sine` image: TensorFlow Lite's full-integer quantisation of a
//! 1-16-16-1 ReLU sine network (`tests/data/int8/sine.tflite`, converted by
//! TensorFlow 2.21), run on every one of the 256 int8 inputs.
//!
//! No weights are in this repository's Rust source: `build.rs` reads the
//! `.tflite` file at build time, checks it against [`Sine8`] with
//! `constnet_tflite::build_model_source` (a file that does not fit fails
//! the build) and writes the model as a `const` expression into `OUT_DIR`,
//! which [`NET`] `include!`s. The image links no parser.
//!
//! The host test `tests/firmware_outputs.rs` compiles this file too,
//! without `NET` (the host has no firmware `OUT_DIR`): it loads the same
//! file with `constnet_tflite::load` and runs the same `infer`.

use constnet::prelude::*;

#[path = "models/int8_sine_type.rs"]
mod model_type;
pub use model_type::Sine8;

/// The model, built at compile time from the source `build.rs` generated
/// from `sine.tflite`: in `.rodata` (flash).
#[cfg(target_os = "none")]
pub static NET: Sine8 = include!(concat!(env!("OUT_DIR"), "/int8_sine.rs"));

/// One inference on a quantised input: the quantised estimate of sin(x).
/// The firmware passes [`NET`], the host test the model it loaded.
#[inline(never)]
pub fn infer(net: &Sine8, x: i8) -> i8 {
    let [y] = net.forward(&[x]);
    y
}
