//! [`QuantizeError`]: why a float model could not be quantised, and at
//! which layer.

use core::fmt;

use crate::quant::ScaleError;

/// Why quantising a float model failed: the [`kind`](QuantizeError::kind)
/// of failure at layer [`layer`](QuantizeError::layer) (the layers counted
/// in order from 0 through nested stacks, as they run; a failure of the
/// model's input is at layer 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QuantizeError {
    layer: usize,
    kind: QuantizeErrorKind,
}

/// What went wrong (see [`QuantizeError`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuantizeErrorKind {
    /// A range that calibration never saw a value of: no calibration
    /// samples.
    Uncalibrated,
    /// A calibrated range with a NaN or an infinity in it: the float model
    /// computes non-finite values on the calibration inputs.
    NonFiniteRange,
    /// A range so narrow (below about 3·10⁻³⁶) that its scale is not a
    /// normal `f32`.
    TinyRange,
    /// A NaN or infinite weight.
    NonFiniteWeight,
    /// A NaN or infinite bias.
    NonFiniteBias,
    /// An element-wise function that gives NaN on a value of its input's grid.
    NonFiniteFunction,
    /// A requantisation scale (`input_scale · weight_scale / output_scale`)
    /// that no [`Multiplier`](crate::quant::Multiplier) represents.
    Scale(ScaleError),
    /// A flattened image whose size is not the next dense layer's width
    /// (impossible for a model whose layers chain; for hand-made [`Edge`](crate::quant::Edge)s).
    OrderMismatch,
}

impl QuantizeError {
    /// The error `kind` at `layer`.
    pub const fn new(layer: usize, kind: QuantizeErrorKind) -> QuantizeError {
        QuantizeError { layer, kind }
    }

    /// The layer, counted from 0 in the order the layers run.
    pub const fn layer(&self) -> usize {
        self.layer
    }

    /// What went wrong.
    pub const fn kind(&self) -> QuantizeErrorKind {
        self.kind
    }

    /// The same error at `layer`.
    pub(crate) const fn at(self, layer: usize) -> QuantizeError {
        QuantizeError { layer, kind: self.kind }
    }
}

impl fmt::Display for QuantizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "layer {}: ", self.layer)?;
        match self.kind {
            QuantizeErrorKind::Uncalibrated => f.write_str("no calibration sample reached this range"),
            QuantizeErrorKind::NonFiniteRange => f.write_str("the calibrated range holds a NaN or an infinity"),
            QuantizeErrorKind::TinyRange => f.write_str("the calibrated range is too narrow for an f32 scale"),
            QuantizeErrorKind::NonFiniteWeight => f.write_str("a weight is NaN or infinite"),
            QuantizeErrorKind::NonFiniteBias => f.write_str("a bias is NaN or infinite"),
            QuantizeErrorKind::NonFiniteFunction => {
                f.write_str("the element-wise function gives NaN on its input grid")
            }
            QuantizeErrorKind::Scale(e) => write!(f, "a requantisation scale is not representable: {e}"),
            QuantizeErrorKind::OrderMismatch => f.write_str("a flattened image does not fit the dense layer's width"),
        }
    }
}

impl core::error::Error for QuantizeError {}

impl From<ScaleError> for QuantizeErrorKind {
    fn from(e: ScaleError) -> QuantizeErrorKind {
        QuantizeErrorKind::Scale(e)
    }
}
