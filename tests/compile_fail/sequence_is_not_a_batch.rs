// An LSTM's output is a sequence of time steps, not a batch: batch
// normalisation after it would compute statistics over time. It does not
// compile; `PerStep<LayerNorm<4>>` normalises each step, and a `Batch` of
// sequences is the batch.
use constnet::prelude::*;

type Net = (Lstm<3, 4>, BatchNorm1d<4>);

fn main() {
    let mut net = Net::zeroed();
    let _ = net.forward_tape(&Sequence::new([[0.0_f32; 3]; 5]));
}
