// Proves: a dense layer with 4 outputs cannot feed one with 3 inputs, and the
// error names both widths.
use constnet::prelude::*;

type Bad = (Dense<2, 4>, Dense<3, 1>);

fn main() {
    let net = Bad::init(&mut Xoshiro256PlusPlus::seed_from_u64(0));
    let _ = net.forward(&[1.0, 2.0]);
}
