//! RNN, LSTM and GRU — one layer, stacked and bidirectional — against
//! PyTorch (`layers_seed0.json`, `sequence_seed0.json`, float64, 1e-12):
//! every output, the final states, dL/dx for every step, dL/d(initial
//! state) and every parameter gradient; and the same in f32 within 1e-5
//! (normwise). Parameters are loaded, and gradients read, by PyTorch's
//! `state_dict` names through the tensor views.
//!
//! The reference gradients are of L = Σ output·dY + Σ h_n·dY_h_n (+ Σ
//! c_n·dY_c_n), summed over the batch, which is what `backward` with those
//! upstream gradients accumulates, sequence by sequence.

use constnet::layers::{Cell, LstmState, Recurrent};
use constnet::prelude::*;
use constnet::{PerSample, Values};
use serde_json::Value;

mod support;
use support::{assert_close, assert_close_to, flat, tensor, values};

static LAYERS: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/layers_seed0.json"));
static SEQUENCE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sequence_seed0.json"));

/// The JSON tensor `v`'s sub-tensor at `index` along its outer axis.
fn at(v: &Value, index: usize) -> &Value {
    &v.as_array().expect("a list")[index]
}

/// The state values of sequence `n` in the order of `Values` for the
/// layer's state: for each layer or direction `k` (PyTorch's order of
/// `h_n`), `h[k][n]` and then, for an LSTM, `c[k][n]`.
fn state_values(h: &Value, c: Option<&Value>, n: usize) -> Vec<f64> {
    let layers = h.as_array().expect("a list").len();
    (0..layers).flat_map(|k| [Some(h), c].into_iter().flatten().flat_map(move |v| flat(at(at(v, k), n)))).collect()
}

/// Loads every parameter of `layer` from the case by its PyTorch name.
fn load<F: Float, M: Model<F>>(layer: &mut M, c: &Value, cast: impl Fn(f64) -> F) {
    for mut t in layer.tensors_mut() {
        let values: Vec<F> = flat(&c["params"][t.name]).into_iter().map(&cast).collect();
        assert_eq!(values.len(), t.shape.len(), "{}: the shape of {}", c["name"], t.name);
        t.read_pytorch(&values).unwrap();
    }
}

/// Every gradient of `grads` by PyTorch name, in PyTorch's layout.
fn gradient_values<F: Float, M: Model<F>>(grads: &M) -> Vec<(&'static str, Vec<F>)> {
    grads
        .tensors()
        .map(|t| {
            let mut out = vec![F::zero(); t.shape.len()];
            t.write_pytorch(&mut out).unwrap();
            (t.name, out)
        })
        .collect()
}

/// What one run of a case computes, flattened in the reference's order.
struct Run {
    output: Vec<f64>,
    last_state: Vec<f64>,
    dx: Vec<f64>,
    d_first_state: Vec<f64>,
    grads: Vec<(&'static str, Vec<f64>)>,
}

/// Runs `R` on every sequence of the case's batch from its initial state
/// (the case's `h0`/`c0`, or zero), back-propagating the case's upstream
/// gradients; `F` is the float type, the values are returned as f64.
fn run<F, R, const I: usize, const T: usize>(c: &Value, lstm_like: bool) -> Run
where
    F: Float,
    R: Recurrent<Scalar = F, Input = [F; I]> + Model<F>,
{
    let cast = |v: f64| F::from_f64(v);
    let mut layer = R::ZERO;
    load(&mut layer, c, cast);
    let batch = at(&c["inputs"]["x"], 0).as_array().map(|_| c["inputs"]["x"].as_array().unwrap().len()).unwrap();
    let c_key = |section: &str, key: &str| lstm_like.then(|| &c[section][key]);
    let mut grads = R::ZERO;
    let mut run = Run { output: vec![], last_state: vec![], dx: vec![], d_first_state: vec![], grads: vec![] };
    for n in 0..batch {
        let steps: Vec<F> = flat(at(&c["inputs"]["x"], n)).into_iter().map(cast).collect();
        let x = Sequence::<[F; I], T>::from_slice(&steps).unwrap();
        let first = match c["inputs"].get("h0") {
            Some(h0) => state_values(h0, c_key("inputs", "c0"), n),
            None => vec![0.0; R::State::LEN],
        };
        let first = R::State::from_slice(&first.into_iter().map(cast).collect::<Vec<_>>()).unwrap();
        let (y, tape) = layer.forward_tape(&(x, first));
        assert_eq!(values(&y.0), values(&layer.forward(&(x, first)).0), "training and inference agree");
        run.output.extend(values(&y.0).iter().map(|v| v.as_f64()));
        run.last_state.extend(values(&y.1).iter().map(|v| v.as_f64()));

        let dy = flat(at(&c["upstream"]["doutput"], n)).into_iter().map(cast).collect::<Vec<_>>();
        let dy = Sequence::<R::Output, T>::from_slice(&dy).unwrap();
        let d_last = state_values(&c["upstream"]["dh_n"], c_key("upstream", "dc_n"), n);
        let d_last = R::State::from_slice(&d_last.into_iter().map(cast).collect::<Vec<_>>()).unwrap();
        let (dx, d_first) = layer.backward(&tape, &(dy, d_last), &mut grads);
        run.dx.extend(values(&dx).iter().map(|v| v.as_f64()));
        run.d_first_state.extend(values(&d_first).iter().map(|v| v.as_f64()));
    }
    run.grads =
        gradient_values(&grads).into_iter().map(|(name, g)| (name, g.iter().map(|v| v.as_f64()).collect())).collect();
    run
}

/// The reference's values for the same quantities.
fn expected(c: &Value, lstm_like: bool) -> Run {
    let batch = c["inputs"]["x"].as_array().unwrap().len();
    let final_c = lstm_like.then(|| &c["outputs"]["c_n"]);
    let last_state = (0..batch).flat_map(|n| state_values(&c["outputs"]["h_n"], final_c, n)).collect();
    let d_first_state = match c["grads"].get("h0") {
        Some(h0) => (0..batch).flat_map(|n| state_values(h0, lstm_like.then(|| &c["grads"]["c0"]), n)).collect(),
        None => vec![],
    };
    let grads =
        c["params"].as_object().unwrap().keys().map(|name| (static_name(name), flat(&c["grads"][name]))).collect();
    Run { output: flat(&c["outputs"]["output"]), last_state, dx: flat(&c["grads"]["x"]), d_first_state, grads }
}

/// A parameter name as `'static` (the tensor views' names are).
fn static_name(name: &str) -> &'static str {
    Box::leak(name.to_string().into_boxed_str())
}

fn compare(name: &str, got: &Run, want: &Run, check: impl Fn(&str, &[f64], &[f64])) {
    check(&format!("{name} output"), &got.output, &want.output);
    check(&format!("{name} final state"), &got.last_state, &want.last_state);
    check(&format!("{name} dx"), &got.dx, &want.dx);
    if !want.d_first_state.is_empty() {
        check(&format!("{name} d(initial state)"), &got.d_first_state, &want.d_first_state);
    }
    let mut got_grads = got.grads.clone();
    got_grads.sort_by_key(|(n, _)| *n);
    let mut want_grads = want.grads.clone();
    want_grads.sort_by_key(|(n, _)| *n);
    assert_eq!(
        got_grads.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        want_grads.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        "{name}: parameter names"
    );
    for ((n, g), (_, w)) in got_grads.iter().zip(&want_grads) {
        check(&format!("{name} d{n}"), g, w);
    }
}

/// f32 within 1e-5 of the tensor's scale (normwise): the criterion of
/// `tests/reference_vectors.rs`, since a small value in f32 is the
/// difference of larger ones and carries their rounding.
fn normwise(what: &str, got: &[f64], want: &[f64]) {
    let scale = want.iter().fold(1e-3_f64, |m, w| m.max(w.abs()));
    assert_close_to(
        what,
        &got.iter().map(|g| g / scale).collect::<Vec<_>>(),
        &want.iter().map(|w| w / scale).collect::<Vec<_>>(),
        1e-5,
    );
}

/// Checks case `name` of `file` in f64 (1e-12) and in f32 (1e-5 normwise).
fn check<R64, R32, const I: usize, const T: usize>(file: &str, name: &str, lstm_like: bool)
where
    R64: Recurrent<Scalar = f64, Input = [f64; I]> + Model<f64>,
    R32: Recurrent<Scalar = f32, Input = [f32; I]> + Model<f32>,
{
    let c = support::case(file, name);
    let want = expected(&c, lstm_like);
    compare(name, &run::<f64, R64, I, T>(&c, lstm_like), &want, assert_close);
    compare(&format!("{name} (f32)"), &run::<f32, R32, I, T>(&c, lstm_like), &want, normwise);
}

#[test]
fn rnn_matches_pytorch() {
    check::<Rnn<3, 4, f64>, Rnn<3, 4>, 3, 5>(LAYERS, "rnn_zero_state", false);
    check::<Rnn<3, 4, f64>, Rnn<3, 4>, 3, 5>(LAYERS, "rnn_given_h0", false);
}

#[test]
fn lstm_matches_pytorch() {
    check::<Lstm<3, 4, f64>, Lstm<3, 4>, 3, 5>(LAYERS, "lstm_zero_state", true);
    check::<Lstm<3, 4, f64>, Lstm<3, 4>, 3, 5>(LAYERS, "lstm_given_h0_c0", true);
}

#[test]
fn gru_matches_pytorch() {
    check::<Gru<3, 4, f64>, Gru<3, 4>, 3, 5>(LAYERS, "gru_zero_state", false);
    check::<Gru<3, 4, f64>, Gru<3, 4>, 3, 5>(LAYERS, "gru_given_h0", false);
}

#[test]
fn stacked_layers_match_pytorch() {
    type Lstm2<F> = Stacked<(Lstm<3, 4, F>, Lstm<4, 4, F>)>;
    type Gru2<F> = Stacked<(Gru<3, 4, F>, Gru<4, 4, F>)>;
    check::<Lstm2<f64>, Lstm2<f32>, 3, 5>(SEQUENCE, "lstm_2layer", true);
    check::<Gru2<f64>, Gru2<f32>, 3, 5>(SEQUENCE, "gru_2layer", false);
}

#[test]
fn bidirectional_layers_match_pytorch() {
    type BiLstm<F> = Bidirectional<Lstm<3, 4, F>, 8>;
    type BiGru<F> = Bidirectional<Gru<3, 4, F>, 8>;
    check::<BiLstm<f64>, BiLstm<f32>, 3, 5>(SEQUENCE, "lstm_1layer_bidirectional", true);
    check::<BiGru<f64>, BiGru<f32>, 3, 5>(SEQUENCE, "gru_1layer_bidirectional", false);
}

/// From the zero state, the plain sequence input gives the same outputs,
/// and its backward pass (no gradient on the final state) the reference's
/// `grads_output_only`.
#[test]
fn zero_state_sequences_match_the_output_only_gradients() {
    fn one<R, const I: usize>(name: &str)
    where
        R: Recurrent<Scalar = f64, Input = [f64; I], Output = [f64; 4]> + Model<f64> + PerSample,
    {
        let c = support::case(LAYERS, name);
        let mut layer = R::ZERO;
        load(&mut layer, &c, |v| v);
        let x: Batch<Sequence<[f64; I], 5>, 2> = tensor(&c["inputs"]["x"]);
        let dy: Batch<Sequence<[f64; 4], 5>, 2> = tensor(&c["upstream"]["doutput"]);
        let (y, tape) = layer.forward_tape(&x);
        assert_close(&format!("{name} output"), &values(&y), &flat(&c["outputs"]["output"]));
        let mut grads = R::ZERO;
        let dx = layer.backward(&tape, &dy, &mut grads);
        let want = &c["grads_output_only"];
        assert_close(&format!("{name} dx"), &values(&dx), &flat(&want["x"]));
        for (n, g) in gradient_values(&grads) {
            assert_close(&format!("{name} d{n}"), &g, &flat(&want[n]));
        }
    }
    one::<Rnn<3, 4, f64>, 3>("rnn_zero_state");
    one::<Lstm<3, 4, f64>, 3>("lstm_zero_state");
    one::<Gru<3, 4, f64>, 3>("gru_zero_state");
}

/// Streaming: stepping through a sequence with a caller-held state gives
/// exactly the bits of the whole-sequence pass, outputs and final state,
/// for every cell and a stack of them, and NaN propagates without a panic.
#[test]
fn stepping_gives_the_whole_sequence_bits() {
    fn one<C: Cell>(cell: &C, x: &Sequence<<C as Cell>::Input, 7>, first: <C as Cell>::State) {
        let (whole, last) = cell.run(x, &first);
        let mut state = first;
        for (t, step) in x.iter().enumerate() {
            let y = cell.step(&mut state, step);
            assert_eq!(values(&y).iter().map(|v| v.to_bits_u64()).collect::<Vec<_>>(), bits(&whole[t]), "step {t}");
        }
        assert_eq!(bits(&state), bits(&last));
    }
    fn bits<V: Values>(v: &V) -> Vec<u64> {
        values(v).iter().map(|x| x.to_bits_u64()).collect()
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(17);
    let x: Sequence<[f32; 5], 7> =
        Sequence::from_fn(|t| core::array::from_fn(|i| ((t * 5 + i) % 9) as f32 / 4.0 - 1.0));
    one(&Lstm::<5, 6>::init(&mut rng), &x, LstmState::new([0.25; 6], [-0.5; 6]));
    one(&Gru::<5, 6>::init(&mut rng), &x, [0.1; 6]);
    one(&Rnn::<5, 6>::init(&mut rng), &x, [0.0; 6]);
    one(&Rnn::<5, 6, f32, Relu>::init(&mut rng), &x, [0.3; 6]);

    let stack = Stacked::new((Lstm::<5, 6>::init(&mut rng), Gru::<6, 3>::init(&mut rng)));
    let first = (LstmState::default(), [0.5; 3]);
    let (whole, last) = stack.forward(&(x, first));
    let mut state = first;
    for (t, step) in x.iter().enumerate() {
        assert_eq!(stack.step(&mut state, step).map(f32::to_bits), whole[t].map(f32::to_bits));
    }
    assert_eq!(state, last);

    // NaN and infinities propagate as IEEE values, without a panic.
    let lstm = Lstm::<5, 6>::init(&mut rng);
    let mut state = LstmState::default();
    let y = lstm.step(&mut state, &[f32::NAN, 0.0, 1.0, f32::INFINITY, -1.0]);
    assert!(y.iter().all(|v| v.is_nan()));
    let poisoned = lstm.forward(&Sequence::new([[0.0, f32::NAN, 0.0, 0.0, 0.0]; 3]));
    assert!(poisoned.iter().flatten().all(|v| v.is_nan()));
}

/// PyTorch's `clip_grad_norm_` on four tensors (a 3-4-2 MLP's gradients):
/// the total norm, and the gradients after clipping at max_norm 1 (scaled)
/// and at 100 (unchanged).
#[test]
fn clip_grad_norm_matches_pytorch() {
    use constnet::optim::{Clip, Clipped, clip_grad_norm};
    let c = support::case(SEQUENCE, "clip_grad_norm");
    let tensors = |section: &str, prefix: &str| -> Vec<f64> {
        (0..4).flat_map(|k| flat(&c[section][format!("{prefix}{k}")])).collect()
    };
    type Mlp = (Dense<3, 4, f64>, Dense<4, 2, f64>);
    for (which, max_norm) in [("clipped", 1.0), ("unclipped", 100.0)] {
        assert_eq!(c["outputs"][format!("{which}_max_norm")].as_f64(), Some(max_norm));
        let mut grads = Mlp::zeroed();
        grads.read_parameters(&tensors("inputs", "grad")).unwrap();
        let total = clip_grad_norm(&mut grads, max_norm);
        let want = c["outputs"][format!("{which}_total_norm")].as_f64().unwrap();
        assert_close(&format!("{which} total norm"), &[total], &[want]);
        let mut clipped = vec![0.0; <Mlp as Model<f64>>::PARAMS];
        grads.write_parameters(&mut clipped).unwrap();
        assert_close(&format!("{which} gradients"), &clipped, &tensors("outputs", &format!("{which}_grad")));
    }

    // Through an optimiser: `Clipped` clips the helpers' averaged gradients
    // before the step, so SGD moves by exactly the clipped gradient.
    type Net = (Dense<1, 1, f64>, Identity);
    let mut net: Net = (Dense::from_weights([[0.0]], [0.0]), Identity);
    let mut sgd = Clipped::new(Sgd::new(1.0).unwrap(), Clip::Norm(0.5)).unwrap();
    train_batch(&mut net, &mut sgd, &[([3.0], [4.0])], mse).unwrap();
    // dL/dw = 2·(0 − 4)·3 = −24, dL/db = −8: norm √640, scaled to 0.5.
    let scale = 0.5 / (640.0_f64.sqrt() + 1e-6);
    assert!((net.0.weight()[0][0] - 24.0 * scale).abs() < 1e-12 && (net.0.bias()[0] - 8.0 * scale).abs() < 1e-12);
    assert!((sgd.last_norm() - 640.0_f64.sqrt()).abs() < 1e-12);
    assert!(Clipped::new(Sgd::new(1.0).unwrap(), Clip::Value(f64::NAN)).is_err());
}
