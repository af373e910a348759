//! Metrics to measure a model: accuracy, a confusion matrix with per-class
//! and macro precision, recall and F1, binary ROC AUC, and the regression
//! metrics MSE, MAE and R². No heap; nothing here panics on any input.
//!
//! Conventions follow scikit-learn, and each function names the
//! scikit-learn call it equals:
//!
//! - Arguments come **truth first**, as in scikit-learn:
//!   `(actual, predicted)` or `(labels, scores)`.
//! - Metrics computed from counts (accuracy, precision, recall, F1, AUC)
//!   return `f64` whatever the model's float type: they are ratios of
//!   integers, computed exactly in integers and divided once.
//! - Metrics computed from values (MSE, MAE, R²) return the values' type `F`,
//!   summed in index order (one fixed order on every target).
//! - A ratio with a zero denominator (the precision of a class that was never
//!   predicted, the recall of a class with no samples) is **0.0**, like
//!   scikit-learn's `zero_division=0`. It never divides by zero.
//!
//! ```
//! use constnet::metrics::{ConfusionMatrix, accuracy, argmax};
//!
//! let outputs = [[0.1_f32, 0.9], [0.8, 0.2], [0.3, 0.7]];
//! let labels = [1, 0, 0];
//! let mut predicted = [0; 3];
//! for (p, out) in predicted.iter_mut().zip(&outputs) {
//!     *p = argmax(out);
//! }
//! assert_eq!(accuracy(&labels, &predicted), Ok(2.0 / 3.0));
//!
//! let mut cm = ConfusionMatrix::<2>::new();
//! cm.add_all(&labels, &predicted).unwrap();
//! assert_eq!(cm.counts(), &[[1, 1], [0, 1]]); // rows: actual, columns: predicted
//! assert_eq!(cm.recall(0), Ok(0.5));
//! ```

use core::cmp::Ordering;
use core::fmt;

use crate::Float;
use crate::error::{ClassOutOfRange, MetricError};

/// The index of the largest value: the class a classifier's output predicts.
///
/// - **Ties** go to the first (lowest) index, as `numpy.argmax` and
///   `torch.argmax`.
/// - **NaN** counts as larger than every number, as in `numpy.argmax` and
///   `torch.argmax`: the index of the first NaN is returned. A model whose
///   output went NaN thus predicts one fixed class, visibly wrong, rather
///   than a class chosen by whatever finite values remain.
///
/// `C` must be at least 1: `argmax` of a `[F; 0]` fails to compile.
///
/// ```
/// use constnet::metrics::argmax;
/// assert_eq!(argmax(&[0.1_f32, 0.7, 0.2]), 1);
/// assert_eq!(argmax(&[0.5_f32, 0.5]), 0); // ties: the first
/// assert_eq!(argmax(&[0.1_f64, f64::NAN, 9.0, f64::NAN]), 1); // NaN wins
/// ```
pub fn argmax<F: Float, const C: usize>(output: &[F; C]) -> usize {
    const { assert!(C > 0, "argmax needs at least one class") };
    let mut best = 0;
    let mut best_value = output[0];
    if best_value.is_nan() {
        return 0;
    }
    for (index, &value) in output.iter().enumerate().skip(1) {
        if value.is_nan() {
            return index;
        }
        if value > best_value {
            best = index;
            best_value = value;
        }
    }
    best
}

/// The fraction of samples whose predicted class equals the actual class,
/// scikit-learn's `accuracy_score(actual, predicted)`.
///
/// # Errors
///
/// [`MetricError::LengthMismatch`] if the slices differ in length,
/// [`MetricError::Empty`] if they are empty.
///
/// ```
/// use constnet::metrics::accuracy;
/// assert_eq!(accuracy(&[0, 1, 2, 2], &[0, 1, 1, 2]), Ok(0.75));
/// assert!(accuracy(&[0, 1], &[0]).is_err());
/// ```
pub fn accuracy(actual: &[usize], predicted: &[usize]) -> Result<f64, MetricError> {
    check_lengths(actual.len(), predicted.len())?;
    let correct = actual.iter().zip(predicted).filter(|(a, p)| a == p).count();
    Ok(ratio(correct as u128, actual.len() as u128))
}

/// `numerator / denominator` as `f64`, or 0.0 when the denominator is zero
/// (scikit-learn's `zero_division=0`).
fn ratio(numerator: u128, denominator: u128) -> f64 {
    if denominator == 0 { 0.0 } else { numerator as f64 / denominator as f64 }
}

fn check_lengths(actual: usize, predicted: usize) -> Result<(), MetricError> {
    if actual != predicted {
        Err(MetricError::LengthMismatch { actual, predicted })
    } else if actual == 0 {
        Err(MetricError::Empty)
    } else {
        Ok(())
    }
}

/// A confusion matrix over `C` classes: `counts()[actual][predicted]` is how
/// many samples of class `actual` were predicted as class `predicted`
/// (rows are the true class, columns the predicted one, as scikit-learn's
/// `confusion_matrix`).
///
/// Counts are `u32` and saturate at `u32::MAX` instead of overflowing; sums
/// over rows and columns are `u64`. The matrix is `C·C·4` bytes, inline.
///
/// Precision, recall and F1 follow scikit-learn with `zero_division=0`: a
/// ratio whose denominator is zero is 0.0. The macro averages are the plain
/// mean over **all `C` classes**, including classes with no samples and no
/// predictions — scikit-learn's `precision_recall_fscore_support(actual,
/// predicted, labels=range(C), average='macro', zero_division=0)`.
///
/// `Display` prints the matrix as a table with a header:
///
/// ```
/// use constnet::metrics::ConfusionMatrix;
///
/// let mut cm = ConfusionMatrix::<3>::new();
/// cm.add_all(&[0, 0, 1, 2, 2, 2], &[0, 1, 1, 2, 2, 0]).unwrap();
/// assert_eq!(cm.get(2, 0), Some(1));
/// assert_eq!(cm.accuracy(), 4.0 / 6.0);
/// assert_eq!(cm.precision(1), Ok(0.5));
/// assert_eq!(cm.recall(2), Ok(2.0 / 3.0));
/// assert_eq!(cm.to_string(), "\
/// true\\pred  0  1  2
///         0  1  1  0
///         1  0  1  0
///         2  1  0  2");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfusionMatrix<const C: usize> {
    counts: [[u32; C]; C],
}

impl<const C: usize> Default for ConfusionMatrix<C> {
    fn default() -> Self {
        Self::new()
    }
}

/// Precision, recall, F1 and support of one class; see
/// [`ConfusionMatrix::per_class`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClassMetrics {
    /// True positives over predicted positives; 0.0 if the class was never
    /// predicted.
    pub precision: f64,
    /// True positives over actual positives; 0.0 if the class has no samples.
    pub recall: f64,
    /// 2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall
    /// when both are defined; 0.0 if the class has neither samples nor
    /// predictions.
    pub f1: f64,
    /// The number of samples whose actual class is this one.
    pub support: u64,
}

impl<const C: usize> ConfusionMatrix<C> {
    /// An empty matrix. `C` must be at least 1 (checked at compile time).
    pub const fn new() -> Self {
        const { assert!(C > 0, "a confusion matrix needs at least one class") };
        ConfusionMatrix { counts: [[0; C]; C] }
    }

    /// Counts one sample of class `actual` predicted as `predicted`.
    ///
    /// # Errors
    ///
    /// [`ClassOutOfRange`] if either class is not below `C` (the matrix is
    /// left unchanged).
    pub fn add(&mut self, actual: usize, predicted: usize) -> Result<(), ClassOutOfRange> {
        for class in [actual, predicted] {
            if class >= C {
                return Err(ClassOutOfRange { class, classes: C });
            }
        }
        if let Some(cell) = self.counts.get_mut(actual).and_then(|row| row.get_mut(predicted)) {
            *cell = cell.saturating_add(1);
        }
        Ok(())
    }

    /// Counts every pair `(actual[i], predicted[i])`.
    ///
    /// # Errors
    ///
    /// [`MetricError::LengthMismatch`] if the slices differ in length,
    /// [`MetricError::ClassOutOfRange`] naming the first sample with a class
    /// not below `C`. On error the matrix is left unchanged. Empty slices are
    /// not an error here: they add nothing.
    pub fn add_all(&mut self, actual: &[usize], predicted: &[usize]) -> Result<(), MetricError> {
        if actual.len() != predicted.len() {
            return Err(MetricError::LengthMismatch { actual: actual.len(), predicted: predicted.len() });
        }
        for (index, (&a, &p)) in actual.iter().zip(predicted).enumerate() {
            for class in [a, p] {
                if class >= C {
                    return Err(MetricError::ClassOutOfRange { index, class, classes: C });
                }
            }
        }
        for (&a, &p) in actual.iter().zip(predicted) {
            // Cannot fail: every class was checked above.
            let _ = self.add(a, p);
        }
        Ok(())
    }

    /// The counts, `[actual][predicted]`.
    pub const fn counts(&self) -> &[[u32; C]; C] {
        &self.counts
    }

    /// The count of class `actual` predicted as `predicted`, or `None` if a
    /// class is out of range.
    pub fn get(&self, actual: usize, predicted: usize) -> Option<u32> {
        self.counts.get(actual).and_then(|row| row.get(predicted)).copied()
    }

    /// Sets every count to zero.
    pub fn clear(&mut self) {
        self.counts = [[0; C]; C];
    }

    /// The number of samples counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().map(|&n| u64::from(n)).sum()
    }

    /// The number of samples on the diagonal (predicted correctly).
    pub fn correct(&self) -> u64 {
        self.counts.iter().enumerate().map(|(k, row)| u64::from(row[k])).sum()
    }

    /// The fraction predicted correctly; 0.0 for an empty matrix.
    pub fn accuracy(&self) -> f64 {
        ratio(u128::from(self.correct()), u128::from(self.total()))
    }

    /// The number of samples whose actual class is `class` (a row sum; 0 if
    /// `class` is out of range).
    pub fn support(&self, class: usize) -> u64 {
        self.counts.get(class).map_or(0, |row| row.iter().map(|&n| u64::from(n)).sum())
    }

    /// The number of samples predicted as `class` (a column sum; 0 if
    /// `class` is out of range).
    pub fn predicted_count(&self, class: usize) -> u64 {
        self.counts.iter().map(|row| row.get(class).map_or(0, |&n| u64::from(n))).sum()
    }

    fn true_positives(&self, class: usize) -> u64 {
        self.get(class, class).map_or(0, u64::from)
    }

    fn check_class(class: usize) -> Result<(), ClassOutOfRange> {
        if class < C { Ok(()) } else { Err(ClassOutOfRange { class, classes: C }) }
    }

    /// TP / (TP + FP) of `class`: of the samples predicted as `class`, the
    /// fraction that are. 0.0 if `class` was never predicted.
    ///
    /// # Errors
    ///
    /// [`ClassOutOfRange`] if `class` is not below `C`.
    pub fn precision(&self, class: usize) -> Result<f64, ClassOutOfRange> {
        Self::check_class(class)?;
        Ok(ratio(u128::from(self.true_positives(class)), u128::from(self.predicted_count(class))))
    }

    /// TP / (TP + FN) of `class`: of the samples of `class`, the fraction
    /// predicted as such. 0.0 if `class` has no samples.
    ///
    /// # Errors
    ///
    /// [`ClassOutOfRange`] if `class` is not below `C`.
    pub fn recall(&self, class: usize) -> Result<f64, ClassOutOfRange> {
        Self::check_class(class)?;
        Ok(ratio(u128::from(self.true_positives(class)), u128::from(self.support(class))))
    }

    /// The F1 score of `class`, 2·TP / (2·TP + FP + FN): the harmonic mean
    /// of precision and recall when both are defined, 0.0 when the class has
    /// neither samples nor predictions (and 0.0 when TP = 0).
    ///
    /// # Errors
    ///
    /// [`ClassOutOfRange`] if `class` is not below `C`.
    pub fn f1(&self, class: usize) -> Result<f64, ClassOutOfRange> {
        Self::check_class(class)?;
        let tp = u128::from(self.true_positives(class));
        // 2·TP + FP + FN = (TP + FP) + (TP + FN).
        let denominator = u128::from(self.predicted_count(class)) + u128::from(self.support(class));
        Ok(ratio(2 * tp, denominator))
    }

    /// Precision, recall, F1 and support of every class.
    pub fn per_class(&self) -> [ClassMetrics; C] {
        core::array::from_fn(|class| ClassMetrics {
            precision: self.precision(class).unwrap_or(0.0),
            recall: self.recall(class).unwrap_or(0.0),
            f1: self.f1(class).unwrap_or(0.0),
            support: self.support(class),
        })
    }

    fn macro_mean(&self, metric: impl Fn(&Self, usize) -> Result<f64, ClassOutOfRange>) -> f64 {
        let sum: f64 = (0..C).map(|class| metric(self, class).unwrap_or(0.0)).sum();
        sum / C as f64
    }

    /// The mean of the `C` per-class precisions (classes never predicted
    /// count as 0.0).
    pub fn macro_precision(&self) -> f64 {
        self.macro_mean(Self::precision)
    }

    /// The mean of the `C` per-class recalls (classes with no samples count
    /// as 0.0).
    pub fn macro_recall(&self) -> f64 {
        self.macro_mean(Self::recall)
    }

    /// The mean of the `C` per-class F1 scores — scikit-learn's macro F1,
    /// which is **not** the harmonic mean of the macro precision and recall.
    pub fn macro_f1(&self) -> f64 {
        self.macro_mean(Self::f1)
    }
}

/// The number of decimal digits of `n`.
fn digits(mut n: u64) -> usize {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}

impl<const C: usize> fmt::Display for ConfusionMatrix<C> {
    /// A table: a header row of predicted classes, then one row per actual
    /// class, right-aligned, rows separated by `\n` (no trailing newline).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const CORNER: &str = "true\\pred";
        let largest = self.counts.iter().flatten().copied().max().unwrap_or(0);
        let cell = digits(u64::from(largest)).max(digits(C.saturating_sub(1) as u64)) + 2;
        let label = CORNER.len().max(digits(C.saturating_sub(1) as u64));
        write!(f, "{CORNER:>label$}")?;
        for class in 0..C {
            write!(f, "{class:>cell$}")?;
        }
        for (actual, row) in self.counts.iter().enumerate() {
            write!(f, "\n{actual:>label$}")?;
            for count in row {
                write!(f, "{count:>cell$}")?;
            }
        }
        Ok(())
    }
}

/// Checks the inputs of a binary AUC and counts positives and negatives.
fn auc_inputs<F: Float>(labels: &[bool], scores: &[F]) -> Result<(u128, u128), MetricError> {
    check_lengths(labels.len(), scores.len())?;
    if let Some(index) = scores.iter().position(|s| s.is_nan()) {
        return Err(MetricError::NanScore { index });
    }
    let positives = labels.iter().filter(|&&l| l).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return Err(MetricError::SingleClass { positives, negatives });
    }
    Ok((positives as u128, negatives as u128))
}

/// The area under the ROC curve of a binary classifier, exactly:
/// the fraction of (positive, negative) pairs in which the positive sample
/// scores higher, a tie counting ½ — the Mann–Whitney U statistic over
/// n₊·n₋, equal to scikit-learn's `roc_auc_score(labels, scores)`.
///
/// `labels[i]` is `true` for a positive sample; a higher score means "more
/// positive". This compares every pair: O(n²) time, no memory. For large
/// sets use [`roc_auc_with_scratch`] (O(n log n), with a caller-provided
/// buffer); both give the same bits.
///
/// Infinite scores are ordered as usual; NaN scores are rejected.
///
/// # Errors
///
/// [`MetricError::LengthMismatch`], [`MetricError::Empty`],
/// [`MetricError::NanScore`] naming the first NaN, and
/// [`MetricError::SingleClass`] when only one class is present (the AUC is
/// undefined; scikit-learn raises an error too).
///
/// ```
/// use constnet::metrics::roc_auc;
/// // Pairs (positive, negative): (0.8, 0.1) > , (0.8, 0.4) > , (0.4, 0.1) > , (0.4, 0.4) tie.
/// let auc = roc_auc(&[false, false, true, true], &[0.1_f32, 0.4, 0.4, 0.8]).unwrap();
/// assert_eq!(auc, 3.5 / 4.0);
/// ```
pub fn roc_auc<F: Float>(labels: &[bool], scores: &[F]) -> Result<f64, MetricError> {
    let (positives, negatives) = auc_inputs(labels, scores)?;
    // Twice the U statistic: 2 per pair won, 1 per tie.
    let mut twice_u: u128 = 0;
    for (&positive_score, _) in scores.iter().zip(labels).filter(|(_, l)| **l) {
        for (&negative_score, _) in scores.iter().zip(labels).filter(|(_, l)| !**l) {
            twice_u += match positive_score.partial_cmp(&negative_score) {
                Some(Ordering::Greater) => 2,
                Some(Ordering::Equal) => 1,
                _ => 0,
            };
        }
    }
    Ok(ratio(twice_u, 2 * positives * negatives))
}

/// The same exact ROC AUC as [`roc_auc`], in O(n log n): `scratch` (of the
/// same length as `scores`) receives the sample indices sorted by score, and
/// the U statistic comes from the rank sum of the positives, tied scores
/// sharing their average rank. `scratch`'s contents on entry do not matter.
///
/// # Errors
///
/// As [`roc_auc`], plus [`MetricError::LengthMismatch`] if `scratch` is not
/// as long as `scores` (reported with `predicted` = `scratch.len()`).
///
/// ```
/// use constnet::metrics::{roc_auc, roc_auc_with_scratch};
/// let labels = [false, true, false, true, true];
/// let scores = [0.2_f64, 0.9, 0.5, 0.5, 0.1];
/// let mut scratch = [0; 5];
/// let fast = roc_auc_with_scratch(&labels, &scores, &mut scratch).unwrap();
/// assert_eq!(fast, roc_auc(&labels, &scores).unwrap());
/// ```
pub fn roc_auc_with_scratch<F: Float>(
    labels: &[bool],
    scores: &[F],
    scratch: &mut [usize],
) -> Result<f64, MetricError> {
    let (positives, negatives) = auc_inputs(labels, scores)?;
    if scratch.len() != scores.len() {
        return Err(MetricError::LengthMismatch { actual: scores.len(), predicted: scratch.len() });
    }
    crate::data::identity_permutation(scratch);
    let score = |i: usize| scores.get(i).copied().unwrap_or_else(F::zero);
    let label = |i: usize| labels.get(i).copied().unwrap_or(false);
    scratch.sort_unstable_by(|&a, &b| score(a).partial_cmp(&score(b)).unwrap_or(Ordering::Equal));
    // Twice the rank sum of the positives (1-based ranks; a tie group at
    // sorted positions start..end shares the rank (start + 1 + end) / 2).
    let mut twice_rank_sum: u128 = 0;
    let mut start = 0;
    while start < scratch.len() {
        let value = score(scratch[start]);
        let end = start + scratch[start..].iter().take_while(|&&i| score(i) == value).count();
        let group_positives = scratch[start..end].iter().filter(|&&i| label(i)).count() as u128;
        twice_rank_sum += group_positives * (start as u128 + 1 + end as u128);
        start = end;
    }
    // The smallest possible rank sum is 1 + 2 + … + n₊, so this never underflows.
    let twice_u = twice_rank_sum.saturating_sub(positives * (positives + 1));
    Ok(ratio(twice_u, 2 * positives * negatives))
}

/// The mean squared error, (1/n)·Σ(actualᵢ − predictedᵢ)², scikit-learn's
/// `mean_squared_error`. Summed in index order; NaN and infinities propagate.
///
/// For multi-output values held as `&[[F; N]]`, pass `as_flattened()`:
/// the result is the mean over all outputs (scikit-learn's
/// `multioutput='uniform_average'`).
///
/// # Errors
///
/// [`MetricError::LengthMismatch`], [`MetricError::Empty`].
///
/// ```
/// use constnet::metrics::mean_squared_error;
/// assert_eq!(mean_squared_error(&[1.0_f32, 2.0, 3.0], &[1.0, 4.0, 2.0]), Ok(5.0 / 3.0));
/// ```
pub fn mean_squared_error<F: Float>(actual: &[F], predicted: &[F]) -> Result<F, MetricError> {
    check_lengths(actual.len(), predicted.len())?;
    let sum = actual.iter().zip(predicted).fold(F::zero(), |s, (&a, &p)| s + (a - p) * (a - p));
    Ok(sum / F::from_usize(actual.len()))
}

/// The mean absolute error, (1/n)·Σ|actualᵢ − predictedᵢ|, scikit-learn's
/// `mean_absolute_error`. Summed in index order; NaN and infinities
/// propagate.
///
/// # Errors
///
/// [`MetricError::LengthMismatch`], [`MetricError::Empty`].
///
/// ```
/// use constnet::metrics::mean_absolute_error;
/// assert_eq!(mean_absolute_error(&[1.0_f64, 2.0, 3.0], &[1.0, 4.0, 2.0]), Ok(1.0));
/// ```
pub fn mean_absolute_error<F: Float>(actual: &[F], predicted: &[F]) -> Result<F, MetricError> {
    check_lengths(actual.len(), predicted.len())?;
    let sum = actual.iter().zip(predicted).fold(F::zero(), |s, (&a, &p)| s + (a - p).abs());
    Ok(sum / F::from_usize(actual.len()))
}

/// The coefficient of determination R² = 1 − SS_res / SS_tot, where
/// SS_res = Σ(actualᵢ − predictedᵢ)² and SS_tot = Σ(actualᵢ − mean)²;
/// scikit-learn's `r2_score(actual, predicted)` with its default
/// `force_finite=True`:
///
/// - if SS_res = 0 (perfect predictions) the result is **1.0**, even when
///   the targets are constant;
/// - else if SS_tot = 0 (constant targets, imperfect predictions) it is
///   **0.0**, instead of −∞;
/// - a NaN anywhere gives NaN.
///
/// R² can be negative (worse than predicting the mean). With a single
/// sample SS_tot = 0 and the rules above apply (scikit-learn returns NaN and
/// warns there).
///
/// # Errors
///
/// [`MetricError::LengthMismatch`], [`MetricError::Empty`].
///
/// ```
/// use constnet::metrics::r2_score;
/// // mean 2, SS_tot = 1 + 0 + 1 = 2; SS_res = 0 + 4 + 1 = 5; R² = 1 − 5/2.
/// assert_eq!(r2_score(&[1.0_f64, 2.0, 3.0], &[1.0, 4.0, 2.0]), Ok(-1.5));
/// assert_eq!(r2_score(&[3.0_f64, 3.0], &[3.0, 3.0]), Ok(1.0));
/// assert_eq!(r2_score(&[3.0_f64, 3.0], &[3.0, 2.0]), Ok(0.0));
/// ```
pub fn r2_score<F: Float>(actual: &[F], predicted: &[F]) -> Result<F, MetricError> {
    check_lengths(actual.len(), predicted.len())?;
    let mean = actual.iter().fold(F::zero(), |s, &a| s + a) / F::from_usize(actual.len());
    let ss_res = actual.iter().zip(predicted).fold(F::zero(), |s, (&a, &p)| s + (a - p) * (a - p));
    let ss_tot = actual.iter().fold(F::zero(), |s, &a| s + (a - mean) * (a - mean));
    Ok(if ss_res.is_nan() || ss_tot.is_nan() {
        F::nan()
    } else if ss_res == F::zero() {
        F::one()
    } else if ss_tot == F::zero() {
        F::zero()
    } else {
        F::one() - ss_res / ss_tot
    })
}
