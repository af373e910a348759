//! From PyTorch to a microcontroller: load a CNN that PyTorch trained and
//! saved with `safetensors.torch.save_file(model.state_dict(), path)`, check
//! it against its constnet type, evaluate it on the digits it was tested on,
//! and write it as Rust source for firmware.
//!
//! Run with `cargo run --release --example from_pytorch [-- MODEL.safetensors [OUTPUT_DIR]]`
//! (defaults: `tests/data/interop/cnn.safetensors`, `target/from_pytorch`).
//! The PyTorch model is
//!
//! ```text
//! nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(144, 10))
//! ```
//!
//! and its state dict holds `0.weight`, `0.bias`, `4.weight` and `4.bias`:
//! a tuple stack's position `k` is the `nn.Sequential`'s module `k`.

mod support;

use std::error::Error;
use std::path::PathBuf;

use constnet::WithoutPaths;
use constnet::prelude::*;
use constnet::state::{self, StateEntry};
use constnet_safetensors::Names;
use support::cnn_digits::{self, Cnn};
use support::digits;
use support::display::print_test_report;

/// The digits PyTorch held out when it trained the model (the rows of
/// `data/digits.csv` listed in the reference's `test_indices`).
static REFERENCE: &str = include_str!("../tests/data/interop/cnn.json");

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let input = args.next().map_or_else(|| PathBuf::from("tests/data/interop/cnn.safetensors"), PathBuf::from);
    let out_dir = args.next().map_or_else(|| PathBuf::from("target/from_pytorch"), PathBuf::from);
    std::fs::create_dir_all(&out_dir)?;

    // 1. Check and load: every tensor's name, shape and dtype against the type.
    let bytes = std::fs::read(&input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
    let net = constnet_safetensors::from_bytes::<f32, Cnn>(&bytes, &Names::new())?;
    let model_type = WithoutPaths(core::any::type_name::<Cnn>());
    println!("from_pytorch: {} ({} bytes) fits {model_type}", input.display(), bytes.len());
    state::visit(&*net, &mut |path, layer, entry| {
        if let StateEntry::Tensor(tensor) = entry {
            println!("  {:<10} {:<14} {}", path.to_string(), tensor.shape.to_string(), WithoutPaths(layer));
        }
    });

    // A type that does not fit is refused, with what to fix.
    type Wrong = (Conv2d<1, 8, 3, 6, 6>, Relu, MaxPool2d<2, 3, 3>, Flatten<72>, Dense<72, 10>);
    if let Err(error) = constnet_safetensors::from_bytes::<f32, Wrong>(&bytes, &Names::new()) {
        println!("the same file into an 8-channel CNN: {error}");
    }

    // 2. Evaluate on the digits PyTorch held out.
    let data = digits::load()?;
    let images = cnn_digits::images(&data);
    let reference: serde_json::Value = serde_json::from_str(REFERENCE)?;
    let test: Vec<usize> = serde_json::from_value(reference["test_indices"].clone())?;
    let mut confusion = ConfusionMatrix::<10>::new();
    for &index in &test {
        confusion.add(data.labels[index], argmax(&net.forward(&images[index].0)))?;
    }
    print_test_report(&confusion);

    // 3. Rust source for firmware: `static NET: Cnn = include!("pytorch_cnn.rs");`.
    // (The firmware crate does this in its build.rs with
    // `constnet_safetensors::build_model_source`, from the same file.)
    let mut source = format!(
        "// Converted by `cargo run --release --example from_pytorch` from {}:\n// {}.\n",
        input.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        core::any::type_name::<Cnn>()
    );
    source += &constnet_safetensors::rust_source::<f32, Cnn>(&bytes, &Names::new())?;
    let model = out_dir.join("pytorch_cnn.rs");
    std::fs::write(&model, source + "\n")?;
    println!("wrote {} (for `static NET: Cnn = include!(\"pytorch_cnn.rs\");`)", model.display());
    Ok(())
}
