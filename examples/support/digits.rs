//! The handwritten-digits recipe shared by `examples/digits.rs` and
//! `tests/digits.rs`: the data set, the seeded 80/20 split, the 64-32-10
//! model and its training (Adam 1e-2, batch 32, 30 epochs — the PyTorch
//! baseline's settings).

use std::error::Error;

use constnet::prelude::*;
use constnet::{Backprop, Layer, Module};

/// 64 pixels → 32 tanh units → 10 logits (softmax cross-entropy on them).
pub type Digits = (Dense<64, 32>, Tanh, Dense<32, 10>);
/// One sample: pixels scaled to [0, 1], and the one-hot class.
pub type Sample = ([f32; 64], [f32; 10]);

pub const CLASSES: usize = 10;
pub const EPOCHS: usize = 30;
pub const BATCH: usize = 32;
pub const LEARNING_RATE: f32 = 1e-2;
/// The share of samples that train; the rest is held out for testing.
pub const TRAIN_FRACTION: f64 = 0.8;

/// The 8×8 digits (1797 samples), shipped in the repository.
static CSV: &str = include_str!("../../data/digits.csv");

/// The whole data set and each sample's class.
pub struct Dataset {
    pub samples: Vec<Sample>,
    pub labels: Vec<usize>,
}

/// Parses `data/digits.csv`; pixel values 0–16 are scaled to [0, 1].
pub fn load() -> Result<Dataset, Box<dyn Error>> {
    let mut rows = vec![([0.0_f32; 64], 0_usize); 1797];
    let count = parse_labeled_csv(CSV, CLASSES, &mut rows)?;
    rows.truncate(count);
    let samples = rows
        .iter()
        .map(|(pixels, class)| Ok((pixels.map(|p| p / 16.0), one_hot(*class)?)))
        .collect::<Result<_, Box<dyn Error>>>()?;
    Ok(Dataset { samples, labels: rows.iter().map(|(_, class)| *class).collect() })
}

/// A seeded 80/20 split of sample indices.
pub struct Split {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

pub fn split(samples: usize, seed: u64) -> Result<Split, Box<dyn Error>> {
    let mut order = vec![0; samples];
    identity_permutation(&mut order);
    shuffle(&mut order, &mut Xoshiro256PlusPlus::seed_from_u64(seed));
    let (train, test) = train_validation_split(&order, TRAIN_FRACTION)?;
    Ok(Split { train: train.to_vec(), test: test.to_vec() })
}

/// Loss and accuracy of one pass over a set of samples.
#[derive(Clone, Copy, Debug, Default)]
pub struct Measured {
    pub loss: f32,
    pub accuracy: f32,
}

/// What one epoch achieved: on the training samples, and on the held-out
/// ones (measured only, never used to choose anything).
#[derive(Clone, Copy, Debug, Default)]
pub struct Epoch {
    pub train: Measured,
    pub test: Measured,
}

/// Mean softmax cross-entropy and accuracy of `net` over the samples at
/// `indices`, by inference.
pub fn measure(net: &Digits, data: &Dataset, indices: &[usize]) -> Measured {
    measure_classifier(net, &data.samples, &data.labels, indices)
}

/// What [`train`] reports as it goes.
pub enum Event<'a> {
    /// A batch has trained: how many so far this epoch, and its mean loss.
    Batch { done: usize, loss: f32 },
    /// An epoch (counted from 1) has ended.
    Epoch { epoch: usize, result: &'a Epoch },
}

/// Trains a freshly initialised model on `split.train` (reshuffled every
/// epoch), reporting each batch and epoch to `observe`.
pub fn train(data: &Dataset, split: &Split, seed: u64, observe: impl FnMut(Event)) -> Result<Digits, Box<dyn Error>> {
    train_classifier(&data.samples, &data.labels, split, seed, EPOCHS, observe)
}

/// Mean softmax cross-entropy and accuracy of any classifier (of `N`
/// classes; ten for the digits) over the samples at `indices`, by
/// inference.
pub fn measure_classifier<M: Module + Layer<X, Output = [f32; N]>, X, const N: usize>(
    net: &M,
    samples: &[(X, [f32; N])],
    labels: &[usize],
    indices: &[usize],
) -> Measured {
    let (mut loss, mut correct) = (0.0, 0);
    for &index in indices {
        let logits = net.forward(&samples[index].0);
        loss += softmax_cross_entropy(&logits, &samples[index].1).0;
        correct += usize::from(argmax(&logits) == labels[index]);
    }
    Measured { loss: loss / indices.len() as f32, accuracy: correct as f32 / indices.len() as f32 }
}

/// The digits recipe for any classifier of samples `X` (of `N` classes;
/// ten for the digits): a model
/// initialised with the default scheme from an RNG seeded with `seed`, Adam
/// [`LEARNING_RATE`], batches of [`BATCH`] samples of `split.train`
/// reshuffled every epoch by the same RNG, for `epochs` epochs, reporting
/// each batch and epoch to `observe`.
pub fn train_classifier<M, X, const N: usize>(
    samples: &[(X, [f32; N])],
    labels: &[usize],
    split: &Split,
    seed: u64,
    epochs: usize,
    observe: impl FnMut(Event),
) -> Result<M, Box<dyn Error>>
where
    M: Model + Backprop<X, Output = [f32; N]>,
{
    train_classifier_at(samples, labels, split, seed, (epochs, LEARNING_RATE), observe)
}

/// [`train_classifier`] for `epochs` epochs with Adam at `learning_rate`.
pub fn train_classifier_at<M, X, const N: usize>(
    samples: &[(X, [f32; N])],
    labels: &[usize],
    split: &Split,
    seed: u64,
    (epochs, learning_rate): (usize, f32),
    mut observe: impl FnMut(Event),
) -> Result<M, Box<dyn Error>>
where
    M: Model + Backprop<X, Output = [f32; N]>,
{
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut net = M::init(&mut rng);
    let mut adam = Adam::new(learning_rate)?;
    let mut order = split.train.clone();
    for epoch in 1..=epochs {
        shuffle(&mut order, &mut rng);
        train_epoch_ordered(&mut net, &mut adam, samples, &order, BATCH, softmax_cross_entropy, |done, loss| {
            observe(Event::Batch { done, loss })
        })?;
        let result = Epoch {
            train: measure_classifier(&net, samples, labels, &split.train),
            test: measure_classifier(&net, samples, labels, &split.test),
        };
        observe(Event::Epoch { epoch, result: &result });
    }
    Ok(net)
}
