// Multi-head attention splits the embedding width E into HEADS heads of
// E / HEADS features each: 6 features do not split into 4 heads. The build
// fails, naming E and HEADS.
use constnet::prelude::*;

fn main() {
    let attention = MultiHeadAttention::<6, 4>::zeroed();
    let _ = attention.forward(&Sequence::new([[0.0_f32; 6]; 3]));
}
