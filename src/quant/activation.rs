//! Fused activations as the clamp range of a quantised output: TFLite fuses
//! ReLU and ReLU6 into the layer before them by narrowing the range its
//! requantised output is clamped to.

use crate::quant::Multiplier;
use crate::quant::requantize::saturate_i32;
use crate::quant::{Rounding, RoundingMode};

/// A fused activation, before its range is known (that needs the output's
/// scale and zero point; see [`Clamp::fused`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activation {
    /// No activation: the full int8 range.
    None,
    /// ReLU: nothing below the real value 0.
    Relu,
    /// ReLU6: the real values 0 to 6.
    Relu6,
}

/// The int8 range an output is clamped to, `min..=max`.
///
/// ```
/// use constnet::quant::{Activation, Clamp};
///
/// assert_eq!(Clamp::fused(Activation::None, 0.1, 5), Clamp::FULL);
/// let relu6 = Clamp::fused(Activation::Relu6, 0.05, -128); // 6 / 0.05 = 120 steps
/// assert_eq!((relu6.min(), relu6.max()), (-128, -8));
/// assert!(Clamp::new(3, 2).is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Clamp {
    min: i8,
    max: i8,
}

impl Clamp {
    /// The whole int8 range: no activation.
    pub const FULL: Clamp = Clamp { min: i8::MIN, max: i8::MAX };

    /// The range `min..=max`, or `None` if `min > max`.
    pub const fn new(min: i8, max: i8) -> Option<Clamp> {
        if min > max { None } else { Some(Clamp { min, max }) }
    }

    /// The range of `activation` on an output of `scale` and `zero_point`,
    /// as TFLite's `CalculateActivationRangeQuantized` computes it: ReLU
    /// from `zero_point`, ReLU6 up to `zero_point + round(6 / scale)`
    /// (`f32` division, rounded half away from zero), within int8. A
    /// scale that is not positive leaves ReLU6's top at 127.
    pub const fn fused(activation: Activation, scale: f32, zero_point: i8) -> Clamp {
        match activation {
            Activation::None => Clamp::FULL,
            Activation::Relu => Clamp { min: zero_point, max: i8::MAX },
            Activation::Relu6 => {
                let steps = if scale > 0.0 { round_half_away(6.0 / scale) } else { i32::MAX };
                let top = saturate_i32(zero_point as i64 + steps as i64);
                let max = if top > i8::MAX as i32 { i8::MAX } else { top as i8 };
                // top ≥ zero_point ≥ −128, so max ≥ zero_point.
                Clamp { min: zero_point, max }
            }
        }
    }

    /// The lowest value.
    pub const fn min(self) -> i8 {
        self.min
    }

    /// The highest value.
    pub const fn max(self) -> i8 {
        self.max
    }

    /// `x` clamped to the range.
    #[inline]
    pub const fn apply(self, x: i32) -> i8 {
        if x < self.min as i32 {
            self.min
        } else if x > self.max as i32 {
            self.max
        } else {
            x as i8
        }
    }
}

/// `x` rounded half away from zero (C's `round`), saturated to `i32`.
const fn round_half_away(x: f32) -> i32 {
    let t = x as i32; // truncates; saturates, NaN → 0
    let frac = x - t as f32;
    if frac >= 0.5 {
        t.saturating_add(1)
    } else if frac <= -0.5 {
        t.saturating_sub(1)
    } else {
        t
    }
}

/// The output stage of a convolution or a fully connected layer with `O`
/// output channels: each channel's accumulator is requantised by its
/// [`Multiplier`] (one per channel, or the same for all), shifted by the
/// output zero point and clamped.
///
/// ```
/// use constnet::quant::{Clamp, Multiplier, OutputStage, SingleRounding};
///
/// let stage: OutputStage<1> = OutputStage::per_tensor(Multiplier::from_scale(0.5).unwrap(), -10, Clamp::FULL);
/// assert_eq!(stage.finish::<SingleRounding>(7, 0), -6); // 3.5 → 4, − 10
/// assert_eq!(stage.finish::<SingleRounding>(1000, 0), 127);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OutputStage<const O: usize> {
    multipliers: [Multiplier; O],
    zero_point: i8,
    clamp: Clamp,
}

impl<const O: usize> OutputStage<O> {
    /// One multiplier per output channel (per-channel quantisation).
    pub const fn per_channel(multipliers: [Multiplier; O], zero_point: i8, clamp: Clamp) -> Self {
        OutputStage { multipliers, zero_point, clamp }
    }

    /// The same multiplier for every channel (per-tensor quantisation).
    pub const fn per_tensor(multiplier: Multiplier, zero_point: i8, clamp: Clamp) -> Self {
        OutputStage { multipliers: [multiplier; O], zero_point, clamp }
    }

    /// The channels' multipliers.
    pub const fn multipliers(&self) -> &[Multiplier; O] {
        &self.multipliers
    }

    /// The output zero point.
    pub const fn zero_point(&self) -> i8 {
        self.zero_point
    }

    /// The clamp range (the fused activation).
    pub const fn clamp(&self) -> Clamp {
        self.clamp
    }

    /// The int8 output of channel `channel` for accumulator `acc`:
    /// requantised with rounding `R`, plus the zero point, clamped. A
    /// channel out of range (`channel ≥ O`) uses the zero multiplier.
    #[inline]
    pub fn finish<R: Rounding>(&self, acc: i32, channel: usize) -> i8 {
        let m = match self.multipliers.get(channel) {
            Some(&m) => m,
            None => Multiplier::ZERO,
        };
        self.finish_with(R::MODE, acc, m)
    }

    /// As [`finish`](OutputStage::finish), with the multiplier given.
    #[inline]
    pub(crate) const fn finish_with(&self, mode: RoundingMode, acc: i32, m: Multiplier) -> i8 {
        let scaled = mode.multiply(acc, m);
        self.clamp.apply(scaled.saturating_add(self.zero_point as i32))
    }
}
