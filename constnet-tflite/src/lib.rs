//! TensorFlow Lite int8 models into typed [`constnet`] models: a `.tflite`
//! file checked against a model type whose shapes are const generics, and
//! Rust source for firmware at build time.
//!
//! Host only (it needs `std` and the [`planus`] flatbuffer reader);
//! firmware depends on `constnet` alone and gets its model as a `static`
//! through [`build_model_source`] in its `build.rs`.
//!
//! # What is read
//!
//! The file's first subgraph, a chain of operators each of which is one of
//! the int8 layers of [`constnet::quant`]: `FULLY_CONNECTED`
//! ([`QDense`](constnet::quant::QDense)), `CONV_2D`
//! ([`QConv2d`](constnet::quant::QConv2d)), `DEPTHWISE_CONV_2D`
//! ([`QDepthwiseConv2d`](constnet::quant::QDepthwiseConv2d)),
//! `MAX_POOL_2D` and `AVERAGE_POOL_2D`, `RESHAPE` to a vector
//! ([`Flatten`](constnet::layers::Flatten)) and `SOFTMAX`
//! ([`QSoftmax`](constnet::quant::QSoftmax)), with int8 activations, int8
//! weights and int32 biases: a model converted with int8 input and output
//! (`inference_input_type = tf.int8`, and the same for the output), so
//! without `QUANTIZE` or `DEQUANTIZE`. The model type is a tuple of those
//! layers in the file's order.
//!
//! # Checks
//!
//! The file is untrusted: the flatbuffer is verified as it is read (a
//! truncated or corrupted file is an error, never a panic), each operator
//! must be supported and read the previous one's output, and each is then
//! checked against its layer's type by
//! [`QuantizedModel`](constnet::quant::QuantizedModel): operator kinds in
//! order, every shape, element type, quantisation, padding, stride and
//! fused activation. Each defect is a [`TfliteError`] that names the
//! operator and, by its name in the file, the tensor.
//!
//! ```
//! use constnet::prelude::*;
//! use constnet::quant::{QConv2d, QDense, QMaxPool2d};
//!
//! // Conv 3×3 (1 → 16 channels, VALID) on 8×8, max-pool 2×2, flatten, dense to 10.
//! type Cnn = (
//!     QConv2d<1, 16, 3, 3, 8, 8, 6, 6>,
//!     QMaxPool2d<16, 2, 2, 6, 6, 3, 3>,
//!     Flatten<144>,
//!     QDense<144, 10>,
//! );
//! let bytes = std::fs::read("../tests/data/int8/digits_cnn.tflite")?;
//! let cnn = constnet_tflite::load::<Cnn>(&bytes)?;
//!
//! // Quantise an input as the file says, run the int8 model, dequantise.
//! let image: [[[i8; 1]; 8]; 8] = [[[cnn.input.quantize(0.5)]; 8]; 8];
//! let scores = cnn.model.forward(&image).map(|q| cnn.output.dequantize(q));
//! assert_eq!(scores.len(), 10);
//!
//! // A type whose shapes are not the file's is refused, naming the operator and tensor.
//! type Wrong = (QConv2d<1, 8, 3, 3, 8, 8, 6, 6>, QMaxPool2d<8, 2, 2, 6, 6, 3, 3>, Flatten<72>, QDense<72, 10>);
//! let error = constnet_tflite::load::<Wrong>(&bytes).unwrap_err();
//! assert!(error.to_string().starts_with("operator 0 (CONV_2D), output tensor `"), "{error}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Only the generated flatbuffer code (planus's) has `unsafe`.
#![deny(unsafe_code)]
#![deny(missing_docs)]

mod builtin_names;
mod error;
mod import;
mod read;
mod rust_source;

/// The flatbuffer types generated from TensorFlow Lite's `schema.fbs` by
/// planus (see `schema/generate.sh`): readers and builders of every table.
/// Not part of this crate's stable interface; the tests build files with it.
#[doc(hidden)]
#[allow(unsafe_code, warnings, missing_docs, clippy::all, clippy::pedantic)]
#[rustfmt::skip]
#[path = "schema_generated.rs"]
pub mod schema;

pub use error::TfliteError;
pub use import::{Imported, load, load_file};
pub use rust_source::{build_model_source, rust_source};
