//! Where a transformer layer normalises: [`PostNorm`] (after the residual
//! sum, PyTorch's default) or [`PreNorm`] (before the sublayer,
//! `norm_first=True`).

use crate::Float;
use crate::Model;
use crate::layers::{LayerNorm, PerStep, Residual};
use crate::state::{Segment, StateEntry, StateEntryMut, StatePath};

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

    /// The sublayer and the normalisation of a block, mutably.
    fn parts_mut<const E: usize, F, Sub>(block: &mut Self::Block<E, F, Sub>) -> (&mut Sub, &mut LayerNorm<E, F>);

    /// Visits a block's state: the sublayer's entries below `prefix.sub`
    /// (or directly below `prefix` when `sub` is `None`), the
    /// normalisation's below `prefix.norm`, in the block's order (the
    /// normalisation first for [`PreNorm`]).
    fn visit_block<const E: usize, F: Float, Sub: Model<F>, V>(
        block: &Self::Block<E, F, Sub>,
        prefix: Option<&StatePath<'_>>,
        (sub, norm): (Option<&'static str>, &'static str),
        visit: &mut V,
    ) where
        V: FnMut(&StatePath<'_>, &'static str, StateEntry<'_, F>) + ?Sized,
    {
        let slot;
        let sub_prefix = below!(prefix, sub, slot);
        let norm_path = StatePath::new(prefix, Segment::Name(norm));
        if Self::NORM_FIRST {
            Self::norm(block).visit_state(Some(&norm_path), visit);
            Self::sub(block).visit_state(sub_prefix, visit);
        } else {
            Self::sub(block).visit_state(sub_prefix, visit);
            Self::norm(block).visit_state(Some(&norm_path), visit);
        }
    }

    /// [`visit_block`](NormPlacement::visit_block), mutably.
    fn visit_block_mut<const E: usize, F: Float, Sub: Model<F>, V>(
        block: &mut Self::Block<E, F, Sub>,
        prefix: Option<&StatePath<'_>>,
        (sub, norm): (Option<&'static str>, &'static str),
        visit: &mut V,
    ) where
        V: FnMut(&StatePath<'_>, &'static str, StateEntryMut<'_, F>) + ?Sized,
    {
        let slot;
        let sub_prefix = below!(prefix, sub, slot);
        let norm_path = StatePath::new(prefix, Segment::Name(norm));
        let (sub_layer, norm_layer) = Self::parts_mut(block);
        if Self::NORM_FIRST {
            norm_layer.visit_state_mut(Some(&norm_path), visit);
            sub_layer.visit_state_mut(sub_prefix, visit);
        } else {
            sub_layer.visit_state_mut(sub_prefix, visit);
            norm_layer.visit_state_mut(Some(&norm_path), visit);
        }
    }
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
    fn parts_mut<const E: usize, F, Sub>(block: &mut Self::Block<E, F, Sub>) -> (&mut Sub, &mut LayerNorm<E, F>) {
        (&mut block.0.block, &mut block.1.layer)
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
    fn parts_mut<const E: usize, F, Sub>(block: &mut Self::Block<E, F, Sub>) -> (&mut Sub, &mut LayerNorm<E, F>) {
        (&mut block.block.1, &mut block.block.0.layer)
    }
}
