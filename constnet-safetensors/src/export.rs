//! Writing a model as a safetensors file under PyTorch's names.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use constnet::state::{self, StateEntry};
use constnet::{Float, Model};
use safetensors::{Dtype, View};

use crate::{ExportError, Names, dtype};

/// One tensor, owned, ready for the `safetensors` crate.
struct Owned {
    dtype: Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

impl View for &Owned {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

/// The model as a safetensors file under its own state-dict names, which
/// PyTorch loads with `model.load_state_dict(load_file(path))` into the
/// `nn.Sequential` (or module) the model mirrors. See [`save_with`].
///
/// # Errors
///
/// [`ExportError`] if two tensors share a name.
pub fn save<F: Float, M: Model<F>>(model: &M) -> Result<Vec<u8>, ExportError> {
    save_with(model, &Names::new())
}

/// [`save`] under the file names `names` gives.
///
/// Float tensors are written in PyTorch's layout and row-major order, as
/// F32 from an f32 model and F64 from an f64 one, exactly; untracked
/// integer scalars (`num_batches_tracked`) as an I64 zero. The metadata is
/// `{"format": "pt"}`, as PyTorch's `save_file` writes it.
///
/// # Errors
///
/// As [`save`].
pub fn save_with<F: Float, M: Model<F>>(model: &M, names: &Names) -> Result<Vec<u8>, ExportError> {
    let file_names = crate::names::file_names(model, names).map_err(|name| ExportError::DuplicateName { name })?;
    let mut tensors = Vec::new();
    let mut file_name = file_names.into_iter();
    state::visit(model, &mut |_, _, entry| {
        let Some(name) = file_name.next() else { return };
        let tensor = match entry {
            StateEntry::Tensor(tensor) => {
                let len = tensor.shape.len();
                let (dtype, data) = dtype::write_floats((0..len).map(|k| tensor.get(k).unwrap_or(F::ZERO)));
                Owned { dtype, shape: tensor.shape.dims().to_vec(), data }
            }
            StateEntry::Untracked { .. } => {
                Owned { dtype: Dtype::I64, shape: Vec::new(), data: 0i64.to_le_bytes().to_vec() }
            }
        };
        tensors.push((name, tensor));
    });
    let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
    safetensors::serialize(tensors.iter().map(|(name, tensor)| (name.as_str(), tensor)), Some(metadata))
        .map_err(ExportError::Format)
}

/// [`save_with`] into the file at `path`.
///
/// # Errors
///
/// [`ExportError::Io`] if the file cannot be written; otherwise as [`save`].
pub fn save_file<F: Float, M: Model<F>>(model: &M, path: impl AsRef<Path>, names: &Names) -> Result<(), ExportError> {
    let path = path.as_ref();
    let bytes = save_with(model, names)?;
    std::fs::write(path, bytes).map_err(|source| ExportError::Io { path: path.to_path_buf(), source })
}
