//! The int8 layers on the extreme values, in a build with overflow checks
//! (the test profile's): every input −128 or 127, weights −128 and 127,
//! biases `i32::MIN` and `i32::MAX`, the largest multipliers. Accumulators
//! wrap by design and requantised values saturate, so nothing may panic,
//! and each output is checked against the same arithmetic in `i64`.

use constnet::layers::Flatten;
use constnet::prelude::*;
use constnet::quant::{
    Clamp, Multiplier, OutputStage, QAvgPool2d, QConv2d, QDense, QDepthwiseConv2d, QMaxPool2d, QSoftmax, SamePadding,
    SingleRounding,
};

const EXTREMES: [i8; 2] = [i8::MIN, i8::MAX];

/// The largest multiplier (scale just below 2^30) and a tiny one.
fn multipliers() -> [Multiplier; 3] {
    [
        Multiplier::new(i32::MAX, 30).unwrap(),
        Multiplier::new(1 << 30, -31).unwrap(),
        Multiplier::from_scale(0.5).unwrap(),
    ]
}

/// TFLite's single-rounding requantisation in `i64`, saturated to int8
/// after the zero point: what the layer must give for `acc`.
fn reference(acc: i64, m: Multiplier, zero_point: i8) -> i8 {
    let total = 31 - m.shift() as i64;
    let scaled = (acc * m.multiplier() as i64 + (1_i64 << (total - 1))) >> total;
    let scaled = scaled.clamp(i32::MIN as i64, i32::MAX as i64);
    (scaled + zero_point as i64).clamp(-128, 127) as i8
}

#[test]
fn dense_saturates_and_wraps_without_a_panic() {
    for w in EXTREMES {
        for x in EXTREMES {
            for zero_point in EXTREMES {
                for bias in [i32::MIN, 0, i32::MAX] {
                    for m in multipliers() {
                        let layer: QDense<256, 2> = QDense::new(
                            [[w; 256]; 2],
                            [bias; 2],
                            zero_point,
                            OutputStage::per_tensor(m, zero_point, Clamp::FULL),
                        );
                        // The accumulator in i32 wraps; the reference wraps it the same way.
                        let acc = (bias as i64 + 256 * w as i64 * (x as i64 - zero_point as i64)) as i32;
                        let y = layer.forward(&[x; 256]);
                        assert_eq!(
                            y,
                            [reference(acc as i64, m, zero_point); 2],
                            "w {w} x {x} zp {zero_point} bias {bias}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn convolutions_and_poolings_take_the_extremes() {
    for w in EXTREMES {
        for x in EXTREMES {
            for zero_point in EXTREMES {
                for m in multipliers() {
                    let stage = OutputStage::per_tensor(m, zero_point, Clamp::FULL);
                    let image = [[[x; 4]; 5]; 5];
                    let weight = [[[[w; 4]; 3]; 3]; 3];
                    let conv: QConv2d<4, 3, 3, 3, 5, 5, 5, 5, 1, 1, SamePadding, SingleRounding> =
                        QConv2d::new(weight, [i32::MAX; 3], zero_point, stage);
                    let y = conv.forward(&image);
                    // The centre sees all 9 taps, a corner 4; the bias wraps.
                    let tap = 4 * w as i64 * (x as i64 - zero_point as i64);
                    let wrapped = |taps: i64| i32::MAX.wrapping_add((taps * tap) as i32) as i64;
                    assert_eq!(y[2][2], [reference(wrapped(9), m, zero_point); 3]);
                    assert_eq!(y[0][0], [reference(wrapped(4), m, zero_point); 3]);
                    // Double rounding (the default) shifts left before it
                    // multiplies, wrapping where C++ would overflow: only
                    // that it does not panic is asserted.
                    let _ = QConv2d::<4, 3, 3, 3, 5, 5, 5, 5, 1, 1, SamePadding>::new(
                        weight,
                        [i32::MAX; 3],
                        zero_point,
                        stage,
                    )
                    .forward(&image);
                    let depthwise: QDepthwiseConv2d<4, 8, 3, 3, 5, 5, 3, 3, 2, 2, SamePadding> = QDepthwiseConv2d::new(
                        [[[w; 8]; 3]; 3],
                        [i32::MIN; 8],
                        zero_point,
                        OutputStage::per_tensor(m, zero_point, Clamp::FULL),
                    );
                    let _ = depthwise.forward(&image);
                }
                let image = [[[x; 3]; 4]; 4];
                let max: QMaxPool2d<3, 2, 2, 4, 4, 2, 2> = QMaxPool2d::new(Clamp::FULL);
                assert_eq!(max.forward(&image), [[[x; 3]; 2]; 2]);
                let average: QAvgPool2d<3, 3, 3, 4, 4, 2, 2, 2, 2, SamePadding> = QAvgPool2d::new(Clamp::FULL);
                assert_eq!(average.forward(&image), [[[x; 3]; 2]; 2]);
                assert_eq!(Flatten::<48>.forward(&image), [x; 48]);
            }
        }
    }
}

#[test]
fn softmax_takes_the_extremes() {
    for scale in [1.0 / 256.0, 0.1, 1.0, 100.0] {
        let softmax: QSoftmax<10> = QSoftmax::new(scale).unwrap();
        // Double rounding caps β·scale·2^26 at 2^31 − 1, which needs a shift
        // of 31: for scales of 16 and more the constructor says so.
        let softmax_double = match QSoftmax::<10, constnet::quant::DoubleRounding>::new(scale) {
            Ok(s) => Some(s),
            Err(e) => {
                assert!(scale >= 16.0 && e == constnet::quant::ScaleError::TooLarge, "{scale}: {e}");
                None
            }
        };
        for x in EXTREMES {
            // All equal: each a tenth, 1/256 steps from −128 → about −102.
            let y = softmax.forward(&[x; 10]);
            assert!(y.iter().all(|&v| v == y[0] && (-104..=-100).contains(&v)), "{y:?}");
            if let Some(double) = &softmax_double {
                let _ = double.forward(&[x; 10]);
            }
        }
        let mut one_high = [i8::MIN; 10];
        one_high[3] = i8::MAX;
        let y = softmax.forward(&one_high);
        assert!(y.iter().enumerate().all(|(k, &v)| k == 3 || v < y[3]), "{y:?}");
        let total: f32 = y.iter().map(|&v| (v as f32 + 128.0) / 256.0).sum();
        assert!((total - 1.0).abs() <= 10.0 / 256.0, "{y:?} sums to {total}");
    }
}
