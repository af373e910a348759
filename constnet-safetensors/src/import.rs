//! Loading a safetensors file into a typed model: every tensor checked
//! against the model's type before any value is written.

use std::collections::HashSet;
use std::path::Path;

use constnet::state::{self, StateEntry, StateEntryMut, StatePath};
use constnet::{Float, Model};
use safetensors::SafeTensors;

use crate::dtype::{self, Conversion};
use crate::{ImportError, LayerAt, Names};

/// Loads the safetensors file `bytes` into `model`, under the model's own
/// state-dict names ([`constnet::state`]): what PyTorch's
/// `save_file(model.state_dict(), path)` writes for an `nn.Sequential` that
/// the model's tuple mirrors, or for a module whose children are the fields
/// of a struct deriving `Model`. See [`load_with`] for other names.
///
/// ```
/// use constnet::prelude::*;
///
/// type Net = (Dense<2, 3>, Tanh, Dense<3, 1>);
/// let trained = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// let bytes = constnet_safetensors::save(&trained)?;
///
/// let mut net = Net::ZERO;
/// constnet_safetensors::load(&mut net, &bytes)?;
/// assert_eq!(net.forward(&[0.5, -1.0]), trained.forward(&[0.5, -1.0]));
///
/// // A model of another shape is refused, and left as it was.
/// let mut wider = <(Dense<2, 4>, Tanh, Dense<4, 1>)>::ZERO;
/// let error = constnet_safetensors::load(&mut wider, &bytes).unwrap_err();
/// assert!(error.to_string().contains("tensor `0.weight` of layer 0"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`ImportError`]: the file is malformed, a tensor is missing, unexpected,
/// of another shape or of a dtype that cannot be read there. On error the
/// model is unchanged.
pub fn load<F: Float, M: Model<F>>(model: &mut M, bytes: &[u8]) -> Result<(), ImportError> {
    load_with(model, bytes, &Names::new())
}

/// [`load`], with the file's names given by `names`.
///
/// # Tensors and dtypes
///
/// Every float tensor of the model's state dict — parameters and buffers
/// such as batch normalisation's running statistics — must be in the file
/// under its name, with the shape the model's type declares in PyTorch's
/// layout, as F32, F16, BF16 (widened exactly) or F64 (exact into an f64
/// model, rounded to nearest into an f32 one). Integer scalars PyTorch keeps
/// and this library does not (`num_batches_tracked`) must be present with
/// an integer dtype, and are ignored. Nothing else may be in the file.
///
/// # Errors
///
/// As [`load`]; the model is unchanged on error.
pub fn load_with<F: Float, M: Model<F>>(model: &mut M, bytes: &[u8], names: &Names) -> Result<(), ImportError> {
    let file = SafeTensors::deserialize(bytes).map_err(ImportError::Malformed)?;
    let values = check::<F, M>(model, &file, names)?;
    // Every check passed: the writes below cannot fail, so the model is
    // either entirely loaded or, above, untouched.
    let mut values = values.into_iter();
    state::visit_mut(model, &mut |_, _, entry| {
        if let (StateEntryMut::TensorMut(mut tensor), Some(Some(values))) = (entry, values.next()) {
            // Checked: the file's shape is the tensor's.
            let _ = tensor.read_pytorch(&values);
        }
    });
    Ok(())
}

/// Reads the safetensors file at `path` and [`load_with`]s it.
///
/// # Errors
///
/// [`ImportError::Io`] if the file cannot be read; otherwise as [`load`].
pub fn load_file<F: Float, M: Model<F>>(
    model: &mut M,
    path: impl AsRef<Path>,
    names: &Names,
) -> Result<(), ImportError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })?;
    load_with(model, &bytes, names)
}

/// A new model of type `M` with the weights of the safetensors file
/// `bytes`, on the heap (a model can be larger than a stack).
///
/// # Errors
///
/// As [`load`].
pub fn from_bytes<F: Float, M: Model<F>>(bytes: &[u8], names: &Names) -> Result<Box<M>, ImportError> {
    let mut model = Box::new(M::ZERO);
    load_with(&mut *model, bytes, names)?;
    Ok(model)
}

/// Checks the file against every entry of the model's state dict, in the
/// model's order, and converts the values: one `Some(values)` per float
/// tensor, `None` per untracked entry. The first problem found is the
/// error; tensors of the file no entry claimed come last.
fn check<F: Float, M: Model<F>>(
    model: &M,
    file: &SafeTensors<'_>,
    names: &Names,
) -> Result<Vec<Option<Vec<F>>>, ImportError> {
    let file_names = crate::names::file_names(model, names).map_err(|name| ImportError::DuplicateName { name })?;
    let mut values = Vec::new();
    let mut problem = None;
    let mut file_name = file_names.iter();
    state::visit(model, &mut |path, layer_type, entry| {
        let Some(name) = file_name.next() else { return };
        if problem.is_none() {
            match check_entry(file, name, path, layer_type, &entry) {
                Ok(converted) => values.push(converted),
                Err(error) => problem = Some(error),
            }
        }
    });
    if let Some(error) = problem {
        return Err(error);
    }
    let claimed: HashSet<&str> = file_names.iter().map(String::as_str).collect();
    let mut unclaimed: Vec<_> = file.iter().filter(|(name, _)| !claimed.contains(name)).collect();
    unclaimed.sort_by_key(|(name, _)| *name);
    if let Some((name, view)) = unclaimed.first() {
        return Err(ImportError::Unexpected { name: name.to_string(), shape: view.shape().to_vec() });
    }
    Ok(values)
}

/// Checks one entry of the model against the file's tensor `name`.
fn check_entry<F: Float>(
    file: &SafeTensors<'_>,
    name: &str,
    path: &StatePath<'_>,
    layer_type: &'static str,
    entry: &StateEntry<'_, F>,
) -> Result<Option<Vec<F>>, ImportError> {
    let layer = || LayerAt { path: path.parent().map(|p| p.to_string()).unwrap_or_default(), layer_type };
    let Ok(view) = file.tensor(name) else {
        return Err(ImportError::Missing { name: name.to_string(), layer: layer() });
    };
    let (expected, accepted): (&[usize], _) = match entry {
        StateEntry::Tensor(tensor) => (tensor.shape.dims(), dtype::FLOATS),
        StateEntry::Untracked { .. } => (&[], dtype::INTEGERS),
    };
    if view.shape() != expected {
        let (expected, found) = (expected.to_vec(), view.shape().to_vec());
        return Err(ImportError::Shape { name: name.to_string(), layer: layer(), expected, found });
    }
    let wrong_dtype = || ImportError::Dtype { name: name.to_string(), layer: layer(), found: view.dtype(), accepted };
    match entry {
        StateEntry::Untracked { .. } => match dtype::is_integer(view.dtype()) {
            true => Ok(None),
            false => Err(wrong_dtype()),
        },
        StateEntry::Tensor(_) => match dtype::read_floats(&view) {
            Ok(values) => Ok(Some(values)),
            Err(Conversion::Dtype) => Err(wrong_dtype()),
            Err(Conversion::OutOfRange { index, value }) => {
                Err(ImportError::OutOfRange { name: name.to_string(), layer: layer(), index, value })
            }
        },
    }
}
