//! Calibration: a float model run over sample inputs, recording the range
//! of its input and of every layer's output ([`Range`]s, in storage whose
//! type the model's type computes, [`Calibrate::Ranges`]) — what
//! TensorFlow Lite's converter does with a representative data set before
//! it quantises the activations.

use core::marker::PhantomData;

use crate::{Layer, Values};

/// The smallest and largest value seen, NaN-sticky: once a NaN is seen,
/// both bounds are NaN, so quantising from the range fails instead of
/// silently ignoring it.
///
/// ```
/// use constnet::quant::Range;
///
/// let mut r = Range::EMPTY;
/// assert!(r.is_empty());
/// for v in [0.5, -2.0, 3.0] {
///     r.observe(v);
/// }
/// assert_eq!((r.min(), r.max()), (-2.0, 3.0));
/// r.observe(f32::NAN);
/// r.observe(1.0);
/// assert!(r.min().is_nan() && r.max().is_nan());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    min: f32,
    max: f32,
}

impl Range {
    /// No value seen yet (`min = +∞`, `max = −∞`).
    pub const EMPTY: Range = Range { min: f32::INFINITY, max: f32::NEG_INFINITY };

    /// The range `min..=max` (as given, for tests and hand-set ranges).
    pub const fn new(min: f32, max: f32) -> Range {
        Range { min, max }
    }

    /// Widens the range to include `v`; a NaN makes both bounds NaN for good.
    #[inline]
    pub fn observe(&mut self, v: f32) {
        if v.is_nan() || self.min.is_nan() {
            *self = Range { min: f32::NAN, max: f32::NAN };
        } else {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
    }

    /// Widens the range to include every value of `x`, a tensor of any shape.
    pub fn observe_all<X: Values<Scalar = f32>>(&mut self, x: &X) {
        x.for_each(&mut |v| self.observe(v));
    }

    /// Whether no value has been seen.
    pub fn is_empty(&self) -> bool {
        self.min > self.max
    }

    /// The smallest value seen (`+∞` if none, NaN if a NaN was seen).
    pub const fn min(&self) -> f32 {
        self.min
    }

    /// The largest value seen (`−∞` if none, NaN if a NaN was seen).
    pub const fn max(&self) -> f32 {
        self.max
    }
}

/// A float layer, or a stack of them, that records the ranges the
/// quantiser needs while it runs on input `X`.
///
/// A layer whose int8 form requantises its output (dense, convolution,
/// element-wise activation) records its output's [`Range`]; one whose int8
/// output keeps its input's scale and zero point, as TFLite requires (max
/// and average pooling, flatten), records nothing (`()`); a tuple records
/// the tuple of its layers' ranges. So the storage is a plain value whose
/// type the model's type computes: no heap, and its size known at compile
/// time.
pub trait Calibrate<X>: Layer<X> {
    /// What the layer records.
    type Ranges: Copy;
    /// Nothing recorded yet.
    const UNSEEN: Self::Ranges;

    /// Inference ([`Layer::eval`]) that also widens `ranges` to include
    /// what the layer computes.
    fn observe(&self, x: &X, ranges: &mut Self::Ranges) -> Self::Output;
}

/// What calibration of a model on inputs `X` recorded: the ranges of the
/// model's input and of its layers' outputs, over
/// [`samples`](Calibration::samples) inputs. [`quantize`](crate::quant::quantize)
/// takes it (the input type `X` is kept so that it knows which float
/// model's conversion to run).
pub struct Calibration<X, R> {
    /// The range of the model's input.
    pub input: Range,
    /// The ranges the layers recorded ([`Calibrate::Ranges`]).
    pub layers: R,
    /// How many inputs were run.
    pub samples: usize,
    input_type: PhantomData<fn(&X)>,
}

impl<X: Values<Scalar = f32>, R> Calibration<X, R> {
    /// Nothing seen yet, for a model `M` on inputs `X` (then
    /// [`observe`](Calibration::observe) each input).
    pub fn new<M: Calibrate<X, Ranges = R>>(_model: &M) -> Self {
        Calibration { input: Range::EMPTY, layers: M::UNSEEN, samples: 0, input_type: PhantomData }
    }

    /// Runs `model` on `x`, widening the ranges; returns the model's output.
    pub fn observe<M: Calibrate<X, Ranges = R>>(&mut self, model: &M, x: &X) -> M::Output {
        self.input.observe_all(x);
        self.samples += 1;
        model.observe(x, &mut self.layers)
    }
}

impl<X, R: Clone> Clone for Calibration<X, R> {
    fn clone(&self) -> Self {
        Calibration { input: self.input, layers: self.layers.clone(), samples: self.samples, input_type: PhantomData }
    }
}

impl<X, R: Copy> Copy for Calibration<X, R> {}

impl<X, R: core::fmt::Debug> core::fmt::Debug for Calibration<X, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Calibration")
            .field("input", &self.input)
            .field("layers", &self.layers)
            .field("samples", &self.samples)
            .finish()
    }
}

/// Runs the float `model` over the calibration inputs `samples` (any
/// iterator of references — a slice, or indices into a data set mapped to
/// their samples; nothing is collected) and returns the ranges seen.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::quant::{Range, calibrate};
///
/// let net = (Dense::from_weights([[1.0, -1.0]], [0.0]), Relu);
/// let inputs = [[1.0, 0.0], [0.0, 2.0], [0.5, 0.5]];
/// let seen = calibrate(&net, &inputs);
/// assert_eq!(seen.input, Range::new(0.0, 2.0));
/// assert_eq!(seen.layers, (Range::new(-2.0, 1.0), Range::new(0.0, 1.0))); // Dense, then Relu
/// assert_eq!(seen.samples, 3);
/// ```
pub fn calibrate<'a, X, M>(model: &M, samples: impl IntoIterator<Item = &'a X>) -> Calibration<X, M::Ranges>
where
    X: Values<Scalar = f32> + 'a,
    M: Calibrate<X>,
{
    let mut calibration = Calibration::new(model);
    for x in samples {
        calibration.observe(model, x);
    }
    calibration
}

/// `Calibrate` for a tuple: each layer observes the previous one's output.
macro_rules! calibrate_tuple {
    ($X:ident; $($L:ident $i:tt $In:ty),+) => {
        impl<$X, $($L),+> Calibrate<$X> for ($($L,)+)
        where
            $($L: Calibrate<$In>,)+
        {
            type Ranges = ($($L::Ranges,)+);
            const UNSEEN: Self::Ranges = ($($L::UNSEEN,)+);

            fn observe(&self, x: &$X, ranges: &mut Self::Ranges) -> Self::Output {
                calibrate_chain!(self, ranges, x; $($i)+)
            }
        }
    };
}

/// Each layer's `observe` on the previous one's output, in nested blocks
/// (as the stacks' `eval`: a value dies once the next layer has read it).
macro_rules! calibrate_chain {
    ($s:ident, $r:ident, $acc:expr; $i:tt) => { $s.$i.observe($acc, &mut $r.$i) };
    ($s:ident, $r:ident, $acc:expr; $i:tt $($rest:tt)+) => {
        { let y = $s.$i.observe($acc, &mut $r.$i); calibrate_chain!($s, $r, &y; $($rest)+) }
    };
}

/// Walks the layers, one `calibrate_tuple!` per tuple length.
macro_rules! calibrate_tuples {
    ([$($done:tt)*] $prev:ty; ($L:ident $i:tt) $($rest:tt)*) => {
        calibrate_tuple!(X; $($done)* $L $i $prev);
        calibrate_tuples!([$($done)* $L $i $prev,] <$L as Layer<$prev>>::Output; $($rest)*);
    };
    ([$($done:tt)*] $prev:ty;) => {};
}

calibrate_tuples! {
    [] X;
    (L0 0) (L1 1) (L2 2) (L3 3) (L4 4) (L5 5) (L6 6) (L7 7)
    (L8 8) (L9 9) (L10 10) (L11 11) (L12 12) (L13 13) (L14 14) (L15 15)
}
