//! [`QMaxPool2d`] and [`QAvgPool2d`]: TFLite's int8 `MAX_POOL_2D` and
//! `AVERAGE_POOL_2D`, NHWC.

use core::marker::PhantomData;

use crate::layer::SameShape;
use crate::quant::conv::Image;
use crate::quant::padding::{Walk, fits};
use crate::quant::{Clamp, TflitePadding, Valid};
use crate::{Layer, Module, PerSample};

macro_rules! pool_layer {
    ($(#[$doc:meta])* $name:ident, $reduce:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(clippy::type_complexity)] // the shape is the type's parameters
        pub struct $name<
            const C: usize,
            const KH: usize,
            const KW: usize,
            const H: usize,
            const W: usize,
            const HO: usize,
            const WO: usize,
            const SH: usize = KH,
            const SW: usize = KW,
            P = Valid,
        > {
            clamp: Clamp,
            padding: PhantomData<P>,
        }

        impl<
            const C: usize,
            const KH: usize,
            const KW: usize,
            const H: usize,
            const W: usize,
            const HO: usize,
            const WO: usize,
            const SH: usize,
            const SW: usize,
            P: TflitePadding,
        > $name<C, KH, KW, H, W, HO, WO, SH, SW, P>
        {
            /// The pooling, its output clamped to `clamp` (a fused
            /// activation; [`Clamp::FULL`] for none). A `const fn`; the
            /// geometry is checked when it is evaluated.
            pub const fn new(clamp: Clamp) -> Self {
                const {
                    assert!(C > 0, "a pooling needs at least one channel");
                    assert!(fits(H, HO, KH, SH, P::SAME), "pooling: HO is not the output height of this window, stride and padding");
                    assert!(fits(W, WO, KW, SW, P::SAME), "pooling: WO is not the output width of this window, stride and padding");
                };
                $name { clamp, padding: PhantomData }
            }

            /// The clamp range.
            pub const fn clamp(&self) -> Clamp {
                self.clamp
            }
        }

        impl<
            const C: usize,
            const KH: usize,
            const KW: usize,
            const H: usize,
            const W: usize,
            const HO: usize,
            const WO: usize,
            const SH: usize,
            const SW: usize,
            P,
        > Module for $name<C, KH, KW, H, W, HO, WO, SH, SW, P>
        {
        }

        impl<
            const C: usize,
            const KH: usize,
            const KW: usize,
            const H: usize,
            const W: usize,
            const HO: usize,
            const WO: usize,
            const SH: usize,
            const SW: usize,
            P,
        > PerSample for $name<C, KH, KW, H, W, HO, WO, SH, SW, P>
        {
        }

        /// Accepts any input [`SameShape`] as `[[[i8; C]; W]; H]`.
        impl<
            const C: usize,
            const KH: usize,
            const KW: usize,
            const H: usize,
            const W: usize,
            const HO: usize,
            const WO: usize,
            const SH: usize,
            const SW: usize,
            P: TflitePadding,
            X: SameShape<Image<H, W, C>>,
        > Layer<X> for $name<C, KH, KW, H, W, HO, WO, SH, SW, P>
        {
            type Output = Image<HO, WO, C>;

            fn eval(&self, x: &X) -> Image<HO, WO, C> {
                let x = x.as_shape();
                let rows = Walk::new(H, HO, KH, SH, P::SAME);
                let columns = Walk::new(W, WO, KW, SW, P::SAME);
                let mut y = [[[0; C]; WO]; HO];
                for (oy, out_row) in y.iter_mut().enumerate() {
                    for (ox, out_pixel) in out_row.iter_mut().enumerate() {
                        let window = (0..KH)
                            .filter_map(|ky| rows.source(oy, ky, H).and_then(|iy| x.get(iy)))
                            .flat_map(|in_row| {
                                (0..KW).filter_map(move |kx| columns.source(ox, kx, W).and_then(|ix| in_row.get(ix)))
                            });
                        $reduce(window, out_pixel, self.clamp);
                    }
                }
                y
            }
        }
    };
}

/// The channel-wise maximum over the window's pixels, clamped.
fn max_of<'a, const C: usize>(window: impl Iterator<Item = &'a [i8; C]>, out: &mut [i8; C], clamp: Clamp) {
    let mut max = [i8::MIN; C];
    for pixel in window {
        for (m, &v) in max.iter_mut().zip(pixel) {
            *m = (*m).max(v);
        }
    }
    for (o, &m) in out.iter_mut().zip(&max) {
        *o = clamp.apply(m as i32);
    }
}

/// The channel-wise mean over the window's pixels inside the image,
/// rounded half away from zero as TFLite's `(sum ± count/2) / count`,
/// clamped.
fn mean_of<'a, const C: usize>(window: impl Iterator<Item = &'a [i8; C]>, out: &mut [i8; C], clamp: Clamp) {
    let mut sum = [0_i32; C];
    let mut count = 0_i32;
    for pixel in window {
        count += 1;
        for (s, &v) in sum.iter_mut().zip(pixel) {
            *s += v as i32;
        }
    }
    let count = count.max(1); // an empty window (impossible by the compile-time checks) averages to 0
    for (o, &s) in out.iter_mut().zip(&sum) {
        let mean = if s > 0 { (s + count / 2) / count } else { (s - count / 2) / count };
        *o = clamp.apply(mean);
    }
}

pool_layer!(
    /// Int8 max pooling, TFLite's `MAX_POOL_2D`: a `KH`×`KW` window with
    /// strides `SH`, `SW` (the window's size by default) and padding `P`
    /// over an NHWC image `[[[i8; C]; W]; H]`, to `[[[i8; C]; WO]; HO]`;
    /// padded positions are left out. Input and output share scale and
    /// zero point.
    ///
    /// ```
    /// use constnet::prelude::*;
    /// use constnet::quant::{Clamp, QMaxPool2d};
    ///
    /// static POOL: QMaxPool2d<1, 2, 2, 2, 4, 1, 2> = QMaxPool2d::new(Clamp::FULL);
    /// assert_eq!(POOL.forward(&[[[1], [-5], [3], [2]], [[0], [4], [-128], [-7]]]), [[[4], [3]]]);
    /// ```
    QMaxPool2d,
    max_of
);

pool_layer!(
    /// Int8 average pooling, TFLite's `AVERAGE_POOL_2D`: as
    /// [`QMaxPool2d`], the mean of the window's pixels inside the image,
    /// rounded half away from zero (TFLite's integer rounding).
    ///
    /// ```
    /// use constnet::prelude::*;
    /// use constnet::quant::{Clamp, QAvgPool2d};
    ///
    /// static POOL: QAvgPool2d<1, 2, 2, 2, 4, 1, 2> = QAvgPool2d::new(Clamp::FULL);
    /// // (1 − 5 + 0 + 4)/4 = 0; (3 + 2 − 128 − 7)/4 = −32.5 → −33.
    /// assert_eq!(POOL.forward(&[[[1], [-5], [3], [2]], [[0], [4], [-128], [-7]]]), [[[0], [-33]]]);
    /// ```
    QAvgPool2d,
    mean_of
);
