// LeNet-5's first convolution takes 1×32×32 to 6×28×28 (32 − 5 + 1 = 28).
// Declaring 27 rows fails the build, naming the rule, the layer and the input.
use constnet::prelude::*;

type C1 = Conv2d<1, 6, 5, 27, 28>;

fn main() {
    let conv = C1::zeroed();
    let _ = conv.forward(&[[[0.0_f32; 32]; 32]; 1]);
}
