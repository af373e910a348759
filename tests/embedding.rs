//! Embeddings and positional encodings: `Embedding` against PyTorch's
//! `nn.Embedding` and the sinusoidal encoding against its formula
//! (`sequence_seed0.json`, float64: outputs and the weight gradient within
//! 10⁻¹², f32 within 10⁻⁵ relative); finite-difference checks of the
//! embedding's and the learned positions' weight gradients and of the
//! sinusoidal layer's dX (method and criterion: `tests/support/gradients.rs`);
//! `TokenId` validation; batches; exact export as Rust source.

use constnet::layers::Embedding;
use constnet::prelude::*;
use constnet::{Backprop, Layer, TokenOutOfRange, Values};
use serde_json::Value;

mod support;
use support::gradients::{Draw, H, REL_TOL, always, check_gradients, init, numeric};
use support::{assert_close, case, flat, values};

static SEQUENCE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sequence_seed0.json"));

/// The case's shape `hyperparams` as the types below use them.
const V: usize = 11;
const E: usize = 6;
const T: usize = 7;
const N: usize = 2;

/// The case's ids, validated.
fn ids(c: &Value) -> Batch<Sequence<TokenId<V>, T>, N> {
    let rows = c["inputs"]["ids"].as_array().expect("a list of sequences");
    assert_eq!(rows.len(), N);
    Batch::from_fn(|n| {
        let row: Vec<usize> = rows[n].as_array().unwrap().iter().map(|id| id.as_u64().unwrap() as usize).collect();
        TokenId::sequence(<[usize; T]>::try_from(row).expect("T ids")).expect("ids below V")
    })
}

/// The worst relative error |g − w| / |w| (over the nonzero `want`s) and
/// the worst absolute error where `want` is zero.
fn worst_errors(got: &[f64], want: &[f64]) -> (f64, f64) {
    assert_eq!(got.len(), want.len());
    got.iter().zip(want).fold((0.0_f64, 0.0_f64), |(rel, abs), (g, w)| {
        if *w == 0.0 { (rel, abs.max(g.abs())) } else { (rel.max((g - w).abs() / w.abs()), abs) }
    })
}

/// f32 within 10⁻⁵ relative of the f64 reference, element by element
/// (values that are exactly zero in the reference must be within 10⁻⁶).
fn assert_relative(what: &str, got: &[f64], want: &[f64]) {
    let (rel, abs) = worst_errors(got, want);
    assert!(rel <= 1e-5 && abs <= 1e-6, "{what}: worst relative error {rel:e}, worst absolute at zero {abs:e}");
}

/// Runs the embedding case in float type `F`: the output of the batch and
/// the weight gradient for the case's dY, as f64 in PyTorch's order.
fn run_embedding<F: Float>(c: &Value) -> (Vec<f64>, Vec<f64>) {
    let mut layer = Embedding::<V, E, F>::ZERO;
    for mut t in layer.tensors_mut() {
        assert_eq!((t.name, t.shape.dims()), ("weight", &[V, E][..]));
        let w: Vec<F> = flat(&c["params"][t.name]).into_iter().map(F::from_f64).collect();
        t.read_pytorch(&w).unwrap();
    }
    let x = ids(c);
    let y = layer.forward(&x);
    for n in 0..N {
        assert_eq!(y[n], layer.forward(&x[n]), "a batch is its sequences, bit for bit");
        for t in 0..T {
            assert_eq!(y[n][t], layer.forward(&x[n][t]), "a sequence is its steps, bit for bit");
        }
    }
    let dy: Vec<F> = flat(&c["upstream"]["dy"]).into_iter().map(F::from_f64).collect();
    let dy = Batch::<Sequence<[F; E], T>, N>::from_slice(&dy).unwrap();
    let mut grads = Grads::<Embedding<V, E, F>>::zeroed();
    let (y_train, tape) = layer.forward_tape(&x);
    assert_eq!(y_train, y, "training and inference agree");
    assert_eq!(layer.backward(&tape, &dy, &mut grads), x, "backward gives the ids back unchanged");
    let mut dw = vec![F::zero(); V * E];
    grads.tensors().next().unwrap().write_pytorch(&mut dw).unwrap();
    (values(&y).iter().map(|v| v.as_f64()).collect(), dw.iter().map(|v| v.as_f64()).collect())
}

#[test]
fn embedding_matches_pytorch() {
    let c = case(SEQUENCE, "embedding");
    assert_eq!(
        (c["hyperparams"]["num_embeddings"].as_u64(), c["hyperparams"]["embedding_dim"].as_u64()),
        (Some(11), Some(6))
    );
    let (want_y, want_dw) = (flat(&c["outputs"]["y"]), flat(&c["grads"]["weight"]));

    let (y, dw) = run_embedding::<f64>(&c);
    assert_close("embedding y", &y, &want_y);
    assert_close("embedding dweight", &dw, &want_dw);
    // A lookup is exact, and so are these few additions in PyTorch's order.
    assert_eq!(y, want_y);
    let (rel, abs) = worst_errors(&dw, &want_dw);
    eprintln!("embedding f64: dweight worst relative error {rel:e}, absolute at zero {abs:e}");

    let (y, dw) = run_embedding::<f32>(&c);
    assert_relative("embedding y (f32)", &y, &want_y);
    assert_relative("embedding dweight (f32)", &dw, &want_dw);
    let (rel_y, _) = worst_errors(&y, &want_y);
    let (rel_dw, _) = worst_errors(&dw, &want_dw);
    eprintln!("embedding f32: y worst relative error {rel_y:e}, dweight {rel_dw:e}");

    // Unused ids (1, 3, 5) get no gradient; repeated ones (10, five times) add up.
    for id in [1, 3, 5] {
        assert!(want_dw[id * E..(id + 1) * E].iter().all(|&g| g == 0.0));
        assert!(dw[id * E..(id + 1) * E].iter().all(|&g| g == 0.0));
    }
}

/// The sinusoidal table in float type `F` through all three ways to get it:
/// the table, one position at a time, and the layer on zeros (and on a
/// batch of them).
fn sinusoidal_table<F: Float>() -> Vec<f64> {
    let table: [[F; 8]; 16] = SinusoidalPositions::table();
    for (position, row) in table.iter().enumerate() {
        assert_eq!(SinusoidalPositions::encoding::<F, 8>(position), *row);
    }
    let mut rows = [[F::zero(); 8]; 16];
    SinusoidalPositions::fill_table(&mut rows);
    assert_eq!(rows, table);
    let zeros = Batch::new([Sequence::new([[F::zero(); 8]; 16]); 2]);
    let y = SinusoidalPositions.forward(&zeros);
    assert_eq!((y[0], y[1]), (Sequence::new(table), Sequence::new(table)));
    // Added, not replaced; a shorter sequence gets the first rows.
    let ones = Sequence::new([[F::one(); 8]; 3]);
    let y = SinusoidalPositions.forward(&ones);
    for t in 0..3 {
        assert_eq!(y[t], core::array::from_fn(|k| F::one() + table[t][k]));
    }
    table.as_flattened().iter().map(|v| v.as_f64()).collect()
}

#[test]
fn sinusoidal_encoding_matches_the_reference() {
    let c = case(SEQUENCE, "positional_encoding_sinusoidal");
    assert_eq!((c["hyperparams"]["max_len"].as_u64(), c["hyperparams"]["d_model"].as_u64()), (Some(16), Some(8)));
    let want = flat(&c["outputs"]["pe"]);

    let pe = sinusoidal_table::<f64>();
    assert_close("pe", &pe, &want);
    let worst = pe.iter().zip(&want).map(|(g, w)| (g - w).abs()).fold(0.0, f64::max);
    eprintln!("sinusoidal f64: worst absolute error {worst:e}");

    let pe = sinusoidal_table::<f32>();
    assert_relative("pe (f32)", &pe, &want);
    let (rel, abs) = worst_errors(&pe, &want);
    eprintln!("sinusoidal f32: worst relative error {rel:e}, absolute at zero {abs:e}");
}

/// Checks dL/dθ of L = Σ net(x)·dY for every parameter, for inputs that
/// are not numbers (token ids), by the method and criterion of
/// `support::gradients::check_gradients`. Returns how many were compared.
fn check_parameter_gradients<L, X>(name: &str, net: &L, x: &X, dy: &<L as Layer<X>>::Output) -> usize
where
    L: Backprop<X> + Model<f64> + Clone,
    <L as Layer<X>>::Output: Values<Scalar = f64>,
{
    let products = |net: &L| -> Vec<f64> {
        let (y, _) = net.clone().eval_tape(x);
        values(&y).iter().zip(values(dy)).map(|(a, b)| a * b).collect()
    };
    let objective = |net: &L| products(net).iter().sum::<f64>();
    let floor = 1e6 * 8.0 * f64::EPSILON * products(net).iter().map(|p| p.abs()).sum::<f64>().max(1.0) / H;

    let (_, tape) = net.clone().eval_tape(x);
    let mut grads = L::zeroed();
    net.backprop(&tape, dy, &mut grads);
    let analytic: Vec<Vec<f64>> = grads.tensors().map(|t| t.storage.to_vec()).collect();
    let mut compared = 0;
    for (t, tensor) in analytic.iter().enumerate() {
        for (i, &a) in tensor.iter().enumerate() {
            let n = numeric(|s| {
                let mut shifted = net.clone();
                shifted.tensors_mut().nth(t).unwrap().storage[i] += s;
                objective(&shifted)
            });
            let err = (a - n).abs() / a.abs().max(n.abs()).max(floor);
            assert!(err < REL_TOL, "{name} tensor {t}[{i}]: analytic {a}, numeric {n}, relative error {err:e}");
            compared += 1;
        }
    }
    compared
}

#[test]
fn embedding_weight_gradient_by_finite_differences() {
    let mut draw = Draw(21);
    let embed: Embedding<5, 3, f64> = init(1);
    // Repeated ids (0 three times, 4 twice) and an unused one (3).
    let ids = TokenId::<5>::sequence([0, 4, 0, 1, 2, 0, 4]).unwrap();
    let dy = draw.fill(Sequence([[0.0; 3]; 7]));
    assert_eq!(check_parameter_gradients("embedding", &embed, &ids, &dy), 15);
    // One id, and a batch of sequences.
    check_parameter_gradients("embedding, one id", &embed, &TokenId::new(3).unwrap(), &draw.fill([0.0; 3]));
    let batch = Batch::new([ids, TokenId::sequence([3, 3, 2, 1, 0, 1, 2]).unwrap()]);
    check_parameter_gradients("embedding, a batch", &embed, &batch, &draw.fill(Batch([Sequence([[0.0; 3]; 7]); 2])));

    // The front of a sequence model, end to end: every parameter of the
    // embedding, the learned positions and the per-step dense layer.
    type Front = (
        Embedding<5, 4, f64>,
        LearnedPositions<8, 4, f64>,
        SinusoidalPositions,
        PerStep<(Dense<4, 3, f64>, Tanh)>,
        MeanOverSteps,
    );
    let front: Front = init(2);
    let ids = TokenId::<5>::sequence([1, 4, 4, 0, 2, 1]).unwrap();
    assert_eq!(check_parameter_gradients("embedding front", &front, &ids, &draw.fill([0.0; 3])), 20 + 32 + 15);
}

#[test]
fn positional_gradients_by_finite_differences() {
    let mut draw = Draw(22);
    let x: Sequence<[f64; 4], 5> = draw.fill(Sequence([[0.0; 4]; 5]));
    let dy = draw.fill(Sequence([[0.0; 4]; 5]));
    // Sinusoidal: dX only (no parameters).
    assert_eq!(check_gradients("sinusoidal", &SinusoidalPositions, &x, &dy, always), 20);
    // Learned: dX and the table, for a full-length sequence and a shorter one
    // (whose unused rows get a zero gradient, checked too).
    let full: LearnedPositions<5, 4, f64> = init(3);
    assert_eq!(check_gradients("learned positions", &full, &x, &dy, always), 20 + 20);
    let longer: LearnedPositions<9, 4, f64> = init(4);
    assert_eq!(check_gradients("learned positions, 5 of 9", &longer, &x, &dy, always), 20 + 36);
    let batch = Batch::new([x, draw.fill(x)]);
    let d_batch = draw.fill(Batch([dy; 2]));
    check_gradients("sinusoidal, a batch", &SinusoidalPositions, &batch, &d_batch, always);
    check_gradients("learned positions, a batch", &longer, &batch, &d_batch, always);
}

#[test]
fn learned_positions_add_their_rows_and_accumulate_over_a_batch() {
    let positions: LearnedPositions<3, 2, f64> = LearnedPositions::from_weights([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
    let x = Batch::new([Sequence::new([[0.5, 0.5], [1.0, 1.0]]), Sequence::new([[0.0, 0.0], [-1.0, -1.0]])]);
    let mut trained = positions.clone();
    let (y, tape) = trained.forward_tape(&x);
    assert_eq!(y, positions.forward(&x));
    assert_eq!(y[1], Sequence::new([[1.0, 2.0], [2.0, 3.0]]));
    let dy = Batch::new([Sequence::new([[1.0, 0.0], [0.0, 1.0]]), Sequence::new([[2.0, 2.0], [3.0, 3.0]])]);
    let mut grads = Grads::<LearnedPositions<3, 2, f64>>::zeroed();
    assert_eq!(trained.backward(&tape, &dy, &mut grads), dy);
    assert_eq!(grads.weight(), &[[3.0, 2.0], [3.0, 4.0], [0.0, 0.0]]);
    assert_eq!(trained, positions, "training changes nothing but the gradients");
    let t = positions.tensors().next().unwrap();
    assert_eq!(
        (t.name, t.shape.dims(), <LearnedPositions<3, 2, f64> as Model<f64>>::PARAMS),
        ("weight", &[3, 2][..], 6)
    );
}

#[test]
fn token_ids_are_validated_where_they_are_made() {
    // Out of range: refused, with an error naming the id and V.
    assert_eq!(TokenId::<11>::new(11), None);
    assert_eq!(TokenId::<11>::try_from(11_usize), Err(TokenOutOfRange { id: 11, vocab: 11 }));
    assert_eq!(TokenId::<11>::try_from(u32::MAX), Err(TokenOutOfRange { id: u64::from(u32::MAX), vocab: 11 }));
    let error = TokenId::<11>::try_from(42_u8).unwrap_err();
    assert_eq!(error.to_string(), "token id 42 is out of range for a vocabulary of 11 tokens (valid ids are 0..11)");
    let _: &dyn core::error::Error = &error;
    // A sequence: the first bad id is reported.
    assert_eq!(TokenId::<11>::sequence([0, 10, 11, 12]), Err(TokenOutOfRange { id: 11, vocab: 11 }));
    // In range: kept as given, through every conversion.
    let id = TokenId::<11>::try_from(10_u16).unwrap();
    assert_eq!((id.get(), usize::from(id), u32::from(id), id.to_string()), (10, 10, 10, "10".to_string()));
    assert_eq!(TokenId::<11>::VOCAB, 11);
    const START: TokenId<11> = TokenId::constant::<0>();
    assert_eq!(Some(START), TokenId::new(0));

    // No panic path: every id a byte or a u16 can hold either becomes a
    // TokenId whose lookup is its row, or is refused; nothing in between.
    let embed: Embedding<300, 2, f64> = Embedding::from_weights(core::array::from_fn(|v| [v as f64, -(v as f64)]));
    for raw in 0..=u16::MAX {
        match TokenId::<300>::try_from(raw) {
            Ok(id) => assert_eq!(embed.forward(&id), [f64::from(raw), -f64::from(raw)]),
            Err(e) => assert_eq!((e, raw >= 300), (TokenOutOfRange { id: u64::from(raw), vocab: 300 }, true)),
        }
    }
    for raw in 0..=u8::MAX {
        assert_eq!(TokenId::<300>::try_from(raw).map(TokenId::get), Ok(usize::from(raw)));
    }
}

#[test]
fn batches_of_ids_and_of_id_sequences() {
    let embed: Embedding<4, 3, f64> = init(9);
    let ids = Batch::new([TokenId::<4>::new(3).unwrap(), TokenId::new(0).unwrap(), TokenId::new(3).unwrap()]);
    let y = embed.forward(&ids);
    assert_eq!(y[0], embed.weight()[3]);
    assert_eq!((y[1], y[2]), (embed.weight()[0], embed.weight()[3]));
    let mut grads = Grads::<Embedding<4, 3, f64>>::zeroed();
    let (_, tape) = embed.clone().forward_tape(&ids);
    let dy = Batch::new([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5], [10.0, 20.0, 30.0]]);
    assert_eq!(embed.backward(&tape, &dy, &mut grads), ids);
    assert_eq!(grads.weight(), &[[0.5, 0.5, 0.5], [0.0; 3], [0.0; 3], [11.0, 22.0, 33.0]]);

    // A stack on a batch of sequences is its sequences, bit for bit.
    type Net = (Embedding<4, 4, f64>, SinusoidalPositions, LearnedPositions<6, 4, f64>, PerStep<Dense<4, 2, f64>>);
    let net: Net = init(10);
    let batch = Batch::new([TokenId::sequence([1, 2, 3]).unwrap(), TokenId::sequence([3, 3, 0]).unwrap()]);
    let y = net.forward(&batch);
    assert_eq!((y[0], y[1]), (net.forward(&batch[0]), net.forward(&batch[1])));
}

#[test]
fn models_are_plain_data_and_export_exactly() {
    const _: () = assert!(<Embedding<11, 6> as Model>::PARAMS == 66 && <Embedding<11, 6> as Model>::BYTES == 264);
    const _: () = assert!(<LearnedPositions<16, 8, f64> as Model<f64>>::PARAMS == 128);
    const _: () = assert!(<SinusoidalPositions as Model>::PARAMS == 0);
    static BIG: Embedding<4096, 64> = Embedding::ZERO; // 1 MiB in .bss, never on a stack
    assert!(BIG.weight().as_flattened().iter().all(|&w| w == 0.0));

    let layer: Embedding<2, 3, f64> =
        Embedding::from_weights([[0.1 + 0.2, -0.0, f64::INFINITY], [f64::MIN_POSITIVE / 3.0, 1e300, f64::NAN]]);
    let mut source = String::new();
    layer.write_rust(&mut source).unwrap();
    assert_eq!(
        source,
        "constnet::layers::Embedding::from_weights([[0.30000000000000004, -0.0, f64::INFINITY], \
         [7.41691286169067e-309, 1e300, f64::NAN]])"
    );
    // That text, compiled: the same bits.
    const REBUILT: Embedding<2, 3, f64> = constnet::layers::Embedding::from_weights([
        [0.30000000000000004, -0.0, f64::INFINITY],
        [7.41691286169067e-309, 1e300, f64::NAN],
    ]);
    let bits = |m: &Embedding<2, 3, f64>| m.weight().as_flattened().iter().map(|w| w.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&REBUILT), bits(&layer));

    let positions: LearnedPositions<2, 1> = LearnedPositions::from_weights([[0.5], [-1.25]]);
    let mut source = String::new();
    (Embedding::<2, 1>::from_weights([[1.0], [2.0]]), positions, SinusoidalPositions).write_rust(&mut source).unwrap();
    assert_eq!(
        source,
        "(\n    constnet::layers::Embedding::from_weights([[1.0], [2.0]]),\n    \
         constnet::layers::LearnedPositions::from_weights([[0.5], [-1.25]]),\n    \
         constnet::layers::SinusoidalPositions,\n)"
    );

    // Initialised as PyTorch's nn.Embedding: N(0, 1), seeded, whatever the scheme.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let a = Embedding::<8, 8, f64>::init(&mut rng);
    let b = Embedding::<8, 8, f64>::init_with(Init::XavierUniform, &mut Xoshiro256PlusPlus::seed_from_u64(3));
    assert_eq!(a, b);
    assert!(a.weight().as_flattened().iter().any(|w| w.abs() > 1.0), "not a Xavier bound of √(6/16)");
}
