//! constnet on Cortex-M: the support code of the firmware images in
//! `src/bin/`, and the parts of each image that the host tests share.
//!
//! * [`io`]: semihosting output without `core::fmt` (integers and raw `f32`
//!   bits in hex: printing one `f32` with `{}` would add about 14 KB of
//!   flash), and the exit status.
//! * [`classifier`]: the test-set loop every classifier image runs.
//! * [`probe`]: the stack's high-water mark and the marker functions between
//!   which `report.sh` counts the instructions of one inference.
//! * [`sine`], [`digits`], [`cnn_digits`], [`lstm_digits`], [`transformer_digits`], [`keyword_spotting`], [`tiny_gpt`], [`pytorch_cnn`], [`xor_train`]: one module per image, named after it, holding
//!   its model type, budget, data and `infer` function. The host test
//!   `tests/firmware_outputs.rs` compiles these same files, so the host
//!   computes exactly what the device computes.
//!
//! [`panic_canary`] panics on purpose: it is the positive control of the
//! checks in `ci.sh`.
//!
//! The panic handler prints where the panic happened and exits with a
//! failure status. It is linked only if something can reach it: the `sine`
//! image contains no panic machinery at all (`check-no-panic.sh`).
#![no_std]

pub mod classifier;
pub mod cnn_digits;
pub mod digits;
pub mod int8_cnn_digits;
pub mod int8_digits;
pub mod int8_sine;
pub mod io;
pub mod keyword_spotting;
pub mod lstm_digits;
pub mod panic_canary;
pub mod probe;
pub mod pytorch_cnn;
pub mod sine;
pub mod tiny_gpt;
pub mod transformer_digits;
mod vectors;
pub mod xor_train;

use core::panic::PanicInfo;

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    let mut out = io::Out::new();
    out.str("panic");
    if let Some(location) = info.location() {
        out.str(" at ").str(location.file()).str(":").dec(location.line());
    }
    out.end();
    io::exit(false)
}
