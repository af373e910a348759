//! [`Layer`] and [`Backprop`] for [`Conv`] on 1-D and 2-D inputs: the
//! compile-time shape checks, then the shared arithmetic of [`plane`].

use super::Conv;
use super::geometry::{Axis, Geometry1d, Geometry2d, Padding, conv_fits};
use super::plane::{self, Groups};
use crate::layer::SameShape;
use crate::{Backprop, Float, Layer, Mode, Values};

/// Whether `CPG` input channels per group make whole groups of `CI` inputs
/// and `CO` outputs. For the compile-time checks.
pub(crate) const fn groups_fit(ci: usize, co: usize, cpg: usize) -> bool {
    cpg > 0 && ci.is_multiple_of(cpg) && co.is_multiple_of(ci / cpg)
}

/// The compile-time checks of a convolution's groups.
macro_rules! check_groups {
    ($ci:expr, $co:expr, $per_group:expr) => {
        assert!(
            groups_fit($ci, $co, $per_group),
            "Conv: the groups G = CI/CPG must divide both channel counts: CPG (input channels per group) must \
             divide CI, and G must divide CO"
        );
    };
}
pub(crate) use check_groups;

/// `Layer` and `Backprop` of one rank of a convolution-like type: the
/// checks (`$check`, evaluated at compile time in every method), its
/// axes and groups, and the forward and backward loops of [`plane`].
macro_rules! rank_impls {
    (
        $ty:ident<$inner:ident> [$($g:tt)*] taps $taps:ty, geometry $geo:ty,
        input $x:ty as $xs:ty, output $y:ty, rows ($w:ident, $wo:ident, $kw:ident),
        check $check:block, axes $axes:expr, groups $groups:expr, ($forward:ident, $backward:ident)
    ) => {
        impl<const CI: usize, const CO: usize, const $inner: usize, const C: usize, F: Float, $($g)*>
            Layer<$x> for $ty<CI, CO, $inner, $taps, $geo, F>
        where
            $x: SameShape<$xs>,
        {
            type Output = $y;

            fn eval(&self, x: &$x) -> $y {
                const $check;
                let mut y = <$y as Values>::ZEROS;
                plane::$forward::<F, _, _, _, $w, $wo, $kw>(x.as_shape(), &self.weight, &self.bias, $axes, $groups, &mut y);
                y
            }
        }

        impl<const CI: usize, const CO: usize, const $inner: usize, const C: usize, F: Float, M: Mode, $($g)*>
            Backprop<$x, M> for $ty<CI, CO, $inner, $taps, $geo, F>
        where
            $x: SameShape<$xs>,
        {
            /// The layer's input.
            type Tape = $xs;

            fn eval_tape(&mut self, x: &$x) -> ($y, $xs) {
                (self.eval(x), *x.as_shape())
            }

            fn eval_tape_into(&mut self, x: &$x, tape: &mut $xs) -> $y {
                *tape = *x.as_shape();
                self.eval(x)
            }

            fn backprop(&self, x: &$xs, dy: &$y, grads: &mut Self) -> $x {
                const $check;
                let mut dx = <$xs as Values>::ZEROS;
                plane::$backward::<F, _, _, _, $w, $wo, $kw>(
                    (x, &mut dx),
                    (&self.weight, &mut grads.weight),
                    &mut grads.bias,
                    $axes,
                    $groups,
                    dy,
                );
                SameShape::from_shape(dx)
            }
        }
    };
}
pub(crate) use rank_impls;

rank_impls!(
    Conv<CPG> [const K: usize, const LO: usize, const S: usize, const D: usize, const L: usize, P: Padding]
    taps [F; K], geometry Geometry1d<LO, S, D, P>,
    input [[F; L]; C] as [[F; L]; CI], output [[F; LO]; CO], rows (L, LO, K),
    check {
        check_groups!(CI, CO, CPG);
        assert!(
            conv_fits(L, LO, (K, S, D), P::SPEC),
            "Conv: the declared output length LO must be (L + before + after − D·(K − 1) − 1)/S + 1 for the \
             input length L (K ≥ 1, S ≥ 1, D ≥ 1)"
        );
    },
    axes (Axis::UNIT, Axis::new(S, D, P::SPEC, K)),
    groups Groups { inputs: CPG, outputs: CO / (CI / CPG) },
    (conv_forward, conv_backward)
);

rank_impls!(
    Conv<CPG> [
        const KH: usize, const KW: usize, const HO: usize, const WO: usize, const SH: usize, const SW: usize,
        const DH: usize, const DW: usize, const H: usize, const W: usize, PH: Padding, PW: Padding
    ]
    taps [[F; KW]; KH], geometry Geometry2d<HO, WO, SH, SW, DH, DW, PH, PW>,
    input [[[F; W]; H]; C] as [[[F; W]; H]; CI], output [[[F; WO]; HO]; CO], rows (W, WO, KW),
    check {
        check_groups!(CI, CO, CPG);
        assert!(
            conv_fits(H, HO, (KH, SH, DH), PH::SPEC),
            "Conv: the declared output height HO must be (H + before + after − DH·(KH − 1) − 1)/SH + 1 for the \
             input height H (KH, SH, DH ≥ 1)"
        );
        assert!(
            conv_fits(W, WO, (KW, SW, DW), PW::SPEC),
            "Conv: the declared output width WO must be (W + before + after − DW·(KW − 1) − 1)/SW + 1 for the \
             input width W (KW, SW, DW ≥ 1)"
        );
    },
    axes (Axis::new(SH, DH, PH::SPEC, KH), Axis::new(SW, DW, PW::SPEC, KW)),
    groups Groups { inputs: CPG, outputs: CO / (CI / CPG) },
    (conv_forward, conv_backward)
);
