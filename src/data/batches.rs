//! Mini-batches: chunks of a permutation, and gathering the samples they
//! name into a caller-provided buffer.

use crate::{GatherError, InvalidHyperparameter};

/// The mini-batches of `permutation` (or of any slice), in order: chunks of
/// `batch_size`, the last one shorter if `batch_size` does not divide the
/// length. An empty slice gives no batches.
///
/// # Errors
///
/// [`InvalidHyperparameter`] if `batch_size` is 0.
///
/// ```
/// use constnet::data::batches;
/// let order = [3, 0, 4, 1, 2];
/// let mut iter = batches(&order, 2).unwrap();
/// assert_eq!(iter.next(), Some(&[3, 0][..]));
/// assert_eq!(iter.next(), Some(&[4, 1][..]));
/// assert_eq!(iter.next(), Some(&[2][..]));
/// assert_eq!(iter.next(), None);
/// assert!(batches(&order, 0).is_err());
/// ```
pub fn batches<T>(permutation: &[T], batch_size: usize) -> Result<core::slice::Chunks<'_, T>, InvalidHyperparameter> {
    if batch_size == 0 {
        return Err(InvalidHyperparameter { name: "batch size", value: 0.0, expected: "at least 1" });
    }
    Ok(permutation.chunks(batch_size))
}

/// Copies `data[indices[0]], data[indices[1]], …` into the front of `out`
/// and returns that filled prefix, ready for
/// [`train_batch`](crate::train::train_batch). `out` is typically a
/// `[T; B]` on the stack, reused for every batch; entries past the prefix
/// are left as they were.
///
/// # Errors
///
/// [`GatherError::BufferTooSmall`] if `out` is shorter than `indices`,
/// [`GatherError::IndexOutOfRange`] naming the first index not below
/// `data.len()`. On error `out` is left unchanged.
///
/// ```
/// use constnet::data::gather;
/// let data = ['a', 'b', 'c', 'd'];
/// let mut buffer = [' '; 3];
/// assert_eq!(gather(&data, &[3, 1], &mut buffer).unwrap(), &['d', 'b']);
/// assert!(gather(&data, &[4], &mut buffer).is_err());
/// ```
pub fn gather<'o, T: Clone>(data: &[T], indices: &[usize], out: &'o mut [T]) -> Result<&'o mut [T], GatherError> {
    if out.len() < indices.len() {
        return Err(GatherError::BufferTooSmall { needed: indices.len(), capacity: out.len() });
    }
    if let Some((position, &index)) = indices.iter().enumerate().find(|(_, index)| **index >= data.len()) {
        return Err(GatherError::IndexOutOfRange { position, index, len: data.len() });
    }
    let (filled, _) = out.split_at_mut(indices.len());
    for (slot, &index) in filled.iter_mut().zip(indices) {
        if let Some(sample) = data.get(index) {
            slot.clone_from(sample);
        }
    }
    Ok(filled)
}
