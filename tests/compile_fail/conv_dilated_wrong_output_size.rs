// A kernel of 3 with dilation 4 spans 9 inputs: 20 inputs give
// (20 − 4·(3 − 1) − 1)/1 + 1 = 12 outputs. Declaring 18 (as if undilated)
// fails the build, naming the rule with the dilation, the layer and the input.
use constnet::layers::DepthwiseConv1d;
use constnet::prelude::*;

type Dilated = DepthwiseConv1d<8, 3, 18, 1, 4>;

fn main() {
    let conv = Dilated::zeroed();
    let _ = conv.forward(&[[0.0_f32; 20]; 8]);
}
