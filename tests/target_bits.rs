//! The digits model, trained by the main demonstration's recipe (seed 0,
//! 30 epochs of Adam, mini-batches of 32), gives the same bits in every
//! build: its parameters and its logits on the test split, then the
//! parameters after one more epoch of `train_batched` (SGD, batches of 32)
//! and a batch forward, hash to the fingerprint in
//! `tests/data/digits_bits.txt`.
//!
//! `cargo test` checks it in the test profile; CI runs it again built with
//! `-C target-cpu=native` (AVX-512 on its machines), so a kernel whose sums
//! the compiler could reorder, or a code path taken only with some target
//! features, shows up as a different fingerprint. After a change that is
//! meant to change the numbers, rewrite the file with
//! `CONSTNET_BLESS=1 cargo test --test target_bits`.

use constnet::Tensor;
use constnet::prelude::*;

// The recipe is shared with the example, which reads fields this test does not.
#[allow(dead_code)]
#[path = "../examples/support/digits.rs"]
mod digits;

/// FNV-1a over 64 bits: a fixed, dependency-free hash of a byte stream.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, value: f32) {
        for byte in value.to_bits().to_le_bytes() {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[test]
fn digits_model_bits_match_the_recorded_fingerprint() {
    let data = digits::load().unwrap();
    let split = digits::split(data.samples.len(), 0).unwrap();
    let net = digits::train(&data, &split, 0, |_| {}).unwrap();

    let mut hash = Fnv::new();
    let tensors: Vec<Tensor<'_, f32>> = net.tensors().collect();
    for tensor in &tensors {
        tensor.storage.iter().for_each(|&value| hash.write(value));
    }
    for &index in &split.test {
        net.forward(&data.samples[index].0).iter().for_each(|&value| hash.write(value));
    }

    // The batched kernels too: one more epoch through `train_batched`,
    // batches of 32, then a batch forward.
    let mut tuned = net.clone();
    let mut sgd = Sgd::new(0.05).unwrap();
    for chunk in split.train.chunks_exact(32) {
        let inputs: Batch<[f32; 64], 32> = Batch::from_fn(|k| data.samples[chunk[k]].0);
        let targets: Batch<[f32; 10], 32> = Batch::from_fn(|k| data.samples[chunk[k]].1);
        train_batched(&mut tuned, &mut sgd, &inputs, &targets, softmax_cross_entropy).unwrap();
    }
    for tensor in tuned.tensors() {
        tensor.storage.iter().for_each(|&value| hash.write(value));
    }
    let test: Batch<[f32; 64], 32> = Batch::from_fn(|k| data.samples[split.test[k]].0);
    tuned.forward(&test).iter().flatten().for_each(|&value| hash.write(value));
    let found = format!("{:016x}", hash.0);

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/digits_bits.txt");
    if std::env::var_os("CONSTNET_BLESS").is_some() {
        let text = format!(
            "{found}\n\nFNV-1a (64-bit) of the little-endian bits of the digits model's parameters (in\n\
             Model::tensors order) and of its logits on the test split, trained by\n\
             examples/support/digits.rs with seed 0; then of the parameters after one epoch\n\
             of train_batched and of a batch forward (see tests/target_bits.rs). Written by\n\
             CONSTNET_BLESS=1 cargo test --test target_bits; checked by tests/target_bits.rs.\n"
        );
        std::fs::write(path, text).unwrap();
    }
    let recorded = std::fs::read_to_string(path).unwrap();
    let expected = recorded.lines().next().unwrap_or_default();
    assert_eq!(found, expected, "the digits model's bits changed (see tests/target_bits.rs)");
}
