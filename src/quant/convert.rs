//! [`Calibrate`] and [`Quantize`] for the float layers: dense layers,
//! convolutions, poolings, flatten and the element-wise activations (see
//! [`Quantize`] for what each becomes).

use crate::layers::{
    AvgPool2d, Conv, Dense, Elu, Flatten, Gelu, GeluTanh, Geometry2d, Hardswish, Identity, LeakyRelu, MaxPool2d, Pad,
    Padding, Relu, Same, Sigmoid, Silu, Softplus, Step, Tanh,
};
use crate::quant::window::QWindowed;
use crate::quant::{
    Activation, Calibrate, Clamp, Convolution, Edge, Multiplier, Order, OutputStage, QAvgPool2d, QDense, QLookup,
    QMaxPool2d, QParams, QRelu, Quantize, QuantizeError, QuantizeErrorKind, Range, SamePadding, TflitePadding, Valid,
    Window2d,
};
use crate::quant::{quantize_bias, quantize_weight, symmetric_scale};
use crate::{Layer, Values};

/// The output's quantisation from its calibrated range, errors at `layer`.
fn output_params(range: &Range, layer: usize) -> Result<QParams, QuantizeError> {
    QParams::from_range(*range).map_err(|e| e.at(layer))
}

/// The output quantisation and clamp of a layer that requantises: from its
/// own calibrated range, or from the range of the ReLU fused into it
/// (TFLite's `CalculateActivationRangeQuantized` clamp from its zero point).
fn output_of(range: &Range, fused: Option<Range>, layer: usize) -> Result<(QParams, Clamp), QuantizeError> {
    match fused {
        None => Ok((output_params(range, layer)?, Clamp::FULL)),
        Some(relu) => {
            let params = output_params(&relu, layer)?;
            Ok((params, Clamp::fused(Activation::Relu, params.scale(), params.zero_point())))
        }
    }
}

/// The multipliers and int32 biases of `O` channels with weight scales
/// `scales`, between `input` and `output` (clamped to `clamp`).
fn channels<const O: usize>(
    bias: &[f32; O],
    scales: &[f32; O],
    input: QParams,
    (output, clamp): (QParams, Clamp),
    layer: usize,
) -> Result<([i32; O], OutputStage<O>), QuantizeError> {
    let mut q = [0; O];
    for ((slot, &b), &s) in q.iter_mut().zip(bias).zip(scales) {
        *slot = quantize_bias(b, input.scale(), s).map_err(|e| e.at(layer))?;
    }
    let multipliers = Multiplier::per_channel(input.scale(), scales, output.scale())
        .map_err(|e| QuantizeError::new(layer, QuantizeErrorKind::Scale(e)))?;
    Ok((q, OutputStage::per_channel(multipliers, output.zero_point(), clamp)))
}

/// Records the output's range.
impl<const I: usize, const O: usize> Calibrate<[f32; I]> for Dense<I, O, f32> {
    type Ranges = Range;
    const UNSEEN: Range = Range::EMPTY;

    fn observe(&self, x: &[f32; I], ranges: &mut Range) -> [f32; O] {
        let y = self.eval(x);
        ranges.observe_all(&y);
        y
    }
}

/// To [`QDense`]: each output channel's weights symmetric at
/// `max|w|/127` ([`symmetric_scale`]), its bias at
/// `input_scale · weight_scale` ([`quantize_bias`]), its multiplier
/// `input_scale · weight_scale / output_scale`. After a flattened image
/// ([`Order::FlattenedImage`]) the columns are permuted from the CHW
/// flattening to the NHWC one.
impl<const I: usize, const O: usize> Quantize<[f32; I]> for Dense<I, O, f32> {
    type Quantized = QDense<I, O>;

    fn quantize_layer(
        &self,
        ranges: &Range,
        input: Edge,
        fused: Option<Range>,
    ) -> Result<(QDense<I, O>, Edge), QuantizeError> {
        let layer = input.layer;
        let (output, clamp) = output_of(ranges, fused, layer)?;
        // Int8 column k reads float column source[k].
        let mut source = [0; I];
        match input.order {
            Order::Natural => source.iter_mut().enumerate().for_each(|(k, s)| *s = k),
            Order::FlattenedImage { channels, height, width } => {
                if channels == 0 || channels * height * width != I {
                    return Err(QuantizeError::new(layer, QuantizeErrorKind::OrderMismatch));
                }
                // k = (y·width + x)·channels + c ← c·height·width + (y·width + x).
                source.iter_mut().enumerate().for_each(|(k, s)| *s = k % channels * height * width + k / channels);
            }
        }
        let weight = self.weight();
        let mut q = [[0; I]; O];
        let mut scales = [0.0; O];
        for ((row, q_row), scale) in weight.iter().zip(q.iter_mut()).zip(scales.iter_mut()) {
            *scale = symmetric_scale(row.iter().copied()).map_err(|e| e.at(layer))?;
            for (slot, &from) in q_row.iter_mut().zip(&source) {
                *slot = quantize_weight(row.get(from).copied().unwrap_or(0.0), *scale);
            }
        }
        let (bias, stage) = channels(self.bias(), &scales, input.params, (output, clamp), layer)?;
        let dense = QDense::new(q, bias, input.params.zero_point(), stage);
        Ok((dense, Edge { params: output, order: Order::Natural, layer: layer + 1 }))
    }
}

/// A float padding that has an exactly equivalent TFLite padding for some
/// kernels and strides (see [`Quantize`]): `Pad<0>` (`VALID`), `Pad<1>` to
/// `Pad<7>` and `Same` (`SAME`).
pub trait TflitePaddingOf: Padding {
    /// The TFLite padding.
    type Tflite: TflitePadding;
    /// `Some(p)` for `p` zeros on each side, `None` for `Same`.
    const ZEROS: Option<usize>;
}

/// Whether the float padding `zeros` ([`TflitePaddingOf::ZEROS`]) is
/// exactly its TFLite padding for a `k`-tap kernel at stride `s`
/// (dilation 1): no zeros is `VALID` always; `p` zeros on each side is
/// `SAME` at stride 1 for `k = 2p + 1`; PyTorch's `same` (`k − 1` zeros,
/// the smaller half before) is `SAME` at stride 1.
const fn exact(zeros: Option<usize>, k: usize, s: usize) -> bool {
    match zeros {
        Some(0) => true,
        Some(p) => s == 1 && k == 2 * p + 1,
        None => s == 1,
    }
}

impl TflitePaddingOf for Pad<0> {
    type Tflite = Valid;
    const ZEROS: Option<usize> = Some(0);
}

impl TflitePaddingOf for Same {
    type Tflite = SamePadding;
    const ZEROS: Option<usize> = None;
}

macro_rules! symmetric_pads {
    ($($p:literal)+) => {$(
        impl TflitePaddingOf for Pad<$p> {
            type Tflite = SamePadding;
            const ZEROS: Option<usize> = Some($p);
        }
    )+};
}

symmetric_pads!(1 2 3 4 5 6 7);

/// The int8 form of a float 2-D convolution: OHWI weights with `CPG`
/// input channels per group, TFLite's padding for `P`.
#[allow(clippy::type_complexity)]
pub type QuantizedConv<
    const CI: usize,
    const CO: usize,
    const CPG: usize,
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize,
    const SW: usize,
    P,
> = QWindowed<
    CI,
    CO,
    Convolution<CO, [[[[i8; CPG]; KW]; KH]; CO]>,
    Window2d<KH, KW, H, W, HO, WO, SH, SW, <P as TflitePaddingOf>::Tflite>,
>;

/// Records the output's range.
impl<
    const CI: usize,
    const CO: usize,
    const CPG: usize,
    const KH: usize,
    const KW: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize,
    const SW: usize,
    const H: usize,
    const W: usize,
    P: TflitePaddingOf,
> Calibrate<[[[f32; W]; H]; CI]> for Conv<CI, CO, CPG, [[f32; KW]; KH], Geometry2d<HO, WO, SH, SW, 1, 1, P, P>, f32>
{
    type Ranges = Range;
    const UNSEEN: Range = Range::EMPTY;

    fn observe(&self, x: &[[[f32; W]; H]; CI], ranges: &mut Range) -> [[[f32; WO]; HO]; CO] {
        let y = self.eval(x);
        ranges.observe_all(&y);
        y
    }
}

/// To the int8 convolution on NHWC images ([`QuantizedConv`]; for
/// `CPG = CI` that is [`QConv2d`](crate::quant::QConv2d), for `CPG = 1` the
/// arithmetic of [`QDepthwiseConv2d`](crate::quant::QDepthwiseConv2d) in the
/// grouped layout): weights `[CO][CPG][KH][KW]` to OHWI, per channel
/// symmetric, biases and multipliers as [`Dense`]'s.
impl<
    const CI: usize,
    const CO: usize,
    const CPG: usize,
    const KH: usize,
    const KW: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize,
    const SW: usize,
    const H: usize,
    const W: usize,
    P: TflitePaddingOf,
> Quantize<[[[f32; W]; H]; CI]> for Conv<CI, CO, CPG, [[f32; KW]; KH], Geometry2d<HO, WO, SH, SW, 1, 1, P, P>, f32>
{
    type Quantized = QuantizedConv<CI, CO, CPG, KH, KW, H, W, HO, WO, SH, SW, P>;

    fn quantize_layer(
        &self,
        ranges: &Range,
        input: Edge,
        fused: Option<Range>,
    ) -> Result<(Self::Quantized, Edge), QuantizeError> {
        const {
            assert!(
                exact(P::ZEROS, KH, SH) && exact(P::ZEROS, KW, SW),
                "quantize: this convolution's padding has no exactly equivalent TFLite padding (Pad<0> is VALID; \
                 Same, and Pad<P> with a 2P + 1 kernel, are SAME at stride 1)"
            )
        };
        let layer = input.layer;
        let (output, clamp) = output_of(ranges, fused, layer)?;
        let mut q = [[[[0; CPG]; KW]; KH]; CO];
        let mut scales = [0.0; CO];
        for ((filter, q_filter), scale) in self.weight().iter().zip(q.iter_mut()).zip(scales.iter_mut()) {
            // filter: [CPG][KH][KW]; q_filter: [KH][KW][CPG].
            *scale = symmetric_scale(filter.as_flattened().as_flattened().iter().copied()).map_err(|e| e.at(layer))?;
            for (c, kernel) in filter.iter().enumerate() {
                for (row, q_row) in kernel.iter().zip(q_filter.iter_mut()) {
                    for (&w, q_tap) in row.iter().zip(q_row.iter_mut()) {
                        if let Some(slot) = q_tap.get_mut(c) {
                            *slot = quantize_weight(w, *scale);
                        }
                    }
                }
            }
        }
        let (bias, stage) = channels(self.bias(), &scales, input.params, (output, clamp), layer)?;
        let conv = QWindowed::<CI, CO, Convolution<CO, _>, _>::new(q, bias, input.params.zero_point(), stage);
        Ok((conv, Edge { params: output, order: Order::Natural, layer: layer + 1 }))
    }
}

/// The poolings and flatten keep their input's quantisation (TFLite's
/// int8 `MAX_POOL_2D`, `AVERAGE_POOL_2D` and `RESHAPE` require it), so
/// they record nothing.
macro_rules! pooling {
    ($float:ident, $int8:ident, $what:literal) => {
        #[doc = concat!("Records nothing: ", $what, " keeps its input's quantisation.")]
        impl<const K: usize, const HO: usize, const WO: usize, const C: usize, const H: usize, const W: usize>
            Calibrate<[[[f32; W]; H]; C]> for $float<K, HO, WO>
        {
            type Ranges = ();
            const UNSEEN: () = ();

            fn observe(&self, x: &[[[f32; W]; H]; C], _: &mut ()) -> [[[f32; WO]; HO]; C] {
                self.eval(x)
            }
        }

        #[doc = concat!("To [`", stringify!($int8), "`]: stride `K`, `VALID` (floor mode), the input's quantisation.")]
        impl<const K: usize, const HO: usize, const WO: usize, const C: usize, const H: usize, const W: usize>
            Quantize<[[[f32; W]; H]; C]> for $float<K, HO, WO>
        {
            type Quantized = $int8<C, K, K, H, W, HO, WO>;

            fn quantize_layer(
                &self,
                _: &(),
                input: Edge,
                _: Option<Range>,
            ) -> Result<(Self::Quantized, Edge), QuantizeError> {
                Ok(($int8::new(Clamp::FULL), Edge { layer: input.layer + 1, ..input }))
            }
        }
    };
}

pooling!(MaxPool2d, QMaxPool2d, "max pooling");
pooling!(AvgPool2d, QAvgPool2d, "average pooling");

/// Records nothing: flatten keeps its input's quantisation.
impl<const N: usize, const C: usize, const H: usize, const W: usize> Calibrate<[[[f32; W]; H]; C]> for Flatten<N> {
    type Ranges = ();
    const UNSEEN: () = ();

    fn observe(&self, x: &[[[f32; W]; H]; C], _: &mut ()) -> [f32; N] {
        self.eval(x)
    }
}

/// To the int8 [`Flatten`] of the NHWC image: the same `N` values in the
/// NHWC order, [`Order::FlattenedImage`], which the next dense layer's
/// conversion undoes in its weight.
impl<const N: usize, const C: usize, const H: usize, const W: usize> Quantize<[[[f32; W]; H]; C]> for Flatten<N> {
    type Quantized = Flatten<N>;

    fn quantize_layer(&self, _: &(), input: Edge, _: Option<Range>) -> Result<(Flatten<N>, Edge), QuantizeError> {
        let order = Order::FlattenedImage { channels: C, height: H, width: W };
        Ok((Flatten, Edge { order, layer: input.layer + 1, ..input }))
    }
}

/// `Calibrate` and `Quantize` (to a [`QLookup`]) for element-wise layers
/// on `f32` values of any shape.
macro_rules! elementwise {
    ($($ty:ty),+) => {$(
        /// Records the output's range.
        impl<X: Values<Scalar = f32>> Calibrate<X> for $ty
        where
            Self: Layer<X, Output = X> + Layer<[f32; 1], Output = [f32; 1]>,
        {
            type Ranges = Range;
            const UNSEEN: Range = Range::EMPTY;

            fn observe(&self, x: &X, ranges: &mut Range) -> X {
                let y = Layer::<X>::eval(self, x);
                ranges.observe_all(&y);
                y
            }
        }

        /// To a [`QLookup`] of the float function, from the input's
        /// quantisation to the output's calibrated one.
        impl<X: Values<Scalar = f32>> Quantize<X> for $ty
        where
            Self: Layer<X, Output = X> + Layer<[f32; 1], Output = [f32; 1]>,
        {
            type Quantized = QLookup;

            fn quantize_layer(
                &self,
                ranges: &Range,
                input: Edge,
                _: Option<Range>,
            ) -> Result<(QLookup, Edge), QuantizeError> {
                let output = output_params(ranges, input.layer)?;
                let lookup = QLookup::from_fn(input.params, output, |v| Layer::<[f32; 1]>::eval(self, &[v])[0])
                    .map_err(|e| e.at(input.layer))?;
                Ok((lookup, Edge { params: output, order: input.order, layer: input.layer + 1 }))
            }
        }
    )+};
}

/// Records the output's range (for the layer before, which takes it).
impl<X: Values<Scalar = f32>> Calibrate<X> for Relu
where
    Self: Layer<X, Output = X>,
{
    type Ranges = Range;
    const UNSEEN: Range = Range::EMPTY;

    fn observe(&self, x: &X, ranges: &mut Range) -> X {
        let y = Layer::<X>::eval(self, x);
        ranges.observe_all(&y);
        y
    }
}

/// To a [`QRelu`] at its input's quantisation, fused into the layer before
/// when that one requantises (see [`Quantize`]).
impl<X: Values<Scalar = f32>> Quantize<X> for Relu
where
    Self: Layer<X, Output = X>,
{
    type Quantized = QRelu;

    fn fused_range(&self, ranges: &Range) -> Option<Range> {
        Some(*ranges)
    }

    fn quantize_layer(&self, _: &Range, input: Edge, _: Option<Range>) -> Result<(QRelu, Edge), QuantizeError> {
        Ok((QRelu::new(input.params.zero_point()), Edge { layer: input.layer + 1, ..input }))
    }
}

elementwise!(
    Tanh,
    Sigmoid,
    Identity,
    LeakyRelu<f32>,
    Step<f32>,
    Elu<f32>,
    Silu,
    Gelu,
    GeluTanh,
    Hardswish,
    Softplus<f32>
);
