//! [`Sequence`]: `T` time steps of one sample.

use crate::axis::axis_container;

/// `T` time steps of type `X` (each step a vector `[F; I]` for a recurrent
/// layer): one sample whose outer axis is time. Like [`Batch`](crate::Batch),
/// it is its own type, never a plain array, so time steps are never taken
/// for a batch, nor for the channels of a feature map.
///
/// A recurrent layer ([`Lstm`](crate::layers::Lstm),
/// [`Gru`](crate::layers::Gru), [`Rnn`](crate::layers::Rnn)) maps a
/// `Sequence<[F; I], T>` to all its hidden states, a `Sequence<[F; H], T>`,
/// so recurrent layers stack; [`LastStep`](crate::layers::LastStep) and
/// [`MeanOverSteps`](crate::layers::MeanOverSteps) reduce a sequence to one
/// step, and [`PerStep`](crate::layers::PerStep) applies any layer to every
/// step (Keras's `TimeDistributed`). Element-wise layers take a sequence as
/// it is. Several sequences are a `Batch<Sequence<X, T>, B>` (PyTorch's
/// `batch_first` `[N][T][I]`).
///
/// ```
/// use constnet::prelude::*;
///
/// type Net = (Lstm<2, 4>, LastStep, Dense<4, 1>);
/// let net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// let signal = Sequence::new([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]]); // 3 steps
/// let [y] = net.forward(&signal);
/// assert!(y.is_finite());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct Sequence<X, const T: usize>(pub [X; T]);

axis_container!(Sequence, T, "step");

crate::zeroed::zeroed_struct!([X: crate::Zeroed, const T: usize] Sequence<X, T> as tuple);

impl<X: Default, const T: usize> Default for Sequence<X, T> {
    /// `T` default steps.
    fn default() -> Self {
        Sequence(core::array::from_fn(|_| X::default()))
    }
}
