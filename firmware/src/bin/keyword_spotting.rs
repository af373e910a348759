//! Firmware image `keyword_spotting`: the TCN classifies the 320 test clips
//! on the device, streaming each one frame of 2 samples at a time, prints
//! every logit's bits (compared with the host's by `ci.sh`) and the
//! accuracy, and exits successfully if the accuracy is the host's.
#![no_std]
#![no_main]

use constnet::Model;
use constnet_firmware::io::Out;
use constnet_firmware::{classifier, keyword_spotting};
use cortex_m_rt::entry;

/// The host's accuracy on this split with this model
/// (examples/keyword_spotting.rs).
const EXPECTED_CORRECT: u32 = 301;

#[entry]
fn main() -> ! {
    let mut out = Out::new();
    out.str("keyword_spotting: causal conv 2-8, 3 TCN blocks (dilations 1, 2, 4), last frame, dense 8-8, streamed, ")
        .dec(<keyword_spotting::Kws as Model>::BYTES as u32)
        .str(" parameter bytes in flash")
        .end();

    classifier::run(
        &mut out,
        &keyword_spotting::TEST_SET,
        keyword_spotting::frames,
        keyword_spotting::infer,
        EXPECTED_CORRECT,
    )
}
