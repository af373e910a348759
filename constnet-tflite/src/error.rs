//! [`TfliteError`]: why a `.tflite` file could not be read into a model,
//! naming the operator and the tensor (by its name in the file).

use std::fmt;
use std::path::PathBuf;

use constnet::quant::{LoadError, OperatorKind, Role};

/// Why a `.tflite` file could not be loaded into a model type. Nothing in
/// the file can make the reader panic: each defect is one of these.
#[derive(Debug)]
#[non_exhaustive]
pub enum TfliteError {
    /// The bytes do not carry TensorFlow Lite's file identifier `TFL3` (a
    /// file too short to have one included).
    NotTflite {
        /// The four bytes where the identifier belongs, if the file is long
        /// enough to have them.
        found: Option<[u8; 4]>,
    },
    /// The flatbuffer fails verification: an offset or length past the end
    /// of the file (a truncated file), a bad string, an unknown union tag,
    /// a missing required field. `planus`'s error says where.
    Flatbuffer(planus::Error),
    /// The flatbuffer is well-formed but not a consistent model: an index
    /// (of a tensor, buffer, operator code) out of range, a negative axis.
    Malformed {
        /// What is wrong.
        what: String,
    },
    /// The file has no subgraph.
    NoSubgraph,
    /// The graph does not have exactly one input and one output tensor.
    Interface {
        /// The graph's inputs.
        inputs: usize,
        /// The graph's outputs.
        outputs: usize,
    },
    /// An operator none of the int8 layers implements (`QUANTIZE`,
    /// `DEQUANTIZE`, `ADD`, a custom operator…).
    UnsupportedOperator {
        /// Its index in the subgraph.
        operator: usize,
        /// Its builtin code (the larger of the file's two fields, as
        /// TensorFlow Lite reads them).
        code: i32,
        /// Its name in the schema (`QUANTIZE`), a custom operator's custom
        /// code, or `"unknown"`.
        name: String,
    },
    /// A supported operator uses a feature the int8 layers do not: shuffled
    /// fully connected weights, a sparse or external tensor, a custom
    /// quantisation.
    UnsupportedFeature {
        /// The operator's index in the subgraph.
        operator: usize,
        /// Its kind.
        kind: OperatorKind,
        /// The feature.
        what: String,
    },
    /// An operator that needs its options (a convolution's padding and
    /// strides, a softmax's β) has none, or another operator's.
    MissingOptions {
        /// The operator's index in the subgraph.
        operator: usize,
        /// Its kind.
        kind: OperatorKind,
        /// The options table it needs, `"Conv2DOptions"`…
        expected: &'static str,
    },
    /// The graph is not a chain: an operator does not read the previous
    /// one's output (the first, the graph's input), or the last one's
    /// output is not the graph's output.
    NotAChain {
        /// The operator's index in the subgraph.
        operator: usize,
        /// Which of its tensors: [`Role::Input`] or [`Role::Output`].
        role: Role,
        /// That tensor's name.
        found: String,
        /// The name of the tensor a chain has there.
        expected: String,
    },
    /// An operator does not fit the layer the model type puts at its
    /// position: the core's [`LoadError`], with what the file calls the
    /// operator and the tensor.
    Layer {
        /// The error, with the operator's index and what does not fit.
        error: LoadError,
        /// The file's operator at that index (`None` past the file's end).
        kind: Option<OperatorKind>,
        /// The name in the file of the tensor the error is about, if it is
        /// about one the operator has.
        tensor: Option<String>,
    },
    /// The file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl fmt::Display for TfliteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TfliteError::NotTflite { found: Some(found) } => write!(
                f,
                "not a TensorFlow Lite file: its identifier is {:?}, not \"TFL3\"",
                String::from_utf8_lossy(found)
            ),
            TfliteError::NotTflite { found: None } => {
                f.write_str("not a TensorFlow Lite file: too short to hold a flatbuffer")
            }
            TfliteError::Flatbuffer(error) => write!(f, "not a valid TensorFlow Lite flatbuffer: {error}"),
            TfliteError::Malformed { what } => write!(f, "a malformed TensorFlow Lite model: {what}"),
            TfliteError::NoSubgraph => f.write_str("the TensorFlow Lite model has no subgraph"),
            TfliteError::Interface { inputs, outputs } => {
                write!(f, "the graph has {inputs} inputs and {outputs} outputs; a sequential model has one of each")
            }
            TfliteError::UnsupportedOperator { operator, code, name } => write!(
                f,
                "operator {operator} is {name} (builtin code {code}), which no int8 layer implements \
                 (FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, MAX_POOL_2D, AVERAGE_POOL_2D, RESHAPE, SOFTMAX); \
                 a model with int8 input and output has no QUANTIZE or DEQUANTIZE"
            ),
            TfliteError::UnsupportedFeature { operator, kind, what } => {
                write!(f, "operator {operator} ({kind}): {what}, which the int8 layers do not implement")
            }
            TfliteError::MissingOptions { operator, kind, expected } => {
                write!(f, "operator {operator} ({kind}) has no {expected}")
            }
            TfliteError::NotAChain { operator, role: Role::Input, found, expected } => write!(
                f,
                "the graph is not a chain: operator {operator} reads tensor `{found}`, not `{expected}` \
                 (the previous operator's output, or the graph's input)"
            ),
            TfliteError::NotAChain { operator, found, expected, .. } => write!(
                f,
                "the graph is not a chain: the last operator, {operator}, writes tensor `{found}`, \
                 not the graph's output `{expected}`"
            ),
            TfliteError::Layer { error, kind, tensor } => {
                write!(f, "operator {}", error.operator)?;
                if let Some(kind) = kind {
                    write!(f, " ({kind})")?;
                }
                if let (Some(role), Some(name)) = (error.tensor(), tensor) {
                    write!(f, ", {role} tensor `{name}`")?;
                }
                write!(f, ": {}", error.kind)
            }
            TfliteError::Io { path, source } => write!(f, "cannot access {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for TfliteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TfliteError::Flatbuffer(error) => Some(error),
            TfliteError::Layer { error, .. } => Some(error),
            TfliteError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<planus::Error> for TfliteError {
    fn from(error: planus::Error) -> Self {
        TfliteError::Flatbuffer(error)
    }
}
