//! The state dict: every tensor a model keeps — its parameters and its
//! buffers — under the name PyTorch's `state_dict()` gives it, so that a
//! model can be matched tensor by tensor with a PyTorch module (the
//! `constnet-safetensors` crate imports and exports through it).
//!
//! Names are built from the model's structure, with no heap: each level of a
//! model puts one [`Segment`] on top of its parent's [`StatePath`] on the
//! stack, and hands the path to a visitor.
//!
//! * A tuple stack mirrors an `nn.Sequential`: position `k` is module `k`,
//!   so `(Dense<64, 32>, Tanh, Dense<32, 10>)` has `0.weight`, `0.bias`,
//!   `2.weight` and `2.bias` (activations count as positions, as in
//!   PyTorch). A nested stack adds its own positions: `2.0.weight`.
//! * A struct deriving `Model` (the `derive` feature) names its fields:
//!   `conv.weight`, `rnn.weight_ih_l0`.
//! * Wrappers that PyTorch has no module for are transparent:
//!   [`Residual`](crate::layers::Residual)'s block and
//!   [`PerStep`](crate::layers::PerStep)'s layer name their tensors as if
//!   they stood where the wrapper stands.
//! * Each layer names its own tensors as PyTorch does: `weight`, `bias`,
//!   `weight_ih_l0`, …, and batch normalisation's buffers `running_mean`,
//!   `running_var` and `num_batches_tracked`.
//!
//! ```
//! use constnet::prelude::*;
//! use constnet::state::{self, StateEntry};
//!
//! type Net = (Dense<4, 3>, BatchNorm1d<3>, Relu, (Dense<3, 3>, Tanh), Dense<3, 1>);
//! let net = Net::ZERO;
//! let mut names = Vec::new();
//! state::visit(&net, &mut |path, _layer, entry| {
//!     let kind = match entry {
//!         StateEntry::Tensor(tensor) => format!("{:?} {}", tensor.kind, tensor.shape),
//!         StateEntry::Untracked { .. } => "untracked".to_string(),
//!     };
//!     names.push(format!("{path}: {kind}"));
//! });
//! assert_eq!(names, [
//!     "0.weight: Weight [3, 4]",
//!     "0.bias: Bias [3]",
//!     "1.weight: Weight [3]",
//!     "1.bias: Bias [3]",
//!     "1.running_mean: Buffer [3]",
//!     "1.running_var: Buffer [3]",
//!     "1.num_batches_tracked: untracked",
//!     "3.0.weight: Weight [3, 3]",
//!     "3.0.bias: Bias [3]",
//!     "4.weight: Weight [1, 3]",
//!     "4.bias: Bias [1]",
//! ]);
//! ```

use core::fmt;

use crate::{Float, Model, Tensor, TensorMut};

/// One step of a state-dict name: a position in a stack or a name (a
/// struct's field, a tensor's own name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A position in a tuple stack, as `nn.Sequential` numbers its modules.
    Index(usize),
    /// A name: a field of a model struct, or a tensor's name in its layer.
    Name(&'static str),
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Index(index) => write!(f, "{index}"),
            Segment::Name(name) => f.write_str(name),
        }
    }
}

/// A name in a model's state dict, such as `2.0.weight`: a chain of
/// [`Segment`]s, each one a value on the stack of the level that added it,
/// pointing at its parent. Displays as the segments joined by `.`.
///
/// ```
/// use constnet::state::{Segment, StatePath};
///
/// let stack = StatePath::new(None, Segment::Index(2));
/// let weight = StatePath::new(Some(&stack), Segment::Name("weight"));
/// assert_eq!(weight.to_string(), "2.weight");
/// assert_eq!(weight.first(), Segment::Index(2));
/// assert!(weight == *"2.weight" && weight != *"2.bias");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct StatePath<'a> {
    parent: Option<&'a StatePath<'a>>,
    segment: Segment,
}

impl<'a> StatePath<'a> {
    /// The path `parent.segment` (just `segment` at the root).
    pub const fn new(parent: Option<&'a StatePath<'a>>, segment: Segment) -> Self {
        StatePath { parent, segment }
    }

    /// The last segment: the tensor's own name for a tensor's path.
    pub const fn last(&self) -> Segment {
        self.segment
    }

    /// The first segment: for a tuple stack, the position of the layer
    /// that holds the tensor.
    pub fn first(&self) -> Segment {
        match self.parent {
            Some(parent) => parent.first(),
            None => self.segment,
        }
    }

    /// The path without its last segment, `None` at the root.
    pub const fn parent(&self) -> Option<&'a StatePath<'a>> {
        self.parent
    }
}

impl fmt::Display for StatePath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            write!(f, "{parent}.")?;
        }
        write!(f, "{}", self.segment)
    }
}

/// Compares with a dotted name without building a string.
impl PartialEq<str> for StatePath<'_> {
    fn eq(&self, other: &str) -> bool {
        let mut rest = other;
        let mut path = Some(self);
        // Walk from the last segment back, stripping each from the end.
        while let Some(level) = path {
            let matched = match level.segment {
                Segment::Name(name) => rest.strip_suffix(name),
                Segment::Index(index) => strip_index_suffix(rest, index),
            };
            let Some(before) = matched else { return false };
            path = level.parent;
            rest = match path {
                Some(_) => match before.strip_suffix('.') {
                    Some(before) => before,
                    None => return false,
                },
                None => before,
            };
        }
        rest.is_empty()
    }
}

/// `text` without the decimal digits of `index` at its end.
fn strip_index_suffix(text: &str, index: usize) -> Option<&str> {
    let mut digits = 1;
    let mut rest = index / 10;
    while rest > 0 {
        digits += 1;
        rest /= 10;
    }
    let split = text.len().checked_sub(digits)?;
    let (before, number) = (text.get(..split)?, text.get(split..)?);
    (number.bytes().all(|b| b.is_ascii_digit()) && number.parse::<usize>() == Ok(index)).then_some(before)
}

/// One entry of a state dict, as a model's visitor sees it.
#[derive(Debug)]
pub enum StateEntry<'a, F> {
    /// A tensor of floats: a parameter, or a buffer such as a running mean
    /// (its [`kind`](Tensor::kind) is then
    /// [`ParamKind::Buffer`](crate::ParamKind::Buffer)).
    Tensor(Tensor<'a, F>),
    /// An integer scalar that PyTorch keeps and this library does not
    /// (batch normalisation's `num_batches_tracked`, which PyTorch reads
    /// only when its momentum is `None`): importers accept it and ignore
    /// it; exporters write 0.
    Untracked {
        /// The entry's name inside its layer.
        name: &'static str,
    },
}

/// One entry of a state dict, mutably; see [`StateEntry`].
#[derive(Debug)]
pub enum StateEntryMut<'a, F> {
    /// A tensor of floats: a parameter or a buffer.
    TensorMut(TensorMut<'a, F>),
    /// An integer scalar this library does not keep; see
    /// [`StateEntry::Untracked`].
    Untracked {
        /// The entry's name inside its layer.
        name: &'static str,
    },
}

/// Calls `visit(path, layer_type, entry)` for every entry of `model`'s
/// state dict, in a fixed order; `layer_type` is the Rust type of the layer
/// that holds the entry, as [`core::any::type_name`] gives it (for
/// messages). See [`Model::visit_state`].
pub fn visit<F: Float, M: Model<F>>(
    model: &M,
    visit: &mut impl FnMut(&StatePath<'_>, &'static str, StateEntry<'_, F>),
) {
    model.visit_state(None, visit);
}

/// [`visit`], mutably, in the same order.
pub fn visit_mut<F: Float, M: Model<F>>(
    model: &mut M,
    visit: &mut impl FnMut(&StatePath<'_>, &'static str, StateEntryMut<'_, F>),
) {
    model.visit_state_mut(None, visit);
}

/// The number of entries in `model`'s state dict.
pub fn len<F: Float, M: Model<F>>(model: &M) -> usize {
    let mut count = 0;
    visit(model, &mut |_, _, _| count += 1);
    count
}

/// `visit_state` and `visit_state_mut` of a wrapper PyTorch has no module
/// for: its `$field`'s entries, named as if they stood where the wrapper
/// stands.
macro_rules! transparent_state {
    ($field:ident) => {
        fn visit_state<V>(&self, prefix: Option<&$crate::state::StatePath<'_>>, visit: &mut V)
        where
            V: FnMut(&$crate::state::StatePath<'_>, &'static str, $crate::state::StateEntry<'_, F>) + ?Sized,
        {
            self.$field.visit_state(prefix, visit);
        }
        fn visit_state_mut<V>(&mut self, prefix: Option<&$crate::state::StatePath<'_>>, visit: &mut V)
        where
            V: FnMut(&$crate::state::StatePath<'_>, &'static str, $crate::state::StateEntryMut<'_, F>) + ?Sized,
        {
            self.$field.visit_state_mut(prefix, visit);
        }
    };
}
pub(crate) use transparent_state;
