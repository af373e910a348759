//! [`Convolution`]: TFLite's int8 convolution on each window (grouped, so
//! depthwise too), its weight layouts ([`ConvWeight`]), and [`QConv2d`],
//! TFLite's `CONV_2D`, NHWC.

use core::marker::PhantomData;

use crate::quant::window::{QWindowed, Window2d, WindowGeometry, WindowOp};
use crate::quant::{DoubleRounding, OutputStage, Rounding, Valid};

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
pub trait ConvWeight<const CI: usize, const CO: usize> {
    /// The kernel's height.
    const KH: usize;
    /// The kernel's width.
    const KW: usize;
    /// Fails to evaluate (at compile time) unless the channels and groups
    /// fit the layout.
    const CHECK: ();

    /// Adds kernel tap (`ky`, `kx`) times `pixel + offset` to each output
    /// channel's accumulator, wrapping.
    fn accumulate(&self, ky: usize, kx: usize, pixel: &[i8; CI], offset: i32, acc: &mut [i32; CO]);
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

    #[inline(always)]
    fn accumulate(&self, ky: usize, kx: usize, pixel: &[i8; CI], offset: i32, acc: &mut [i32; CO]) {
        let per_group = outputs_per_group(CI, CO, CPG);
        for (o, (a, filter)) in acc.iter_mut().zip(self).enumerate() {
            let Some(tap) = filter.get(ky).and_then(|row| row.get(kx)) else { continue };
            let inputs = pixel.get(o / per_group * CPG..).unwrap_or(&[]);
            for (&w, &v) in tap.iter().zip(inputs) {
                *a = a.wrapping_add(w as i32 * (v as i32 + offset));
            }
        }
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
    fn apply<'a>(&self, taps: impl Iterator<Item = (usize, usize, &'a [i8; CI])>) -> [i8; CO] {
        let offset = -(self.input_zero_point as i32);
        let mut acc = self.bias;
        for (ky, kx, pixel) in taps {
            self.weight.accumulate(ky, kx, pixel, offset, &mut acc);
        }
        let mut y = [0; CO];
        for (out, (&a, &m)) in y.iter_mut().zip(acc.iter().zip(self.output.multipliers())) {
            *out = self.output.finish_with(R::MODE, a, m);
        }
        y
    }
}
