//! What every classifier image does with its test set, once: count the
//! instructions of one inference between the probe's markers, classify
//! every sample printing its logits' bits (which `ci.sh` compares with the
//! host's), print the accuracy and the stack's high-water mark, and exit
//! successfully exactly when the accuracy is the host's.

use constnet::metrics::argmax;

use crate::io::{self, Out};
use crate::probe;

/// A classifier's output value: an `f32` logit, printed as its bits, or an
/// int8 one, printed in decimal.
pub trait Logit: Copy {
    /// Prints the value as `ci.sh` and the host test compare it.
    fn print(self, out: &mut Out);
    /// The predicted class: the first largest value (NaN wins, for `f32`).
    fn class<const C: usize>(logits: &[Self; C]) -> usize;
}

impl Logit for f32 {
    fn print(self, out: &mut Out) {
        out.bits(self);
    }
    fn class<const C: usize>(logits: &[f32; C]) -> usize {
        argmax(logits)
    }
}

impl Logit for i8 {
    fn print(self, out: &mut Out) {
        out.int(i32::from(self));
    }
    fn class<const C: usize>(logits: &[i8; C]) -> usize {
        let mut best = 0;
        for (k, &v) in logits.iter().enumerate() {
            if logits.get(best).is_some_and(|&b| v > b) {
                best = k;
            }
        }
        best
    }
}

/// Runs the test set `test_set` (raw pixels and labels) through `infer`,
/// each sample turned into the model's input by `input`; exits with success
/// if `expected_correct` samples (the host's count) are classified right.
pub fn run<X, L: Logit, const C: usize>(
    out: &mut Out,
    test_set: &[([u8; 64], u8)],
    input: impl Fn(&[u8; 64]) -> X,
    infer: impl Fn(&X) -> [L; C],
    expected_correct: u32,
) -> ! {
    // One inference between the markers: the instructions report.sh counts.
    if let Some((raw, _)) = test_set.first() {
        let first = input(raw);
        probe::constnet_mark_start();
        let logits = infer(core::hint::black_box(&first));
        probe::constnet_mark_end();
        core::hint::black_box(logits);
    }

    let mut correct = 0;
    for (k, (raw, label)) in test_set.iter().enumerate() {
        let logits = infer(&input(raw));
        correct += u32::from(L::class(&logits) == usize::from(*label));
        out.str("out ").dec(k as u32);
        for value in logits {
            out.str(" ");
            value.print(out);
        }
        out.end();
    }
    out.str("correct: ").dec(correct).str(" of ").dec(test_set.len() as u32).end();
    out.str("stack_peak ").dec(probe::stack_peak()).end();
    io::exit(correct == expected_correct)
}
