//! Firmware image `pytorch_cnn`: the CNN trained in PyTorch, its weights
//! compiled in at build time from `cnn.safetensors`, classifies its 360 test
//! digits on the device, prints every logit's bits (compared with the host's
//! by `ci.sh`) and the accuracy, and exits successfully if the accuracy is
//! the host's.
#![no_std]
#![no_main]

use constnet::Model;
use constnet_firmware::io::{self, Out};
use constnet_firmware::{probe, pytorch_cnn};
use cortex_m_rt::entry;

/// The host's accuracy on this test set with this model (358 of 360, as
/// PyTorch's 0.99444 in `tests/data/interop/cnn.json`).
const EXPECTED_CORRECT: u32 = 358;

#[entry]
fn main() -> ! {
    let mut out = Out::new();
    out.str("pytorch_cnn: PyTorch-trained conv 3x3 16 ch, pool, dense, ")
        .dec(<pytorch_cnn::PytorchCnn as Model>::BYTES as u32)
        .str(" parameter bytes in flash, from cnn.safetensors at build time")
        .end();

    // One inference between the markers: the instructions report.sh counts.
    let first = pytorch_cnn::image(&pytorch_cnn::TEST_SET[0].0);
    probe::constnet_mark_start();
    let logits = pytorch_cnn::infer(&pytorch_cnn::NET, core::hint::black_box(&first));
    probe::constnet_mark_end();
    core::hint::black_box(logits);

    let mut correct = 0;
    for (k, (raw, label)) in pytorch_cnn::TEST_SET.iter().enumerate() {
        let logits = pytorch_cnn::infer(&pytorch_cnn::NET, &pytorch_cnn::image(raw));
        correct += u32::from(pytorch_cnn::predicted(&logits) == usize::from(*label));
        out.str("out ").dec(k as u32);
        for value in logits {
            out.str(" ").bits(value);
        }
        out.end();
    }
    out.str("correct: ").dec(correct).str(" of ").dec(pytorch_cnn::TEST_SET.len() as u32).end();
    out.str("stack_peak ").dec(probe::stack_peak()).end();
    io::exit(correct == EXPECTED_CORRECT)
}
