//! Trains the sine model that the firmware's `sine` image runs: a 1-16-16-1
//! ReLU network approximating sin(x) on [0, 2π], the shape of TensorFlow Lite
//! Micro's `hello_world`. Prints the mean squared error falling, then writes
//! the trained model as Rust source for `static NET: Sine = include!(…)`.
//!
//! ```sh
//! cargo run --release --example sine                                           # train and report
//! cargo run --release --example sine -- --write firmware/src/models/sine.rs   # and export
//! ```
//!
//! Training is deterministic (seeded, and every sum has one fixed order), so
//! the second command reproduces the committed `firmware/src/models/sine.rs`
//! byte for byte.

use constnet::prelude::*;
use rand::Rng;

/// The network: 1 → 16 → 16 → 1 with ReLU, 321 parameters.
type Sine = (Dense<1, 16>, Relu, Dense<16, 16>, Relu, Dense<16, 1>);

/// Training points: an even grid over [0, 2π], endpoints included.
const POINTS: usize = 1000;
/// Points per mini-batch.
const BATCH: usize = 16;
const EPOCHS: usize = 500;
const SEED: u64 = 1;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let write_to = match std::env::args().nth(1).as_deref() {
        None => None,
        Some("--write") => Some(std::env::args().nth(2).ok_or("--write needs a file name")?),
        Some(other) => return Err(format!("unknown argument {other:?}; usage: sine [--write FILE]").into()),
    };

    let grid: Vec<([f32; 1], [f32; 1])> = (0..POINTS)
        .map(|k| {
            let x = k as f64 * std::f64::consts::TAU / (POINTS - 1) as f64;
            ([x as f32], [x.sin() as f32])
        })
        .collect();
    // The training order: the grid shuffled once, with a seeded RNG.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(SEED);
    let mut data = grid.clone();
    for i in (1..data.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        data.swap(i, j);
    }

    let mut net = Sine::init_with(Init::HeUniform, &mut rng);
    let mut adam = Adam::new(0.01)?;
    println!("constnet sine: {} parameters, {} bytes", <Sine as Model>::PARAMS, <Sine as Model>::BYTES);
    for epoch in 1..=EPOCHS {
        if epoch == EPOCHS * 3 / 5 {
            adam.set_learning_rate(0.003);
        }
        if epoch == EPOCHS * 4 / 5 {
            adam.set_learning_rate(0.001);
        }
        let loss = train_epoch(&mut net, &mut adam, &data, BATCH, mse)?;
        if epoch == 1 || epoch % 50 == 0 {
            println!("epoch {epoch:>4}  training loss {loss:.3e}");
        }
    }

    // The error of the trained model, in f64, over the grid and over points
    // between the grid's.
    let error = |x: f64| f64::from(net.forward(&[x as f32])[0]) - x.sin();
    let grid_mse = grid.iter().map(|([x], _)| error(f64::from(*x)).powi(2)).sum::<f64>() / POINTS as f64;
    let between: Vec<f64> =
        (0..POINTS - 1).map(|k| (k as f64 + 0.5) * std::f64::consts::TAU / (POINTS - 1) as f64).collect();
    let between_mse = between.iter().map(|&x| error(x).powi(2)).sum::<f64>() / between.len() as f64;
    let max_error = grid.iter().map(|([x], _)| error(f64::from(*x)).abs()).fold(0.0, f64::max);
    println!("mean squared error: {grid_mse:.3e} on the grid, {between_mse:.3e} between grid points");
    println!("largest error on the grid: {max_error:.4}");

    let mut source = String::from(
        "// The sine model: written by `cargo run --release --example sine -- --write firmware/src/models/sine.rs`.\n",
    );
    net.write_rust(&mut source)?;
    source.push('\n');
    match write_to {
        Some(path) => {
            std::fs::write(&path, &source)?;
            println!("wrote {path}");
        }
        None => println!("\ntrained model, for `static NET: Sine = include!(\"sine.rs\");`:\n{source}"),
    }
    if grid_mse < 1e-3 { Ok(()) } else { Err(format!("the model did not learn sin(x): MSE {grid_mse:.3e}").into()) }
}
