//! [`LastFrame`]: the last frame of a 1-D feature map, what a classifier
//! reads after a stack of causal convolutions.

use crate::{Backprop, Float, Layer, Mode, PerSample, Streaming};

/// The last frame of a 1-D feature map: `[[F; L]; C]` → `[F; C]`, value
/// `c` being `x[c][L − 1]` (PyTorch's `x[:, :, -1]`). It is what a
/// classifier reads after causal convolutions — a temporal convolutional
/// network, whose last frame sees the whole receptive field — as
/// [`LastStep`](crate::layers::LastStep) is after a recurrent layer:
/// `(CausalConv1d<1, 8, 3, 1, 64>, Relu, TcnBlock<8, 3, 2, 64>, LastFrame,
/// Dense<8, 4>)`. Its gradient reaches the last frame only; a
/// [`Batch`](crate::Batch) runs sample by sample.
///
/// On a stream ([`Streaming`], state `()`) the last frame of the frames so
/// far is the current one, so it passes each frame through: a causal stack
/// ending in `LastFrame, Dense` classifies at every frame, and its output
/// at frame `L − 1` has the bits of the whole pass over those `L` frames.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::LastFrame;
///
/// let x = [[1.0_f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
/// assert_eq!(LastFrame.forward(&x), [3.0, 6.0]);
/// // On a stream: each frame is, so far, the last.
/// assert_eq!(LastFrame.stream(&[2.0_f32, 5.0], &mut ()), [2.0, 5.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LastFrame;

parameter_free_model!([] LastFrame, LastFrame, |_this, out| out.write_str("constnet::layers::LastFrame"));

/// A batch of feature maps, map by map.
impl PerSample for LastFrame {}

impl<F: Float, const C: usize, const L: usize> Layer<[[F; L]; C]> for LastFrame {
    type Output = [F; C];

    fn eval(&self, x: &[[F; L]; C]) -> [F; C] {
        const { assert!(L > 0, "LastFrame needs a feature map of at least one frame") };
        x.map(|channel| channel.last().copied().unwrap_or(F::ZERO))
    }
}

impl<F: Float, M: Mode, const C: usize, const L: usize> Backprop<[[F; L]; C], M> for LastFrame {
    /// Nothing: the gradient does not depend on the values.
    type Tape = ();

    fn eval_tape(&mut self, x: &[[F; L]; C]) -> ([F; C], ()) {
        (self.eval(x), ())
    }

    fn backprop(&self, _tape: &(), dy: &[F; C], _grads: &mut Self) -> [[F; L]; C] {
        let mut dx = [[F::ZERO; L]; C];
        for (channel, &d) in dx.iter_mut().zip(dy) {
            if let Some(last) = channel.last_mut() {
                *last = d;
            }
        }
        dx
    }
}

/// The current frame: on a stream it is the last one so far.
impl<F: Float, const C: usize> Streaming<[F; C], ()> for LastFrame {
    type Frame = [F; C];

    #[inline]
    fn stream(&self, x: &[F; C], _state: &mut ()) -> [F; C] {
        *x
    }
}
