//! A TensorFlow Lite operator as the int8 layers read it: its kind, its
//! tensors (shape, element type, constant bytes, quantisation) and its
//! options, borrowed from wherever they were parsed.
//!
//! The library does not parse `.tflite` files (the flatbuffer reader lives
//! in the host-only `constnet-tflite` crate, so firmware links none of it);
//! a parser fills these plain structs and
//! [`QuantizedModel::from_operators`](crate::quant::QuantizedModel::from_operators)
//! checks them against the model's type and builds it. Nothing here
//! allocates: every list is a slice of what the parser holds.

use core::fmt;

/// The TensorFlow Lite builtin operators the int8 layers implement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperatorKind {
    /// `FULLY_CONNECTED`: [`QDense`](crate::quant::QDense).
    FullyConnected,
    /// `CONV_2D`: [`QConv2d`](crate::quant::QConv2d).
    Conv2d,
    /// `DEPTHWISE_CONV_2D`: [`QDepthwiseConv2d`](crate::quant::QDepthwiseConv2d).
    DepthwiseConv2d,
    /// `MAX_POOL_2D`: [`QMaxPool2d`](crate::quant::QMaxPool2d).
    MaxPool2d,
    /// `AVERAGE_POOL_2D`: [`QAvgPool2d`](crate::quant::QAvgPool2d).
    AveragePool2d,
    /// `RESHAPE` of an image to a vector: [`Flatten`](crate::layers::Flatten).
    Reshape,
    /// `SOFTMAX`: [`QSoftmax`](crate::quant::QSoftmax).
    Softmax,
}

impl OperatorKind {
    /// The operator's name in TensorFlow Lite's schema, `FULLY_CONNECTED`…
    pub const fn name(self) -> &'static str {
        match self {
            OperatorKind::FullyConnected => "FULLY_CONNECTED",
            OperatorKind::Conv2d => "CONV_2D",
            OperatorKind::DepthwiseConv2d => "DEPTHWISE_CONV_2D",
            OperatorKind::MaxPool2d => "MAX_POOL_2D",
            OperatorKind::AveragePool2d => "AVERAGE_POOL_2D",
            OperatorKind::Reshape => "RESHAPE",
            OperatorKind::Softmax => "SOFTMAX",
        }
    }
}

impl fmt::Display for OperatorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A tensor's element type, as TensorFlow Lite's schema names them (those
/// the int8 path meets; anything else is [`ElementType::Other`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElementType {
    /// `INT8`: activations and weights.
    Int8,
    /// `INT32`: biases (and shape tensors).
    Int32,
    /// `FLOAT32`: a float model, or float inputs and outputs.
    Float32,
    /// `UINT8`: the older asymmetric quantisation.
    UInt8,
    /// `INT16`: 16×8 quantisation.
    Int16,
    /// `INT64`: shape tensors of some converters.
    Int64,
    /// Any other type, by its number in the schema's `TensorType`.
    Other(i8),
}

impl fmt::Display for ElementType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElementType::Int8 => f.write_str("int8"),
            ElementType::Int32 => f.write_str("int32"),
            ElementType::Float32 => f.write_str("float32"),
            ElementType::UInt8 => f.write_str("uint8"),
            ElementType::Int16 => f.write_str("int16"),
            ElementType::Int64 => f.write_str("int64"),
            ElementType::Other(code) => write!(f, "tensor type {code}"),
        }
    }
}

/// A tensor's affine quantisation, `real = scale · (q − zero_point)`: one
/// scale and zero point for the whole tensor, or one per slice along
/// `dimension` (per-channel).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantization<'a> {
    /// The scales, one per channel or one in all.
    pub scales: &'a [f32],
    /// The zero points, as many as the scales.
    pub zero_points: &'a [i64],
    /// The axis the channels run along (TFLite's `quantized_dimension`).
    pub dimension: usize,
}

/// One tensor of an operator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tensor<'a> {
    /// Its index in the subgraph's tensor list (for error messages).
    pub index: usize,
    /// Its name in the file (for error messages).
    pub name: &'a str,
    /// Its element type.
    pub element: ElementType,
    /// Its shape, outermost first, as the file gives it (with the batch).
    pub shape: &'a [i32],
    /// A constant tensor's contents, little-endian, row-major; `None` for
    /// a tensor computed at run time.
    pub data: Option<&'a [u8]>,
    /// Its quantisation, if it has one.
    pub quantization: Option<Quantization<'a>>,
}

/// TensorFlow Lite's two paddings, as an operator's options give them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Padding {
    /// `SAME`.
    Same,
    /// `VALID`.
    Valid,
}

impl fmt::Display for Padding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Padding::Same => "SAME",
            Padding::Valid => "VALID",
        })
    }
}

/// A fused activation as an operator's options name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FusedActivation {
    /// `NONE`.
    None,
    /// `RELU`.
    Relu,
    /// `RELU_N1_TO_1`.
    ReluN1To1,
    /// `RELU6`.
    Relu6,
    /// `TANH`.
    Tanh,
    /// `SIGN_BIT`.
    SignBit,
    /// Any other, by its number in the schema.
    Other(i8),
}

impl fmt::Display for FusedActivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FusedActivation::None => f.write_str("NONE"),
            FusedActivation::Relu => f.write_str("RELU"),
            FusedActivation::ReluN1To1 => f.write_str("RELU_N1_TO_1"),
            FusedActivation::Relu6 => f.write_str("RELU6"),
            FusedActivation::Tanh => f.write_str("TANH"),
            FusedActivation::SignBit => f.write_str("SIGN_BIT"),
            FusedActivation::Other(code) => write!(f, "activation {code}"),
        }
    }
}

/// An operator's options, those the int8 layers read. A parser leaves
/// what an operator does not have at [`Options::NONE`]'s values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// Convolutions' and poolings' padding.
    pub padding: Padding,
    /// Strides, height then width.
    pub stride: [usize; 2],
    /// Dilations, height then width.
    pub dilation: [usize; 2],
    /// A pooling's window, height then width.
    pub filter: [usize; 2],
    /// The fused activation.
    pub activation: FusedActivation,
    /// A depthwise convolution's channel multiplier.
    pub depth_multiplier: usize,
    /// A softmax's β.
    pub beta: f32,
}

impl Options {
    /// No options: `VALID`, strides and dilations 1, a 1×1 filter, no
    /// activation, depth multiplier 1, β = 1.
    pub const NONE: Options = Options {
        padding: Padding::Valid,
        stride: [1, 1],
        dilation: [1, 1],
        filter: [1, 1],
        activation: FusedActivation::None,
        depth_multiplier: 1,
        beta: 1.0,
    };
}

impl Default for Options {
    fn default() -> Self {
        Options::NONE
    }
}

/// One operator of a sequential TensorFlow Lite graph, its tensors by role.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Operator<'a> {
    /// Its index in the subgraph's operator list.
    pub index: usize,
    /// What it computes.
    pub kind: OperatorKind,
    /// Its (first) input: the activation it reads.
    pub input: Tensor<'a>,
    /// Its weight (filter), for fully connected and convolutions.
    pub weight: Option<Tensor<'a>>,
    /// Its bias, for fully connected and convolutions (optional in TFLite).
    pub bias: Option<Tensor<'a>>,
    /// Its output.
    pub output: Tensor<'a>,
    /// Its options.
    pub options: Options,
}
