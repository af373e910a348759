// A Conv1d's output for one sample is four channels of four positions,
// `[[f32; 4]; 4]`: batch normalisation must not mistake the channels for a
// batch of four samples. Training it on one sample does not compile; a
// `Batch` of feature maps does, with statistics per channel over the batch
// and the positions, as PyTorch's BatchNorm1d on [N][C][L].
use constnet::prelude::*;

type Net = (Conv1d<1, 4, 1, 4>, BatchNorm1d<4>);

fn main() {
    let mut net = Net::zeroed();
    let _ = net.forward_tape(&Batch::new([[[0.0_f32; 4]], [[1.0; 4]]])); // fine: a batch of two
    let _ = net.forward_tape(&[[0.0_f32; 4]]); // one sample: an error
}
