//! [`ConvTranspose`]: the transposed convolution (PyTorch's
//! `ConvTranspose1d` / `ConvTranspose2d`), for decoders and upsampling.

use core::marker::PhantomData;

use super::convolution_parts;
use super::geometry::{Axis, Geometry1d, Geometry2d, Pad, Padding, transposed_fits};
use super::layer::{groups_fit, rank_impls};
use super::plane::{self, Groups};
use crate::layer::SameShape;
use crate::{Backprop, Float, Layer, Mode, Shape, Values};
use core::fmt;

use crate::model::write_array;

/// A transposed convolution from `CI` to `CO` channels with `OPG` output
/// channels per group, kernel `Taps` (`[F; K]` or `[[F; KW]; KH]`) and
/// geometry `Geo` ([`Geometry1d`] or [`Geometry2d`] with [`Pad<P>`]
/// paddings): the gradient of a [`Conv`](super::Conv) with respect to its
/// input, used to upsample. Weight `[CI][OPG][K…]`, PyTorch's layout.
///
/// Output `y[o][r][t]` is its bias plus, for each input channel `c` of its
/// group, kernel row `p` and column `q` in increasing order,
/// `w[c][o mod OPG][p][q]·x[c][i][j]` over the inputs with `r = i·SH +
/// p·DH − PH` and `t = j·SW + q·DW − PW`. Each output is gathered as one
/// fixed sum (no scatter), so the bits are the same on every target.
///
/// The output size is declared and checked at compile time: for an input
/// of `H` it must be `(H − 1)·SH − 2·PH + DH·(KH − 1) + 1 + output_padding`
/// with `0 ≤ output_padding < max(SH, DH)`, PyTorch's rule; the output
/// padding is whatever the declared size leaves over.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::ConvTranspose1d;
///
/// // Kernel 2, stride 2: every input becomes two outputs.
/// let up: ConvTranspose1d<1, 1, 2, 6, 2> = ConvTranspose1d::from_weights([[[1.0, 0.5]]], [0.0]);
/// assert_eq!(up.forward(&[[1.0, 2.0, 4.0]]), [[1.0, 0.5, 2.0, 1.0, 4.0, 2.0]]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ConvTranspose<const CI: usize, const CO: usize, const OPG: usize, Taps, Geo, F = f32> {
    weight: [[Taps; OPG]; CI],
    bias: [F; CO],
    geometry: PhantomData<Geo>,
}

/// A 1-D transposed convolution, `groups = 1`: kernel `K`, stride `S`,
/// padding `P`, declared to produce `LO` positions (see [`ConvTranspose`]).
pub type ConvTranspose1d<
    const CI: usize,
    const CO: usize,
    const K: usize,
    const LO: usize,
    const S: usize = 1,
    const P: usize = 0,
    F = f32,
> = ConvTranspose<CI, CO, CO, [F; K], Geometry1d<LO, S, 1, Pad<P>>, F>;

/// A 2-D transposed convolution, `groups = 1`: a `K`×`K` kernel, stride
/// `S`, padding `P`, declared to produce `HO`×`WO` (see [`ConvTranspose`]).
pub type ConvTranspose2d<
    const CI: usize,
    const CO: usize,
    const K: usize,
    const HO: usize,
    const WO: usize,
    const S: usize = 1,
    const P: usize = 0,
    F = f32,
> = ConvTranspose<CI, CO, CO, [[F; K]; K], Geometry2d<HO, WO, S, S, 1, 1, Pad<P>, Pad<P>>, F>;

convolution_parts!(ConvTranspose, CI, OPG, "ConvTranspose");

/// The compile-time check of a transposed convolution's groups.
macro_rules! check_transposed_groups {
    () => {
        assert!(
            groups_fit(CO, CI, OPG),
            "ConvTranspose: the groups G = CO/OPG must divide both channel counts: OPG (output channels per \
             group) must divide CO, and G must divide CI"
        );
    };
}

rank_impls!(
    ConvTranspose<OPG> [const K: usize, const LO: usize, const S: usize, const D: usize, const L: usize, P: Padding]
    taps [F; K], geometry Geometry1d<LO, S, D, P>,
    input [[F; L]; C] as [[F; L]; CI], output [[F; LO]; CO], rows (L, LO, K),
    check {
        check_transposed_groups!();
        assert!(
            transposed_fits(L, LO, (K, S, D), P::SPEC),
            "ConvTranspose: the declared output length LO must be (L − 1)·S − 2·P + D·(K − 1) + 1 + \
             output_padding with 0 ≤ output_padding < max(S, D), for the input length L and padding Pad<P>"
        );
    },
    axes (Axis::UNIT, Axis::new(S, D, P::SPEC, K)),
    groups Groups { inputs: CI / (CO / OPG), outputs: OPG },
    (transposed_forward, transposed_backward)
);

rank_impls!(
    ConvTranspose<OPG> [
        const KH: usize, const KW: usize, const HO: usize, const WO: usize, const SH: usize, const SW: usize,
        const DH: usize, const DW: usize, const H: usize, const W: usize, PH: Padding, PW: Padding
    ]
    taps [[F; KW]; KH], geometry Geometry2d<HO, WO, SH, SW, DH, DW, PH, PW>,
    input [[[F; W]; H]; C] as [[[F; W]; H]; CI], output [[[F; WO]; HO]; CO], rows (W, WO, KW),
    check {
        check_transposed_groups!();
        assert!(
            transposed_fits(H, HO, (KH, SH, DH), PH::SPEC),
            "ConvTranspose: the declared output height HO must be (H − 1)·SH − 2·PH + DH·(KH − 1) + 1 + \
             output_padding with 0 ≤ output_padding < max(SH, DH), for the input height H and padding Pad<PH>"
        );
        assert!(
            transposed_fits(W, WO, (KW, SW, DW), PW::SPEC),
            "ConvTranspose: the declared output width WO must be (W − 1)·SW − 2·PW + DW·(KW − 1) + 1 + \
             output_padding with 0 ≤ output_padding < max(SW, DW), for the input width W and padding Pad<PW>"
        );
    },
    axes (Axis::new(SH, DH, PH::SPEC, KH), Axis::new(SW, DW, PW::SPEC, KW)),
    groups Groups { inputs: CI / (CO / OPG), outputs: OPG },
    (transposed_forward, transposed_backward)
);
