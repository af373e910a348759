// The `int8_digits` image's model type: the very type `build.rs` checks the
// `.tflite` file against, and the image and the host test compile.

use constnet::quant::QDense;

/// `tests/data/int8/digits_mlp.tflite`: 64-32-10, ReLU fused into the first.
pub type Digits8 = (QDense<64, 32>, QDense<32, 10>);
