//! Transformer encoder and decoder layers against PyTorch
//! (`sequence_seed0.json`: the four `TransformerEncoderLayer` cases and the
//! `TransformerDecoderLayer` case; float64 within 1e-12, float32 within
//! 1e-5 relative), parameters loaded and gradients compared by their
//! state-dict names; finite differences (method and criterion:
//! `tests/support/gradients.rs`); the layers against the stacks they are
//! made of; batches; export as Rust source.
//!
//! The reference gradients are of L = Σ y·dY summed over the batch of two
//! sequences, which is what `backward` on the batch accumulates.

use constnet::layers::{
    Causal, FeedForward, NoMask, NormPlacement, Padded, PostNorm, PreNorm, TransformerDecoderLayer,
    TransformerEncoderLayer,
};
use constnet::prelude::*;
use constnet::state::{self, StateEntry, StateEntryMut};
use constnet::{Backprop, Layer, Values};
use serde_json::Value;

mod support;
use support::gradients::{Draw, H, REL_TOL, always, check_gradients, init, numeric};
use support::{assert_close, assert_close_to, case, flat, values};

static SEQUENCE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sequence_seed0.json"));

type Encoder<F, Act, P, Mk> = TransformerEncoderLayer<8, 2, 16, F, Act, P, Mk>;
type Decoder<F> = TransformerDecoderLayer<8, 2, 16, F, Relu, PostNorm, Causal>;

/// A JSON tensor cast to `F`, as a value of type `X`.
fn cast<F: Float, X: Values<Scalar = F>>(v: &Value) -> X {
    let values: Vec<F> = flat(v).into_iter().map(F::from_f64).collect();
    X::from_slice(&values).expect("the tensor's size")
}

fn as_f64<X: Values>(x: &X) -> Vec<f64> {
    values(x).into_iter().map(|v| v.as_f64()).collect()
}

/// Every state entry of `model` set from the case's `params`, by name; the
/// case must have exactly the model's entries.
fn load<F: Float, M: Model<F>>(model: &mut M, params: &Value) {
    let mut loaded = 0;
    state::visit_mut(model, &mut |path, _, entry| {
        let StateEntryMut::TensorMut(mut tensor) = entry else { panic!("{path}: not a tensor") };
        let name = path.to_string();
        let values: Vec<F> = flat(&params[&name]).into_iter().map(F::from_f64).collect();
        tensor.read_pytorch(&values).unwrap_or_else(|e| panic!("{name}: {e}"));
        loaded += 1;
    });
    assert_eq!(loaded, params.as_object().unwrap().len(), "every parameter of the case is loaded");
}

/// Every gradient of `grads` by its state-dict name, in PyTorch's layout.
fn named<F: Float, M: Model<F>>(grads: &M) -> Vec<(String, Vec<f64>)> {
    let mut out = Vec::new();
    state::visit(grads, &mut |path, _, entry| {
        let StateEntry::Tensor(tensor) = entry else { panic!("{path}: not a tensor") };
        let mut storage = vec![F::zero(); tensor.shape.len()];
        tensor.write_pytorch(&mut storage).unwrap();
        out.push((path.to_string(), storage.into_iter().map(|v| v.as_f64()).collect()));
    });
    out
}

/// An encoder case: output, dX and every parameter gradient, compared with
/// `compare`.
fn check_encoder<F: Float, Act, P: NormPlacement, Mk>(name: &str, compare: impl Fn(&str, &[f64], &[f64]))
where
    Encoder<F, Act, P, Mk>: Backprop<Batch<Sequence<[F; 8], 5>, 2>, Output = Batch<Sequence<[F; 8], 5>, 2>> + Model<F>,
{
    let c = case(SEQUENCE, name);
    let hyper = &c["hyperparams"];
    assert_eq!(hyper["norm_first"].as_bool(), Some(P::NORM_FIRST), "{name}: the placement");
    let mut layer = Encoder::<F, Act, P, Mk>::ZERO;
    load(&mut layer, &c["params"]);
    let x: Batch<Sequence<[F; 8], 5>, 2> = cast(&c["inputs"]["x"]);
    let dy: Batch<Sequence<[F; 8], 5>, 2> = cast(&c["upstream"]["dy"]);
    let (y, tape) = layer.forward_tape(&x);
    assert_eq!(values(&y), values(&layer.forward(&x)), "{name}: training and inference agree");
    let mut grads = Encoder::<F, Act, P, Mk>::zeroed();
    let dx = layer.backward(&tape, &dy, &mut grads);
    compare(&format!("{name} y"), &as_f64(&y), &flat(&c["outputs"]["y"]));
    compare(&format!("{name} dx"), &as_f64(&dx), &flat(&c["grads"]["x"]));
    let grads = named(&grads);
    assert_eq!(grads.len(), 12);
    for (param, got) in &grads {
        compare(&format!("{name} d{param}"), got, &flat(&c["grads"][param]));
    }
}

/// float32 against the float64 reference: element-wise within 1e-5,
/// absolute below 1 and relative above (as `assert_close`).
fn close_f32(what: &str, got: &[f64], want: &[f64]) {
    assert_close_to(what, got, want, 1e-5);
}

#[test]
fn encoder_postnorm_relu_matches_pytorch() {
    check_encoder::<f64, Relu, PostNorm, NoMask>("encoder_postnorm_relu", assert_close);
    check_encoder::<f32, Relu, PostNorm, NoMask>("encoder_postnorm_relu", close_f32);
}

#[test]
fn encoder_prenorm_gelu_matches_pytorch() {
    check_encoder::<f64, Gelu, PreNorm, NoMask>("encoder_prenorm_gelu", assert_close);
    check_encoder::<f32, Gelu, PreNorm, NoMask>("encoder_prenorm_gelu", close_f32);
}

#[test]
fn encoder_postnorm_gelu_causal_matches_pytorch() {
    check_encoder::<f64, Gelu, PostNorm, Causal>("encoder_postnorm_gelu_causal", assert_close);
    check_encoder::<f32, Gelu, PostNorm, Causal>("encoder_postnorm_gelu_causal", close_f32);
}

#[test]
fn encoder_prenorm_relu_causal_matches_pytorch() {
    check_encoder::<f64, Relu, PreNorm, Causal>("encoder_prenorm_relu_causal", assert_close);
    check_encoder::<f32, Relu, PreNorm, Causal>("encoder_prenorm_relu_causal", close_f32);
}

/// What a decoder case gives: y, dtgt, dmemory and the named gradients.
type DecoderRun = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<(String, Vec<f64>)>);

fn run_decoder<F: Float>(c: &Value) -> DecoderRun {
    let mut layer = Decoder::<F>::ZERO;
    load(&mut layer, &c["params"]);
    let tgt: [Sequence<[F; 8], 4>; 2] = cast(&c["inputs"]["tgt"]);
    let memory: [Sequence<[F; 8], 6>; 2] = cast(&c["inputs"]["memory"]);
    let dy: [Sequence<[F; 8], 4>; 2] = cast(&c["upstream"]["dy"]);
    let pairs = Batch([(tgt[0], memory[0]), (tgt[1], memory[1])]);
    let (y, tape) = layer.forward_tape(&pairs);
    assert_eq!(y, layer.forward(&pairs), "training and inference agree");
    let mut grads = Decoder::<F>::zeroed();
    let d = layer.backward(&tape, &Batch(dy), &mut grads);
    let (dtgt, dmemory) = (Batch([d.0[0].0, d.0[1].0]), Batch([d.0[0].1, d.0[1].1]));
    (as_f64(&y), as_f64(&dtgt), as_f64(&dmemory), named(&grads))
}

fn check_decoder<F: Float>(compare: impl Fn(&str, &[f64], &[f64])) {
    let c = case(SEQUENCE, "decoder_postnorm_relu_causal");
    assert_eq!(c["hyperparams"]["norm_first"].as_bool(), Some(false));
    let (y, dtgt, dmemory, grads) = run_decoder::<F>(&c);
    compare("decoder y", &y, &flat(&c["outputs"]["y"]));
    compare("decoder dtgt", &dtgt, &flat(&c["grads"]["tgt"]));
    compare("decoder dmemory", &dmemory, &flat(&c["grads"]["memory"]));
    assert_eq!(grads.len(), 18, "self_attn, multihead_attn, linear1, linear2, norm1-3");
    for (param, got) in &grads {
        compare(&format!("decoder d{param}"), got, &flat(&c["grads"][param]));
    }
}

#[test]
fn decoder_postnorm_relu_causal_matches_pytorch() {
    check_decoder::<f64>(assert_close);
    check_decoder::<f32>(close_f32);
}

/// A comparison of a computed quantity with the reference.
type Compare<'a> = &'a dyn Fn(&str, &[f64], &[f64]);

/// The worst errors against the reference, printed with `--nocapture`.
#[test]
fn worst_errors_against_pytorch() {
    let report = |name: &str, label: &str, run: &dyn Fn(Compare)| {
        let worst = std::cell::Cell::new(0.0_f64);
        run(&|_what: &str, got: &[f64], want: &[f64]| {
            let e = got.iter().zip(want).map(|(g, w)| (g - w).abs() / w.abs().max(1.0)).fold(0.0_f64, f64::max);
            worst.set(worst.get().max(e));
        });
        println!("{name} {label}: worst error {:e}", worst.get());
    };
    let post_relu = "encoder_postnorm_relu";
    report(post_relu, "f64", &|c| check_encoder::<f64, Relu, PostNorm, NoMask>(post_relu, c));
    report(post_relu, "f32", &|c| check_encoder::<f32, Relu, PostNorm, NoMask>(post_relu, c));
    let pre_gelu = "encoder_prenorm_gelu";
    report(pre_gelu, "f64", &|c| check_encoder::<f64, Gelu, PreNorm, NoMask>(pre_gelu, c));
    report(pre_gelu, "f32", &|c| check_encoder::<f32, Gelu, PreNorm, NoMask>(pre_gelu, c));
    let post_causal = "encoder_postnorm_gelu_causal";
    report(post_causal, "f64", &|c| check_encoder::<f64, Gelu, PostNorm, Causal>(post_causal, c));
    report(post_causal, "f32", &|c| check_encoder::<f32, Gelu, PostNorm, Causal>(post_causal, c));
    let pre_causal = "encoder_prenorm_relu_causal";
    report(pre_causal, "f64", &|c| check_encoder::<f64, Relu, PreNorm, Causal>(pre_causal, c));
    report(pre_causal, "f32", &|c| check_encoder::<f32, Relu, PreNorm, Causal>(pre_causal, c));
    report("decoder_postnorm_relu_causal", "f64", &|c| check_decoder::<f64>(c));
    report("decoder_postnorm_relu_causal", "f32", &|c| check_decoder::<f32>(c));
}

/// The state-dict names of `model`, sorted.
fn sorted_names<F: Float, M: Model<F>>(model: &M) -> Vec<String> {
    let mut names = Vec::new();
    state::visit(model, &mut |path, _, _| names.push(path.to_string()));
    names.sort();
    names
}

/// Every parameter of `model`, in `tensors()` order.
fn parameters<M: Model<f64>>(model: &M) -> Vec<f64> {
    model.tensors().flat_map(|t| t.storage.to_vec()).collect()
}

#[test]
fn encoder_names_are_pytorchs_for_both_placements() {
    let expected = [
        "self_attn.in_proj_weight",
        "self_attn.in_proj_bias",
        "self_attn.out_proj.weight",
        "self_attn.out_proj.bias",
        "linear1.weight",
        "linear1.bias",
        "linear2.weight",
        "linear2.bias",
        "norm1.weight",
        "norm1.bias",
        "norm2.weight",
        "norm2.bias",
    ];
    let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(sorted_names(&Encoder::<f32, Relu, PostNorm, NoMask>::ZERO), want);
    assert_eq!(sorted_names(&Encoder::<f32, Gelu, PreNorm, Causal>::ZERO), want);
    // Nested in a stack, below the stack's position.
    let stack = (Encoder::<f32, Relu, PostNorm, NoMask>::ZERO, Encoder::<f32, Relu, PostNorm, NoMask>::ZERO);
    let mut names = Vec::new();
    state::visit(&stack, &mut |path, _, _| names.push(path.to_string()));
    assert!(names.contains(&"1.self_attn.out_proj.bias".to_string()), "{names:?}");
    assert!(names.contains(&"0.linear2.weight".to_string()), "{names:?}");
}

/// Each layer is its stack: the same outputs, tapes' gradients and bits.
#[test]
fn encoder_layer_is_the_stack_of_its_parts() {
    fn same<P: NormPlacement>()
    where
        Encoder<f64, Gelu, P, Causal>:
            Backprop<Sequence<[f64; 8], 5>, Output = Sequence<[f64; 8], 5>> + Model<f64> + Clone,
        constnet::layers::EncoderBlocks<8, 2, 16, f64, Gelu, P, Causal>:
            Backprop<Sequence<[f64; 8], 5>, Output = Sequence<[f64; 8], 5>> + Model<f64> + Clone,
    {
        let mut draw = Draw(5);
        let layer: Encoder<f64, Gelu, P, Causal> = init(7);
        let mut blocks = layer.clone().into_blocks();
        let x = draw.fill(Sequence([[0.0; 8]; 5]));
        let dy = draw.fill(Sequence([[0.0; 8]; 5]));
        let (y, tape) = layer.clone().forward_tape(&x);
        let (y2, tape2) = blocks.forward_tape(&x);
        assert_eq!(y, y2);
        let mut g = Encoder::<f64, Gelu, P, Causal>::zeroed();
        let mut g2 = constnet::layers::EncoderBlocks::<8, 2, 16, f64, Gelu, P, Causal>::zeroed();
        let dx = layer.backward(&tape, &dy, &mut g);
        let dx2 = blocks.backward(&tape2, &dy, &mut g2);
        assert_eq!(dx, dx2);
        assert_eq!(parameters(&g), parameters(&g2));
    }
    same::<PostNorm>();
    same::<PreNorm>();

    // Built from its named parts, in either placement.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let attn: MultiHeadAttention<8, 2, f64> = MultiHeadAttention::init(&mut rng);
    let ff: FeedForward<8, 16, f64, Relu> = FeedForward::init(&mut rng);
    let norm = LayerNorm::<8, f64>::DEFAULT;
    let layer: Encoder<f64, Relu, PreNorm, NoMask> =
        TransformerEncoderLayer::new(attn.clone(), ff.clone(), norm.clone(), norm.clone());
    assert_eq!(layer.self_attn(), &attn);
    assert_eq!(layer.feed_forward(), &ff);
    assert_eq!(layer.norm2(), &norm);
}

#[test]
fn finite_differences_encoder() {
    let mut draw = Draw(31);
    let x: Sequence<[f64; 8], 5> = draw.fill(Sequence([[0.0; 8]; 5]));
    let dy: Sequence<[f64; 8], 5> = draw.fill(Sequence([[0.0; 8]; 5]));
    // Random biases and norm parameters, so that every parameter matters.
    fn perturbed<M: Model<f64>>(mut m: M, draw: &mut Draw) -> M {
        for t in m.tensors_mut() {
            t.storage.iter_mut().for_each(|v| *v += 0.2 * draw.next());
        }
        m
    }
    let post: Encoder<f64, Gelu, PostNorm, NoMask> = perturbed(init(1), &mut draw);
    let n = check_gradients("post-norm encoder", &post, &x, &dy, always);
    assert_eq!(n, 40 + <Encoder<f64, Gelu, PostNorm, NoMask> as Model<f64>>::PARAMS);
    let pre: Encoder<f64, Gelu, PreNorm, Causal> = perturbed(init(2), &mut draw);
    check_gradients("pre-norm causal encoder", &pre, &x, &dy, always);
    let tanh_gelu: TransformerEncoderLayer<6, 3, 8, f64, GeluTanh, PreNorm> = perturbed(init(3), &mut draw);
    let x6: Sequence<[f64; 6], 3> = draw.fill(Sequence([[0.0; 6]; 3]));
    let dy6: Sequence<[f64; 6], 3> = draw.fill(Sequence([[0.0; 6]; 3]));
    check_gradients("3-head encoder", &tanh_gelu, &x6, &dy6, always);
}

/// dL/dtgt, dL/dmemory and every dL/dθ of the decoder against central
/// differences (the criterion of `check_gradients`).
fn check_decoder_gradients<P: NormPlacement, const TQ: usize, const TK: usize>(seed: u64)
where
    TransformerDecoderLayer<8, 2, 16, f64, Gelu, P>: Backprop<(Sequence<[f64; 8], TQ>, Sequence<[f64; 8], TK>), Output = Sequence<[f64; 8], TQ>>
        + Model<f64>
        + Clone,
{
    type Pair<const TQ: usize, const TK: usize> = (Sequence<[f64; 8], TQ>, Sequence<[f64; 8], TK>);
    let mut draw = Draw(seed);
    let mut layer: TransformerDecoderLayer<8, 2, 16, f64, Gelu, P> = init(seed);
    for t in layer.tensors_mut() {
        t.storage.iter_mut().for_each(|v| *v += 0.2 * draw.next());
    }
    let tgt = draw.fill(Sequence([[0.0; 8]; TQ]));
    let memory = draw.fill(Sequence([[0.0; 8]; TK]));
    let dy = draw.fill(Sequence([[0.0; 8]; TQ]));
    let objective = |layer: &TransformerDecoderLayer<8, 2, 16, f64, Gelu, P>, x: &Pair<TQ, TK>| -> f64 {
        values(&layer.forward(x)).iter().zip(values(&dy)).map(|(a, b)| a * b).sum()
    };
    let scale = values(&layer.forward(&(tgt, memory))).iter().zip(values(&dy)).map(|(a, b)| (a * b).abs()).sum::<f64>();
    let floor = 1e6 * 8.0 * f64::EPSILON * scale.max(1.0) / H;
    let check = |what: String, a: f64, n: f64| {
        let err = (a - n).abs() / a.abs().max(n.abs()).max(floor);
        assert!(err < REL_TOL, "decoder {what}: analytic {a}, numeric {n}, relative error {err:e}");
    };
    let (_, tape) = layer.clone().forward_tape(&(tgt, memory));
    let mut grads = TransformerDecoderLayer::<8, 2, 16, f64, Gelu, P>::zeroed();
    let (dtgt, dmemory) = layer.backward(&tape, &dy, &mut grads);
    let nudge = |x: &Sequence<[f64; 8], TQ>, i: usize, s: f64| support::gradients::nudged(x, i, s);
    for (i, &a) in values(&dtgt).iter().enumerate() {
        check(format!("dtgt[{i}]"), a, numeric(|s| objective(&layer, &(nudge(&tgt, i, s), memory))));
    }
    for (i, &a) in values(&dmemory).iter().enumerate() {
        let n = numeric(|s| objective(&layer, &(tgt, support::gradients::nudged(&memory, i, s))));
        check(format!("dmemory[{i}]"), a, n);
    }
    let analytic: Vec<Vec<f64>> = grads.tensors().map(|t| t.storage.to_vec()).collect();
    for (t, values) in analytic.iter().enumerate() {
        for (i, &a) in values.iter().enumerate() {
            let n = numeric(|s| {
                let mut shifted = layer.clone();
                shifted.tensors_mut().nth(t).unwrap().storage[i] += s;
                objective(&shifted, &(tgt, memory))
            });
            check(format!("tensor {t}[{i}]"), a, n);
        }
    }
}

#[test]
fn finite_differences_decoder() {
    check_decoder_gradients::<PostNorm, 3, 5>(41);
    check_decoder_gradients::<PreNorm, 4, 2>(42);
}

#[test]
fn decoder_with_a_padded_memory_is_the_shorter_memory() {
    let layer: TransformerDecoderLayer<8, 2, 16, f64, Gelu, PreNorm> = init(9);
    let mut draw = Draw(10);
    let tgt = draw.fill(Sequence([[0.0; 8]; 3]));
    let memory = draw.fill(Sequence([[0.0; 8]; 2]));
    let buffer = Padded::new(Sequence([memory.0[0], memory.0[1], [f64::NAN; 8], [f64::INFINITY; 8]]), 2);
    assert_eq!(layer.forward(&(tgt, buffer)), layer.forward(&(tgt, memory)));
    // Gradients too: the padding gets none.
    let dy = draw.fill(Sequence([[0.0; 8]; 3]));
    let (_, tape) = layer.clone().forward_tape(&(tgt, buffer));
    let (_, short_tape) = layer.clone().forward_tape(&(tgt, memory));
    let (mut g, mut g_short) = (Model::zeroed(), Model::zeroed());
    let (dtgt, dbuffer) = layer.backward(&tape, &dy, &mut g);
    let (dtgt_short, dmemory) = layer.backward(&short_tape, &dy, &mut g_short);
    assert_eq!(dtgt, dtgt_short);
    assert_eq!(dbuffer.sequence.0[..2], dmemory.0);
    assert_eq!(dbuffer.sequence.0[2..], [[0.0; 8]; 2]);
    assert_eq!(g, g_short);
}

#[test]
fn batches_match_per_sample_bits() {
    let layer: Encoder<f32, Gelu, PreNorm, Causal> = Model::init(&mut Xoshiro256PlusPlus::seed_from_u64(4));
    let xs = Batch(core::array::from_fn::<_, 3, _>(|n| {
        Sequence(core::array::from_fn::<_, 5, _>(|t| {
            core::array::from_fn(|i| ((n * 40 + t * 8 + i) as f32 * 0.37).sin())
        }))
    }));
    let ys = layer.forward(&xs);
    for (x, y) in xs.0.iter().zip(&ys.0) {
        assert_eq!(&layer.forward(x), y);
    }
}

#[test]
fn exported_source_rebuilds_the_layers() {
    let encoder: Encoder<f64, Gelu, PreNorm, Causal> = init(11);
    let mut source = String::new();
    encoder.write_rust(&mut source).unwrap();
    assert!(source.starts_with("constnet::layers::TransformerEncoderLayer::from_blocks("), "{source}");
    assert!(source.contains("constnet::layers::FeedForward::new("));
    let decoder: Decoder<f64> = init(12);
    let mut source = String::new();
    decoder.write_rust(&mut source).unwrap();
    assert!(source.starts_with("constnet::layers::TransformerDecoderLayer::from_stages("), "{source}");
    // The compile-pass suite builds exported transformer source as a
    // `static` (tests/compile_pass); here the values round-trip.
    let mut rebuilt = Encoder::<f64, Gelu, PreNorm, Causal>::ZERO;
    let mut storage = Vec::new();
    encoder.tensors().for_each(|t| storage.extend_from_slice(t.storage));
    let mut at = 0;
    for t in rebuilt.tensors_mut() {
        let n = t.storage.len();
        t.storage.copy_from_slice(&storage[at..at + n]);
        at += n;
    }
    assert_eq!(rebuilt, encoder);
}

#[test]
fn nan_propagates_without_panicking() {
    let layer: Encoder<f32, Relu, PostNorm, NoMask> = Model::init(&mut Xoshiro256PlusPlus::seed_from_u64(5));
    let mut x = Sequence([[0.5_f32; 8]; 4]);
    x.0[1][3] = f32::NAN;
    let y = layer.forward(&x);
    assert!(y.0.iter().flatten().any(|v| v.is_nan()));
    let causal: Encoder<f32, Relu, PreNorm, Causal> = Model::init(&mut Xoshiro256PlusPlus::seed_from_u64(5));
    let y = causal.forward(&x);
    // Causal: the step before the NaN does not see it.
    assert!(y.0[0].iter().all(|v| v.is_finite()));
    assert!(y.0[1].iter().all(|v| v.is_nan()));
    let mut inf = x;
    inf.0[1][3] = f32::INFINITY;
    let _ = layer.forward(&inf);
    let _: Sequence<[f32; 8], 4> = <Encoder<f32, Relu, PostNorm, NoMask> as Layer<_>>::eval(&layer, &inf);
}
