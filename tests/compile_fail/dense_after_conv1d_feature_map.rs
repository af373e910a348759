// A Conv1d's output is a feature map `[[f32; 4]; 3]` (3 channels of 4
// positions), not a batch of three vectors of 4 features: a Dense<4, _>
// after it does not compile. Flatten it (`Flatten<12>`) or apply a layer
// per channel explicitly.
use constnet::prelude::*;

type Net = (Conv1d<1, 3, 2, 4>, Dense<4, 2>);

fn main() {
    let net = Net::zeroed();
    let _ = net.forward(&[[0.0_f32; 5]]);
}
