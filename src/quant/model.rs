//! [`QuantizedModel`]: an int8 model type built from TensorFlow Lite
//! operators (checked against its shapes), and written back as Rust
//! source for a `static`.

use core::fmt;

use crate::quant::graph::{Operator, OperatorKind};
use crate::quant::load_error::{LoadError, LoadErrorKind};

/// An int8 layer, or a stack of them, that can be built from the
/// operators of a TensorFlow Lite graph and written as Rust source.
///
/// Each layer stands for a fixed number of consecutive operators
/// ([`OPERATORS`](QuantizedModel::OPERATORS): one for every int8 layer);
/// a tuple for the sum of its layers'. [`load`] checks a whole graph:
/// operator kinds in order first, then each operator's tensors (shapes,
/// element types, quantisation) and options against its layer's type.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::quant::{Clamp, Multiplier, OutputStage, QDense, WriteRust};
///
/// const HALF: Multiplier = match Multiplier::from_scale(0.5) { Ok(m) => m, Err(_) => panic!() };
/// let net: (QDense<2, 1>,) = (QDense::new([[3, -4]], [7], -1, OutputStage::per_tensor(HALF, 2, Clamp::FULL)),);
/// let mut source = String::new();
/// net.write_rust(&mut source)?;
/// assert!(source.starts_with("(\n    constnet::quant::QDense::new([[3, -4]], [7], -1, "));
/// # Ok::<(), std::fmt::Error>(())
/// ```
pub trait QuantizedModel: WriteRust + Sized {
    /// How many TFLite operators this is.
    const OPERATORS: usize;

    /// The kind of this model's operator at `position` (`0..OPERATORS`),
    /// `None` past the end.
    fn operator_kind(position: usize) -> Option<OperatorKind>;

    /// Builds this model from exactly [`OPERATORS`](QuantizedModel::OPERATORS)
    /// operators, checking each against its layer's type. Prefer [`load`],
    /// which first checks the operators' number and kinds.
    ///
    /// # Errors
    ///
    /// A [`LoadError`] naming the first operator that does not fit, and why.
    fn from_operators(operators: &[Operator<'_>]) -> Result<Self, LoadError>;
}

/// An int8 layer, or a stack of them, written as Rust source: what an
/// imported or quantised model becomes for firmware.
pub trait WriteRust {
    /// Writes a Rust expression that builds this model in a `const` or
    /// `static` context, every value exact, so firmware can `include!` it.
    ///
    /// # Errors
    ///
    /// Only `out`'s.
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result;
}

/// Builds the int8 model `M` from a sequential graph's operators, in
/// execution order: first checks that the graph has exactly `M`'s
/// operator kinds in `M`'s order, then every operator against its layer.
///
/// # Errors
///
/// [`LoadErrorKind::WrongOperator`], [`MissingOperator`](LoadErrorKind::MissingOperator)
/// or [`ExtraOperator`](LoadErrorKind::ExtraOperator) at the first operator
/// whose kind differs; otherwise the first layer's error.
pub fn load<M: QuantizedModel>(operators: &[Operator<'_>]) -> Result<M, LoadError> {
    for position in 0..M::OPERATORS.max(operators.len()) {
        // Past the file's end, the position is the index the operator would have.
        let index = operators.get(position).map_or(position, |op| op.index);
        match (M::operator_kind(position), operators.get(position)) {
            (Some(expected), Some(op)) if op.kind != expected => {
                return Err(LoadError::new(index, LoadErrorKind::WrongOperator { expected, found: op.kind }));
            }
            (Some(expected), None) => return Err(LoadError::new(index, LoadErrorKind::MissingOperator { expected })),
            (None, Some(op)) => return Err(LoadError::new(index, LoadErrorKind::ExtraOperator { found: op.kind })),
            _ => {}
        }
    }
    M::from_operators(operators)
}

impl<L0: QuantizedModel> QuantizedModel for (L0,) {
    const OPERATORS: usize = L0::OPERATORS;

    fn operator_kind(position: usize) -> Option<OperatorKind> {
        L0::operator_kind(position)
    }

    fn from_operators(operators: &[Operator<'_>]) -> Result<Self, LoadError> {
        Ok((L0::from_operators(operators)?,))
    }
}

impl<L0: WriteRust> WriteRust for (L0,) {
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("(\n    ")?;
        self.0.write_rust(out)?;
        out.write_str(",\n)")
    }
}

/// The operators of the layer at `offset`, `count` of them, or an error
/// naming the first operator past the end (for a caller that skipped
/// [`load`]'s checks).
fn take<'s, 'a>(
    operators: &'s [Operator<'a>],
    offset: usize,
    count: usize,
    expected: Option<OperatorKind>,
) -> Result<&'s [Operator<'a>], LoadError> {
    operators.get(offset..offset + count).ok_or_else(|| {
        let index = operators.last().map_or(0, |last| last.index + 1);
        let expected = expected.unwrap_or(OperatorKind::FullyConnected);
        LoadError::new(index, LoadErrorKind::MissingOperator { expected })
    })
}

macro_rules! quantized_tuple {
    ($($L:ident $i:tt),+) => {
        impl<$($L: QuantizedModel),+> QuantizedModel for ($($L,)+) {
            const OPERATORS: usize = 0 $(+ $L::OPERATORS)+;

            fn operator_kind(position: usize) -> Option<OperatorKind> {
                let mut position = position;
                $(
                    if position < $L::OPERATORS {
                        return $L::operator_kind(position);
                    }
                    position -= $L::OPERATORS;
                )+
                let _ = position;
                None
            }

            // The last layer's advance of `offset` is never read.
            #[allow(unused_assignments)]
            fn from_operators(operators: &[Operator<'_>]) -> Result<Self, LoadError> {
                let mut offset = 0;
                Ok(($(
                    {
                        let layer = $L::from_operators(take(operators, offset, $L::OPERATORS, $L::operator_kind(0))?)?;
                        offset += $L::OPERATORS;
                        layer
                    },
                )+))
            }
        }

        impl<$($L: WriteRust),+> WriteRust for ($($L,)+) {
            fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
                out.write_str("(\n")?;
                $(
                    out.write_str("    ")?;
                    self.$i.write_rust(out)?;
                    out.write_str(",\n")?;
                )+
                out.write_char(')')
            }
        }
    };
}

quantized_tuple!(L0 0, L1 1);
quantized_tuple!(L0 0, L1 1, L2 2);
quantized_tuple!(L0 0, L1 1, L2 2, L3 3);
quantized_tuple!(L0 0, L1 1, L2 2, L3 3, L4 4);
quantized_tuple!(L0 0, L1 1, L2 2, L3 3, L4 4, L5 5);
quantized_tuple!(L0 0, L1 1, L2 2, L3 3, L4 4, L5 5, L6 6);
quantized_tuple!(L0 0, L1 1, L2 2, L3 3, L4 4, L5 5, L6 6, L7 7);
quantized_tuple!(L0 0, L1 1, L2 2, L3 3, L4 4, L5 5, L6 6, L7 7, L8 8);
quantized_tuple!(L0 0, L1 1, L2 2, L3 3, L4 4, L5 5, L6 6, L7 7, L8 8, L9 9);
quantized_tuple!(L0 0, L1 1, L2 2, L3 3, L4 4, L5 5, L6 6, L7 7, L8 8, L9 9, L10 10);
quantized_tuple!(L0 0, L1 1, L2 2, L3 3, L4 4, L5 5, L6 6, L7 7, L8 8, L9 9, L10 10, L11 11);
quantized_tuple!(L0 0, L1 1, L2 2, L3 3, L4 4, L5 5, L6 6, L7 7, L8 8, L9 9, L10 10, L11 11, L12 12);
quantized_tuple!(L0 0, L1 1, L2 2, L3 3, L4 4, L5 5, L6 6, L7 7, L8 8, L9 9, L10 10, L11 11, L12 12, L13 13);
quantized_tuple!(L0 0, L1 1, L2 2, L3 3, L4 4, L5 5, L6 6, L7 7, L8 8, L9 9, L10 10, L11 11, L12 12, L13 13, L14 14);
quantized_tuple!(L0 0, L1 1, L2 2, L3 3, L4 4, L5 5, L6 6, L7 7, L8 8, L9 9, L10 10, L11 11, L12 12, L13 13, L14 14, L15 15);
