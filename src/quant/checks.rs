//! The checks every int8 layer makes of the operator it is built from:
//! kind, shapes, element types, constant data and quantisation, each
//! failing with the [`LoadError`] that names the operator and the tensor.

use crate::quant::graph::{ElementType, FusedActivation, Operator, OperatorKind, Padding, Tensor};
use crate::quant::load_error::{Dims, LoadError, LoadErrorKind, Role};
use crate::quant::{Activation, Clamp, Multiplier, OutputStage};

/// The one operator of a single-operator layer, of kind `kind`.
pub(crate) fn single<'s, 'a>(operators: &'s [Operator<'a>], kind: OperatorKind) -> Result<&'s Operator<'a>, LoadError> {
    match operators {
        [op] if op.kind == kind => Ok(op),
        [op] => Err(LoadError::new(op.index, LoadErrorKind::WrongOperator { expected: kind, found: op.kind })),
        [] => Err(LoadError::new(0, LoadErrorKind::MissingOperator { expected: kind })),
        [_, extra, ..] => Err(LoadError::new(extra.index, LoadErrorKind::ExtraOperator { found: extra.kind })),
    }
}

/// The error `kind` at `op`.
pub(crate) fn error(op: &Operator<'_>, kind: LoadErrorKind) -> LoadError {
    LoadError::new(op.index, kind)
}

/// `tensor` has exactly the shape `expected`.
pub(crate) fn shape(op: &Operator<'_>, role: Role, tensor: &Tensor<'_>, expected: &[usize]) -> Result<(), LoadError> {
    let same = tensor.shape.len() == expected.len()
        && tensor.shape.iter().zip(expected).all(|(&found, &want)| usize::try_from(found) == Ok(want));
    if same {
        Ok(())
    } else {
        Err(error(
            op,
            LoadErrorKind::Shape { tensor: role, expected: Dims::of(expected), found: Dims::new(tensor.shape) },
        ))
    }
}

/// `tensor` holds `expected` elements.
pub(crate) fn element(
    op: &Operator<'_>,
    role: Role,
    tensor: &Tensor<'_>,
    expected: ElementType,
) -> Result<(), LoadError> {
    if tensor.element == expected {
        Ok(())
    } else {
        Err(error(op, LoadErrorKind::ElementType { tensor: role, expected, found: tensor.element }))
    }
}

/// The operator's weight or bias tensor, or the error that it has none.
pub(crate) fn required<'s, 'a>(
    op: &'s Operator<'a>,
    role: Role,
    tensor: Option<&'s Tensor<'a>>,
) -> Result<&'s Tensor<'a>, LoadError> {
    tensor.ok_or_else(|| error(op, LoadErrorKind::MissingTensor { tensor: role }))
}

/// An int8 activation tensor of shape `expected` quantised per tensor: its
/// scale and zero point.
pub(crate) fn activation(
    op: &Operator<'_>,
    role: Role,
    tensor: &Tensor<'_>,
    expected: &[usize],
) -> Result<(f32, i8), LoadError> {
    element(op, role, tensor, ElementType::Int8)?;
    shape(op, role, tensor, expected)?;
    per_tensor(op, role, tensor)
}

/// The scale and zero point of a tensor quantised per tensor (an int8
/// zero point, a finite positive scale).
pub(crate) fn per_tensor(op: &Operator<'_>, role: Role, tensor: &Tensor<'_>) -> Result<(f32, i8), LoadError> {
    let q = tensor.quantization.ok_or_else(|| error(op, LoadErrorKind::MissingQuantization { tensor: role }))?;
    let (&[scale], &[zero_point]) = (q.scales, q.zero_points) else {
        let found = q.scales.len().max(q.zero_points.len());
        return Err(error(op, LoadErrorKind::Scales { tensor: role, expected: 1, found }));
    };
    let zero_point = i8::try_from(zero_point)
        .map_err(|_| error(op, LoadErrorKind::ZeroPoint { tensor: role, found: zero_point }))?;
    if !(scale.is_finite() && scale > 0.0) {
        let error_kind = crate::quant::ScaleError::NotFinitePositive;
        return Err(error(op, LoadErrorKind::Scale { tensor: role, error: error_kind }));
    }
    Ok((scale, zero_point))
}

/// The output's scale and zero point are the input's (an operator that
/// does not requantise: poolings, reshapes).
pub(crate) fn same_quantization(op: &Operator<'_>, input: (f32, i8), output: (f32, i8)) -> Result<(), LoadError> {
    if input == output { Ok(()) } else { Err(error(op, LoadErrorKind::Requantization { tensor: Role::Output })) }
}

/// A convolution's or pooling's window options: padding `padding`,
/// strides `stride` (height, width), no dilation.
pub(crate) fn window(op: &Operator<'_>, padding: Padding, stride: [usize; 2]) -> Result<(), LoadError> {
    let options = &op.options;
    if options.padding != padding {
        return Err(error(op, LoadErrorKind::Padding { expected: padding, found: options.padding }));
    }
    if options.stride != stride {
        return Err(error(op, LoadErrorKind::Stride { expected: stride, found: options.stride }));
    }
    if options.dilation != [1, 1] {
        return Err(error(op, LoadErrorKind::Dilation { found: options.dilation }));
    }
    Ok(())
}

/// A constant tensor's bytes, `expected` of them.
fn data<'a>(op: &Operator<'_>, role: Role, tensor: &Tensor<'a>, expected: usize) -> Result<&'a [u8], LoadError> {
    let bytes = tensor.data.ok_or_else(|| error(op, LoadErrorKind::MissingData { tensor: role }))?;
    if bytes.len() == expected {
        Ok(bytes)
    } else {
        Err(error(op, LoadErrorKind::DataLength { tensor: role, expected, found: bytes.len() }))
    }
}

/// Fills `out` (row-major) from a constant int8 tensor of shape `expected`.
pub(crate) fn int8_data(
    op: &Operator<'_>,
    role: Role,
    tensor: &Tensor<'_>,
    expected: &[usize],
    out: &mut [i8],
) -> Result<(), LoadError> {
    element(op, role, tensor, ElementType::Int8)?;
    shape(op, role, tensor, expected)?;
    let bytes = data(op, role, tensor, out.len())?;
    for (o, &b) in out.iter_mut().zip(bytes) {
        *o = b as i8;
    }
    Ok(())
}

/// The weight scales of a symmetric int8 weight with `O` output channels
/// along `axis`: one per channel, or one broadcast to all (per tensor).
pub(crate) fn weight_scales<const O: usize>(
    op: &Operator<'_>,
    weight: &Tensor<'_>,
    axis: usize,
) -> Result<[f32; O], LoadError> {
    let role = Role::Weight;
    let q = weight.quantization.ok_or_else(|| error(op, LoadErrorKind::MissingQuantization { tensor: role }))?;
    if q.scales.len() != q.zero_points.len() || (q.scales.len() != 1 && q.scales.len() != O) {
        let found = if q.scales.len() == 1 || q.scales.len() == O { q.zero_points.len() } else { q.scales.len() };
        return Err(error(op, LoadErrorKind::Scales { tensor: role, expected: O, found }));
    }
    if q.scales.len() == O && O > 1 && q.dimension != axis {
        return Err(error(op, LoadErrorKind::QuantizedDimension { tensor: role, expected: axis, found: q.dimension }));
    }
    if let Some(&found) = q.zero_points.iter().find(|&&z| z != 0) {
        return Err(error(op, LoadErrorKind::ZeroPoint { tensor: role, found }));
    }
    let mut scales = [0.0; O];
    for (o, s) in scales.iter_mut().enumerate() {
        *s = if q.scales.len() == 1 { q.scales[0] } else { q.scales[o] };
    }
    Ok(scales)
}

/// The int32 bias of `O` channels (zeros if the operator has none).
pub(crate) fn bias<const O: usize>(op: &Operator<'_>) -> Result<[i32; O], LoadError> {
    let mut bias = [0; O];
    let Some(tensor) = &op.bias else { return Ok(bias) };
    let role = Role::Bias;
    element(op, role, tensor, ElementType::Int32)?;
    shape(op, role, tensor, &[O])?;
    if let Some(&found) = tensor.quantization.iter().flat_map(|q| q.zero_points).find(|&&z| z != 0) {
        return Err(error(op, LoadErrorKind::ZeroPoint { tensor: role, found }));
    }
    let bytes = data(op, role, tensor, 4 * O)?;
    for (b, chunk) in bias.iter_mut().zip(bytes.chunks_exact(4)) {
        *b = i32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    Ok(bias)
}

/// The fused activation as an int8 clamp range, for an output of `scale`
/// and `zero_point`.
pub(crate) fn clamp(op: &Operator<'_>, scale: f32, zero_point: i8) -> Result<Clamp, LoadError> {
    let activation = match op.options.activation {
        FusedActivation::None => Activation::None,
        FusedActivation::Relu => Activation::Relu,
        FusedActivation::Relu6 => Activation::Relu6,
        found => return Err(error(op, LoadErrorKind::Activation { found })),
    };
    Ok(Clamp::fused(activation, scale, zero_point))
}

/// The output stage of a fully connected layer or convolution: each
/// channel's multiplier `input_scale · weight_scale / output_scale`, the
/// output's zero point and the fused activation's clamp.
pub(crate) fn output_stage<const O: usize>(
    op: &Operator<'_>,
    input_scale: f32,
    weight_scales: &[f32; O],
    (output_scale, output_zero_point): (f32, i8),
) -> Result<OutputStage<O>, LoadError> {
    let multipliers = Multiplier::per_channel(input_scale, weight_scales, output_scale)
        .map_err(|e| error(op, LoadErrorKind::Scale { tensor: Role::Output, error: e }))?;
    Ok(OutputStage::per_channel(multipliers, output_zero_point, clamp(op, output_scale, output_zero_point)?))
}
