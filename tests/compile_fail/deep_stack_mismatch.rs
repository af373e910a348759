// Proves: a mismatch deep inside a stack (8 outputs into a layer taking 5,
// behind an activation) is caught, and the error names the two widths at
// that point.
use constnet::prelude::*;

type Bad = (Dense<2, 4>, Tanh, Dense<4, 8>, Relu, Dense<5, 1>, Sigmoid);

fn main() {
    let net = Bad::init(&mut Xoshiro256PlusPlus::seed_from_u64(0));
    let _ = net.forward(&[1.0, 2.0]);
}
