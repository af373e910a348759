//! Early stopping on the validation loss, keeping the best model.

use crate::{Float, InvalidHyperparameter};

/// What [`EarlyStopping::update`] advises after an epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The validation loss improved; the model was saved as the best so far.
    Improved,
    /// No improvement, but patience is not exhausted: keep training.
    Continue,
    /// No improvement for `patience` epochs in a row: stop, then call
    /// [`EarlyStopping::restore_best`].
    Stop,
}

impl Decision {
    /// Whether training should stop.
    pub const fn should_stop(self) -> bool {
        matches!(self, Decision::Stop)
    }
}

/// Early stopping: watches the validation loss after each epoch, keeps a copy
/// of the best model, and says when to stop — after `patience` epochs in a
/// row without an improvement of more than `min_delta` (Keras'
/// `EarlyStopping(patience, min_delta, restore_best_weights=True)` and
/// PyTorch Lightning's convention).
///
/// An epoch **improves** when its loss is below `best − min_delta`; the
/// first non-NaN loss always improves. A NaN loss never improves (it counts
/// against patience); the training helpers already stop on a non-finite
/// *training* loss with [`TrainError::NonFiniteLoss`](crate::TrainError).
///
/// **Memory:** the best model is held inline, so an `EarlyStopping<M, F>`
/// costs one extra model, `size_of::<M>()` bytes plus a few words, and no
/// heap. For a large model on a small stack, keep it in a `static` or in a
/// `Box` on the host.
///
/// ```
/// use constnet::data::{Decision, EarlyStopping};
/// use constnet::prelude::*;
///
/// type Net = (Dense<1, 1>, Identity);
/// let mut stopper = EarlyStopping::<Net, f32>::new(2, 0.0).unwrap();
/// let mut net: Net = (Dense::from_weights([[0.0]], [0.0]), Identity);
/// let losses = [1.0, 0.5, 0.7, 0.6, 0.4];
/// let mut stopped_after = None;
/// for (epoch, &loss) in losses.iter().enumerate() {
///     net.0 = Dense::from_weights([[epoch as f32]], [0.0]); // "training"
///     if stopper.update(epoch, loss, &net) == Decision::Stop {
///         stopped_after = Some(epoch);
///         break;
///     }
/// }
/// assert_eq!(stopped_after, Some(3)); // epochs 2 and 3 did not beat 0.5
/// assert_eq!(stopper.best_epoch(), Some(1));
/// assert!(stopper.restore_best(&mut net));
/// assert_eq!(net.0.weight(), [[1.0]]); // the model of epoch 1
/// ```
#[derive(Clone, Debug)]
pub struct EarlyStopping<M, F = f32> {
    patience: usize,
    min_delta: F,
    best: Option<Best<M, F>>,
    since_best: usize,
}

#[derive(Clone, Debug)]
struct Best<M, F> {
    epoch: usize,
    loss: F,
    model: M,
}

impl<M: Clone, F: Float> EarlyStopping<M, F> {
    /// Stops after `patience` epochs in a row without improving the best
    /// validation loss by more than `min_delta`. `patience` 0 stops at the
    /// first epoch that does not improve.
    ///
    /// # Errors
    ///
    /// [`InvalidHyperparameter`] if `min_delta` is negative, infinite or NaN.
    pub fn new(patience: usize, min_delta: F) -> Result<Self, InvalidHyperparameter> {
        if !(min_delta >= F::zero() && min_delta.is_finite()) {
            return Err(InvalidHyperparameter {
                name: "early-stopping min_delta",
                value: min_delta.as_f64(),
                expected: "a finite number >= 0",
            });
        }
        Ok(EarlyStopping { patience, min_delta, best: None, since_best: 0 })
    }

    /// Records the validation loss of `epoch` (any numbering; it is only
    /// reported back by [`best_epoch`](Self::best_epoch)) and, if it
    /// improved, a copy of `model`.
    pub fn update(&mut self, epoch: usize, validation_loss: F, model: &M) -> Decision {
        let improved = !validation_loss.is_nan()
            && self.best.as_ref().is_none_or(|best| validation_loss < best.loss - self.min_delta);
        if improved {
            match &mut self.best {
                Some(best) => {
                    best.epoch = epoch;
                    best.loss = validation_loss;
                    best.model.clone_from(model); // in place: no second model on the stack
                }
                None => self.best = Some(Best { epoch, loss: validation_loss, model: model.clone() }),
            }
            self.since_best = 0;
            Decision::Improved
        } else {
            self.since_best = self.since_best.saturating_add(1);
            if self.since_best >= self.patience { Decision::Stop } else { Decision::Continue }
        }
    }

    /// Copies the best model into `model`. Returns `false`, leaving `model`
    /// unchanged, if no epoch has been recorded yet (or every loss was NaN).
    pub fn restore_best(&self, model: &mut M) -> bool {
        match &self.best {
            Some(best) => {
                model.clone_from(&best.model);
                true
            }
            None => false,
        }
    }

    /// The best model so far.
    pub fn best_model(&self) -> Option<&M> {
        self.best.as_ref().map(|best| &best.model)
    }

    /// The epoch of the best validation loss so far.
    pub fn best_epoch(&self) -> Option<usize> {
        self.best.as_ref().map(|best| best.epoch)
    }

    /// The best validation loss so far.
    pub fn best_loss(&self) -> Option<F> {
        self.best.as_ref().map(|best| best.loss)
    }

    /// How many updates in a row have not improved.
    pub const fn epochs_without_improvement(&self) -> usize {
        self.since_best
    }

    /// The patience given to [`new`](Self::new).
    pub const fn patience(&self) -> usize {
        self.patience
    }

    /// The minimum improvement given to [`new`](Self::new).
    pub fn min_delta(&self) -> F {
        self.min_delta
    }

    /// Forgets the best model and the count, to start a new run.
    pub fn reset(&mut self) {
        self.best = None;
        self.since_best = 0;
    }
}
