//! The recurrent digits classifiers of `examples/sequence_digits.rs` learn
//! at least as well as PyTorch's, less one point: over five seeded 80/20
//! splits (each digit read as 8 rows of 8 pixels; Adam 1e-2, batch 32, 30
//! epochs), PyTorch float32 with the same models reaches a mean test
//! accuracy of 98.2% with `(LSTM(8, 32), last step, Linear(32, 10))`
//! (range 97.2–99.2%) and 97.9% with the GRU (97.2–98.6%).

#[path = "../examples/support/mod.rs"]
mod support;

use support::digits::{self, measure_classifier, train_classifier};
use support::sequence_digits::{EPOCHS, GruDigits, LstmDigits, sequences};

/// The mean test accuracy of `M` over splits (and seeds) 0 to 4.
fn mean_accuracy<M>() -> (f32, Vec<f32>)
where
    M: constnet::Model + constnet::Backprop<support::sequence_digits::Rows, Output = [f32; 10]>,
{
    let data = digits::load().unwrap();
    let samples = sequences(&data);
    let accuracies: Vec<f32> = (0..5)
        .map(|seed| {
            let split = digits::split(samples.len(), seed).unwrap();
            let net: M = train_classifier(&samples, &data.labels, &split, seed, EPOCHS, |_| {}).unwrap();
            measure_classifier(&net, &samples, &data.labels, &split.test).accuracy
        })
        .collect();
    (accuracies.iter().sum::<f32>() / 5.0, accuracies)
}

#[test]
fn lstm_reads_digits_row_by_row_as_well_as_pytorch() {
    let (mean, accuracies) = mean_accuracy::<LstmDigits>();
    println!("LSTM test accuracy per split: {accuracies:?}, mean {:.2}%", 100.0 * mean);
    assert!(mean >= 0.972, "mean test accuracy {mean} over splits {accuracies:?}, PyTorch's 98.2% less a point");
}

#[test]
fn gru_reads_digits_row_by_row_as_well_as_pytorch() {
    let (mean, accuracies) = mean_accuracy::<GruDigits>();
    println!("GRU test accuracy per split: {accuracies:?}, mean {:.2}%", 100.0 * mean);
    assert!(mean >= 0.969, "mean test accuracy {mean} over splits {accuracies:?}, PyTorch's 97.9% less a point");
}
