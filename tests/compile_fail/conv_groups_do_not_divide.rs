// Six input channels in groups of four (CPG = 4) is not a whole number of
// groups: PyTorch's `Conv1d(6, 4, 3, groups=…)` has no such layer. The build
// fails with the rule and the layer type.
use constnet::layers::{Conv, Geometry1d};
use constnet::prelude::*;

type Grouped = Conv<6, 4, 4, [f32; 3], Geometry1d<8>>;

fn main() {
    let conv = Grouped::zeroed();
    let _ = conv.forward(&[[0.0_f32; 10]; 6]);
}
