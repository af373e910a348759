//! Reading a file's elements into a model's float type, and writing them
//! back: which dtypes are accepted where, and how each one converts.

use constnet::Float;
use half::{bf16, f16};
use safetensors::Dtype;
use safetensors::tensor::TensorView;

/// What a float tensor of the model accepts, for messages.
pub(crate) const FLOATS: &str = "F32, F64, F16, BF16";
/// What an untracked integer scalar (`num_batches_tracked`) accepts.
pub(crate) const INTEGERS: &str = "I64, I32, I16, I8, U64, U32, U16, U8";

/// Why an element could not be converted.
pub(crate) enum Conversion {
    /// The dtype is not one of [`FLOATS`].
    Dtype,
    /// Element `index` is a finite F64 beyond the model's range.
    OutOfRange { index: usize, value: f64 },
}

/// The elements of `view`, in the file's (row-major) order, as `F`:
/// F32, F16 and BF16 exactly (every value of theirs is an f32, and an f64);
/// F64 exactly into an f64 model and rounded to nearest, ties to even, into
/// an f32 one (a finite value beyond f32's range is an error, not ∞). NaN
/// and ∞ in the file are kept, as PyTorch keeps them.
pub(crate) fn read_floats<F: Float>(view: &TensorView<'_>) -> Result<Vec<F>, Conversion> {
    let data = view.data();
    let values = match view.dtype() {
        Dtype::F32 => each::<4, F>(data, |b| f64::from(f32::from_le_bytes(b))),
        Dtype::F16 => each::<2, F>(data, |b| f64::from(f16::from_le_bytes(b).to_f32())),
        Dtype::BF16 => each::<2, F>(data, |b| f64::from(bf16::from_le_bytes(b).to_f32())),
        Dtype::F64 => {
            let values = each::<8, F>(data, f64::from_le_bytes);
            let wide = data.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().unwrap_or_default()));
            if let Some((index, value)) = wide
                .zip(&values)
                .enumerate()
                .find_map(|(k, (w, n))| (w.is_finite() && !n.as_f64().is_finite()).then_some((k, w)))
            {
                return Err(Conversion::OutOfRange { index, value });
            }
            values
        }
        _ => return Err(Conversion::Dtype),
    };
    Ok(values)
}

/// `to_f64` of each `N`-byte element of `data`, converted to `F`.
fn each<const N: usize, F: Float>(data: &[u8], to_f64: impl Fn([u8; N]) -> f64) -> Vec<F> {
    // `chunks_exact` yields N bytes exactly; the conversion cannot fail.
    data.chunks_exact(N).map(|bytes| F::from_f64(to_f64(bytes.try_into().unwrap_or([0; N])))).collect()
}

/// Whether `dtype` is an integer type, as `num_batches_tracked` may be.
pub(crate) fn is_integer(dtype: Dtype) -> bool {
    matches!(dtype, Dtype::I64 | Dtype::I32 | Dtype::I16 | Dtype::I8 | Dtype::U64 | Dtype::U32 | Dtype::U16 | Dtype::U8)
}

/// The dtype a model of float type `F` is written in, and its values'
/// little-endian bytes: F32 for an f32 model, F64 for an f64 one, exactly.
pub(crate) fn write_floats<F: Float>(values: impl Iterator<Item = F>) -> (Dtype, Vec<u8>) {
    let mut bytes = Vec::new();
    if F::SIZE == 4 {
        // An f32 model's values are f32s: the narrowing is exact.
        values.for_each(|v| bytes.extend_from_slice(&(v.as_f64() as f32).to_le_bytes()));
        (Dtype::F32, bytes)
    } else {
        values.for_each(|v| bytes.extend_from_slice(&v.as_f64().to_le_bytes()));
        (Dtype::F64, bytes)
    }
}
