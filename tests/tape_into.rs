//! `forward_tape_into`: a tape written where the caller keeps it gives the
//! bits of the tape returned on the stack — the same output, tape, state
//! updates, gradients and dL/dx — for every kind of layer that holds others
//! (stacks, residual blocks, per-step layers, recurrent and transformer
//! layers, batches) and every kind of tape.

use core::fmt::Debug;

use constnet::layers::{Causal, LearnedPositions};
use constnet::prelude::*;
use constnet::{Backprop, Layer, Mode, Values};

/// Debug text compares bits: it prints the shortest decimal that reads back
/// as the same float, and `-0.0` apart from `0.0`.
fn bits<T: Debug>(value: &T) -> String {
    format!("{value:?}")
}

/// Trains `net` on `x` twice, once with the tape on the stack and once into
/// storage that already holds the tape of another input `before` (so a
/// stale byte left behind would show), and checks that everything agrees.
fn into_matches_on_stack<Net, X, M>(net: &Net, before: &X, x: &X, dy: &Net::Output)
where
    M: Mode,
    Net: Backprop<X, M> + Model + Clone + Debug,
    Net::Output: Debug,
    Net::Tape: Debug,
    X: Debug,
{
    let (mut on_stack, mut into) = (net.clone(), net.clone());
    let mut kept: Net::Tape = Zeroed::ZEROED;
    on_stack.eval_tape(before);
    into.eval_tape_into(before, &mut kept);
    assert_eq!(bits(&on_stack), bits(&into), "the first pass updates the state alike");

    let (y, tape) = on_stack.eval_tape(x);
    let y_into = into.eval_tape_into(x, &mut kept);
    assert_eq!(bits(&y), bits(&y_into), "outputs");
    assert_eq!(bits(&tape), bits(&kept), "tapes");
    assert_eq!(bits(&on_stack), bits(&into), "state after the pass (running statistics, generators)");

    let (mut grads, mut grads_into) = (Net::ZERO, Net::ZERO);
    let dx = on_stack.backprop(&tape, dy, &mut grads);
    let dx_into = into.backprop(&kept, dy, &mut grads_into);
    assert_eq!(bits(&dx), bits(&dx_into), "dL/dx");
    assert_eq!(bits(&grads), bits(&grads_into), "parameter gradients");
}

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// Values in [-1, 1) that differ with `seed` and position, for inputs and
/// output gradients.
fn values<T: Values<Scalar = f32>>(seed: u64) -> T {
    let mut out = T::ZEROS;
    let mut k = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    out.for_each_mut(&mut |v| {
        k = k.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        *v = (k >> 40) as f32 / (1u64 << 23) as f32 - 1.0;
    });
    out
}

fn both_modes<Net, X>(net: &Net, before: &X, x: &X, dy: &<Net as Layer<X>>::Output)
where
    Net: Backprop<X, TrainMode> + Backprop<X, EvalMode> + Model + Clone + Debug,
    <Net as Layer<X>>::Output: Debug,
    <Net as Backprop<X, TrainMode>>::Tape: Debug,
    <Net as Backprop<X, EvalMode>>::Tape: Debug,
    X: Debug,
{
    into_matches_on_stack::<Net, X, TrainMode>(net, before, x, dy);
    into_matches_on_stack::<Net, X, EvalMode>(net, before, x, dy);
}

#[test]
fn dense_stack_with_residual_and_softmax() {
    type Net = (Dense<4, 8>, Tanh, Residual<(Dense<8, 8>, Relu)>, Dense<8, 3>, Softmax);
    let net = Net::init(&mut rng(1));
    both_modes(&net, &values::<[f32; 4]>(2), &values(3), &values(4));
}

#[test]
fn convolution_pooling_and_flatten() {
    type Net = (Conv2d<1, 4, 3, 6, 6>, Relu, MaxPool2d<2, 3, 3>, Flatten<36>, Dense<36, 2>, Sigmoid);
    let net = Net::init(&mut rng(5));
    both_modes(&net, &values::<[[[f32; 8]; 8]; 1]>(6), &values(7), &values(8));
}

#[test]
fn batch_with_batch_norm_and_dropout() {
    type Net = (Dense<3, 4>, BatchNorm1d<4>, Relu, Dropout, Dense<4, 2>);
    let mut net = Net::init(&mut rng(9));
    net.3 = Dropout::new(0.25, 11).unwrap();
    let batch = |seed| Batch::<[f32; 3], 5>(values(seed));
    both_modes(&net, &batch(12), &batch(13), &Batch(values(14)));
}

#[test]
fn recurrent_stacks_and_both_directions() {
    type Stack = (Stacked<(Lstm<3, 4>, Lstm<4, 4>)>, PerStep<(Dense<4, 2>,)>, MeanOverSteps);
    let net = Stack::init(&mut rng(15));
    let steps = |seed| Sequence::<[f32; 3], 5>(values(seed));
    both_modes(&net, &steps(16), &steps(17), &values(18));

    type Both = (Bidirectional<Gru<3, 4>, 8>, LastStep, Dense<8, 2>);
    let net = Both::init(&mut rng(19));
    both_modes(&net, &steps(20), &steps(21), &values(22));
}

#[test]
fn transformer_encoder_on_tokens() {
    type Block = TransformerEncoderLayer<8, 2, 16, f32, Gelu, PreNorm, Causal>;
    type Lm = (Embedding<11, 8>, LearnedPositions<6, 8>, Block, PerStep<LayerNorm<8>>, PerStep<Dense<8, 11>>);
    let net = Lm::init(&mut rng(23));
    let tokens = |ids| TokenId::<11>::sequence(ids).unwrap();
    let dy: Sequence<[f32; 11], 6> = Sequence(values(24));
    both_modes(&net, &tokens([1, 2, 3, 4, 5, 6]), &tokens([10, 0, 7, 7, 2, 9]), &dy);
}

#[test]
fn transformer_decoder_with_memory() {
    let net: TransformerDecoderLayer<8, 2, 16> = Model::init(&mut rng(25));
    let pair = |seed| (Sequence::<[f32; 8], 4>(values(seed)), Sequence::<[f32; 8], 5>(values(seed + 1)));
    both_modes(&net, &pair(26), &pair(28), &Sequence(values(30)));

    let pre: TransformerDecoderLayer<8, 2, 16, f32, Gelu, PreNorm> = Model::init(&mut rng(31));
    both_modes(&pre, &pair(32), &pair(34), &Sequence(values(36)));
}

/// `Forward`'s entry points keep the tape in a `static`, the way a large
/// model or a firmware image does, and train to the bits of the stack.
#[test]
fn forward_tape_into_a_static_trains_to_the_same_model() {
    use std::sync::Mutex;

    type Net = (Dense<4, 8>, Tanh, Dense<8, 3>);
    static TAPE: Mutex<TapeOf<Net, [f32; 4]>> = Mutex::new(Zeroed::ZEROED);
    static EVAL_TAPE: Mutex<TapeOf<Net, [f32; 4], EvalMode>> = Mutex::new(Zeroed::ZEROED);

    let start = Net::init(&mut rng(37));
    let (mut on_stack, mut into) = (start.clone(), start);
    let mut sgd = (Sgd::new(0.1).unwrap(), Sgd::new(0.1).unwrap());
    for step in 0..20 {
        let x: [f32; 4] = values(100 + step);
        let target = [1.0, 0.0, 0.0];
        let (mut grads, mut grads_into) = (Grads::<Net>::zeroed(), Grads::<Net>::zeroed());

        let (y, tape) = on_stack.forward_tape(&x);
        on_stack.backward_params(&tape, &mse(&y, &target).1, &mut grads);
        let mut kept = TAPE.lock().unwrap();
        let y_into = into.forward_tape_into(&x, &mut kept);
        into.backward_params(&kept, &mse(&y_into, &target).1, &mut grads_into);
        assert_eq!(bits(&grads), bits(&grads_into));

        let (_, eval_tape) = on_stack.forward_tape_eval(&x);
        let mut kept_eval = EVAL_TAPE.lock().unwrap();
        into.forward_tape_eval_into(&x, &mut kept_eval);
        assert_eq!(bits(eval_tape.layers()), bits(kept_eval.layers()));

        sgd.0.step(&mut on_stack, &grads);
        sgd.1.step(&mut into, &grads_into);
    }
    assert_eq!(bits(&on_stack), bits(&into));
}
