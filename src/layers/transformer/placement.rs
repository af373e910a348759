//! Where a transformer layer normalises: [`PostNorm`] (after the residual
//! sum, PyTorch's default) or [`PreNorm`] (before the sublayer,
//! `norm_first=True`).

use crate::Float;
use crate::Model;
use crate::layers::{LayerNorm, PerStep, Residual};
use crate::state::{Segment, StateEntry, StateEntryMut, StatePath};

/// Where the layer normalisation of a transformer sublayer stands, as a
/// type ([`PostNorm`] or [`PreNorm`]): the choice of PyTorch's `norm_first`,
/// made at compile time. Each placement says how a sublayer `Sub` of width
/// `E` is wrapped in its skip connection and its [`LayerNorm`] — as a stack
/// of the library's layers, [`Block`](NormPlacement::Block), which a model
/// of your own can use too.
///
/// Sealed: the two placements are the only ones.
pub trait NormPlacement: sealed::Sealed + Copy + Default + 'static {
    /// `true` for [`PreNorm`] (PyTorch's `norm_first=True`).
    const NORM_FIRST: bool;

    /// A sublayer wrapped with its skip connection and its normalisation:
    /// for [`PostNorm`], `(Residual<Sub>, PerStep<LayerNorm<E, F>>)`, y =
    /// norm(x + Sub(x)); for [`PreNorm`], `Residual<(PerStep<LayerNorm<E,
    /// F>>, Sub)>`, y = x + Sub(norm(x)).
    type Block<const E: usize, F, Sub>;

    /// `sub` and `norm` as a [`Block`](NormPlacement::Block).
    fn block<const E: usize, F, Sub>(sub: Sub, norm: LayerNorm<E, F>) -> Self::Block<E, F, Sub>;

    /// The sublayer of a block.
    fn sub<const E: usize, F, Sub>(block: &Self::Block<E, F, Sub>) -> &Sub;

    /// The normalisation of a block.
    fn norm<const E: usize, F, Sub>(block: &Self::Block<E, F, Sub>) -> &LayerNorm<E, F>;

    /// Visits a block's state: the sublayer's entries below `prefix.sub`
    /// (or directly below `prefix` when `sub` is `None`), the
    /// normalisation's below `prefix.norm`.
    fn visit_block<const E: usize, F: Float, Sub: Model<F>, V>(
        block: &Self::Block<E, F, Sub>,
        prefix: Option<&StatePath<'_>>,
        names: (Option<&'static str>, &'static str),
        visit: &mut V,
    ) where
        V: FnMut(&StatePath<'_>, &'static str, StateEntry<'_, F>) + ?Sized;

    /// [`visit_block`](NormPlacement::visit_block), mutably.
    fn visit_block_mut<const E: usize, F: Float, Sub: Model<F>, V>(
        block: &mut Self::Block<E, F, Sub>,
        prefix: Option<&StatePath<'_>>,
        names: (Option<&'static str>, &'static str),
        visit: &mut V,
    ) where
        V: FnMut(&StatePath<'_>, &'static str, StateEntryMut<'_, F>) + ?Sized;
}

/// Post-norm, PyTorch's default (`norm_first=False`): y = norm(x + Sub(x)),
/// the original transformer's arrangement.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PostNorm;

/// Pre-norm (`norm_first=True`): y = x + Sub(norm(x)); the skip path is
/// never normalised, which trains deep stacks more stably.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PreNorm;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::PostNorm {}
    impl Sealed for super::PreNorm {}
}

/// `prefix.name`, or `prefix` itself for no name, as a path on the caller's
/// stack.
macro_rules! below {
    ($prefix:expr, $name:expr, $slot:ident) => {
        match $name {
            Some(name) => {
                $slot = StatePath::new($prefix, Segment::Name(name));
                Some(&$slot)
            }
            None => $prefix,
        }
    };
}

impl NormPlacement for PostNorm {
    const NORM_FIRST: bool = false;
    type Block<const E: usize, F, Sub> = (Residual<Sub>, PerStep<LayerNorm<E, F>>);

    fn block<const E: usize, F, Sub>(sub: Sub, norm: LayerNorm<E, F>) -> Self::Block<E, F, Sub> {
        (Residual::new(sub), PerStep::new(norm))
    }
    fn sub<const E: usize, F, Sub>(block: &Self::Block<E, F, Sub>) -> &Sub {
        &block.0.block
    }
    fn norm<const E: usize, F, Sub>(block: &Self::Block<E, F, Sub>) -> &LayerNorm<E, F> {
        &block.1.layer
    }
    fn visit_block<const E: usize, F: Float, Sub: Model<F>, V>(
        block: &Self::Block<E, F, Sub>,
        prefix: Option<&StatePath<'_>>,
        (sub, norm): (Option<&'static str>, &'static str),
        visit: &mut V,
    ) where
        V: FnMut(&StatePath<'_>, &'static str, StateEntry<'_, F>) + ?Sized,
    {
        let slot;
        block.0.block.visit_state(below!(prefix, sub, slot), visit);
        block.1.layer.visit_state(Some(&StatePath::new(prefix, Segment::Name(norm))), visit);
    }
    fn visit_block_mut<const E: usize, F: Float, Sub: Model<F>, V>(
        block: &mut Self::Block<E, F, Sub>,
        prefix: Option<&StatePath<'_>>,
        (sub, norm): (Option<&'static str>, &'static str),
        visit: &mut V,
    ) where
        V: FnMut(&StatePath<'_>, &'static str, StateEntryMut<'_, F>) + ?Sized,
    {
        let slot;
        block.0.block.visit_state_mut(below!(prefix, sub, slot), visit);
        block.1.layer.visit_state_mut(Some(&StatePath::new(prefix, Segment::Name(norm))), visit);
    }
}

impl NormPlacement for PreNorm {
    const NORM_FIRST: bool = true;
    type Block<const E: usize, F, Sub> = Residual<(PerStep<LayerNorm<E, F>>, Sub)>;

    fn block<const E: usize, F, Sub>(sub: Sub, norm: LayerNorm<E, F>) -> Self::Block<E, F, Sub> {
        Residual::new((PerStep::new(norm), sub))
    }
    fn sub<const E: usize, F, Sub>(block: &Self::Block<E, F, Sub>) -> &Sub {
        &block.block.1
    }
    fn norm<const E: usize, F, Sub>(block: &Self::Block<E, F, Sub>) -> &LayerNorm<E, F> {
        &block.block.0.layer
    }
    fn visit_block<const E: usize, F: Float, Sub: Model<F>, V>(
        block: &Self::Block<E, F, Sub>,
        prefix: Option<&StatePath<'_>>,
        (sub, norm): (Option<&'static str>, &'static str),
        visit: &mut V,
    ) where
        V: FnMut(&StatePath<'_>, &'static str, StateEntry<'_, F>) + ?Sized,
    {
        let slot;
        block.block.0.layer.visit_state(Some(&StatePath::new(prefix, Segment::Name(norm))), visit);
        block.block.1.visit_state(below!(prefix, sub, slot), visit);
    }
    fn visit_block_mut<const E: usize, F: Float, Sub: Model<F>, V>(
        block: &mut Self::Block<E, F, Sub>,
        prefix: Option<&StatePath<'_>>,
        (sub, norm): (Option<&'static str>, &'static str),
        visit: &mut V,
    ) where
        V: FnMut(&StatePath<'_>, &'static str, StateEntryMut<'_, F>) + ?Sized,
    {
        let slot;
        block.block.0.layer.visit_state_mut(Some(&StatePath::new(prefix, Segment::Name(norm))), visit);
        block.block.1.visit_state_mut(below!(prefix, sub, slot), visit);
    }
}
