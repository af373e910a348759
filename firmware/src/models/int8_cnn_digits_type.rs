// The `int8_cnn_digits` image's model type: the very type `build.rs` checks the
// `.tflite` file against, and the image and the host test compile.

use constnet::layers::Flatten;
use constnet::quant::{QConv2d, QDense, QMaxPool2d};

/// `tests/data/int8/digits_cnn.tflite`: `CONV_2D` 1→16 3×3 (VALID, ReLU
/// fused) on an 8×8 NHWC image, `MAX_POOL_2D` 2×2, `RESHAPE` to 144,
/// `FULLY_CONNECTED` 144→10.
pub type Cnn8 = (QConv2d<1, 16, 3, 3, 8, 8, 6, 6>, QMaxPool2d<16, 2, 2, 6, 6, 3, 3>, Flatten<144>, QDense<144, 10>);
