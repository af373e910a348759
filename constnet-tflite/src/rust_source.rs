//! A `.tflite` file to Rust source, for firmware: the model checked and
//! built on the host at build time and compiled into the image as a
//! `static`, so the firmware links no flatbuffer reader and keeps its
//! weights in flash.

use std::fmt::Write as _;
use std::path::Path;

use constnet::quant::QuantizedModel;

use crate::{TfliteError, load};

/// The int8 model of type `M` in the `.tflite` file `bytes`, as a Rust
/// expression that builds it in a `const` or `static` context (see
/// [`WriteRust`](constnet::quant::WriteRust)), every value exact. The file is checked against `M`
/// exactly as [`load`] checks it.
///
/// ```
/// use constnet::quant::QDense;
///
/// type Sine = (QDense<1, 16>, QDense<16, 16>, QDense<16, 1>);
/// let bytes = std::fs::read("../tests/data/int8/sine.tflite")?;
/// let source = constnet_tflite::rust_source::<Sine>(&bytes)?;
/// assert!(source.starts_with("(\n    constnet::quant::QDense::new([["));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`load`].
pub fn rust_source<M: QuantizedModel>(bytes: &[u8]) -> Result<String, TfliteError> {
    let imported = load::<M>(bytes)?;
    let mut source = String::new();
    // Writing to a `String` cannot fail.
    let _ = imported.model.write_rust(&mut source);
    Ok(source)
}

/// For a `build.rs`: reads the `.tflite` file `input`, checks it against
/// `M`, and writes the model as Rust source to `output` (usually in
/// `OUT_DIR`), headed by a comment naming both and the input's and
/// output's quantisation, so that the firmware says
///
/// ```text
/// static NET: Net = include!(concat!(env!("OUT_DIR"), "/net.rs"));
/// ```
///
/// It prints `cargo:rerun-if-changed` for `input`, so cargo rebuilds when
/// the model changes. A file that does not fit `M` fails the build with
/// the [`TfliteError`]'s message.
///
/// # Errors
///
/// [`TfliteError::Io`] if `input` cannot be read or `output` written;
/// otherwise as [`load`].
pub fn build_model_source<M: QuantizedModel>(
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
) -> Result<(), TfliteError> {
    let (input, output) = (input.as_ref(), output.as_ref());
    println!("cargo:rerun-if-changed={}", input.display());
    let bytes = std::fs::read(input).map_err(|source| io_error(input, source))?;
    let imported = load::<M>(&bytes)?;
    let mut source = String::new();
    let _ = writeln!(
        source,
        "// Generated at build time by constnet-tflite from {}:\n// {}.\n// Input scale {:e}, zero point {}; output scale {:e}, zero point {}.",
        input.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        core::any::type_name::<M>(),
        imported.input.scale(),
        imported.input.zero_point(),
        imported.output.scale(),
        imported.output.zero_point(),
    );
    let _ = imported.model.write_rust(&mut source);
    source.push('\n');
    std::fs::write(output, source).map_err(|source| io_error(output, source))
}

/// A [`TfliteError::Io`] for `path`.
fn io_error(path: &Path, source: std::io::Error) -> TfliteError {
    TfliteError::Io { path: path.to_path_buf(), source }
}
