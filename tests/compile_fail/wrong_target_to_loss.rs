// Proves: a loss's target must have the output's width; the error (E0308)
// names both widths.
use constnet::prelude::*;

type Net = (Dense<2, 1>, Sigmoid);

fn main() {
    let net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(0));
    let out = net.forward(&[1.0, 2.0]);
    let _ = mse(&out, &[1.0, 2.0]);
}
