//! TensorFlow Lite's two paddings, `VALID` and `SAME`, as types, and the
//! window walk they give a convolution or a pooling along one axis.

use crate::layers::Axis;
use crate::quant::Padding;

/// A TFLite padding kind as a type: [`Valid`] or [`SamePadding`].
pub trait TflitePadding {
    /// Whether this is `SAME` padding.
    const SAME: bool;
    /// The padding an operator's options name for it (what a loaded
    /// operator is checked against).
    const PADDING: Padding;
}

/// TFLite's `VALID` padding: no padding; `out = (len − k)/s + 1`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Valid;

/// TFLite's `SAME` padding: `out = ⌈len / s⌉`, with
/// `max((out − 1)·s + k − len, 0)` zeros in all, the smaller half before
/// (top, left) — for stride 1 and an odd kernel, `(k − 1)/2` on each side.
/// Padded taps contribute nothing (as the input zero point would).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SamePadding;

impl TflitePadding for Valid {
    const SAME: bool = false;
    const PADDING: Padding = Padding::Valid;
}

impl TflitePadding for SamePadding {
    const SAME: bool = true;
    const PADDING: Padding = Padding::Same;
}

/// Whether `out` is the output length of a window of `k` taps with stride
/// `s` over `len` inputs, with `SAME` (`same`) or `VALID` padding.
pub(crate) const fn fits(len: usize, out: usize, k: usize, s: usize, same: bool) -> bool {
    if k == 0 || s == 0 || len == 0 || out == 0 {
        return false;
    }
    if same { out == len.div_ceil(s) } else { len >= k && out == (len - k) / s + 1 }
}

/// One axis of a window walk of `k` taps, stride `s`, from `len` inputs to
/// `out` outputs: the convolutions' [`Axis`] (dilation 1), with TFLite's
/// zeros before for `SAME` — `max((out − 1)·s + k − len, 0)/2`, which for
/// a stride above 1 is not PyTorch's `same`.
pub(crate) const fn walk(len: usize, out: usize, k: usize, s: usize, same: bool) -> Axis {
    let before = if same { (out.saturating_sub(1) * s + k).saturating_sub(len) / 2 } else { 0 };
    Axis { stride: s, dilation: 1, before }
}
