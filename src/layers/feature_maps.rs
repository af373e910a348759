//! The activations on feature maps: `[[[F; W]; H]; C]` (a CHW sample, the
//! output of a [`Conv2d`](crate::layers::Conv2d) or a 2-D pool) and a batch
//! of them, `[[[[F; W]; H]; C]; B]`.
//!
//! A 1-D feature map `[[F; L]; C]` already has the shape of a batch of rows,
//! which every activation takes. These impls apply the activation row by
//! row through its `[F; W]` impl, so every value has exactly the bits of the
//! element-wise function, and the tape is the rows' tapes.

use crate::layers::{Identity, LeakyRelu, Relu, Sigmoid, Step, Tanh};
use crate::{Float, Layer};

/// Implements `Layer` on CHW feature maps and batches of them for an
/// activation whose `[F; W]` impl maps a row to a row.
macro_rules! feature_map_activation {
    ($($t:ty),*) => {$(
        /// One CHW feature map, row by row.
        impl<F: Float, const W: usize, const H: usize, const C: usize> Layer<[[[F; W]; H]; C]> for $t {
            type Output = [[[F; W]; H]; C];
            /// The rows' tapes.
            type Tape = [[[F; W]; H]; C];

            fn eval(&self, x: &[[[F; W]; H]; C]) -> [[[F; W]; H]; C] {
                core::array::from_fn(|c| core::array::from_fn(|h| Layer::<[F; W]>::eval(self, &x[c][h])))
            }

            fn eval_tape(&mut self, x: &[[[F; W]; H]; C]) -> ([[[F; W]; H]; C], [[[F; W]; H]; C]) {
                let mut y = [[[F::zero(); W]; H]; C];
                let mut tape = [[[F::zero(); W]; H]; C];
                for c in 0..C {
                    for h in 0..H {
                        (y[c][h], tape[c][h]) = Layer::<[F; W]>::eval_tape(self, &x[c][h]);
                    }
                }
                (y, tape)
            }

            fn backprop(&self, tape: &[[[F; W]; H]; C], dy: &[[[F; W]; H]; C], grads: &mut Self) -> [[[F; W]; H]; C] {
                core::array::from_fn(|c| {
                    core::array::from_fn(|h| Layer::<[F; W]>::backprop(self, &tape[c][h], &dy[c][h], grads))
                })
            }
        }

        /// A batch of CHW feature maps, sample by sample.
        impl<F: Float, const W: usize, const H: usize, const C: usize, const B: usize> Layer<[[[[F; W]; H]; C]; B]>
            for $t
        {
            type Output = [[[[F; W]; H]; C]; B];
            /// The samples' tapes.
            type Tape = [[[[F; W]; H]; C]; B];

            fn eval(&self, x: &[[[[F; W]; H]; C]; B]) -> [[[[F; W]; H]; C]; B] {
                core::array::from_fn(|b| Layer::<[[[F; W]; H]; C]>::eval(self, &x[b]))
            }

            fn eval_tape(&mut self, x: &[[[[F; W]; H]; C]; B]) -> ([[[[F; W]; H]; C]; B], [[[[F; W]; H]; C]; B]) {
                let mut y = [[[[F::zero(); W]; H]; C]; B];
                let mut tape = [[[[F::zero(); W]; H]; C]; B];
                for b in 0..B {
                    (y[b], tape[b]) = Layer::<[[[F; W]; H]; C]>::eval_tape(self, &x[b]);
                }
                (y, tape)
            }

            fn backprop(
                &self,
                tape: &[[[[F; W]; H]; C]; B],
                dy: &[[[[F; W]; H]; C]; B],
                grads: &mut Self,
            ) -> [[[[F; W]; H]; C]; B] {
                core::array::from_fn(|b| Layer::<[[[F; W]; H]; C]>::backprop(self, &tape[b], &dy[b], grads))
            }
        }
    )*};
}

feature_map_activation!(Identity, Relu, Sigmoid, Tanh, LeakyRelu<F>, Step<F>);
