//! TFLite's `RESHAPE` of an int8 NHWC image to a vector: the float layers'
//! [`Flatten`], which flattens row-major — for NHWC, TFLite's order.

use crate::Layer;
use crate::layers::Flatten;

/// An int8 NHWC image `[[[i8; C]; W]; H]` flattened row-major to
/// `[i8; N]`, `N = H·W·C` (checked at compile time): TFLite's `RESHAPE` to
/// `[1, N]`.
///
/// ```
/// use constnet::prelude::*;
///
/// let x: [[[i8; 2]; 2]; 1] = [[[1, 2], [3, 4]]];
/// assert_eq!(Flatten::<4>.forward(&x), [1, 2, 3, 4]);
/// ```
impl<const N: usize, const H: usize, const W: usize, const C: usize> Layer<[[[i8; C]; W]; H]> for Flatten<N> {
    type Output = [i8; N];

    fn eval(&self, x: &[[[i8; C]; W]; H]) -> [i8; N] {
        const { assert!(H * W * C == N, "Flatten: the declared width N must be H·W·C for a [[[i8; C]; W]; H] input") };
        let mut flat = x.as_flattened().as_flattened().iter();
        core::array::from_fn(|_| flat.next().copied().unwrap_or(0))
    }
}
