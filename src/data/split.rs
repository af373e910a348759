//! Cutting a permutation into a training and a validation part.

use crate::InvalidHyperparameter;

/// Splits `permutation` into `(train, validation)`: the first
/// ⌊`train_fraction`·n⌋ entries, and the rest. Shuffle first (see
/// [`shuffle`](super::shuffle)) for a random split.
///
/// The training size is `floor(train_fraction × n)`, and a product within a
/// few ulps of an integer counts as that integer (0.29 × 100 gives 29
/// although the `f64` product is 28.999999999999996). An 80/20 split of 1797
/// samples is 1437/360, as scikit-learn's `train_test_split(test_size=0.2)`,
/// whose test size is `ceil(0.2 × n)`.
///
/// # Errors
///
/// [`InvalidHyperparameter`] if `train_fraction` is not in `[0, 1]`
/// (NaN included). A fraction of 0 or 1 is valid and gives an empty part.
///
/// ```
/// use constnet::data::train_validation_split;
/// let order = [4, 2, 0, 1, 3];
/// assert_eq!(train_validation_split(&order, 0.6), Ok((&[4, 2, 0][..], &[1, 3][..])));
/// assert!(train_validation_split(&order, 1.5).is_err());
/// ```
pub fn train_validation_split<T>(
    permutation: &[T],
    train_fraction: f64,
) -> Result<(&[T], &[T]), InvalidHyperparameter> {
    if !(0.0..=1.0).contains(&train_fraction) {
        return Err(InvalidHyperparameter {
            name: "train fraction",
            value: train_fraction,
            expected: "a number in [0, 1]",
        });
    }
    let exact = train_fraction * permutation.len() as f64;
    // Float-to-int casts saturate and `exact >= 0`, so these never panic.
    let floor = exact as usize;
    let nearest = (exact + 0.5) as usize;
    let distance = if nearest as f64 > exact { nearest as f64 - exact } else { exact - nearest as f64 };
    let train = if distance <= 4.0 * f64::EPSILON * exact { nearest } else { floor };
    Ok(permutation.split_at_checked(train).unwrap_or((permutation, &[])))
}
