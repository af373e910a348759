//! Typed safetensors import and export for [`constnet`] models: PyTorch
//! weights in, a model trained here out to PyTorch, and Rust source for
//! firmware at build time.
//!
//! Host only (it needs `std`, `serde_json` and the Hugging Face
//! [`safetensors`] crate); firmware depends on `constnet` alone and gets
//! its weights as a `static` through [`build_model_source`] in its
//! `build.rs`.
//!
//! # Names
//!
//! Tensors are matched by PyTorch's `state_dict` names, which a model
//! derives from its structure ([`constnet::state`]): a tuple stack mirrors
//! an `nn.Sequential`, whose position `k` is module `k`, activations
//! included — `Sequential(Linear, Tanh, Linear)` is
//! `(Dense<…>, Tanh, Dense<…>)`, with `0.weight`, `0.bias`, `2.weight`,
//! `2.bias` — and a struct deriving `Model` is a module whose fields are
//! its children. [`Names`] maps prefixes for anything else. Layers name
//! their tensors as PyTorch does (`weight`, `bias`, `running_mean`,
//! `running_var`, `num_batches_tracked`, `weight_ih_l0`, …), in PyTorch's
//! layouts.
//!
//! # Checks
//!
//! Every tensor's name, shape and dtype is checked against the model's
//! type before a value is written: a missing, unexpected or misshapen
//! tensor, a dtype that cannot be read, a truncated or malformed file are
//! each an [`ImportError`] that names the tensor, the layer and its type,
//! and the model is then unchanged. The file is untrusted: nothing it
//! claims is allocated before the `safetensors` crate has checked it
//! against the bytes actually there, and nothing panics.
//!
//! ```
//! use constnet::prelude::*;
//! use constnet_safetensors::{ImportError, Names};
//!
//! // PyTorch: `Rows(rnn=nn.LSTM(8, 32, batch_first=True), fc=nn.Linear(32, 10))`,
//! // whose forward takes the last step's output.
//! type Rows = (Lstm<8, 32>, LastStep, Dense<32, 10>);
//! let names = Names::new().prefix("0", "rnn").prefix("2", "fc");
//!
//! let trained = Rows::init(&mut Xoshiro256PlusPlus::seed_from_u64(3));
//! let bytes = constnet_safetensors::save_with(&trained, &names)?;
//! let model = constnet_safetensors::from_bytes::<f32, Rows>(&bytes, &names)?;
//! let steps = Sequence([[0.25; 8]; 8]);
//! assert_eq!(model.forward(&steps), trained.forward(&steps));
//!
//! // Without the prefixes, the file's names are not the model's.
//! let error = constnet_safetensors::from_bytes::<f32, Rows>(&bytes, &Names::new()).unwrap_err();
//! assert!(matches!(error, ImportError::Missing { ref name, .. } if name == "0.weight_ih_l0"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod dtype;
mod error;
mod export;
mod import;
mod names;
mod rust_source;

pub use error::{ExportError, ImportError, LayerAt};
pub use export::{save, save_file, save_with};
pub use import::{from_bytes, load, load_file, load_with};
pub use names::Names;
pub use rust_source::{build_model_source, rust_source};
/// The `safetensors` crate's types that appear in errors.
pub use safetensors::{Dtype, SafeTensorError};
