//! Error types. Every error names what was wrong and the values involved.

use core::fmt;

/// A hyper-parameter outside its valid range, rejected when the optimiser or
/// layer is built.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InvalidHyperparameter {
    /// Which hyper-parameter, such as `"learning rate"`.
    pub name: &'static str,
    /// The value given.
    pub value: f64,
    /// The valid range, in words.
    pub expected: &'static str,
}

impl fmt::Display for InvalidHyperparameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {} (expected {})", self.name, self.value, self.expected)
    }
}

impl core::error::Error for InvalidHyperparameter {}

/// A class label that is not below the number of classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClassOutOfRange {
    /// The label given.
    pub class: usize,
    /// The number of classes.
    pub classes: usize,
}

impl fmt::Display for ClassOutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "class {} out of range for {} classes (0..{})", self.class, self.classes, self.classes)
    }
}

impl core::error::Error for ClassOutOfRange {}

/// Why a training helper stopped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TrainError {
    /// The batch or data set held no samples.
    Empty,
    /// A batch size of zero was asked for.
    ZeroBatchSize,
    /// The loss became NaN or infinite; the parameters were left as they were
    /// before the offending batch.
    NonFiniteLoss {
        /// Index of the first sample of the offending batch.
        first_sample: usize,
        /// The loss value, as `f64`.
        loss: f64,
    },
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::Empty => f.write_str("no samples to train on"),
            TrainError::ZeroBatchSize => f.write_str("the batch size must be at least 1"),
            TrainError::NonFiniteLoss { first_sample, loss } => write!(
                f,
                "the loss became {loss} on the batch starting at sample {first_sample}; training stopped before updating the parameters"
            ),
        }
    }
}

impl core::error::Error for TrainError {}
