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
    /// A sample index is not below the data set's length.
    IndexOutOfRange {
        /// The offending index.
        index: usize,
        /// The data set's length.
        len: usize,
    },
    /// The loss became NaN or infinite; the parameters and the optimiser's
    /// state were left as they were before the offending batch.
    NonFiniteLoss {
        /// Index of the first sample of the offending batch.
        first_sample: usize,
        /// The loss value, as `f64`.
        loss: f64,
    },
    /// The loss was finite but a gradient became NaN or infinite (an
    /// infinite input through a saturating activation, or an overflow); the
    /// parameters and the optimiser's state were left as they were before
    /// the offending batch.
    NonFiniteGradient {
        /// Index of the first sample of the offending batch.
        first_sample: usize,
        /// The position, in the model's outermost stack, of the layer whose
        /// gradient is the first non-finite one.
        layer: usize,
        /// The Rust type of that layer, as [`core::any::type_name`] gives it.
        layer_type: &'static str,
        /// The tensor's index in [`Model::tensors`](crate::Model::tensors)
        /// order.
        tensor: usize,
        /// The tensor's name inside its layer, such as `"weight"`.
        name: &'static str,
    },
}

impl TrainError {
    /// The same error for a batch that starts at sample `first_sample`.
    pub(crate) fn at_batch(self, first_sample: usize) -> Self {
        match self {
            TrainError::NonFiniteLoss { loss, .. } => TrainError::NonFiniteLoss { first_sample, loss },
            TrainError::NonFiniteGradient { layer, layer_type, tensor, name, .. } => {
                TrainError::NonFiniteGradient { first_sample, layer, layer_type, tensor, name }
            }
            other => other,
        }
    }
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::Empty => f.write_str("no samples to train on"),
            TrainError::ZeroBatchSize => f.write_str("the batch size must be at least 1"),
            TrainError::IndexOutOfRange { index, len } => {
                write!(f, "sample index {index} out of range for a data set of {len} samples")
            }
            TrainError::NonFiniteLoss { first_sample, loss } => write!(
                f,
                "the loss became {loss} on the batch starting at sample {first_sample}; training stopped before updating the parameters"
            ),
            TrainError::NonFiniteGradient { first_sample, layer, layer_type, tensor, name } => write!(
                f,
                "the gradient of layer {layer} ({}), its `{name}` (tensor {tensor}), is not finite on the batch starting \
                 at sample {first_sample}; training stopped before updating the parameters",
                WithoutPaths(layer_type)
            ),
        }
    }
}

impl core::error::Error for TrainError {}

/// Why a metric could not be computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricError {
    /// The two inputs differ in length.
    LengthMismatch {
        /// The length of the true values (or labels).
        actual: usize,
        /// The length of the predictions (or scores, or scratch buffer).
        predicted: usize,
    },
    /// There were no samples.
    Empty,
    /// A sample's class is not below the number of classes.
    ClassOutOfRange {
        /// The sample's index.
        index: usize,
        /// The class found.
        class: usize,
        /// The number of classes.
        classes: usize,
    },
    /// A score is NaN, so it cannot be ranked.
    NanScore {
        /// The index of the first NaN.
        index: usize,
    },
    /// A binary metric such as ROC AUC needs both classes, and one is absent.
    SingleClass {
        /// The number of positive samples.
        positives: usize,
        /// The number of negative samples.
        negatives: usize,
    },
}

impl fmt::Display for MetricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetricError::LengthMismatch { actual, predicted } => {
                write!(f, "length mismatch: {actual} true values but {predicted} predictions")
            }
            MetricError::Empty => f.write_str("no samples to measure"),
            MetricError::ClassOutOfRange { index, class, classes } => {
                write!(f, "sample {index}: class {class} out of range for {classes} classes (0..{classes})")
            }
            MetricError::NanScore { index } => write!(f, "score {index} is NaN and cannot be ranked"),
            MetricError::SingleClass { positives, negatives } => write!(
                f,
                "only one class present ({positives} positive, {negatives} negative samples): the metric is undefined"
            ),
        }
    }
}

impl core::error::Error for MetricError {}

/// Why [`gather`](crate::data::gather) could not copy a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GatherError {
    /// An index is not below the data set's length.
    IndexOutOfRange {
        /// The position of the offending index in the batch.
        position: usize,
        /// The offending index.
        index: usize,
        /// The data set's length.
        len: usize,
    },
    /// The output buffer is shorter than the batch.
    BufferTooSmall {
        /// The batch's length.
        needed: usize,
        /// The buffer's length.
        capacity: usize,
    },
}

impl fmt::Display for GatherError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GatherError::IndexOutOfRange { position, index, len } => {
                write!(f, "batch entry {position}: index {index} out of range for {len} samples")
            }
            GatherError::BufferTooSmall { needed, capacity } => {
                write!(f, "a batch of {needed} samples does not fit in a buffer of {capacity}")
            }
        }
    }
}

impl core::error::Error for GatherError {}

/// A short copy of a piece of input text, kept inline (no heap): at most
/// [`Excerpt::CAPACITY`] bytes, cut at a character boundary. `Display`
/// shows the text, followed by `…` if it was cut.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Excerpt {
    bytes: [u8; Excerpt::CAPACITY],
    len: u8,
    truncated: bool,
}

impl Excerpt {
    /// The most bytes kept.
    pub const CAPACITY: usize = 32;

    /// The first [`CAPACITY`](Self::CAPACITY) bytes of `text` at most,
    /// ending at a character boundary.
    ///
    /// ```
    /// use constnet::Excerpt;
    /// assert_eq!(Excerpt::new("abc").as_str(), "abc");
    /// let long = Excerpt::new(&"é".repeat(40));
    /// assert_eq!(long.as_str(), "é".repeat(16));
    /// assert!(long.is_truncated());
    /// ```
    pub fn new(text: &str) -> Self {
        let mut len = text.len().min(Self::CAPACITY);
        while !text.is_char_boundary(len) {
            len -= 1;
        }
        let mut bytes = [0; Self::CAPACITY];
        let kept = text.as_bytes().get(..len).unwrap_or(&[]);
        if let Some(slot) = bytes.get_mut(..kept.len()) {
            slot.copy_from_slice(kept);
        }
        Excerpt { bytes, len: kept.len() as u8, truncated: kept.len() < text.len() }
    }

    /// The text kept.
    pub fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..usize::from(self.len)).unwrap_or(&[]);
        // Always valid: cut at a character boundary of a `str`.
        core::str::from_utf8(bytes).unwrap_or("")
    }

    /// Whether the original text was longer than what is kept.
    pub const fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Display for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())?;
        if self.truncated { f.write_str("…") } else { Ok(()) }
    }
}

impl fmt::Debug for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())?;
        if self.truncated { f.write_str("…") } else { Ok(()) }
    }
}

/// What was wrong with a line of labelled CSV data; see [`CsvError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvErrorKind {
    /// The line does not have one field per feature plus one for the label.
    /// The error's column is the first missing or the first extra field.
    WrongColumnCount {
        /// The number of fields expected: features + 1.
        expected: usize,
        /// The number of fields found.
        found: usize,
    },
    /// A feature field is not a number (or is empty).
    NotANumber {
        /// The field's text, trimmed and cut to a fixed length.
        text: Excerpt,
    },
    /// A feature is NaN, infinite, or too large for the float type.
    NotFinite {
        /// The field's text, trimmed and cut to a fixed length.
        text: Excerpt,
    },
    /// The label is not an integer.
    LabelNotInteger {
        /// The field's text, trimmed and cut to a fixed length.
        text: Excerpt,
    },
    /// The label is an integer outside `0..classes`.
    LabelOutOfRange {
        /// The field's text, trimmed and cut to a fixed length.
        text: Excerpt,
        /// The number of classes.
        classes: usize,
    },
    /// The output buffer is full and this line holds one more row.
    TooManyRows {
        /// The number of rows the output holds.
        capacity: usize,
    },
}

impl fmt::Display for CsvErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsvErrorKind::WrongColumnCount { expected, found } => write!(
                f,
                "expected {expected} comma-separated columns ({} features then a label), found {found}",
                expected.saturating_sub(1)
            ),
            CsvErrorKind::NotANumber { text } if text.as_str().is_empty() => {
                f.write_str("empty field where a number was expected")
            }
            CsvErrorKind::NotANumber { text } => write!(f, "`{text}` is not a number"),
            CsvErrorKind::NotFinite { text } => {
                write!(f, "`{text}` is not a finite number (NaN, infinite, or too large for the float type)")
            }
            CsvErrorKind::LabelNotInteger { text } if text.as_str().is_empty() => {
                f.write_str("empty field where an integer label was expected")
            }
            CsvErrorKind::LabelNotInteger { text } => write!(f, "the label `{text}` is not an integer"),
            CsvErrorKind::LabelOutOfRange { text, classes } => {
                write!(f, "the label `{text}` is out of range for {classes} classes (0..{classes})")
            }
            CsvErrorKind::TooManyRows { capacity } => {
                write!(f, "more rows than the output holds ({capacity})")
            }
        }
    }
}

/// An error in labelled CSV data, naming where it is: the 1-based line and
/// the 1-based column (field number, counting commas).
///
/// ```
/// use constnet::data::parse_labeled_csv;
/// use constnet::CsvErrorKind;
///
/// let mut rows = [([0.0_f32; 2], 0); 2];
/// let error = parse_labeled_csv("1,2,0\n1,2,3,0\n", 2, &mut rows).unwrap_err();
/// assert_eq!((error.line, error.column), (2, 4));
/// assert_eq!(error.kind, CsvErrorKind::WrongColumnCount { expected: 3, found: 4 });
/// assert_eq!(
///     error.to_string(),
///     "line 2, column 4: expected 3 comma-separated columns (2 features then a label), found 4"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsvError {
    /// The 1-based line number.
    pub line: usize,
    /// The 1-based column (field) number.
    pub column: usize,
    /// What was wrong.
    pub kind: CsvErrorKind,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.kind)
    }
}

impl core::error::Error for CsvError {}

/// Why model weights could not be read from or written to bytes or a slice
/// of values; see [`Model::read_le_bytes`](crate::Model::read_le_bytes),
/// [`Model::write_le_bytes`](crate::Model::write_le_bytes),
/// [`Model::read_parameters`](crate::Model::read_parameters) and
/// [`Model::write_parameters`](crate::Model::write_parameters).
///
/// A length error names the first tensor that does not fit: the layer that
/// holds it (its position in the model's outermost stack and its type, from
/// [`Model::tensor_owner`](crate::Model::tensor_owner)), the tensor's name and
/// index (counted from 0 across the whole model, in the order of
/// [`Model::tensors`](crate::Model::tensors)), its size and the bytes left
/// for it, and the model's and the input's sizes. `Display` shows the layer
/// type without its module path.
///
/// ```
/// use constnet::{Unit, WeightsError};
///
/// let error = WeightsError::InputTooShort {
///     layer: 7,
///     layer_type: "constnet::layers::dense::Dense<400, 120>",
///     tensor: 4,
///     name: "weight",
///     needed: 192_000,
///     remaining: 1000,
///     expected: 246_824,
///     found: 11_288,
///     unit: Unit::Bytes,
/// };
/// assert_eq!(
///     error.to_string(),
///     "weights: layer 7 (Dense<400, 120>), its `weight` (tensor 4), needs 192000 bytes \
///      but only 1000 remain (expected 246824 bytes in all, found 11288)"
/// );
/// let error = WeightsError::InputTooLong { expected: 9640, found: 9644, unit: Unit::Bytes };
/// assert_eq!(error.to_string(), "weights: expected 9640 bytes, found 9644");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightsError {
    /// The input ends inside a tensor (or before it).
    InputTooShort {
        /// The position, in the model's outermost stack, of the layer that
        /// holds the tensor.
        layer: usize,
        /// The Rust type of that layer, as [`core::any::type_name`] gives
        /// it.
        layer_type: &'static str,
        /// The tensor's index in [`Model::tensors`](crate::Model::tensors)
        /// order.
        tensor: usize,
        /// The tensor's name inside its layer, such as `"weight"`.
        name: &'static str,
        /// The tensor's size in bytes.
        needed: usize,
        /// The bytes left in the input where the tensor starts.
        remaining: usize,
        /// The model's size in bytes.
        expected: usize,
        /// The input's length.
        found: usize,
        /// What the sizes count: bytes or values.
        unit: Unit,
    },
    /// The input is longer than the model: bytes (or values) would be left
    /// over.
    InputTooLong {
        /// The model's size.
        expected: usize,
        /// The input's length.
        found: usize,
        /// What the sizes count: bytes or values.
        unit: Unit,
    },
    /// The output buffer is too short for the model; nothing was written.
    OutputTooShort {
        /// The position, in the model's outermost stack, of the layer that
        /// holds the first tensor that does not fit.
        layer: usize,
        /// The Rust type of that layer, as [`core::any::type_name`] gives
        /// it.
        layer_type: &'static str,
        /// The index, in [`Model::tensors`](crate::Model::tensors) order, of
        /// the first tensor that does not fit.
        tensor: usize,
        /// The tensor's name inside its layer, such as `"weight"`.
        name: &'static str,
        /// The tensor's size in bytes.
        needed: usize,
        /// The bytes left in the buffer where the tensor would start.
        remaining: usize,
        /// The model's size in bytes.
        expected: usize,
        /// The buffer's length.
        found: usize,
        /// What the sizes count: bytes or values.
        unit: Unit,
    },
}

/// What the sizes in a [`WeightsError`] count: bytes
/// ([`Model::read_le_bytes`](crate::Model::read_le_bytes)) or values
/// ([`Model::read_parameters`](crate::Model::read_parameters)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Sizes in bytes.
    Bytes,
    /// Sizes in values (floats).
    Values,
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unit::Bytes => "bytes",
            Unit::Values => "values",
        })
    }
}

impl fmt::Display for WeightsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightsError::InputTooShort {
                layer,
                layer_type,
                tensor,
                name,
                needed,
                remaining,
                expected,
                found,
                unit,
            } => {
                write!(
                    f,
                    "weights: layer {layer} ({}), its `{name}` (tensor {tensor}), needs {needed} {unit} but only \
                     {remaining} remain (expected {expected} {unit} in all, found {found})",
                    WithoutPaths(layer_type)
                )
            }
            WeightsError::InputTooLong { expected, found, unit } => {
                write!(f, "weights: expected {expected} {unit}, found {found}")
            }
            WeightsError::OutputTooShort {
                layer,
                layer_type,
                tensor,
                name,
                needed,
                remaining,
                expected,
                found,
                unit,
            } => {
                write!(
                    f,
                    "weights: layer {layer} ({}), its `{name}` (tensor {tensor}), needs {needed} {unit} but only \
                     {remaining} remain in the output buffer (the model takes {expected} {unit}, the buffer holds \
                     {found})",
                    WithoutPaths(layer_type)
                )
            }
        }
    }
}

impl core::error::Error for WeightsError {}

/// Shows a type name without module paths, `a::b::Dense<4, 3, f32>` as
/// `Dense<4, 3, f32>` (generic arguments included), without allocating —
/// how the library's errors name layers, and how a host tool can too.
///
/// ```
/// use constnet::WithoutPaths;
///
/// let name = core::any::type_name::<constnet::layers::Conv2d<1, 8, 3, 6, 6>>();
/// assert_eq!(WithoutPaths(name).to_string(), "Conv<1, 8, 1, [[f32; 3]; 3], Geometry2d<6, 6>>");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct WithoutPaths<'a>(pub &'a str);

impl fmt::Display for WithoutPaths<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let is_path_char = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
        let mut rest = self.0;
        while !rest.is_empty() {
            // A run of path characters, of which only the last segment is
            // kept, then a run of anything else, kept whole.
            let path_len = rest.find(|c: char| !is_path_char(c)).unwrap_or(rest.len());
            let (path, after) = rest.split_at(path_len);
            f.write_str(path.rsplit("::").next().unwrap_or(path))?;
            let other_len = after.find(is_path_char).unwrap_or(after.len());
            let (other, after) = after.split_at(other_len);
            f.write_str(other)?;
            rest = after;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::WithoutPaths;

    #[test]
    fn type_names_lose_their_module_paths_only() {
        let cases = [
            ("constnet::layers::dense::Dense<400, 120, f32>", "Dense<400, 120, f32>"),
            (
                "constnet::layers::residual::Residual<(constnet::layers::dense::Dense<4, 4, f64>, constnet::layers::activation::Relu)>",
                "Residual<(Dense<4, 4, f64>, Relu)>",
            ),
            ("Dense<2, 1, f32>", "Dense<2, 1, f32>"),
            ("[f32; 3]", "[f32; 3]"),
            ("", ""),
        ];
        for (name, short) in cases {
            assert_eq!(WithoutPaths(name).to_string(), short);
        }
    }
}
