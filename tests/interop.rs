//! The PyTorch-trained models of `tests/data/interop/` (copied from the
//! reference set; `safetensors.torch.save_file(model.state_dict())`), each
//! loaded into its constnet type: every one of the 360 test inputs gives the
//! JSON's float32 logits, and the JSON's accuracy.

use constnet::Layer;
use constnet::prelude::*;
use constnet::state::{self, StateEntry};
use constnet_safetensors::{Names, from_bytes, save_with};
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    tensors: Vec<TensorInfo>,
    inputs: Vec<Vec<f64>>,
    outputs: Vec<Vec<f64>>,
    labels: Vec<usize>,
    accuracy: f64,
}

#[derive(Deserialize)]
struct TensorInfo {
    name: String,
    shape: Vec<usize>,
    dtype: String,
}

fn reference(name: &str) -> (Reference, Vec<u8>) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/interop");
    let json = std::fs::read_to_string(format!("{dir}/{name}.json")).expect("reference JSON");
    let bytes = std::fs::read(format!("{dir}/{name}.safetensors")).expect("reference safetensors");
    (serde_json::from_str(&json).expect("reference JSON parses"), bytes)
}

/// The worst normwise relative error over the samples, ‖y − ŷ‖/‖ŷ‖, and the
/// accuracy of the model's own logits.
fn compare(reference: &Reference, run: impl Fn(&[f32; 64]) -> [f32; 10]) -> (f64, f64) {
    let mut worst = 0.0f64;
    let mut correct = 0;
    for ((input, expected), &label) in reference.inputs.iter().zip(&reference.outputs).zip(&reference.labels) {
        let x: [f32; 64] = core::array::from_fn(|k| input[k] as f32);
        let y = run(&x);
        let (diff, norm) =
            y.iter().zip(expected).fold((0.0, 0.0), |(d, n), (&a, &b)| (d + (f64::from(a) - b).powi(2), n + b * b));
        worst = worst.max((diff / norm).sqrt());
        correct += usize::from(argmax(&y) == label);
    }
    assert_eq!(reference.inputs.len(), 360);
    (worst, correct as f64 / reference.inputs.len() as f64)
}

/// Loads the reference `name` into `M` with `names`, checks its logits
/// through `run` and its accuracy, and that the model writes back exactly
/// the file's names, shapes and values (what PyTorch's
/// `load_state_dict(load_file(path))` reads).
fn check<M: Model<f32>>(name: &str, names: &Names, run: impl Fn(&M, &[f32; 64]) -> [f32; 10]) {
    let (reference, bytes) = reference(name);
    let model = from_bytes::<f32, M>(&bytes, names).unwrap_or_else(|e| panic!("{name}: {e}"));
    let (worst, accuracy) = compare(&reference, |x| run(&model, x));
    println!("{name}: worst normwise relative error {worst:.2e}, accuracy {accuracy}");
    assert!(worst <= 1e-5, "{name}: logits differ from PyTorch's by {worst:e} (normwise relative)");
    assert_eq!(accuracy, reference.accuracy, "{name}: accuracy");

    // Exported under the same names, every tensor is the file's, bit for bit.
    let exported = save_with(&*model, names).expect("export");
    let (ours, theirs) = (
        safetensors::SafeTensors::deserialize(&exported).expect("our file parses"),
        safetensors::SafeTensors::deserialize(&bytes).expect("the reference parses"),
    );
    let mut our_names = ours.names();
    our_names.sort();
    let mut their_names: Vec<&str> = reference.tensors.iter().map(|t| t.name.as_str()).collect();
    their_names.sort();
    assert_eq!(our_names, their_names, "{name}: exported names");
    for info in &reference.tensors {
        let (a, b) = (ours.tensor(&info.name).unwrap(), theirs.tensor(&info.name).unwrap());
        assert_eq!(a.shape(), info.shape, "{name}: {}", info.name);
        match info.dtype.as_str() {
            // Values PyTorch counts and this library does not are written as 0.
            "int64" => assert_eq!(a.dtype(), safetensors::Dtype::I64),
            "float32" => assert_eq!(a.data(), b.data(), "{name}: {} values", info.name),
            // F16 files are widened exactly: written back as F32, every value the same.
            "float16" => {
                let widened: Vec<u8> = b
                    .data()
                    .chunks(2)
                    .flat_map(|h| half::f16::from_le_bytes([h[0], h[1]]).to_f32().to_le_bytes())
                    .collect();
                assert_eq!(a.data(), widened, "{name}: {} values", info.name);
            }
            other => panic!("{name}: unexpected dtype {other}"),
        }
    }
}

type Mlp = (Dense<64, 32>, Tanh, Dense<32, 10>);

#[test]
fn pytorch_mlp() {
    check::<Mlp>("mlp", &Names::new(), |m, x| m.forward(x));
}

#[test]
fn pytorch_mlp_stored_as_float16() {
    check::<Mlp>("mlp_f16", &Names::new(), |m, x| m.forward(x));
}

#[test]
fn pytorch_mlp_with_batch_norm_buffers() {
    type MlpBn = (Dense<64, 32>, BatchNorm1d<32>, Relu, Dense<32, 10>);
    check::<MlpBn>("mlp_bn", &Names::new(), |m, x| m.forward(x));
    // The running statistics are the file's buffers, not the defaults.
    let (_, bytes) = reference("mlp_bn");
    let model = from_bytes::<f32, MlpBn>(&bytes, &Names::new()).unwrap();
    assert!(model.1.running_var().iter().all(|&v| v != 1.0));
}

#[test]
fn pytorch_cnn() {
    type Cnn = (Conv2d<1, 16, 3, 6, 6>, Relu, MaxPool2d<2, 3, 3>, Flatten<144>, Dense<144, 10>);
    check::<Cnn>("cnn", &Names::new(), |m, x| {
        // The flat 64 pixels read as PyTorch's [1][8][8].
        let image: [[[f32; 8]; 8]; 1] = [core::array::from_fn(|r| core::array::from_fn(|c| x[8 * r + c]))];
        m.forward(&image)
    });
}

#[test]
fn pytorch_lstm_with_named_children() {
    // `Rows(rnn=LSTM(8, 32, batch_first=True), fc=Linear(32, 10))`, on the
    // last step's output.
    type Rows = (Lstm<8, 32>, LastStep, Dense<32, 10>);
    let names = Names::new().prefix("0", "rnn").prefix("2", "fc");
    check::<Rows>("lstm", &names, |m, x| {
        // Eight time steps of eight pixels: the image's rows.
        let rows: Sequence<[f32; 8], 8> = Sequence(core::array::from_fn(|t| core::array::from_fn(|k| x[8 * t + k])));
        m.forward(&rows)
    });
}

#[test]
fn an_f64_model_loads_float32_weights_exactly() {
    type Mlp64 = (Dense<64, 32, f64>, Tanh, Dense<32, 10, f64>);
    let (reference, bytes) = reference("mlp");
    let narrow = from_bytes::<f32, Mlp>(&bytes, &Names::new()).unwrap();
    let wide = from_bytes::<f64, Mlp64>(&bytes, &Names::new()).unwrap();
    let mut pairs = 0;
    let mut narrow_values = Vec::new();
    state::visit(&*narrow, &mut |_, _, entry| {
        if let StateEntry::Tensor(t) = entry {
            narrow_values.extend(t.storage.iter().map(|&v| f64::from(v)));
        }
    });
    state::visit(&*wide, &mut |_, _, entry| {
        if let StateEntry::Tensor(t) = entry {
            for &v in t.storage {
                assert_eq!(v, narrow_values[pairs]);
                pairs += 1;
            }
        }
    });
    assert_eq!(pairs, <Mlp as Model>::PARAMS);
    // In f64 the logits are PyTorch's float32 ones to float32 precision.
    let first: [f64; 64] = core::array::from_fn(|k| reference.inputs[0][k]);
    let y = wide.forward(&first);
    for (a, b) in y.iter().zip(&reference.outputs[0]) {
        assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "{a} vs {b}");
    }
}

/// Every entry's file name, shape and values after a save and a load: a
/// model round-trips through safetensors exactly.
fn round_trip<F: Float, M: Model<F> + Layer<X, Output = Y>, X, Y: PartialEq + std::fmt::Debug>(x: &X) -> Vec<String> {
    let model = M::init(&mut Xoshiro256PlusPlus::seed_from_u64(11));
    let bytes = constnet_safetensors::save(&model).expect("export");
    let mut loaded = M::ZERO;
    constnet_safetensors::load(&mut loaded, &bytes).expect("import of our own export");
    assert_eq!(loaded.eval(x), model.eval(x));
    assert_eq!(constnet_safetensors::save(&loaded).unwrap(), bytes);
    let parsed = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut names: Vec<String> =
        parsed.iter().map(|(name, view)| format!("{name} {:?} {:?}", view.shape(), view.dtype())).collect();
    names.sort();
    names
}

#[test]
fn models_round_trip_under_pytorchs_names() {
    type Bn = (Conv2d<2, 3, 3, 2, 2>, BatchNorm2d<3>, Relu, Flatten<12>, Residual<(Dense<12, 12>, Tanh)>, Dense<12, 2>);
    let image = [[[0.25f32; 4]; 4]; 2];
    assert_eq!(
        round_trip::<f32, Bn, _, _>(&image),
        [
            "0.bias [3] F32",
            "0.weight [3, 2, 3, 3] F32",
            "1.bias [3] F32",
            "1.num_batches_tracked [] I64",
            "1.running_mean [3] F32",
            "1.running_var [3] F32",
            "1.weight [3] F32",
            // A residual block is transparent: its stack's positions follow 4.
            "4.0.bias [12] F32",
            "4.0.weight [12, 12] F32",
            "5.bias [2] F32",
            "5.weight [2, 12] F32",
        ]
    );

    type Recurrent = (Stacked<(Lstm<3, 4, f64>, Lstm<4, 4, f64>)>, PerStep<(Dense<4, 2, f64>,)>, MeanOverSteps);
    let steps = Sequence([[0.5f64, -0.25, 1.0]; 5]);
    let names = round_trip::<f64, Recurrent, _, _>(&steps);
    assert_eq!(names.len(), 10);
    assert!(names.contains(&"0.weight_ih_l1 [16, 4] F64".to_string()), "{names:?}");
    assert!(names.contains(&"1.0.weight [2, 4] F64".to_string()), "{names:?}");

    type Both = (Bidirectional<Gru<3, 4>, 8>, LastStep, Dense<8, 2>);
    let steps = Sequence([[0.5f32, -0.25, 1.0]; 5]);
    let names = round_trip::<f32, Both, _, _>(&steps);
    assert!(names.contains(&"0.bias_hh_l0_reverse [12] F32".to_string()), "{names:?}");
    assert_eq!(names.len(), 10);

    type Audio = (Conv1d<2, 4, 3, 6>, Relu, Flatten<24>, LayerNorm<24>, Dense<24, 1>);
    let names = round_trip::<f32, Audio, _, _>(&[[0.5f32, 1.0, -1.0, 0.25, 0.0, 2.0, 1.5, -0.5]; 2]);
    assert!(names.contains(&"3.weight [24] F32".to_string()), "{names:?}");
}

/// A decoder-only character model trained nowhere but built in PyTorch
/// (`tests/data/interop/make_transformer_lm.py`: embedding, learned
/// positions, two pre-norm GELU `TransformerEncoderLayer`s under a causal
/// mask, a final `LayerNorm`, a `Linear` head), saved with its module
/// positions as names: it loads by name into the tuple stack, gives
/// PyTorch's float32 logits, and decodes step by step with the key/value
/// cache to the same bits as the whole pass.
#[test]
fn pytorch_transformer_language_model() {
    use constnet::layers::{Causal, LearnedPositions};

    type Block = TransformerEncoderLayer<16, 4, 32, f32, Gelu, PreNorm, Causal>;
    type Lm =
        (Embedding<11, 16>, LearnedPositions<12, 16>, Block, Block, PerStep<LayerNorm<16>>, PerStep<Dense<16, 11>>);

    #[derive(Deserialize)]
    struct LmReference {
        tensors: Vec<TensorInfo>,
        inputs: Vec<Vec<usize>>,
        outputs: Vec<Vec<Vec<f64>>>,
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/interop");
    let reference: LmReference =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/transformer_lm.json")).unwrap()).unwrap();
    let bytes = std::fs::read(format!("{dir}/transformer_lm.safetensors")).unwrap();
    let lm = from_bytes::<f32, Lm>(&bytes, &Names::new()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(state::len(&*lm), reference.tensors.len());

    let mut worst = 0.0_f64;
    for (ids, expected) in reference.inputs.iter().zip(&reference.outputs) {
        let ids = TokenId::<11>::sequence::<12>(ids.as_slice().try_into().unwrap()).unwrap();
        let logits = lm.forward(&ids);
        for (step, want) in logits.iter().zip(expected) {
            let (diff, norm) =
                step.iter().zip(want).fold((0.0, 0.0), |(d, n), (&a, &b)| (d + (f64::from(a) - b).powi(2), n + b * b));
            worst = worst.max((diff / norm).sqrt());
        }
        let mut decoding = Decoding::<Lm, TokenId<11>, 12>::new(&lm);
        for (token, step) in ids.iter().zip(logits.iter()) {
            assert_eq!(&decoding.push(token).unwrap(), step);
        }
    }
    println!("transformer_lm: worst normwise relative error {worst:.2e}");
    assert!(worst <= 1e-5, "logits differ from PyTorch's by {worst:e} (normwise relative)");
}
