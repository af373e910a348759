//! A terminal progress bar for training loops, with no dependency.
//!
//! On a terminal each epoch is one line that is redrawn in place (`\r`) as
//! batches complete and is ended when the epoch ends:
//!
//! ```text
//! epoch  7/30 [##########--------------]  18/45  loss 0.1234  acc 95.3%
//! epoch  7/30 [########################]  loss 0.1234  acc 95.3%  val_loss 0.1500  val_acc 94.1%
//! ```
//!
//! When standard output is not a terminal (a pipe, a file, a CI log) nothing
//! is printed within an epoch and each epoch ends with one plain line, so logs
//! stay readable:
//!
//! ```text
//! epoch  7/30  loss 0.1234  acc 95.3%  val_loss 0.1500  val_acc 94.1%
//! ```
//!
//! Accuracies are fractions in `[0, 1]` and are shown as percentages.

use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

/// Cells in the bar.
const BAR_WIDTH: usize = 24;

/// Least time between two redraws within an epoch (the last batch always redraws).
const REDRAW_EVERY: Duration = Duration::from_millis(50);

/// What one epoch achieved: training loss and accuracy, and the validation
/// ones when there is a validation set.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EpochStats {
    /// Mean training loss over the epoch.
    pub loss: f32,
    /// Training accuracy, a fraction in `[0, 1]`.
    pub acc: f32,
    /// Validation loss, if any.
    pub val_loss: Option<f32>,
    /// Validation accuracy, a fraction in `[0, 1]`, if any.
    pub val_acc: Option<f32>,
}

/// Progress of a training run of `epochs` epochs of `batches_per_epoch` batches each.
#[derive(Debug)]
pub struct Progress {
    epochs: usize,
    batches: usize,
    /// The epoch being trained, counted from 1.
    epoch: usize,
    terminal: bool,
    /// A partial line is on the screen (terminal mode only).
    line_open: bool,
    last_draw: Option<Instant>,
}

impl Progress {
    /// A progress display on standard output; draws a bar only if standard output is a terminal.
    pub fn new(epochs: usize, batches_per_epoch: usize) -> Self {
        Self::with_terminal(epochs, batches_per_epoch, io::stdout().is_terminal())
    }

    /// As [`Progress::new`], but says whether to draw the in-place bar (`true`) or print plain lines.
    pub fn with_terminal(epochs: usize, batches_per_epoch: usize, terminal: bool) -> Self {
        Self { epochs, batches: batches_per_epoch.max(1), epoch: 1, terminal, line_open: false, last_draw: None }
    }

    /// Whether the in-place bar is drawn.
    pub fn is_terminal(&self) -> bool {
        self.terminal
    }

    /// Reports that `done` batches of the current epoch are finished, with the
    /// running mean loss and accuracy so far. Prints only on a terminal, at most
    /// every 50 ms (and always for the last batch).
    pub fn batch(&mut self, done: usize, running_loss: f32, running_acc: f32) {
        if !self.terminal {
            return;
        }
        let now = Instant::now();
        let due = self.last_draw.is_none_or(|t| now.duration_since(t) >= REDRAW_EVERY);
        if !due && done < self.batches {
            return;
        }
        self.last_draw = Some(now);
        let done = done.min(self.batches);
        let width = digits(self.batches);
        let line = format!(
            "{} {:>width$}/{}  loss {:.4}  acc {}",
            self.head(self.epoch, Some(done)),
            done,
            self.batches,
            running_loss,
            percent(running_acc),
        );
        self.emit(&format!("\r{line}\x1b[K"));
        self.line_open = true;
    }

    /// Ends epoch `epoch` (counted from 1) with its statistics: completes the
    /// bar and ends the line on a terminal, or prints one plain line otherwise.
    /// Later calls to [`Progress::batch`] belong to epoch `epoch + 1`.
    pub fn epoch_end(&mut self, epoch: usize, stats: &EpochStats) {
        let mut line = self.head(epoch, self.terminal.then_some(self.batches));
        line += &format!("  loss {:.4}  acc {}", stats.loss, percent(stats.acc));
        if let Some(v) = stats.val_loss {
            line += &format!("  val_loss {v:.4}");
        }
        if let Some(v) = stats.val_acc {
            line += &format!("  val_acc {}", percent(v));
        }
        if self.terminal {
            self.emit(&format!("\r{line}\x1b[K\n"));
        } else {
            self.emit(&format!("{line}\n"));
        }
        self.line_open = false;
        self.last_draw = None;
        self.epoch = epoch + 1;
    }

    /// `epoch  7/30`, followed by the bar with `done` of the batches filled if `done` is given.
    fn head(&self, epoch: usize, done: Option<usize>) -> String {
        let width = digits(self.epochs);
        let mut s = format!("epoch {epoch:>width$}/{}", self.epochs);
        if let Some(done) = done {
            let filled = done * BAR_WIDTH / self.batches;
            s += &format!(" [{}{}]", "#".repeat(filled), "-".repeat(BAR_WIDTH - filled));
        }
        s
    }

    fn emit(&self, s: &str) {
        let mut out = io::stdout().lock();
        // A progress display must never stop training: write errors (a closed pipe) are ignored.
        let _ = out.write_all(s.as_bytes());
        let _ = out.flush();
    }
}

impl Drop for Progress {
    /// Ends a partly drawn line, so that whatever is printed next (an error, say) starts on its own line.
    fn drop(&mut self) {
        if self.line_open {
            self.emit("\n");
        }
    }
}

/// Decimal digits of `n`.
fn digits(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// A fraction as a percentage with one decimal, right-aligned: ` 95.3%`, `100.0%`.
fn percent(fraction: f32) -> String {
    format!("{:5.1}%", fraction * 100.0)
}
