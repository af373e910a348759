//! [`LoadError`]: why a TensorFlow Lite operator does not fit the int8
//! layer a model type puts in its place, naming the operator, the tensor
//! and what was expected against what was found.

use core::fmt;

use crate::quant::ScaleError;
use crate::quant::graph::{ElementType, FusedActivation, OperatorKind, Padding};

/// Which tensor of an operator an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The activation it reads.
    Input,
    /// Its weight (filter).
    Weight,
    /// Its bias.
    Bias,
    /// Its output.
    Output,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Input => "input",
            Role::Weight => "weight",
            Role::Bias => "bias",
            Role::Output => "output",
        })
    }
}

/// A tensor shape in an error, up to [`Dims::MAX`] dimensions (longer ones
/// keep their first `MAX` and say so).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dims {
    dims: [i32; Dims::MAX],
    len: usize,
    truncated: bool,
}

impl Dims {
    /// The most dimensions kept.
    pub const MAX: usize = 6;

    /// The shape `dims`.
    pub fn new(dims: &[i32]) -> Dims {
        let mut kept = [0; Dims::MAX];
        let len = dims.len().min(Dims::MAX);
        kept[..len].copy_from_slice(&dims[..len]);
        Dims { dims: kept, len, truncated: dims.len() > Dims::MAX }
    }

    /// The shape of `dims`, sizes as the layer's type gives them.
    pub fn of(dims: &[usize]) -> Dims {
        let mut kept = [0; Dims::MAX];
        let len = dims.len().min(Dims::MAX);
        for (k, &d) in kept.iter_mut().zip(dims) {
            *k = i32::try_from(d).unwrap_or(i32::MAX);
        }
        Dims { dims: kept, len, truncated: dims.len() > Dims::MAX }
    }

    /// The dimensions kept.
    pub fn as_slice(&self) -> &[i32] {
        &self.dims[..self.len]
    }
}

impl fmt::Debug for Dims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Dims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, d) in self.as_slice().iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{d}")?;
        }
        f.write_str(if self.truncated { ", …]" } else { "]" })
    }
}

/// Why an operator does not fit its layer (see [`LoadError`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum LoadErrorKind {
    /// The model type has another operator at this position.
    WrongOperator {
        /// The model type's.
        expected: OperatorKind,
        /// The file's.
        found: OperatorKind,
    },
    /// The file ends before the model type does.
    MissingOperator {
        /// The model type's operator at this position.
        expected: OperatorKind,
    },
    /// The file has more operators than the model type.
    ExtraOperator {
        /// The file's operator at this position.
        found: OperatorKind,
    },
    /// The operator lacks a tensor its layer needs.
    MissingTensor {
        /// Which.
        tensor: Role,
    },
    /// A tensor's shape is not the layer type's.
    Shape {
        /// Which tensor.
        tensor: Role,
        /// The shape the layer's type gives (with TFLite's batch of 1).
        expected: Dims,
        /// The file's.
        found: Dims,
    },
    /// A tensor holds another number of elements than the layer's type
    /// gives (a reshape's input, whose shape the layer's type does not fix).
    Elements {
        /// Which tensor.
        tensor: Role,
        /// The elements the layer's type gives.
        expected: usize,
        /// The file's shape.
        found: Dims,
    },
    /// A tensor's element type is not the one the layer computes with.
    ElementType {
        /// Which tensor.
        tensor: Role,
        /// The layer's.
        expected: ElementType,
        /// The file's.
        found: ElementType,
    },
    /// A weight or bias is not a constant tensor.
    MissingData {
        /// Which tensor.
        tensor: Role,
    },
    /// A constant tensor holds another number of bytes than its shape needs.
    DataLength {
        /// Which tensor.
        tensor: Role,
        /// Bytes its shape and type need.
        expected: usize,
        /// Bytes the file holds.
        found: usize,
    },
    /// A tensor that must be quantised is not.
    MissingQuantization {
        /// Which tensor.
        tensor: Role,
    },
    /// A tensor has another number of scales (or zero points) than the
    /// layer accepts: 1 (per tensor) or one per output channel.
    Scales {
        /// Which tensor.
        tensor: Role,
        /// Scales per channel the layer would take (it also takes 1).
        expected: usize,
        /// The file's.
        found: usize,
    },
    /// A per-channel quantisation runs along another axis than the output
    /// channels.
    QuantizedDimension {
        /// Which tensor.
        tensor: Role,
        /// The output channels' axis.
        expected: usize,
        /// The file's.
        found: usize,
    },
    /// A zero point outside int8, or not zero where the int8 specification
    /// requires it (weights and biases are symmetric).
    ZeroPoint {
        /// Which tensor.
        tensor: Role,
        /// The file's.
        found: i64,
    },
    /// A scale no requantisation [`Multiplier`](crate::quant::Multiplier)
    /// represents, or not positive.
    Scale {
        /// Which tensor's scale (the output's, for an output stage).
        tensor: Role,
        /// Why.
        error: ScaleError,
    },
    /// Input and output must share scale and zero point (poolings,
    /// reshapes), or the output must be TFLite's fixed `1/256`, `−128`
    /// (softmax), and they do not.
    Requantization {
        /// The tensor whose quantisation does not fit.
        tensor: Role,
    },
    /// The operator's padding is not the layer type's.
    Padding {
        /// The layer's.
        expected: Padding,
        /// The file's.
        found: Padding,
    },
    /// The operator's strides (height, width) are not the layer type's.
    Stride {
        /// The layer's.
        expected: [usize; 2],
        /// The file's.
        found: [usize; 2],
    },
    /// The operator is dilated; the int8 layers are not.
    Dilation {
        /// The file's dilations (height, width).
        found: [usize; 2],
    },
    /// A pooling's window (height, width) is not the layer type's.
    Filter {
        /// The layer's.
        expected: [usize; 2],
        /// The file's.
        found: [usize; 2],
    },
    /// A depthwise convolution's channel multiplier is not `CO / CI`.
    DepthMultiplier {
        /// The layer type's.
        expected: usize,
        /// The file's.
        found: usize,
    },
    /// A fused activation the int8 layers do not implement (they do NONE,
    /// RELU and RELU6).
    Activation {
        /// The file's.
        found: FusedActivation,
    },
}

/// An operator of a TensorFlow Lite graph that does not fit the layer the
/// model type puts at its position, from
/// [`QuantizedModel::from_operators`](crate::quant::QuantizedModel::from_operators).
///
/// ```
/// use constnet::quant::{Dims, LoadError, LoadErrorKind, Role};
///
/// let error = LoadError {
///     operator: 3,
///     kind: LoadErrorKind::Shape { tensor: Role::Weight, expected: Dims::of(&[10, 144]), found: Dims::new(&[10, 64]) },
/// };
/// assert_eq!(error.to_string(), "operator 3: its weight has shape [10, 64], the model type's layer needs [10, 144]");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoadError {
    /// The operator's index in the file's subgraph.
    pub operator: usize,
    /// What does not fit.
    pub kind: LoadErrorKind,
}

impl LoadError {
    /// The error `kind` at operator `operator`.
    pub const fn new(operator: usize, kind: LoadErrorKind) -> LoadError {
        LoadError { operator, kind }
    }

    /// The tensor the error is about, if it is about one.
    pub fn tensor(&self) -> Option<Role> {
        match self.kind {
            LoadErrorKind::MissingTensor { tensor }
            | LoadErrorKind::Shape { tensor, .. }
            | LoadErrorKind::Elements { tensor, .. }
            | LoadErrorKind::ElementType { tensor, .. }
            | LoadErrorKind::MissingData { tensor }
            | LoadErrorKind::DataLength { tensor, .. }
            | LoadErrorKind::MissingQuantization { tensor }
            | LoadErrorKind::Scales { tensor, .. }
            | LoadErrorKind::QuantizedDimension { tensor, .. }
            | LoadErrorKind::ZeroPoint { tensor, .. }
            | LoadErrorKind::Scale { tensor, .. }
            | LoadErrorKind::Requantization { tensor } => Some(tensor),
            _ => None,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "operator {}: {}", self.operator, self.kind)
    }
}

/// What does not fit, without the operator: "its weight has shape …".
impl fmt::Display for LoadErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            LoadErrorKind::WrongOperator { expected, found } => {
                write!(f, "the file has {found} where the model type has {expected}")
            }
            LoadErrorKind::MissingOperator { expected } => {
                write!(f, "the file ends here; the model type goes on with {expected}")
            }
            LoadErrorKind::ExtraOperator { found } => {
                write!(f, "the model type ends here; the file goes on with {found}")
            }
            LoadErrorKind::MissingTensor { tensor } => write!(f, "it has no {tensor} tensor"),
            LoadErrorKind::Shape { tensor, expected, found } => {
                write!(f, "its {tensor} has shape {found}, the model type's layer needs {expected}")
            }
            LoadErrorKind::Elements { tensor, expected, found } => {
                let count = found.as_slice().iter().fold(1_i64, |n, &d| n.saturating_mul(i64::from(d)));
                write!(f, "its {tensor} has shape {found}, {count} elements; the model type's layer needs {expected}")
            }
            LoadErrorKind::ElementType { tensor, expected, found } => {
                write!(f, "its {tensor} is {found}, the layer needs {expected}")
            }
            LoadErrorKind::MissingData { tensor } => write!(f, "its {tensor} is not a constant tensor"),
            LoadErrorKind::DataLength { tensor, expected, found } => {
                write!(f, "its {tensor} holds {found} bytes, its shape needs {expected}")
            }
            LoadErrorKind::MissingQuantization { tensor } => write!(f, "its {tensor} is not quantised"),
            LoadErrorKind::Scales { tensor, expected, found } => {
                write!(f, "its {tensor} has {found} scales or zero points, the layer takes 1 or {expected}")
            }
            LoadErrorKind::QuantizedDimension { tensor, expected, found } => write!(
                f,
                "its {tensor} is quantised per channel along axis {found}, the layer's output channels are axis {expected}"
            ),
            LoadErrorKind::ZeroPoint { tensor, found } => {
                write!(f, "its {tensor} has zero point {found}, which the int8 specification does not allow")
            }
            LoadErrorKind::Scale { tensor, error } => write!(f, "its {tensor}'s scale: {error}"),
            LoadErrorKind::Requantization { tensor } => write!(
                f,
                "its {tensor}'s scale and zero point are not what the operator requires (the input's, or 1/256 and -128 for a softmax)"
            ),
            LoadErrorKind::Padding { expected, found } => {
                write!(f, "its padding is {found}, the model type's layer has {expected}")
            }
            LoadErrorKind::Stride { expected, found } => write!(
                f,
                "its strides are {}×{}, the model type's layer has {}×{}",
                found[0], found[1], expected[0], expected[1]
            ),
            LoadErrorKind::Dilation { found } => {
                write!(f, "it is dilated {}×{}; the int8 layers are not", found[0], found[1])
            }
            LoadErrorKind::Filter { expected, found } => write!(
                f,
                "its window is {}×{}, the model type's layer has {}×{}",
                found[0], found[1], expected[0], expected[1]
            ),
            LoadErrorKind::DepthMultiplier { expected, found } => {
                write!(f, "its depth multiplier is {found}, the model type's layer has {expected}")
            }
            LoadErrorKind::Activation { found } => {
                write!(f, "its fused activation {found} is not one the int8 layers implement (NONE, RELU, RELU6)")
            }
        }
    }
}

impl core::error::Error for LoadError {}
