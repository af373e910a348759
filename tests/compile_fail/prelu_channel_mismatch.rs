//! A per-channel PReLU must have one slope per channel: three slopes for a
//! four-channel feature map is a compile error naming both shapes.
use constnet::prelude::*;

fn main() {
    type Net = (Conv1d<1, 4, 3, 6>, PRelu<3>);
    let net = Net::ZERO;
    let _ = net.forward(&[[0.0_f32; 8]; 1]);
}
