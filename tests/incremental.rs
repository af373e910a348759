//! Step-by-step decoding with key/value caches (`Incremental`,
//! `Decoding`): every step's output has exactly the bits of the
//! whole-sequence pass at that step, for causal attention, both
//! placements of a causal encoder layer, and decoder-only language models
//! of several depths, positional encodings and float types; a full window
//! is an error, never a panic.

use constnet::layers::{Causal, KvCache, LearnedPositions, NormPlacement};
use constnet::prelude::*;
use constnet::{ContextFull, Layer, Position};

type Block<F, Act, P> = TransformerEncoderLayer<16, 4, 32, F, Act, P, Causal>;

/// A pseudo-random token sequence of `T` ids below `V`.
fn tokens<const V: usize, const T: usize>(seed: u64) -> Sequence<TokenId<V>, T> {
    let mut state = seed;
    TokenId::sequence(core::array::from_fn(|_| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize % V
    }))
    .unwrap()
}

/// Decodes `ids` step by step and compares every step with the whole pass,
/// bit for bit; then checks that the window is full.
fn decodes_like_the_whole_pass<M, const V: usize, const T: usize, Y>(model: &M, ids: &Sequence<TokenId<V>, T>)
where
    M: Incremental<TokenId<V>, T, Step = Y> + Layer<Sequence<TokenId<V>, T>, Output = Sequence<Y, T>>,
    Y: PartialEq + core::fmt::Debug,
{
    let whole = model.eval(ids);
    let mut decoding = Decoding::<M, TokenId<V>, T>::new(model);
    for (t, (token, expected)) in ids.iter().zip(whole.iter()).enumerate() {
        assert_eq!(&decoding.push(token).unwrap(), expected, "step {t}");
    }
    assert!(decoding.is_full());
    assert_eq!(decoding.push(&ids.0[0]), Err(ContextFull { capacity: T }));
    assert_eq!(decoding.len(), T, "a refused push changes nothing");
    // A reset decodes the same again.
    decoding.reset();
    assert_eq!(decoding.push(&ids.0[0]).unwrap(), whole.0[0]);
}

#[test]
fn causal_attention_steps_with_the_bits_of_the_whole_pass() {
    let mha: MultiHeadAttention<16, 4, f32, Causal> = Model::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
    let x =
        Sequence(core::array::from_fn::<[f32; 16], 9, _>(|t| core::array::from_fn(|i| ((t * 16 + i) as f32).sin())));
    let whole = mha.forward(&x);
    let mut cache = KvCache::<16, 12, f32>::EMPTY;
    for t in 0..9 {
        let y = Incremental::<_, 12>::step(&mha, &x.0[t], Position::new(t).unwrap(), &mut cache);
        assert_eq!(y, whole.0[t], "step {t}");
    }
    assert_eq!(cache.keys()[9..], [[0.0; 16]; 3], "rows beyond the steps seen are untouched");
}

#[test]
fn encoder_layers_step_with_the_bits_of_the_whole_pass() {
    fn check<Act, P: NormPlacement>(seed: u64)
    where
        Block<f64, Act, P>: Model<f64>
            + Incremental<[f64; 16], 7, Step = [f64; 16]>
            + Layer<Sequence<[f64; 16], 7>, Output = Sequence<[f64; 16], 7>>,
    {
        let layer = Block::<f64, Act, P>::init(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
        let x = Sequence(core::array::from_fn(|t| core::array::from_fn(|i| ((t * 7 + i * 3) as f64 * 0.1).cos())));
        let whole = layer.eval(&x);
        let mut decoding = Decoding::<_, [f64; 16], 7>::new(&layer);
        for t in 0..7 {
            assert_eq!(decoding.push(&x.0[t]).unwrap(), whole.0[t], "step {t}");
        }
    }
    check::<Relu, PostNorm>(2);
    check::<Gelu, PreNorm>(3);
    check::<GeluTanh, PreNorm>(4);
}

#[test]
fn language_models_decode_with_the_bits_of_the_whole_pass() {
    // Learned positions, two pre-norm GELU blocks, a final norm and a head.
    type Gpt = (
        Embedding<11, 16>,
        LearnedPositions<12, 16>,
        Block<f32, Gelu, PreNorm>,
        Block<f32, Gelu, PreNorm>,
        PerStep<LayerNorm<16>>,
        PerStep<Dense<16, 11>>,
    );
    let gpt = Gpt::init(&mut Xoshiro256PlusPlus::seed_from_u64(5));
    decodes_like_the_whole_pass(&gpt, &tokens::<11, 12>(1));
    // A shorter window than the position table.
    decodes_like_the_whole_pass(&gpt, &tokens::<11, 5>(2));

    // Sinusoidal positions, post-norm ReLU blocks, a softmax, in f64.
    type Classic =
        (Embedding<7, 16, f64>, SinusoidalPositions, Block<f64, Relu, PostNorm>, PerStep<(Dense<16, 7, f64>, Softmax)>);
    let classic = Classic::init(&mut Xoshiro256PlusPlus::seed_from_u64(6));
    decodes_like_the_whole_pass(&classic, &tokens::<7, 10>(3));
}

#[test]
fn a_later_nan_never_reaches_an_earlier_step() {
    let layer = Block::<f32, Gelu, PreNorm>::init(&mut Xoshiro256PlusPlus::seed_from_u64(7));
    let mut x = Sequence([[0.25_f32; 16]; 4]);
    x.0[3][0] = f32::NAN;
    let whole = layer.forward(&x);
    assert!(whole.0[..3].iter().flatten().all(|v| v.is_finite()));
    assert!(whole.0[3].iter().all(|v| v.is_nan()));
    let mut decoding = Decoding::<_, [f32; 16], 4>::new(&layer);
    for t in 0..4 {
        let y = decoding.push(&x.0[t]).unwrap();
        assert_eq!(y.map(f32::to_bits), whole.0[t].map(f32::to_bits), "step {t}, NaNs included");
    }
}

#[test]
fn positions_are_below_the_window() {
    assert_eq!(Position::<3>::new(2).map(Position::get), Some(2));
    assert!(Position::<3>::new(3).is_none());
    assert!(Position::<0>::new(0).is_none());
    assert_eq!(
        ContextFull { capacity: 8 }.to_string(),
        "the context window of 8 steps is full; start a new decoding to go on"
    );
}

#[test]
fn decoder_layers_step_with_the_bits_of_the_whole_pass() {
    use constnet::layers::{Padded, TransformerDecoderLayer};

    let post: TransformerDecoderLayer<16, 4, 32> = Model::init(&mut Xoshiro256PlusPlus::seed_from_u64(8));
    let pre: TransformerDecoderLayer<16, 4, 32, f32, Gelu, PreNorm> =
        Model::init(&mut Xoshiro256PlusPlus::seed_from_u64(9));
    let tgt =
        Sequence(core::array::from_fn::<[f32; 16], 6, _>(|t| core::array::from_fn(|i| ((t * 5 + i) as f32).sin())));
    let memory =
        Sequence(core::array::from_fn::<[f32; 16], 3, _>(|t| core::array::from_fn(|i| ((t + i) as f32).cos())));
    let whole = post.forward(&(tgt, memory));
    let mut decoding = Decoding::<_, _, 8>::new(&post);
    for t in 0..6 {
        assert_eq!(decoding.push(&(tgt.0[t], memory)).unwrap(), whole.0[t], "post-norm, step {t}");
    }
    // A padded memory, in the pre-norm placement.
    let padded = Padded::new(Sequence([memory.0[0], memory.0[1], [f32::NAN; 16]]), 2);
    let whole = pre.forward(&(tgt, padded));
    let mut decoding = Decoding::<_, _, 6>::new(&pre);
    for t in 0..6 {
        assert_eq!(decoding.push(&(tgt.0[t], padded)).unwrap(), whole.0[t], "pre-norm, step {t}");
    }
    assert!(decoding.is_full());
}
