//! [`load`]: a `.tflite` file into a typed int8 model, with its input's
//! and output's quantisation.

use std::path::Path;

use constnet::quant::{LoadError, LoadErrorKind, QParams, QuantizedModel, Role, ScaleError, Tensor};

use crate::TfliteError;
use crate::read::Graph;

/// A model loaded from a `.tflite` file, and the quantisation of its input
/// and output as the file gives them.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported<M> {
    /// The model.
    pub model: M,
    /// The input's quantisation: [`quantize`](QParams::quantize) real inputs with it.
    pub input: QParams,
    /// The output's quantisation: [`dequantize`](QParams::dequantize) outputs with it.
    pub output: QParams,
}

/// Reads the `.tflite` file `bytes` into the int8 model `M`, a tuple of
/// [`constnet::quant`] layers in the file's operator order (see the
/// [crate] documentation).
///
/// ```
/// use constnet::prelude::*;
/// use constnet::quant::QDense;
///
/// type Sine = (QDense<1, 16>, QDense<16, 16>, QDense<16, 1>);
/// let bytes = std::fs::read("../tests/data/int8/sine.tflite")?;
/// let sine = constnet_tflite::load::<Sine>(&bytes)?;
/// let x = sine.input.quantize(std::f32::consts::FRAC_PI_2);
/// let y = sine.output.dequantize(sine.model.forward(&[x])[0]);
/// assert!((y - 1.0).abs() < 0.15, "sin(π/2) ≈ {y}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// A [`TfliteError`]: the bytes are not a valid `.tflite` flatbuffer, an
/// operator is not one the int8 layers implement or the graph is not a
/// chain, or ([`TfliteError::Layer`]) an operator does not fit `M`.
pub fn load<M: QuantizedModel>(bytes: &[u8]) -> Result<Imported<M>, TfliteError> {
    let graph = Graph::parse(bytes)?;
    let operators = graph.operators();
    let model = constnet::quant::load::<M>(&operators).map_err(|e| graph.layer_error(e))?;
    // `load` checked both tensors as int8 quantised per tensor; `affine`
    // checks again rather than assume it of every layer.
    let (Some(first), Some(last)) = (operators.first(), operators.last()) else {
        // Only a hand-made `QuantizedModel` of no operators gets here.
        return Err(TfliteError::Malformed { what: "the graph has no operators".to_owned() });
    };
    let input = affine(first.index, Role::Input, &first.input).map_err(|e| graph.layer_error(e))?;
    let output = affine(last.index, Role::Output, &last.output).map_err(|e| graph.layer_error(e))?;
    Ok(Imported { model, input, output })
}

/// As [`load`], from the file at `path`.
///
/// # Errors
///
/// [`TfliteError::Io`] if the file cannot be read; otherwise as [`load`].
pub fn load_file<M: QuantizedModel>(path: impl AsRef<Path>) -> Result<Imported<M>, TfliteError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| TfliteError::Io { path: path.to_path_buf(), source })?;
    load(&bytes)
}

/// The per-tensor quantisation of operator `operator`'s tensor `tensor`.
fn affine(operator: usize, role: Role, tensor: &Tensor<'_>) -> Result<QParams, LoadError> {
    let error = |kind| LoadError::new(operator, kind);
    let q = tensor.quantization.ok_or_else(|| error(LoadErrorKind::MissingQuantization { tensor: role }))?;
    match (q.scales, q.zero_points) {
        (&[scale], &[zero_point]) => {
            let zero_point = i8::try_from(zero_point)
                .map_err(|_| error(LoadErrorKind::ZeroPoint { tensor: role, found: zero_point }))?;
            let not_positive = error(LoadErrorKind::Scale { tensor: role, error: ScaleError::NotFinitePositive });
            QParams::new(scale, zero_point).ok_or(not_positive)
        }
        (scales, _) => Err(error(LoadErrorKind::Scales { tensor: role, expected: 1, found: scales.len() })),
    }
}
