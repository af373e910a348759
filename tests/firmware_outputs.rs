//! The firmware images (`firmware/`) compute exactly what the host computes.
//!
//! This test compiles the same source files as the firmware — each image's
//! model, inputs and inference (or training) function in
//! `firmware/src/<image>.rs` — runs them on the host and compares every output,
//! as the bits of each `f32`, with `firmware/expected/<image>.out`.
//! `firmware/ci.sh` (run by `.ci/run`) runs the images under QEMU on the
//! Cortex-M4F and the Cortex-M0 and compares the `out` lines the devices
//! print with the same files. Host = file and device = file, for every
//! output, so host = device.
//!
//! After a deliberate change (a retrained model, a changed kernel), rewrite
//! the files from the host with
//! `FIRMWARE_EXPECTED=overwrite cargo test --test firmware_outputs` and
//! review the diff.

use constnet::prelude::*;
use constnet_safetensors::Names;

#[path = "../firmware/src/cnn_digits.rs"]
mod cnn_digits;
#[path = "../firmware/src/digits.rs"]
mod digits;
#[path = "../firmware/src/int8_cnn_digits.rs"]
mod int8_cnn_digits;
#[path = "../firmware/src/int8_digits.rs"]
mod int8_digits;
#[path = "../firmware/src/int8_sine.rs"]
mod int8_sine;
#[path = "../firmware/src/keyword_spotting.rs"]
mod keyword_spotting;
#[path = "../firmware/src/lstm_digits.rs"]
mod lstm_digits;
#[path = "../firmware/src/pytorch_cnn.rs"]
mod pytorch_cnn;
#[path = "../firmware/src/sine.rs"]
mod sine;
#[path = "../firmware/src/tiny_gpt.rs"]
mod tiny_gpt;
#[path = "../firmware/src/transformer_digits.rs"]
mod transformer_digits;
// The examples' recipes, to retrain the models the firmware carries.
#[path = "../examples/support/mod.rs"]
mod support;
#[path = "../firmware/src/xor_train.rs"]
mod xor_train;

/// An `f32` as the firmware prints it: its bits in hex, or `nan` (IEEE 754
/// leaves a NaN's payload to the hardware).
fn bits(x: f32) -> String {
    if x.is_nan() { "nan".to_string() } else { format!("{:08x}", x.to_bits()) }
}

/// Compares `actual` with `firmware/expected/<image>.out`, or rewrites the
/// file when `FIRMWARE_EXPECTED=overwrite`.
fn check_expected(image: &str, actual: &str) {
    let path = format!("{}/firmware/expected/{image}.out", env!("CARGO_MANIFEST_DIR"));
    if std::env::var("FIRMWARE_EXPECTED").is_ok_and(|mode| mode == "overwrite") {
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("writing {path}: {e}"));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    for (line, (got, want)) in actual.lines().zip(expected.lines()).enumerate() {
        assert_eq!(got, want, "{path}, line {}: the host computes `{got}`, the file says `{want}`", line + 1);
    }
    assert_eq!(actual.lines().count(), expected.lines().count(), "{path}: a different number of outputs");
}

/// The `out` lines of the `sine` image: index, input bits, output bits.
fn sine_outputs() -> String {
    (0..sine::INPUTS)
        .map(|k| {
            let x = sine::input(k);
            format!("out {k} {} {}\n", bits(x), bits(sine::infer(x)))
        })
        .collect()
}

/// A classifier's output value as the firmware prints it: an `f32`'s
/// bits (see [`bits`]), an int8 value in decimal.
trait Logit: Copy {
    fn text(self) -> String;
}

impl Logit for f32 {
    fn text(self) -> String {
        bits(self)
    }
}

impl Logit for i8 {
    fn text(self) -> String {
        self.to_string()
    }
}

/// The `out` lines of a classifier image, as its `classifier::run` prints
/// them: the sample's index, then its logits (ten for the digits).
fn classifier_outputs<X, L: Logit, const C: usize>(
    test_set: &[([u8; 64], u8)],
    input: impl Fn(&[u8; 64]) -> X,
    infer: impl Fn(&X) -> [L; C],
) -> String {
    let mut lines = String::new();
    for (k, (raw, _)) in test_set.iter().enumerate() {
        lines += &format!("out {k}");
        for value in infer(&input(raw)) {
            lines += &format!(" {}", value.text());
        }
        lines += "\n";
    }
    lines
}

#[test]
fn digits_image_outputs_equal_the_hosts_bit_for_bit() {
    check_expected("digits", &classifier_outputs(&digits::TEST_SET, digits::pixels, digits::infer));
}

/// The firmware's model and test set are exactly what the digits example
/// trains and holds out (seed 0), and it classifies 354 of the 360 test
/// digits, as the example reports.
#[test]
fn the_digits_image_carries_the_examples_model_and_test_split() {
    let data = support::digits::load().unwrap();
    let split = support::digits::split(data.samples.len(), 0).unwrap();
    for (&index, (raw, label)) in split.test.iter().zip(&digits::TEST_SET) {
        assert_eq!(digits::pixels(raw), data.samples[index].0);
        assert_eq!(usize::from(*label), data.labels[index]);
    }
    let trained = support::digits::train(&data, &split, 0, |_| {}).unwrap();
    let mut source = String::new();
    trained.write_rust(&mut source).unwrap();
    let file = include_str!("../firmware/src/models/digits.rs");
    assert_eq!(source, file.lines().filter(|line| !line.starts_with("//")).collect::<Vec<_>>().join("\n"));
    let correct = digits::TEST_SET
        .iter()
        .filter(|(raw, label)| digits::predicted(&digits::infer(&digits::pixels(raw))) == usize::from(*label))
        .count();
    assert_eq!(correct, 354);
}

#[test]
fn cnn_digits_image_outputs_equal_the_hosts_bit_for_bit() {
    check_expected("cnn_digits", &classifier_outputs(&cnn_digits::TEST_SET, cnn_digits::image, cnn_digits::infer));
}

/// The CNN image carries exactly the model `examples/cnn_digits.rs` trains
/// (seed 0), its test set is the digits image's, its input images are the
/// example's, and it classifies 355 of the 360 test digits, as the example
/// reports.
#[test]
fn the_cnn_image_carries_the_examples_model() {
    let data = support::digits::load().unwrap();
    let images = support::cnn_digits::images(&data);
    let split = support::digits::split(data.samples.len(), 0).unwrap();
    assert_eq!(cnn_digits::TEST_SET, digits::TEST_SET);
    for (&index, (raw, _)) in split.test.iter().zip(&cnn_digits::TEST_SET) {
        assert_eq!(cnn_digits::image(raw), images[index].0);
    }
    let trained = support::cnn_digits::train(&images, &data.labels, &split, 0, |_| {}).unwrap();
    let mut source = String::new();
    trained.write_rust(&mut source).unwrap();
    let file = include_str!("../firmware/src/models/cnn_digits.rs");
    assert_eq!(source, file.lines().filter(|line| !line.starts_with("//")).collect::<Vec<_>>().join("\n"));
    let correct = cnn_digits::TEST_SET
        .iter()
        .filter(|(raw, label)| {
            cnn_digits::predicted(&cnn_digits::infer(&cnn_digits::image(raw))) == usize::from(*label)
        })
        .count();
    assert_eq!(correct, 355);
}

#[test]
fn lstm_digits_image_outputs_equal_the_hosts_bit_for_bit() {
    check_expected("lstm_digits", &classifier_outputs(&lstm_digits::TEST_SET, lstm_digits::rows, lstm_digits::infer));
}

/// The image streams each digit row by row through the LSTM's step
/// function; that gives exactly the whole-sequence pass's bits.
#[test]
fn the_lstm_image_streams_the_whole_sequence_bits() {
    for (raw, _) in &lstm_digits::TEST_SET {
        let rows = lstm_digits::rows(raw);
        let whole = lstm_digits::NET.forward(&constnet::Sequence::new(rows));
        assert_eq!(lstm_digits::infer(&rows).map(f32::to_bits), whole.map(f32::to_bits));
    }
}

/// The LSTM image carries exactly the model `examples/sequence_digits.rs`
/// trains (seed 0), its test set is the digits image's, and it classifies
/// 357 of the 360 test digits correctly, as the example reports.
#[test]
fn the_lstm_image_carries_the_examples_model() {
    let data = support::digits::load().unwrap();
    let samples = support::sequence_digits::sequences(&data);
    let split = support::digits::split(data.samples.len(), 0).unwrap();
    assert_eq!(lstm_digits::TEST_SET, digits::TEST_SET);
    for (&index, (raw, _)) in split.test.iter().zip(&lstm_digits::TEST_SET) {
        assert_eq!(lstm_digits::rows(raw), *samples[index].0.as_array());
    }
    let trained: lstm_digits::LstmDigits =
        support::digits::train_classifier(&samples, &data.labels, &split, 0, support::sequence_digits::EPOCHS, |_| {})
            .unwrap();
    let mut source = String::new();
    trained.write_rust(&mut source).unwrap();
    let file = include_str!("../firmware/src/models/lstm_digits.rs");
    assert_eq!(source, file.lines().filter(|line| !line.starts_with("//")).collect::<Vec<_>>().join("\n"));
    let correct = lstm_digits::TEST_SET
        .iter()
        .filter(|(raw, label)| {
            lstm_digits::predicted(&lstm_digits::infer(&lstm_digits::rows(raw))) == usize::from(*label)
        })
        .count();
    assert_eq!(correct, 357);
}

#[test]
fn transformer_digits_image_outputs_equal_the_hosts_bit_for_bit() {
    check_expected(
        "transformer_digits",
        &classifier_outputs(&transformer_digits::TEST_SET, transformer_digits::tokens, transformer_digits::infer),
    );
}

/// The transformer image carries exactly the model
/// `examples/transformer_digits.rs` trains (seed 0), its test set is the
/// digits image's, its tokens are the example's, and it classifies 353 of
/// the 360 test digits correctly, as the example reports.
#[test]
fn the_transformer_image_carries_the_examples_model() {
    let data = support::digits::load().unwrap();
    let samples = support::sequence_digits::sequences(&data);
    let split = support::digits::split(data.samples.len(), 0).unwrap();
    assert_eq!(transformer_digits::TEST_SET, digits::TEST_SET);
    for (&index, (raw, _)) in split.test.iter().zip(&transformer_digits::TEST_SET) {
        assert_eq!(transformer_digits::tokens(raw), samples[index].0);
    }
    let trained: transformer_digits::TransformerDigits =
        support::transformer_digits::train(&samples, &data.labels, &split, 0, |_| {}).unwrap();
    let mut source = String::new();
    trained.write_rust(&mut source).unwrap();
    let file = include_str!("../firmware/src/models/transformer_digits.rs");
    assert_eq!(source, file.lines().filter(|line| !line.starts_with("//")).collect::<Vec<_>>().join("\n"));
    let correct = transformer_digits::TEST_SET
        .iter()
        .filter(|(raw, label)| {
            transformer_digits::predicted(&transformer_digits::infer(&transformer_digits::tokens(raw)))
                == usize::from(*label)
        })
        .count();
    assert_eq!(correct, 353);
}

#[test]
fn keyword_spotting_image_outputs_equal_the_hosts_bit_for_bit() {
    check_expected(
        "keyword_spotting",
        &classifier_outputs(&keyword_spotting::TEST_SET, keyword_spotting::frames, keyword_spotting::infer),
    );
}

/// The image streams each clip frame by frame through the whole network;
/// that gives exactly the whole pass's bits, and the recipe's own streaming
/// (on the recipe's state type, which is the image's).
#[test]
fn the_keyword_spotting_image_streams_the_whole_pass_bits() {
    let net: &support::keyword_spotting::Kws = &keyword_spotting::NET; // the same type
    let _: support::keyword_spotting::KwsState = keyword_spotting::KwsState::default();
    for (raw, _) in &keyword_spotting::TEST_SET {
        let clip = support::keyword_spotting::clip(raw);
        let whole = net.forward(&clip).map(f32::to_bits);
        assert_eq!(keyword_spotting::infer(&keyword_spotting::frames(raw)).map(f32::to_bits), whole);
        assert_eq!(support::keyword_spotting::stream(net, &clip).map(f32::to_bits), whole);
    }
}

/// The keyword-spotting image carries exactly the model
/// `examples/keyword_spotting.rs` trains (seed 0) and the example's test
/// split (the generated clips' 8-bit samples and keywords), its frames are
/// the example's input, and it classifies 301 of the 320 test clips
/// correctly, as the example reports.
#[test]
fn the_keyword_spotting_image_carries_the_examples_model_and_test_split() {
    use support::keyword_spotting as recipe;
    let data = recipe::generate().unwrap();
    let split = support::digits::split(data.samples.len(), 0).unwrap();
    assert_eq!(split.test.len(), keyword_spotting::TEST_SET.len());
    for (&index, (raw, label)) in split.test.iter().zip(&keyword_spotting::TEST_SET) {
        assert_eq!(*raw, data.raw[index]);
        assert_eq!(usize::from(*label), data.labels[index]);
        let frames = keyword_spotting::frames(raw);
        let clip = &data.samples[index].0;
        assert!((0..keyword_spotting::FRAMES).all(|t| frames[t] == clip.map(|channel| channel[t])));
    }
    let trained = recipe::train(&data.samples, &data.labels, &split, 0, |_| {}).unwrap();
    let mut source = String::new();
    trained.write_rust(&mut source).unwrap();
    let file = include_str!("../firmware/src/models/keyword_spotting.rs");
    assert_eq!(source, file.lines().filter(|line| !line.starts_with("//")).collect::<Vec<_>>().join("\n"));
    let correct = keyword_spotting::TEST_SET
        .iter()
        .filter(|(raw, label)| {
            keyword_spotting::predicted(&keyword_spotting::infer(&keyword_spotting::frames(raw))) == usize::from(*label)
        })
        .count();
    assert_eq!(correct, 301);
}

/// The PyTorch-trained CNN the `pytorch_cnn` image compiles in at build
/// time (its `build.rs` reads this file), loaded here on the host.
const PYTORCH_CNN_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/interop/cnn.safetensors");

fn pytorch_cnn_model() -> Box<pytorch_cnn::PytorchCnn> {
    let bytes = include_bytes!("data/interop/cnn.safetensors");
    constnet_safetensors::from_bytes::<f32, pytorch_cnn::PytorchCnn>(bytes, &Names::new())
        .unwrap_or_else(|e| panic!("{PYTORCH_CNN_FILE}: {e}"))
}

#[test]
fn pytorch_cnn_image_outputs_equal_the_hosts_bit_for_bit() {
    let net = pytorch_cnn_model();
    check_expected(
        "pytorch_cnn",
        &classifier_outputs(&pytorch_cnn::TEST_SET, pytorch_cnn::image, |x| pytorch_cnn::infer(&net, x)),
    );
}

/// The part of `tests/data/interop/cnn.json` the image's test set comes
/// from.
#[derive(serde::Deserialize)]
struct PytorchReference {
    test_indices: Vec<usize>,
    inputs: Vec<Vec<f64>>,
    labels: Vec<u8>,
    outputs: Vec<Vec<f64>>,
    accuracy: f64,
}

/// The image's test set is PyTorch's — the rows `test_indices` of
/// `data/digits.csv`, whose pixels / 16 are the JSON's `inputs` — its logits
/// are PyTorch's to float32 rounding, and it classifies 358 of the 360
/// digits correctly, PyTorch's accuracy (the image's `EXPECTED_CORRECT`).
#[test]
fn the_pytorch_cnn_image_carries_pytorchs_test_set_and_accuracy() {
    let json = include_str!("data/interop/cnn.json");
    let reference: PytorchReference = serde_json::from_str(json).expect("cnn.json parses");
    let data = support::digits::load().unwrap();
    assert_eq!(reference.test_indices.len(), pytorch_cnn::TEST_SET.len());
    for (k, (raw, label)) in pytorch_cnn::TEST_SET.iter().enumerate() {
        let index = reference.test_indices[k];
        let flat: Vec<f32> = pytorch_cnn::image(raw).iter().flatten().flatten().copied().collect();
        assert_eq!(flat, data.samples[index].0, "sample {k}: row {index} of data/digits.csv");
        assert_eq!(usize::from(*label), data.labels[index], "sample {k}: label");
        assert_eq!(flat.iter().map(|&x| f64::from(x)).collect::<Vec<_>>(), reference.inputs[k], "sample {k}: input");
        assert_eq!(*label, reference.labels[k], "sample {k}: label");
    }
    let net = pytorch_cnn_model();
    let mut correct = 0;
    for ((raw, label), expected) in pytorch_cnn::TEST_SET.iter().zip(&reference.outputs) {
        let logits = pytorch_cnn::infer(&net, &pytorch_cnn::image(raw));
        let (diff, norm) = logits
            .iter()
            .zip(expected)
            .fold((0.0, 0.0), |(d, n), (&a, &b)| (d + (f64::from(a) - b).powi(2), n + b * b));
        assert!((diff / norm).sqrt() <= 1e-5, "logits {logits:?}, PyTorch's {expected:?}");
        correct += usize::from(pytorch_cnn::predicted(&logits) == usize::from(*label));
    }
    assert_eq!(correct, 358);
    assert_eq!(correct as f64 / 360.0, reference.accuracy);
}

/// What the image's `build.rs` compiles in is the model the host loads:
/// `build_model_source`, called as `build.rs` calls it (same file, same
/// type, same names), writes a comment header and then exactly the host
/// model's `write_rust` source; the device's 3,600 logits then equal the
/// host's bit for bit (`ci.sh`).
#[test]
fn the_pytorch_cnn_build_time_source_is_the_host_loaded_model() {
    let output = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("pytorch_cnn.rs");
    constnet_safetensors::build_model_source::<f32, pytorch_cnn::PytorchCnn>(PYTORCH_CNN_FILE, &output, &Names::new())
        .unwrap();
    let generated = std::fs::read_to_string(&output).unwrap();
    let mut host = String::new();
    pytorch_cnn_model().write_rust(&mut host).unwrap();
    let (header, body): (Vec<&str>, Vec<&str>) = generated.lines().partition(|line| line.starts_with("//"));
    assert_eq!(header.len(), 2);
    assert!(header[0].contains("cnn.safetensors"), "{}", header[0]);
    assert_eq!(body.join("\n"), host);
}

#[test]
fn sine_image_outputs_equal_the_hosts_bit_for_bit() {
    check_expected("sine", &sine_outputs());
}

#[test]
fn the_sine_model_approximates_sin_on_its_range() {
    let errors: Vec<f64> = (0..=sine::GRID)
        .map(|k| {
            let x = sine::input(k);
            f64::from(sine::infer(x)) - f64::from(x).sin()
        })
        .collect();
    let mse = errors.iter().map(|e| e * e).sum::<f64>() / errors.len() as f64;
    let worst = errors.iter().fold(0.0_f64, |worst, e| worst.max(e.abs()));
    assert!(mse < 1e-4 && worst < 0.05, "MSE {mse:e}, largest error {worst}");
}

#[test]
fn the_sine_model_file_is_an_exact_export() {
    let mut source = String::new();
    sine::NET.write_rust(&mut source).unwrap();
    let file = include_str!("../firmware/src/models/sine.rs");
    let body = file.split_once('\n').map_or(file, |(_header, body)| body);
    assert_eq!(source, body.trim_end());
}

#[test]
fn non_finite_inputs_propagate_through_the_sine_model() {
    assert!(sine::infer(f32::NAN).is_nan());
    assert!(!sine::infer(f32::INFINITY).is_finite());
    assert!(!sine::infer(f32::NEG_INFINITY).is_finite());
}

/// The `out` lines of the `tiny_gpt` image: each generated byte's index
/// and value.
fn tiny_gpt_outputs(text: &[u8]) -> String {
    text.iter().enumerate().map(|(k, byte)| format!("out {k} {byte}\n")).collect()
}

/// The device generates the host's 200 bytes: its `out` lines equal the
/// file, and the hash the image checks itself against is the host's.
#[test]
fn tiny_gpt_image_outputs_equal_the_hosts_bit_for_bit() {
    let (text, done) = tiny_gpt::infer();
    check_expected("tiny_gpt", &tiny_gpt_outputs(&text));
    assert_eq!(
        tiny_gpt::fnv1a(&text),
        tiny_gpt::EXPECTED_HASH,
        "firmware/src/tiny_gpt.rs: EXPECTED_HASH should be {:#010x}",
        tiny_gpt::fnv1a(&text)
    );
    // 17 prompt characters and 199 generated ones pushed, and 5 restarts of
    // the full window, each re-feeding 31 characters before the new one.
    assert_eq!((done.tokens, done.steps, done.restarts), (200, 17 + 199 + 5 * 31, 5));
}

/// The image's model has the example's type, vocabulary, prompt and
/// temperature; whole passes over each context (no cache) generate its
/// bytes; and the model scores on the example's validation text the loss
/// its file's header states (the example's final figure).
#[test]
fn the_tiny_gpt_image_generates_what_whole_passes_of_the_examples_model_do() {
    let net: &support::tiny_gpt::TinyGpt = &tiny_gpt::NET; // the same type
    assert_eq!(tiny_gpt::CHARS, support::tiny_gpt::CHARS);
    assert_eq!(tiny_gpt::PROMPT_TEXT, support::tiny_gpt::PROMPT.as_bytes());
    assert_eq!(tiny_gpt::PROMPT.to_vec(), support::tiny_gpt::encode(support::tiny_gpt::PROMPT).unwrap());
    assert_eq!(tiny_gpt::TEMPERATURE, support::tiny_gpt::TEMPERATURE);
    let mut whole = Vec::new();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(tiny_gpt::SEED);
    let temperature = tiny_gpt::TEMPERATURE;
    support::tiny_gpt::generate_by_whole_passes(net, &tiny_gpt::PROMPT, tiny_gpt::COUNT, temperature, &mut rng, |t| {
        whole.push(tiny_gpt::CHARS[t.get()])
    })
    .unwrap();
    assert_eq!(whole, tiny_gpt::infer().0);

    let corpus = support::tiny_gpt::load().unwrap();
    let loss = support::tiny_gpt::measure::<_, { tiny_gpt::CONTEXT }>(net, &corpus.validation).loss;
    let file = include_str!("../firmware/src/models/tiny_gpt.rs");
    let stated = format!("// Validation loss {loss:.4} after ");
    assert!(file.lines().any(|line| line.starts_with(&stated)), "the file does not state `{stated}`");
}

/// The image carries exactly the model `examples/tiny_gpt.rs` trains
/// (seed 0). The training takes about a minute in release, so this test
/// is ignored by default: `cargo test --release --test firmware_outputs --
/// --ignored tiny_gpt`.
#[test]
#[ignore = "retrains the tiny GPT, about a minute in release: cargo test --release --test firmware_outputs -- --ignored"]
fn the_tiny_gpt_image_carries_the_examples_model() {
    let corpus = support::tiny_gpt::load().unwrap();
    let recipe = support::tiny_gpt::RECIPE;
    let trained: tiny_gpt::TinyGpt =
        support::tiny_gpt::train::<_, { tiny_gpt::CONTEXT }>(&recipe, &corpus, |_| {}).unwrap();
    let mut source = String::new();
    trained.write_rust(&mut source).unwrap();
    let file = include_str!("../firmware/src/models/tiny_gpt.rs");
    assert_eq!(source, file.lines().filter(|line| !line.starts_with("//")).collect::<Vec<_>>().join("\n"));
}

/// The `out` lines of the `xor_train` image: the final loss, the four
/// predictions and every trained parameter, in storage order.
fn xor_outputs() -> String {
    let (net, loss) = xor_train::train().expect("XOR training stopped on a non-finite loss");
    let mut lines = format!("out loss {}\n", bits(loss));
    for (k, (x, _)) in xor_train::DATA.iter().enumerate() {
        lines += &format!("out p{k} {}\n", bits(xor_train::infer(&net, x)));
    }
    let parameters = net.tensors().flat_map(|tensor| tensor.storage.iter().copied());
    for (k, value) in parameters.enumerate() {
        lines += &format!("out param {k} {}\n", bits(value));
    }
    lines
}

#[test]
fn xor_trained_on_the_device_equals_xor_trained_on_the_host_bit_for_bit() {
    check_expected("xor_train", &xor_outputs());
}

#[test]
fn each_image_states_a_budget_its_model_fits() {
    // The images check these at compile time (`const _: () = assert!(…)`);
    // a budget that is too small is a build error, see
    // tests/compile_fail/firmware_budget_exceeded.rs.
    assert_eq!((<sine::Sine as Model>::BYTES, sine::BUDGET), (1284, 1536));
    assert_eq!((<xor_train::Xor as Model>::BYTES, xor_train::BUDGET), (68, 128));
    assert_eq!((<pytorch_cnn::PytorchCnn as Model>::BYTES, pytorch_cnn::BUDGET), (6440, 8192));
    let transformer = (<transformer_digits::TransformerDigits as Model>::BYTES, transformer_digits::BUDGET);
    assert_eq!(transformer, (37672, 40960));
    assert_eq!((<keyword_spotting::Kws as Model>::BYTES, keyword_spotting::BUDGET), (5312, 6144));
    assert_eq!((<tiny_gpt::TinyGpt as Model>::BYTES, tiny_gpt::BUDGET), (118400, 122880));
}

/// The part of a `tests/data/int8/*.json` reference the int8 images are
/// checked against: the interpreter's quantised inputs and outputs.
#[derive(serde::Deserialize)]
struct Int8Reference {
    q_inputs: Vec<Vec<i8>>,
    q_outputs: Vec<Vec<i8>>,
    #[serde(default)]
    labels: Vec<u8>,
    #[serde(default)]
    int8_accuracy: f64,
}

fn int8_reference(json: &str) -> Int8Reference {
    serde_json::from_str(json).expect("the int8 reference parses")
}

/// The int8 model `tests/data/int8/{file}.tflite`, as the images' `build.rs`
/// reads it.
fn int8_model<M: constnet::quant::QuantizedModel>(bytes: &[u8], file: &str) -> constnet_tflite::Imported<M> {
    constnet_tflite::load::<M>(bytes).unwrap_or_else(|e| panic!("tests/data/int8/{file}.tflite: {e}"))
}

/// Each raw pixel 0–16 quantised as `build.rs` writes the table.
fn pixel_table(input: constnet::quant::QParams) -> [i8; 17] {
    std::array::from_fn(|p| input.quantize(p as f32 / 16.0))
}

/// The `int8_sine` image's outputs on all 256 inputs; and on the
/// reference's 100 test inputs the model gives exactly TensorFlow Lite's
/// interpreter's outputs.
#[test]
fn int8_sine_image_outputs_equal_the_hosts_and_the_interpreters() {
    let net = int8_model::<int8_sine::Sine8>(include_bytes!("data/int8/sine.tflite"), "sine").model;
    let lines: String = (i8::MIN..=i8::MAX).map(|x| format!("out {x} {}\n", int8_sine::infer(&net, x))).collect();
    check_expected("int8_sine", &lines);
    let reference = int8_reference(include_str!("data/int8/sine.json"));
    assert_eq!(reference.q_inputs.len(), 100);
    for (x, y) in reference.q_inputs.iter().zip(&reference.q_outputs) {
        assert_eq!([int8_sine::infer(&net, x[0])], y[..]);
    }
}

/// An int8 digits image: its outputs equal `expected/{image}.out`; its test
/// set, quantised through the pixel table, is the reference's `q_inputs`
/// with its labels; every output is the interpreter's `q_outputs`; and the
/// accuracy is the interpreter's.
fn check_int8_digits<X, const C: usize>(
    image: &str,
    json: &str,
    test_set: &[([u8; 64], u8)],
    input: impl Fn(&[u8; 64]) -> X,
    flat: impl Fn(&X) -> Vec<i8>,
    infer: impl Fn(&X) -> [i8; C],
) {
    check_expected(image, &classifier_outputs(test_set, &input, &infer));
    let reference = int8_reference(json);
    assert_eq!(reference.q_inputs.len(), test_set.len());
    let mut correct = 0;
    for (k, (raw, label)) in test_set.iter().enumerate() {
        let x = input(raw);
        assert_eq!(flat(&x), reference.q_inputs[k], "{image}: sample {k}'s quantised pixels");
        assert_eq!(*label, reference.labels[k]);
        let y = infer(&x);
        assert_eq!(y[..], reference.q_outputs[k], "{image}: sample {k}'s outputs");
        let best = (0..C).fold(0, |best, c| if y[c] > y[best] { c } else { best });
        correct += usize::from(best == usize::from(*label));
    }
    assert_eq!(correct, (reference.int8_accuracy * test_set.len() as f64).round() as usize);
}

#[test]
fn int8_digits_image_outputs_equal_the_hosts_and_the_interpreters() {
    let file = include_bytes!("data/int8/digits_mlp.tflite");
    let imported = int8_model::<int8_digits::Digits8>(file, "digits_mlp");
    let table = pixel_table(imported.input);
    check_int8_digits(
        "int8_digits",
        include_str!("data/int8/digits_mlp.json"),
        &int8_digits::TEST_SET,
        |raw| int8_digits::pixels(raw, &table),
        |x| x.to_vec(),
        |x| int8_digits::infer(&imported.model, x),
    );
}

#[test]
fn int8_cnn_digits_image_outputs_equal_the_hosts_and_the_interpreters() {
    let file = include_bytes!("data/int8/digits_cnn.tflite");
    let imported = int8_model::<int8_cnn_digits::Cnn8>(file, "digits_cnn");
    let table = pixel_table(imported.input);
    check_int8_digits(
        "int8_cnn_digits",
        include_str!("data/int8/digits_cnn.json"),
        &int8_cnn_digits::TEST_SET,
        |raw| int8_cnn_digits::image(raw, &table),
        |x| x.as_flattened().as_flattened().to_vec(),
        |x| int8_cnn_digits::infer(&imported.model, x),
    );
}
