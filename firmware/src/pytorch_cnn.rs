//! The `pytorch_cnn` image: a CNN trained in PyTorch classifies 360 test
//! digits on the device. Its weights are not in this repository's source:
//! `build.rs` reads the PyTorch file `tests/data/interop/cnn.safetensors` at
//! build time, checks every tensor's name, shape and dtype against
//! [`PytorchCnn`] (`constnet_safetensors::build_model_source`; a file that
//! does not fit fails the build) and writes the model as a `const`
//! expression into `OUT_DIR`, which [`NET`] `include!`s: the image links
//! neither a parser nor the file, only `constnet` and the weights in flash.
//!
//! The host test `tests/firmware_outputs.rs` compiles this file too, without
//! `NET` (the host has no firmware `OUT_DIR`): it loads the same file with
//! `constnet_safetensors::from_bytes` and runs the same `image` and `infer`
//! on the same test set.

use constnet::prelude::*;

#[path = "models/pytorch_cnn_type.rs"]
mod model_type;
pub use model_type::PytorchCnn;

/// The flash this image allows for the model's parameters, in bytes.
pub const BUDGET: usize = 8 * 1024;
const _: () =
    assert!(<PytorchCnn as Model>::BYTES <= BUDGET, "the PyTorch CNN's parameters do not fit the image's budget");

/// The PyTorch-trained model, built at compile time from the Rust source
/// `build.rs` generated from `cnn.safetensors`: in `.rodata` (flash).
#[cfg(target_os = "none")]
pub static NET: PytorchCnn = include!(concat!(env!("OUT_DIR"), "/pytorch_cnn.rs"));

/// The PyTorch model's test set: the rows `test_indices` of
/// `data/digits.csv` listed in `tests/data/interop/cnn.json`, as raw pixels
/// and labels.
pub static TEST_SET: [([u8; 64], u8); 360] = include!("models/pytorch_cnn_test_set.rs");

/// The model's input for raw pixels: a 1×8×8 image (NCHW without the
/// batch), each pixel divided by 16, exactly — PyTorch's `inputs`.
pub fn image(raw: &[u8; 64]) -> [[[f32; 8]; 8]; 1] {
    [core::array::from_fn(|r| core::array::from_fn(|c| f32::from(raw[8 * r + c]) / 16.0))]
}

/// One inference: the ten logits. The firmware passes [`NET`], the host
/// test the model it loaded from the same file.
#[inline(never)]
pub fn infer(net: &PytorchCnn, x: &[[[f32; 8]; 8]; 1]) -> [f32; 10] {
    net.forward(x)
}

/// The index of the largest logit (the first, on ties).
pub fn predicted(logits: &[f32; 10]) -> usize {
    argmax(logits)
}
