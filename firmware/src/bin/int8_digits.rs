//! Firmware image `int8_digits`: the int8 digits MLP of `digits_mlp.tflite`
//! classifies its 360 test digits, printing every int8 logit.
#![no_std]
#![no_main]

use constnet_firmware::io::Out;
use constnet_firmware::{classifier, int8_digits};
use cortex_m_rt::entry;

/// TensorFlow Lite's interpreter classifies 351 of the 360 right (0.975).
const EXPECTED_CORRECT: u32 = 351;

#[entry]
fn main() -> ! {
    let mut out = Out::new();
    out.str("int8_digits: 64-32-10 ReLU from digits_mlp.tflite, int8").end();
    let input = |raw: &[u8; 64]| int8_digits::pixels(raw, &int8_digits::PIXELS);
    let infer = |x: &[i8; 64]| int8_digits::infer(&int8_digits::NET, x);
    classifier::run(&mut out, &int8_digits::TEST_SET, input, infer, EXPECTED_CORRECT)
}
