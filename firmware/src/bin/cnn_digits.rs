//! Firmware image `cnn_digits`: the CNN classifies the 360 test digits on the device,
//! prints every logit's bits (compared with the host's by `ci.sh`) and the
//! accuracy, and exits successfully if the accuracy is the host's.
#![no_std]
#![no_main]

use constnet::Model;
use constnet_firmware::io::{self, Out};
use constnet_firmware::{cnn_digits, probe};
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

    // One inference between the markers: the instructions report.sh counts.
    let first = cnn_digits::image(&cnn_digits::TEST_SET[0].0);
    probe::constnet_mark_start();
    let logits = cnn_digits::infer(core::hint::black_box(&first));
    probe::constnet_mark_end();
    core::hint::black_box(logits);

    let mut correct = 0;
    for (k, (raw, label)) in cnn_digits::TEST_SET.iter().enumerate() {
        let logits = cnn_digits::infer(&cnn_digits::image(raw));
        correct += u32::from(cnn_digits::predicted(&logits) == usize::from(*label));
        out.str("out ").dec(k as u32);
        for value in logits {
            out.str(" ").bits(value);
        }
        out.end();
    }
    out.str("correct: ").dec(correct).str(" of ").dec(cnn_digits::TEST_SET.len() as u32).end();
    out.str("stack_peak ").dec(probe::stack_peak()).end();
    io::exit(correct == EXPECTED_CORRECT)
}
