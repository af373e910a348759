//! Firmware image `transformer_digits`: the transformer encoder classifies
//! the 360 test digits on the device, each as 8 tokens of 8 pixels, prints
//! every logit's bits (compared with the host's by `ci.sh`) and the
//! accuracy, and exits successfully if the accuracy is the host's.
#![no_std]
#![no_main]

use constnet::Model;
use constnet_firmware::io::Out;
use constnet_firmware::{classifier, transformer_digits};
use cortex_m_rt::entry;

/// The host's accuracy on this split with this model
/// (examples/transformer_digits.rs).
const EXPECTED_CORRECT: u32 = 353;

#[entry]
fn main() -> ! {
    let mut out = Out::new();
    out.str("transformer_digits: 8 tokens embedded to 32, positions, encoder 4 heads ff 64, mean, dense 32-10, ")
        .dec(<transformer_digits::TransformerDigits as Model>::BYTES as u32)
        .str(" parameter bytes in flash")
        .end();

    classifier::run(
        &mut out,
        &transformer_digits::TEST_SET,
        transformer_digits::tokens,
        transformer_digits::infer,
        EXPECTED_CORRECT,
    )
}
