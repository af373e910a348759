//! [`QDepthwiseConv2d`]: TFLite's int8 `DEPTHWISE_CONV_2D`, NHWC.

use core::marker::PhantomData;

use crate::layer::SameShape;
use crate::quant::conv::Image;
use crate::quant::padding::{Walk, fits};
use crate::quant::{DoubleRounding, OutputStage, Rounding, TflitePadding, Valid};
use crate::{Layer, Module, PerSample};

/// An int8 depthwise 2-D convolution, TFLite's `DEPTHWISE_CONV_2D`
/// (dilation 1): each of `CI` input channels gets `CO / CI` filters (the
/// depth multiplier), output channel `o` reading input channel
/// `o / (CO / CI)`; a `KH`×`KW` kernel, `H`×`W` to `HO`×`WO`, strides `SH`,
/// `SW`, padding `P`, all checked at compile time.
///
/// The weight is TFLite's `[1][KH][KW][CO]` without the leading 1,
/// `[[[i8; CO]; KW]; KH]`, quantised per output channel; images are NHWC,
/// as for [`QConv2d`](crate::quant::QConv2d). The rounding `R` defaults to
/// [`DoubleRounding`], as TFLite 2.21's reference kernel rounds.
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(clippy::type_complexity)] // the shape is the type's parameters
pub struct QDepthwiseConv2d<
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
> {
    weight: [[[i8; CO]; KW]; KH],
    bias: [i32; CO],
    input_zero_point: i8,
    output: OutputStage<CO>,
    marker: PhantomData<(P, R)>,
}

impl<
    const CI: usize,
    const CO: usize,
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize,
    const SW: usize,
    P: TflitePadding,
    R: Rounding,
> QDepthwiseConv2d<CI, CO, KH, KW, H, W, HO, WO, SH, SW, P, R>
{
    /// The layer from `[KH][KW][CO]` weights, the int32 bias, the input's
    /// zero point and the output stage. A `const fn`; the geometry and
    /// `CO` being a multiple of `CI` are checked when it is evaluated.
    pub const fn new(
        weight: [[[i8; CO]; KW]; KH],
        bias: [i32; CO],
        input_zero_point: i8,
        output: OutputStage<CO>,
    ) -> Self {
        const {
            assert!(CI > 0 && CO > 0 && CO.is_multiple_of(CI), "QDepthwiseConv2d: CO must be a multiple of CI");
            assert!(
                fits(H, HO, KH, SH, P::SAME),
                "QDepthwiseConv2d: HO is not the output height of this kernel, stride and padding"
            );
            assert!(
                fits(W, WO, KW, SW, P::SAME),
                "QDepthwiseConv2d: WO is not the output width of this kernel, stride and padding"
            );
        };
        QDepthwiseConv2d { weight, bias, input_zero_point, output, marker: PhantomData }
    }

    /// The weight, `[KH][KW][CO]`.
    pub const fn weight(&self) -> &[[[i8; CO]; KW]; KH] {
        &self.weight
    }

    /// The bias.
    pub const fn bias(&self) -> &[i32; CO] {
        &self.bias
    }

    /// The output stage.
    pub const fn output(&self) -> &OutputStage<CO> {
        &self.output
    }
}

impl<
    const CI: usize,
    const CO: usize,
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize,
    const SW: usize,
    P,
    R,
> Module for QDepthwiseConv2d<CI, CO, KH, KW, H, W, HO, WO, SH, SW, P, R>
{
}

impl<
    const CI: usize,
    const CO: usize,
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize,
    const SW: usize,
    P,
    R,
> PerSample for QDepthwiseConv2d<CI, CO, KH, KW, H, W, HO, WO, SH, SW, P, R>
{
}

/// Accepts any input [`SameShape`] as `[[[i8; CI]; W]; H]`.
impl<
    const CI: usize,
    const CO: usize,
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize,
    const SW: usize,
    P: TflitePadding,
    R: Rounding,
    X: SameShape<Image<H, W, CI>>,
> Layer<X> for QDepthwiseConv2d<CI, CO, KH, KW, H, W, HO, WO, SH, SW, P, R>
{
    type Output = Image<HO, WO, CO>;

    fn eval(&self, x: &X) -> Image<HO, WO, CO> {
        let x = x.as_shape();
        let rows = Walk::new(H, HO, KH, SH, P::SAME);
        let columns = Walk::new(W, WO, KW, SW, P::SAME);
        let multiplier = CO.checked_div(CI).unwrap_or(1).max(1);
        let offset = -(self.input_zero_point as i32);
        let mut y = [[[0; CO]; WO]; HO];
        for (oy, out_row) in y.iter_mut().enumerate() {
            for (ox, out_pixel) in out_row.iter_mut().enumerate() {
                let mut acc = self.bias;
                for (ky, filter_row) in self.weight.iter().enumerate() {
                    let Some(in_row) = rows.source(oy, ky, H).and_then(|iy| x.get(iy)) else { continue };
                    for (kx, taps) in filter_row.iter().enumerate() {
                        let Some(pixel) = columns.source(ox, kx, W).and_then(|ix| in_row.get(ix)) else { continue };
                        for (o, (a, &w)) in acc.iter_mut().zip(taps).enumerate() {
                            let v = pixel.get(o / multiplier).map_or(0, |&v| v as i32 + offset);
                            *a = a.wrapping_add(w as i32 * v);
                        }
                    }
                }
                let channels = acc.iter().zip(self.output.multipliers());
                for (out, (&a, &m)) in out_pixel.iter_mut().zip(channels) {
                    *out = self.output.finish_with(R::MODE, a, m);
                }
            }
        }
        y
    }
}
