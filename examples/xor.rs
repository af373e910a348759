//! Learns XOR with a 2-4-1 network: the smallest problem a single neuron
//! cannot solve. Prints the loss falling and the four predictions, then the
//! trained model as Rust source that firmware can `include!` into a `static`.
//!
//! Run with `cargo run --release --example xor`.

use constnet::prelude::*;

/// The network: shapes are checked by the compiler.
type Xor = (Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid);

/// The four cases of the truth table.
const DATA: [([f32; 2], [f32; 1]); 4] =
    [([0.0, 0.0], [0.0]), ([0.0, 1.0], [1.0]), ([1.0, 0.0], [1.0]), ([1.0, 1.0], [0.0])];

const EPOCHS: usize = 2000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("constnet XOR: {} parameters, {} bytes", <Xor as Model>::PARAMS, <Xor as Model>::BYTES);

    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let mut net = Xor::init(&mut rng);
    let mut sgd = Sgd::new(0.5)?;

    for epoch in 1..=EPOCHS {
        // One full batch of the four cases per step, averaged.
        let loss = train_epoch(&mut net, &mut sgd, &DATA, DATA.len(), mse)?;
        if epoch == 1 || epoch % 200 == 0 {
            let bar = "#".repeat((loss * 160.0).round() as usize);
            println!("epoch {epoch:>5}  loss {loss:.6}  {bar}");
        }
    }

    println!("\n  x1  x2  target  output  correct");
    let mut correct = 0;
    for (x, [target]) in &DATA {
        let [output] = net.forward(x);
        let ok = (output > 0.5) == (*target > 0.5);
        correct += usize::from(ok);
        println!("  {:>2}  {:>2}  {target:>6}  {output:.4}  {}", x[0], x[1], if ok { "yes" } else { "NO" });
    }
    println!("\naccuracy: {correct}/4");

    let mut source = String::new();
    net.write_rust(&mut source)?;
    println!("\ntrained model, for `static NET: Xor = include!(\"xor_weights.rs\");`:\n{source}");

    if correct == DATA.len() { Ok(()) } else { Err("XOR was not learned".into()) }
}
