//! Convolution benchmarks, `f32`, one sample:
//!
//! * `<layer>_forward/<case>` — [`Forward::forward`] (inference).
//! * `<layer>_backward/<case>` — a training pass through the layer:
//!   [`Forward::forward_tape`], then [`Forward::backward`] of a fixed dY
//!   into freshly zeroed gradients (dW, db and the returned dX).
//! * `causal_conv1d_step/<case>` — one [`Conv::step`] of a streaming
//!   causal convolution: one output frame from one input frame and the
//!   [`History`] of the previous ones.
//!
//! The cases:
//!
//! * `conv2d`: `1to8_8x8_k3`, 1 → 8 channels on an 8×8 input with a 3×3
//!   kernel (output 6×6, the shape of the digits CNN's first layer with 8
//!   channels), and `6to16_14x14_k5`, 6 → 16 channels on 14×14 with a 5×5
//!   kernel (output 10×10, LeNet-5's second convolution).
//! * `depthwise2d`: `16ch_16x16_k3`, a [`DepthwiseConv2d`] over 16
//!   channels of 16×16 with a 3×3 kernel, stride 1 and `Pad<1>` (output
//!   16×16), as in MobileNet and the keyword-spotting models.
//! * `causal_conv1d`: `16to16_k3_d4`, a [`CausalConv1d`] from 16 to 16
//!   channels with kernel 3 and dilation 4 (a TCN layer): the `step` on its
//!   `History<16, 8>`, and (`causal_conv1d_forward/16to16_k3_d4_64frames`)
//!   the whole-sequence forward over 64 frames, to compare per frame.
//! * `conv_transpose2d`: `16to8_8x8_k3_s2`, a [`ConvTranspose2d`] from 16
//!   to 8 channels with a 3×3 kernel, stride 2, padding 1 and output
//!   padding 1: 8×8 up to 16×16, a decoder's upsampling step.
//!
//! Throughput is `Throughput::Elements` in multiply-accumulates, so
//! criterion's "elements/s" divided by 10⁹ is MACs per nanosecond. One
//! forward pass is
//!
//! * `CO·CI·K·K·HO·WO` MACs for a convolution (2,592 and 240,000);
//! * `C·K·K·HO·WO` for the depthwise one (36,864);
//! * `CO·CI·K` per step of the causal one (768), `CO·CI·K·L` for its
//!   whole pass over `L` frames (49,152 for 64);
//! * `CI·(CO/groups)·K·K·H·W` for the transposed one, over its *input*
//!   `H`×`W` (73,728): the multiply-adds that its gathered sums really do,
//!   one per input and tap, not `HO·WO` outputs times every tap.
//!
//! Terms in the zero padding count although they are skipped (the
//! depthwise border, the causal pass's first `D·(K − 1)` frames, the
//! transposed taps that land outside the output), so those rates are a
//! little below the arithmetic actually done. Each backward benchmark
//! counts three times its forward — the forward pass inside
//! `forward_tape`, dW and dX each take one MAC per term.
//!
//! Run with `cargo bench --bench conv -- --warm-up-time 1 --measurement-time 3`
//! (add a filter such as `conv2d_` to run some of the cases only).
//!
//! [`Conv::step`]: constnet::layers::Conv::step

use std::hint::black_box;

use constnet::Backprop;
use constnet::layers::{CausalConv1d, ConvTranspose2d, DepthwiseConv2d, History, Pad};
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

/// A deterministic 1-D feature map (channels, then length): one row of
/// [`map`].
fn sequence<const C: usize, const L: usize>(seed: usize) -> [[f32; L]; C] {
    map::<C, 1, L>(seed).map(|[row]| row)
}

/// Forward MACs of a `Conv2d<CI, CO, K, HO, WO>`.
const fn macs(ci: usize, co: usize, k: usize, ho: usize, wo: usize) -> u64 {
    (co * ci * k * k * ho * wo) as u64
}

/// Forward MACs of a `DepthwiseConv2d<C, K, HO, WO>`.
const fn depthwise_macs(c: usize, k: usize, ho: usize, wo: usize) -> u64 {
    (c * k * k * ho * wo) as u64
}

/// MACs of `frames` steps (or the whole pass over `frames`) of a
/// `CausalConv1d<CI, CO, K, ..>`.
const fn causal_macs(ci: usize, co: usize, k: usize, frames: usize) -> u64 {
    (co * ci * k * frames) as u64
}

/// Forward MACs of a `ConvTranspose2d<CI, CO, K, ..>` (groups = 1) on an
/// `H`×`W` input.
const fn transposed_macs(ci: usize, co: usize, k: usize, h: usize, w: usize) -> u64 {
    (ci * co * k * k * h * w) as u64
}

/// `<kind>_forward/<name>` and `<kind>_backward/<name>` for `layer` on the
/// input `x`, with the fixed output gradient `dy` and `forward_macs` MACs
/// per forward pass.
fn forward_and_backward<L, X, Y>(
    c: &mut Criterion,
    kind: &str,
    name: &str,
    layer: &mut L,
    x: &X,
    dy: &Y,
    forward_macs: u64,
) where
    L: Model + Backprop<X, Output = Y>,
{
    let mut group = c.benchmark_group(format!("{kind}_forward"));
    group.throughput(Throughput::Elements(forward_macs));
    group.bench_function(BenchmarkId::from_parameter(name), |b| {
        b.iter(|| black_box(black_box(&*layer).forward(black_box(x))))
    });
    group.finish();

    let mut group = c.benchmark_group(format!("{kind}_backward"));
    group.throughput(Throughput::Elements(3 * forward_macs));
    group.bench_function(BenchmarkId::from_parameter(name), |b| {
        b.iter(|| {
            let (y, tape) = layer.forward_tape(black_box(x));
            let mut grads = Grads::<L>::zeroed();
            let dx = layer.backward(&tape, black_box(dy), &mut grads);
            black_box((y, dx, grads))
        })
    });
    group.finish();
}

fn conv2d_case<
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
    forward_and_backward(c, "conv2d", name, &mut conv, &map::<CI, H, W>(0), &map(1), macs(CI, CO, K, HO, WO));
}

fn depthwise() -> DepthwiseConv2d<16, 3, 16, 16, 1, Pad<1>> {
    DepthwiseConv2d::init(&mut Xoshiro256PlusPlus::seed_from_u64(0x5EED))
}

fn causal() -> CausalConv1d<16, 16, 3, 4, 64> {
    CausalConv1d::init(&mut Xoshiro256PlusPlus::seed_from_u64(0x5EED))
}

fn transposed() -> ConvTranspose2d<16, 8, 3, 16, 16, 2, 1> {
    ConvTranspose2d::init(&mut Xoshiro256PlusPlus::seed_from_u64(0x5EED))
}

/// One `step` of the causal convolution, with a history already full (the
/// steady state of a stream); and its whole-sequence forward.
fn causal_benches(c: &mut Criterion) {
    let conv = causal();
    let frames: [[f32; 16]; 64] = map::<1, 64, 16>(0)[0];
    let mut history = History::<16, 8>::EMPTY;
    for frame in &frames[..8] {
        conv.step(frame, &mut history);
    }
    let frame = frames[8];

    let mut group = c.benchmark_group("causal_conv1d_step");
    group.throughput(Throughput::Elements(causal_macs(16, 16, 3, 1)));
    group.bench_function(BenchmarkId::from_parameter("16to16_k3_d4"), |b| {
        b.iter(|| black_box(black_box(&conv).step(black_box(&frame), black_box(&mut history))))
    });
    group.finish();

    let x: [[f32; 64]; 16] = sequence(0);
    let mut group = c.benchmark_group("causal_conv1d_forward");
    group.throughput(Throughput::Elements(causal_macs(16, 16, 3, 64)));
    group.bench_function(BenchmarkId::from_parameter("16to16_k3_d4_64frames"), |b| {
        b.iter(|| black_box(black_box(&conv).forward(black_box(&x))))
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    const _: () = assert!(macs(1, 8, 3, 6, 6) == 2_592 && macs(6, 16, 5, 10, 10) == 240_000);
    const _: () = assert!(depthwise_macs(16, 3, 16, 16) == 36_864 && transposed_macs(16, 8, 3, 8, 8) == 73_728);
    const _: () = assert!(causal_macs(16, 16, 3, 1) == 768 && causal_macs(16, 16, 3, 64) == 49_152);
    conv2d_case::<1, 8, 3, 6, 6, 8, 8>(c, "1to8_8x8_k3");
    conv2d_case::<6, 16, 5, 10, 10, 14, 14>(c, "6to16_14x14_k5");

    let x: [[[f32; 16]; 16]; 16] = map(0);
    let macs = depthwise_macs(16, 3, 16, 16);
    forward_and_backward(c, "depthwise2d", "16ch_16x16_k3", &mut depthwise(), &x, &map(1), macs);

    causal_benches(c);

    let x: [[[f32; 8]; 8]; 16] = map(0);
    let macs = transposed_macs(16, 8, 3, 8, 8);
    forward_and_backward(c, "conv_transpose2d", "16to8_8x8_k3_s2", &mut transposed(), &x, &map(1), macs);
}

criterion_group!(conv, benches);
criterion_main!(conv);
