//! [`Convolution`]: TFLite's int8 convolution on each window (grouped, so
//! depthwise too), its weight layouts ([`ConvWeight`]), and [`QConv2d`],
//! TFLite's `CONV_2D`, NHWC.

use core::fmt;
use core::marker::PhantomData;

use crate::quant::checks;
use crate::quant::rust_source::{Literal, write_output_stage};
use crate::quant::window::{QWindowed, Window2d, WindowGeometry, WindowOp};
use crate::quant::{
    DoubleRounding, LoadError, LoadErrorKind, Operator, OperatorKind, OutputStage, QuantizedModel, Role, Rounding,
    TflitePadding, Valid, WriteRust,
};

/// An int8 2-D convolution, TFLite's `CONV_2D` (dilation 1): `CI` input
/// channels to `CO`, a `KH`×`KW` kernel, an `H`×`W` input to an `HO`×`WO`
/// output with strides `SH`, `SW` and padding `P` ([`Valid`] or
/// [`SamePadding`](crate::quant::SamePadding)); the output size is checked
/// against them at compile time.
///
/// Input and output are NHWC images without the batch, `[[[i8; CI]; W]; H]`
/// to `[[[i8; CO]; WO]; HO]`; the weight is OHWI, `[[[[i8; CI]; KW]; KH]; CO]`,
/// symmetric and quantised per output channel (or per tensor). Each output
/// is `bias[o] + Σ W[o][ky][kx][c]·(x[y][x][c] − input_zero_point)` over the
/// taps inside the image (padding contributes nothing), then the
/// [`OutputStage`]. A [`QWindowed`] applying a [`Convolution`]; with a
/// weight `[[[[i8; CPG]; KW]; KH]; CO]` of `CPG` input channels per group,
/// the same layer is TFLite's grouped `CONV_2D`.
///
/// The rounding `R` defaults to [`DoubleRounding`]: TFLite 2.21's reference
/// `CONV_2D` kernel rounds twice (unlike its `FULLY_CONNECTED`).
///
/// ```
/// use constnet::prelude::*;
/// use constnet::quant::{Clamp, Convolution, Multiplier, OutputStage, QConv2d, QWindowed, SamePadding, Window2d};
///
/// const ONE: Multiplier = match Multiplier::from_scale(1.0) { Ok(m) => m, Err(_) => panic!() };
/// // A 3×3 box sum over a 3×3 one-channel image, SAME padding.
/// type Box = QConv2d<1, 1, 3, 3, 3, 3, 3, 3, 1, 1, SamePadding>;
/// static BOX: Box = QConv2d::new([[[[1]; 3]; 3]], [0], 0, OutputStage::per_tensor(ONE, 0, Clamp::FULL));
/// let y = BOX.forward(&[[[1]; 3]; 3]);
/// assert_eq!(y, [[[4], [6], [4]], [[6], [9], [6]], [[4], [6], [4]]]);
///
/// // Grouped: two groups of one input channel (CPG = 1), OHWI weights.
/// type Grouped = QWindowed<2, 2, Convolution<2, [[[[i8; 1]; 1]; 1]; 2]>, Window2d<1, 1, 1, 1, 1, 1>>;
/// static G: Grouped = QWindowed::<2, 2, Convolution<2, _>, _>::new(
///     [[[[2]]], [[[-1]]]],
///     [0, 0],
///     0,
///     OutputStage::per_tensor(ONE, 0, Clamp::FULL),
/// );
/// assert_eq!(G.forward(&[[[3, 5]]]), [[[6, -5]]]);
/// ```
///
/// A declared output size that the kernel, stride and padding do not give
/// fails the build:
///
/// ```compile_fail
/// use constnet::quant::{Clamp, Multiplier, OutputStage, QConv2d};
///
/// const ONE: Multiplier = match Multiplier::from_scale(1.0) { Ok(m) => m, Err(_) => panic!() };
/// static BAD: QConv2d<1, 1, 3, 3, 3, 3, 3, 3> = QConv2d::new([[[[1]; 3]; 3]], [0], 0, OutputStage::per_tensor(ONE, 0, Clamp::FULL));
/// ```
pub type QConv2d<
    const CI: usize,
    const CO: usize,
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize = 1,
    const SW: usize = 1,
    P = Valid,
    R = DoubleRounding,
> = QWindowed<CI, CO, Convolution<CO, [[[[i8; CI]; KW]; KH]; CO], R>, Window2d<KH, KW, H, W, HO, WO, SH, SW, P>>;

/// A convolution's parameters, what it computes on each window: the
/// weight `K` (a [`ConvWeight`]), the int32 bias, the input's zero point
/// and the [`OutputStage`] with rounding `R`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Convolution<const CO: usize, K, R = DoubleRounding> {
    weight: K,
    bias: [i32; CO],
    input_zero_point: i8,
    output: OutputStage<CO>,
    rounding: PhantomData<R>,
}

/// A convolution's weight from `CI` input channels to `CO` in one of
/// TFLite's layouts: OHWI `[[[[i8; CPG]; KW]; KH]; CO]` (`CONV_2D`, with
/// `CPG` input channels per group: `CI` for an ordinary convolution) or
/// `[[[i8; CO]; KW]; KH]` (`DEPTHWISE_CONV_2D`'s `[1][KH][KW][CO]`).
///
/// Output channel `o` reads the input channels of its group: group
/// `o / (CO / G)` of `G = CI / CPG` (depthwise: `CPG = 1`).
///
/// The layout also says which TFLite operator the convolution is and how
/// the `.tflite` file holds its weight, so that one
/// [`QuantizedModel`] implementation loads both.
pub trait ConvWeight<const CI: usize, const CO: usize>: Sized {
    /// The kernel's height.
    const KH: usize;
    /// The kernel's width.
    const KW: usize;
    /// Fails to evaluate (at compile time) unless the channels and groups
    /// fit the layout.
    const CHECK: ();
    /// The TFLite operator of this layout: [`OperatorKind::Conv2d`] or
    /// [`OperatorKind::DepthwiseConv2d`].
    const KIND: OperatorKind;
    /// The weight tensor's shape in a `.tflite` file: `[CO, KH, KW, CPG]`
    /// (OHWI) or `[1, KH, KW, CO]` (depthwise). The weight's values are
    /// row-major in this shape, as in the file.
    const SHAPE: [usize; 4];
    /// The axis of [`SHAPE`](ConvWeight::SHAPE) that the output channels
    /// run along (a per-channel quantisation's `quantized_dimension`).
    const CHANNEL_AXIS: usize;
    /// The depth multiplier a `DEPTHWISE_CONV_2D`'s options give, `CO / CI`;
    /// `None` for a `CONV_2D`, whose options have none.
    const DEPTH_MULTIPLIER: Option<usize>;
    /// The all-zero weight.
    const ZERO: Self;

    /// The weight's values, row-major in [`SHAPE`](ConvWeight::SHAPE).
    fn as_flat_mut(&mut self) -> &mut [i8];

    /// Writes the weight as a Rust array literal.
    ///
    /// # Errors
    ///
    /// Only `out`'s.
    fn write_literal<W: fmt::Write>(&self, out: &mut W) -> fmt::Result;

    /// One window of the input as a convolution reads it:
    /// `[[[i16; CI]; KW]; KH]`, each value `x − input_zero_point` (which
    /// fits 16 bits), zero where the window lies in the padding — so every
    /// output channel's sum is one dot product with its filter.
    type Patch: Copy;
    /// The patch of a window entirely in the padding.
    const EMPTY_PATCH: Self::Patch;

    /// Puts kernel tap (`ky`, `kx`)'s pixel, offset, into the patch.
    fn place(patch: &mut Self::Patch, ky: usize, kx: usize, pixel: &[i8; CI], offset: i16);

    /// Output channel `o`'s sum over the patch, `Σ W[o]·patch` over its
    /// group's channels, wrapping.
    fn dot(&self, o: usize, patch: &Self::Patch) -> i32;
}

/// Puts `pixel + offset` at (`ky`, `kx`) of a patch (a tap outside it is
/// ignored; the compile-time checks rule that out).
#[inline(always)]
pub(crate) fn place_in<const CI: usize, const KH: usize, const KW: usize>(
    patch: &mut [[[i16; CI]; KW]; KH],
    ky: usize,
    kx: usize,
    pixel: &[i8; CI],
    offset: i16,
) {
    if let Some(tap) = patch.get_mut(ky).and_then(|row| row.get_mut(kx)) {
        for (t, &v) in tap.iter_mut().zip(pixel) {
            *t = v as i16 + offset;
        }
    }
}

/// The output channels of each group, `CO / (CI / CPG)` (1 for shapes the
/// compile-time checks reject, so nothing divides by zero).
pub(crate) const fn outputs_per_group(ci: usize, co: usize, cpg: usize) -> usize {
    match ci.checked_div(cpg) {
        Some(groups) => match co.checked_div(groups) {
            Some(n) if n > 0 => n,
            _ => 1,
        },
        None => 1,
    }
}

/// OHWI, grouped: `CPG` input channels per group.
impl<const CI: usize, const CO: usize, const CPG: usize, const KH: usize, const KW: usize> ConvWeight<CI, CO>
    for [[[[i8; CPG]; KW]; KH]; CO]
{
    const KH: usize = KH;
    const KW: usize = KW;
    const CHECK: () = assert!(
        CI > 0 && CO > 0 && CPG > 0 && CI.is_multiple_of(CPG) && CO.is_multiple_of(CI / CPG),
        "QConv2d: CPG must divide CI, and the groups CI / CPG must divide CO"
    );
    const KIND: OperatorKind = OperatorKind::Conv2d;
    const SHAPE: [usize; 4] = [CO, KH, KW, CPG];
    const CHANNEL_AXIS: usize = 0;
    const DEPTH_MULTIPLIER: Option<usize> = None;
    const ZERO: Self = [[[[0; CPG]; KW]; KH]; CO];

    fn as_flat_mut(&mut self) -> &mut [i8] {
        self.as_flattened_mut().as_flattened_mut().as_flattened_mut()
    }

    fn write_literal<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        Literal::write_literal(self, out)
    }

    type Patch = [[[i16; CI]; KW]; KH];
    const EMPTY_PATCH: Self::Patch = [[[0; CI]; KW]; KH];

    #[inline(always)]
    fn place(patch: &mut Self::Patch, ky: usize, kx: usize, pixel: &[i8; CI], offset: i16) {
        place_in(patch, ky, kx, pixel, offset);
    }

    #[inline(always)]
    fn dot(&self, o: usize, patch: &Self::Patch) -> i32 {
        let Some(filter) = self.get(o) else { return 0 };
        let mut acc = 0_i32;
        if CPG == CI {
            // One group: filter and patch are the same KH·KW·CI values in
            // the same order, one straight dot product.
            let taps = filter.as_flattened().as_flattened();
            for (&w, &v) in taps.iter().zip(patch.as_flattened().as_flattened()) {
                acc = acc.wrapping_add(w as i32 * v as i32);
            }
            return acc;
        }
        let first = o / outputs_per_group(CI, CO, CPG) * CPG;
        for (filter_row, patch_row) in filter.iter().zip(patch) {
            for (tap, pixel) in filter_row.iter().zip(patch_row) {
                // The group's CPG channels, as an array: a loop of known length.
                let Some(Ok(inputs)) = pixel.get(first..first + CPG).map(<&[i16; CPG]>::try_from) else { continue };
                for (&w, &v) in tap.iter().zip(inputs) {
                    acc = acc.wrapping_add(w as i32 * v as i32);
                }
            }
        }
        acc
    }
}

impl<const CI: usize, const CO: usize, K: ConvWeight<CI, CO>, R, G: WindowGeometry>
    QWindowed<CI, CO, Convolution<CO, K, R>, G>
{
    /// The layer from the weight (OHWI for [`QConv2d`],
    /// `[KH][KW][CO]` for [`QDepthwiseConv2d`](crate::quant::QDepthwiseConv2d)),
    /// the int32 bias, the input's zero point and the output stage. A
    /// `const fn`; the geometry, the channels and the groups are checked
    /// when it is evaluated (at compile time in a `const` or `static`).
    pub const fn new(weight: K, bias: [i32; CO], input_zero_point: i8, output: OutputStage<CO>) -> Self {
        const {
            let () = K::CHECK;
            let () = G::CHECK;
            assert!(K::KH == G::KH && K::KW == G::KW, "the kernel's size is not the window's");
        };
        QWindowed::with(Convolution { weight, bias, input_zero_point, output, rounding: PhantomData })
    }

    /// The weight.
    pub const fn weight(&self) -> &K {
        &self.op().weight
    }

    /// The bias.
    pub const fn bias(&self) -> &[i32; CO] {
        &self.op().bias
    }

    /// The input zero point.
    pub const fn input_zero_point(&self) -> i8 {
        self.op().input_zero_point
    }

    /// The output stage.
    pub const fn output(&self) -> &OutputStage<CO> {
        &self.op().output
    }
}

impl<const CI: usize, const CO: usize, K: ConvWeight<CI, CO>, R: Rounding> WindowOp<CI, CO> for Convolution<CO, K, R> {
    #[inline]
    fn apply<const KH: usize, const KW: usize>(&self, window: &[[Option<&[i8; CI]>; KW]; KH]) -> [i8; CO] {
        // Gathered once, then read by every output channel: each channel's
        // sum runs over contiguous memory, its accumulator in a register.
        let offset = -(self.input_zero_point as i16);
        let mut patch = K::EMPTY_PATCH;
        for (ky, row) in window.iter().enumerate() {
            for (kx, tap) in row.iter().enumerate() {
                if let Some(pixel) = tap {
                    K::place(&mut patch, ky, kx, pixel, offset);
                }
            }
        }
        let mut y = [0; CO];
        let channels = self.bias.iter().zip(self.output.multipliers());
        for (o, (out, (&bias, &m))) in y.iter_mut().zip(channels).enumerate() {
            let acc = bias.wrapping_add(self.weight.dot(o, &patch));
            *out = self.output.finish_with(R::MODE, acc, m);
        }
        y
    }
}

/// One `CONV_2D` or `DEPTHWISE_CONV_2D` operator, as the weight layout `K`
/// says ([`ConvWeight::KIND`]): input `[1, H, W, CI]` int8 quantised per
/// tensor; weight `K`'s [`SHAPE`](ConvWeight::SHAPE), int8, symmetric, per
/// tensor or per output channel; bias `[CO]` int32 (or none); output
/// `[1, HO, WO, CO]` int8; the type's padding and strides, no dilation, a
/// depthwise convolution's depth multiplier `CO / CI` (or 0, unset), fused
/// NONE, RELU or RELU6.
impl<
    const CI: usize,
    const CO: usize,
    K: ConvWeight<CI, CO>,
    R: Rounding,
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize,
    const SW: usize,
    P: TflitePadding,
> QuantizedModel for QWindowed<CI, CO, Convolution<CO, K, R>, Window2d<KH, KW, H, W, HO, WO, SH, SW, P>>
{
    const OPERATORS: usize = 1;

    fn operator_kind(position: usize) -> Option<OperatorKind> {
        (position == 0).then_some(K::KIND)
    }

    fn from_operators(operators: &[Operator<'_>]) -> Result<Self, LoadError> {
        let op = checks::single(operators, K::KIND)?;
        checks::window(op, P::PADDING, [SH, SW])?;
        if let Some(expected) = K::DEPTH_MULTIPLIER {
            let found = op.options.depth_multiplier;
            if found != expected && found != 0 {
                return Err(checks::error(op, LoadErrorKind::DepthMultiplier { expected, found }));
            }
        }
        let (input_scale, input_zero_point) = checks::activation(op, Role::Input, &op.input, &[1, H, W, CI])?;
        let output = checks::activation(op, Role::Output, &op.output, &[1, HO, WO, CO])?;
        let weight_tensor = checks::required(op, Role::Weight, op.weight.as_ref())?;
        let mut weight = K::ZERO;
        checks::int8_data(op, Role::Weight, weight_tensor, &K::SHAPE, weight.as_flat_mut())?;
        let scales = checks::weight_scales::<CO>(op, weight_tensor, K::CHANNEL_AXIS)?;
        let bias = checks::bias::<CO>(op)?;
        let stage = checks::output_stage(op, input_scale, &scales, output)?;
        Ok(Self::new(weight, bias, input_zero_point, stage))
    }
}

/// `constnet::quant::QWindowed::<CI, CO, constnet::quant::Convolution<CO, _, _>, _>::new(…)`:
/// the weight layout, rounding and geometry come from the `static`'s type.
impl<const CI: usize, const CO: usize, K: ConvWeight<CI, CO>, R, G> WriteRust
    for QWindowed<CI, CO, Convolution<CO, K, R>, G>
{
    fn write_rust<Wr: fmt::Write>(&self, out: &mut Wr) -> fmt::Result {
        let conv = self.op();
        write!(out, "constnet::quant::QWindowed::<{CI}, {CO}, constnet::quant::Convolution<{CO}, _, _>, _>::new(")?;
        conv.weight.write_literal(out)?;
        out.write_str(", ")?;
        conv.bias.write_literal(out)?;
        write!(out, ", {}, ", conv.input_zero_point)?;
        write_output_stage(out, &conv.output)?;
        out.write_char(')')
    }
}
