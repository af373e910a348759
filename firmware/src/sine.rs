//! The `sine` image: a 1-16-16-1 ReLU network approximating sin(x) on
//! [0, 2π] (the shape of TensorFlow Lite Micro's `hello_world`), trained on
//! the host by `examples/sine.rs` and exported to `models/sine.rs`.
//!
//! The firmware and the host test `tests/firmware_outputs.rs` both compile
//! this file: the same model, the same inputs, the same function.

use constnet::prelude::*;

/// The network: 321 parameters.
pub type Sine = (Dense<1, 16>, Relu, Dense<16, 16>, Relu, Dense<16, 1>);

/// The flash this image allows for the model's parameters, in bytes.
pub const BUDGET: usize = 1536;
const _: () = assert!(<Sine as Model>::BYTES <= BUDGET, "the sine model's parameters do not fit the image's budget");

/// The trained model: a `static` built by `const fn`s, so it lives in flash
/// (`.rodata`) and is never copied to RAM.
pub static NET: Sine = include!("models/sine.rs");

/// How many points of the grid over [0, 2π) the image evaluates.
pub const GRID: usize = 64;

/// How many inputs the image evaluates: the grid, then seven more.
pub const INPUTS: usize = GRID + 7;

/// The image's `k`-th input, for `k < INPUTS`: the grid points k·(2π/64)
/// of [0, 2π), then 2π itself, points outside the training range, and the
/// IEEE special values, which must propagate without a panic. Computed
/// rather than stored (one rounded product, the same bits everywhere) to
/// keep the table out of flash.
pub fn input(k: usize) -> f32 {
    const STEP: f32 = core::f32::consts::TAU / GRID as f32;
    match k.checked_sub(GRID) {
        None => k as f32 * STEP,
        Some(0) => core::f32::consts::TAU,
        Some(1) => -1.0,
        Some(2) => 10.0,
        Some(3) => -0.0,
        Some(4) => f32::INFINITY,
        Some(5) => f32::NEG_INFINITY,
        Some(_) => f32::NAN,
    }
}

/// One inference: the model's estimate of sin(x). Never panics: every index
/// is a compile-time shape (`check-no-panic.sh` verifies the machine code).
#[inline(never)]
pub fn infer(x: f32) -> f32 {
    let [y] = NET.forward(&[x]);
    y
}
