//! `Model::read_parameters` and `write_parameters` (PyTorch-order slices)
//! on arbitrary values, NaN and infinities included, for the MLP and the
//! CNN in f32 and f64. Properties: never a panic; on error the model is
//! unchanged; on success the values round-trip bit for bit.
#![no_main]

mod models;

use constnet::{Float, Model};
use libfuzzer_sys::fuzz_target;
use models::{Cnn, Mlp, bits, seeded};

fn check<F: Float, M: Model<F>>(data: &[u8]) {
    let values: Vec<F> = data
        .chunks_exact(F::SIZE)
        .map(|chunk| {
            let mut raw = [0_u8; 8];
            raw[..F::SIZE].copy_from_slice(chunk);
            F::from_bits_u64(u64::from_le_bytes(raw))
        })
        .collect();
    for input in [&values[..], values.get(..M::PARAMS).unwrap_or(&values)] {
        let mut model: M = seeded();
        let before = bits(&model);
        match model.read_parameters(input) {
            Err(error) => {
                assert_ne!(input.len(), M::PARAMS, "{error}");
                assert_eq!(bits(&model), before, "a failed read changed the model");
            }
            Ok(()) => {
                let mut out = vec![F::zero(); M::PARAMS];
                assert_eq!(model.write_parameters(&mut out), Ok(M::PARAMS));
                let same = out.iter().zip(input).all(|(a, b)| a.to_bits_u64() == b.to_bits_u64());
                assert!(same, "the values do not round-trip");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check::<f32, Mlp<f32>>(data);
    check::<f64, Mlp<f64>>(data);
    check::<f32, Cnn<f32>>(data);
    check::<f64, Cnn<f64>>(data);
});
