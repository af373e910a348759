//! How a convolution's kernel walks its input: padding kinds, and the
//! stride, dilation and declared output size of each axis as marker types.

use core::marker::PhantomData;

/// How much zero padding an axis gets, for a kernel whose taps span
/// `extent = D·(K − 1)` positions beyond the first. The methods are `const
/// fn`s so the compile-time shape checks can use them (trait methods cannot
/// be `const` on stable Rust, hence an enum behind [`Padding`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PadSpec {
    /// `p` zeros on both sides (PyTorch's `padding=p`).
    Both(usize),
    /// PyTorch's `padding='same'` (stride 1): `extent` zeros in all, the
    /// odd one after, so the output has the input's length.
    Same,
    /// All `extent` zeros before: output `t` sees inputs up to `t` only.
    Causal,
}

impl PadSpec {
    /// Zeros before the first input.
    pub const fn before(self, extent: usize) -> usize {
        match self {
            PadSpec::Both(p) => p,
            PadSpec::Same => extent / 2,
            PadSpec::Causal => extent,
        }
    }

    /// Zeros after the last input.
    pub const fn after(self, extent: usize) -> usize {
        match self {
            PadSpec::Both(p) => p,
            PadSpec::Same => extent - extent / 2,
            PadSpec::Causal => 0,
        }
    }
}

/// A padding kind as a type, for the geometry markers: [`Pad<P>`], [`Same`]
/// or [`CausalPad`].
pub trait Padding {
    /// What the padding is.
    const SPEC: PadSpec;
}

/// `P` zeros on both sides of the axis (PyTorch's `padding=P`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Pad<const P: usize>;

impl<const P: usize> Padding for Pad<P> {
    const SPEC: PadSpec = PadSpec::Both(P);
}

/// PyTorch's `padding='same'`: the output as long as the input (stride 1);
/// for an even kernel the extra zero goes after (right, bottom), as in
/// PyTorch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Same;

impl Padding for Same {
    const SPEC: PadSpec = PadSpec::Same;
}

/// Causal padding: all `D·(K − 1)` zeros before the first input, so output
/// `t` depends on inputs `0..=t` only and the layer can run one frame at a
/// time ([`Conv::step`](crate::layers::Conv::step)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CausalPad;

impl Padding for CausalPad {
    const SPEC: PadSpec = PadSpec::Causal;
}

/// The geometry of a 1-D convolution: `LO` outputs (declared, checked at
/// compile time against the input length), stride `S`, dilation `D` and
/// padding `P`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Geometry1d<const LO: usize, const S: usize = 1, const D: usize = 1, P = Pad<0>>(PhantomData<P>);

/// The geometry of a 2-D convolution: `HO`×`WO` outputs (declared, checked
/// at compile time against the input), strides `SH`, `SW`, dilations `DH`,
/// `DW` and paddings `PH`, `PW` per axis (height, then width).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[allow(clippy::type_complexity)] // the marker is its parameters
pub struct Geometry2d<
    const HO: usize,
    const WO: usize,
    const SH: usize = 1,
    const SW: usize = 1,
    const DH: usize = 1,
    const DW: usize = 1,
    PH = Pad<0>,
    PW = Pad<0>,
>(PhantomData<(PH, PW)>);

/// One axis's walk at run time: output `i`, tap `k` reads input
/// `i·stride + k·dilation − before`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Axis {
    pub(crate) stride: usize,
    pub(crate) dilation: usize,
    pub(crate) before: usize,
}

impl Axis {
    /// The axis of a 1-D layer's single row: one input row per output row.
    pub(crate) const UNIT: Axis = Axis { stride: 1, dilation: 1, before: 0 };

    /// The axis for stride `s`, dilation `d`, padding `spec` and a kernel of
    /// `k` taps.
    pub(crate) const fn new(s: usize, d: usize, spec: PadSpec, k: usize) -> Axis {
        Axis { stride: s, dilation: d, before: spec.before(d * (k - 1)) }
    }

    /// The input position under tap `k` of output `i`, or `None` in the
    /// padding of an axis of `len` inputs.
    #[inline(always)]
    pub(crate) fn source(self, i: usize, k: usize, len: usize) -> Option<usize> {
        (i * self.stride + k * self.dilation).checked_sub(self.before).filter(|&t| t < len)
    }

    /// The input position that tap `k` of a *transposed* convolution carries
    /// to output `t` (`t = i·stride + k·dilation − before` solved for `i`),
    /// or `None` if no input of the `len` lands there.
    #[inline(always)]
    pub(crate) fn transposed_source(self, t: usize, k: usize, len: usize) -> Option<usize> {
        let shifted = (t + self.before).checked_sub(k * self.dilation)?;
        (shifted % self.stride == 0).then_some(shifted / self.stride).filter(|&i| i < len)
    }
}

/// Whether `out` is the output size of a convolution of `len` inputs with
/// `k` taps, stride `s`, dilation `d` and padding `spec`:
/// `(len + before + after − d·(k − 1) − 1)/s + 1`. For the compile-time
/// checks.
pub(crate) const fn conv_fits(len: usize, out: usize, (k, s, d): (usize, usize, usize), spec: PadSpec) -> bool {
    let extent = d * (k - 1);
    let padded = len + spec.before(extent) + spec.after(extent);
    k >= 1 && s >= 1 && d >= 1 && padded > extent && (padded - extent - 1) / s + 1 == out
}

/// Whether `out` is an output size of a transposed convolution of `len`
/// inputs: `(len − 1)·s − 2·p + d·(k − 1) + 1 + output_padding` with
/// `0 ≤ output_padding < max(s, d)` (PyTorch's rule), padding `Pad<p>` only.
pub(crate) const fn transposed_fits(len: usize, out: usize, (k, s, d): (usize, usize, usize), spec: PadSpec) -> bool {
    let PadSpec::Both(p) = spec else { return false };
    if k == 0 || s == 0 || d == 0 || len == 0 {
        return false;
    }
    let full = (len - 1) * s + d * (k - 1) + 1;
    let largest = if s > d { s } else { d };
    full > 2 * p && out >= full - 2 * p && out - (full - 2 * p) < largest
}
