//! Data handling without heap: the caller owns every buffer.
//!
//! A data set is a slice of samples; its order for an epoch is an index
//! permutation the caller owns (`[usize; N]` or a slice of one). From it:
//!
//! - [`identity_permutation`] and [`shuffle`] (seeded Fisher–Yates, the same
//!   permutation on every target for a given RNG state);
//! - [`train_validation_split`] cuts a permutation into two sub-slices;
//! - [`batches`] walks a permutation in mini-batches of indices, and
//!   [`gather`] copies a batch of samples into a caller-provided buffer;
//! - [`EarlyStopping`] watches the validation loss and keeps the best model;
//! - [`parse_labeled_csv`] and [`labeled_csv_rows`] read numeric labelled
//!   data (features then an integer class) from CSV text.
//!
//! ```
//! use constnet::data::{batches, gather, identity_permutation, shuffle, train_validation_split};
//! use constnet::prelude::*;
//!
//! let samples: [([f32; 1], usize); 10] = core::array::from_fn(|i| ([i as f32], i % 2));
//! let mut order = [0; 10];
//! identity_permutation(&mut order);
//! shuffle(&mut order, &mut Xoshiro256PlusPlus::seed_from_u64(42));
//! let (train, validation) = train_validation_split(&order, 0.8).unwrap();
//! assert_eq!((train.len(), validation.len()), (8, 2));
//!
//! let mut buffer = [([0.0_f32; 1], 0_usize); 3];
//! let mut seen = 0;
//! for batch in batches(train, 3).unwrap() {
//!     let batch = gather(&samples, batch, &mut buffer).unwrap(); // the filled prefix
//!     seen += batch.len();
//! }
//! assert_eq!(seen, 8); // batches of 3, 3 and 2
//! ```

mod batches;
mod csv;
mod early_stopping;
mod shuffle;
mod split;

pub use batches::{batches, gather};
pub use csv::{LabeledCsvRows, labeled_csv_rows, parse_labeled_csv};
pub use early_stopping::{Decision, EarlyStopping};
pub use shuffle::{identity_permutation, shuffle};
pub use split::train_validation_split;
