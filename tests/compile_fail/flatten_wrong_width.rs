// 4 channels of 3×3 after pooling flatten to 36 values, not 32.
use constnet::prelude::*;

type Cnn = (Conv2d<1, 4, 3, 6, 6>, Relu, MaxPool2d<2, 3, 3>, Flatten<32>, Dense<32, 10>);

fn main() {
    let net = Cnn::zeroed();
    let _ = net.forward(&[[[0.0_f32; 8]; 8]; 1]);
}
