//! Loss functions. Each takes one sample's output and target and returns the
//! loss and its gradient with respect to the output, ready for
//! [`Forward::backward`](crate::Forward::backward).
//!
//! Per-sample values follow PyTorch's `reduction='mean'` within the sample;
//! averaging over a batch is the training loop's job (see
//! [`train_batch`](crate::train::train_batch)), which gives PyTorch's
//! batch-mean losses exactly.
//!
//! The output and the target have the same type, so a target of the wrong
//! width is a compile error naming both widths.
//!
//! **NaN and infinities** propagate: a NaN in the output or the target gives
//! a NaN loss and NaN gradients (never a panic), and the training helpers
//! stop with [`TrainError::NonFiniteLoss`](crate::TrainError::NonFiniteLoss).

use crate::Float;
use crate::error::ClassOutOfRange;
use crate::layers::{Exponentials, exponentials};

/// Mean squared error, PyTorch's `MSELoss`: (1/N)·Σ(a − y)², gradient
/// 2(a − y)/N.
///
/// ```
/// use constnet::loss::mse;
/// let (loss, grad) = mse(&[1.0_f32, 2.0], &[0.0, 2.0]);
/// assert_eq!((loss, grad), (0.5, [1.0, 0.0]));
/// ```
pub fn mse<F: Float, const N: usize>(output: &[F; N], target: &[F; N]) -> (F, [F; N]) {
    let n = F::from_usize(N);
    let diff: [F; N] = core::array::from_fn(|k| output[k] - target[k]);
    let loss = diff.iter().fold(F::zero(), |s, &d| s + d * d) / n;
    let two = F::one() + F::one();
    (loss, diff.map(|d| two * d / n))
}

/// Half the sum of squared errors, ½·Σ(a − y)², gradient a − y: the loss of
/// the classic back-propagation worked examples.
///
/// ```
/// use constnet::loss::half_sse;
/// let (loss, grad) = half_sse(&[1.0_f32, 2.0], &[0.0, 2.0]);
/// assert_eq!((loss, grad), (0.5, [1.0, 0.0]));
/// ```
pub fn half_sse<F: Float, const N: usize>(output: &[F; N], target: &[F; N]) -> (F, [F; N]) {
    let diff: [F; N] = core::array::from_fn(|k| output[k] - target[k]);
    let half = F::from_f64(0.5);
    (half * diff.iter().fold(F::zero(), |s, &d| s + d * d), diff)
}

/// Binary cross-entropy on probabilities, PyTorch's `BCELoss`:
/// (1/N)·Σ −(y·ln p + (1 − y)·ln(1 − p)).
///
/// As in PyTorch, each logarithm is clamped at −100, so p = 0 or 1 gives a
/// finite loss, and the gradient (p − y) / max(p(1 − p), 10⁻¹²) / N stays
/// finite. Prefer [`bce_with_logits`] when the network's last layer would
/// be a sigmoid: it is exact where this one saturates.
///
/// ```
/// use constnet::loss::bce;
/// let (loss, _) = bce(&[0.0_f64], &[1.0]);
/// assert_eq!(loss, 100.0); // −ln(0) clamped, as in PyTorch
/// ```
pub fn bce<F: Float, const N: usize>(probability: &[F; N], target: &[F; N]) -> (F, [F; N]) {
    let n = F::from_usize(N);
    let floor = F::from_f64(-100.0);
    let eps = F::from_f64(1e-12);
    let mut loss = F::zero();
    let grad = core::array::from_fn(|k| {
        let (p, y) = (probability[k], target[k]);
        let ln_p = clamp_below(p.ln(), floor);
        let ln_q = clamp_below((F::one() - p).ln(), floor);
        loss = loss - (y * ln_p + (F::one() - y) * ln_q);
        (p - y) / clamp_below((F::one() - p) * p, eps) / n
    });
    (loss / n, grad)
}

/// Binary cross-entropy on logits, PyTorch's `BCEWithLogitsLoss`:
/// (1/N)·Σ [max(z, 0) − z·y + ln(1 + e^−|z|)], gradient (σ(z) − y)/N.
/// Stable for any finite z.
///
/// ```
/// use constnet::loss::bce_with_logits;
/// let (loss, grad) = bce_with_logits(&[1000.0_f64], &[1.0]);
/// assert_eq!((loss, grad), (0.0, [0.0]));
/// ```
pub fn bce_with_logits<F: Float, const N: usize>(logits: &[F; N], target: &[F; N]) -> (F, [F; N]) {
    let n = F::from_usize(N);
    let mut loss = F::zero();
    let grad = core::array::from_fn(|k| {
        let (z, y) = (logits[k], target[k]);
        loss = loss + (z.max(F::zero()) - z * y + (-z.abs()).exp().ln_1p());
        let sigmoid = z.sigmoid();
        (sigmoid - y) / n
    });
    (loss / n, grad)
}

/// Softmax cross-entropy on logits, PyTorch's `CrossEntropyLoss` with
/// probability targets: −Σ_k y_k·log_softmax(z)_k, gradient
/// softmax(z)_k·Σy − y_k (that is, p − y for a one-hot target).
///
/// Computed as PyTorch's `log_softmax` is, log p_k = (z_k − m) −
/// ln Σ_j e^(z_j − m) with m = max z: the shift keeps `exp` from
/// overflowing (logits like `[1000, 1001, 1002]` give a finite loss and
/// gradient), and subtracting m from z_k *before* the log-sum-exp keeps
/// the result accurate at the scale of the loss rather than of the largest
/// logit (in `f32`, forming m + ln Σ first loses 3·10⁻⁵ relative at
/// `[1000, 1001, 1002]`, and all of ln 3 for three equal logits of 10⁸).
/// Terms whose target weight is 0 are skipped, so a one-hot target never
/// meets 0·(−∞) from a logit far below the maximum. Use [`one_hot`] for a
/// class label.
///
/// ```
/// use constnet::loss::{one_hot, softmax_cross_entropy};
/// let target = one_hot::<f64, 3>(2).unwrap();
/// let (loss, grad) = softmax_cross_entropy(&[1000.0, 1001.0, 1002.0], &target);
/// assert!((loss - 0.40760596444438).abs() < 1e-12);
/// assert!(grad.iter().all(|g| g.is_finite()));
/// // The extremes of f32: the true loss is 0.
/// let (loss, _) = softmax_cross_entropy(&[f32::MAX, -f32::MAX, 0.0], &one_hot(0).unwrap());
/// assert_eq!(loss, 0.0);
/// ```
pub fn softmax_cross_entropy<F: Float, const N: usize>(logits: &[F; N], target: &[F; N]) -> (F, [F; N]) {
    let Exponentials { shift: max, exps, sum: sum_exp } = exponentials(logits);
    let log_sum_exp = sum_exp.ln();
    let mut loss = F::zero();
    let mut target_sum = F::zero();
    for (&z, &y) in logits.iter().zip(target) {
        // `y != 0` is true for NaN, which therefore still propagates.
        if y != F::zero() {
            loss = loss - y * ((z - max) - log_sum_exp);
        }
        target_sum = target_sum + y;
    }
    // softmax(logits), from the same exponentials.
    (loss, core::array::from_fn(|k| exps[k] / sum_exp * target_sum - target[k]))
}

/// The one-hot vector of `class` among `N` classes, or an error if
/// `class >= N`.
///
/// ```
/// use constnet::loss::one_hot;
/// assert_eq!(one_hot::<f32, 3>(1), Ok([0.0, 1.0, 0.0]));
/// assert!(one_hot::<f32, 3>(3).is_err());
/// ```
pub fn one_hot<F: Float, const N: usize>(class: usize) -> Result<[F; N], ClassOutOfRange> {
    if class >= N {
        return Err(ClassOutOfRange { class, classes: N });
    }
    Ok(core::array::from_fn(|k| if k == class { F::one() } else { F::zero() }))
}

/// `value.max(floor)`, but NaN stays NaN (`FloatCore::max` would drop it).
fn clamp_below<F: Float>(value: F, floor: F) -> F {
    if value < floor { floor } else { value }
}
