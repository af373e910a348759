//! A struct deriving `Model` is named like the PyTorch module it mirrors:
//! PyTorch's `Rows(rnn=LSTM(8, 32, batch_first=True), fc=Linear(32, 10))`
//! loads into `Rows { rnn, last, fc }` with no name mapping (`last` has no
//! parameters), and gives PyTorch's logits.

use constnet::prelude::*;
use constnet_safetensors::Names;

#[derive(Model, Sequential)]
struct Rows {
    rnn: Lstm<8, 32>,
    last: LastStep,
    fc: Dense<32, 10>,
}

static FILE: &[u8] = include_bytes!("../../tests/data/interop/lstm.safetensors");
static REFERENCE: &str = include_str!("../../tests/data/interop/lstm.json");

#[test]
fn a_derived_struct_loads_the_pytorch_module_by_its_field_names() {
    let rows = constnet_safetensors::from_bytes::<f32, Rows>(FILE, &Names::new()).expect("the names are the fields'");
    let reference: serde_json::Value = serde_json::from_str(REFERENCE).unwrap();
    let (inputs, outputs) = (reference["inputs"].as_array().unwrap(), reference["outputs"].as_array().unwrap());
    let mut worst = 0.0f64;
    for (input, expected) in inputs.iter().zip(outputs) {
        let x: Vec<f32> = input.as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
        let steps: Sequence<[f32; 8], 8> = Sequence(core::array::from_fn(|t| core::array::from_fn(|k| x[8 * t + k])));
        let y = rows.forward(&steps);
        let expected: Vec<f64> = expected.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let (diff, norm) =
            y.iter().zip(&expected).fold((0.0, 0.0), |(d, n), (&a, &b)| (d + (f64::from(a) - b).powi(2), n + b * b));
        worst = worst.max((diff / norm).sqrt());
    }
    assert_eq!(inputs.len(), 360);
    assert!(worst <= 1e-5, "worst normwise relative error {worst:e}");

    // And it exports under the same names.
    let exported = constnet_safetensors::save(&*rows).unwrap();
    let mut names = safetensors::SafeTensors::deserialize(&exported)
        .unwrap()
        .names()
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    names.sort();
    assert_eq!(
        names,
        ["fc.bias", "fc.weight", "rnn.bias_hh_l0", "rnn.bias_ih_l0", "rnn.weight_hh_l0", "rnn.weight_ih_l0"]
    );
}
