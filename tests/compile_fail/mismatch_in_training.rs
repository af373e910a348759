// Proves: training a mismatched stack fails to compile with the same shape
// message as inference, at `forward_tape` and again at `backward`.
use constnet::prelude::*;

type Bad = (Dense<2, 4>, Relu, Dense<3, 1>);

fn main() {
    let mut net = Bad::init(&mut Xoshiro256PlusPlus::seed_from_u64(0));
    let mut grads = Grads::<Bad>::zeroed();
    let (out, tape) = net.forward_tape(&[1.0, 2.0]);
    let (_, dy) = mse(&out, &[0.0]);
    let _ = net.backward(&tape, &dy, &mut grads);
}
