//! Facts about models that the compiler checks: parameter counts, byte
//! sizes, and that models are plain data that fits in a `static`.

use constnet::prelude::*;
use constnet::{Backprop, Layer, Tape};
use static_assertions::{assert_eq_size, assert_impl_all, assert_not_impl_any, const_assert_eq};

type Xor = (Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid);
type Digits = (Dense<64, 32>, Tanh, Dense<32, 10>);
type Digits64 = (Dense<64, 32, f64>, Tanh, Dense<32, 10, f64>);

// Parameter counts and sizes are associated consts.
const_assert_eq!(<Xor as Model>::PARAMS, 17);
const_assert_eq!(<Xor as Model>::BYTES, 68);
const_assert_eq!(<Digits as Model>::PARAMS, 64 * 32 + 32 + 32 * 10 + 10);
const_assert_eq!(<Digits64 as Model<f64>>::BYTES, 2410 * 8);

// A model is its parameters: activations are zero-sized and nothing is
// boxed. On this host (x86-64 or AArch64) each `Dense` is aligned to 64
// bytes, so its size is rounded up to a multiple of 64; on a
// microcontroller it is exactly its parameters.
const_assert_eq!(core::mem::align_of::<Dense<2, 4>>(), 64);
assert_eq_size!(Xor, [u8; 64 + 64]); // 12 and 5 parameters
assert_eq_size!(Digits, [u8; 8320 + 1344]); // 2080 parameters (8320 bytes) and 330 (1320)
assert_eq_size!(Tanh, ());
assert_eq_size!((Relu, Sigmoid, Softmax, Identity), ());

// The training tape's size is known at compile time too: the XOR tape holds
// the two Dense inputs (2 + 4) and the two activation outputs (4 + 1).
assert_eq_size!(Tape<[f32; 2], TrainMode, <Xor as Backprop<[f32; 2]>>::Tape>, [f32; 11]);

// A batch is its own type, laid out exactly as its samples: no header, no
// padding. A plain array is one sample, never a batch.
assert_eq_size!(Batch<[f32; 5], 7>, [[f32; 5]; 7]);
assert_impl_all!(Dense<4, 2>: Layer<[f32; 4]>, Layer<Batch<[f32; 4], 3>>);
assert_not_impl_any!(Dense<4, 2>: Layer<[[f32; 4]; 3]>);

// Batch normalisation trains on a batch (of vectors or of feature maps);
// a single sample only in evaluation mode. A Conv1d's output, one sample
// of 4 channels, is never mistaken for a batch of 4.
type Bn = BatchNorm1d<4>;
assert_impl_all!(Bn: Backprop<Batch<[f32; 4], 2>>, Backprop<Batch<[[f32; 5]; 4], 2>>, Backprop<[f32; 4], EvalMode>);
assert_not_impl_any!(Bn: Backprop<[f32; 4]>, Backprop<[[f32; 4]; 4]>, Backprop<[[f32; 5]; 4], TrainMode>);
assert_impl_all!(Bn: Layer<[[f32; 5]; 4]>, Backprop<[[f32; 5]; 4], EvalMode>);

// Models are plain data: thread-safe, cloneable, comparable, and not Copy
// (so a large model is never copied by accident).
assert_impl_all!(Xor: Send, Sync, Clone, PartialEq, core::fmt::Debug);
assert_not_impl_any!(Dense<2, 2>: Copy);

// A model is built by `const fn`s, so it can live in a `static` (flash on a
// microcontroller) and its budget can be checked before anything runs.
static NAND: (Dense<2, 1>, Step) = (Dense::from_weights([[-2.0, -2.0]], [3.0]), Step::new(0.0));
const FLASH_BUDGET: usize = 16 * 1024;
const _: () = assert!(<Digits as Model>::BYTES <= FLASH_BUDGET);

#[test]
fn a_static_model_runs() {
    assert_eq!(NAND.forward(&[1.0, 1.0]), [0.0]);
    assert_eq!(NAND.forward(&[0.0, 1.0]), [1.0]);
}

#[test]
fn tensor_views_cover_every_parameter_once() {
    let net = Digits::init(&mut Xoshiro256PlusPlus::seed_from_u64(0));
    let names: Vec<_> = net.tensors().map(|t| (t.name, t.storage.len())).collect();
    assert_eq!(names, [("weight", 2048), ("bias", 32), ("weight", 320), ("bias", 10)]);
    assert_eq!(names.iter().map(|(_, n)| n).sum::<usize>(), <Digits as Model>::PARAMS);
}
