//! Firmware image `cnn_digits`: the CNN classifies the 360 test digits on the device,
//! prints every logit's bits (compared with the host's by `ci.sh`) and the
//! accuracy, and exits successfully if the accuracy is the host's.
#![no_std]
#![no_main]

use constnet::Model;
use constnet_firmware::io::Out;
use constnet_firmware::{classifier, cnn_digits};
use cortex_m_rt::entry;

/// The host's accuracy on this split with this model (examples/cnn_digits.rs).
const EXPECTED_CORRECT: u32 = 355;

#[entry]
fn main() -> ! {
    let mut out = Out::new();
    out.str("cnn_digits: conv 3x3 16 ch, pool, dense, ")
        .dec(<cnn_digits::Cnn as Model>::BYTES as u32)
        .str(" parameter bytes in flash")
        .end();

    classifier::run(&mut out, &cnn_digits::TEST_SET, cnn_digits::image, cnn_digits::infer, EXPECTED_CORRECT)
}
