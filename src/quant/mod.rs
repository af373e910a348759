//! Int8 inference bit-exact with TensorFlow Lite's reference kernels (the
//! arithmetic TFLite Micro uses).
//!
//! Activations are int8 with a scale and a zero point, weights int8 and
//! symmetric (per output channel or per tensor), biases int32 with scale
//! `input_scale · weight_scale`: TFLite's int8 quantisation spec. Every
//! layer with a requantisation is generic over its [`Rounding`]:
//! [`SingleRounding`] or [`DoubleRounding`] (gemmlowp's arithmetic, TFLite
//! Micro's and CMSIS-NN's default). Each layer's default is what TFLite
//! 2.21's reference kernel for that operator does, as
//! `tests/int8_reference.rs` establishes bit for bit: fully connected and
//! softmax round once, convolution and depthwise convolution twice. For
//! TFLite Micro or CMSIS-NN, use [`DoubleRounding`] throughout.
//!
//! Layouts are TFLite's: a vector is `[i8; N]`, an image NHWC without the
//! batch, `[[[i8; C]; W]; H]` (height, width, channels), so TFLite's
//! `RESHAPE` to a vector is [`Flatten`](crate::layers::Flatten), which
//! flattens row-major. Fully connected weights are `[O][I]`, convolution
//! weights OHWI `[[[[i8; CI]; KW]; KH]; CO]`, depthwise weights
//! `[[[i8; CO]; KW]; KH]` (TFLite's `[1][KH][KW][CO]`).
//!
//! Convolutions, depthwise convolutions and poolings are one layer,
//! [`QWindowed`], that walks the windows of a [`Window2d`] geometry and
//! applies a [`WindowOp`] to each: a [`Convolution`] (grouped; its weight
//! layout, a [`ConvWeight`], tells [`QConv2d`] from [`QDepthwiseConv2d`])
//! or a [`Pooling`] ([`Max`] or [`Average`]). The familiar names are
//! aliases of it.
//!
//! Layers are built by `const fn`s from the integers a `.tflite` file holds
//! (weights, biases, zero points) and [`Multiplier`]s derived from its
//! scales, so a model is a `static` in flash; stacks are tuples, checked at
//! compile time like the float layers. Every layer (and tuple) is a
//! [`QuantizedModel`]: the host-only crate `constnet-tflite` builds it from a
//! `.tflite` file's operators, checked against its type, and writes it as
//! Rust source ([`WriteRust`]) for a `static`:
//!
//! ```
//! use constnet::prelude::*;
//! use constnet::quant::{Clamp, Multiplier, OutputStage, QDense};
//!
//! const HALF: Multiplier = match Multiplier::from_scale(0.5) { Ok(m) => m, Err(_) => panic!() };
//! static NET: (QDense<2, 2>, QDense<2, 1>) = (
//!     QDense::new([[1, 1], [1, -1]], [0, 0], 0, OutputStage::per_tensor(HALF, 0, Clamp::FULL)),
//!     QDense::new([[2, 1]], [1], 0, OutputStage::per_tensor(HALF, 0, Clamp::FULL)),
//! );
//! assert_eq!(NET.forward(&[10, 4]), [9]); // [7, 3] → (2·7 + 3 + 1)/2
//! ```
//!
//! A stack that does not chain does not compile:
//!
//! ```compile_fail
//! use constnet::prelude::*;
//! use constnet::quant::QDense;
//!
//! fn run(net: &(QDense<2, 3>, QDense<4, 1>)) -> [i8; 1] {
//!     net.forward(&[0, 0]) // a layer taking `[i8; 4]` was given `[i8; 3]`
//! }
//! ```
//!
//! A float model trained by this library converts to int8 here too, with
//! no TensorFlow: [`calibrate`] runs it over sample inputs recording every
//! activation's range, and [`quantize`] builds the int8 model — whose type
//! the float model's type computes ([`Quantize`]) — with per-channel
//! symmetric weights, int32 biases and activations quantised as TFLite's
//! converter does ([`QParams::from_range`]), ReLU fused into the layer
//! before it and the other activations as [`QLookup`] tables:
//!
//! ```
//! use constnet::prelude::*;
//! use constnet::quant::{QDense, QLookup, QRelu, calibrate, quantize};
//!
//! type Net = (Dense<2, 4>, Relu, Dense<4, 1>, Sigmoid);
//! let net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
//! let inputs: Vec<[f32; 2]> = (0..64).map(|k| [(k % 8) as f32 / 7.0, (k / 8) as f32 / 7.0]).collect();
//! let q = quantize(&net, &calibrate(&net, &inputs))?;
//! let _: &(QDense<2, 4>, QRelu, QDense<4, 1>, QLookup) = &q.model;
//! let [y] = q.output.dequantize_array(&q.model.forward(&q.input.quantize_array(&inputs[9])));
//! assert!((y - net.forward(&inputs[9])[0]).abs() < 0.02);
//! # Ok::<(), constnet::quant::QuantizeError>(())
//! ```
//!
//! Nothing here panics on any input: every index is bounded by the
//! compile-time shapes, accumulators wrap (where TFLite's would overflow)
//! and requantised values saturate.

mod activation;
mod calibrate;
mod checks;
mod conv;
mod convert;
mod dense;
mod depthwise;
mod graph;
mod load_error;
mod lookup;
mod model;
mod padding;
mod params;
mod pool;
mod quantize;
mod quantize_error;
mod relu;
mod requantize;
mod reshape;
mod rust_source;
mod softmax;
mod weights;
mod window;

pub use activation::{Activation, Clamp, OutputStage};
pub use calibrate::{Calibrate, Calibration, Range, calibrate};
pub use conv::{ConvWeight, Convolution, QConv2d};
pub use convert::{QuantizedConv, TflitePaddingOf};
pub use dense::QDense;
pub use depthwise::QDepthwiseConv2d;
pub use graph::{ElementType, FusedActivation, Operator, OperatorKind, Options, Padding, Quantization, Tensor};
pub use load_error::{Dims, LoadError, LoadErrorKind, Role};
pub use lookup::QLookup;
pub use model::{QuantizedModel, WriteRust, load};
pub use padding::{SamePadding, TflitePadding, Valid};
pub use params::QParams;
pub use pool::{Average, Max, Pooling, QAvgPool2d, QMaxPool2d, Reduction};
pub use quantize::{Edge, Order, Quantize, QuantizedNet, quantize};
pub use quantize_error::{QuantizeError, QuantizeErrorKind};
pub use relu::QRelu;
pub use requantize::{DoubleRounding, Multiplier, Rounding, RoundingMode, ScaleError, SingleRounding};
pub use requantize::{multiply_double, multiply_single, rounding_divide_by_pot, saturating_rounding_doubling_high_mul};
pub use softmax::QSoftmax;
pub use weights::{quantize_bias, quantize_weight, symmetric_scale};
pub use window::{QWindowed, Window2d, WindowGeometry, WindowOp};
