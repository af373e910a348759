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

use std::{env, fs, path::PathBuf, process};

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
    println!("cargo:rerun-if-changed=build.rs");
}
