//! Firmware image `digits`: classifies the 360 test digits on the device,
//! prints every logit's bits (compared with the host's by `ci.sh`) and the
//! accuracy, and exits successfully if the accuracy is the host's.
#![no_std]
#![no_main]

use constnet::Model;
use constnet_firmware::io::Out;
use constnet_firmware::{classifier, digits};
use cortex_m_rt::entry;

/// The host's accuracy on this split with this model (examples/digits.rs).
const EXPECTED_CORRECT: u32 = 354;

#[entry]
fn main() -> ! {
    let mut out = Out::new();
    out.str("digits: 64-32-10 tanh, ")
        .dec(<digits::Digits as Model>::BYTES as u32)
        .str(" parameter bytes in flash")
        .end();

    classifier::run(&mut out, &digits::TEST_SET, digits::pixels, digits::infer, EXPECTED_CORRECT)
}
