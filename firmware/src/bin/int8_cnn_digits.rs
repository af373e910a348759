//! Firmware image `int8_cnn_digits`: the int8 digits CNN of
//! `digits_cnn.tflite` classifies its 360 test digits, printing every int8
//! logit.
#![no_std]
#![no_main]

use constnet_firmware::io::Out;
use constnet_firmware::{classifier, int8_cnn_digits};
use cortex_m_rt::entry;

/// TensorFlow Lite's interpreter classifies 355 of the 360 right (0.98611).
const EXPECTED_CORRECT: u32 = 355;

#[entry]
fn main() -> ! {
    let mut out = Out::new();
    out.str("int8_cnn_digits: conv 3x3 1-16, max-pool 2x2, dense 144-10 from digits_cnn.tflite, int8").end();
    let input = |raw: &[u8; 64]| int8_cnn_digits::image(raw, &int8_cnn_digits::PIXELS);
    let infer = |x: &[[[i8; 1]; 8]; 8]| int8_cnn_digits::infer(&int8_cnn_digits::NET, x);
    classifier::run(&mut out, &int8_cnn_digits::TEST_SET, input, infer, EXPECTED_CORRECT)
}
