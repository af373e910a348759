//! `constnet_safetensors::load_with` on untrusted files, for an MLP, a CNN
//! with batch normalisation buffers (f32 and f64) and an LSTM named through
//! prefixes. Each run tries the input as a file, and as edits to a valid
//! file of the model (so that mutations reach the header's names, shapes,
//! dtypes and offsets, not only its length). Properties: never a panic; on
//! error the model is unchanged; on success the model exports to a file
//! that loads back to the same state.
#![no_main]

mod models;

use std::sync::OnceLock;

use constnet::prelude::*;
use constnet::{Float, Model};
use constnet_safetensors::{Names, load_with, save_with};
use libfuzzer_sys::fuzz_target;
use models::{Cnn, Mlp, seeded};

type Rows = (Lstm<2, 3>, LastStep, Dense<3, 2>);

/// What every run of one model type starts from, computed once: its names,
/// a valid file of another model of the type (to edit), and the file of
/// the seeded model the input is loaded into.
struct Case {
    names: Names,
    valid: Vec<u8>,
    seeded: Vec<u8>,
}

impl Case {
    fn new<F: Float, M: Model<F>>(names: Names) -> Self {
        let other: M = M::init(&mut Xoshiro256PlusPlus::seed_from_u64(8));
        let valid = save_with(&other, &names).expect("a model exports");
        let seeded = save_with(&seeded::<F, M>(), &names).expect("a model exports");
        Case { names, valid, seeded }
    }

    /// The valid file with `edits` applied: if the first byte is odd, the
    /// next two truncate the file; then each triple (position as two bytes,
    /// value) overwrites one byte.
    fn edited(&self, edits: &[u8]) -> Vec<u8> {
        let mut file = self.valid.clone();
        let edits = match edits {
            [flags, a, b, rest @ ..] if flags & 1 == 1 => {
                file.truncate(usize::from(u16::from_le_bytes([*a, *b])));
                rest
            }
            [_, rest @ ..] => rest,
            [] => &[],
        };
        for triple in edits.chunks_exact(3) {
            if let Some(byte) = file.get_mut(usize::from(u16::from_le_bytes([triple[0], triple[1]]))) {
                *byte = triple[2];
            }
        }
        file
    }
}

/// Loads `input` into a seeded `M` and checks the properties.
fn check<F: Float, M: Model<F>>(input: &[u8], case: &Case) {
    let names = &case.names;
    let mut model: M = seeded();
    match load_with(&mut model, input, names) {
        Err(error) => {
            let _ = error.to_string();
            assert_eq!(save_with(&model, names).unwrap(), case.seeded, "a refused file changed the model");
        }
        Ok(()) => {
            let exported = save_with(&model, names).expect("a loaded model exports");
            let mut again: M = seeded();
            load_with(&mut again, &exported, names).expect("an exported model loads");
            assert_eq!(save_with(&again, names).unwrap(), exported, "the model does not round-trip");
        }
    }
}

struct Cases {
    mlp: Case,
    cnn: Case,
    cnn64: Case,
    rows: Case,
}

static CASES: OnceLock<Cases> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let cases = CASES.get_or_init(|| Cases {
        mlp: Case::new::<f32, Mlp<f32>>(Names::new()),
        cnn: Case::new::<f32, Cnn<f32>>(Names::new()),
        cnn64: Case::new::<f64, Cnn<f64>>(Names::new()),
        rows: Case::new::<f32, Rows>(Names::new().prefix("0", "rnn").prefix("2", "fc")),
    });
    // The input as a file (it is one only by chance)...
    check::<f32, Mlp<f32>>(data, &cases.mlp);
    // ... and as edits to each model's own file.
    check::<f32, Mlp<f32>>(&cases.mlp.edited(data), &cases.mlp);
    check::<f32, Cnn<f32>>(&cases.cnn.edited(data), &cases.cnn);
    check::<f64, Cnn<f64>>(&cases.cnn64.edited(data), &cases.cnn64);
    check::<f32, Rows>(&cases.rows.edited(data), &cases.rows);
});
