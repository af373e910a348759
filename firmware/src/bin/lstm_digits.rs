//! Firmware image `lstm_digits`: classifies the 360 test digits on the
//! device with the LSTM, streaming each digit row by row, prints every
//! logit's bits (compared with the host's by `ci.sh`) and the accuracy, and
//! exits successfully if the accuracy is the host's.
#![no_std]
#![no_main]

use constnet::Model;
use constnet_firmware::io::Out;
use constnet_firmware::{classifier, lstm_digits};
use cortex_m_rt::entry;

/// The host's accuracy on this split with this model
/// (examples/sequence_digits.rs).
const EXPECTED_CORRECT: u32 = 357;

#[entry]
fn main() -> ! {
    let mut out = Out::new();
    out.str("lstm_digits: LSTM 8-32 over 8 rows, dense 32-10, ")
        .dec(<lstm_digits::LstmDigits as Model>::BYTES as u32)
        .str(" parameter bytes in flash")
        .end();

    classifier::run(&mut out, &lstm_digits::TEST_SET, lstm_digits::rows, lstm_digits::infer, EXPECTED_CORRECT)
}
