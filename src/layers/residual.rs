//! [`Residual`]: a skip connection around a block, y = x + Block(x).

use core::fmt;

use rand::Rng;

use crate::model::{Tensor, TensorMut};
use crate::{Backprop, Float, Init, Layer, Mode, Model, Module, Values};

/// A residual (skip) connection: y = x + Block(x), where `Block` is any
/// layer or stack that maps its input type to itself.
///
/// The block must return exactly its input's shape: the bound is
/// `Block: Layer<X, Output = X>`, so a block that changes the shape is a
/// type error ("type mismatch resolving `<… as Layer<[f32; 6]>>::Output ==
/// [f32; 6]`", naming the block and both shapes). Works per sample and on a
/// [`Batch`](crate::Batch), for any input that is [`Values`], as the block
/// does.
///
/// Backward: dX = dY + Block′ᵀ·dY, summed in that order; the tape is the
/// block's. The parameters are the block's.
///
/// ```
/// use constnet::prelude::*;
///
/// type Block = Residual<(Dense<2, 2>, Relu)>;
/// let block: Block = Residual::new((Dense::from_weights([[1.0, 0.0], [0.0, -1.0]], [0.0, 0.0]), Relu));
/// assert_eq!(block.forward(&[2.0, 3.0]), [4.0, 3.0]);
/// const _: () = assert!(<Block as Model>::PARAMS == 6);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Residual<Block> {
    /// The block the skip connection goes around.
    pub block: Block,
}

impl<Block> Residual<Block> {
    /// Wraps `block` in a skip connection. A `const fn`, so a model can live
    /// in a `static`.
    pub const fn new(block: Block) -> Self {
        Residual { block }
    }
}

impl<Block: Module> Module for Residual<Block> {}

impl<F: Float, Block: Model<F>> Model<F> for Residual<Block> {
    const PARAMS: usize = Block::PARAMS;

    const ZERO: Self = Residual { block: Block::ZERO };
    const TENSORS: usize = Block::TENSORS;

    /// Position 0 (the block is one layer from outside); the type is the
    /// inner layer's.
    fn tensor_owner(index: usize) -> Option<(usize, &'static str)> {
        Block::tensor_owner(index).map(|(_, layer_type)| (0, layer_type))
    }

    fn initialize_with<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        self.block.initialize_with(init, rng);
    }
    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        self.block.tensors()
    }
    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        self.block.tensors_mut()
    }
    crate::state::transparent_state!(block);
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::Residual::new(")?;
        self.block.write_rust(out)?;
        out.write_char(')')
    }
}

/// y = x + Block(x), added element by element.
impl<X: Values, Block: Layer<X, Output = X>> Layer<X> for Residual<Block> {
    type Output = X;

    fn eval(&self, x: &X) -> X {
        let mut y = self.block.eval(x);
        y.zip_mut(x, &mut |y, x| *y = x + *y);
        y
    }
}

impl<X: Values, M: Mode, Block: Backprop<X, M, Output = X>> Backprop<X, M> for Residual<Block> {
    /// The block's tape.
    type Tape = Block::Tape;

    fn eval_tape(&mut self, x: &X) -> (X, Block::Tape) {
        let (mut y, tape) = self.block.eval_tape(x);
        y.zip_mut(x, &mut |y, x| *y = x + *y);
        (y, tape)
    }

    fn eval_tape_into(&mut self, x: &X, tape: &mut Block::Tape) -> X {
        let mut y = self.block.eval_tape_into(x, tape);
        y.zip_mut(x, &mut |y, x| *y = x + *y);
        y
    }

    fn backprop(&self, tape: &Block::Tape, dy: &X, grads: &mut Self) -> X {
        let mut dx = self.block.backprop(tape, dy, &mut grads.block);
        dx.zip_mut(dy, &mut |dx, d| *dx = d + *dx);
        dx
    }
}
