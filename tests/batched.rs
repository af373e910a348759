//! A batch `[[F; N]; B]` through a whole stack gives exactly (bit for bit)
//! what running its samples one at a time gives, for stacks without
//! batch-coupled layers: outputs, input gradients, parameter gradients and
//! training steps.

use constnet::prelude::*;

type Mixed = (Dense<5, 8>, Tanh, Dense<8, 6>, LeakyRelu, Dense<6, 6>, Relu, Dense<6, 4>, Sigmoid, Softmax);
const B: usize = 7;

fn batch(seed: u64) -> [[f32; 5]; B] {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let noise = Dense::<5, B>::init_with(Init::HeNormal, &mut rng).weight();
    core::array::from_fn(|b| core::array::from_fn(|i| 3.0 * noise[b][i]))
}

fn bits<const N: usize>(rows: &[[f32; N]]) -> Vec<u32> {
    rows.iter().flatten().map(|v| v.to_bits()).collect()
}

fn param_bits(m: &Mixed) -> Vec<u32> {
    m.tensors().flat_map(|t| t.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>()).collect()
}

#[test]
fn batched_forward_equals_per_sample_forward() {
    let net = Mixed::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
    let x = batch(2);
    let batched = net.forward(&x);
    let single: Vec<[f32; 4]> = x.iter().map(|row| net.forward(row)).collect();
    assert_eq!(bits(&batched), bits(&single));
}

#[test]
fn batched_backward_equals_per_sample_accumulation() {
    let mut net = Mixed::init(&mut Xoshiro256PlusPlus::seed_from_u64(3));
    let x = batch(4);
    let dy: [[f32; 4]; B] = core::array::from_fn(|b| core::array::from_fn(|k| (b * 4 + k) as f32 / 10.0 - 1.0));

    let mut batched_grads = Grads::<Mixed>::zeroed();
    let (_, tape) = net.forward_tape(&x);
    let batched_dx = net.backward(&tape, &dy, &mut batched_grads);

    let mut single_grads = Grads::<Mixed>::zeroed();
    let mut single_dx = Vec::new();
    for (row, d) in x.iter().zip(&dy) {
        let (_, tape) = net.forward_tape(row);
        single_dx.push(net.backward(&tape, d, &mut single_grads));
    }
    assert_eq!(bits(&batched_dx), bits(&single_dx));
    assert_eq!(param_bits(&batched_grads), param_bits(&single_grads));
}

#[test]
fn batched_training_equals_per_sample_training() {
    let start = Mixed::init(&mut Xoshiro256PlusPlus::seed_from_u64(5));
    let x = batch(6);
    let targets: [[f32; 4]; B] = core::array::from_fn(|b| one_hot(b % 4).unwrap());
    let pairs: Vec<([f32; 5], [f32; 4])> = x.iter().copied().zip(targets).collect();

    let (mut batched, mut single) = (start.clone(), start);
    let (mut sgd_a, mut sgd_b) = (Sgd::new(0.3).unwrap(), Sgd::new(0.3).unwrap());
    for _ in 0..5 {
        let a = train_batched(&mut batched, &mut sgd_a, &x, &targets, mse).unwrap();
        let b = train_batch(&mut single, &mut sgd_b, &pairs, mse).unwrap();
        assert_eq!(a.to_bits(), b.to_bits());
    }
    assert_eq!(param_bits(&batched), param_bits(&single));
}
