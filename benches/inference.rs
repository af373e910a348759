//! Inference and training-step benchmarks, `f32` (and one `f64` training
//! step), batch 1 and batch 32.
//!
//! What is measured:
//!
//! * `inference/<model>/constnet` — [`Forward::forward`] on one sample, for
//!   `Dense<64, 64>`, `Dense<128, 128>`, the XOR stack
//!   `(Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid)` and the 64-32-10 MLP
//!   `(Dense<64, 32>, Tanh, Dense<32, 10>)`.
//! * `inference/<model>/naive` — the same computation written the way a
//!   first-time user would: row-major `[[f32; I]; O]` weights, each output a
//!   plain iterator sum `b[o] + Σ_i w[o][i]·x[i]`, and `f32::tanh` from `std`.
//!   It runs in the same process as the `constnet` benchmarks, so the report
//!   can quote `constnet / naive` ratios that the machine's noise (this is
//!   often a shared box) affects far less than absolute times. The naive
//!   version is not bit-compatible with `constnet` (different summation
//!   order, the platform's `tanhf`); it is a speed reference only.
//! * `train_step/<model>/constnet` — one [`train_batch`] on a batch of one
//!   sample: `forward_tape`, the loss (`mse` for `dense_*` and `xor`,
//!   `softmax_cross_entropy` for the MLP), `backward` into freshly zeroed
//!   gradients, and an [`Sgd`] step. The step cycles through 16 fixed
//!   samples, so the weights stay in a realistic regime instead of collapsing
//!   onto one sample over millions of iterations.
//!
//! * `train_step/mlp_64-32-10_f64/constnet` — the MLP's step in `f64`.
//! * `inference/dense_128x128_batch32/constnet` — [`Forward::forward`] on a
//!   [`Batch`] of 32 samples.
//! * `train_batched/mlp_64-32-10_batch32/constnet` — one [`train_batched`]
//!   step of the MLP on a [`Batch`] of 32 samples, softmax cross-entropy,
//!   SGD.
//!
//! Inference benchmarks report `Throughput::Elements` = the number of
//! multiply-accumulates (`I·O` per dense layer), so criterion's
//! "elements/s" divided by 10⁹ is MACs per nanosecond.
//!
//! Run with `cargo bench --bench inference -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use constnet::prelude::*;
use constnet::{Backprop, Layer, Tensor};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

type Xor = (Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid);
type Mlp = (Dense<64, 32>, Tanh, Dense<32, 10>);

/// A per-sample loss: the loss and its gradient with respect to the output.
type Loss<F, const O: usize> = fn(&[F; O], &[F; O]) -> (F, [F; O]);

/// How many samples a training-step benchmark cycles through (a power of two).
const SAMPLES: usize = 16;

/// A naive dense layer: row-major weights, one sequential sum per output.
struct NaiveDense<const I: usize, const O: usize> {
    weight: [[f32; I]; O],
    bias: [f32; O],
}

impl<const I: usize, const O: usize> NaiveDense<I, O> {
    /// Copies the weights of a `constnet` layer, so both compute the same map.
    fn from_layer(layer: &Dense<I, O>) -> Self {
        NaiveDense { weight: layer.weight(), bias: *layer.bias() }
    }

    /// `z[o] = b[o] + Σ_i w[o][i]·x[i]`, summed with a plain iterator.
    #[inline]
    fn forward(&self, x: &[f32; I]) -> [f32; O] {
        core::array::from_fn(|o| self.bias[o] + self.weight[o].iter().zip(x).map(|(w, x)| w * x).sum::<f32>())
    }
}

/// The naive 64-32-10 MLP, with `std`'s `f32::tanh`.
struct NaiveMlp {
    hidden: NaiveDense<64, 32>,
    out: NaiveDense<32, 10>,
}

impl NaiveMlp {
    fn forward(&self, x: &[f32; 64]) -> [f32; 10] {
        let h = self.hidden.forward(x).map(f32::tanh);
        self.out.forward(&h)
    }
}

fn rng() -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(0x5EED)
}

/// A deterministic input in [−1, 1).
fn input<const N: usize>(seed: usize) -> [f32; N] {
    core::array::from_fn(|k| (((k * 37 + seed * 101) % 200) as f32 - 100.0) / 100.0)
}

/// The number of multiply-accumulates of one forward pass: `I·O` summed
/// over the model's weight tensors.
fn macs<M: Model>(model: &M) -> u64 {
    model.tensors().filter(|t: &Tensor<'_, f32>| t.name == "weight").map(|t| t.storage.len() as u64).sum()
}

/// `inference/<name>/constnet`, with MAC throughput.
fn bench_inference<M, const I: usize>(c: &mut Criterion, name: &str, model: &M)
where
    M: Model + Layer<[f32; I]>,
{
    let x: [f32; I] = input(0);
    let mut group = c.benchmark_group("inference");
    group.throughput(Throughput::Elements(macs(model)));
    group.bench_function(BenchmarkId::new(name, "constnet"), |b| {
        b.iter(|| black_box(black_box(model).forward(black_box(&x))))
    });
    group.finish();
}

/// `inference/<name>/naive`, with MAC throughput.
fn bench_naive<const I: usize, O>(c: &mut Criterion, name: &str, macs: u64, forward: impl Fn(&[f32; I]) -> O) {
    let x: [f32; I] = input(0);
    let mut group = c.benchmark_group("inference");
    group.throughput(Throughput::Elements(macs));
    group.bench_function(BenchmarkId::new(name, "naive"), |b| b.iter(|| black_box(forward(black_box(&x)))));
    group.finish();
}

/// `train_step/<name>/constnet`: one `train_batch` of one sample, cycling
/// through `samples`.
fn bench_train_step<F: Float, M, const I: usize, const O: usize>(
    c: &mut Criterion,
    name: &str,
    mut model: M,
    samples: &[([F; I], [F; O]); SAMPLES],
    loss: Loss<F, O>,
) where
    M: Model<F> + Backprop<[F; I], Output = [F; O]>,
{
    let mut sgd = Sgd::new(F::from_f64(0.01)).expect("a valid learning rate");
    let mut next = 0;
    let mut group = c.benchmark_group("train_step");
    group.bench_function(BenchmarkId::new(name, "constnet"), |b| {
        b.iter(|| {
            let sample = core::slice::from_ref(&samples[next % SAMPLES]);
            next += 1;
            black_box(train_batch(&mut model, &mut sgd, black_box(sample), loss).expect("a finite loss"))
        })
    });
    group.finish();
}

/// Regression samples: deterministic inputs, targets in [−1, 1).
fn regression<const I: usize, const O: usize>() -> [([f32; I], [f32; O]); SAMPLES] {
    core::array::from_fn(|s| (input(s), input(s + SAMPLES)))
}

fn dense_benches(c: &mut Criterion) {
    let d64 = Dense::<64, 64>::init(&mut rng());
    let d128 = Dense::<128, 128>::init(&mut rng());
    let naive64 = NaiveDense::from_layer(&d64);
    let naive128 = NaiveDense::from_layer(&d128);

    bench_inference::<_, 64>(c, "dense_64x64", &d64);
    bench_naive(c, "dense_64x64", 64 * 64, |x| naive64.forward(x));
    bench_inference::<_, 128>(c, "dense_128x128", &d128);
    bench_naive(c, "dense_128x128", 128 * 128, |x| naive128.forward(x));

    bench_train_step(c, "dense_64x64", d64.clone(), &regression(), mse);
    bench_train_step(c, "dense_128x128", d128.clone(), &regression(), mse);

    let batch: Batch<[f32; 128], 32> = Batch::from_fn(input);
    let mut group = c.benchmark_group("inference");
    group.throughput(Throughput::Elements(32 * macs(&d128)));
    group.bench_function(BenchmarkId::new("dense_128x128_batch32", "constnet"), |b| {
        b.iter(|| black_box(black_box(&d128).forward(black_box(&batch))))
    });
    group.finish();
}

fn xor_benches(c: &mut Criterion) {
    let xor = Xor::init(&mut rng());
    bench_inference::<_, 2>(c, "xor_2-4-1", &xor);
    let data: [([f32; 2], [f32; 1]); SAMPLES] = core::array::from_fn(|s| {
        let (a, b) = (s & 1, (s >> 1) & 1);
        ([a as f32, b as f32], [(a ^ b) as f32])
    });
    bench_train_step(c, "xor_2-4-1", xor, &data, mse);
}

fn mlp_benches(c: &mut Criterion) {
    let mlp = Mlp::init(&mut rng());
    let naive = NaiveMlp { hidden: NaiveDense::from_layer(&mlp.0), out: NaiveDense::from_layer(&mlp.2) };
    bench_inference::<_, 64>(c, "mlp_64-32-10", &mlp);
    bench_naive(c, "mlp_64-32-10", 64 * 32 + 32 * 10, |x| naive.forward(x));
    let data: [([f32; 64], [f32; 10]); SAMPLES] =
        core::array::from_fn(|s| (input(s), one_hot(s % 10).expect("a class below 10")));
    bench_train_step(c, "mlp_64-32-10", mlp.clone(), &data, softmax_cross_entropy);

    let mlp64 = <(Dense<64, 32, f64>, Tanh, Dense<32, 10, f64>)>::init(&mut rng());
    let data64 = data.map(|(x, y)| (x.map(f64::from), y.map(f64::from)));
    bench_train_step(c, "mlp_64-32-10_f64", mlp64, &data64, softmax_cross_entropy);

    // Two batches of 32 samples, taken in turn.
    let inputs: [Batch<[f32; 64], 32>; 2] = core::array::from_fn(|k| Batch::from_fn(|s| input(32 * k + s)));
    let targets: [Batch<[f32; 10], 32>; 2] =
        core::array::from_fn(|k| Batch::from_fn(|s| one_hot((32 * k + s) % 10).expect("a class below 10")));
    let (mut model, mut sgd, mut next) = (mlp, Sgd::new(0.01).expect("a valid learning rate"), 0);
    let mut group = c.benchmark_group("train_batched");
    group.bench_function(BenchmarkId::new("mlp_64-32-10_batch32", "constnet"), |b| {
        b.iter(|| {
            let k = next % 2;
            next += 1;
            let loss = train_batched(&mut model, &mut sgd, black_box(&inputs[k]), &targets[k], softmax_cross_entropy);
            black_box(loss.expect("a finite loss"))
        })
    });
    group.finish();
}

criterion_group!(benches, dense_benches, xor_benches, mlp_benches);
criterion_main!(benches);
