// The int8 images' model types: the very types `build.rs` checks the
// `.tflite` files against, and the images and the host test compile.

use constnet::layers::Flatten;
use constnet::quant::{QConv2d, QDense, QMaxPool2d};

/// `tests/data/int8/sine.tflite`: three fully connected layers, 1-16-16-1,
/// ReLU fused into the first two.
pub type Sine8 = (QDense<1, 16>, QDense<16, 16>, QDense<16, 1>);

/// `tests/data/int8/digits_mlp.tflite`: 64-32-10, ReLU fused into the first.
pub type Digits8 = (QDense<64, 32>, QDense<32, 10>);

/// `tests/data/int8/digits_cnn.tflite`: `CONV_2D` 1→16 3×3 (VALID, ReLU
/// fused) on an 8×8 NHWC image, `MAX_POOL_2D` 2×2, `RESHAPE` to 144,
/// `FULLY_CONNECTED` 144→10.
pub type Cnn8 = (QConv2d<1, 16, 3, 3, 8, 8, 6, 6>, QMaxPool2d<16, 2, 2, 6, 6, 3, 3>, Flatten<144>, QDense<144, 10>);
