//! Metrics against hand-worked cases: ties, empty classes (no division by
//! zero), perfect and worst predictions. Each expected value is worked out
//! in a comment; where scikit-learn gives the same number, the call is named.

use constnet::metrics::{
    ClassMetrics, ConfusionMatrix, accuracy, argmax, mean_absolute_error, mean_squared_error, r2_score, roc_auc,
    roc_auc_with_scratch,
};
use constnet::{ClassOutOfRange, MetricError};
use proptest::prelude::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-15 * a.abs().max(b.abs()).max(1.0)
}

macro_rules! assert_close {
    ($a:expr, $b:expr) => {{
        let (a, b): (f64, f64) = ($a, $b);
        assert!(close(a, b), "{a} != {b}");
    }};
}

// ---------------------------------------------------------------- argmax

#[test]
fn argmax_picks_the_largest_the_first_of_ties_and_the_first_nan() {
    assert_eq!(argmax(&[0.1_f32, 0.7, 0.2]), 1);
    assert_eq!(argmax(&[3.0_f64]), 0);
    assert_eq!(argmax(&[0.2_f32, 0.5, 0.5, 0.1]), 1); // numpy.argmax: first of ties
    assert_eq!(argmax(&[f32::NEG_INFINITY; 3]), 0);
    assert_eq!(argmax(&[-1.0_f32, f32::INFINITY, 2.0]), 1);
    // NaN counts as the largest, like numpy.argmax / torch.argmax.
    assert_eq!(argmax(&[f64::NAN, 5.0]), 0);
    assert_eq!(argmax(&[1.0_f64, 5.0, f64::NAN, f64::NAN]), 2);
    assert_eq!(argmax(&[-0.0_f32, 0.0]), 0); // −0 == +0: a tie
}

// ---------------------------------------------------------------- accuracy

#[test]
fn accuracy_perfect_worst_and_partial() {
    assert_eq!(accuracy(&[0, 1, 2], &[0, 1, 2]), Ok(1.0));
    assert_eq!(accuracy(&[0, 1, 2], &[1, 2, 0]), Ok(0.0));
    // 2 of 3 right.
    assert_eq!(accuracy(&[1, 0, 0], &[1, 0, 1]), Ok(2.0 / 3.0));
}

#[test]
fn accuracy_rejects_mismatched_and_empty_inputs() {
    assert_eq!(accuracy(&[0, 1], &[0]), Err(MetricError::LengthMismatch { actual: 2, predicted: 1 }));
    assert_eq!(accuracy(&[], &[]), Err(MetricError::Empty));
}

// ---------------------------------------------------------------- confusion matrix

/// actual    = [0, 0, 0, 1, 1, 2, 2, 2, 2]
/// predicted = [0, 0, 1, 1, 0, 2, 2, 2, 0], four classes (class 3 never
/// occurs and is never predicted).
///
///              predicted 0  1  2  3    support
///   actual 0             2  1  0  0    3
///   actual 1             1  1  0  0    2
///   actual 2             1  0  3  0    4
///   actual 3             0  0  0  0    0
///   predicted count      4  2  3  0
fn worked_matrix() -> ConfusionMatrix<4> {
    let mut cm = ConfusionMatrix::new();
    cm.add_all(&[0, 0, 0, 1, 1, 2, 2, 2, 2], &[0, 0, 1, 1, 0, 2, 2, 2, 0]).unwrap();
    cm
}

#[test]
fn confusion_matrix_counts_rows_actual_columns_predicted() {
    let cm = worked_matrix();
    assert_eq!(cm.counts(), &[[2, 1, 0, 0], [1, 1, 0, 0], [1, 0, 3, 0], [0, 0, 0, 0]]);
    assert_eq!(cm.get(2, 0), Some(1));
    assert_eq!(cm.get(4, 0), None);
    assert_eq!((cm.total(), cm.correct()), (9, 6));
    assert_eq!(cm.accuracy(), 6.0 / 9.0);
    assert_eq!([0, 1, 2, 3].map(|c| cm.support(c)), [3, 2, 4, 0]);
    assert_eq!([0, 1, 2, 3].map(|c| cm.predicted_count(c)), [4, 2, 3, 0]);
}

#[test]
fn precision_recall_f1_by_hand_with_an_empty_class() {
    let cm = worked_matrix();
    // precision = TP / predicted count: 2/4, 1/2, 3/3, and 0/0 → 0 (zero_division=0).
    assert_eq!([0, 1, 2, 3].map(|c| cm.precision(c).unwrap()), [0.5, 0.5, 1.0, 0.0]);
    // recall = TP / support: 2/3, 1/2, 3/4, and 0/0 → 0.
    assert_eq!([0, 1, 2, 3].map(|c| cm.recall(c).unwrap()), [2.0 / 3.0, 0.5, 0.75, 0.0]);
    // F1 = 2TP / (predicted count + support): 4/7, 2/4, 6/7, and 0/0 → 0.
    assert_eq!([0, 1, 2, 3].map(|c| cm.f1(c).unwrap()), [4.0 / 7.0, 0.5, 6.0 / 7.0, 0.0]);
    // Macro averages over all four classes (sklearn with labels=range(4), zero_division=0):
    // P = (1/2 + 1/2 + 1 + 0)/4 = 1/2
    // R = (2/3 + 1/2 + 3/4 + 0)/4 = (8 + 6 + 9)/12/4 = 23/48
    // F1 = (4/7 + 1/2 + 6/7 + 0)/4 = (8 + 7 + 12)/14/4 = 27/56
    assert_close!(cm.macro_precision(), 0.5);
    assert_close!(cm.macro_recall(), 23.0 / 48.0);
    assert_close!(cm.macro_f1(), 27.0 / 56.0);
    assert!(cm.macro_precision().is_finite() && cm.macro_recall().is_finite() && cm.macro_f1().is_finite());

    let per_class = cm.per_class();
    assert_eq!(per_class[2], ClassMetrics { precision: 1.0, recall: 0.75, f1: 6.0 / 7.0, support: 4 });
    assert_eq!(per_class[3], ClassMetrics { precision: 0.0, recall: 0.0, f1: 0.0, support: 0 });
}

#[test]
fn a_class_with_samples_but_never_predicted_scores_zero() {
    // actual [0, 1, 1], predicted [0, 0, 0]: class 1 is never predicted.
    let mut cm = ConfusionMatrix::<2>::new();
    cm.add_all(&[0, 1, 1], &[0, 0, 0]).unwrap();
    // Class 0: P = 1/3, R = 1/1, F1 = 2/(3 + 1) = 1/2 (= harmonic mean 2·(1/3)·1/(4/3)).
    assert_eq!((cm.precision(0), cm.recall(0), cm.f1(0)), (Ok(1.0 / 3.0), Ok(1.0), Ok(0.5)));
    // Class 1: P = 0/0 → 0, R = 0/2 = 0, F1 = 0/(0 + 2) = 0.
    assert_eq!((cm.precision(1), cm.recall(1), cm.f1(1)), (Ok(0.0), Ok(0.0), Ok(0.0)));
    // macro F1 = (1/2 + 0)/2; it is not the harmonic mean of macro P (1/6) and macro R (1/2).
    assert_eq!(cm.macro_f1(), 0.25);
}

#[test]
fn an_empty_matrix_never_divides_by_zero() {
    let cm = ConfusionMatrix::<3>::default();
    assert_eq!(cm.total(), 0);
    assert_eq!(cm.accuracy(), 0.0);
    for class in 0..3 {
        assert_eq!((cm.precision(class), cm.recall(class), cm.f1(class)), (Ok(0.0), Ok(0.0), Ok(0.0)));
    }
    assert_eq!((cm.macro_precision(), cm.macro_recall(), cm.macro_f1()), (0.0, 0.0, 0.0));
}

#[test]
fn perfect_and_worst_predictions() {
    let mut perfect = ConfusionMatrix::<3>::new();
    perfect.add_all(&[0, 1, 2, 2], &[0, 1, 2, 2]).unwrap();
    assert_eq!(perfect.accuracy(), 1.0);
    assert_eq!((perfect.macro_precision(), perfect.macro_recall(), perfect.macro_f1()), (1.0, 1.0, 1.0));

    let mut worst = ConfusionMatrix::<2>::new();
    worst.add_all(&[0, 1, 1, 0], &[1, 0, 0, 1]).unwrap();
    assert_eq!(worst.accuracy(), 0.0);
    assert_eq!((worst.macro_precision(), worst.macro_recall(), worst.macro_f1()), (0.0, 0.0, 0.0));
}

#[test]
fn out_of_range_classes_are_rejected_and_leave_the_matrix_unchanged() {
    let mut cm = ConfusionMatrix::<3>::new();
    assert_eq!(cm.add(3, 0), Err(ClassOutOfRange { class: 3, classes: 3 }));
    assert_eq!(cm.add(0, 7), Err(ClassOutOfRange { class: 7, classes: 3 }));
    assert_eq!(
        cm.add_all(&[0, 1, 2], &[0, 5, 1]),
        Err(MetricError::ClassOutOfRange { index: 1, class: 5, classes: 3 })
    );
    assert_eq!(cm.add_all(&[0, 1], &[0]), Err(MetricError::LengthMismatch { actual: 2, predicted: 1 }));
    assert_eq!(cm.total(), 0);
    assert_eq!(cm.precision(3), Err(ClassOutOfRange { class: 3, classes: 3 }));
    assert_eq!(cm.recall(9), Err(ClassOutOfRange { class: 9, classes: 3 }));
    assert_eq!(cm.f1(3), Err(ClassOutOfRange { class: 3, classes: 3 }));
    assert_eq!((cm.support(3), cm.predicted_count(3)), (0, 0));

    cm.add(1, 2).unwrap();
    cm.clear();
    assert_eq!(cm, ConfusionMatrix::new());
}

#[test]
fn display_is_a_right_aligned_table_with_a_header() {
    let mut cm = ConfusionMatrix::<3>::new();
    for _ in 0..123 {
        cm.add(0, 0).unwrap();
    }
    cm.add(1, 2).unwrap();
    for _ in 0..45 {
        cm.add(2, 2).unwrap();
    }
    let expected = "\
true\\pred    0    1    2
        0  123    0    0
        1    0    0    1
        2    0    0   45";
    assert_eq!(cm.to_string(), expected);

    // Eleven classes: the two-digit class labels still line up.
    let mut big = ConfusionMatrix::<11>::new();
    big.add(10, 3).unwrap();
    let text = big.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 12);
    assert!(lines[0].starts_with("true\\pred"));
    assert!(lines.iter().all(|l| l.len() == lines[0].len()), "{text}");
    assert_eq!(lines[11], "       10   0   0   0   1   0   0   0   0   0   0   0");
}

// ---------------------------------------------------------------- ROC AUC

fn both_aucs(labels: &[bool], scores: &[f64]) -> Result<f64, MetricError> {
    let slow = roc_auc(labels, scores);
    let mut scratch = vec![usize::MAX; scores.len()];
    let fast = roc_auc_with_scratch(labels, scores, &mut scratch);
    assert_eq!(slow, fast, "the two algorithms disagree on {labels:?} {scores:?}");
    slow
}

#[test]
fn auc_perfect_worst_and_all_tied() {
    let labels = [false, false, true, true];
    assert_eq!(both_aucs(&labels, &[0.1, 0.2, 0.8, 0.9]), Ok(1.0));
    assert_eq!(both_aucs(&labels, &[0.9, 0.8, 0.2, 0.1]), Ok(0.0));
    // Every pair tied: each counts 1/2.
    assert_eq!(both_aucs(&labels, &[0.5; 4]), Ok(0.5));
}

#[test]
fn auc_with_tied_scores_by_hand() {
    // Positives score 0.9, 0.5, 0.3; negatives 0.9, 0.3, 0.1.
    //   0.9 vs (0.9, 0.3, 0.1): ½ + 1 + 1 = 2.5
    //   0.5 vs (0.9, 0.3, 0.1): 0 + 1 + 1 = 2
    //   0.3 vs (0.9, 0.3, 0.1): 0 + ½ + 1 = 1.5
    // U = 6 of 3·3 = 9 pairs: AUC = 2/3, as sklearn's roc_auc_score.
    let labels = [true, false, true, false, true, false];
    let scores = [0.9, 0.9, 0.5, 0.3, 0.3, 0.1];
    assert_eq!(both_aucs(&labels, &scores), Ok(2.0 / 3.0));

    // The doc example of roc_auc_score's ROC curve: y = [0, 0, 1, 1],
    // scores [0.1, 0.4, 0.35, 0.8] → 0.75 (3 of 4 pairs).
    assert_eq!(both_aucs(&[false, false, true, true], &[0.1, 0.4, 0.35, 0.8]), Ok(0.75));

    // Ranks with ties (rank-sum method): scores sorted 0.1(−) 0.3(+) 0.3(−) 0.3(+) 0.7(+):
    // the 0.3 group holds ranks 2, 3, 4 → average 3. R₊ = 3 + 3 + 5 = 11;
    // U = 11 − 3·4/2 = 5 of 3·2 = 6 pairs.
    let labels = [false, true, false, true, true];
    let scores = [0.1, 0.3, 0.3, 0.3, 0.7];
    assert_eq!(both_aucs(&labels, &scores), Ok(5.0 / 6.0));
}

#[test]
fn auc_orders_infinities_and_equal_zeros() {
    let labels = [false, true, false, true];
    assert_eq!(both_aucs(&labels, &[f64::NEG_INFINITY, f64::INFINITY, 0.0, 1.0]), Ok(1.0));
    // −0 and +0 are the same score: a tie.
    assert_eq!(both_aucs(&[false, true], &[0.0, -0.0]), Ok(0.5));
}

#[test]
fn auc_needs_both_classes_no_nan_and_matching_lengths() {
    assert_eq!(both_aucs(&[true, true], &[0.1, 0.9]), Err(MetricError::SingleClass { positives: 2, negatives: 0 }));
    assert_eq!(both_aucs(&[], &[]), Err(MetricError::Empty));
    assert_eq!(both_aucs(&[false], &[0.1]), Err(MetricError::SingleClass { positives: 0, negatives: 1 }));
    assert_eq!(both_aucs(&[false, true, true], &[0.1, f64::NAN, f64::NAN]), Err(MetricError::NanScore { index: 1 }));
    assert_eq!(roc_auc(&[false, true], &[0.1_f32]), Err(MetricError::LengthMismatch { actual: 2, predicted: 1 }));
    let mut short = [0; 1];
    assert_eq!(
        roc_auc_with_scratch(&[false, true], &[0.1_f32, 0.2], &mut short),
        Err(MetricError::LengthMismatch { actual: 2, predicted: 1 })
    );
}

proptest! {
    #[test]
    fn auc_algorithms_agree_and_flip_symmetrically(
        data in prop::collection::vec((any::<bool>(), 0_u8..6), 0..60)
    ) {
        // Few distinct scores, so ties are common.
        let labels: Vec<bool> = data.iter().map(|d| d.0).collect();
        let scores: Vec<f64> = data.iter().map(|d| f64::from(d.1) / 5.0).collect();
        match both_aucs(&labels, &scores) {
            Ok(auc) => {
                prop_assert!((0.0..=1.0).contains(&auc));
                let negated: Vec<f64> = scores.iter().map(|s| -s).collect();
                let flipped = both_aucs(&labels, &negated).unwrap();
                prop_assert!((auc + flipped - 1.0).abs() < 1e-12);
            }
            Err(e) => {
                let expected = matches!(e, MetricError::Empty | MetricError::SingleClass { .. });
                prop_assert!(expected, "unexpected error {:?}", e);
            }
        }
    }
}

// ---------------------------------------------------------------- regression

#[test]
fn regression_metrics_on_scikit_learns_doc_example() {
    // y_true = [3, −0.5, 2, 7], y_pred = [2.5, 0, 2, 8] (the scikit-learn docs' example).
    let actual = [3.0_f64, -0.5, 2.0, 7.0];
    let predicted = [2.5, 0.0, 2.0, 8.0];
    // errors 0.5, −0.5, 0, −1: MSE = (0.25 + 0.25 + 0 + 1)/4 = 0.375; MAE = 2/4 = 0.5.
    assert_eq!(mean_squared_error(&actual, &predicted), Ok(0.375));
    assert_eq!(mean_absolute_error(&actual, &predicted), Ok(0.5));
    // mean 2.875; SS_tot = 0.125² + 3.375² + 0.875² + 4.125² = 29.1875; SS_res = 1.5;
    // R² = 1 − 1.5/29.1875 = 0.9486081370449679 (sklearn's r2_score docs).
    assert_close!(r2_score(&actual, &predicted).unwrap(), 0.9486081370449679);

    // The same in f32.
    let actual32 = actual.map(|v| v as f32);
    let predicted32 = predicted.map(|v| v as f32);
    assert_eq!(mean_squared_error(&actual32, &predicted32), Ok(0.375_f32));
    assert!((r2_score(&actual32, &predicted32).unwrap() - 0.948_608_1).abs() < 1e-6);
}

#[test]
fn r2_perfect_worse_than_mean_and_constant_targets() {
    assert_eq!(r2_score(&[1.0_f64, 2.0, 3.0], &[1.0, 2.0, 3.0]), Ok(1.0));
    // Predicting the mean everywhere: SS_res = SS_tot, R² = 0.
    assert_eq!(r2_score(&[1.0_f64, 2.0, 3.0], &[2.0, 2.0, 2.0]), Ok(0.0));
    // Reversed: SS_res = 4 + 0 + 4 = 8, SS_tot = 2, R² = 1 − 4 = −3.
    assert_eq!(r2_score(&[1.0_f64, 2.0, 3.0], &[3.0, 2.0, 1.0]), Ok(-3.0));
    // Constant targets (SS_tot = 0), force_finite=True: perfect → 1, otherwise 0; never ±∞ or NaN.
    assert_eq!(r2_score(&[4.0_f32, 4.0, 4.0], &[4.0, 4.0, 4.0]), Ok(1.0));
    assert_eq!(r2_score(&[4.0_f32, 4.0, 4.0], &[4.0, 5.0, 4.0]), Ok(0.0));
    assert_eq!(r2_score(&[4.0_f32], &[7.0]), Ok(0.0)); // one sample: SS_tot = 0
}

#[test]
fn regression_metrics_propagate_nan_and_reject_bad_lengths() {
    assert!(mean_squared_error(&[1.0_f64, f64::NAN], &[1.0, 2.0]).unwrap().is_nan());
    assert!(mean_absolute_error(&[1.0_f64, 2.0], &[f64::NAN, 2.0]).unwrap().is_nan());
    assert!(r2_score(&[1.0_f64, 2.0], &[f64::NAN, 2.0]).unwrap().is_nan());
    assert!(r2_score(&[3.0_f64, 3.0], &[f64::NAN, 3.0]).unwrap().is_nan()); // not masked as 0.0
    assert_eq!(mean_squared_error(&[1.0_f32], &[]), Err(MetricError::LengthMismatch { actual: 1, predicted: 0 }));
    assert_eq!(mean_absolute_error::<f64>(&[], &[]), Err(MetricError::Empty));
    assert_eq!(r2_score::<f32>(&[], &[]), Err(MetricError::Empty));
}

#[test]
fn multi_output_values_flatten_to_the_uniform_average() {
    // Two outputs per sample: MSE over all four numbers = mean of the two per-output MSEs.
    let actual = [[1.0_f64, 0.0], [2.0, 0.0]];
    let predicted = [[1.0, 1.0], [4.0, 0.0]];
    // per output: (0 + 4)/2 = 2 and (1 + 0)/2 = 0.5 → mean 1.25.
    assert_eq!(mean_squared_error(actual.as_flattened(), predicted.as_flattened()), Ok(1.25));
}

#[test]
fn error_messages_say_what_is_wrong() {
    assert_eq!(
        MetricError::LengthMismatch { actual: 3, predicted: 2 }.to_string(),
        "length mismatch: 3 true values but 2 predictions"
    );
    assert_eq!(
        MetricError::SingleClass { positives: 0, negatives: 4 }.to_string(),
        "only one class present (0 positive, 4 negative samples): the metric is undefined"
    );
    assert_eq!(
        MetricError::ClassOutOfRange { index: 1, class: 5, classes: 3 }.to_string(),
        "sample 1: class 5 out of range for 3 classes (0..3)"
    );
    assert_eq!(MetricError::NanScore { index: 2 }.to_string(), "score 2 is NaN and cannot be ranked");
    let _: &dyn std::error::Error = &MetricError::Empty;
}
