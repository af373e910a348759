//! Training modes: what a training pass ([`Backprop`](crate::Backprop))
//! does with the layers whose behaviour differs between training and
//! evaluation, as PyTorch's `model.train()` and `model.eval()`.
//!
//! | | [`TrainMode`] (`forward_tape`) | [`EvalMode`] (`forward_tape_eval`) |
//! |---|---|---|
//! | batch normalisation | the batch's statistics, running ones updated | the running statistics, unchanged |
//! | dropout | a fresh mask from the layer's generator | the identity |
//! | every other layer | the same | the same |
//!
//! Both compute gradients for every parameter. Evaluation mode is what
//! fine-tuning a trained model with its normalisation statistics frozen
//! needs (PyTorch's `model.eval()` followed by `loss.backward()`); it is
//! also the only mode in which a batch-normalised model can take one
//! sample at a time, since training mode needs a [`Batch`](crate::Batch)
//! to compute statistics from.
//!
//! The mode is a type, so it is part of the tape's type: a tape recorded
//! in one mode is back-propagated in that mode, and a single sample given
//! to batch normalisation in training mode is a compile error.

/// A training mode: [`TrainMode`] or [`EvalMode`]. Sealed.
pub trait Mode: sealed::Sealed + Copy + Default + core::fmt::Debug + 'static {
    /// `true` for [`TrainMode`].
    const TRAINING: bool;
}

/// Training mode, PyTorch's `model.train()`: batch normalisation uses the
/// statistics of the batch and updates its running ones, dropout drops.
/// [`forward_tape`](crate::Forward::forward_tape) records in this mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrainMode;

/// Evaluation mode, PyTorch's `model.eval()`, with gradients: batch
/// normalisation uses its running statistics and changes nothing, dropout
/// is the identity. [`forward_tape_eval`](crate::Forward::forward_tape_eval)
/// records in this mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EvalMode;

impl Mode for TrainMode {
    const TRAINING: bool = true;
}

impl Mode for EvalMode {
    const TRAINING: bool = false;
}

/// The modes in which a layer that couples the samples of a batch (batch
/// normalisation) can run on one sample `X`: only [`EvalMode`], where it
/// uses its running statistics. In [`TrainMode`] it needs a
/// [`Batch`](crate::Batch), and the compiler says so with this trait's
/// message.
#[diagnostic::on_unimplemented(
    message = "a layer that needs a batch to train was given one sample, `{X}`",
    label = "batch normalisation in training mode computes its statistics over a `Batch`",
    note = "give it a `Batch<_, B>` of at least two samples, or train in evaluation mode \
            (`forward_tape_eval`), which uses the running statistics"
)]
pub trait SingleSampleMode<X>: Mode {}

impl<X> SingleSampleMode<X> for EvalMode {}

mod sealed {
    /// Seals [`Mode`](super::Mode).
    pub trait Sealed {}
    impl Sealed for super::TrainMode {}
    impl Sealed for super::EvalMode {}
}
