// A bidirectional GRU of 16 hidden units returns 2·16 = 32 features per
// step; declaring 16 fails the build, naming the rule.
use constnet::prelude::*;

type Net = (Bidirectional<Gru<8, 16>, 16>, LastStep, Dense<16, 10>);

fn main() {
    let net = Net::zeroed();
    let _ = net.forward(&Sequence::new([[0.0_f32; 8]; 8]));
}
