//! Faults found by a sweep of bad inputs, each with the input that showed
//! it: non-finite gradients behind a finite loss, softmax cross-entropy at
//! the extremes of the float types, and pooling tapes that did not come
//! from the layer.

use constnet::layers::PoolIndices;
use constnet::prelude::*;
use constnet::{Backprop, TrainError};

fn bits<F: Float, M: Model<F>>(model: &M) -> Vec<u64> {
    model.tensors().flat_map(|t| t.storage.iter().map(|v| v.to_bits_u64()).collect::<Vec<_>>()).collect()
}

/// tanh(∞) = 1 makes the loss finite, but dW = dy·∞ is not: the guard must
/// stop before the update, leaving every parameter bit-identical, and name
/// the layer and tensor.
#[test]
fn a_finite_loss_with_infinite_gradients_leaves_the_model_untouched() {
    type Net = (Dense<2, 4>, Tanh, Dense<4, 2>);
    let mut net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(9));
    let before = bits(&net);
    let mut sgd = Sgd::new(0.1).unwrap();
    let batch = [([f32::INFINITY, 1.0], [0.0, 0.5]), ([0.1, 0.9], [1.0, 0.5])];
    let error = train_batch(&mut net, &mut sgd, &batch, mse).unwrap_err();
    let TrainError::NonFiniteGradient { first_sample, layer, name, tensor, .. } = error else { panic!("{error:?}") };
    assert_eq!((first_sample, layer, tensor, name), (0, 0, 0, "weight"));
    assert_eq!(
        error.to_string(),
        "the gradient of layer 0 (Dense<2, 4>), its `weight` (tensor 0), is not finite on the batch starting at \
         sample 0; training stopped before updating the parameters"
    );
    assert_eq!(bits(&net), before);

    // The same through the whole-batch path, and from an epoch (which names
    // the batch): Adam's moments are untouched too.
    let inputs = Batch::new([batch[0].0, batch[1].0]);
    let targets = Batch::new([batch[0].1, batch[1].1]);
    let mut adam = Adam::new(0.01).unwrap();
    assert!(matches!(
        train_batched(&mut net, &mut adam, &inputs, &targets, mse),
        Err(TrainError::NonFiniteGradient { layer: 0, .. })
    ));
    let data = [batch[1], batch[1], batch[0], batch[1]];
    assert!(matches!(
        train_epoch(&mut net, &mut adam, &data, 2, mse),
        Err(TrainError::NonFiniteGradient { first_sample: 2, .. })
    ));
    assert_eq!(adam.steps(), 1, "only the first, finite batch of the epoch stepped");
    let (m, v) = adam.moments();
    assert!(m.tensors().chain(v.tensors()).all(|t| t.storage.iter().all(|g| g.is_finite())));
}

/// In f32, w = 0.1 and x = 10²⁰ give a loss of 10³⁸ (finite) and a gradient
/// of 2·10³⁹ (infinite): an error, and the weight stays 0.1.
#[test]
fn a_gradient_that_overflows_f32_is_an_error() {
    let mut net: Dense<1, 1> = Dense::from_weights([[0.1]], [0.0]);
    let mut sgd = Sgd::new(0.1).unwrap();
    let error = train_batch(&mut net, &mut sgd, &[([1e20_f32], [0.0])], mse).unwrap_err();
    assert!(matches!(error, TrainError::NonFiniteGradient { layer: 0, name: "weight", .. }), "{error:?}");
    assert_eq!(net.weight(), [[0.1]]);
}

#[test]
fn softmax_cross_entropy_is_accurate_at_the_scale_of_the_loss() {
    // f32, [1000, 1001, 1002], class 2: PyTorch's 0.40760596 within 1e-5.
    let (loss, _) = softmax_cross_entropy(&[1000.0_f32, 1001.0, 1002.0], &one_hot(2).unwrap());
    assert!(((loss - 0.407_605_96) / 0.407_605_96).abs() < 1e-6, "{loss}");
    // f64, logits near 10⁶: the shift-invariant value within 1e-12.
    let (loss, _) = softmax_cross_entropy(&[1e6_f64, 1e6 + 1.0, 1e6 + 2.0], &one_hot(2).unwrap());
    assert!((loss - 0.407_605_964_444_38).abs() < 1e-12, "{loss}");
    // Three equal logits of 10⁸ in f32: ln 3, not 0.
    let (loss, grad) = softmax_cross_entropy(&[1e8_f32; 3], &one_hot(1).unwrap());
    assert!((loss - 3.0_f32.ln()).abs() < 1e-6, "{loss}");
    assert!((grad[1] + 2.0 / 3.0).abs() < 1e-6);
}

#[test]
fn softmax_cross_entropy_at_the_extremes_of_f32_is_finite() {
    // The true loss is 0: the zero-weight terms (logits 2·f32::MAX below
    // the maximum) must not contribute 0·(−∞) = NaN.
    let (loss, grad) = softmax_cross_entropy(&[f32::MAX, -f32::MAX, 0.0], &one_hot(0).unwrap());
    assert_eq!(loss, 0.0);
    assert_eq!(grad, [0.0, 0.0, 0.0]);
    let (loss, _) = softmax_cross_entropy(&[f32::MAX, -f32::MAX, 0.0], &one_hot(2).unwrap());
    assert_eq!(loss, f32::MAX);
    // NaN still propagates, in a logit or in the target.
    assert!(softmax_cross_entropy(&[f32::NAN, 0.0], &one_hot(1).unwrap()).0.is_nan());
    assert!(softmax_cross_entropy(&[1.0_f32, 0.0], &[f32::NAN, 1.0]).0.is_nan());
}

/// A max-pool tape is only made by the layer; one built for another input
/// shape cannot make the backward pass panic. (Its positions are private,
/// so a tape cannot be forged with out-of-range values: the nearest thing
/// is a tape of the right type from a pass over different data, which is
/// always in range.)
#[test]
fn max_pool_backward_through_any_tape_of_its_type_never_panics() {
    let pool = MaxPool2d::<2, 1, 1>;
    let (_, tape): (_, PoolIndices<[[[usize; 1]; 1]; 1]>) =
        <MaxPool2d<2, 1, 1> as Backprop<[[[f32; 2]; 2]; 1]>>::eval_tape(&mut MaxPool2d, &[[[0.0, 1.0], [2.0, 3.0]]]);
    assert_eq!(tape.indices(), &[[[3]]]);
    // The tape of a 2×2 pass, given to the backward pass of a 3×3 input:
    // position 3 is in range there too, and nothing panics.
    let dx = <MaxPool2d<2, 1, 1> as Backprop<[[[f32; 3]; 3]; 1]>>::backprop(&pool, &tape, &[[[1.0]]], &mut MaxPool2d);
    assert_eq!(dx, [[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]);
    // A tape from a larger input (position 8 of a 3×3 plane) given to a 2×2
    // backward pass: out of range, skipped.
    let (_, big) = <MaxPool2d<2, 1, 1> as Backprop<[[[f32; 3]; 3]; 1]>>::eval_tape(
        &mut MaxPool2d,
        &[[[0.0, 0.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 9.0]]],
    );
    assert_eq!(big.indices(), &[[[4]]]);
    let dx = <MaxPool2d<2, 1, 1> as Backprop<[[[f32; 2]; 2]; 1]>>::backprop(&pool, &big, &[[[1.0]]], &mut MaxPool2d);
    assert_eq!(dx, [[[0.0, 0.0], [0.0, 0.0]]]);

    let (_, tape) =
        <MaxPool1d<3, 1> as Backprop<[[f32; 5]; 1]>>::eval_tape(&mut MaxPool1d, &[[0.0, 1.0, 7.0, 9.0, 9.0]]);
    let dx = <MaxPool1d<3, 1> as Backprop<[[f32; 3]; 1]>>::backprop(&MaxPool1d, &tape, &[[1.0]], &mut MaxPool1d);
    assert_eq!(dx, [[0.0, 0.0, 1.0]]);
}
