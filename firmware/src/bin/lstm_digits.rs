//! Firmware image `lstm_digits`: classifies the 360 test digits on the
//! device with the LSTM, streaming each digit row by row, prints every
//! logit's bits (compared with the host's by `ci.sh`) and the accuracy, and
//! exits successfully if the accuracy is the host's.
#![no_std]
#![no_main]

use constnet::Model;
use constnet_firmware::io::{self, Out};
use constnet_firmware::{lstm_digits, probe};
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

    // One inference between the markers: the instructions report.sh counts.
    let first = lstm_digits::rows(&lstm_digits::TEST_SET[0].0);
    probe::constnet_mark_start();
    let logits = lstm_digits::infer(core::hint::black_box(&first));
    probe::constnet_mark_end();
    core::hint::black_box(logits);

    let mut correct = 0;
    for (k, (raw, label)) in lstm_digits::TEST_SET.iter().enumerate() {
        let logits = lstm_digits::infer(&lstm_digits::rows(raw));
        correct += u32::from(lstm_digits::predicted(&logits) == usize::from(*label));
        out.str("out ").dec(k as u32);
        for value in logits {
            out.str(" ").bits(value);
        }
        out.end();
    }
    out.str("correct: ").dec(correct).str(" of ").dec(lstm_digits::TEST_SET.len() as u32).end();
    out.str("stack_peak ").dec(probe::stack_peak()).end();
    io::exit(correct == EXPECTED_CORRECT)
}
