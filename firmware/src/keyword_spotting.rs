//! The `keyword_spotting` image: the temporal convolutional network
//! trained by `examples/keyword_spotting.rs` — causal convolutions over a
//! raw 8-bit waveform read as frames of 2 samples, the last frame's
//! features to 8 logits — classifies the example's 320 test clips on the
//! device, streaming each clip one frame at a time through
//! [`Streaming::stream`] on a state the firmware holds (each causal
//! convolution's last frames), as firmware on a live microphone would.
//! Model and test clips are `static`s (flash); samples are mapped to
//! `(v − 128)/32` on the device, exactly as on the host.
//!
//! The firmware and the host test `tests/firmware_outputs.rs` both compile
//! this file: the same model, the same inputs, the same function.

use constnet::layers::{History, LastFrame, TcnState};
use constnet::prelude::*;

/// Samples per clip.
pub const SAMPLES: usize = 64;
/// Samples per frame: the input channels of the network.
pub const FRAME: usize = 2;
/// Frames per clip.
pub const FRAMES: usize = SAMPLES / FRAME;
/// The keywords.
pub const CLASSES: usize = 8;

/// `CausalConv1d<2, 8, 3, 1, 32>` → ReLU → three `TcnBlock<8, 3, D, 32>`
/// (dilations 1, 2, 4) → `LastFrame` → `Dense<8, 8>`: 1,328 parameters,
/// 5,312 bytes.
pub type Kws = (
    CausalConv1d<FRAME, 8, 3, 1, FRAMES>,
    Relu,
    TcnBlock<8, 3, 1, FRAMES>,
    TcnBlock<8, 3, 2, FRAMES>,
    TcnBlock<8, 3, 4, FRAMES>,
    LastFrame,
    Dense<8, CLASSES>,
);

/// What streaming [`Kws`] keeps between frames: each causal convolution's
/// last `D·(K − 1)` input frames — 2 frames of 2 samples for the first, 2,
/// 4 and 8 frames of 8 channels for each block's two — and a count of
/// frames seen for each: 968 bytes on a 32-bit core.
pub type KwsState = (History<FRAME, 2>, (), TcnState<8, 2>, TcnState<8, 4>, TcnState<8, 8>, (), ());

/// The flash this image allows for the model's parameters, in bytes.
pub const BUDGET: usize = 6 * 1024;
const _: () = assert!(<Kws as Model>::BYTES <= BUDGET, "the TCN's parameters do not fit the image's budget");

/// The trained model, as exported by `cargo run --release --example keyword_spotting`.
pub static NET: Kws = include!("models/keyword_spotting.rs");

/// The example's test split (seed 0): 8-bit samples (128 = 0) and keywords.
pub static TEST_SET: [([u8; SAMPLES], u8); 320] = include!("models/keyword_spotting_test_set.rs");

/// A clip's frames in time order, as a stream delivers them: frame `t` is
/// samples `2t` and `2t + 1`, each mapped to `(v − 128)/32`, exactly.
pub fn frames(raw: &[u8; SAMPLES]) -> [[f32; FRAME]; FRAMES] {
    core::array::from_fn(|t| core::array::from_fn(|c| (f32::from(raw[FRAME * t + c]) - 128.0) / 32.0))
}

/// One inference, streamed: the frames go through the whole network one at
/// a time on a state held here (the network gives a classification at
/// every frame), and the last frame's logits are the clip's — exactly the
/// bits of `NET.forward` on the whole clip (the host test checks it).
/// Never panics (`check-no-panic.sh`).
#[inline(never)]
pub fn infer(frames: &[[f32; FRAME]; FRAMES]) -> [f32; CLASSES] {
    let mut state = KwsState::default();
    let mut logits = [0.0; CLASSES];
    for frame in frames {
        logits = NET.stream(frame, &mut state);
    }
    logits
}

/// The index of the largest logit (the first, on ties).
pub fn predicted(logits: &[f32; CLASSES]) -> usize {
    argmax(logits)
}
