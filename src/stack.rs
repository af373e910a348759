//! Stacks of layers are tuples: `(Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid)`.
//!
//! [`Model`], [`Layer`] and [`Backprop`] are implemented for tuples of 1 to
//! 16 layers.
//! A tuple is itself a layer, so nesting makes deeper stacks:
//! `((Dense<8, 8>, Relu), (Dense<8, 8>, Relu), Dense<8, 1>)`.
//!
//! The `Layer` impl of `(L0, L1, …)` takes one type parameter per
//! intermediate value (`L0: Layer<X, Output = Y0>`, `L1: Layer<Y0, …>`;
//! `Backprop` likewise, every layer in the same mode),
//! so a stack type-checks exactly when each layer accepts its predecessor's
//! output, and the compiler's error names the layer and the two shapes.
//!
//! ```
//! use constnet::prelude::*;
//!
//! type Block = (Dense<8, 8>, Relu);
//! type Deep = (Dense<3, 8>, Relu, Block, Block, Block, Dense<8, 1>);
//! const _: () = assert!(<Deep as Model>::PARAMS == 32 + 3 * 72 + 9);
//!
//! let net = Deep::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
//! let [y] = net.forward(&[0.1, 0.2, 0.3]);
//! assert!(y.is_finite());
//! ```

use core::fmt;

use rand::Rng;

use crate::model::{Tensor, TensorMut};
use crate::state::{Segment, StateEntry, StateEntryMut, StatePath};
use crate::{Backprop, Float, Init, Layer, Mode, Model, Module};

impl<L0: Module> Module for (L0,) {}

impl<F: Float, L0: Model<F>> Model<F> for (L0,) {
    const PARAMS: usize = L0::PARAMS;
    const TENSORS: usize = L0::TENSORS;

    const ZERO: Self = (L0::ZERO,);

    fn initialize_with<Rg: Rng + ?Sized>(&mut self, init: Init, rng: &mut Rg) {
        self.0.initialize_with(init, rng);
    }
    fn tensor_owner(index: usize) -> Option<(usize, &'static str)> {
        L0::tensor_owner(index).map(|(_, layer_type)| (0, layer_type))
    }
    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        self.0.tensors()
    }
    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        self.0.tensors_mut()
    }
    fn visit_state<V>(&self, prefix: Option<&StatePath<'_>>, visit: &mut V)
    where
        V: FnMut(&StatePath<'_>, &'static str, StateEntry<'_, F>) + ?Sized,
    {
        self.0.visit_state(Some(&StatePath::new(prefix, Segment::Index(0))), visit);
    }
    fn visit_state_mut<V>(&mut self, prefix: Option<&StatePath<'_>>, visit: &mut V)
    where
        V: FnMut(&StatePath<'_>, &'static str, StateEntryMut<'_, F>) + ?Sized,
    {
        self.0.visit_state_mut(Some(&StatePath::new(prefix, Segment::Index(0))), visit);
    }
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_char('(')?;
        self.0.write_rust(out)?;
        out.write_str(",)")
    }
}

impl<X, L0: Layer<X>> Layer<X> for (L0,) {
    type Output = L0::Output;

    fn eval(&self, x: &X) -> Self::Output {
        self.0.eval(x)
    }
}

impl<X, M: Mode, L0: Backprop<X, M>> Backprop<X, M> for (L0,) {
    type Tape = (L0::Tape,);

    fn eval_tape(&mut self, x: &X) -> (Self::Output, Self::Tape) {
        let (y, tape) = self.0.eval_tape(x);
        (y, (tape,))
    }
    fn eval_tape_into(&mut self, x: &X, tape: &mut Self::Tape) -> Self::Output {
        self.0.eval_tape_into(x, &mut tape.0)
    }
    fn backprop(&self, tape: &Self::Tape, dy: &Self::Output, grads: &mut Self) -> X {
        self.0.backprop(&tape.0, dy, &mut grads.0)
    }
    fn backprop_params(&self, tape: &Self::Tape, dy: &Self::Output, grads: &mut Self) {
        self.0.backprop_params(&tape.0, dy, &mut grads.0)
    }
}

// The passes through a stack nest one block per layer, `{ let y = <the
// previous layers>; <this layer>(&y) }`, instead of a flat sequence of
// `let`s: a value's storage ends with the block that holds it, so the
// previous layer's output is dead as soon as this layer has read it. Peak
// stack is then about two adjacent activations (plus the tapes, in
// training), not the sum of every layer's output — which is what the
// firmware's RAM budget and large models such as LeNet-5 need.

/// `self.$i.eval` applied to `$acc`, then to each layer after it.
macro_rules! chain_eval {
    ($s:ident, $acc:expr;) => { $acc };
    ($s:ident, $acc:expr; $i:tt $($rest:tt)*) => {
        chain_eval!($s, { let y = $acc; $s.$i.eval(&y) }; $($rest)*)
    };
}

/// As [`chain_eval`], in training mode: each layer's tape goes to its
/// `$t`, declared by the caller.
macro_rules! chain_eval_tape {
    ($s:ident, $acc:expr;) => { $acc };
    ($s:ident, $acc:expr; ($i:tt $t:ident) $($rest:tt)*) => {
        chain_eval_tape!($s, { let x = $acc; let y; (y, $t) = $s.$i.eval_tape(&x); y }; $($rest)*)
    };
}

/// As [`chain_eval_tape`], each layer writing its tape into its place in
/// the caller's `$tape`.
macro_rules! chain_eval_tape_into {
    ($s:ident, $tape:ident, $acc:expr;) => { $acc };
    ($s:ident, $tape:ident, $acc:expr; $i:tt $($rest:tt)*) => {
        chain_eval_tape_into!($s, $tape, { let x = $acc; $s.$i.eval_tape_into(&x, &mut $tape.$i) }; $($rest)*)
    };
}

/// The backward pass: `$acc` is dL/d(output of the layer after `$i`).
macro_rules! chain_backprop {
    ($s:ident, $tape:ident, $grads:ident, $acc:expr;) => { $acc };
    ($s:ident, $tape:ident, $grads:ident, $acc:expr; $i:tt $($rest:tt)*) => {
        chain_backprop!($s, $tape, $grads, { let d = $acc; $s.$i.backprop(&$tape.$i, &d, &mut $grads.$i) }; $($rest)*)
    };
}

/// Implements `Model` and `Layer` for one tuple. Each layer comes as
/// `(type index tape input output)`; the last layer's output is the stack's.
/// `reversed` lists the middle layers last-first, for the backward pass.
macro_rules! impl_stack {
    (
        first: ($L0:ident $i0:tt $t0:ident $X:ident),
        middle: [$(($M:ident $mi:tt $mt:ident $MX:ty))*],
        last: ($Ln:ident $ln:tt $tn:ident $LX:ty),
        reversed: [$(($R:ident $ri:tt))*]
    ) => {
        impl<$L0: Module, $($M: Module,)* $Ln: Module> Module for ($L0, $($M,)* $Ln) {}

        impl<F: Float, $L0: Model<F>, $($M: Model<F>,)* $Ln: Model<F>> Model<F> for ($L0, $($M,)* $Ln) {
            const PARAMS: usize = $L0::PARAMS $(+ $M::PARAMS)* + $Ln::PARAMS;
            const TENSORS: usize = $L0::TENSORS $(+ $M::TENSORS)* + $Ln::TENSORS;

            const ZERO: Self = ($L0::ZERO, $($M::ZERO,)* $Ln::ZERO);

            /// Layers draw from the RNG in stack order.
            fn initialize_with<Rg: Rng + ?Sized>(&mut self, init: Init, rng: &mut Rg) {
                self.$i0.initialize_with(init, rng);
                $(self.$mi.initialize_with(init, rng);)*
                self.$ln.initialize_with(init, rng);
            }
            /// The layer at this stack's position wins over any position
            /// inside a nested stack; the type is the innermost layer's.
            fn tensor_owner(index: usize) -> Option<(usize, &'static str)> {
                let mut index = index;
                if index < $L0::TENSORS {
                    return $L0::tensor_owner(index).map(|(_, layer_type)| ($i0, layer_type));
                }
                index -= $L0::TENSORS;
                $(
                    if index < $M::TENSORS {
                        return $M::tensor_owner(index).map(|(_, layer_type)| ($mi, layer_type));
                    }
                    index -= $M::TENSORS;
                )*
                $Ln::tensor_owner(index).map(|(_, layer_type)| ($ln, layer_type))
            }
            fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
                self.$i0.tensors() $(.chain(self.$mi.tensors()))* .chain(self.$ln.tensors())
            }
            fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
                self.$i0.tensors_mut() $(.chain(self.$mi.tensors_mut()))* .chain(self.$ln.tensors_mut())
            }
            /// Position `k` is module `k`, as in `nn.Sequential`.
            fn visit_state<V>(&self, prefix: Option<&StatePath<'_>>, visit: &mut V)
            where
                V: FnMut(&StatePath<'_>, &'static str, StateEntry<'_, F>) + ?Sized,
            {
                self.$i0.visit_state(Some(&StatePath::new(prefix, Segment::Index($i0))), visit);
                $(self.$mi.visit_state(Some(&StatePath::new(prefix, Segment::Index($mi))), visit);)*
                self.$ln.visit_state(Some(&StatePath::new(prefix, Segment::Index($ln))), visit);
            }
            fn visit_state_mut<V>(&mut self, prefix: Option<&StatePath<'_>>, visit: &mut V)
            where
                V: FnMut(&StatePath<'_>, &'static str, StateEntryMut<'_, F>) + ?Sized,
            {
                self.$i0.visit_state_mut(Some(&StatePath::new(prefix, Segment::Index($i0))), visit);
                $(self.$mi.visit_state_mut(Some(&StatePath::new(prefix, Segment::Index($mi))), visit);)*
                self.$ln.visit_state_mut(Some(&StatePath::new(prefix, Segment::Index($ln))), visit);
            }
            fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
                out.write_str("(\n    ")?;
                self.$i0.write_rust(out)?;
                $(
                    out.write_str(",\n    ")?;
                    self.$mi.write_rust(out)?;
                )*
                out.write_str(",\n    ")?;
                self.$ln.write_rust(out)?;
                out.write_str(",\n)")
            }
        }

        impl<$X, $L0, $($M,)* $Ln> Layer<$X> for ($L0, $($M,)* $Ln)
        where
            $L0: Layer<$X>,
            $($M: Layer<$MX>,)*
            $Ln: Layer<$LX>,
        {
            type Output = $Ln::Output;

            #[inline]
            fn eval(&self, x: &$X) -> Self::Output {
                chain_eval!(self, self.$i0.eval(x); $($mi)* $ln)
            }
        }

        impl<$X, Md: Mode, $L0, $($M,)* $Ln> Backprop<$X, Md> for ($L0, $($M,)* $Ln)
        where
            $L0: Backprop<$X, Md>,
            $($M: Backprop<$MX, Md>,)*
            $Ln: Backprop<$LX, Md>,
        {
            type Tape = ($L0::Tape, $($M::Tape,)* $Ln::Tape);

            fn eval_tape(&mut self, x: &$X) -> (Self::Output, Self::Tape) {
                // Assigned as the layers run; only the tapes outlive a layer.
                let $t0;
                $(let $mt;)*
                let $tn;
                let y = chain_eval_tape!(self, { let y; (y, $t0) = self.$i0.eval_tape(x); y }; $(($mi $mt))* ($ln $tn));
                (y, ($t0, $($mt,)* $tn))
            }

            /// Each layer writes into its own part of `tape`, so no layer's
            /// tape is ever on the stack beyond its own pass.
            fn eval_tape_into(&mut self, x: &$X, tape: &mut Self::Tape) -> Self::Output {
                chain_eval_tape_into!(self, tape, self.$i0.eval_tape_into(x, &mut tape.$i0); $($mi)* $ln)
            }

            fn backprop(&self, tape: &Self::Tape, dy: &Self::Output, grads: &mut Self) -> $X {
                chain_backprop!(self, tape, grads, self.$ln.backprop(&tape.$ln, dy, &mut grads.$ln); $($ri)* $i0)
            }

            /// Every layer but the first as in `backprop`; the first skips
            /// its input gradient.
            fn backprop_params(&self, tape: &Self::Tape, dy: &Self::Output, grads: &mut Self) {
                let d = chain_backprop!(self, tape, grads, self.$ln.backprop(&tape.$ln, dy, &mut grads.$ln); $($ri)*);
                self.$i0.backprop_params(&tape.$i0, &d, &mut grads.$i0)
            }
        }
    };
}

/// Walks the list of layers, emitting one `impl_stack!` per tuple length:
/// `$prev` is the previous layer's output type, `[$acc]` the layers so far,
/// `[$rev]` the middle layers so far, last first.
macro_rules! impl_stacks {
    ($prev:ty; [$first:tt $($acc:tt)*] [$($rev:tt)*] ($L:ident $i:tt $t:ident) $($rest:tt)*) => {
        impl_stack! {
            first: $first,
            middle: [$($acc)*],
            last: ($L $i $t $prev),
            reversed: [$($rev)*]
        }
        impl_stacks! { $L::Output; [$first $($acc)* ($L $i $t $prev)] [($L $i) $($rev)*] $($rest)* }
    };
    ($prev:ty; [$($acc:tt)*] [$($rev:tt)*]) => {};
}

impl_stacks! {
    L0::Output; [(L0 0 t0 X)] []
    (L1 1 t1) (L2 2 t2) (L3 3 t3) (L4 4 t4) (L5 5 t5) (L6 6 t6) (L7 7 t7)
    (L8 8 t8) (L9 9 t9) (L10 10 t10) (L11 11 t11) (L12 12 t12) (L13 13 t13) (L14 14 t14) (L15 15 t15)
}
