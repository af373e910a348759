//! What every classifier image does with its test set, once: count the
//! instructions of one inference between the probe's markers, classify
//! every sample printing its logits' bits (which `ci.sh` compares with the
//! host's), print the accuracy and the stack's high-water mark, and exit
//! successfully exactly when the accuracy is the host's.

use constnet::metrics::argmax;

use crate::io::{self, Out};
use crate::probe;

/// Runs the test set `test_set` (raw pixels and labels) through `infer`,
/// each sample turned into the model's input by `input`; exits with success
/// if `expected_correct` samples (the host's count) are classified right.
pub fn run<X, const C: usize>(
    out: &mut Out,
    test_set: &[([u8; 64], u8)],
    input: impl Fn(&[u8; 64]) -> X,
    infer: impl Fn(&X) -> [f32; C],
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
        correct += u32::from(argmax(&logits) == usize::from(*label));
        out.str("out ").dec(k as u32);
        for value in logits {
            out.str(" ").bits(value);
        }
        out.end();
    }
    out.str("correct: ").dec(correct).str(" of ").dec(test_set.len() as u32).end();
    out.str("stack_peak ").dec(probe::stack_peak()).end();
    io::exit(correct == expected_correct)
}
