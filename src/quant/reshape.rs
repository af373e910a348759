//! TFLite's `RESHAPE` of an int8 NHWC image to a vector: the float layers'
//! [`Flatten`], which flattens row-major — for NHWC, TFLite's order.

use core::fmt;

use crate::Layer;
use crate::layers::Flatten;
use crate::quant::checks;
use crate::quant::{
    Dims, ElementType, LoadError, LoadErrorKind, Operator, OperatorKind, QuantizedModel, Role, WriteRust,
};

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

/// One `RESHAPE` operator to a vector: output `[1, N]` int8, input int8 of
/// `N` elements, both with the same scale and zero point. The input's
/// shape is not part of `Flatten<N>`'s type (its [`Layer`] implementation
/// checks `H·W·C = N` at compile time, for the image it is given), so only
/// its element count is checked here.
impl<const N: usize> QuantizedModel for Flatten<N> {
    const OPERATORS: usize = 1;

    fn operator_kind(position: usize) -> Option<OperatorKind> {
        (position == 0).then_some(OperatorKind::Reshape)
    }

    fn from_operators(operators: &[Operator<'_>]) -> Result<Self, LoadError> {
        let op = checks::single(operators, OperatorKind::Reshape)?;
        checks::element(op, Role::Input, &op.input, ElementType::Int8)?;
        let shape = op.input.shape;
        let count = shape.iter().try_fold(1_usize, |n, &d| n.checked_mul(usize::try_from(d).ok()?));
        if count != Some(N) {
            let kind = LoadErrorKind::Elements { tensor: Role::Input, expected: N, found: Dims::new(shape) };
            return Err(checks::error(op, kind));
        }
        let input = checks::per_tensor(op, Role::Input, &op.input)?;
        let output = checks::activation(op, Role::Output, &op.output, &[1, N])?;
        checks::same_quantization(op, input, output)?;
        Ok(Flatten)
    }
}

/// `constnet::layers::Flatten`: `N` comes from the `static`'s type.
impl<const N: usize> WriteRust for Flatten<N> {
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::Flatten")
    }
}
