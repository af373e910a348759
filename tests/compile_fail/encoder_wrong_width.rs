// An encoder layer of width 16 given a sequence whose steps have 12 features.
use constnet::prelude::*;

fn main() {
    let layer: TransformerEncoderLayer<16, 4, 32> = TransformerEncoderLayer::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
    let _y = layer.forward(&Sequence::new([[0.0_f32; 12]; 5]));
}
