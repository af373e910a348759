//! Post-training quantisation: a trained float model and its
//! [`Calibration`] to the int8 model, whose type the float model's type
//! computes ([`Quantize::Quantized`]), with the quantisation of its input
//! and its output.

use crate::quant::{Calibrate, Calibration, QParams, QuantizeError, Range};
use crate::{Layer, Values};

/// How an int8 tensor's values are ordered against the float tensor they
/// stand for.
///
/// The float layers' images are CHW, the int8 layers' NHWC (TFLite's): an
/// image is the same values in another layout, and [`Flatten`](crate::layers::Flatten)
/// of it gives two different orders — the float vector is the CHW
/// flattening, the int8 one the NHWC flattening. The quantiser carries that
/// through a stack: [`Flatten`](crate::layers::Flatten) on an image leaves
/// [`FlattenedImage`](Order::FlattenedImage), which element-wise layers keep
/// and the next dense layer consumes by permuting its weight's columns to
/// the NHWC order (so the int8 model computes what the float one does, with
/// no transpose at run time); its output is [`Natural`](Order::Natural)
/// again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Order {
    /// The float tensor's values in its order (an image: NHWC for CHW, the
    /// same pixels).
    Natural,
    /// A flattened image: the float vector is the CHW flattening of a
    /// `channels`×`height`×`width` image, the int8 vector its NHWC
    /// flattening, value `(c, y, x)` at `(y·width + x)·channels + c`.
    FlattenedImage {
        /// The image's channels.
        channels: usize,
        /// Its height.
        height: usize,
        /// Its width.
        width: usize,
    },
}

/// What the quantiser knows of the tensor between two layers: its
/// quantisation, the [`Order`] of its values, and the index of the layer
/// that takes it (the layers counted from 0 as they run, through nested
/// stacks; for errors).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Edge {
    /// The tensor's scale and zero point.
    pub params: QParams,
    /// How its int8 values are ordered against the float ones.
    pub order: Order,
    /// The index of the layer that takes it.
    pub layer: usize,
}

/// A float layer, or a stack of them, that converts to an int8 layer: the
/// post-training quantisation of one layer, given the ranges its
/// calibration recorded ([`Calibrate`]).
///
/// | float layer | int8 layer |
/// |---|---|
/// | [`Dense<I, O>`](crate::layers::Dense) | [`QDense<I, O>`](crate::quant::QDense): weights per channel, symmetric; bias int32 |
/// | [`Conv2d`](crate::layers::Conv2d) and [`Conv`](crate::layers::Conv) on images, groups and depthwise (dilation 1, the same padding on both axes) | [`QWindowed`](crate::quant::QWindowed) convolution, OHWI weights with `CPG` channels per group: [`QConv2d`](crate::quant::QConv2d) for `CPG = CI` |
/// | [`MaxPool2d<K, HO, WO>`](crate::layers::MaxPool2d), [`AvgPool2d`](crate::layers::AvgPool2d) | [`QMaxPool2d`](crate::quant::QMaxPool2d), [`QAvgPool2d`](crate::quant::QAvgPool2d), stride `K`, [`Valid`](crate::quant::Valid) |
/// | [`Flatten<N>`](crate::layers::Flatten) of an image | [`Flatten<N>`](crate::layers::Flatten) of the NHWC image, the next dense layer's columns permuted ([`Order`]) |
/// | `Relu` | [`QRelu`](crate::quant::QRelu), fused into the layer before (below) |
/// | the other element-wise activations: `Tanh`, `Sigmoid`, `LeakyRelu`, `Elu`, `Silu`, `Gelu`, `GeluTanh`, `Hardswish`, `Softplus`, `Step`, `Identity` | [`QLookup`](crate::quant::QLookup), the table of the float function |
/// | a tuple | the tuple of its layers' int8 layers |
///
/// A convolution's padding converts only where TFLite's is exactly the
/// same: `Pad<0>` to `VALID`; `Same`, and `Pad<P>` with a `2P + 1` kernel,
/// at stride 1 to `SAME`. Any other padding fails the build (a
/// compile-time assertion in the conversion), as a declared shape that
/// does not fit does.
///
/// ReLU is fused as TFLite fuses it: a dense layer or a convolution
/// followed by a [`Relu`](crate::layers::Relu) takes the ReLU's calibrated
/// output range, `[0, max]`, as its own output range and clamps to it
/// (its negative values saturate at the real 0), so its int8 output spends
/// all 256 steps on the values the ReLU lets through; the ReLU then becomes
/// a [`QRelu`](crate::quant::QRelu), which changes nothing there (and is
/// the exact int8 ReLU elsewhere). A stack passes each layer the next
/// layer's [`fused_range`](Quantize::fused_range), so this is no special
/// case of a tuple's type: every layer still converts to its own int8
/// layer. The other activations are [`QLookup`](crate::quant::QLookup)
/// tables between their input's and their own calibrated quantisation.
pub trait Quantize<X>: Calibrate<X> {
    /// The int8 layer.
    type Quantized;

    /// For an activation that the layer before it can fuse into its output
    /// (ReLU): its calibrated output range, which that layer takes as its
    /// own. `None` (the default) for every other layer; a stack's is its
    /// first layer's.
    fn fused_range(&self, ranges: &Self::Ranges) -> Option<Range> {
        let _ = ranges;
        None
    }

    /// Converts the layer, whose input is `input` and whose calibration
    /// recorded `ranges`; `fused` is the next layer's
    /// [`fused_range`](Quantize::fused_range), if any, which a layer that
    /// requantises its output (dense, convolution) takes as its output
    /// range. Returns the int8 layer and its output's [`Edge`].
    ///
    /// # Errors
    ///
    /// A [`QuantizeError`] at the first layer that cannot be quantised: a
    /// non-finite weight or bias, a range calibration never saw or that
    /// holds a NaN, a scale no multiplier represents.
    fn quantize_layer(
        &self,
        ranges: &Self::Ranges,
        input: Edge,
        fused: Option<Range>,
    ) -> Result<(Self::Quantized, Edge), QuantizeError>;
}

/// An int8 model with the quantisation of its input and its output: what
/// [`quantize`] returns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuantizedNet<Q> {
    /// The int8 model.
    pub model: Q,
    /// The input's quantisation: `input.quantize_array(&x)` (a vector) or
    /// `input.quantize_image(&x)` (a CHW image, to NHWC) gives the int8
    /// model's input.
    pub input: QParams,
    /// The output's quantisation: `output.dequantize_array(&y)` gives the
    /// real values.
    pub output: QParams,
    /// The order of the output's values ([`Order::Natural`] unless the
    /// model ends on a flattened image).
    pub output_order: Order,
}

/// The post-training quantisation of the trained float `model`, from the
/// ranges `calibration` recorded on it ([`calibrate`](crate::quant::calibrate)):
/// the int8 model, per-channel symmetric weights, int32 biases, activations
/// quantised from their calibrated ranges as TFLite's converter does
/// ([`QParams::from_range`]), and the input's and output's quantisation.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::quant::{QDense, QLookup, calibrate, quantize};
///
/// let net: (Dense<2, 3>, Tanh, Dense<3, 1>) = (
///     Dense::from_weights([[1.0, -0.5], [0.25, 0.75], [-1.0, 1.0]], [0.1, 0.0, -0.1]),
///     Tanh,
///     Dense::from_weights([[0.5, -1.0, 0.75]], [0.2]),
/// );
/// let inputs: Vec<[f32; 2]> = (0..100).map(|k| [k as f32 / 99.0, 1.0 - k as f32 / 49.5]).collect();
/// let q = quantize(&net, &calibrate(&net, &inputs))?;
/// let _: &(QDense<2, 3>, QLookup, QDense<3, 1>) = &q.model; // the type follows the float model's
///
/// let mut worst = 0.0_f32;
/// for x in &inputs {
///     let [y] = net.forward(x);
///     let [y8] = q.output.dequantize_array(&q.model.forward(&q.input.quantize_array(x)));
///     worst = worst.max((y - y8).abs());
/// }
/// assert!(worst < 0.03);
/// # Ok::<(), constnet::quant::QuantizeError>(())
/// ```
///
/// # Errors
///
/// As [`Quantize::quantize_layer`], and for the input's range as
/// [`QParams::from_range`] (at layer 0).
pub fn quantize<X, M>(
    model: &M,
    calibration: &Calibration<X, M::Ranges>,
) -> Result<QuantizedNet<M::Quantized>, QuantizeError>
where
    X: Values<Scalar = f32>,
    M: Quantize<X>,
{
    let input = QParams::from_range(calibration.input)?;
    let (quantized, output) =
        model.quantize_layer(&calibration.layers, Edge { params: input, order: Order::Natural, layer: 0 }, None)?;
    Ok(QuantizedNet { model: quantized, input, output: output.params, output_order: output.order })
}

/// `Quantize` for a tuple: each layer converted in turn, its output edge
/// the next one's input, and the next layer's fused range its `fused`.
macro_rules! quantize_tuple {
    ($X:ident; $($L:ident $i:tt $q:ident $In:ty),+) => {
        impl<$X, $($L),+> Quantize<$X> for ($($L,)+)
        where
            $($L: Quantize<$In>,)+
        {
            type Quantized = ($($L::Quantized,)+);

            fn fused_range(&self, ranges: &Self::Ranges) -> Option<Range> {
                self.0.fused_range(&ranges.0)
            }

            fn quantize_layer(
                &self,
                ranges: &Self::Ranges,
                input: Edge,
                fused: Option<Range>,
            ) -> Result<(Self::Quantized, Edge), QuantizeError> {
                let edge = input;
                quantize_chain!(self, ranges, edge, fused; []; $(($i $q))+)
            }
        }
    };
}

/// The body of a tuple's `quantize_layer`: each layer with the next one's
/// fused range (the last with the tuple's `fused`), then the tuple of
/// int8 layers.
macro_rules! quantize_chain {
    ($s:ident, $r:ident, $edge:ident, $fused:ident; [$($done:ident)*]; ($i:tt $q:ident) ($j:tt $qj:ident) $($rest:tt)*) => {{
        let ($q, $edge) = $s.$i.quantize_layer(&$r.$i, $edge, $s.$j.fused_range(&$r.$j))?;
        quantize_chain!($s, $r, $edge, $fused; [$($done)* $q]; ($j $qj) $($rest)*)
    }};
    ($s:ident, $r:ident, $edge:ident, $fused:ident; [$($done:ident)*]; ($i:tt $q:ident)) => {{
        let ($q, $edge) = $s.$i.quantize_layer(&$r.$i, $edge, $fused)?;
        Ok((($($done,)* $q,), $edge))
    }};
}

/// Walks the layers, one `quantize_tuple!` per tuple length.
macro_rules! quantize_tuples {
    ([$($done:tt)*] $prev:ty; ($L:ident $i:tt $q:ident) $($rest:tt)*) => {
        quantize_tuple!(X; $($done)* $L $i $q $prev);
        quantize_tuples!([$($done)* $L $i $q $prev,] <$L as Layer<$prev>>::Output; $($rest)*);
    };
    ([$($done:tt)*] $prev:ty;) => {};
}

quantize_tuples! {
    [] X;
    (L0 0 q0) (L1 1 q1) (L2 2 q2) (L3 3 q3) (L4 4 q4) (L5 5 q5) (L6 6 q6) (L7 7 q7)
    (L8 8 q8) (L9 9 q9) (L10 10 q10) (L11 11 q11) (L12 12 q12) (L13 13 q13) (L14 14 q14) (L15 15 q15)
}
