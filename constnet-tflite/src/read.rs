//! Reading a `.tflite` flatbuffer into the core's neutral operator
//! description ([`Operator`]): one subgraph, its operators in order, each
//! with its tensors (shapes, types, quantisation, constant bytes borrowed
//! from the file) and options, checked to form a chain.

use constnet::quant::{
    ElementType, FusedActivation, LoadError, Operator, OperatorKind, Options, Padding, Quantization, Role, Tensor,
};
use planus::ReadAsRoot;

use crate::TfliteError;
use crate::builtin_names::BUILTIN_NAMES;
use crate::schema::tflite as fb;

/// TensorFlow Lite's file identifier, at bytes 4..8.
const IDENTIFIER: &[u8; 4] = b"TFL3";

/// A tensor as read from the file: what [`Tensor`] borrows.
#[derive(Debug)]
struct FileTensor<'a> {
    name: &'a str,
    element: ElementType,
    shape: Vec<i32>,
    data: Option<&'a [u8]>,
    scales: Vec<f32>,
    zero_points: Vec<i64>,
    dimension: usize,
    quantized: bool,
}

/// An operator as read from the file, its tensors by index.
#[derive(Debug)]
struct FileOperator {
    kind: OperatorKind,
    input: usize,
    weight: Option<usize>,
    bias: Option<usize>,
    output: usize,
    options: Options,
}

/// A sequential graph read from a `.tflite` file: its operators in order
/// and the tensors they use.
#[derive(Debug)]
pub(crate) struct Graph<'a> {
    /// The subgraph's tensors, those an operator uses read (`None` for the
    /// others).
    tensors: Vec<Option<FileTensor<'a>>>,
    operators: Vec<FileOperator>,
}

impl<'a> Graph<'a> {
    /// Reads the first subgraph of the `.tflite` file `bytes`: every
    /// operator must be one the int8 layers implement, and the operators
    /// must form a chain from the graph's one input to its one output.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Graph<'a>, TfliteError> {
        match bytes.get(4..8) {
            Some(id) if id == IDENTIFIER => {}
            Some(id) => return Err(TfliteError::NotTflite { found: Some([id[0], id[1], id[2], id[3]]) }),
            None => return Err(TfliteError::NotTflite { found: None }),
        }
        let model = fb::ModelRef::read_as_root(bytes)?;
        let codes = model.operator_codes()?;
        let buffers = model.buffers()?;
        let subgraph = match model.subgraphs()? {
            Some(subgraphs) if !subgraphs.is_empty() => subgraphs.get(0).ok_or(TfliteError::NoSubgraph)??,
            _ => return Err(TfliteError::NoSubgraph),
        };
        let file_tensors = subgraph.tensors()?;
        let tensor_count = file_tensors.map_or(0, |t| t.len());
        let index = |i: i32, what: &str| -> Result<usize, TfliteError> {
            usize::try_from(i)
                .ok()
                .filter(|&i| i < tensor_count)
                .ok_or_else(|| malformed(format!("{what} refers to tensor {i}; the subgraph has {tensor_count}")))
        };

        let mut operators = Vec::new();
        for (position, op) in subgraph.operators()?.into_iter().flatten().enumerate() {
            let op = op?;
            let (code, custom) = builtin_code(op.opcode_index()?, codes)?;
            let Some(kind) = operator_kind(code) else {
                let name = match custom {
                    Some(custom) => custom.to_owned(),
                    None => builtin_name(code).unwrap_or("unknown").to_owned(),
                };
                return Err(TfliteError::UnsupportedOperator { operator: position, code, name });
            };
            let what = |role: &str| format!("operator {position}'s {role}");
            let inputs: Vec<i32> = op.inputs()?.map_or(Ok(Vec::new()), |v| v.to_vec())?;
            let outputs: Vec<i32> = op.outputs()?.map_or(Ok(Vec::new()), |v| v.to_vec())?;
            let input = index(
                *inputs.first().ok_or_else(|| malformed(format!("{} is missing", what("input"))))?,
                &what("input"),
            )?;
            let [output] = outputs[..] else {
                return Err(malformed(format!("operator {position} has {} outputs, not one", outputs.len())));
            };
            let output = index(output, &what("output"))?;
            let constant = |k: usize, role: &str| match inputs.get(k) {
                Some(&i) if i >= 0 && has_constants(kind) => index(i, &what(role)).map(Some),
                _ => Ok(None),
            };
            let weight = constant(1, "weight")?;
            let bias = constant(2, "bias")?;
            let options = options(position, kind, &op)?;
            operators.push(FileOperator { kind, input, weight, bias, output, options });
        }

        let (inputs, outputs) = (subgraph.inputs()?, subgraph.outputs()?);
        let (graph_input, graph_output) = match (one(inputs), one(outputs)) {
            (Some(i), Some(o)) => (index(i, "the graph's input")?, index(o, "the graph's output")?),
            _ => {
                let count = |v: Option<planus::Vector<'_, i32>>| v.map_or(0, |v| v.len());
                return Err(TfliteError::Interface { inputs: count(inputs), outputs: count(outputs) });
            }
        };

        let mut tensors: Vec<Option<FileTensor<'a>>> = (0..tensor_count).map(|_| None).collect();
        for (position, op) in operators.iter().enumerate() {
            for (role, t) in [(Role::Input, Some(op.input)), (Role::Weight, op.weight), (Role::Bias, op.bias)]
                .into_iter()
                .chain([(Role::Output, Some(op.output))])
            {
                let Some(t) = t else { continue };
                if tensors[t].is_none() {
                    let tensor =
                        file_tensors.and_then(|v| v.get(t)).ok_or_else(|| malformed(format!("no tensor {t}")))??;
                    tensors[t] = Some(read_tensor(bytes, position, op.kind, role, tensor, buffers)?);
                }
            }
        }
        let graph = Graph { tensors, operators };
        graph.check_chain(graph_input, graph_output)?;
        Ok(graph)
    }

    /// The tensor `index`, read.
    fn tensor(&self, index: usize) -> &FileTensor<'a> {
        // Every tensor an operator refers to was read by `parse`.
        self.tensors[index].as_ref().expect("a tensor an operator refers to is read")
    }

    /// Each operator reads the previous one's output (the first, the
    /// graph's input), and the last one writes the graph's output.
    fn check_chain(&self, graph_input: usize, graph_output: usize) -> Result<(), TfliteError> {
        let name = |t: usize| self.tensors[t].as_ref().map_or_else(|| format!("#{t}"), |t| t.name.to_owned());
        let mut expected = graph_input;
        for (position, op) in self.operators.iter().enumerate() {
            if op.input != expected {
                return Err(TfliteError::NotAChain {
                    operator: position,
                    role: Role::Input,
                    found: name(op.input),
                    expected: name(expected),
                });
            }
            expected = op.output;
        }
        match self.operators.len().checked_sub(1) {
            Some(last) if expected != graph_output => Err(TfliteError::NotAChain {
                operator: last,
                role: Role::Output,
                found: name(expected),
                expected: name(graph_output),
            }),
            _ => Ok(()),
        }
    }

    /// The operators, in order, as the core's [`Operator`]s.
    pub(crate) fn operators(&self) -> Vec<Operator<'_>> {
        let tensor = |index: usize| {
            let t = self.tensor(index);
            Tensor {
                index,
                name: t.name,
                element: t.element,
                shape: &t.shape,
                data: t.data,
                quantization: t.quantized.then_some(Quantization {
                    scales: &t.scales,
                    zero_points: &t.zero_points,
                    dimension: t.dimension,
                }),
            }
        };
        self.operators
            .iter()
            .enumerate()
            .map(|(index, op)| Operator {
                index,
                kind: op.kind,
                input: tensor(op.input),
                weight: op.weight.map(tensor),
                bias: op.bias.map(tensor),
                output: tensor(op.output),
                options: op.options,
            })
            .collect()
    }

    /// The core's error, with the operator's kind and the name of the
    /// tensor it is about.
    pub(crate) fn layer_error(&self, error: LoadError) -> TfliteError {
        let op = self.operators.get(error.operator);
        let tensor = op.and_then(|op| match error.tensor()? {
            Role::Input => Some(op.input),
            Role::Weight => op.weight,
            Role::Bias => op.bias,
            Role::Output => Some(op.output),
        });
        TfliteError::Layer { error, kind: op.map(|op| op.kind), tensor: tensor.map(|t| self.tensor(t).name.to_owned()) }
    }
}

/// A [`TfliteError::Malformed`].
fn malformed(what: String) -> TfliteError {
    TfliteError::Malformed { what }
}

/// The one element of a graph's inputs or outputs, `None` unless there is
/// exactly one.
fn one(v: Option<planus::Vector<'_, i32>>) -> Option<i32> {
    v.filter(|v| v.len() == 1).and_then(|v| v.get(0))
}

/// An enum field's value, or the unknown tag it holds (the file may be
/// newer than the schema).
fn known<T>(value: planus::Result<T>) -> Result<Result<T, i128>, TfliteError> {
    match value {
        Ok(v) => Ok(Ok(v)),
        Err(planus::Error { error_kind: planus::errors::ErrorKind::UnknownEnumTag { source }, .. }) => {
            Ok(Err(source.tag))
        }
        Err(e) => Err(TfliteError::Flatbuffer(e)),
    }
}

/// The builtin code of operator code `opcode`, the larger of its two
/// fields as TensorFlow Lite reads them, and a custom operator's name.
fn builtin_code<'a>(
    opcode: u32,
    codes: Option<planus::Vector<'a, planus::Result<fb::OperatorCodeRef<'a>>>>,
) -> Result<(i32, Option<&'a str>), TfliteError> {
    let code = codes
        .and_then(|c| c.get(opcode as usize))
        .ok_or_else(|| malformed(format!("operator code {opcode} does not exist")))??;
    let deprecated = i32::from(code.deprecated_builtin_code()?);
    let builtin = match known(code.builtin_code())? {
        Ok(b) => i32::from(b),
        Err(tag) => i32::try_from(tag).unwrap_or(i32::MAX),
    };
    let value = deprecated.max(builtin);
    let custom = if value == i32::from(fb::BuiltinOperator::Custom) { code.custom_code()? } else { None };
    Ok((value, custom))
}

/// The schema's name of builtin code `code`.
fn builtin_name(code: i32) -> Option<&'static str> {
    BUILTIN_NAMES.iter().find(|&&(c, _)| c == code).map(|&(_, name)| name)
}

/// The int8 layers' operator of builtin code `code`.
fn operator_kind(code: i32) -> Option<OperatorKind> {
    use fb::BuiltinOperator as B;
    let op = fb::BuiltinOperator::try_from(code).ok()?;
    Some(match op {
        B::FullyConnected => OperatorKind::FullyConnected,
        B::Conv2d => OperatorKind::Conv2d,
        B::DepthwiseConv2d => OperatorKind::DepthwiseConv2d,
        B::MaxPool2d => OperatorKind::MaxPool2d,
        B::AveragePool2d => OperatorKind::AveragePool2d,
        B::Reshape => OperatorKind::Reshape,
        B::Softmax => OperatorKind::Softmax,
        _ => return None,
    })
}

/// Whether an operator's second and third inputs are its weight and bias.
fn has_constants(kind: OperatorKind) -> bool {
    matches!(kind, OperatorKind::FullyConnected | OperatorKind::Conv2d | OperatorKind::DepthwiseConv2d)
}

/// A stride, dilation or filter size; a negative one reads as 0, which no
/// layer has.
fn size(value: i32) -> usize {
    usize::try_from(value).unwrap_or(0)
}

fn padding(value: planus::Result<fb::Padding>) -> Result<Padding, TfliteError> {
    Ok(match known(value)? {
        Ok(fb::Padding::Same) => Padding::Same,
        Ok(fb::Padding::Valid) => Padding::Valid,
        Err(tag) => return Err(malformed(format!("an unknown padding {tag}"))),
    })
}

fn activation(value: planus::Result<fb::ActivationFunctionType>) -> Result<FusedActivation, TfliteError> {
    use fb::ActivationFunctionType as A;
    Ok(match known(value)? {
        Ok(A::None) => FusedActivation::None,
        Ok(A::Relu) => FusedActivation::Relu,
        Ok(A::ReluN1To1) => FusedActivation::ReluN1To1,
        Ok(A::Relu6) => FusedActivation::Relu6,
        Ok(A::Tanh) => FusedActivation::Tanh,
        Ok(A::SignBit) => FusedActivation::SignBit,
        Err(tag) => FusedActivation::Other(i8::try_from(tag).unwrap_or(i8::MAX)),
    })
}

/// The options of operator `position` of kind `kind` that the int8 layers
/// read; [`Options::NONE`] for the rest.
fn options(position: usize, kind: OperatorKind, op: &fb::OperatorRef<'_>) -> Result<Options, TfliteError> {
    use fb::BuiltinOptionsRef as O;
    let missing = |expected| TfliteError::MissingOptions { operator: position, kind, expected };
    let table = op.builtin_options()?;
    let mut options = Options::NONE;
    match (kind, table) {
        (OperatorKind::Conv2d, Some(O::Conv2DOptions(o))) => {
            options.padding = padding(o.padding())?;
            options.stride = [size(o.stride_h()?), size(o.stride_w()?)];
            options.dilation = [size(o.dilation_h_factor()?), size(o.dilation_w_factor()?)];
            options.activation = activation(o.fused_activation_function())?;
        }
        (OperatorKind::Conv2d, _) => return Err(missing("Conv2DOptions")),
        (OperatorKind::DepthwiseConv2d, Some(O::DepthwiseConv2DOptions(o))) => {
            options.padding = padding(o.padding())?;
            options.stride = [size(o.stride_h()?), size(o.stride_w()?)];
            options.dilation = [size(o.dilation_h_factor()?), size(o.dilation_w_factor()?)];
            options.activation = activation(o.fused_activation_function())?;
            options.depth_multiplier = size(o.depth_multiplier()?);
        }
        (OperatorKind::DepthwiseConv2d, _) => return Err(missing("DepthwiseConv2DOptions")),
        (OperatorKind::MaxPool2d | OperatorKind::AveragePool2d, Some(O::Pool2DOptions(o))) => {
            options.padding = padding(o.padding())?;
            options.stride = [size(o.stride_h()?), size(o.stride_w()?)];
            options.filter = [size(o.filter_height()?), size(o.filter_width()?)];
            options.activation = activation(o.fused_activation_function())?;
        }
        (OperatorKind::MaxPool2d | OperatorKind::AveragePool2d, _) => return Err(missing("Pool2DOptions")),
        (OperatorKind::FullyConnected, Some(O::FullyConnectedOptions(o))) => {
            options.activation = activation(o.fused_activation_function())?;
            if !matches!(known(o.weights_format())?, Ok(fb::FullyConnectedOptionsWeightsFormat::Default)) {
                let what = "its weights are in a shuffled format".to_owned();
                return Err(TfliteError::UnsupportedFeature { operator: position, kind, what });
            }
        }
        // Without options, a fully connected operator has the defaults.
        (OperatorKind::FullyConnected, None) => {}
        (OperatorKind::FullyConnected, _) => return Err(missing("FullyConnectedOptions")),
        (OperatorKind::Softmax, Some(O::SoftmaxOptions(o))) => options.beta = o.beta()?,
        (OperatorKind::Softmax, _) => return Err(missing("SoftmaxOptions")),
        // A reshape's target shape is its output tensor's.
        (OperatorKind::Reshape, _) => {}
    }
    Ok(options)
}

/// The element type of a schema `TensorType` (or its unknown tag).
fn element(value: planus::Result<fb::TensorType>) -> Result<ElementType, TfliteError> {
    use fb::TensorType as T;
    Ok(match known(value)? {
        Ok(T::Int8) => ElementType::Int8,
        Ok(T::Int32) => ElementType::Int32,
        Ok(T::Float32) => ElementType::Float32,
        Ok(T::Uint8) => ElementType::UInt8,
        Ok(T::Int16) => ElementType::Int16,
        Ok(T::Int64) => ElementType::Int64,
        Ok(other) => ElementType::Other(other as i8),
        Err(tag) => ElementType::Other(i8::try_from(tag).unwrap_or(i8::MAX)),
    })
}

/// Reads tensor `tensor`, the `role` of operator `position`: its constant
/// bytes from its buffer (inside the flatbuffer, or after it at the
/// buffer's offset), its quantisation.
fn read_tensor<'a>(
    bytes: &'a [u8],
    position: usize,
    kind: OperatorKind,
    role: Role,
    tensor: fb::TensorRef<'a>,
    buffers: Option<planus::Vector<'a, planus::Result<fb::BufferRef<'a>>>>,
) -> Result<FileTensor<'a>, TfliteError> {
    let name = tensor.name()?.unwrap_or("");
    let unsupported = |what: String| TfliteError::UnsupportedFeature { operator: position, kind, what };
    if tensor.sparsity()?.is_some() {
        return Err(unsupported(format!("its {role} `{name}` is sparse")));
    }
    if tensor.external_buffer()? != 0 {
        return Err(unsupported(format!("its {role} `{name}` is stored in an external file")));
    }
    let shape: Vec<i32> = tensor.shape()?.map_or(Ok(Vec::new()), |s| s.to_vec())?;
    let buffer_index = tensor.buffer()?;
    let data = match buffer_index {
        0 => None,
        b => {
            let buffer = buffers
                .and_then(|v| v.get(b as usize))
                .ok_or_else(|| malformed(format!("tensor `{name}` refers to buffer {b}, which does not exist")))??;
            let (offset, length) = (buffer.offset()?, buffer.size()?);
            if offset > 1 {
                // A large model's buffers follow the flatbuffer in the file.
                let range = usize::try_from(offset).ok().zip(usize::try_from(length).ok()).and_then(|(o, n)| {
                    let end = o.checked_add(n)?;
                    bytes.get(o..end)
                });
                Some(
                    range
                        .ok_or_else(|| malformed(format!("buffer {b} of tensor `{name}` lies past the file's end")))?,
                )
            } else {
                buffer.data()?
            }
        }
    };
    let data = data.filter(|d| !d.is_empty());
    let (mut scales, mut zero_points, mut dimension, mut quantized) = (Vec::new(), Vec::new(), 0, false);
    if let Some(q) = tensor.quantization()? {
        if q.details()?.is_some() {
            return Err(unsupported(format!("its {role} `{name}` has a custom quantisation")));
        }
        scales = q.scale()?.map_or(Ok(Vec::new()), |s| s.to_vec())?;
        zero_points = q.zero_point()?.map_or(Ok(Vec::new()), |z| z.to_vec())?;
        let axis = q.quantized_dimension()?;
        dimension =
            usize::try_from(axis).map_err(|_| malformed(format!("tensor `{name}` is quantised along axis {axis}")))?;
        // TensorFlow Lite reads a quantisation without scales as none.
        quantized = !scales.is_empty() || !zero_points.is_empty();
    }
    Ok(FileTensor { name, element: element(tensor.type_())?, shape, data, scales, zero_points, dimension, quantized })
}
