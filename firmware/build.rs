//! Picks the board's memory map by target: `memory/mps2-an386.x` for the
//! Cortex-M4F (thumbv7em-none-eabihf), `memory/microbit.x` for the Cortex-M0
//! (thumbv6m-none-eabi), and puts it where cortex-m-rt's `link.x` finds it.
//!
//! And the `pytorch_cnn` image's model: the PyTorch file
//! `../tests/data/interop/cnn.safetensors`, checked against the model type
//! `src/models/pytorch_cnn_type.rs` (the very file the image compiles) and
//! written as Rust source to `OUT_DIR/pytorch_cnn.rs`, which
//! `src/pytorch_cnn.rs` `include!`s into `static NET`. A file that does not
//! fit the type (a tensor missing, unexpected, of another shape or dtype)
//! fails the build with the import error's message.
//!
//! And the int8 images' models, the same way: the TensorFlow Lite files
//! `../tests/data/int8/*.tflite`, checked against the types of
//! `src/models/int8_*_type.rs` by `constnet_tflite::build_model_source` and
//! written to `OUT_DIR/int8_*.rs`; for the digits models also the
//! quantised value of each raw pixel 0–16 (`p / 16` by the file's input
//! scale and zero point, TFLite's `QUANTIZE`), `OUT_DIR/int8_*_pixels.rs`.

use std::{env, fs, path::PathBuf, process};

#[path = "src/models/int8_cnn_digits_type.rs"]
mod int8_cnn_digits_type;
#[path = "src/models/int8_digits_type.rs"]
mod int8_digits_type;
#[path = "src/models/int8_sine_type.rs"]
mod int8_sine_type;
#[path = "src/models/pytorch_cnn_type.rs"]
mod pytorch_cnn_type;

/// The PyTorch-trained CNN (`safetensors.torch.save_file(model.state_dict())`).
const PYTORCH_CNN: &str = "../tests/data/interop/cnn.safetensors";

fn main() {
    let target = env::var("TARGET").unwrap_or_default();
    let board = if target.starts_with("thumbv6m") { "microbit" } else { "mps2-an386" };
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (from, to) in [(format!("memory/{board}.x"), "memory.x"), ("memory/device.x".to_string(), "device.x")] {
        fs::copy(&from, out.join(to)).unwrap_or_else(|e| panic!("copying {from}: {e}"));
        println!("cargo:rerun-if-changed={from}");
    }
    println!("cargo:rustc-link-search={}", out.display());

    // Prints `cargo:rerun-if-changed` for the safetensors file itself.
    let names = constnet_safetensors::Names::new();
    if let Err(error) = constnet_safetensors::build_model_source::<f32, pytorch_cnn_type::PytorchCnn>(
        PYTORCH_CNN,
        out.join("pytorch_cnn.rs"),
        &names,
    ) {
        // Cargo shows the warning and fails the build on the exit status.
        println!("cargo:warning=pytorch_cnn: no model from {PYTORCH_CNN}: {error}");
        process::exit(1);
    }
    println!("cargo:rerun-if-changed=src/models/pytorch_cnn_type.rs");

    int8::<int8_sine_type::Sine8>(&out, "sine", "int8_sine", false);
    int8::<int8_digits_type::Digits8>(&out, "digits_mlp", "int8_digits", true);
    int8::<int8_cnn_digits_type::Cnn8>(&out, "digits_cnn", "int8_cnn_digits", true);
    for image in ["int8_sine", "int8_digits", "int8_cnn_digits"] {
        println!("cargo:rerun-if-changed=src/models/{image}_type.rs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

/// The int8 model `../tests/data/int8/{file}.tflite` as `OUT_DIR/{image}.rs`,
/// and with `pixels` its input quantisation table as `OUT_DIR/{image}_pixels.rs`;
/// a file that does not fit `M` fails the build with the importer's message.
fn int8<M: constnet::quant::QuantizedModel>(out: &std::path::Path, file: &str, image: &str, pixels: bool) {
    let path = format!("../tests/data/int8/{file}.tflite");
    let fail = |error: &dyn std::fmt::Display| -> ! {
        println!("cargo:warning={image}: no model from {path}: {error}");
        process::exit(1)
    };
    if let Err(error) = constnet_tflite::build_model_source::<M>(&path, out.join(format!("{image}.rs"))) {
        fail(&error);
    }
    if pixels {
        let input = constnet_tflite::load_file::<M>(&path).unwrap_or_else(|error| fail(&error)).input;
        let table: Vec<i8> = (0..=16_u8).map(|p| input.quantize(f32::from(p) / 16.0)).collect();
        let source = format!("// {path}'s quantisation of each raw pixel 0-16 (p / 16).\n{table:?}\n");
        fs::write(out.join(format!("{image}_pixels.rs")), source).unwrap_or_else(|error| fail(&error));
    }
}
