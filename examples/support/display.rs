//! What the digits examples show while and after training: the progress
//! bar, the per-epoch curves (written as a PNG) and the confusion matrix.

use std::io;
use std::path::Path;

use constnet::metrics::ConfusionMatrix;

use super::digits::Event;
use super::plot::{Curves, training_curves};
use super::progress::{EpochStats, Progress};

/// Follows a run of [`super::digits::Event`]s: drives the progress bar and
/// records loss and accuracy per epoch, on the training and held-out samples.
pub struct TrainingDisplay {
    progress: Progress,
    train_loss: Vec<f32>,
    test_loss: Vec<f32>,
    train_acc: Vec<f32>,
    test_acc: Vec<f32>,
    /// The sum and count of this epoch's batch losses so far.
    running: (f32, usize),
}

impl TrainingDisplay {
    pub fn new(epochs: usize, batches_per_epoch: usize) -> Self {
        TrainingDisplay {
            progress: Progress::new(epochs, batches_per_epoch),
            train_loss: vec![],
            test_loss: vec![],
            train_acc: vec![],
            test_acc: vec![],
            running: (0.0, 0),
        }
    }

    pub fn observe(&mut self, event: Event) {
        match event {
            Event::Batch { done, loss } => {
                self.running = if done == 1 { (loss, 1) } else { (self.running.0 + loss, self.running.1 + 1) };
                // Accuracy is measured once per epoch; show the last epoch's meanwhile.
                let accuracy = self.train_acc.last().copied().unwrap_or(0.0);
                self.progress.batch(done, self.running.0 / self.running.1 as f32, accuracy);
            }
            Event::Epoch { epoch, result } => {
                self.train_loss.push(result.train.loss);
                self.test_loss.push(result.test.loss);
                self.train_acc.push(result.train.accuracy);
                self.test_acc.push(result.test.accuracy);
                let stats = EpochStats {
                    loss: result.train.loss,
                    acc: result.train.accuracy,
                    val_loss: Some(result.test.loss),
                    val_acc: Some(result.test.accuracy),
                };
                self.progress.epoch_end(epoch, &stats);
            }
        }
    }

    /// Writes the loss and accuracy curves; the "validation" curve is the
    /// held-out test split.
    pub fn write_curves(&self, path: &Path) -> io::Result<()> {
        let curves = Curves {
            train_loss: &self.train_loss,
            val_loss: &self.test_loss,
            train_acc: &self.train_acc,
            val_acc: &self.test_acc,
        };
        training_curves(path, &curves)
    }
}

/// Prints the test accuracy, the macro F1 and the confusion matrix of the
/// digits.
pub fn print_test_report(confusion: &ConfusionMatrix<10>) {
    print_class_report(confusion, "digit");
}

/// Prints the test accuracy, the macro F1 and the confusion matrix of `N`
/// classes, each a `what` (the matrix's rows: the true one).
pub fn print_class_report<const N: usize>(confusion: &ConfusionMatrix<N>, what: &str) {
    println!(
        "\ntest accuracy: {:.2}% ({} of {})",
        100.0 * confusion.accuracy(),
        confusion.correct(),
        confusion.total()
    );
    println!(
        "macro F1: {:.4}\n\nconfusion matrix (rows: true {what}, columns: predicted):\n{confusion}\n",
        confusion.macro_f1()
    );
}
