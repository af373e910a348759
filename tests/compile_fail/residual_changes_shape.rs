// A residual block adds its input to its output, so the block must keep the
// shape: a block from 6 to 4 values is a type error.
use constnet::prelude::*;

type Block = Residual<(Dense<6, 4>, Relu)>;

fn main() {
    let block = Block::zeroed();
    let _ = block.forward(&[0.0_f32; 6]);
}
