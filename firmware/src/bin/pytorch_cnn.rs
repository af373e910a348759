//! Firmware image `pytorch_cnn`: the CNN trained in PyTorch, its weights
//! compiled in at build time from `cnn.safetensors`, classifies its 360 test
//! digits on the device, prints every logit's bits (compared with the host's
//! by `ci.sh`) and the accuracy, and exits successfully if the accuracy is
//! the host's.
#![no_std]
#![no_main]

use constnet::Model;
use constnet_firmware::io::Out;
use constnet_firmware::{classifier, pytorch_cnn};
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

    classifier::run(
        &mut out,
        &pytorch_cnn::TEST_SET,
        pytorch_cnn::image,
        |x| pytorch_cnn::infer(&pytorch_cnn::NET, x),
        EXPECTED_CORRECT,
    )
}
