//! Rust source written from a `.tflite` file compiles in a `static` and is
//! the model [`load`](constnet_tflite::load) builds: the committed sources
//! in `tests/generated/` are regenerated here (by `build_model_source`, as
//! a `build.rs` would) and must be byte for byte what is committed, so they
//! cannot go stale, and the `static`s built from them must equal the
//! loaded models and give the same outputs. Between them, the two models
//! have every int8 layer.
//!
//! After a deliberate change of the written source, regenerate with
//! `CONSTNET_BLESS=1 cargo test -p constnet-tflite --test rust_source`.

use constnet::layers::Flatten;
use constnet::prelude::*;
use constnet::quant::{
    QAvgPool2d, QConv2d, QDense, QDepthwiseConv2d, QMaxPool2d, QSoftmax, QuantizedModel, SamePadding,
};

type Cnn = (QConv2d<1, 16, 3, 3, 8, 8, 6, 6>, QMaxPool2d<16, 2, 2, 6, 6, 3, 3>, Flatten<144>, QDense<144, 10>);

type DwCnn = (
    QConv2d<1, 8, 3, 3, 8, 8, 8, 8, 1, 1, SamePadding>,
    QDepthwiseConv2d<8, 8, 3, 3, 8, 8, 8, 8, 1, 1, SamePadding>,
    QConv2d<8, 16, 1, 1, 8, 8, 8, 8>,
    QAvgPool2d<16, 2, 2, 8, 8, 4, 4>,
    Flatten<256>,
    QDense<256, 10>,
    QSoftmax<10>,
);

static CNN: Cnn = include!("generated/digits_cnn.rs");
static DWCNN: DwCnn = include!("generated/digits_dwcnn.rs");

fn model_path(name: &str) -> String {
    format!("{}/../tests/data/int8/{name}.tflite", env!("CARGO_MANIFEST_DIR"))
}

/// Writes `name`'s source with `build_model_source` and asserts it is the
/// committed `tests/generated/{name}.rs` (or, blessing, replaces it).
fn assert_committed_source_is_current<M: QuantizedModel>(name: &str) {
    let written = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.rs"));
    constnet_tflite::build_model_source::<M>(model_path(name), &written).unwrap();
    let fresh = std::fs::read_to_string(&written).unwrap();
    // The header names the input file only by its name, so it does not
    // depend on where the repository is.
    assert!(fresh.starts_with(&format!("// Generated at build time by constnet-tflite from {name}.tflite:\n")));
    let committed_path = format!("{}/tests/generated/{name}.rs", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("CONSTNET_BLESS").is_some() {
        std::fs::write(&committed_path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == fresh,
        "tests/generated/{name}.rs is stale; regenerate it with CONSTNET_BLESS=1 cargo test -p constnet-tflite --test rust_source"
    );
}

/// Deterministic int8 images, the whole range.
fn images(count: usize) -> Vec<[[[i8; 1]; 8]; 8]> {
    let mut state = 0x9e37_79b9_u32;
    (0..count)
        .map(|_| {
            std::array::from_fn(|_| {
                std::array::from_fn(|_| {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    [(state >> 24) as u8 as i8]
                })
            })
        })
        .collect()
}

#[test]
fn the_digits_cnn_source_is_current_and_is_the_loaded_model() {
    assert_committed_source_is_current::<Cnn>("digits_cnn");
    let loaded = constnet_tflite::load_file::<Cnn>(model_path("digits_cnn")).unwrap().model;
    assert_eq!(CNN, loaded);
    for x in images(200) {
        assert_eq!(CNN.forward(&x), loaded.forward(&x));
    }
}

#[test]
fn the_digits_dwcnn_source_is_current_and_is_the_loaded_model() {
    assert_committed_source_is_current::<DwCnn>("digits_dwcnn");
    let loaded = constnet_tflite::load_file::<DwCnn>(model_path("digits_dwcnn")).unwrap().model;
    assert_eq!(DWCNN, loaded);
    for x in images(200) {
        assert_eq!(DWCNN.forward(&x), loaded.forward(&x));
    }
}
