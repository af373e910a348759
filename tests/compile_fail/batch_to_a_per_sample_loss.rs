// A loss takes one sample's output and target; a batch of outputs is a
// `Batch`, which it does not take (`train_batched` applies the loss sample
// by sample).
use constnet::prelude::*;

type Net = (Dense<2, 1>, Sigmoid);

fn main() {
    let net = Net::zeroed();
    let out: Batch<[f32; 1], 2> = net.forward(&Batch::new([[0.0, 1.0], [1.0, 0.0]]));
    let _ = mse(&out, &[1.0]);
}
