//! The `xor_train` image: XOR learned on the device itself, from a seeded
//! RNG, with no heap — the recipe of `examples/xor.rs`.
//!
//! The firmware and the host test `tests/firmware_outputs.rs` both compile
//! this file, so the host reproduces the device's training bit for bit.

use constnet::prelude::*;

/// The network: 17 parameters.
pub type Xor = (Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid);

/// The RAM this image allows for the model's parameters, in bytes.
pub const BUDGET: usize = 128;
const _: () = assert!(<Xor as Model>::BYTES <= BUDGET, "the XOR model's parameters do not fit the image's budget");

/// The four cases of the truth table.
pub const DATA: [([f32; 2], [f32; 1]); 4] =
    [([0.0, 0.0], [0.0]), ([0.0, 1.0], [1.0]), ([1.0, 0.0], [1.0]), ([1.0, 1.0], [0.0])];

/// Full-batch gradient descent steps.
pub const EPOCHS: usize = 2000;

/// Trains the network from seed 7 (Xavier-uniform weights drawn from
/// `Xoshiro256PlusPlus`), with SGD at learning rate 0.5 on the mean squared
/// error, one full batch per step. Returns the model and the last epoch's
/// mean loss, or `None` if training stopped on a non-finite loss.
pub fn train() -> Option<(Xor, f32)> {
    let mut net = Xor::init(&mut Xoshiro256PlusPlus::seed_from_u64(7));
    let mut sgd = Sgd::new(0.5).ok()?;
    let mut loss = f32::NAN;
    for _ in 0..EPOCHS {
        loss = train_epoch(&mut net, &mut sgd, &DATA, DATA.len(), mse).ok()?;
    }
    Some((net, loss))
}

/// One inference: the probability that `x` is a true case of XOR.
#[inline(never)]
pub fn infer(net: &Xor, x: &[f32; 2]) -> f32 {
    let [p] = net.forward(x);
    p
}
