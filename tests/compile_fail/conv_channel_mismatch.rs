// The second convolution takes 3 channels, but the first makes 6.
use constnet::prelude::*;

type Net = (Conv2d<1, 6, 5, 28, 28>, Relu, Conv2d<3, 16, 5, 24, 24>);

fn main() {
    let net = Net::zeroed();
    let _ = net.forward(&[[[0.0_f32; 32]; 32]; 1]);
}
