//! The errors of import and export: each names what a user can fix.

use std::fmt;
use std::path::PathBuf;

use constnet::WithoutPaths;
use safetensors::{Dtype, SafeTensorError};

/// The layer a tensor belongs to, for messages: where it is in the model
/// and its Rust type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerAt {
    /// The layer's state-dict name in the model (its position in a tuple
    /// stack, `"0"`, or a field, `"conv"`); empty when the model is that one
    /// layer.
    pub path: String,
    /// The layer's Rust type, as [`core::any::type_name`] gives it.
    pub layer_type: &'static str,
}

impl fmt::Display for LayerAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.path.is_empty() {
            true => write!(f, "the model's layer `{}`", WithoutPaths(self.layer_type)),
            false => write!(f, "layer {} (`{}`)", self.path, WithoutPaths(self.layer_type)),
        }
    }
}

/// Why a safetensors file could not be loaded into a model. The model is
/// unchanged whenever one of these is returned.
#[derive(Debug)]
#[non_exhaustive]
pub enum ImportError {
    /// The bytes are not a well-formed safetensors file: too short, a header
    /// length that points past the end of the file, a header that is not
    /// JSON, offsets that do not cover the data. The `safetensors` crate's
    /// error says which.
    Malformed(SafeTensorError),
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The model has a tensor the file does not.
    Missing {
        /// The tensor's name as the file would have it.
        name: String,
        /// The layer that holds it.
        layer: LayerAt,
    },
    /// The file has a tensor the model does not.
    Unexpected {
        /// The tensor's name in the file.
        name: String,
        /// Its shape in the file.
        shape: Vec<usize>,
    },
    /// A tensor's shape in the file is not the model's.
    Shape {
        /// The tensor's name in the file.
        name: String,
        /// The layer that holds it.
        layer: LayerAt,
        /// The shape the model's type declares, in PyTorch's layout.
        expected: Vec<usize>,
        /// The shape in the file.
        found: Vec<usize>,
    },
    /// A tensor's dtype cannot be read into its place in the model.
    Dtype {
        /// The tensor's name in the file.
        name: String,
        /// The layer that holds it.
        layer: LayerAt,
        /// The dtype in the file.
        found: Dtype,
        /// What the model accepts there.
        accepted: &'static str,
    },
    /// An F64 value is finite but too large for the model's f32.
    OutOfRange {
        /// The tensor's name in the file.
        name: String,
        /// The layer that holds it.
        layer: LayerAt,
        /// The element's index, in PyTorch's row-major order.
        index: usize,
        /// The value.
        value: f64,
    },
    /// Two tensors of the model map to one name (through [`Names`](crate::Names)
    /// prefixes that collide, or a model whose layers repeat a name).
    DuplicateName {
        /// The name.
        name: String,
    },
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Malformed(error) => write!(f, "not a valid safetensors file: {error}"),
            ImportError::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            ImportError::Missing { name, layer } => {
                write!(f, "the file has no tensor `{name}`, which {layer} needs")
            }
            ImportError::Unexpected { name, shape } => write!(
                f,
                "the file has a tensor `{name}` ({shape:?}) that the model does not; \
                 if the model names it differently, map the prefix with `Names::prefix`"
            ),
            ImportError::Shape { name, layer, expected, found } => write!(
                f,
                "tensor `{name}` of {layer} has shape {found:?} in the file; the model's type declares {expected:?}"
            ),
            ImportError::Dtype { name, layer, found, accepted } => {
                write!(f, "tensor `{name}` of {layer} is {found:?} in the file; accepted there: {accepted}")
            }
            ImportError::OutOfRange { name, layer, index, value } => {
                write!(f, "element {index} of tensor `{name}` of {layer} is {value:e}, beyond the range of f32")
            }
            ImportError::DuplicateName { name } => write!(f, "two tensors of the model are both named `{name}`"),
        }
    }
}

impl std::error::Error for ImportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ImportError::Malformed(error) => Some(error),
            ImportError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Why a model could not be written as a safetensors file.
#[derive(Debug)]
#[non_exhaustive]
pub enum ExportError {
    /// Two tensors of the model map to one name.
    DuplicateName {
        /// The name.
        name: String,
    },
    /// The `safetensors` crate could not serialise the tensors.
    Format(SafeTensorError),
    /// The file could not be written.
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::DuplicateName { name } => write!(f, "two tensors of the model are both named `{name}`"),
            ExportError::Format(error) => write!(f, "cannot serialise the model: {error}"),
            ExportError::Io { path, source } => write!(f, "cannot write {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for ExportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ExportError::DuplicateName { .. } => None,
            ExportError::Format(error) => Some(error),
            ExportError::Io { source, .. } => Some(source),
        }
    }
}
