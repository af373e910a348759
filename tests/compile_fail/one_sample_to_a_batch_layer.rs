// `train_epoch` runs samples one at a time; a model with batch
// normalisation needs a `Batch` to train (use `train_batched`), so giving
// it single samples is a compile error that says so.
use constnet::prelude::*;

type Net = (Dense<2, 4>, BatchNorm1d<4>, Relu, Dense<4, 1>);

fn main() {
    let mut net = Net::zeroed();
    let mut sgd = Sgd::new(0.1).unwrap();
    let data = [([0.0_f32, 1.0], [1.0_f32]), ([1.0, 0.0], [0.0])];
    let _ = train_epoch(&mut net, &mut sgd, &data, 2, mse);
}
