//! The digits CNN of `examples/cnn_digits.rs` learns as the issue asks:
//! conv 3×3 to 16 channels, ReLU, max-pool 2×2, dense 144 → 10, trained
//! with Adam 1e-2, batch 32, for 40 epochs on the digits example's seed-0
//! 80/20 split, reaches at least 98% test accuracy (the example reaches
//! 98.6%; PyTorch with the same model and settings 98.1–98.6% over three
//! seeds).

// The recipe is shared with the examples; `support` allows the dead code
// of the parts this test does not use.
#[path = "../examples/support/mod.rs"]
mod support;

use support::{cnn_digits, digits};

#[test]
fn cnn_reaches_98_percent_on_the_digits_split() {
    let data = digits::load().unwrap();
    let images = cnn_digits::images(&data);
    let split = digits::split(data.samples.len(), 0).unwrap();
    assert_eq!((split.train.len(), split.test.len()), (1437, 360));
    let net = cnn_digits::train(&images, &data.labels, &split, 0, |_| {}).unwrap();
    let test = cnn_digits::measure(&net, &images, &data.labels, &split.test);
    println!("test accuracy {:.2}%, loss {:.4}", 100.0 * test.accuracy, test.loss);
    assert!(test.accuracy >= 0.98, "test accuracy {} below 98%", test.accuracy);
}
