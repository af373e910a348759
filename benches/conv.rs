//! `Conv2d` benchmarks, `f32`, one sample:
//!
//! * `conv2d_forward/<case>` — [`Forward::forward`] (inference).
//! * `conv2d_backward/<case>` — a training pass through the layer:
//!   [`Forward::forward_tape`], then [`Forward::backward`] of a fixed dY
//!   into freshly zeroed gradients (dW, db and the returned dX).
//!
//! The cases: `1to8_8x8_k3`, 1 → 8 channels on an 8×8 input with a 3×3
//! kernel (output 6×6, the shape of the digits CNN's first layer with 8
//! channels), and `6to16_14x14_k5`, 6 → 16 channels on 14×14 with a 5×5
//! kernel (output 10×10, LeNet-5's second convolution).
//!
//! Throughput is `Throughput::Elements` in multiply-accumulates, so
//! criterion's "elements/s" divided by 10⁹ is MACs per nanosecond. One
//! forward pass is `CO·CI·K·K·HO·WO` MACs (2,592 and 240,000); the backward
//! benchmark counts three times that — the forward pass inside
//! `forward_tape`, dW and dX each take one MAC per term.
//!
//! Run with `cargo bench --bench conv -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use constnet::Backprop;
use constnet::prelude::*;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// A deterministic feature map with values in [−1, 1).
fn map<const C: usize, const H: usize, const W: usize>(seed: usize) -> [[[f32; W]; H]; C] {
    core::array::from_fn(|c| {
        core::array::from_fn(|h| {
            core::array::from_fn(|w| ((((c * H + h) * W + w) * 37 + seed * 101) % 200) as f32 / 100.0 - 1.0)
        })
    })
}

/// Forward MACs of a `Conv2d<CI, CO, K, HO, WO>`.
const fn macs(ci: usize, co: usize, k: usize, ho: usize, wo: usize) -> u64 {
    (co * ci * k * k * ho * wo) as u64
}

fn bench_case<
    const CI: usize,
    const CO: usize,
    const K: usize,
    const HO: usize,
    const WO: usize,
    const H: usize,
    const W: usize,
>(
    c: &mut Criterion,
    name: &str,
) where
    Conv2d<CI, CO, K, HO, WO>: Model + Backprop<[[[f32; W]; H]; CI], Output = [[[f32; WO]; HO]; CO]>,
{
    let mut conv = Conv2d::<CI, CO, K, HO, WO>::init(&mut Xoshiro256PlusPlus::seed_from_u64(0x5EED));
    let x: [[[f32; W]; H]; CI] = map(0);
    let dy: [[[f32; WO]; HO]; CO] = map(1);
    let forward_macs = macs(CI, CO, K, HO, WO);

    let mut group = c.benchmark_group("conv2d_forward");
    group.throughput(Throughput::Elements(forward_macs));
    group.bench_function(BenchmarkId::from_parameter(name), |b| {
        b.iter(|| black_box(black_box(&conv).forward(black_box(&x))))
    });
    group.finish();

    let mut group = c.benchmark_group("conv2d_backward");
    group.throughput(Throughput::Elements(3 * forward_macs));
    group.bench_function(BenchmarkId::from_parameter(name), |b| {
        b.iter(|| {
            let (y, tape) = conv.forward_tape(black_box(&x));
            let mut grads = Grads::<Conv2d<CI, CO, K, HO, WO>>::zeroed();
            let dx = conv.backward(&tape, black_box(&dy), &mut grads);
            black_box((y, dx, grads))
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    const _: () = assert!(macs(1, 8, 3, 6, 6) == 2_592 && macs(6, 16, 5, 10, 10) == 240_000);
    bench_case::<1, 8, 3, 6, 6, 8, 8>(c, "1to8_8x8_k3");
    bench_case::<6, 16, 5, 10, 10, 14, 14>(c, "6to16_14x14_k5");
}

criterion_group!(conv, benches);
criterion_main!(conv);
