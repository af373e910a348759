//! Int8 layers as Rust source: the literals and the shared parts (output
//! stages, clamps) that [`WriteRust::write_rust`](crate::quant::WriteRust::write_rust)
//! writes, every value exact and every constructor a `const fn`.

use core::fmt::{self, Write};

use crate::quant::{Clamp, OutputStage};

/// A value written as a Rust literal: integers, and nested arrays of them.
pub(crate) trait Literal {
    /// Writes the literal.
    fn write_literal<W: Write>(&self, out: &mut W) -> fmt::Result;
}

impl Literal for i8 {
    fn write_literal<W: Write>(&self, out: &mut W) -> fmt::Result {
        write!(out, "{self}")
    }
}

impl Literal for i32 {
    fn write_literal<W: Write>(&self, out: &mut W) -> fmt::Result {
        write!(out, "{self}")
    }
}

impl<T: Literal, const N: usize> Literal for [T; N] {
    fn write_literal<W: Write>(&self, out: &mut W) -> fmt::Result {
        out.write_char('[')?;
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.write_str(", ")?;
            }
            v.write_literal(out)?;
        }
        out.write_char(']')
    }
}

/// A clamp range as a `const` expression.
pub(crate) fn write_clamp<W: Write>(out: &mut W, clamp: Clamp) -> fmt::Result {
    if clamp == Clamp::FULL {
        return out.write_str("constnet::quant::Clamp::FULL");
    }
    write!(
        out,
        "match constnet::quant::Clamp::new({}, {}) {{ Some(c) => c, None => panic!(\"an empty clamp range\") }}",
        clamp.min(),
        clamp.max()
    )
}

/// An output stage as a `const` expression: the raw multipliers, the zero
/// point and the clamp.
pub(crate) fn write_output_stage<W: Write, const O: usize>(out: &mut W, stage: &OutputStage<O>) -> fmt::Result {
    out.write_str("constnet::quant::OutputStage::per_channel(match constnet::quant::Multiplier::from_parts([")?;
    for (i, m) in stage.multipliers().iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write!(out, "({}, {})", m.multiplier(), m.shift())?;
    }
    write!(out, "]) {{ Ok(m) => m, Err(_) => panic!(\"a multiplier out of range\") }}, {}, ", stage.zero_point())?;
    write_clamp(out, stage.clamp())?;
    out.write_char(')')
}
