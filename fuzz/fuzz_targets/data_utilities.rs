//! The data utilities and metrics on arbitrary indices, fractions, labels
//! and scores (NaN and infinities included). Properties: never a panic;
//! `gather` and `ConfusionMatrix::add_all` change nothing on error;
//! `shuffle` permutes; `train_validation_split` partitions; the two ROC AUC
//! implementations agree.
#![no_main]

use constnet::data::{batches, gather, identity_permutation, shuffle, train_validation_split};
use constnet::metrics::{ConfusionMatrix, accuracy, roc_auc, roc_auc_with_scratch};
use constnet::prelude::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 10 {
        return;
    }
    let (head, rest) = data.split_at(10);
    let fraction = f64::from_le_bytes(head[..8].try_into().unwrap_or([0; 8]));
    let batch_size = usize::from(head[8] % 8);
    let dataset: Vec<u16> = (0..u16::from(head[9])).collect();
    let indices: Vec<usize> = rest.iter().map(|&b| usize::from(b)).collect();

    // gather: an out-of-range index or a short buffer is an error that
    // leaves the buffer as it was.
    let mut buffer = [u16::MAX; 8];
    match gather(&dataset, &indices, &mut buffer) {
        Ok(filled) => assert!(filled.iter().zip(&indices).all(|(&v, &i)| usize::from(v) == i)),
        Err(_) => assert_eq!(buffer, [u16::MAX; 8]),
    }
    if let Ok(chunks) = batches(&indices, batch_size) {
        assert_eq!(chunks.map(<[usize]>::len).sum::<usize>(), indices.len());
    }

    // shuffle permutes; the split partitions.
    let mut order = vec![0; indices.len()];
    identity_permutation(&mut order);
    shuffle(&mut order, &mut Xoshiro256PlusPlus::seed_from_u64(u64::from(head[8])));
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert!(sorted.iter().enumerate().all(|(k, &v)| k == v));
    if let Ok((train, validation)) = train_validation_split(&order, fraction) {
        assert_eq!(train.len() + validation.len(), order.len());
    }

    // Labels and predictions from the bytes, some out of range.
    let half = indices.len() / 2;
    let (actual, predicted) = (&indices[..half], &indices[half..2 * half]);
    let _ = accuracy(actual, predicted);
    let mut confusion = ConfusionMatrix::<10>::new();
    let before = *confusion.counts();
    if confusion.add_all(actual, predicted).is_err() {
        assert_eq!(*confusion.counts(), before);
    }
    let _ = (confusion.macro_f1(), confusion.per_class());

    // ROC AUC on scores built from the bytes' bits: NaN is an error in both.
    let labels: Vec<bool> = rest.iter().map(|b| b & 1 == 1).collect();
    let scores: Vec<f32> =
        rest.chunks(4).map(|c| f32::from_bits(c.iter().fold(0_u32, |a, &b| (a << 8) | u32::from(b)))).collect();
    let labels = &labels[..scores.len()];
    let mut scratch = vec![0; scores.len()];
    match (roc_auc(labels, &scores), roc_auc_with_scratch(labels, &scores, &mut scratch)) {
        (Ok(a), Ok(b)) => assert!((a - b).abs() < 1e-12, "{a} vs {b}"),
        (Err(a), Err(b)) => assert_eq!(a, b),
        (a, b) => panic!("the two ROC AUCs disagree: {a:?} vs {b:?}"),
    }
});
