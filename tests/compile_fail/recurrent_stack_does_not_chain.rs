// The first LSTM returns 32 features per step; the second takes 16.
use constnet::prelude::*;

type Net = (Lstm<8, 32>, Lstm<16, 32>, LastStep, Dense<32, 10>);

fn main() {
    let net = Net::zeroed();
    let _ = net.forward(&Sequence::new([[0.0_f32; 8]; 8]));
}
