// An LSTM over 8 features per step given a sequence of 6-feature steps: the
// error names both step types.
use constnet::prelude::*;

type Net = (Lstm<8, 32>, LastStep, Dense<32, 10>);

fn main() {
    let net = Net::zeroed();
    let _ = net.forward(&Sequence::new([[0.0_f32; 6]; 8]));
}
