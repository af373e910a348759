// Proves: a valid network given an input of the wrong width does not compile,
// and the error names both widths.
use constnet::prelude::*;

type Net = (Dense<2, 4>, Tanh, Dense<4, 1>);

fn main() {
    let net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(0));
    let _ = net.forward(&[1.0, 2.0, 3.0]);
}
