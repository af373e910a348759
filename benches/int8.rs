//! Int8 against f32, batch 1: the same shapes, the same process, so the
//! report can quote ratios that the machine's noise affects little.
//!
//! What is measured:
//!
//! * `int8_vs_f32/dense_64x64/{int8,f32}` — one [`QDense<64, 64>`] against
//!   one `Dense<64, 64>`.
//! * `int8_vs_f32/digits_cnn/{int8,f32}` — the digits CNN of
//!   `tests/data/int8/digits_cnn.tflite`: `CONV_2D` 1→16 3×3 on 8×8,
//!   `MAX_POOL_2D` 2×2, `RESHAPE`, `FULLY_CONNECTED` 144→10, against the f32
//!   `(Conv2d<1, 16, 3, 6, 6>, Relu, MaxPool2d<2, 3, 3>, Flatten<144>,
//!   Dense<144, 10>)` of `examples/cnn_digits.rs`.
//!
//! The values are deterministic and arbitrary: integer arithmetic costs
//! the same whatever the weights. Throughput is in multiply-accumulates,
//! so criterion's "elements/s" divided by 10⁹ is MACs per nanosecond.
//!
//! Run with `cargo bench --bench int8 -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use constnet::prelude::*;
use constnet::quant::{Clamp, Multiplier, OutputStage, QConv2d, QDense, QMaxPool2d};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// A scale that keeps the outputs inside int8 for these weights.
const SCALE: Multiplier = match Multiplier::from_scale(1.0 / 512.0) {
    Ok(m) => m,
    Err(_) => panic!("1/512 is a multiplier"),
};

/// A deterministic value in −100..100 for position `i`.
fn value(i: usize) -> i8 {
    ((i * 37 + 11) % 200) as i8 - 100
}

/// Deterministic values in [−1, 1) for position `i`.
fn real(i: usize) -> f32 {
    value(i) as f32 / 100.0
}

fn stage<const O: usize>(zero_point: i8, clamp: Clamp) -> OutputStage<O> {
    OutputStage::per_channel([SCALE; O], zero_point, clamp)
}

fn qdense<const I: usize, const O: usize>() -> QDense<I, O> {
    let weight = core::array::from_fn(|o| core::array::from_fn(|i| value(o * I + i)));
    QDense::new(weight, core::array::from_fn(|o| o as i32 * 64), -3, stage(-5, Clamp::FULL))
}

fn dense<const I: usize, const O: usize>() -> Dense<I, O> {
    let weight = core::array::from_fn(|o| core::array::from_fn(|i| real(o * I + i)));
    Dense::from_weights(weight, core::array::from_fn(|o| real(o) / 10.0))
}

/// The int8 digits CNN, NHWC.
type QCnn = (
    QConv2d<1, 16, 3, 3, 8, 8, 6, 6>,
    QMaxPool2d<16, 2, 2, 6, 6, 3, 3>,
    constnet::layers::Flatten<144>,
    QDense<144, 10>,
);

/// The f32 digits CNN, CHW.
type Cnn = (Conv2d<1, 16, 3, 6, 6>, Relu, MaxPool2d<2, 3, 3>, Flatten<144>, Dense<144, 10>);

/// Multiply-accumulates of one pass of either CNN.
const CNN_MACS: u64 = 16 * 9 * 6 * 6 + 144 * 10;

fn int8_vs_f32(c: &mut Criterion) {
    let mut group = c.benchmark_group("int8_vs_f32/dense_64x64");
    group.throughput(Throughput::Elements(64 * 64));
    let (q, f) = (qdense::<64, 64>(), dense::<64, 64>());
    let qx: [i8; 64] = core::array::from_fn(value);
    let fx: [f32; 64] = core::array::from_fn(real);
    group.bench_function(BenchmarkId::from_parameter("int8"), |b| b.iter(|| black_box(&q).forward(black_box(&qx))));
    group.bench_function(BenchmarkId::from_parameter("f32"), |b| b.iter(|| black_box(&f).forward(black_box(&fx))));
    group.finish();

    let mut group = c.benchmark_group("int8_vs_f32/digits_cnn");
    group.throughput(Throughput::Elements(CNN_MACS));
    let filters =
        core::array::from_fn(|o| core::array::from_fn(|y| core::array::from_fn(|x| [value(o * 9 + y * 3 + x)])));
    let q: QCnn = (
        QConv2d::new(
            filters,
            [100; 16],
            -128,
            stage(-128, Clamp::fused(constnet::quant::Activation::Relu, 0.05, -128)),
        ),
        QMaxPool2d::new(Clamp::FULL),
        constnet::layers::Flatten,
        qdense(),
    );
    let mut f = Cnn::ZERO;
    f.0 = Conv2d::from_weights(
        core::array::from_fn(|o| [core::array::from_fn(|y| core::array::from_fn(|x| real(o * 9 + y * 3 + x)))]),
        [0.01; 16],
    );
    f.4 = dense();
    let qx: [[[i8; 1]; 8]; 8] = core::array::from_fn(|y| core::array::from_fn(|x| [value(y * 8 + x)]));
    let fx: [[[f32; 8]; 8]; 1] = [core::array::from_fn(|y| core::array::from_fn(|x| real(y * 8 + x)))];
    group.bench_function(BenchmarkId::from_parameter("int8"), |b| b.iter(|| black_box(&q).forward(black_box(&qx))));
    group.bench_function(BenchmarkId::from_parameter("f32"), |b| b.iter(|| black_box(&f).forward(black_box(&fx))));
    group.finish();
}

criterion_group!(int8, int8_vs_f32);
criterion_main!(int8);
