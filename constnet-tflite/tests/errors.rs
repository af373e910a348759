//! Files that do not fit, or are not models: each is the specific
//! [`TfliteError`], whose message names the operator and the tensor, and
//! nothing panics. Broken models are the reference digits CNN, read into
//! planus's owned types, changed, and written back.

use constnet::layers::Flatten;
use constnet::quant::{
    Dims, LoadErrorKind, OperatorKind, Padding, QConv2d, QDense, QMaxPool2d, Role, SamePadding, Valid,
};
use constnet_tflite::TfliteError;
use constnet_tflite::schema::tflite as fb;
use planus::ReadAsRoot;

/// The reference model's type.
type Cnn = (QConv2d<1, 16, 3, 3, 8, 8, 6, 6>, QMaxPool2d<16, 2, 2, 6, 6, 3, 3>, Flatten<144>, QDense<144, 10>);

fn cnn_bytes() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/int8/digits_cnn.tflite")).unwrap()
}

/// The reference CNN as planus's owned model, to change.
fn cnn_model() -> fb::Model {
    let bytes = cnn_bytes();
    fb::Model::try_from(fb::ModelRef::read_as_root(&bytes).unwrap()).unwrap()
}

/// `model` as a `.tflite` file: written without an identifier, which is
/// then put after the root offset, where the flatbuffer format has it
/// (planus 1.3's builder puts it first), and the offset moved past it.
fn write(model: &fb::Model) -> Vec<u8> {
    let plain = planus::Builder::new().finish(model, None).to_vec();
    let root = u32::from_le_bytes(plain[..4].try_into().unwrap()) + 4;
    [&root.to_le_bytes()[..], b"TFL3", &plain[4..]].concat()
}

/// The subgraph's tensor `index` of operator `op`'s input `k`.
fn input_tensor(model: &fb::Model, op: usize, k: usize) -> usize {
    let subgraph = &model.subgraphs.as_ref().unwrap()[0];
    subgraph.operators.as_ref().unwrap()[op].inputs.as_ref().unwrap()[k] as usize
}

fn tensor_name(model: &fb::Model, index: usize) -> String {
    model.subgraphs.as_ref().unwrap()[0].tensors.as_ref().unwrap()[index].name.clone().unwrap()
}

fn operator(model: &mut fb::Model, op: usize) -> &mut fb::Operator {
    &mut model.subgraphs.as_mut().unwrap()[0].operators.as_mut().unwrap()[op]
}

/// The error's message names the operator (and its kind) and the tensor.
fn assert_names(error: &TfliteError, operator: &str, tensor: &str) {
    let message = error.to_string();
    assert!(message.contains(operator), "{message:?} does not name {operator:?}");
    assert!(message.contains(&format!("`{tensor}`")), "{message:?} does not name tensor {tensor:?}");
}

#[test]
fn the_reference_file_fits_its_type() {
    let imported = constnet_tflite::load::<Cnn>(&cnn_bytes()).unwrap();
    assert_eq!(imported.input.zero_point(), -128);
}

#[test]
fn a_wrong_channel_count_is_a_shape_error_naming_the_output_tensor() {
    type Narrow = (QConv2d<1, 8, 3, 3, 8, 8, 6, 6>, QMaxPool2d<8, 2, 2, 6, 6, 3, 3>, Flatten<72>, QDense<72, 10>);
    let error = constnet_tflite::load::<Narrow>(&cnn_bytes()).unwrap_err();
    let TfliteError::Layer { error: e, kind, tensor } = &error else { panic!("{error:?}") };
    assert_eq!(e.operator, 0);
    assert_eq!(*kind, Some(OperatorKind::Conv2d));
    let expected = Dims::of(&[1, 6, 6, 8]);
    assert_eq!(e.kind, LoadErrorKind::Shape { tensor: Role::Output, expected, found: Dims::new(&[1, 6, 6, 16]) });
    let model = cnn_model();
    let name = tensor_name(&model, operator_output(&model, 0));
    assert_eq!(tensor.as_deref(), Some(name.as_str()));
    assert_names(&error, "operator 0 (CONV_2D)", &name);
    assert!(error.to_string().contains("[1, 6, 6, 16]") && error.to_string().contains("[1, 6, 6, 8]"), "{error}");
    // The core's error is the source.
    assert!(std::error::Error::source(&error).is_some());
}

#[test]
fn a_wrong_dense_width_names_its_output_tensor() {
    // Conv to 16, pool to 3×3, flatten 144, but dense 144 → 12.
    type Wide = (QConv2d<1, 16, 3, 3, 8, 8, 6, 6>, QMaxPool2d<16, 2, 2, 6, 6, 3, 3>, Flatten<144>, QDense<144, 12>);
    let error = constnet_tflite::load::<Wide>(&cnn_bytes()).unwrap_err();
    let TfliteError::Layer { error: e, .. } = &error else { panic!("{error:?}") };
    assert_eq!(e.operator, 3);
    assert!(matches!(e.kind, LoadErrorKind::Shape { tensor: Role::Output, .. }), "{e:?}");
    let model = cnn_model();
    assert_names(&error, "operator 3 (FULLY_CONNECTED)", &tensor_name(&model, operator_output(&model, 3)));
}

#[test]
fn a_wrong_operator_order_is_a_wrong_operator() {
    type Swapped = (QMaxPool2d<1, 2, 2, 8, 8, 4, 4>, QConv2d<1, 16, 3, 3, 4, 4, 2, 2>, Flatten<64>, QDense<64, 10>);
    let error = constnet_tflite::load::<Swapped>(&cnn_bytes()).unwrap_err();
    let TfliteError::Layer { error: e, .. } = &error else { panic!("{error:?}") };
    assert_eq!(e.operator, 0);
    assert_eq!(e.kind, LoadErrorKind::WrongOperator { expected: OperatorKind::MaxPool2d, found: OperatorKind::Conv2d });
    assert!(error.to_string().contains("operator 0 (CONV_2D)"), "{error}");
    assert!(error.to_string().contains("MAX_POOL_2D"), "{error}");

    // A type with one layer too few or too many.
    let error = constnet_tflite::load::<(QConv2d<1, 16, 3, 3, 8, 8, 6, 6>,)>(&cnn_bytes()).unwrap_err();
    let TfliteError::Layer { error: e, .. } = &error else { panic!("{error:?}") };
    assert_eq!((e.operator, e.kind), (1, LoadErrorKind::ExtraOperator { found: OperatorKind::MaxPool2d }));
    type Longer = (Cnn, constnet::quant::QSoftmax<10>);
    let error = constnet_tflite::load::<Longer>(&cnn_bytes()).unwrap_err();
    let TfliteError::Layer { error: e, kind, .. } = &error else { panic!("{error:?}") };
    assert_eq!(
        (e.operator, e.kind, *kind),
        (4, LoadErrorKind::MissingOperator { expected: OperatorKind::Softmax }, None)
    );
}

#[test]
fn a_wrong_padding_stride_or_window_is_its_error() {
    type Same = (
        QConv2d<1, 16, 3, 3, 8, 8, 8, 8, 1, 1, SamePadding>,
        QMaxPool2d<16, 2, 2, 8, 8, 4, 4>,
        Flatten<256>,
        QDense<256, 10>,
    );
    let error = constnet_tflite::load::<Same>(&cnn_bytes()).unwrap_err();
    let TfliteError::Layer { error: e, .. } = &error else { panic!("{error:?}") };
    assert_eq!((e.operator, e.kind), (0, LoadErrorKind::Padding { expected: Padding::Same, found: Padding::Valid }));
    assert_eq!(error.to_string(), "operator 0 (CONV_2D): its padding is VALID, the model type's layer has SAME");

    type Strided =
        (QConv2d<1, 16, 3, 3, 8, 8, 3, 3, 2, 2, Valid>, QMaxPool2d<16, 3, 3, 3, 3, 1, 1>, Flatten<16>, QDense<16, 10>);
    let error = constnet_tflite::load::<Strided>(&cnn_bytes()).unwrap_err();
    let TfliteError::Layer { error: e, .. } = &error else { panic!("{error:?}") };
    assert_eq!((e.operator, e.kind), (0, LoadErrorKind::Stride { expected: [2, 2], found: [1, 1] }));
    assert!(error.to_string().starts_with("operator 0 (CONV_2D): its strides are 1×1"), "{error}");

    // A 3×3 pooling window with stride 3 over 6×6 where the file pools 2×2.
    type Window = (QConv2d<1, 16, 3, 3, 8, 8, 6, 6>, QMaxPool2d<16, 3, 3, 6, 6, 2, 2>, Flatten<64>, QDense<64, 10>);
    let error = constnet_tflite::load::<Window>(&cnn_bytes()).unwrap_err();
    let TfliteError::Layer { error: e, .. } = &error else { panic!("{error:?}") };
    assert_eq!((e.operator, e.kind), (1, LoadErrorKind::Stride { expected: [3, 3], found: [2, 2] }));
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let bytes = cnn_bytes();
    for len in 0..bytes.len() {
        let error = constnet_tflite::load::<Cnn>(&bytes[..len]).expect_err("a truncated file loads");
        // Every message is printable.
        let _ = error.to_string();
        if len < 8 {
            assert!(matches!(error, TfliteError::NotTflite { found: None }), "{len}: {error:?}");
        }
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    let bytes = cnn_bytes();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut errors = 0;
    for _ in 0..2000 {
        let mut corrupted = bytes.clone();
        for _ in 0..1 + next() % 4 {
            let at = (next() % corrupted.len() as u64) as usize;
            corrupted[at] = next() as u8;
        }
        if let Err(error) = constnet_tflite::load::<Cnn>(&corrupted) {
            let _ = error.to_string();
            errors += 1;
        }
    }
    // Most changes land in weights (still a model); some break it.
    assert!(errors > 0);
}

#[test]
fn bytes_that_are_not_a_model_are_refused() {
    let error = constnet_tflite::load::<Cnn>(b"certainly not a flatbuffer").unwrap_err();
    assert!(matches!(error, TfliteError::NotTflite { found: Some(found) } if &found == b"ainl"), "{error:?}");
    assert!(error.to_string().contains("not a TensorFlow Lite file"), "{error}");

    // The identifier, but garbage around it.
    let mut garbage = vec![0xff_u8; 64];
    garbage[4..8].copy_from_slice(b"TFL3");
    let error = constnet_tflite::load::<Cnn>(&garbage).unwrap_err();
    assert!(matches!(error, TfliteError::Flatbuffer(_)), "{error:?}");
    assert!(std::error::Error::source(&error).is_some());

    let error = constnet_tflite::load_file::<Cnn>("no/such/file.tflite").unwrap_err();
    assert!(matches!(error, TfliteError::Io { .. }), "{error:?}");
}

#[test]
fn an_unsupported_operator_is_named() {
    let mut model = cnn_model();
    let first = operator(&mut model, 0).opcode_index as usize;
    let code = &mut model.operator_codes.as_mut().unwrap()[first];
    code.builtin_code = fb::BuiltinOperator::Quantize;
    code.deprecated_builtin_code = 114;
    let error = constnet_tflite::load::<Cnn>(&write(&model)).unwrap_err();
    let TfliteError::UnsupportedOperator { operator: at, code, name } = &error else { panic!("{error:?}") };
    assert_eq!((*at, *code, name.as_str()), (0, 114, "QUANTIZE"));
    assert!(error.to_string().starts_with("operator 0 is QUANTIZE (builtin code 114)"), "{error}");

    // A code above 127 is in `builtin_code` only; TFLite takes the larger field.
    let last = operator(&mut model, 3).opcode_index as usize;
    let code = &mut model.operator_codes.as_mut().unwrap()[last];
    code.builtin_code = fb::BuiltinOperator::Gelu;
    code.deprecated_builtin_code = 127;
    model.operator_codes.as_mut().unwrap()[first].builtin_code = fb::BuiltinOperator::Conv2d;
    model.operator_codes.as_mut().unwrap()[first].deprecated_builtin_code = 3;
    let error = constnet_tflite::load::<Cnn>(&write(&model)).unwrap_err();
    let TfliteError::UnsupportedOperator { operator: at, code, name } = &error else { panic!("{error:?}") };
    assert_eq!((*at, *code, name.as_str()), (3, 150, "GELU"));

    // A custom operator by its custom code.
    let code = &mut model.operator_codes.as_mut().unwrap()[last];
    code.builtin_code = fb::BuiltinOperator::Custom;
    code.deprecated_builtin_code = 32;
    code.custom_code = Some("MyOp".to_owned());
    let error = constnet_tflite::load::<Cnn>(&write(&model)).unwrap_err();
    assert!(
        matches!(&error, TfliteError::UnsupportedOperator { operator: 3, name, .. } if name == "MyOp"),
        "{error:?}"
    );
}

#[test]
fn a_graph_that_is_not_a_chain_is_refused() {
    let mut model = cnn_model();
    let graph_input = input_tensor(&model, 0, 0);
    // The pooling reads the graph's input instead of the convolution's output.
    operator(&mut model, 1).inputs.as_mut().unwrap()[0] = graph_input as i32;
    let error = constnet_tflite::load::<Cnn>(&write(&model)).unwrap_err();
    let TfliteError::NotAChain { operator: at, role, found, expected } = &error else { panic!("{error:?}") };
    assert_eq!((*at, *role), (1, Role::Input));
    assert_eq!(*found, tensor_name(&model, graph_input));
    assert_eq!(*expected, tensor_name(&model, operator_output(&model, 0)));
    assert_names(&error, "operator 1", found);

    // The graph's output is not the last operator's.
    let mut model = cnn_model();
    model.subgraphs.as_mut().unwrap()[0].outputs = Some(vec![operator_output(&model, 1) as i32]);
    let error = constnet_tflite::load::<Cnn>(&write(&model)).unwrap_err();
    assert!(matches!(error, TfliteError::NotAChain { operator: 3, role: Role::Output, .. }), "{error:?}");

    // Two graph inputs.
    let mut model = cnn_model();
    model.subgraphs.as_mut().unwrap()[0].inputs = Some(vec![0, 1]);
    let error = constnet_tflite::load::<Cnn>(&write(&model)).unwrap_err();
    assert!(matches!(error, TfliteError::Interface { inputs: 2, outputs: 1 }), "{error:?}");
}

fn operator_output(model: &fb::Model, op: usize) -> usize {
    model.subgraphs.as_ref().unwrap()[0].operators.as_ref().unwrap()[op].outputs.as_ref().unwrap()[0] as usize
}

#[test]
fn no_subgraph_and_missing_options_are_refused() {
    let mut model = cnn_model();
    model.subgraphs = Some(Vec::new());
    let error = constnet_tflite::load::<Cnn>(&write(&model)).unwrap_err();
    assert!(matches!(error, TfliteError::NoSubgraph), "{error:?}");

    let mut model = cnn_model();
    operator(&mut model, 0).builtin_options = None;
    let error = constnet_tflite::load::<Cnn>(&write(&model)).unwrap_err();
    assert!(
        matches!(
            error,
            TfliteError::MissingOptions { operator: 0, kind: OperatorKind::Conv2d, expected: "Conv2DOptions" }
        ),
        "{error:?}"
    );
}

#[test]
fn a_pooling_that_requantises_is_refused() {
    let mut model = cnn_model();
    let out = operator_output(&model, 1);
    let tensor = &mut model.subgraphs.as_mut().unwrap()[0].tensors.as_mut().unwrap()[out];
    tensor.quantization.as_mut().unwrap().zero_point = Some(vec![0]);
    let error = constnet_tflite::load::<Cnn>(&write(&model)).unwrap_err();
    let TfliteError::Layer { error: e, .. } = &error else { panic!("{error:?}") };
    assert_eq!((e.operator, e.kind), (1, LoadErrorKind::Requantization { tensor: Role::Output }));
    assert_names(&error, "operator 1 (MAX_POOL_2D)", &tensor_name(&model, out));
}

#[test]
fn an_unsupported_activation_and_a_dilation_are_refused() {
    let mut model = cnn_model();
    let Some(fb::BuiltinOptions::Conv2DOptions(options)) = &mut operator(&mut model, 0).builtin_options else {
        panic!("the convolution has Conv2DOptions")
    };
    options.fused_activation_function = fb::ActivationFunctionType::Tanh;
    let error = constnet_tflite::load::<Cnn>(&write(&model)).unwrap_err();
    let TfliteError::Layer { error: e, .. } = &error else { panic!("{error:?}") };
    assert_eq!(e.kind, LoadErrorKind::Activation { found: constnet::quant::FusedActivation::Tanh });

    let mut model = cnn_model();
    let Some(fb::BuiltinOptions::Conv2DOptions(options)) = &mut operator(&mut model, 0).builtin_options else {
        panic!("the convolution has Conv2DOptions")
    };
    options.dilation_h_factor = 2;
    let error = constnet_tflite::load::<Cnn>(&write(&model)).unwrap_err();
    let TfliteError::Layer { error: e, .. } = &error else { panic!("{error:?}") };
    assert_eq!(e.kind, LoadErrorKind::Dilation { found: [2, 1] });
}

/// The reference depthwise CNN's type.
type DwCnn = (
    QConv2d<1, 8, 3, 3, 8, 8, 8, 8, 1, 1, SamePadding>,
    constnet::quant::QDepthwiseConv2d<8, 8, 3, 3, 8, 8, 8, 8, 1, 1, SamePadding>,
    QConv2d<8, 16, 1, 1, 8, 8, 8, 8>,
    constnet::quant::QAvgPool2d<16, 2, 2, 8, 8, 4, 4>,
    Flatten<256>,
    QDense<256, 10>,
    constnet::quant::QSoftmax<10>,
);

fn dwcnn_model() -> fb::Model {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/int8/digits_dwcnn.tflite")).unwrap();
    fb::Model::try_from(fb::ModelRef::read_as_root(&bytes).unwrap()).unwrap()
}

#[test]
fn a_wrong_depth_multiplier_and_softmax_output_are_refused() {
    let mut model = dwcnn_model();
    assert!(constnet_tflite::load::<DwCnn>(&write(&model)).is_ok(), "the rewritten reference loads");
    let Some(fb::BuiltinOptions::DepthwiseConv2DOptions(options)) = &mut operator(&mut model, 1).builtin_options else {
        panic!("the depthwise convolution has DepthwiseConv2DOptions")
    };
    options.depth_multiplier = 2;
    let error = constnet_tflite::load::<DwCnn>(&write(&model)).unwrap_err();
    let TfliteError::Layer { error: e, kind, .. } = &error else { panic!("{error:?}") };
    assert_eq!((e.operator, *kind), (1, Some(OperatorKind::DepthwiseConv2d)));
    assert_eq!(e.kind, LoadErrorKind::DepthMultiplier { expected: 1, found: 2 });

    // A softmax whose output is not TFLite's 1/256, −128.
    let mut model = dwcnn_model();
    let out = operator_output(&model, 6);
    let tensor = &mut model.subgraphs.as_mut().unwrap()[0].tensors.as_mut().unwrap()[out];
    tensor.quantization.as_mut().unwrap().scale = Some(vec![0.5]);
    let error = constnet_tflite::load::<DwCnn>(&write(&model)).unwrap_err();
    let TfliteError::Layer { error: e, .. } = &error else { panic!("{error:?}") };
    assert_eq!((e.operator, e.kind), (6, LoadErrorKind::Requantization { tensor: Role::Output }));
    assert_names(&error, "operator 6 (SOFTMAX)", &tensor_name(&model, out));

    // A reshape whose input holds another number of elements than N.
    type Short = (
        QConv2d<1, 8, 3, 3, 8, 8, 8, 8, 1, 1, SamePadding>,
        constnet::quant::QDepthwiseConv2d<8, 8, 3, 3, 8, 8, 8, 8, 1, 1, SamePadding>,
        QConv2d<8, 16, 1, 1, 8, 8, 8, 8>,
        constnet::quant::QAvgPool2d<16, 2, 2, 8, 8, 4, 4>,
        Flatten<128>,
        QDense<128, 10>,
        constnet::quant::QSoftmax<10>,
    );
    let error = constnet_tflite::load::<Short>(&write(&dwcnn_model())).unwrap_err();
    let TfliteError::Layer { error: e, .. } = &error else { panic!("{error:?}") };
    assert_eq!(
        (e.operator, e.kind),
        (4, LoadErrorKind::Elements { tensor: Role::Input, expected: 128, found: Dims::new(&[1, 4, 4, 16]) })
    );
    assert!(error.to_string().contains("256 elements"), "{error}");
}
