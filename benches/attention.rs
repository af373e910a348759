//! Attention and transformer benchmarks, `f32`, one sequence, E = 32
//! features, 4 heads:
//!
//! * `mha_forward/t<T>` — self-attention inference over a `Sequence` of `T`
//!   steps ([`Forward::forward`]), no mask.
//! * `mha_train/t<T>` — a training pass: [`Forward::forward_tape`], then the
//!   backward pass of a fixed dL/dY into freshly zeroed gradients
//!   ([`Forward::backward`]); no optimiser step.
//! * `encoder_forward/t<T>`, `encoder_train/t<T>` — the same for a
//!   post-norm [`TransformerEncoderLayer<32, 4, 64>`].
//! * `lm_generate/<how>` — a character-level language model (32 tokens,
//!   E = 32, 64 learned positions, two pre-norm GELU blocks with FF 128, a
//!   final norm and a dense head) producing 64 tokens from an empty window,
//!   greedily: `kv_cache` steps a [`Decoding`]; `full_window` runs the whole
//!   window of 64 steps for every token (what a model without a cache does
//!   when its window has a fixed length, as this library's sequences do).
//!   Throughput is in tokens, so criterion's "elements/s" is tokens per
//!   second.
//!
//! Throughput of the others is `Throughput::Elements` in multiply-
//! accumulates, so criterion's "elements/s" divided by 10⁹ is MACs per
//! nanosecond. Self-attention forward counts 4·T·E² (the q, k, v and output
//! projections) + 2·T²·E (scores and weighted values, the whole T×T square
//! as PyTorch computes it); the encoder adds 2·T·E·FF for the feed-forward
//! network. Norms, softmax and activations are not counted. A training pass
//! counts three times the forward MACs. PyTorch's times for the same shapes
//! on this machine are in `benches/pytorch/README.md`.
//!
//! Run with `cargo bench --bench attention -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use constnet::layers::{Causal, LearnedPositions};
use constnet::prelude::*;
use constnet::{Backprop, Layer};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const E: usize = 32;
const HEADS: usize = 4;
const FF: usize = 64;

/// A deterministic sequence with values in [−1, 1).
fn sequence<const T: usize>(seed: usize) -> Sequence<[f32; E], T> {
    Sequence::new(core::array::from_fn(|t| {
        core::array::from_fn(|i| (((t * E + i) * 37 + seed * 101) % 200) as f32 / 100.0 - 1.0)
    }))
}

const fn attention_macs(t: usize) -> u64 {
    (4 * t * E * E + 2 * t * t * E) as u64
}

/// Forward and training pass of `L` on sequences of `T` steps, in groups
/// `<family>_forward` and `<family>_train`.
fn bench_layer<L, const T: usize>(c: &mut Criterion, family: &str, macs: u64)
where
    L: Model + Backprop<Sequence<[f32; E], T>, Output = Sequence<[f32; E], T>>,
{
    let mut layer = L::init(&mut Xoshiro256PlusPlus::seed_from_u64(0x5EED));
    let x = sequence::<T>(0);
    let dy = sequence::<T>(1);
    let name = format!("t{T}");

    let mut group = c.benchmark_group(format!("{family}_forward"));
    group.throughput(Throughput::Elements(macs));
    group.bench_function(BenchmarkId::from_parameter(&name), |b| {
        b.iter(|| black_box(black_box(&layer).forward(black_box(&x))))
    });
    group.finish();

    let mut group = c.benchmark_group(format!("{family}_train"));
    group.throughput(Throughput::Elements(3 * macs));
    group.bench_function(BenchmarkId::from_parameter(&name), |b| {
        b.iter(|| {
            let (y, tape) = layer.forward_tape(black_box(&x));
            let mut grads = L::zeroed();
            let dx = layer.backward(&tape, black_box(&dy), &mut grads);
            black_box((y, dx, grads))
        })
    });
    group.finish();
}

fn attention(c: &mut Criterion) {
    type Mha = MultiHeadAttention<E, HEADS>;
    bench_layer::<Mha, 8>(c, "mha", attention_macs(8));
    bench_layer::<Mha, 32>(c, "mha", attention_macs(32));
    type Encoder = TransformerEncoderLayer<E, HEADS, FF>;
    bench_layer::<Encoder, 8>(c, "encoder", attention_macs(8) + (2 * 8 * E * FF) as u64);
    bench_layer::<Encoder, 32>(c, "encoder", attention_macs(32) + (2 * 32 * E * FF) as u64);
}

/// Vocabulary and window of the language model.
const V: usize = 32;
const WINDOW: usize = 64;
type Block = TransformerEncoderLayer<E, HEADS, 128, f32, Gelu, PreNorm, Causal>;
type Lm = (Embedding<V, E>, LearnedPositions<WINDOW, E>, Block, Block, PerStep<LayerNorm<E>>, PerStep<Dense<E, V>>);

fn generation(c: &mut Criterion) {
    let lm = Lm::init(&mut Xoshiro256PlusPlus::seed_from_u64(0x5EED));
    let first = TokenId::<V>::constant::<1>();
    let mut group = c.benchmark_group("lm_generate");
    group.throughput(Throughput::Elements(WINDOW as u64));
    group.sample_size(20);
    group.bench_function("kv_cache", |b| {
        b.iter(|| {
            let mut decoding = Decoding::<Lm, TokenId<V>, WINDOW>::new(black_box(&lm));
            let mut token = first;
            while let Ok(logits) = decoding.push(&token) {
                token = TokenId::new(argmax(&logits)).unwrap_or(first);
            }
            black_box(token)
        })
    });
    group.bench_function("full_window", |b| {
        b.iter(|| {
            let mut window = Sequence([first; WINDOW]);
            for t in 0..WINDOW {
                let logits = black_box(&lm).eval(&window);
                let next = TokenId::new(argmax(&logits.0[t])).unwrap_or(first);
                if let Some(slot) = window.0.get_mut(t + 1) {
                    *slot = next;
                }
            }
            black_box(window)
        })
    });
    group.finish();
}

criterion_group!(benches, attention, generation);
criterion_main!(benches);
