//! Every way a safetensors file can fail to fit a model: each a specific
//! `ImportError` naming what to fix, never a panic, and the model unchanged.

use std::collections::HashMap;

use constnet::prelude::*;
use constnet_safetensors::{Dtype, ImportError, LayerAt, Names, SafeTensorError, load, load_with, save};
use safetensors::tensor::TensorView;

type Mlp = (Dense<64, 32>, Tanh, Dense<32, 10>);

/// A file of hand-made tensors: (name, dtype, shape, bytes).
fn file(tensors: &[(&str, Dtype, &[usize], Vec<u8>)]) -> Vec<u8> {
    let views: HashMap<String, TensorView<'_>> = tensors
        .iter()
        .map(|(name, dtype, shape, bytes)| (name.to_string(), TensorView::new(*dtype, shape.to_vec(), bytes).unwrap()))
        .collect();
    safetensors::serialize(views, None).unwrap()
}

fn f32s(values: impl IntoIterator<Item = f32>) -> Vec<u8> {
    values.into_iter().flat_map(f32::to_le_bytes).collect()
}

fn trained() -> Mlp {
    Mlp::init(&mut Xoshiro256PlusPlus::seed_from_u64(5))
}

/// Loads `bytes` into a trained model; asserts the model is unchanged
/// whatever happened, and returns the error.
fn refused(bytes: &[u8], names: &Names) -> ImportError {
    let mut model = trained();
    let error = load_with(&mut model, bytes, names).expect_err("the file must be refused");
    assert_eq!(save(&model).unwrap(), save(&trained()).unwrap(), "a refused file changed the model");
    println!("{error}");
    error
}

fn dense_layer(position: &str, i: usize, o: usize) -> LayerAt {
    LayerAt {
        path: position.to_string(),
        layer_type: match (i, o) {
            (64, 32) => "constnet::layers::dense::Dense<64, 32>",
            _ => "constnet::layers::dense::Dense<32, 10>",
        },
    }
}

#[test]
fn a_weight_of_the_wrong_shape_names_the_tensor_the_layer_and_both_shapes() {
    // `0.weight` is [32, 63] where a `Dense<64, 32>` needs [32, 64].
    let narrow = <(Dense<63, 32>, Tanh, Dense<32, 10>)>::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
    let error = refused(&save(&narrow).unwrap(), &Names::new());
    match &error {
        ImportError::Shape { name, layer, expected, found } => {
            assert_eq!(
                (name.as_str(), expected.as_slice(), found.as_slice()),
                ("0.weight", &[32, 64][..], &[32, 63][..])
            );
            assert_eq!(*layer, dense_layer("0", 64, 32));
        }
        other => panic!("expected a shape error, got {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "tensor `0.weight` of layer 0 (`Dense<64, 32>`) has shape [32, 63] in the file; \
         the model's type declares [32, 64]"
    );
}

#[test]
fn a_late_mismatch_leaves_the_earlier_layers_unwritten() {
    // 0.* fits; 2.weight does not: nothing may be written, 0.* included.
    let other = <(Dense<64, 32>, Tanh, Dense<32, 11>)>::init(&mut Xoshiro256PlusPlus::seed_from_u64(9));
    let error = refused(&save(&other).unwrap(), &Names::new());
    assert!(matches!(error, ImportError::Shape { ref name, .. } if name == "2.weight"), "{error:?}");
}

#[test]
fn a_missing_tensor_names_the_layer_that_needs_it() {
    let bytes = file(&[
        ("0.weight", Dtype::F32, &[32, 64], f32s(vec![0.5; 2048])),
        ("0.bias", Dtype::F32, &[32], f32s(vec![0.5; 32])),
        ("2.weight", Dtype::F32, &[10, 32], f32s(vec![0.5; 320])),
    ]);
    let error = refused(&bytes, &Names::new());
    match error {
        ImportError::Missing { name, layer } => {
            assert_eq!((name, layer), ("2.bias".to_string(), dense_layer("2", 32, 10)))
        }
        other => panic!("expected a missing tensor, got {other:?}"),
    }
}

#[test]
fn an_unexpected_tensor_is_refused() {
    let model = trained();
    let mut extra = save(&model).unwrap();
    // The same tensors plus one the model does not have.
    let parsed = safetensors::SafeTensors::deserialize(&extra).unwrap();
    let mut tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> =
        parsed.iter().map(|(n, v)| (n.to_string(), v.dtype(), v.shape().to_vec(), v.data().to_vec())).collect();
    tensors.push(("3.weight".to_string(), Dtype::F32, vec![2], f32s([1.0, 2.0])));
    let borrowed: Vec<(&str, Dtype, &[usize], Vec<u8>)> =
        tensors.iter().map(|(n, d, s, b)| (n.as_str(), *d, s.as_slice(), b.clone())).collect();
    extra = file(&borrowed);
    let error = refused(&extra, &Names::new());
    assert!(matches!(error, ImportError::Unexpected { ref name, ref shape } if name == "3.weight" && shape == &[2]));
    // And a model that lacks the file's last layer finds it unexpected.
    let mut short = <(Dense<64, 32>, Tanh)>::ZERO;
    let error = load(&mut short, &save(&model).unwrap()).unwrap_err();
    assert!(matches!(error, ImportError::Unexpected { ref name, .. } if name == "2.bias"), "{error:?}");
    assert_eq!(short.0.weight(), [[0.0; 64]; 32]);
}

#[test]
fn an_unsupported_dtype_is_refused() {
    let bytes = file(&[
        ("0.weight", Dtype::I32, &[32, 64], vec![0; 4 * 2048]),
        ("0.bias", Dtype::F32, &[32], f32s(vec![0.5; 32])),
        ("2.weight", Dtype::F32, &[10, 32], f32s(vec![0.5; 320])),
        ("2.bias", Dtype::F32, &[10], f32s(vec![0.5; 10])),
    ]);
    let error = refused(&bytes, &Names::new());
    assert!(matches!(error, ImportError::Dtype { ref name, found: Dtype::I32, .. } if name == "0.weight"), "{error:?}");
}

#[test]
fn a_header_length_past_the_end_of_the_file_is_malformed() {
    let mut bytes = save(&trained()).unwrap();
    let claimed = bytes.len() as u64; // more than the header and data after it
    bytes[..8].copy_from_slice(&claimed.to_le_bytes());
    let error = refused(&bytes, &Names::new());
    assert!(matches!(error, ImportError::Malformed(SafeTensorError::InvalidHeaderLength)), "{error:?}");
    // A length no file could have is refused before anything is allocated.
    bytes[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(refused(&bytes, &Names::new()), ImportError::Malformed(_)));
}

#[test]
fn truncated_and_garbled_files_are_malformed() {
    let bytes = save(&trained()).unwrap();
    for cut in [0, 7, 8, 20, bytes.len() / 2, bytes.len() - 1] {
        let error = refused(&bytes[..cut], &Names::new());
        assert!(matches!(error, ImportError::Malformed(_)), "cut at {cut}: {error:?}");
    }
    let mut garbled = bytes.clone();
    garbled[9] = b'!';
    assert!(matches!(refused(&garbled, &Names::new()), ImportError::Malformed(_)));
}

#[test]
fn float16_and_bfloat16_widen_exactly_and_f64_rounds_to_nearest() {
    type One = Dense<2, 1>;
    let weights = |dtype, bytes| file(&[("weight", dtype, &[1, 2], bytes), ("bias", Dtype::F32, &[1], f32s([0.0]))]);
    let mut layer = One::ZERO;

    let halves = [half::f16::from_f32(0.1), half::f16::MAX];
    load(&mut layer, &weights(Dtype::F16, halves.iter().flat_map(|h| h.to_le_bytes()).collect())).unwrap();
    assert_eq!(layer.weight(), [[halves[0].to_f32(), 65504.0]]);

    let brains = [half::bf16::from_f32(-0.3), half::bf16::from_f32(3.0e38)];
    load(&mut layer, &weights(Dtype::BF16, brains.iter().flat_map(|h| h.to_le_bytes()).collect())).unwrap();
    assert_eq!(layer.weight(), [[brains[0].to_f32(), brains[1].to_f32()]]);

    // F64 into f32: round to nearest, ties to even.
    let wide = [0.1f64, 1.0 + f64::from(f32::EPSILON) / 2.0];
    load(&mut layer, &weights(Dtype::F64, wide.iter().flat_map(|v| v.to_le_bytes()).collect())).unwrap();
    assert_eq!(layer.weight(), [[0.1f32, 1.0]]);

    // A finite F64 beyond f32's range is an error, not ∞.
    let huge = [1.0f64, 1e300];
    let before = layer.weight();
    let error =
        load(&mut layer, &weights(Dtype::F64, huge.iter().flat_map(|v| v.to_le_bytes()).collect())).unwrap_err();
    assert!(matches!(error, ImportError::OutOfRange { index: 1, value, .. } if value == 1e300), "{error:?}");
    assert_eq!(layer.weight(), before);

    // Into an f64 layer, F64 is exact.
    let mut wide_layer = Dense::<2, 1, f64>::ZERO;
    load(&mut wide_layer, &weights(Dtype::F64, wide.iter().flat_map(|v| v.to_le_bytes()).collect())).unwrap();
    assert_eq!(wide_layer.weight(), [wide]);
}

#[test]
fn num_batches_tracked_must_be_an_integer_scalar_and_is_ignored() {
    type Bn = BatchNorm1d<2>;
    let with = |dtype, shape: &[usize], bytes: Vec<u8>| {
        file(&[
            ("weight", Dtype::F32, &[2], f32s([1.0, 2.0])),
            ("bias", Dtype::F32, &[2], f32s([0.0, 0.5])),
            ("running_mean", Dtype::F32, &[2], f32s([0.25, -0.25])),
            ("running_var", Dtype::F32, &[2], f32s([4.0, 9.0])),
            ("num_batches_tracked", dtype, shape, bytes),
        ])
    };
    let mut bn = Bn::DEFAULT;
    load(&mut bn, &with(Dtype::I64, &[], 42i64.to_le_bytes().to_vec())).unwrap();
    assert_eq!((bn.running_mean(), bn.running_var()), (&[0.25, -0.25], &[4.0, 9.0]));
    let error = load(&mut Bn::default(), &with(Dtype::F32, &[], f32s([42.0]))).unwrap_err();
    assert!(matches!(error, ImportError::Dtype { ref name, .. } if name == "num_batches_tracked"), "{error:?}");
    let error = load(&mut Bn::default(), &with(Dtype::I64, &[1], 42i64.to_le_bytes().to_vec())).unwrap_err();
    assert!(matches!(error, ImportError::Shape { .. }), "{error:?}");
}

#[test]
fn prefixes_that_collide_are_refused() {
    let bytes = save(&trained()).unwrap();
    let names = Names::new().prefix("0", "layer").prefix("2", "layer");
    assert!(matches!(refused(&bytes, &names), ImportError::DuplicateName { ref name } if name.starts_with("layer.")));
}

#[test]
fn a_missing_file_is_an_io_error() {
    let mut model = trained();
    let error =
        constnet_safetensors::load_file(&mut model, "/nonexistent/model.safetensors", &Names::new()).unwrap_err();
    assert!(matches!(error, ImportError::Io { .. }));
    assert!(error.to_string().contains("/nonexistent/model.safetensors"));
}
