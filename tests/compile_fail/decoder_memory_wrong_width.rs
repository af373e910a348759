// A decoder layer of width 8 given a memory whose steps have 6 features.
use constnet::prelude::*;

fn main() {
    let layer: TransformerDecoderLayer<8, 2, 16> = TransformerDecoderLayer::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
    let tgt = Sequence::new([[0.0_f32; 8]; 3]);
    let memory = Sequence::new([[0.0_f32; 6]; 4]);
    let _y = layer.forward(&(tgt, memory));
}
