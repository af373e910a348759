//! [`Streaming`]: a causal layer run on an unbounded stream, one frame at a
//! time, with state the caller holds — a causal convolution's
//! [`History`](crate::layers::History), nothing for a per-frame layer, a
//! tuple for a stack. Unlike [`Incremental`](crate::Incremental) there is
//! no window and no position: the stream can go on forever.
//!
//! The contract: for frames `x₀, x₁, …` fed in order from the state's
//! `Default`, the outputs have exactly the bits of the whole-sequence pass
//! at the same steps (a 1-D feature map `[[F; L]; C]`, frame `t` being
//! `x[c][t]` for every channel `c`), for any `L`.

use crate::layers::Residual;
use crate::{Float, Layer, Values};

/// A causal layer evaluated one frame at a time: given the frame `x` and
/// the layer's `state` (what the earlier frames left), returns the output
/// frame and updates the state. `S` is the state's type, which the caller
/// names (for a stack, the tuple of its layers' states), so every size is
/// known at compile time and nothing is allocated.
///
/// Implemented by the causal convolutions
/// ([`CausalConv1d`](crate::layers::CausalConv1d), any
/// [`Conv`](crate::layers::Conv) with [`CausalPad`](crate::layers::CausalPad)
/// and stride 1; state [`History`](crate::layers::History)), the
/// element-wise activations (state `()`), [`Residual`] around a streaming
/// block, a classifier's head
/// ([`LastFrame`](crate::layers::LastFrame) and
/// [`Dense`](crate::layers::Dense) on the frame, state `()`), and tuple
/// stacks of them — so a temporal convolutional network
/// written as a tuple streams with no extra code.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::{CausalConv1d, History};
///
/// // Two causal convolutions with a ReLU between: a tiny TCN.
/// type Net = (CausalConv1d<1, 2, 2, 1, 6>, Relu, CausalConv1d<2, 1, 3, 2, 6>);
/// type State = (History<1, 1>, (), History<2, 4>);
/// let net = Net::init(&mut rand::rngs::SmallRng::seed_from_u64(1));
/// let x = [[0.5, -1.0, 2.0, 0.25, -0.5, 1.5]];
/// let whole = net.forward(&x);
/// let mut state = State::default();
/// for t in 0..6 {
///     assert_eq!(net.stream(&[x[0][t]], &mut state), [whole[0][t]]);
/// }
/// ```
pub trait Streaming<X, S> {
    /// The output frame.
    type Frame;

    /// The output frame for input frame `x`; `state` holds what the earlier
    /// frames left, and gets this one's.
    fn stream(&self, x: &X, state: &mut S) -> Self::Frame;
}

/// y = x + Block(x) at the frame, added as the whole-sequence pass adds.
impl<X: Values, S, Block: Streaming<X, S, Frame = X>> Streaming<X, S> for Residual<Block> {
    type Frame = X;

    #[inline]
    fn stream(&self, x: &X, state: &mut S) -> X {
        let mut y = self.block.stream(x, state);
        y.zip_mut(x, &mut |y, x| *y = x + *y);
        y
    }
}

/// A dense layer on each frame, with no state: what follows
/// [`LastFrame`](crate::layers::LastFrame) in a streaming classifier, so
/// the stack gives the classification of every frame, the last one with
/// the bits of the whole pass.
impl<F: Float, const I: usize, const O: usize> Streaming<[F; I], ()> for crate::layers::Dense<I, O, F> {
    type Frame = [F; O];

    #[inline]
    fn stream(&self, x: &[F; I], _state: &mut ()) -> [F; O] {
        self.eval(x)
    }
}

/// A stack `(L0, L1, …)` streams each layer's frame into the next, with the
/// state the tuple of the layers' states. The bounds are accumulated first
/// (each layer takes the previous one's frame), then the impl is emitted.
macro_rules! streaming_stack {
    (($L0:ident $S0:ident $i0:tt) $($rest:tt)*) => {
        streaming_stack!(@bounds [$L0: Streaming<X0, $S0>,] [($L0 $S0 $i0)] $L0; $($rest)*);
    };
    (@bounds [$($bounds:tt)*] [$($done:tt)*] $prev:ident; ($L:ident $S:ident $i:tt) $($rest:tt)*) => {
        streaming_stack!(@bounds [$($bounds)* $L: Streaming<$prev::Frame, $S>,] [$($done)* ($L $S $i)] $L; $($rest)*);
    };
    (@bounds [$($bounds:tt)*] [($L0:ident $S0:ident $i0:tt) $(($L:ident $S:ident $i:tt))*] $last:ident;) => {
        impl<X0, $L0, $S0, $($L, $S),*> Streaming<X0, ($S0, $($S,)*)> for ($L0, $($L,)*)
        where
            $($bounds)*
        {
            type Frame = $last::Frame;

            #[inline]
            fn stream(&self, x: &X0, state: &mut ($S0, $($S,)*)) -> Self::Frame {
                streaming_stack!(@chain self, state, self.$i0.stream(x, &mut state.$i0); $($i)*)
            }
        }
    };
    (@chain $s:ident, $c:ident, $acc:expr; $i:tt $($rest:tt)*) => {
        streaming_stack!(@chain $s, $c, $s.$i.stream(&$acc, &mut $c.$i); $($rest)*)
    };
    (@chain $s:ident, $c:ident, $acc:expr;) => { $acc };
}

streaming_stack!((L0 S0 0));
streaming_stack!((L0 S0 0) (L1 S1 1));
streaming_stack!((L0 S0 0) (L1 S1 1) (L2 S2 2));
streaming_stack!((L0 S0 0) (L1 S1 1) (L2 S2 2) (L3 S3 3));
streaming_stack!((L0 S0 0) (L1 S1 1) (L2 S2 2) (L3 S3 3) (L4 S4 4));
streaming_stack!((L0 S0 0) (L1 S1 1) (L2 S2 2) (L3 S3 3) (L4 S4 4) (L5 S5 5));
streaming_stack!((L0 S0 0) (L1 S1 1) (L2 S2 2) (L3 S3 3) (L4 S4 4) (L5 S5 5) (L6 S6 6));
streaming_stack!((L0 S0 0) (L1 S1 1) (L2 S2 2) (L3 S3 3) (L4 S4 4) (L5 S5 5) (L6 S6 6) (L7 S7 7));
