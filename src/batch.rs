//! [`Batch`]: `B` samples that go through a model together.

use crate::axis::axis_container;

/// `B` samples of type `X` that pass through a model together: a batch is
/// its own type, never a plain array.
///
/// A plain array is always *one* sample — `[F; N]` a vector of `N`
/// features, `[[F; L]; C]` a 1-D feature map of `C` channels and `L`
/// positions, `[[[F; W]; H]; C]` an image (CHW) — so no layer ever has to
/// guess whether an outer axis is a batch, channels or time steps. A
/// `[[f32; 4]; 3]` is three channels of four positions; three samples of
/// four features are a `Batch<[f32; 4], 3>`.
///
/// Layers that treat samples independently run a batch sample by sample,
/// in order, so a batch gives exactly the bits of per-sample passes (and
/// its gradients those of per-sample accumulation). Layers that couple the
/// samples, batch normalisation in training mode, need a `Batch`: given a
/// single sample they do not compile.
///
/// ```
/// use constnet::prelude::*;
///
/// let net: (Dense<2, 1>, Sigmoid) = (Dense::from_weights([[1.0, -1.0]], [0.0]), Sigmoid);
/// let batch = Batch::new([[2.0, 2.0], [3.0, 1.0], [0.0, 0.0]]);
/// let out: Batch<[f32; 1], 3> = net.forward(&batch);
/// assert_eq!(out[0], [0.5]);
/// assert_eq!(out[1], net.forward(&[3.0, 1.0])); // sample by sample, bit for bit
/// ```
///
/// It does not dereference to its array (so that it never turns into a
/// plain array by coercion); use [`as_array`](Batch::as_array),
/// [`into_array`](Batch::into_array), indexing and iteration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct Batch<X, const B: usize>(pub [X; B]);

axis_container!(Batch, B, "sample");

crate::zeroed::zeroed_struct!([X: crate::Zeroed, const B: usize] Batch<X, B> as tuple);

impl<X: Default, const B: usize> Default for Batch<X, B> {
    /// `B` default samples.
    fn default() -> Self {
        Batch(core::array::from_fn(|_| X::default()))
    }
}
