//! Finite-difference gradient checks, in `f64`, for the recurrent layers
//! (RNN with tanh and ReLU, LSTM, GRU; stacked and bidirectional; from the
//! zero state and from a given one, so dL/d(initial state) is checked
//! too), the sequence adapters (LastStep, MeanOverSteps, PerStep), the
//! element-wise layers on sequences, a batch of sequences, and the digits
//! sequence classifier end to end (method and criterion:
//! `tests/support/gradients.rs`).

use constnet::layers::LstmState;
use constnet::prelude::*;

mod support;
use support::gradients::{Draw, always, check_gradients, init};

/// Both inputs of a recurrent layer: the sequence alone, and the sequence
/// with an initial state (the state's gradient is checked as an input).
#[test]
fn cells_from_the_zero_state_and_from_a_given_one() {
    let mut draw = Draw(11);
    let x: Sequence<[f64; 3], 4> = draw.fill(Sequence([[0.0; 3]; 4]));
    let dy: Sequence<[f64; 5], 4> = draw.fill(Sequence([[0.0; 5]; 4]));

    let lstm: Lstm<3, 5, f64> = init(1);
    assert_eq!(check_gradients("lstm", &lstm, &x, &dy, always), 12 + 4 * 5 * 8 + 2 * 20);
    let state = draw.fill(LstmState::<5, f64>::default());
    let d_state = draw.fill(LstmState::<5, f64>::default());
    check_gradients("lstm given (h0, c0)", &lstm, &(x, state), &(dy, d_state), always);

    let gru: Gru<3, 5, f64> = init(2);
    check_gradients("gru", &gru, &x, &dy, always);
    check_gradients("gru given h0", &gru, &(x, draw.fill([0.0; 5])), &(dy, draw.fill([0.0; 5])), always);

    let rnn: Rnn<3, 5, f64> = init(3);
    check_gradients("rnn tanh", &rnn, &x, &dy, always);
    check_gradients("rnn tanh given h0", &rnn, &(x, draw.fill([0.0; 5])), &(dy, draw.fill([0.0; 5])), always);

    // ReLU is piecewise linear: an input probe whose stencil switches a
    // unit on or off is skipped.
    let relu: Rnn<3, 5, f64, Relu> = init(4);
    let active = |a: &Sequence<[f64; 3], 4>| relu.forward(a).map(|h| h.map(|v| v > 0.0));
    check_gradients("rnn relu", &relu, &x, &dy, |a, b| active(a) == active(b));
}

#[test]
fn stacked_and_bidirectional_layers() {
    let mut draw = Draw(12);
    let x: Sequence<[f64; 2], 4> = draw.fill(Sequence([[0.0; 2]; 4]));

    let stack: Stacked<(Lstm<2, 3, f64>, Gru<3, 4, f64>)> = init(5);
    let dy = draw.fill(Sequence([[0.0; 4]; 4]));
    let state = draw.fill((LstmState::<3, f64>::default(), [0.0; 4]));
    let d_state = draw.fill((LstmState::<3, f64>::default(), [0.0; 4]));
    check_gradients("stacked lstm → gru, given states", &stack, &(x, state), &(dy, d_state), always);

    let bidirectional: Bidirectional<Lstm<2, 3, f64>, 6> = init(6);
    let dy = draw.fill(Sequence([[0.0; 6]; 4]));
    check_gradients("bidirectional lstm", &bidirectional, &x, &dy, always);
    let state = draw.fill((LstmState::<3, f64>::default(), LstmState::default()));
    let d_state = draw.fill((LstmState::<3, f64>::default(), LstmState::default()));
    check_gradients("bidirectional lstm, given states", &bidirectional, &(x, state), &(dy, d_state), always);

    type DeepGru = Stacked<(Bidirectional<Gru<2, 3, f64>, 6>, Bidirectional<Gru<6, 2, f64>, 4>)>;
    let deep: DeepGru = init(7);
    let dy = draw.fill(Sequence([[0.0; 4]; 4]));
    check_gradients("stacked bidirectional gru", &deep, &x, &dy, always);
}

#[test]
fn sequence_adapters_and_element_wise_layers_on_sequences() {
    let mut draw = Draw(13);
    let x: Sequence<[f64; 3], 5> = draw.fill(Sequence([[0.0; 3]; 5]));
    assert_eq!(check_gradients("last step", &LastStep, &x, &draw.fill([0.0; 3]), always), 15);
    check_gradients("mean over steps", &MeanOverSteps, &x, &draw.fill([0.0; 3]), always);
    let per_step: PerStep<(Dense<3, 2, f64>, Tanh)> = init(8);
    check_gradients("per-step dense", &per_step, &x, &draw.fill(Sequence([[0.0; 2]; 5])), always);
    let per_step_norm = PerStep::new(LayerNorm::<3, f64>::default());
    check_gradients("per-step layer norm", &per_step_norm, &x, &draw.fill(Sequence([[0.0; 3]; 5])), always);
    check_gradients("sigmoid on a sequence", &Sigmoid, &x, &draw.fill(Sequence([[0.0; 3]; 5])), always);

    // A batch of sequences through a recurrent classifier: per-sequence
    // gradients summed.
    type Net = (Gru<3, 4, f64>, MeanOverSteps, Dense<4, 2, f64>);
    let net: Net = init(9);
    let xs: Batch<Sequence<[f64; 3], 5>, 2> = draw.fill(Batch([Sequence([[0.0; 3]; 5]); 2]));
    check_gradients("batch of sequences", &net, &xs, &draw.fill(Batch([[0.0; 2]; 2])), always);
}

/// The demonstration's model, on one 8-row digit: every gradient.
#[test]
fn the_sequence_digits_classifier_end_to_end() {
    type Net = (Lstm<8, 6, f64>, LastStep, Dense<6, 10, f64>);
    let net: Net = init(10);
    let mut draw = Draw(14);
    let rows: Sequence<[f64; 8], 8> = Sequence::from_fn(|r| core::array::from_fn(|c| ((r * 8 + c) % 17) as f64 / 16.0));
    check_gradients("lstm digits", &net, &rows, &draw.fill([0.0; 10]), always);
}
