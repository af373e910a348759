//! Training benchmarks for the digits model, `(Dense<64, 32>, Tanh,
//! Dense<32, 10>)`:
//!
//! * `digits_epoch/{f32,f64}` — one epoch over the 1437 training samples of
//!   the shipped 8×8 digits (the seed-0 80/20 split), mini-batches of 32,
//!   softmax cross-entropy, Adam 1e-2: the digits example's inner loop.
//!   For scale, PyTorch takes about 29 ms for this epoch in float64 on one
//!   core of this kind of machine (figure quoted in issue #3, not re-run).
//! * `digits_epoch_batched/{f32,f64}` — the same epoch through
//!   [`train_epoch_batched`]: 44 batches of 32 gathered into a `Batch` each
//!   (1408 samples; the last 29 of the order sit the epoch out).
//! * `adam_step/64-32-10` — one Adam update of the model's 2410 parameters.
//!
//! Run with `cargo bench --bench training -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;
use std::str::FromStr;

use constnet::TrainError;
use constnet::prelude::*;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

type Digits<F> = (Dense<64, 32, F>, Tanh, Dense<32, 10, F>);
/// Pixels scaled to [0, 1], and the one-hot class.
type Sample<F> = ([F; 64], [F; 10]);

static CSV: &str = include_str!("../data/digits.csv");

/// The digits as (pixels / 16, one-hot class), and the seed-0 training order.
fn dataset<F: Float + FromStr>() -> (Vec<Sample<F>>, Vec<usize>) {
    let mut rows = vec![([F::zero(); 64], 0_usize); 1797];
    let count = parse_labeled_csv(CSV, 10, &mut rows).expect("data/digits.csv parses");
    let sixteen = F::from_usize(16);
    let samples = rows[..count]
        .iter()
        .map(|(pixels, class)| (pixels.map(|p| p / sixteen), one_hot(*class).expect("labels are below 10")))
        .collect();
    let mut order = vec![0; count];
    identity_permutation(&mut order);
    shuffle(&mut order, &mut Xoshiro256PlusPlus::seed_from_u64(0));
    let (train, _) = train_validation_split(&order, 0.8).expect("0.8 is a valid fraction");
    (samples, train.to_vec())
}

/// Benches `train`, one epoch, from the same initial model and Adam state
/// each time.
fn bench_epoch<F: Float>(
    c: &mut Criterion,
    name: &str,
    mut train: impl FnMut(&mut Digits<F>, &mut Adam<F, Digits<F>>) -> Result<F, TrainError>,
) {
    let net = Digits::<F>::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
    let adam = Adam::new(F::from_f64(1e-2)).expect("valid learning rate");
    c.bench_function(name, |b| {
        b.iter_batched_ref(
            || (net.clone(), adam.clone()),
            |(net, adam)| black_box(train(net, adam).expect("training succeeds")),
            BatchSize::SmallInput,
        )
    });
}

fn epoch<F: Float + FromStr>(c: &mut Criterion, name: &str) {
    let (samples, order) = dataset::<F>();
    assert_eq!(order.len(), 1437);
    bench_epoch(c, name, |net, adam| {
        train_epoch_ordered(net, adam, &samples, &order, 32, softmax_cross_entropy, |_, _| {})
    });
}

fn epoch_batched<F: Float + FromStr>(c: &mut Criterion, name: &str) {
    let (samples, order) = dataset::<F>();
    let (batches, left_out) = order.as_chunks::<32>();
    assert_eq!((batches.len(), left_out.len()), (44, 29));
    bench_epoch(c, name, |net, adam| {
        train_epoch_batched(net, adam, &samples, batches, softmax_cross_entropy, |_, _| {})
    });
}

fn adam_step(c: &mut Criterion) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
    let mut net = Digits::<f32>::init(&mut rng);
    let grads = Digits::<f32>::init(&mut rng);
    let mut adam = Adam::new(1e-3).expect("valid learning rate");
    c.bench_function("adam_step/64-32-10", |b| b.iter(|| adam.step(black_box(&mut net), black_box(&grads))));
}

fn benches(c: &mut Criterion) {
    epoch::<f32>(c, "digits_epoch/f32");
    epoch::<f64>(c, "digits_epoch/f64");
    epoch_batched::<f32>(c, "digits_epoch_batched/f32");
    epoch_batched::<f64>(c, "digits_epoch_batched/f64");
    adam_step(c);
}

criterion_group!(training, benches);
criterion_main!(training);
