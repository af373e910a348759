//! [`QMaxPool2d`] and [`QAvgPool2d`]: TFLite's int8 `MAX_POOL_2D` and
//! `AVERAGE_POOL_2D`, NHWC — one [`Pooling`] whose [`Reduction`] differs.

use core::fmt;
use core::marker::PhantomData;

use crate::quant::checks;
use crate::quant::rust_source::write_clamp;
use crate::quant::window::{QWindowed, Window2d, WindowGeometry, WindowOp};
use crate::quant::{
    Clamp, LoadError, LoadErrorKind, Operator, OperatorKind, QuantizedModel, Role, TflitePadding, Valid, WriteRust,
};

/// A pooling, what it computes on each window: the reduction `Red` of the
/// window's pixels inside the image, channel by channel, clamped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pooling<Red> {
    clamp: Clamp,
    reduction: PhantomData<Red>,
}

/// How a [`Pooling`] reduces a window: [`Max`] or [`Average`].
pub trait Reduction {
    /// The TFLite operator of a pooling with this reduction:
    /// [`OperatorKind::MaxPool2d`] or [`OperatorKind::AveragePool2d`].
    const KIND: OperatorKind;

    /// The channel-wise reduction of the window's pixels, clamped.
    fn reduce<'a, const C: usize>(window: impl Iterator<Item = &'a [i8; C]>, clamp: Clamp) -> [i8; C];
}

/// The channel-wise maximum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Max;

/// The channel-wise mean of the pixels inside the image, rounded half away
/// from zero as TFLite's `(sum ± count/2) / count`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Average;

impl Reduction for Max {
    const KIND: OperatorKind = OperatorKind::MaxPool2d;

    fn reduce<'a, const C: usize>(window: impl Iterator<Item = &'a [i8; C]>, clamp: Clamp) -> [i8; C] {
        let mut max = [i8::MIN; C];
        for pixel in window {
            for (m, &v) in max.iter_mut().zip(pixel) {
                *m = (*m).max(v);
            }
        }
        max.map(|m| clamp.apply(m as i32))
    }
}

impl Reduction for Average {
    const KIND: OperatorKind = OperatorKind::AveragePool2d;

    fn reduce<'a, const C: usize>(window: impl Iterator<Item = &'a [i8; C]>, clamp: Clamp) -> [i8; C] {
        let mut sum = [0_i32; C];
        let mut count = 0_i32;
        for pixel in window {
            count += 1;
            for (s, &v) in sum.iter_mut().zip(pixel) {
                *s += v as i32;
            }
        }
        let count = count.max(1); // an empty window (impossible by the compile-time checks) averages to 0
        sum.map(|s| clamp.apply(if s > 0 { (s + count / 2) / count } else { (s - count / 2) / count }))
    }
}

impl<const C: usize, Red: Reduction> WindowOp<C, C> for Pooling<Red> {
    #[inline]
    fn apply<const KH: usize, const KW: usize>(&self, window: &[[Option<&[i8; C]>; KW]; KH]) -> [i8; C] {
        Red::reduce(window.iter().flatten().flatten().copied(), self.clamp)
    }
}

impl<const C: usize, Red, G: WindowGeometry> QWindowed<C, C, Pooling<Red>, G> {
    /// The pooling, its output clamped to `clamp` (a fused activation;
    /// [`Clamp::FULL`] for none). A `const fn`; the geometry is checked
    /// when it is evaluated.
    pub const fn new(clamp: Clamp) -> Self {
        const {
            assert!(C > 0, "a pooling needs at least one channel");
            let () = G::CHECK;
        };
        QWindowed::with(Pooling { clamp, reduction: PhantomData })
    }

    /// The clamp range.
    pub const fn clamp(&self) -> Clamp {
        self.op().clamp
    }
}

/// One `MAX_POOL_2D` or `AVERAGE_POOL_2D` operator, as the reduction says
/// ([`Reduction::KIND`]): input `[1, H, W, C]` and output `[1, HO, WO, C]`
/// int8 with the same scale and zero point, a `KH`×`KW` filter, the type's
/// padding and strides, fused NONE, RELU or RELU6.
impl<
    const C: usize,
    Red: Reduction,
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize,
    const SW: usize,
    P: TflitePadding,
> QuantizedModel for QWindowed<C, C, Pooling<Red>, Window2d<KH, KW, H, W, HO, WO, SH, SW, P>>
{
    const OPERATORS: usize = 1;

    fn operator_kind(position: usize) -> Option<OperatorKind> {
        (position == 0).then_some(Red::KIND)
    }

    fn from_operators(operators: &[Operator<'_>]) -> Result<Self, LoadError> {
        let op = checks::single(operators, Red::KIND)?;
        checks::window(op, P::PADDING, [SH, SW])?;
        if op.options.filter != [KH, KW] {
            return Err(checks::error(op, LoadErrorKind::Filter { expected: [KH, KW], found: op.options.filter }));
        }
        let input = checks::activation(op, Role::Input, &op.input, &[1, H, W, C])?;
        let output = checks::activation(op, Role::Output, &op.output, &[1, HO, WO, C])?;
        checks::same_quantization(op, input, output)?;
        Ok(Self::new(checks::clamp(op, output.0, output.1)?))
    }
}

/// `constnet::quant::QWindowed::<C, C, constnet::quant::Pooling<_>, _>::new(…)`:
/// the reduction and geometry come from the `static`'s type.
impl<const C: usize, Red, G> WriteRust for QWindowed<C, C, Pooling<Red>, G> {
    fn write_rust<Wr: fmt::Write>(&self, out: &mut Wr) -> fmt::Result {
        write!(out, "constnet::quant::QWindowed::<{C}, {C}, constnet::quant::Pooling<_>, _>::new(")?;
        write_clamp(out, self.op().clamp)?;
        out.write_char(')')
    }
}

/// Int8 max pooling, TFLite's `MAX_POOL_2D`: a `KH`×`KW` window with
/// strides `SH`, `SW` (the window's size by default) and padding `P` over
/// an NHWC image `[[[i8; C]; W]; H]`, to `[[[i8; C]; WO]; HO]`; padded
/// positions are left out. Input and output share scale and zero point.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::quant::{Clamp, QMaxPool2d};
///
/// static POOL: QMaxPool2d<1, 2, 2, 2, 4, 1, 2> = QMaxPool2d::new(Clamp::FULL);
/// assert_eq!(POOL.forward(&[[[1], [-5], [3], [2]], [[0], [4], [-128], [-7]]]), [[[4], [3]]]);
/// ```
pub type QMaxPool2d<
    const C: usize,
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize = KH,
    const SW: usize = KW,
    P = Valid,
> = QWindowed<C, C, Pooling<Max>, Window2d<KH, KW, H, W, HO, WO, SH, SW, P>>;

/// Int8 average pooling, TFLite's `AVERAGE_POOL_2D`: as [`QMaxPool2d`],
/// the mean of the window's pixels inside the image, rounded half away
/// from zero (TFLite's integer rounding).
///
/// ```
/// use constnet::prelude::*;
/// use constnet::quant::{Clamp, QAvgPool2d};
///
/// static POOL: QAvgPool2d<1, 2, 2, 2, 4, 1, 2> = QAvgPool2d::new(Clamp::FULL);
/// // (1 − 5 + 0 + 4)/4 = 0; (3 + 2 − 128 − 7)/4 = −32.5 → −33.
/// assert_eq!(POOL.forward(&[[[1], [-5], [3], [2]], [[0], [4], [-128], [-7]]]), [[[0], [-33]]]);
/// ```
pub type QAvgPool2d<
    const C: usize,
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize = KH,
    const SW: usize = KW,
    P = Valid,
> = QWindowed<C, C, Pooling<Average>, Window2d<KH, KW, H, W, HO, WO, SH, SW, P>>;
