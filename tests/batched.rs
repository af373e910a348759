//! A `Batch` through a whole stack gives exactly (bit for bit) what running
//! its samples one at a time gives, for stacks without batch-coupled
//! layers: outputs, input gradients, parameter gradients and training
//! steps, in both training modes.

use constnet::TrainError;
use constnet::prelude::*;

type Mixed = (Dense<5, 8>, Tanh, Dense<8, 6>, LeakyRelu, Dense<6, 6>, Relu, Dense<6, 4>, Sigmoid, Softmax);
const B: usize = 7;

fn batch(seed: u64) -> Batch<[f32; 5], B> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let noise = Dense::<5, B>::init_with(Init::HeNormal, &mut rng).weight();
    Batch::from_fn(|b| core::array::from_fn(|i| 3.0 * noise[b][i]))
}

fn bits<'a, const N: usize>(rows: impl IntoIterator<Item = &'a [f32; N]>) -> Vec<u32> {
    rows.into_iter().flatten().map(|v| v.to_bits()).collect()
}

fn param_bits(m: &Mixed) -> Vec<u32> {
    m.tensors().flat_map(|t| t.storage.iter().map(|v| v.to_bits()).collect::<Vec<_>>()).collect()
}

#[test]
fn batched_forward_equals_per_sample_forward() {
    let net = Mixed::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
    let x = batch(2);
    let batched = net.forward(&x);
    let single: Vec<[f32; 4]> = x.iter().map(|row| net.forward(row)).collect();
    assert_eq!(bits(&batched), bits(&single));
}

#[test]
fn batched_backward_equals_per_sample_accumulation() {
    let mut net = Mixed::init(&mut Xoshiro256PlusPlus::seed_from_u64(3));
    let x = batch(4);
    let dy: Batch<[f32; 4], B> = Batch::from_fn(|b| core::array::from_fn(|k| (b * 4 + k) as f32 / 10.0 - 1.0));

    let mut batched_grads = Grads::<Mixed>::zeroed();
    let (_, tape) = net.forward_tape(&x);
    let batched_dx = net.backward(&tape, &dy, &mut batched_grads);

    let mut single_grads = Grads::<Mixed>::zeroed();
    let mut single_dx = Vec::new();
    for (row, d) in x.iter().zip(&dy) {
        let (_, tape) = net.forward_tape(row);
        single_dx.push(net.backward(&tape, d, &mut single_grads));
    }
    assert_eq!(bits(&batched_dx), bits(&single_dx));
    assert_eq!(param_bits(&batched_grads), param_bits(&single_grads));
}

#[test]
fn batched_training_equals_per_sample_training() {
    let start = Mixed::init(&mut Xoshiro256PlusPlus::seed_from_u64(5));
    let x = batch(6);
    let targets: Batch<[f32; 4], B> = Batch::from_fn(|b| one_hot(b % 4).unwrap());
    let pairs: Vec<([f32; 5], [f32; 4])> = x.iter().copied().zip(targets.iter().copied()).collect();

    let (mut batched, mut single) = (start.clone(), start);
    let (mut sgd_a, mut sgd_b) = (Sgd::new(0.3).unwrap(), Sgd::new(0.3).unwrap());
    for _ in 0..5 {
        let a = train_batched(&mut batched, &mut sgd_a, &x, &targets, mse).unwrap();
        let b = train_batch(&mut single, &mut sgd_b, &pairs, mse).unwrap();
        assert_eq!(a.to_bits(), b.to_bits());
    }
    assert_eq!(param_bits(&batched), param_bits(&single));
}

/// Evaluation mode (dropout off) through a stack with dropout: the batch is
/// the samples one at a time, and both are inference's outputs.
#[test]
fn batched_evaluation_mode_equals_per_sample() {
    type WithDropout = (Dense<5, 8>, Tanh, Dropout, Dense<8, 4>);
    let mut net = WithDropout::init(&mut Xoshiro256PlusPlus::seed_from_u64(7));
    let x = batch(8);
    let dy: Batch<[f32; 4], B> = Batch::from_fn(|b| [b as f32 / 7.0, -1.0, 0.5, 2.0]);
    let (y, tape) = net.forward_tape_eval(&x);
    assert_eq!(bits(&y), bits(&net.forward(&x)));
    let mut batched_grads = Grads::<WithDropout>::zeroed();
    let batched_dx = net.backward(&tape, &dy, &mut batched_grads);
    let mut single_grads = Grads::<WithDropout>::zeroed();
    let mut single_dx = Vec::new();
    for (row, d) in x.iter().zip(&dy) {
        let (_, tape) = net.forward_tape_eval(row);
        single_dx.push(net.backward(&tape, d, &mut single_grads));
    }
    assert_eq!(bits(&batched_dx), bits(&single_dx));
    assert_eq!(param_bits_of(&batched_grads), param_bits_of(&single_grads));
}

/// A convolutional stack on a batch of images: per-sample bits too.
#[test]
fn batched_cnn_equals_per_sample() {
    type Cnn = (Conv2d<2, 3, 3, 4, 4, 1, 0>, Relu, MaxPool2d<2, 2, 2>, Flatten<12>, Dense<12, 2>);
    let net = Cnn::init(&mut Xoshiro256PlusPlus::seed_from_u64(9));
    let images: Batch<[[[f32; 6]; 6]; 2], 3> = Batch::from_fn(|b| {
        core::array::from_fn(|c| {
            core::array::from_fn(|h| core::array::from_fn(|w| ((b * 72 + c * 36 + h * 6 + w) % 11) as f32 / 5.0 - 1.0))
        })
    });
    let dy = Batch::new([[1.0, -0.5], [0.25, 2.0], [-1.0, 0.0]]);
    let mut batched_grads = Grads::<Cnn>::zeroed();
    let (y, tape) = net.clone().forward_tape(&images);
    let dx = net.backward(&tape, &dy, &mut batched_grads);
    let mut single_grads = Grads::<Cnn>::zeroed();
    for b in 0..3 {
        let (y_one, tape) = net.clone().forward_tape(&images[b]);
        assert_eq!(y_one.map(f32::to_bits), y[b].map(f32::to_bits));
        assert_eq!(net.backward(&tape, &dy[b], &mut single_grads), dx[b]);
    }
    assert_eq!(param_bits_of(&batched_grads), param_bits_of(&single_grads));
}

fn param_bits_of<M: Model>(m: &M) -> Vec<u32> {
    m.tensors().flat_map(|t| t.storage.iter().map(|v| v.to_bits()).collect::<Vec<_>>()).collect()
}

/// An epoch of `train_epoch_batched` over shuffled full batches gives the
/// bits of `train_epoch_ordered` over the same indices with the same batch
/// size, with Adam: parameters, and the epoch's mean loss.
#[test]
#[cfg_attr(miri, ignore = "three epochs of two trainings: minutes in Miri; the per-step bits are checked there above")]
fn batched_epoch_equals_per_sample_epoch() {
    let start = Mixed::init(&mut Xoshiro256PlusPlus::seed_from_u64(9));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(10);
    let data: Vec<([f32; 5], [f32; 4])> =
        (0..45).map(|k| (batch(100 + k)[0], one_hot(k as usize % 4).unwrap())).collect();
    let mut order: Vec<usize> = (0..data.len()).collect();
    let (mut batched, mut single) = (start.clone(), start);
    let (mut adam_a, mut adam_b) = (Adam::new(0.01).unwrap(), Adam::new(0.01).unwrap());
    for _ in 0..3 {
        shuffle(&mut order, &mut rng);
        let (batches, left_out) = order.as_chunks::<B>();
        assert_eq!(left_out.len(), 45 % B);
        let full = &order[..batches.len() * B];
        let (mut seen_a, mut seen_b) = (Vec::new(), Vec::new());
        let a = train_epoch_batched(&mut batched, &mut adam_a, &data, batches, softmax_cross_entropy, |n, loss| {
            seen_a.push((n, loss.to_bits()))
        })
        .unwrap();
        let b = train_epoch_ordered(&mut single, &mut adam_b, &data, full, B, softmax_cross_entropy, |n, loss| {
            seen_b.push((n, loss.to_bits()))
        })
        .unwrap();
        assert_eq!(a.to_bits(), b.to_bits());
        assert_eq!(seen_a, seen_b);
        assert_eq!(seen_a.len(), 45 / B);
    }
    assert_eq!(param_bits(&batched), param_bits(&single));
}

/// A model with batch normalisation, which the sample-by-sample helpers
/// reject at compile time, trains with `train_epoch_batched` (each batch
/// normalised with its own statistics); bad indices and an order shorter
/// than a batch are errors, not panics.
#[test]
#[cfg_attr(miri, ignore = "150 epochs of training: beyond Miri's time budget in CI")]
fn batched_epoch_trains_batch_norm_and_reports_bad_input() {
    type Net = (Dense<2, 8>, BatchNorm1d<8>, Relu, Dense<8, 1>, Sigmoid);
    const XOR: [([f32; 2], [f32; 1]); 4] =
        [([0.0, 0.0], [0.0]), ([0.0, 1.0], [1.0]), ([1.0, 0.0], [1.0]), ([1.0, 1.0], [0.0])];
    let data: Vec<([f32; 2], [f32; 1])> = XOR.iter().cycle().take(16).copied().collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let mut net = Net::init(&mut rng);
    let mut adam = Adam::new(0.05).unwrap();
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut losses = Vec::new();
    for _ in 0..150 {
        shuffle(&mut order, &mut rng);
        let (batches, _) = order.as_chunks::<8>();
        losses.push(train_epoch_batched(&mut net, &mut adam, &data, batches, bce, |_, _| {}).unwrap());
    }
    assert!(losses[149] < 0.25 * losses[0], "first {}, last {}", losses[0], losses[149]);

    let bad = [[0, 1, 2, 3, 4, 5, 6, 16]];
    let error = train_epoch_batched(&mut net, &mut adam, &data, &bad, bce, |_, _| {}).unwrap_err();
    assert_eq!(error, TrainError::IndexOutOfRange { index: 16, len: 16 });
    let none: [[usize; 8]; 0] = [];
    assert_eq!(train_epoch_batched(&mut net, &mut adam, &data, &none, bce, |_, _| {}), Err(TrainError::Empty));
}
