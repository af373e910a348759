//! [`QWindowed`]: the one int8 layer that slides a window over an NHWC
//! image — convolutions, depthwise convolutions and poolings are it with
//! another [`WindowOp`] — and its geometry, [`Window2d`].

use core::marker::PhantomData;

use crate::layer::SameShape;
use crate::quant::padding::{fits, walk};
use crate::quant::{TflitePadding, Valid};
use crate::{Layer, Module, PerSample};

/// The int8 input type of a convolution or pooling: NHWC without the
/// batch, `H` rows of `W` pixels of `C` channels.
pub(crate) type Image<const H: usize, const W: usize, const C: usize> = [[[i8; C]; W]; H];

/// The geometry of a windowed layer as a type: a `KH`×`KW` window over an
/// `H`×`W` image to an `HO`×`WO` output, strides `SH`, `SW`, padding `P`
/// ([`Valid`] or [`SamePadding`](crate::quant::SamePadding)), dilation 1.
/// The output size is declared and checked (see [`WindowGeometry`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[allow(clippy::type_complexity)] // the shape is the type's parameters
pub struct Window2d<
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize = 1,
    const SW: usize = 1,
    P = Valid,
>(PhantomData<P>);

/// What a layer's constructor checks of its geometry at compile time.
pub trait WindowGeometry {
    /// The window's height.
    const KH: usize;
    /// The window's width.
    const KW: usize;
    /// Fails to evaluate (a compile-time error, when a `const` or `static`
    /// layer is built) unless the declared output size is the one the
    /// window, strides and padding give.
    const CHECK: ();
}

impl<
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize,
    const SW: usize,
    P: TflitePadding,
> WindowGeometry for Window2d<KH, KW, H, W, HO, WO, SH, SW, P>
{
    const KH: usize = KH;
    const KW: usize = KW;
    const CHECK: () = {
        assert!(fits(H, HO, KH, SH, P::SAME), "HO is not the output height of this window, stride and padding");
        assert!(fits(W, WO, KW, SW, P::SAME), "WO is not the output width of this window, stride and padding");
    };
}

/// What a windowed layer computes from one window: `CO` output channels
/// from the taps of `CI`-channel pixels inside the image.
pub trait WindowOp<const CI: usize, const CO: usize> {
    /// One output pixel from its `KH`×`KW` window: each tap's pixel, or
    /// `None` where the tap lies in the padding.
    fn apply<const KH: usize, const KW: usize>(&self, window: &[[Option<&[i8; CI]>; KW]; KH]) -> [i8; CO];
}

/// An int8 layer that applies `Op` to every window of geometry `G` of an
/// NHWC image `[[[i8; CI]; W]; H]`, giving `[[[i8; CO]; WO]; HO]`: the one
/// implementation of [`QConv2d`](crate::quant::QConv2d),
/// [`QDepthwiseConv2d`](crate::quant::QDepthwiseConv2d),
/// [`QMaxPool2d`](crate::quant::QMaxPool2d) and
/// [`QAvgPool2d`](crate::quant::QAvgPool2d), which are aliases of it, and
/// built by their constructors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QWindowed<const CI: usize, const CO: usize, Op, G> {
    op: Op,
    geometry: PhantomData<G>,
}

impl<const CI: usize, const CO: usize, Op, G> QWindowed<CI, CO, Op, G> {
    /// The layer applying `op`; the constructors check the geometry.
    pub(crate) const fn with(op: Op) -> Self {
        QWindowed { op, geometry: PhantomData }
    }

    /// What the layer computes on each window.
    pub(crate) const fn op(&self) -> &Op {
        &self.op
    }
}

impl<const CI: usize, const CO: usize, Op, G> Module for QWindowed<CI, CO, Op, G> {}

/// A batch runs sample by sample.
impl<const CI: usize, const CO: usize, Op, G> PerSample for QWindowed<CI, CO, Op, G> {}

/// Accepts any input [`SameShape`] as `[[[i8; CI]; W]; H]`.
impl<
    const CI: usize,
    const CO: usize,
    Op: WindowOp<CI, CO>,
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize,
    const SW: usize,
    P: TflitePadding,
    X: SameShape<Image<H, W, CI>>,
> Layer<X> for QWindowed<CI, CO, Op, Window2d<KH, KW, H, W, HO, WO, SH, SW, P>>
{
    type Output = Image<HO, WO, CO>;

    fn eval(&self, x: &X) -> Image<HO, WO, CO> {
        let x = x.as_shape();
        let rows = walk(H, HO, KH, SH, P::SAME);
        let columns = walk(W, WO, KW, SW, P::SAME);
        let mut y = [[[0; CO]; WO]; HO];
        for (oy, out_row) in y.iter_mut().enumerate() {
            let in_rows: [_; KH] = core::array::from_fn(|ky| rows.source(oy, ky, H).and_then(|iy| x.get(iy)));
            for (ox, out) in out_row.iter_mut().enumerate() {
                let window: [[_; KW]; KH] = core::array::from_fn(|ky| {
                    core::array::from_fn(|kx| in_rows[ky].and_then(|row| row.get(columns.source(ox, kx, W)?)))
                });
                *out = self.op.apply(&window);
            }
        }
        y
    }
}
