//! [`QDepthwiseConv2d`]: TFLite's int8 `DEPTHWISE_CONV_2D`, NHWC — the
//! general [`Convolution`] with one input channel per group, in TFLite's
//! depthwise weight layout.

use core::fmt;

use crate::quant::conv::{outputs_per_group, place_in};
use crate::quant::rust_source::Literal;
use crate::quant::window::{QWindowed, Window2d};
use crate::quant::{ConvWeight, Convolution, DoubleRounding, OperatorKind, Valid};

/// An int8 depthwise 2-D convolution, TFLite's `DEPTHWISE_CONV_2D`
/// (dilation 1): each of `CI` input channels gets `CO / CI` filters (the
/// depth multiplier), output channel `o` reading input channel
/// `o / (CO / CI)`; a `KH`×`KW` kernel, `H`×`W` to `HO`×`WO`, strides `SH`,
/// `SW`, padding `P`, all checked at compile time.
///
/// The weight is TFLite's `[1][KH][KW][CO]` without the leading 1,
/// `[[[i8; CO]; KW]; KH]`, quantised per output channel; images are NHWC,
/// as for [`QConv2d`](crate::quant::QConv2d), of which this is the same
/// layer ([`QWindowed`] applying a [`Convolution`]) with another weight
/// layout. The rounding `R` defaults to [`DoubleRounding`], as TFLite
/// 2.21's reference kernel rounds.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::quant::{Clamp, Multiplier, OutputStage, QDepthwiseConv2d, Valid};
///
/// const ONE: Multiplier = match Multiplier::from_scale(1.0) { Ok(m) => m, Err(_) => panic!() };
/// // Two channels, 2×2 kernel: channel 0 sums its window, channel 1 negates its top-left.
/// type Dw = QDepthwiseConv2d<2, 2, 2, 2, 2, 2, 1, 1, 1, 1, Valid>;
/// static DW: Dw = QDepthwiseConv2d::new(
///     [[[1, -1], [1, 0]], [[1, 0], [1, 0]]],
///     [0, 0],
///     0,
///     OutputStage::per_tensor(ONE, 0, Clamp::FULL),
/// );
/// assert_eq!(DW.forward(&[[[1, 5], [2, 6]], [[3, 7], [4, 8]]]), [[[10, -5]]]);
/// ```
pub type QDepthwiseConv2d<
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
> = QWindowed<CI, CO, Convolution<CO, [[[i8; CO]; KW]; KH], R>, Window2d<KH, KW, H, W, HO, WO, SH, SW, P>>;

/// TFLite's depthwise layout `[KH][KW][CO]`: one input channel per group.
impl<const CI: usize, const CO: usize, const KH: usize, const KW: usize> ConvWeight<CI, CO> for [[[i8; CO]; KW]; KH] {
    const KH: usize = KH;
    const KW: usize = KW;
    const CHECK: () =
        assert!(CI > 0 && CO > 0 && CO.is_multiple_of(CI), "QDepthwiseConv2d: CO must be a multiple of CI");
    const KIND: OperatorKind = OperatorKind::DepthwiseConv2d;
    const SHAPE: [usize; 4] = [1, KH, KW, CO];
    const CHANNEL_AXIS: usize = 3;
    const DEPTH_MULTIPLIER: Option<usize> = CO.checked_div(CI);
    const ZERO: Self = [[[0; CO]; KW]; KH];

    fn as_flat_mut(&mut self) -> &mut [i8] {
        self.as_flattened_mut().as_flattened_mut()
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
        let channel = o / outputs_per_group(CI, CO, 1);
        let mut acc = 0_i32;
        for (weight_row, patch_row) in self.iter().zip(patch) {
            for (taps, pixel) in weight_row.iter().zip(patch_row) {
                let (Some(&w), Some(&v)) = (taps.get(o), pixel.get(channel)) else { continue };
                acc = acc.wrapping_add(w as i32 * v as i32);
            }
        }
        acc
    }
}
