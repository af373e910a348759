//! `constnet_safetensors::load_with` on untrusted files, for an MLP, a CNN
//! with batch normalisation buffers (f32 and f64) and an LSTM named through
//! prefixes. Each run tries the input as a file, and as edits to a valid
//! file of the model (so that mutations reach the header's names, shapes,
//! dtypes and offsets, not only its length). Properties: never a panic; on
//! error the model is unchanged; on success the model exports to a file
//! that loads back to the same state.
#![no_main]

mod models;

use constnet::prelude::*;
use constnet::{Float, Model};
use constnet_safetensors::{Names, load_with, save_with};
use libfuzzer_sys::fuzz_target;
use models::{Cnn, Mlp, seeded};

type Rows = (Lstm<2, 3>, LastStep, Dense<3, 2>);

/// A valid file of `M` with `edits` applied: the first two bytes (if any)
/// truncate it, then each (position, byte) pair of the rest overwrites one
/// byte.
fn edited<F: Float, M: Model<F>>(edits: &[u8], names: &Names) -> Vec<u8> {
    let other: M = M::init(&mut Xoshiro256PlusPlus::seed_from_u64(8));
    let mut file = save_with(&other, names).expect("a model exports");
    if let [a, b, rest @ ..] = edits {
        file.truncate(usize::from(u16::from_le_bytes([*a, *b])).max(8));
        for pair in rest.chunks_exact(3) {
            let position = usize::from(u16::from_le_bytes([pair[0], pair[1]]));
            if let Some(byte) = file.get_mut(position) {
                *byte = pair[2];
            }
        }
    }
    file
}

/// Loads `input` into a seeded `M` and checks the properties.
fn check<F: Float, M: Model<F>>(input: &[u8], names: &Names) {
    {
        let mut model: M = seeded();
        let before = save_with(&model, names).expect("a model exports");
        match load_with(&mut model, input, names) {
            Err(error) => {
                let _ = error.to_string();
                assert_eq!(save_with(&model, names).unwrap(), before, "a refused file changed the model");
            }
            Ok(()) => {
                let exported = save_with(&model, names).expect("a loaded model exports");
                let mut again: M = seeded();
                load_with(&mut again, &exported, names).expect("an exported model loads");
                assert_eq!(save_with(&again, names).unwrap(), exported, "the model does not round-trip");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let plain = Names::new();
    // The input as a file (it is one only by chance)...
    check::<f32, Mlp<f32>>(data, &plain);
    // ... and as edits to each model's own file.
    check::<f32, Mlp<f32>>(&edited::<f32, Mlp<f32>>(data, &plain), &plain);
    check::<f32, Cnn<f32>>(&edited::<f32, Cnn<f32>>(data, &plain), &plain);
    check::<f64, Cnn<f64>>(&edited::<f64, Cnn<f64>>(data, &plain), &plain);
    let rows = Names::new().prefix("0", "rnn").prefix("2", "fc");
    check::<f32, Rows>(&edited::<f32, Rows>(data, &rows), &rows);
});
