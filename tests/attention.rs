//! Multi-head attention and scaled dot-product attention against PyTorch
//! (`layers_seed0.json`: `mha_self_nomask`, `mha_self_causal`,
//! `sdpa_single_head`; float64 within 1e-12, float32 within 1e-5), finite
//! differences (method and criterion: `tests/support/gradients.rs`), the
//! state-dict names, batches and export as Rust source. Cross-attention
//! and key padding have no PyTorch case of their own here: they are tested
//! by construction (cross-attention of a sequence to itself is
//! self-attention; padding to `L` steps is a sequence of `L` steps), by
//! finite differences and batch against per-sample bits.
//!
//! The reference gradients are of L = Σ y·dY summed over the batch of two
//! sequences, which is what `backward` on the batch accumulates.

use constnet::layers::{AttentionMask, Causal, NoMask, Padded, sdpa_backward, sdpa_forward};
use constnet::prelude::*;
use constnet::{PerSample, Values};
use serde_json::Value;

mod support;
use support::gradients::{Draw, always, check_gradients, init};
use support::{assert_close, assert_close_to, case, flat, values};

static LAYERS: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/layers_seed0.json"));

type Mha<F, Mk> = MultiHeadAttention<8, 2, F, Mk>;
type Input<F> = Batch<Sequence<[F; 8], 4>, 2>;

/// A JSON tensor cast to `F`, as a value of type `X`.
fn cast<F: Float, X: Values<Scalar = F>>(v: &Value) -> X {
    let values: Vec<F> = flat(v).into_iter().map(F::from_f64).collect();
    X::from_slice(&values).expect("the tensor's size")
}

fn as_f64<X: Values>(x: &X) -> Vec<f64> {
    values(x).into_iter().map(|v| v.as_f64()).collect()
}

/// What a run of an MHA case gives, as f64: output, dX, the per-head
/// attention weights and every parameter gradient by PyTorch name.
struct Run {
    y: Vec<f64>,
    dx: Vec<f64>,
    weights: Vec<f64>,
    grads: Vec<(&'static str, Vec<f64>)>,
}

fn run_mha<F: Float, Mk: AttentionMask>(c: &Value) -> Run {
    let mut mha = Mha::<F, Mk>::ZERO;
    for mut t in mha.tensors_mut() {
        let values: Vec<F> = flat(&c["params"][t.name]).into_iter().map(F::from_f64).collect();
        t.read_pytorch(&values).unwrap();
    }
    let x: Input<F> = cast(&c["inputs"]["x"]);
    let dy: Input<F> = cast(&c["upstream"]["dy"]);
    let (y, tape) = mha.forward_tape(&x);
    assert_eq!(values(&y), values(&mha.forward(&x)), "training and inference agree");
    let mut grads = Mha::<F, Mk>::zeroed();
    let dx = mha.backward(&tape, &dy, &mut grads);
    // [batch][head][query][key], from each sequence's tape.
    let sequences: &[_; 2] = tape.layers();
    let weights = sequences
        .iter()
        .flat_map(|t| (0..2).flat_map(move |h| t.weights(h).unwrap().as_flattened().iter().map(|v| v.as_f64())))
        .collect();
    let grads = grads
        .tensors()
        .map(|t| {
            let mut out = vec![F::zero(); t.shape.len()];
            t.write_pytorch(&mut out).unwrap();
            (t.name, out.into_iter().map(|v| v.as_f64()).collect())
        })
        .collect();
    Run { y: as_f64(&y), dx: as_f64(&dx), weights, grads }
}

/// `got` against `want` with `compare`, for every quantity of the case.
fn check_mha<F: Float, Mk: AttentionMask>(name: &str, compare: impl Fn(&str, &[f64], &[f64])) {
    let c = case(LAYERS, name);
    let run = run_mha::<F, Mk>(&c);
    compare(&format!("{name} y"), &run.y, &flat(&c["outputs"]["y"]));
    compare(&format!("{name} attention weights"), &run.weights, &flat(&c["intermediates"]["attn_weights_per_head"]));
    compare(&format!("{name} dx"), &run.dx, &flat(&c["grads"]["x"]));
    assert_eq!(run.grads.len(), 4);
    for (param, got) in &run.grads {
        compare(&format!("{name} d{param}"), got, &flat(&c["grads"][*param]));
    }
}

/// float32 against the float64 reference: element-wise within 1e-5,
/// absolute below 1 and relative above (as `assert_close`).
fn close_f32(what: &str, got: &[f64], want: &[f64]) {
    assert_close_to(what, got, want, 1e-5);
}

#[test]
fn mha_self_nomask_matches_pytorch() {
    check_mha::<f64, NoMask>("mha_self_nomask", assert_close);
    check_mha::<f32, NoMask>("mha_self_nomask", close_f32);
}

#[test]
fn mha_self_causal_matches_pytorch() {
    let c = case(LAYERS, "mha_self_causal");
    // The reference's mask is `true` (masked) exactly where the type's is not allowed.
    let mask = c["inputs"]["attn_mask"].as_array().unwrap();
    for (query, row) in mask.iter().enumerate() {
        for (key, masked) in row.as_array().unwrap().iter().enumerate() {
            assert_eq!(masked.as_bool().unwrap(), !Causal::allows(query, key));
        }
    }
    check_mha::<f64, Causal>("mha_self_causal", assert_close);
    check_mha::<f32, Causal>("mha_self_causal", close_f32);
}

fn check_sdpa<F: Float>(compare: impl Fn(&str, &[f64], &[f64])) {
    let c = case(LAYERS, "sdpa_single_head");
    let q: [[[F; 5]; 3]; 2] = cast(&c["inputs"]["q"]);
    let k: [[[F; 5]; 4]; 2] = cast(&c["inputs"]["k"]);
    let v: [[[F; 3]; 4]; 2] = cast(&c["inputs"]["v"]);
    let dy: [[[F; 3]; 3]; 2] = cast(&c["upstream"]["dy"]);
    let (mut y, mut weights, mut dq, mut dk, mut dv) = (vec![], vec![], vec![], vec![], vec![]);
    for n in 0..2 {
        let (out, p) = sdpa_forward(&q[n], &k[n], &v[n], NoMask);
        assert_eq!(out, constnet::layers::sdpa(&q[n], &k[n], &v[n], NoMask));
        let (gq, gk, gv) = sdpa_backward(&q[n], &k[n], &v[n], &p, &dy[n]);
        y.extend(as_f64(&out));
        weights.extend(as_f64(&p));
        dq.extend(as_f64(&gq));
        dk.extend(as_f64(&gk));
        dv.extend(as_f64(&gv));
    }
    compare("sdpa y", &y, &flat(&c["outputs"]["y"]));
    compare("sdpa weights", &weights, &flat(&c["intermediates"]["attn_weights"]));
    compare("sdpa dq", &dq, &flat(&c["grads"]["q"]));
    compare("sdpa dk", &dk, &flat(&c["grads"]["k"]));
    compare("sdpa dv", &dv, &flat(&c["grads"]["v"]));
}

#[test]
fn sdpa_single_head_matches_pytorch() {
    check_sdpa::<f64>(assert_close);
    check_sdpa::<f32>(close_f32);
}

/// The worst errors against the reference, printed with `--nocapture`.
#[test]
fn worst_errors_against_pytorch() {
    let worst = |got: &[f64], want: &[f64]| {
        got.iter().zip(want).map(|(g, w)| (g - w).abs() / w.abs().max(1.0)).fold(0.0_f64, f64::max)
    };
    let print = |label: &'static str| {
        move |what: &str, got: &[f64], want: &[f64]| println!("{what} {label}: worst error {:e}", worst(got, want))
    };
    check_sdpa::<f64>(print("f64"));
    check_sdpa::<f32>(print("f32"));
    for name in ["mha_self_nomask", "mha_self_causal"] {
        let c = case(LAYERS, name);
        for (label, run) in [
            ("f64", if name.ends_with("causal") { run_mha::<f64, Causal>(&c) } else { run_mha::<f64, NoMask>(&c) }),
            ("f32", if name.ends_with("causal") { run_mha::<f32, Causal>(&c) } else { run_mha::<f32, NoMask>(&c) }),
        ] {
            let mut e = worst(&run.y, &flat(&c["outputs"]["y"])).max(worst(&run.dx, &flat(&c["grads"]["x"])));
            for (param, got) in &run.grads {
                e = e.max(worst(got, &flat(&c["grads"][*param])));
            }
            println!("{name} {label}: worst error {e:e}");
        }
    }
}

#[test]
fn finite_differences_plain_and_causal() {
    let mut draw = Draw(21);
    let x: Sequence<[f64; 8], 4> = draw.fill(Sequence([[0.0; 8]; 4]));
    let dy: Sequence<[f64; 8], 4> = draw.fill(Sequence([[0.0; 8]; 4]));
    let plain: Mha<f64, NoMask> = init(1);
    // Every input and every parameter is compared.
    assert_eq!(check_gradients("mha", &plain, &x, &dy, always), 32 + <Mha<f64, NoMask> as Model<f64>>::PARAMS);
    let causal: Mha<f64, Causal> = init(2);
    check_gradients("causal mha", &causal, &x, &dy, always);

    // Random biases too (initialisation leaves them zero), other head counts.
    let mut biased: MultiHeadAttention<6, 3, f64, Causal> = init(3);
    for t in biased.tensors_mut() {
        t.storage.iter_mut().for_each(|v| *v += 0.3 * draw.next());
    }
    let x: Sequence<[f64; 6], 5> = draw.fill(Sequence([[0.0; 6]; 5]));
    let dy: Sequence<[f64; 6], 5> = draw.fill(Sequence([[0.0; 6]; 5]));
    check_gradients("causal mha, 3 heads, biased", &biased, &x, &dy, always);
    let unmasked = biased.clone().with_mask::<NoMask>();
    check_gradients("mha, 3 heads, biased", &unmasked, &x, &dy, always);
    let single: MultiHeadAttention<6, 1, f64> = init(4);
    check_gradients("mha, 1 head", &single, &x, &dy, always);

    // A batch of sequences: per-sequence gradients summed.
    let xs: Batch<Sequence<[f64; 8], 4>, 2> = draw.fill(Batch([Sequence([[0.0; 8]; 4]); 2]));
    let dys = draw.fill(Batch([Sequence([[0.0; 8]; 4]); 2]));
    check_gradients("causal mha on a batch", &causal, &xs, &dys, always);
}

#[test]
fn state_dict_names_are_pytorchs() {
    let mha = Mha::<f32, NoMask>::ZERO;
    let mut names = Vec::new();
    constnet::state::visit(&mha, &mut |path, _layer, entry| {
        let constnet::state::StateEntry::Tensor(t) = entry else { panic!("untracked entry at {path}") };
        names.push(format!("{path} {:?} {}", t.kind, t.shape));
    });
    assert_eq!(
        names,
        [
            "in_proj_weight Weight [24, 8]",
            "in_proj_bias Bias [24]",
            "out_proj.weight Weight [8, 8]",
            "out_proj.bias Bias [8]",
        ]
    );
    // Inside a stack, below the layer's position, as in an `nn.Sequential`.
    let net = (Dense::<8, 8>::ZERO, Mha::<f32, Causal>::ZERO);
    let mut names = Vec::new();
    constnet::state::visit(&net, &mut |path, _, _| names.push(path.to_string()));
    assert_eq!(names[2..], ["1.in_proj_weight", "1.in_proj_bias", "1.out_proj.weight", "1.out_proj.bias"]);
}

#[test]
fn the_pytorch_layout_round_trips_through_the_tensor_views() {
    let mha: Mha<f64, NoMask> = init(5);
    let mut params = vec![0.0; <Mha<f64, NoMask> as Model<f64>>::PARAMS];
    mha.write_parameters(&mut params).unwrap();
    // in_proj_weight's row r = b·E + o is block b's row o.
    let blocks = mha.in_proj_weight();
    for b in 0..3 {
        for o in 0..8 {
            assert_eq!(params[(b * 8 + o) * 8..][..8], blocks[b][o]);
        }
    }
    let rebuilt =
        Mha::<f64, NoMask>::from_weights(&blocks, *mha.in_proj_bias(), mha.out_proj().weight(), *mha.out_proj().bias());
    assert_eq!(rebuilt, mha);
    let mut loaded = Mha::<f64, NoMask>::zeroed();
    loaded.read_parameters(&params).unwrap();
    assert_eq!(loaded, mha);
}

#[test]
fn a_batch_has_the_bits_of_per_sequence_passes() {
    fn check<Mk: AttentionMask>() {
        let mut mha: Mha<f32, Mk> = Mha::init(&mut Xoshiro256PlusPlus::seed_from_u64(6));
        let mut draw = Draw(7);
        let xs: Batch<Sequence<[f64; 8], 4>, 3> = draw.fill(Batch([Sequence([[0.0; 8]; 4]); 3]));
        let dys: Batch<Sequence<[f64; 8], 4>, 3> = draw.fill(Batch([Sequence([[0.0; 8]; 4]); 3]));
        let xs = Batch(xs.0.map(|s| Sequence(s.0.map(|r| r.map(|v| v as f32)))));
        let dys = Batch(dys.0.map(|s| Sequence(s.0.map(|r| r.map(|v| v as f32)))));
        let (y, tape) = mha.forward_tape(&xs);
        let mut grads = Mha::<f32, Mk>::zeroed();
        let dx = mha.backward(&tape, &dys, &mut grads);

        let mut one_by_one = Mha::<f32, Mk>::zeroed();
        for n in 0..3 {
            assert_eq!(values(&y.0[n]).iter().map(|v| v.to_bits()).collect::<Vec<_>>(), {
                values(&mha.forward(&xs.0[n])).iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            });
            let (_, t) = mha.forward_tape(&xs.0[n]);
            let d = mha.backward(&t, &dys.0[n], &mut one_by_one);
            assert_eq!(values(&d).iter().map(|v| v.to_bits()).collect::<Vec<_>>(), {
                values(&dx.0[n]).iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            });
        }
        let bits =
            |m: &Mha<f32, Mk>| m.tensors().flat_map(|t| t.storage.to_vec()).map(f32::to_bits).collect::<Vec<_>>();
        assert_eq!(bits(&grads), bits(&one_by_one));
    }
    check::<NoMask>();
    check::<Causal>();
    // The layer is per-sample.
    fn per_sample<L: PerSample>() {}
    per_sample::<Mha<f32, Causal>>();
}

#[test]
fn eval_mode_training_passes_agree_with_train_mode() {
    let mut mha: Mha<f64, Causal> = init(8);
    let mut draw = Draw(9);
    let x: Sequence<[f64; 8], 4> = draw.fill(Sequence([[0.0; 8]; 4]));
    let dy: Sequence<[f64; 8], 4> = draw.fill(Sequence([[0.0; 8]; 4]));
    let (y, tape) = mha.forward_tape(&x);
    let (y_eval, tape_eval) = mha.forward_tape_eval(&x);
    assert_eq!(y, y_eval);
    let (mut g, mut g_eval) = (Mha::<f64, Causal>::zeroed(), Mha::<f64, Causal>::zeroed());
    assert_eq!(mha.backward(&tape, &dy, &mut g), mha.backward(&tape_eval, &dy, &mut g_eval));
    assert_eq!(g, g_eval);
}

/// A model in a `static`, built by the `const fn` constructor; its export
/// is that source, and every value of a trained model round-trips.
static SMALL: MultiHeadAttention<2, 1, f64> = constnet::layers::MultiHeadAttention::from_weights(
    &[[[0.5, -0.25], [1.0, 0.0]], [[0.1, 0.2], [-0.3, 0.4]], [[2.0, -1.0], [0.0, 3.0]]],
    [[0.0, 1.0], [-1.0, 0.5], [0.25, -0.125]],
    [[1.0, 2.0], [3.0, 4.0]],
    [0.5, -0.5],
);

#[test]
fn export_as_rust_source_is_exact() {
    let mut source = String::new();
    SMALL.write_rust(&mut source).unwrap();
    assert_eq!(
        source,
        "constnet::layers::MultiHeadAttention::from_weights(&[[[0.5, -0.25], [1.0, 0.0]], [[0.1, 0.2], [-0.3, 0.4]], \
         [[2.0, -1.0], [0.0, 3.0]]], [[0.0, 1.0], [-1.0, 0.5], [0.25, -0.125]], [[1.0, 2.0], [3.0, 4.0]], [0.5, -0.5])"
    );
    assert!(SMALL.forward(&Sequence::new([[1.0, 2.0], [3.0, -1.0]])).0.iter().flatten().all(|v| v.is_finite()));

    // A drawn model: the exported numbers are its parameters in PyTorch's
    // order, bit for bit.
    let mha: Mha<f64, Causal> = init(10);
    let mut source = String::new();
    mha.write_rust(&mut source).unwrap();
    let numbers = source.trim_start_matches("constnet::layers::MultiHeadAttention::from_weights(&");
    let parsed: Vec<f64> = numbers
        .split(['[', ']', ',', ')'])
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .map(|token| token.parse().unwrap_or_else(|_| panic!("not a float literal: {token}")))
        .collect();
    let mut params = vec![0.0; <Mha<f64, Causal> as Model<f64>>::PARAMS];
    mha.write_parameters(&mut params).unwrap();
    assert_eq!(
        parsed.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        params.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn large_scores_stay_finite_and_nan_propagates() {
    let mut mha: MultiHeadAttention<4, 2, f32> = MultiHeadAttention::ZERO;
    // q = k = 1000·x: scores of order 10⁶, which a softmax without the
    // max shift would overflow.
    for mut t in mha.tensors_mut() {
        if t.name == "in_proj_weight" {
            for r in 0..8 {
                t.set(r * 4 + r % 4, 1000.0);
            }
        }
        if t.name == "out_proj.weight" {
            for r in 0..4 {
                t.set(r * 4 + r, 1.0);
            }
        }
    }
    let x = Sequence::new([[1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0], [0.0, 0.0, 1.0, 0.0]]);
    assert!(mha.forward(&x).0.iter().flatten().all(|v| v.is_finite()));
    let mut bad = x;
    bad.0[1][0] = f32::NAN;
    let y = mha.forward(&bad);
    assert!(y.0.iter().flatten().any(|v| v.is_nan()));
}

fn bits<X: Values>(x: &X) -> Vec<u64> {
    values(x).into_iter().map(|v| v.as_f64().to_bits()).collect()
}

fn grad_bits<M: Model<f64>>(m: &M) -> Vec<u64> {
    m.tensors().flat_map(|t| t.storage.to_vec()).map(f64::to_bits).collect()
}

/// A model with random biases too (initialisation leaves them zero).
fn biased<M: Model<f64>>(seed: u64, draw: &mut Draw) -> M {
    let mut m: M = init(seed);
    for t in m.tensors_mut() {
        t.storage.iter_mut().for_each(|v| *v += 0.3 * draw.next());
    }
    m
}

#[test]
fn cross_attention_to_itself_is_self_attention() {
    fn check<Mk: AttentionMask>(seed: u64) -> f64 {
        let mut draw = Draw(seed);
        let mut mha: Mha<f64, Mk> = biased(seed, &mut draw);
        let x: Sequence<[f64; 8], 5> = draw.fill(Sequence([[0.0; 8]; 5]));
        let dy: Sequence<[f64; 8], 5> = draw.fill(Sequence([[0.0; 8]; 5]));

        let (y, tape) = mha.forward_tape(&x);
        let mut grads = Mha::<f64, Mk>::zeroed();
        let dx = mha.backward(&tape, &dy, &mut grads);

        let (y_cross, cross_tape) = mha.forward_tape(&(x, x));
        assert_eq!(bits(&y_cross), bits(&y), "outputs");
        assert_eq!(bits(&mha.forward(&(x, x))), bits(&y), "inference");
        for h in 0..2 {
            assert_eq!(cross_tape.layers().weights(h), tape.layers().weights(h), "head {h}'s weights");
        }
        let mut cross_grads = Mha::<f64, Mk>::zeroed();
        let (dquery, dmemory) = mha.backward(&cross_tape, &dy, &mut cross_grads);
        // Every parameter gradient is the same sum, term by term.
        assert_eq!(grad_bits(&cross_grads), grad_bits(&grads), "parameter gradients");
        // dX = dquery + dmemory, up to the order of the sums.
        let sum: Vec<f64> = values(&dquery).iter().zip(values(&dmemory)).map(|(a, b)| a + b).collect();
        assert_close("dquery + dmemory", &sum, &values(&dx));
        let worst = sum.iter().zip(values(&dx)).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);

        // The same with a padded memory against padded self-attention.
        let padded = Padded::new(x, 3);
        assert_eq!(bits(&mha.forward(&(x, padded))), bits(&mha.forward(&padded)), "padded outputs");
        worst
    }
    let worst = check::<NoMask>(31).max(check::<Causal>(32));
    println!("cross-attention to itself: worst |dquery + dmemory - dX| {worst:e}");
}

#[test]
fn key_padding_is_a_shorter_sequence() {
    fn check<Mk: AttentionMask>(seed: u64) {
        let mut draw = Draw(seed);
        let mut mha: Mha<f64, Mk> = biased(seed, &mut draw);
        let short: Sequence<[f64; 8], 4> = draw.fill(Sequence([[0.0; 8]; 4]));
        let dy_short: Sequence<[f64; 8], 4> = draw.fill(Sequence([[0.0; 8]; 4]));
        // A buffer of 7 steps: the 4 real ones, then junk of another scale.
        let mut buffer: Sequence<[f64; 8], 7> = draw.fill(Sequence([[0.0; 8]; 7]));
        buffer.0.iter_mut().flatten().for_each(|v| *v *= 50.0);
        buffer.0[..4].copy_from_slice(&short.0);
        // The padded steps are queries too; a zero upstream gradient there.
        let mut dy = Sequence([[0.0; 8]; 7]);
        dy.0[..4].copy_from_slice(&dy_short.0);

        let (y_short, tape_short) = mha.forward_tape(&short);
        let mut grads_short = Mha::<f64, Mk>::zeroed();
        let dx_short = mha.backward(&tape_short, &dy_short, &mut grads_short);

        let padded = Padded::new(buffer, 4);
        let (y, tape) = mha.forward_tape(&padded);
        assert_eq!(bits(&Sequence::<_, 4>(y.0[..4].try_into().unwrap())), bits(&y_short), "outputs");
        assert_eq!(bits(&mha.forward(&padded)), bits(&y), "inference");
        let w = tape.layers().weights(1).unwrap();
        assert!(w.iter().all(|row| row[4..].iter().all(|&p| p == 0.0)), "no weight on a padded key");
        let mut grads = Mha::<f64, Mk>::zeroed();
        let dx = mha.backward(&tape, &dy, &mut grads);
        assert_eq!(dx.len, 4);
        assert_eq!(bits(&Sequence::<_, 4>(dx.sequence.0[..4].try_into().unwrap())), bits(&dx_short), "dX");
        assert!(dx.sequence.0[4..].iter().flatten().all(|&g| g == 0.0), "padded steps get no gradient");
        assert_eq!(grad_bits(&grads), grad_bits(&grads_short), "parameter gradients");

        // A length beyond the buffer is clamped: the whole buffer.
        let whole = Padded::new(buffer, 100);
        assert_eq!(bits(&mha.forward(&whole)), bits(&mha.forward(&buffer)));
        let (_, tape) = mha.forward_tape(&whole);
        assert_eq!(mha.backward(&tape, &dy, &mut Mha::<f64, Mk>::zeroed()).len, 7);
        // No key at all: zero attention, so every output is out_proj's bias.
        let none = mha.forward(&Padded::new(buffer, 0));
        assert!(none.0.iter().all(|row| row == mha.out_proj().bias()));

        // Cross-attention over a padded memory (NaN in the padding, which
        // is never read) against the memory of its 4 real steps.
        let query: Sequence<[f64; 8], 3> = draw.fill(Sequence([[0.0; 8]; 3]));
        let dy: Sequence<[f64; 8], 3> = draw.fill(Sequence([[0.0; 8]; 3]));
        buffer.0[4..].iter_mut().flatten().for_each(|v| *v = f64::NAN);
        let (y_short, tape_short) = mha.forward_tape(&(query, short));
        let mut grads_short = Mha::<f64, Mk>::zeroed();
        let (dq_short, dm_short) = mha.backward(&tape_short, &dy, &mut grads_short);
        let (y, tape) = mha.forward_tape(&(query, Padded::new(buffer, 4)));
        assert_eq!(bits(&y), bits(&y_short), "cross outputs");
        let mut grads = Mha::<f64, Mk>::zeroed();
        let (dq, dm) = mha.backward(&tape, &dy, &mut grads);
        assert_eq!(bits(&dq), bits(&dq_short), "dquery");
        assert_eq!(dm.len, 4);
        assert_eq!(bits(&Sequence::<_, 4>(dm.sequence.0[..4].try_into().unwrap())), bits(&dm_short), "dmemory");
        assert!(dm.sequence.0[4..].iter().flatten().all(|&g| g == 0.0), "padded memory gets no gradient");
        assert_eq!(grad_bits(&grads), grad_bits(&grads_short), "cross parameter gradients");
    }
    check::<NoMask>(41);
    check::<Causal>(42);
}

#[test]
fn cross_attention_finite_differences() {
    fn check<Mk: AttentionMask, const TQ: usize, const TK: usize>(name: &str, seed: u64) {
        let mut draw = Draw(seed);
        let mha: Mha<f64, Mk> = biased(seed, &mut draw);
        let x: (Sequence<[f64; 8], TQ>, Sequence<[f64; 8], TK>) =
            draw.fill((Sequence([[0.0; 8]; TQ]), Sequence([[0.0; 8]; TK])));
        let dy: Sequence<[f64; 8], TQ> = draw.fill(Sequence([[0.0; 8]; TQ]));
        // Every element of both inputs and every parameter is compared.
        let compared = check_gradients(name, &mha, &x, &dy, always);
        assert_eq!(compared, 8 * (TQ + TK) + <Mha<f64, Mk> as Model<f64>>::PARAMS);
    }
    check::<NoMask, 3, 5>("cross mha, 3 queries, 5 keys", 51);
    check::<NoMask, 5, 3>("cross mha, 5 queries, 3 keys", 52);
    check::<Causal, 3, 5>("causal cross mha, 3 queries, 5 keys", 53);
    check::<Causal, 5, 3>("causal cross mha, 5 queries, 3 keys", 54);

    // Three heads of width 2, and a batch.
    let mut draw = Draw(55);
    let mha: MultiHeadAttention<6, 3, f64, Causal> = biased(56, &mut draw);
    type Pair = (Sequence<[f64; 6], 2>, Sequence<[f64; 6], 4>);
    let xs: Batch<Pair, 2> = draw.fill(Batch([(Sequence([[0.0; 6]; 2]), Sequence([[0.0; 6]; 4])); 2]));
    let dys = draw.fill(Batch([Sequence([[0.0; 6]; 2]); 2]));
    check_gradients("causal cross mha, 3 heads, on a batch", &mha, &xs, &dys, always);
}

#[test]
fn causal_cross_attention_masks_later_keys() {
    // PyTorch's attn_mask = triu(ones(TQ, TK), 1): key j masked for query t when j > t.
    let mut mha: Mha<f64, Causal> = init(61);
    let mut draw = Draw(62);
    let x: (Sequence<[f64; 8], 3>, Sequence<[f64; 8], 6>) =
        draw.fill((Sequence([[0.0; 8]; 3]), Sequence([[0.0; 8]; 6])));
    let (_, tape) = mha.forward_tape(&x);
    let y: (Sequence<[f64; 8], 6>, Sequence<[f64; 8], 3>) =
        draw.fill((Sequence([[0.0; 8]; 6]), Sequence([[0.0; 8]; 3])));
    let (_, wide) = mha.forward_tape(&y);
    for h in 0..2 {
        let w = tape.layers().weights(h).unwrap();
        for (t, row) in w.iter().enumerate() {
            for (j, &p) in row.iter().enumerate() {
                assert_eq!(p == 0.0, j > t, "3×6, head {h}, query {t}, key {j}");
            }
        }
        let w = wide.layers().weights(h).unwrap();
        for (t, row) in w.iter().enumerate() {
            for (j, &p) in row.iter().enumerate() {
                assert_eq!(p == 0.0, j > t, "6×3, head {h}, query {t}, key {j}");
            }
        }
    }
}

#[test]
fn a_batch_of_cross_attention_has_the_bits_of_per_sample_passes() {
    fn check<Mk: AttentionMask>() {
        let mut mha: Mha<f32, Mk> = Mha::init(&mut Xoshiro256PlusPlus::seed_from_u64(71));
        let mut draw = Draw(72);
        let f32s = |s: Sequence<[f64; 8], 5>| Sequence(s.0.map(|r| r.map(|v| v as f32)));
        let queries: [Sequence<[f32; 8], 5>; 3] = core::array::from_fn(|_| f32s(draw.fill(Sequence([[0.0; 8]; 5]))));
        let memories: [Sequence<[f32; 8], 5>; 3] = core::array::from_fn(|_| f32s(draw.fill(Sequence([[0.0; 8]; 5]))));
        let dys: [Sequence<[f32; 8], 5>; 3] = core::array::from_fn(|_| f32s(draw.fill(Sequence([[0.0; 8]; 5]))));
        let bits32 = |v: Vec<f32>| v.into_iter().map(f32::to_bits).collect::<Vec<_>>();
        let grads32 = |m: &Mha<f32, Mk>| bits32(m.tensors().flat_map(|t| t.storage.to_vec()).collect());

        // Plain memories, then padded ones of different lengths.
        let xs = Batch(core::array::from_fn(|n| (queries[n], memories[n])));
        let (y, tape) = mha.forward_tape(&xs);
        let mut grads = Mha::<f32, Mk>::zeroed();
        let dx = mha.backward(&tape, &Batch(dys), &mut grads);
        let mut one_by_one = Mha::<f32, Mk>::zeroed();
        for (n, dy) in dys.iter().enumerate() {
            assert_eq!(bits32(values(&y.0[n])), bits32(values(&mha.forward(&xs.0[n]))));
            let (_, t) = mha.forward_tape(&xs.0[n]);
            let d = mha.backward(&t, dy, &mut one_by_one);
            assert_eq!(bits32(values(&d)), bits32(values(&dx.0[n])));
        }
        assert_eq!(grads32(&grads), grads32(&one_by_one));

        let xs = Batch(core::array::from_fn(|n| (queries[n], Padded::new(memories[n], 2 * n + 1))));
        let (y, tape) = mha.forward_tape(&xs);
        let mut grads = Mha::<f32, Mk>::zeroed();
        let dx = mha.backward(&tape, &Batch(dys), &mut grads);
        let mut one_by_one = Mha::<f32, Mk>::zeroed();
        for (n, dy) in dys.iter().enumerate() {
            assert_eq!(bits32(values(&y.0[n])), bits32(values(&mha.forward(&xs.0[n]))));
            let (_, t) = mha.forward_tape(&xs.0[n]);
            let (dq, dm) = mha.backward(&t, dy, &mut one_by_one);
            assert_eq!(bits32(values(&dq)), bits32(values(&dx.0[n].0)));
            assert_eq!(dm, dx.0[n].1);
            assert_eq!(dm.len, 2 * n + 1);
        }
        assert_eq!(grads32(&grads), grads32(&one_by_one));
    }
    check::<NoMask>();
    check::<Causal>();
}
