//! `Model::read_le_bytes` and `write_le_bytes` on arbitrary bytes, for an
//! MLP and a CNN with batch normalisation and a residual block, in f32 and
//! f64. Properties: never a panic; on error the model (or the output
//! buffer) is unchanged; on success the bytes round-trip exactly. The exact
//! length prefix of the input is tried too, so every run reaches the
//! success path.
#![no_main]

mod models;

use constnet::{Float, Model};
use libfuzzer_sys::fuzz_target;
use models::{Cnn, Mlp, bits, seeded};

fn check<F: Float, M: Model<F>>(data: &[u8]) {
    for input in [data, data.get(..M::BYTES).unwrap_or(data)] {
        let mut model: M = seeded();
        let before = bits(&model);
        match model.read_le_bytes(input) {
            Err(error) => {
                assert_ne!(input.len(), M::BYTES, "{error}");
                assert_eq!(bits(&model), before, "a failed read changed the model");
                let _ = error.to_string();
            }
            Ok(()) => {
                let mut out = vec![0_u8; M::BYTES];
                assert_eq!(model.write_le_bytes(&mut out), Ok(M::BYTES));
                assert_eq!(out, input, "the bytes do not round-trip");
            }
        }
    }
    // Writing into a buffer as long as the input: an error, and nothing
    // written, exactly when it is too short.
    let model: M = seeded();
    let mut out = data.to_vec();
    match model.write_le_bytes(&mut out) {
        Err(_) => assert!(data.len() < M::BYTES && out == data),
        Ok(written) => assert!(written == M::BYTES && out[M::BYTES..] == data[M::BYTES..]),
    }
}

fuzz_target!(|data: &[u8]| {
    check::<f32, Mlp<f32>>(data);
    check::<f64, Mlp<f64>>(data);
    check::<f32, Cnn<f32>>(data);
    check::<f64, Cnn<f64>>(data);
});
