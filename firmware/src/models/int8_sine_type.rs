// The `int8_sine` image's model type: the very type `build.rs` checks the
// `.tflite` file against, and the image and the host test compile.

use constnet::quant::QDense;

/// `tests/data/int8/sine.tflite`: three fully connected layers, 1-16-16-1,
/// ReLU fused into the first two.
pub type Sine8 = (QDense<1, 16>, QDense<16, 16>, QDense<16, 1>);
