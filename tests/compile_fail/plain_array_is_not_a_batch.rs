// A plain array of samples is not a batch: `[[f32; 2]; 3]` is one sample (a
// 1-D feature map of 3 channels), which a Dense<2, _> does not take. Three
// samples are a `Batch<[f32; 2], 3>`.
use constnet::prelude::*;

type Net = (Dense<2, 4>, Tanh, Dense<4, 1>);

fn main() {
    let net = Net::zeroed();
    let _ = net.forward(&Batch::new([[0.0_f32, 1.0], [1.0, 0.0], [1.0, 1.0]])); // fine
    let _ = net.forward(&[[0.0_f32, 1.0], [1.0, 0.0], [1.0, 1.0]]);
}
