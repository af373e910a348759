//! Weights as bytes: `Model::write_le_bytes` and `Model::read_le_bytes`
//! round-trip every value bit for bit, and bad input is an error that names
//! the layer, the tensor and the sizes — never a panic, never a partial load.

use constnet::prelude::*;
use constnet::{Layout, Shape, Unit, WeightsError};

type Xor = (Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid);
type Xor64 = (Dense<2, 4, f64>, Tanh, Dense<4, 1, f64>, Sigmoid);
type Deep = (Dense<3, 8>, Relu, (Dense<8, 8>, Relu), LayerNorm<8>, Dense<8, 2>);

/// Every length is tried natively; under Miri (an interpreter, hundreds of
/// times slower) every 7th.
const LENGTH_STRIDE: usize = if cfg!(miri) { 7 } else { 1 };

/// Every parameter's bit pattern, in `tensors()` order.
fn bits<F: Float, M: Model<F>>(model: &M) -> Vec<u64> {
    model.tensors().flat_map(|t| t.storage.iter().map(|v| v.to_bits_u64()).collect::<Vec<_>>()).collect()
}

/// `model`'s weights as a `Vec` of exactly `BYTES` bytes.
fn to_bytes<F: Float, M: Model<F>>(model: &M) -> Vec<u8> {
    let mut bytes = vec![0; M::byte_len()];
    assert_eq!(model.write_le_bytes(&mut bytes), Ok(M::BYTES));
    bytes
}

/// Where a tensor is in the bytes and whose it is.
#[derive(Clone, Copy)]
struct Slot {
    index: usize,
    layer: usize,
    layer_type: &'static str,
    name: &'static str,
    offset: usize,
    size: usize,
}

/// The slot of each tensor of `model`, in order.
fn layout<F: Float, M: Model<F>>(model: &M) -> Vec<Slot> {
    let mut offset = 0;
    model
        .tensors()
        .enumerate()
        .map(|(index, t)| {
            let size = t.storage.len() * F::SIZE;
            offset += size;
            let (layer, layer_type) = M::tensor_owner(index).unwrap();
            Slot { index, layer, layer_type, name: t.name, offset: offset - size, size }
        })
        .collect()
}

/// The first slot that does not fit in `len` bytes.
fn first_misfit(layout: &[Slot], len: usize) -> Slot {
    *layout.iter().find(|slot| slot.offset + slot.size > len).unwrap()
}

#[test]
fn every_tensor_has_an_owner_layer_with_a_position_and_a_type() {
    let owners: Vec<(usize, &str)> = (0..<Deep as Model>::TENSORS).map(|i| Deep::tensor_owner(i).unwrap()).collect();
    assert_eq!(
        owners,
        [
            (0, "constnet::layers::dense::Dense<3, 8>"),
            (0, "constnet::layers::dense::Dense<3, 8>"),
            // The nested stack is position 2; its inner layer is named.
            (2, "constnet::layers::dense::Dense<8, 8>"),
            (2, "constnet::layers::dense::Dense<8, 8>"),
            (3, "constnet::layers::layer_norm::LayerNorm<8>"),
            (3, "constnet::layers::layer_norm::LayerNorm<8>"),
            (4, "constnet::layers::dense::Dense<8, 2>"),
            (4, "constnet::layers::dense::Dense<8, 2>"),
        ]
    );
    assert_eq!(Deep::tensor_owner(8), None);
    // TENSORS counts what `tensors` and `tensors_mut` yield.
    let mut model = Deep::ZERO;
    assert_eq!(model.tensors().count(), <Deep as Model>::TENSORS);
    assert_eq!(model.tensors_mut().count(), <Deep as Model>::TENSORS);
    assert_eq!(Cnn::ZERO.tensors().count(), <Cnn as Model>::TENSORS);
    assert_eq!(<Cnn as Model>::TENSORS, 6);
}

fn round_trips<F: Float, M: Model<F>>(model: &M) {
    let bytes = to_bytes(model);
    assert_eq!(bytes.len(), M::BYTES);
    let mut copy = M::zeroed();
    copy.read_le_bytes(&bytes).unwrap();
    assert_eq!(bits(&copy), bits(model));
    assert_eq!(to_bytes(&copy), bytes);
}

#[test]
fn byte_len_is_bytes() {
    assert_eq!(<Xor as Model>::byte_len(), 17 * 4);
    assert_eq!(<Xor64 as Model<f64>>::byte_len(), 17 * 8);
    assert_eq!(<Deep as Model>::byte_len(), <Deep as Model>::PARAMS * 4);
}

#[test]
fn f32_models_round_trip_bit_exactly() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let net = Xor::init(&mut rng);
    round_trips(&net);
    let mut copy = Xor::zeroed();
    copy.read_le_bytes(&to_bytes(&net)).unwrap();
    for x in [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] {
        assert_eq!(copy.forward(&x)[0].to_bits(), net.forward(&x)[0].to_bits());
    }
    round_trips(&Deep::init(&mut rng));
}

#[test]
fn f64_models_round_trip_bit_exactly() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(12);
    let net = Xor64::init(&mut rng);
    round_trips(&net);
    let mut copy = Xor64::zeroed();
    copy.read_le_bytes(&to_bytes(&net)).unwrap();
    assert_eq!(copy.forward(&[1.0, 0.0])[0].to_bits(), net.forward(&[1.0, 0.0])[0].to_bits());
}

#[test]
fn special_values_round_trip_bit_exactly_including_nan_payloads() {
    let specials32 = [
        f32::from_bits(0x7fa0_1234), // signalling NaN with a payload
        f32::from_bits(0xffc0_0001), // negative quiet NaN with a payload
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        -0.0,
        f32::from_bits(1), // the smallest subnormal
        f32::MAX,
        f32::MIN,
    ];
    let mut net = Xor::zeroed();
    for (value, special) in net.tensors_mut().flat_map(|t| t.storage.iter_mut()).zip(specials32.iter().cycle()) {
        *value = *special;
    }
    round_trips(&net);
    let mut copy = Xor::zeroed();
    copy.read_le_bytes(&to_bytes(&net)).unwrap();
    let first = copy.tensors().next().unwrap().storage[0];
    assert!(first.is_nan());
    assert_eq!(first.to_bits(), 0x7fa0_1234);

    let specials64 = [
        f64::from_bits(0x7ff4_0000_dead_beef),
        f64::from_bits(0xfff8_0000_0000_0001),
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.0,
        f64::from_bits(1),
        f64::MIN_POSITIVE / 3.0,
    ];
    let mut net = Xor64::zeroed();
    for (value, special) in net.tensors_mut().flat_map(|t| t.storage.iter_mut()).zip(specials64.iter().cycle()) {
        *value = *special;
    }
    round_trips(&net);
}

#[test]
fn the_format_is_pytorchs_parameter_order_little_endian() {
    // PyTorch's weight is [out][in] = [[1, 2], [3, 4], [5, 6]], written as
    // it is (storage, transposed, is [[1, 3, 5], [2, 4, 6]]), then the bias:
    // `parameters_to_vector(model.parameters())` as little-endian floats.
    let layer: Dense<2, 3> = Dense::from_weights([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [7.0, 8.0, 9.0]);
    let expected: Vec<u8> =
        [1.0_f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    assert_eq!(to_bytes(&layer), expected);
    assert_eq!(layer.tensors().next().unwrap().storage, [1.0, 3.0, 5.0, 2.0, 4.0, 6.0]);

    let layer: Dense<2, 1, f64> = Dense::from_weights([[0.5, -0.25]], [0.1]);
    let expected: Vec<u8> = [0.5_f64, -0.25, 0.1].iter().flat_map(|v| v.to_le_bytes()).collect();
    assert_eq!(to_bytes(&layer), expected);

    // The same values as a slice: `read_parameters` / `write_parameters`.
    let mut values = [0.0_f32; 9];
    let layer: Dense<2, 3> = Dense::from_weights([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [7.0, 8.0, 9.0]);
    assert_eq!(layer.write_parameters(&mut values), Ok(9));
    assert_eq!(values, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    let mut copy = Dense::<2, 3>::zeroed();
    copy.read_parameters(&values).unwrap();
    assert_eq!(copy, layer);
}

/// A square `Dense` is where a loader that ignores the layout would
/// silently transpose: PyTorch's order must come back exactly.
#[test]
fn a_square_dense_weight_is_never_transposed_on_the_way_in_or_out() {
    let pytorch = [1.0_f32, 2.0, 3.0, 4.0, 0.0, 0.0];
    let mut layer = Dense::<2, 2>::zeroed();
    layer.read_parameters(&pytorch).unwrap();
    assert_eq!(layer.weight(), [[1.0, 2.0], [3.0, 4.0]]);
    let weight = layer.tensors().next().unwrap();
    assert_eq!((weight.shape, weight.layout), (Shape::new(&[2, 2]), Layout::Transposed));
    assert_eq!((0..4).map(|k| weight.get(k).unwrap()).collect::<Vec<_>>(), [1.0, 2.0, 3.0, 4.0]);
    let mut bytes = [0_u8; 24];
    layer.write_le_bytes(&mut bytes).unwrap();
    assert_eq!(bytes[4..8], 2.0_f32.to_le_bytes());
}

#[test]
fn the_slice_loader_checks_the_length_and_changes_nothing_on_error() {
    let net = Deep::init(&mut Xoshiro256PlusPlus::seed_from_u64(19));
    let mut values = vec![0.0_f32; Deep::PARAMS];
    net.write_parameters(&mut values).unwrap();
    let mut target = Deep::zeroed();
    for len in [0, 1, 23, Deep::PARAMS - 1] {
        let error = target.read_parameters(&values[..len]).unwrap_err();
        assert!(
            matches!(error, WeightsError::InputTooShort { unit: Unit::Values, found, .. } if found == len),
            "{error:?}"
        );
        assert_eq!(bits(&target), bits(&Deep::zeroed()), "length {len} changed the model");
    }
    let mut long = values.clone();
    long.push(0.0);
    assert_eq!(
        target.read_parameters(&long),
        Err(WeightsError::InputTooLong { expected: Deep::PARAMS, found: Deep::PARAMS + 1, unit: Unit::Values })
    );
    // Dense<3, 8>: 24 + 8 values; the nested Dense<8, 8>'s weight is next.
    let error = target.read_parameters(&values[..40]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "weights: layer 2 (Dense<8, 8>), its `weight` (tensor 2), needs 64 values but only 8 remain \
         (expected 138 values in all, found 40)"
    );
    // NaN and infinities are data: accepted, never a panic.
    let mut special = values.clone();
    special[0] = f32::NAN;
    special[1] = f32::NEG_INFINITY;
    target.read_parameters(&special).unwrap();
    assert!(target.0.weight()[0][0].is_nan() && target.0.weight()[0][1] == f32::NEG_INFINITY);
    target.read_parameters(&values).unwrap();
    assert_eq!(bits(&target), bits(&net));
    // A short output buffer: nothing written.
    let mut out = vec![7.0_f32; 100];
    assert!(net.write_parameters(&mut out).is_err());
    assert!(out.iter().all(|&v| v == 7.0));
}

fn every_truncation_is_an_error_and_changes_nothing<F: Float, M: Model<F>>(model: &M) {
    let bytes = to_bytes(model);
    let layout = layout(model);
    let mut target = M::zeroed();
    let before = bits(&target);
    for len in (0..M::BYTES).step_by(LENGTH_STRIDE) {
        let error = target.read_le_bytes(&bytes[..len]).unwrap_err();
        let slot = first_misfit(&layout, len);
        assert_eq!(
            error,
            WeightsError::InputTooShort {
                layer: slot.layer,
                layer_type: slot.layer_type,
                tensor: slot.index,
                name: slot.name,
                needed: slot.size,
                remaining: len - slot.offset,
                expected: M::BYTES,
                found: len,
                unit: Unit::Bytes,
            },
            "length {len}"
        );
        assert_eq!(bits(&target), before, "length {len} changed the model");
    }
}

#[test]
fn truncated_input_at_every_length_is_an_error_and_leaves_the_model_unchanged() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(13);
    every_truncation_is_an_error_and_changes_nothing(&Xor::init(&mut rng));
    every_truncation_is_an_error_and_changes_nothing(&Xor64::init(&mut rng));
    every_truncation_is_an_error_and_changes_nothing(&Deep::init(&mut rng));
}

#[test]
fn extra_bytes_are_an_error_and_leave_the_model_unchanged() {
    let net = Xor::init(&mut Xoshiro256PlusPlus::seed_from_u64(14));
    let mut bytes = to_bytes(&net);
    let mut target = Xor::zeroed();
    for extra in [1, 3, 4, 100] {
        bytes.resize(Xor::BYTES + extra, 0);
        let error = target.read_le_bytes(&bytes).unwrap_err();
        assert_eq!(error, WeightsError::InputTooLong { expected: 68, found: 68 + extra, unit: Unit::Bytes });
        assert_eq!(bits(&target), bits(&Xor::zeroed()));
    }
}

#[test]
fn a_short_output_buffer_is_an_error_and_is_left_unchanged() {
    let net = Deep::init(&mut Xoshiro256PlusPlus::seed_from_u64(15));
    let layout = layout(&net);
    for len in (0..Deep::BYTES).step_by(LENGTH_STRIDE) {
        let mut out = vec![0xa5_u8; len];
        let error = net.write_le_bytes(&mut out).unwrap_err();
        let slot = first_misfit(&layout, len);
        assert_eq!(
            error,
            WeightsError::OutputTooShort {
                layer: slot.layer,
                layer_type: slot.layer_type,
                tensor: slot.index,
                name: slot.name,
                needed: slot.size,
                remaining: len - slot.offset,
                expected: Deep::BYTES,
                found: len,
                unit: Unit::Bytes,
            }
        );
        assert!(out.iter().all(|&b| b == 0xa5), "length {len} wrote into the buffer");
    }
}

#[test]
fn a_longer_output_buffer_gets_the_weights_and_keeps_its_tail() {
    let net = Xor::init(&mut Xoshiro256PlusPlus::seed_from_u64(16));
    let mut out = vec![0xa5_u8; Xor::BYTES + 10];
    assert_eq!(net.write_le_bytes(&mut out), Ok(Xor::BYTES));
    assert_eq!(out[..Xor::BYTES], to_bytes(&net)[..]);
    assert!(out[Xor::BYTES..].iter().all(|&b| b == 0xa5));
}

#[test]
fn error_messages_name_the_layer_the_tensor_and_the_sizes() {
    let net = Xor::init(&mut Xoshiro256PlusPlus::seed_from_u64(17));
    let bytes = to_bytes(&net);
    let mut target = Xor::zeroed();

    // Tensors: 0 weight (32 bytes), 1 bias (16) of layer 0; 2 weight (16),
    // 3 bias (4) of layer 2.
    let message = target.read_le_bytes(&bytes[..50]).unwrap_err().to_string();
    assert_eq!(
        message,
        "weights: layer 2 (Dense<4, 1>), its `weight` (tensor 2), needs 16 bytes but only 2 remain \
         (expected 68 bytes in all, found 50)"
    );
    let message = target.read_le_bytes(&bytes[..65]).unwrap_err().to_string();
    assert!(message.contains("layer 2 (Dense<4, 1>), its `bias` (tensor 3)"), "{message}");
    assert!(message.contains("needs 4 bytes but only 1 remain"), "{message}");

    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(target.read_le_bytes(&long).unwrap_err().to_string(), "weights: expected 68 bytes, found 69");

    let message = net.write_le_bytes(&mut [0; 20]).unwrap_err().to_string();
    assert_eq!(
        message,
        "weights: layer 0 (Dense<2, 4>), its `weight` (tensor 0), needs 32 bytes but only 20 remain \
         in the output buffer (the model takes 68 bytes, the buffer holds 20)"
    );

    let error: &dyn std::error::Error = &WeightsError::InputTooLong { expected: 1, found: 2, unit: Unit::Bytes };
    assert!(error.source().is_none());
}

#[test]
fn non_finite_values_are_accepted_when_reading() {
    let bytes: Vec<u8> = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY].iter().flat_map(|v| v.to_le_bytes()).collect();
    let mut layer: Dense<2, 1> = Dense::zeroed();
    layer.read_le_bytes(&bytes).unwrap();
    let values: Vec<f32> = layer.tensors().flat_map(|t| t.storage.to_vec()).collect();
    assert!(values[0].is_nan());
    assert_eq!(values[1..], [f32::INFINITY, f32::NEG_INFINITY]);
}

/// A small CNN with a batch-normalised block inside a residual connection:
/// the layer an error names is the one whose tensor falls short.
type Cnn = (Conv2d<1, 4, 3, 6, 6>, Residual<(BatchNorm2d<4>, Relu)>, MaxPool2d<2, 3, 3>, Flatten<36>, Dense<36, 10>);

#[test]
fn errors_in_a_cnn_name_the_convolution_the_residual_block_and_the_dense_layer() {
    let net = Cnn::init(&mut Xoshiro256PlusPlus::seed_from_u64(18));
    let bytes = to_bytes(&net);
    let mut target = Cnn::zeroed();
    // Conv2d<1, 4, 3>: weight 4·1·3·3 = 36 values (144 bytes), bias 16
    // bytes; BatchNorm2d<4>: weight and bias 16 bytes each; Dense<36, 10>:
    // weight 1440 bytes, bias 40.
    let cases = [
        (
            100,
            "layer 0 (Conv<1, 4, 1, [[f32; 3]; 3], Geometry2d<6, 6>>), its `weight` (tensor 0), needs 144 bytes but only 100",
        ),
        (170, "layer 1 (BatchNorm2d<4>), its `weight` (tensor 2), needs 16 bytes but only 10"),
        (500, "layer 4 (Dense<36, 10>), its `weight` (tensor 4), needs 1440 bytes but only 308"),
    ];
    for (len, start) in cases {
        let message = target.read_le_bytes(&bytes[..len]).unwrap_err().to_string();
        assert!(message.starts_with(&format!("weights: {start} remain")), "{message}");
    }
}
