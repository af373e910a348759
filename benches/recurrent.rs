//! Recurrent-layer benchmarks, `f32`, one sample, 8 inputs per step, hidden
//! sizes 16, 32 and 64:
//!
//! * `lstm_step/h<H>`, `gru_step/h<H>` — one streaming step,
//!   [`Cell::step`] on a caller-held state: what firmware runs per audio
//!   frame or sensor reading.
//! * `lstm_sequence/h<H>`, `gru_sequence/h<H>` — inference over a whole
//!   8-step [`Sequence`] from the zero state ([`Forward::forward`]).
//! * `lstm_bptt/h<H>`, `gru_bptt/h<H>` — a training pass over the 8 steps:
//!   [`Forward::forward_tape`], then backpropagation through time of a
//!   fixed dL/d(outputs) into freshly zeroed gradients ([`Forward::backward`]).
//!
//! Throughput is `Throughput::Elements` in multiply-accumulates, so
//! criterion's "elements/s" divided by 10⁹ is MACs per nanosecond. One step
//! is `G·H·(I + H)` MACs (G = 4 gates for the LSTM, 3 for the GRU); the
//! activations (σ and tanh, one `exp` each) are not counted, and at these
//! sizes they are a large part of the time. A training pass counts three
//! times the forward MACs: the forward pass, dW and dX/dh each take one MAC
//! per weight and step.
//!
//! Run with `cargo bench --bench recurrent -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use constnet::layers::Cell;
use constnet::prelude::*;
use constnet::{Backprop, Values};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// Inputs per step.
const I: usize = 8;
/// Steps in the sequence benchmarks.
const T: usize = 8;

/// A deterministic sequence with values in [−1, 1).
fn sequence<const W: usize>(seed: usize) -> Sequence<[f32; W], T> {
    Sequence::new(core::array::from_fn(|t| {
        core::array::from_fn(|i| (((t * W + i) * 37 + seed * 101) % 200) as f32 / 100.0 - 1.0)
    }))
}

/// Multiply-accumulates of one step of a cell with `gates` gates.
const fn step_macs(gates: usize, h: usize) -> u64 {
    (gates * h * (I + h)) as u64
}

/// Benchmarks one cell type `C` with `gates` gate blocks under `family`
/// (`lstm` or `gru`).
fn bench_cell<C, const H: usize>(c: &mut Criterion, family: &str, gates: usize)
where
    C: Model
        + Cell<Input = [f32; I], Output = [f32; H]>
        + Backprop<Sequence<[f32; I], T>, Output = Sequence<[f32; H], T>>,
{
    let mut cell = C::init(&mut Xoshiro256PlusPlus::seed_from_u64(0x5EED));
    let x = sequence::<I>(0);
    let dy = sequence::<H>(1);
    let name = format!("h{H}");
    let macs = step_macs(gates, H);

    let mut group = c.benchmark_group(format!("{family}_step"));
    group.throughput(Throughput::Elements(macs));
    let mut state = C::State::ZEROS;
    group.bench_function(BenchmarkId::from_parameter(&name), |b| {
        b.iter(|| black_box(black_box(&cell).step(&mut state, black_box(&x[0]))))
    });
    group.finish();

    let mut group = c.benchmark_group(format!("{family}_sequence"));
    group.throughput(Throughput::Elements(T as u64 * macs));
    group.bench_function(BenchmarkId::from_parameter(&name), |b| {
        b.iter(|| black_box(black_box(&cell).forward(black_box(&x))))
    });
    group.finish();

    let mut group = c.benchmark_group(format!("{family}_bptt"));
    group.throughput(Throughput::Elements(3 * T as u64 * macs));
    group.bench_function(BenchmarkId::from_parameter(&name), |b| {
        b.iter(|| {
            let (y, tape) = cell.forward_tape(black_box(&x));
            let mut grads = Grads::<C>::zeroed();
            let dx = cell.backward(&tape, black_box(&dy), &mut grads);
            black_box((y, dx, grads))
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    const _: () = assert!(step_macs(4, 16) == 1_536 && step_macs(3, 64) == 13_824);
    bench_cell::<Lstm<I, 16>, 16>(c, "lstm", 4);
    bench_cell::<Lstm<I, 32>, 32>(c, "lstm", 4);
    bench_cell::<Lstm<I, 64>, 64>(c, "lstm", 4);
    bench_cell::<Gru<I, 16>, 16>(c, "gru", 3);
    bench_cell::<Gru<I, 32>, 32>(c, "gru", 3);
    bench_cell::<Gru<I, 64>, 64>(c, "gru", 3);
}

criterion_group!(recurrent, benches);
criterion_main!(recurrent);
