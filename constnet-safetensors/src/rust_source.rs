//! Safetensors to Rust source, for firmware: the model checked and built on
//! the host at build time, and compiled into the image as a `static`, so
//! the firmware links no parser and keeps its weights in flash.

use std::fmt::Write as _;
use std::path::Path;

use constnet::{Float, Model};

use crate::{ImportError, Names, from_bytes};

/// The model of type `M` with the weights of the safetensors file `bytes`,
/// as a Rust expression that builds it in a `const` or `static` context
/// (see [`Model::write_rust`]), every value exact. The file is checked
/// against `M` exactly as [`load_with`](crate::load_with) checks it.
///
/// ```
/// use constnet::prelude::*;
///
/// type Net = (Dense<2, 1>, Sigmoid);
/// let net: Net = (Dense::from_weights([[0.5, -0.25]], [0.125]), Sigmoid);
/// let bytes = constnet_safetensors::save(&net)?;
/// let source = constnet_safetensors::rust_source::<f32, Net>(&bytes, &Default::default())?;
/// assert_eq!(
///     source,
///     "(\n    constnet::layers::Dense::from_weights([[0.5, -0.25]], [0.125]),\n    constnet::layers::Sigmoid,\n)"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`load`](crate::load).
pub fn rust_source<F: Float, M: Model<F>>(bytes: &[u8], names: &Names) -> Result<String, ImportError> {
    let model = from_bytes::<F, M>(bytes, names)?;
    let mut source = String::new();
    // Writing to a `String` cannot fail.
    let _ = model.write_rust(&mut source);
    Ok(source)
}

/// For a `build.rs`: reads the safetensors file `input`, checks it against
/// `M`, and writes the model as Rust source to `output` (usually in
/// `OUT_DIR`), headed by a comment naming both, so that the firmware says
///
/// ```text
/// static NET: Net = include!(concat!(env!("OUT_DIR"), "/net.rs"));
/// ```
///
/// It prints `cargo:rerun-if-changed` for `input`, so cargo rebuilds when
/// the weights change. A file that does not fit `M` fails the build with
/// the [`ImportError`]'s message.
///
/// # Errors
///
/// [`ImportError::Io`] if `input` cannot be read or `output` written;
/// otherwise as [`load`](crate::load).
pub fn build_model_source<F: Float, M: Model<F>>(
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
    names: &Names,
) -> Result<(), ImportError> {
    let (input, output) = (input.as_ref(), output.as_ref());
    println!("cargo:rerun-if-changed={}", input.display());
    let bytes = std::fs::read(input).map_err(|source| io_error(input, source))?;
    let mut source = String::new();
    let _ = writeln!(
        source,
        "// Generated at build time by constnet-safetensors from {}:\n// {}.",
        input.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        core::any::type_name::<M>()
    );
    source.push_str(&rust_source::<F, M>(&bytes, names)?);
    source.push('\n');
    std::fs::write(output, source).map_err(|source| io_error(output, source))
}

/// An [`ImportError::Io`] for `path`.
fn io_error(path: &Path, source: std::io::Error) -> ImportError {
    ImportError::Io { path: path.to_path_buf(), source }
}
