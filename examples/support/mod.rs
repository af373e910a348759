//! Host-side helpers shared by the examples: a terminal progress bar for
//! training, PNG plots of training curves, the digits recipes (MLP,
//! CNN, recurrent and transformer), the keyword-spotting one and the tiny
//! GPT's. They use `std` and live here, outside the library, which stays
//! `no_std`.
//!
//! Use from an example with `mod support;` (the example's directory holds
//! `support/`), then `support::progress::Progress`, `support::plot::training_curves`.

// Each example uses only part of these helpers, and an example is its own
// crate, so what one example leaves unused would otherwise warn there.
#![allow(dead_code)]

pub mod cnn_digits;
pub mod digits;
pub mod display;
pub mod keyword_spotting;
pub mod plot;
pub mod progress;
pub mod sequence_digits;
pub mod tiny_gpt;
pub mod transformer_digits;
