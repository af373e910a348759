//! [`QConv2d`]: TFLite's int8 `CONV_2D`, NHWC.

use core::marker::PhantomData;

use crate::layer::SameShape;
use crate::quant::padding::{Walk, fits};
use crate::quant::{DoubleRounding, OutputStage, Rounding, TflitePadding, Valid};
use crate::{Layer, Module, PerSample};

/// The int8 input type of a convolution or pooling: NHWC without the
/// batch, `H` rows of `W` pixels of `C` channels.
pub(crate) type Image<const H: usize, const W: usize, const C: usize> = [[[i8; C]; W]; H];

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
/// [`OutputStage`].
///
/// The rounding `R` defaults to [`DoubleRounding`]: TFLite 2.21's reference
/// `CONV_2D` kernel rounds twice (unlike its `FULLY_CONNECTED`).
///
/// ```
/// use constnet::prelude::*;
/// use constnet::quant::{Clamp, Multiplier, OutputStage, QConv2d, SamePadding};
///
/// const ONE: Multiplier = match Multiplier::from_scale(1.0) { Ok(m) => m, Err(_) => panic!() };
/// // A 3×3 box sum over a 3×3 one-channel image, SAME padding.
/// type Box = QConv2d<1, 1, 3, 3, 3, 3, 3, 3, 1, 1, SamePadding>;
/// static BOX: Box = QConv2d::new([[[[1]; 3]; 3]], [0], 0, OutputStage::per_tensor(ONE, 0, Clamp::FULL));
/// let y = BOX.forward(&[[[1]; 3]; 3]);
/// assert_eq!(y, [[[4], [6], [4]], [[6], [9], [6]], [[4], [6], [4]]]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(clippy::type_complexity)] // the shape is the type's parameters
pub struct QConv2d<
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
    weight: [[[[i8; CI]; KW]; KH]; CO],
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
> QConv2d<CI, CO, KH, KW, H, W, HO, WO, SH, SW, P, R>
{
    /// The layer from OHWI weights, the int32 bias, the input's zero point
    /// and the output stage. A `const fn`; the geometry is checked when it
    /// is evaluated (at compile time in a `const` or `static`).
    pub const fn new(
        weight: [[[[i8; CI]; KW]; KH]; CO],
        bias: [i32; CO],
        input_zero_point: i8,
        output: OutputStage<CO>,
    ) -> Self {
        const {
            assert!(CI > 0 && CO > 0, "QConv2d: at least one input and one output channel");
            assert!(
                fits(H, HO, KH, SH, P::SAME),
                "QConv2d: HO is not the output height of this kernel, stride and padding"
            );
            assert!(
                fits(W, WO, KW, SW, P::SAME),
                "QConv2d: WO is not the output width of this kernel, stride and padding"
            );
        };
        QConv2d { weight, bias, input_zero_point, output, marker: PhantomData }
    }

    /// The weight, OHWI.
    pub const fn weight(&self) -> &[[[[i8; CI]; KW]; KH]; CO] {
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
> Module for QConv2d<CI, CO, KH, KW, H, W, HO, WO, SH, SW, P, R>
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
> PerSample for QConv2d<CI, CO, KH, KW, H, W, HO, WO, SH, SW, P, R>
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
> Layer<X> for QConv2d<CI, CO, KH, KW, H, W, HO, WO, SH, SW, P, R>
{
    type Output = Image<HO, WO, CO>;

    fn eval(&self, x: &X) -> Image<HO, WO, CO> {
        let x = x.as_shape();
        let rows = Walk::new(H, HO, KH, SH, P::SAME);
        let columns = Walk::new(W, WO, KW, SW, P::SAME);
        let offset = -(self.input_zero_point as i32);
        let mut y = [[[0; CO]; WO]; HO];
        for (oy, out_row) in y.iter_mut().enumerate() {
            for (ox, out_pixel) in out_row.iter_mut().enumerate() {
                let channels = self.weight.iter().zip(&self.bias).zip(self.output.multipliers());
                for (out, ((filter, &bias), &m)) in out_pixel.iter_mut().zip(channels) {
                    let mut acc = bias;
                    for (ky, filter_row) in filter.iter().enumerate() {
                        let Some(in_row) = rows.source(oy, ky, H).and_then(|iy| x.get(iy)) else { continue };
                        for (kx, tap) in filter_row.iter().enumerate() {
                            let Some(pixel) = columns.source(ox, kx, W).and_then(|ix| in_row.get(ix)) else { continue };
                            for (&w, &v) in tap.iter().zip(pixel) {
                                acc = acc.wrapping_add(w as i32 * (v as i32 + offset));
                            }
                        }
                    }
                    *out = self.output.finish_with(R::MODE, acc, m);
                }
            }
        }
        y
    }
}
