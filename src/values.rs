//! [`Values`]: any tensor of floats (a scalar, an array of any rank, a
//! [`Batch`](crate::Batch) of them), visited element by element in
//! row-major order.

use core::fmt;

use crate::Float;

/// A tensor of floats of any shape — `f32`, `[F; N]`, `[[F; L]; C]`,
/// `[[[F; W]; H]; C]`, a [`Batch`](crate::Batch) of any of them — seen as
/// its [`LEN`](Values::LEN) values in row-major order.
///
/// Element-wise layers (the activations, [`Dropout`](crate::layers::Dropout),
/// the skip connection of [`Residual`](crate::layers::Residual)) take any
/// `Values`, whatever its axes mean, since they treat every value alike.
///
/// ```
/// use constnet::Values;
///
/// let mut x = [[1.0_f32, 2.0], [3.0, 4.0]];
/// let mut sum = 0.0;
/// x.for_each(&mut |v| sum += v);
/// assert_eq!(sum, 10.0);
/// x.zip_mut(&[[1.0, 1.0], [1.0, 1.0]], &mut |a, b| *a -= b);
/// assert_eq!(x, [[0.0, 1.0], [2.0, 3.0]]);
///
/// let mut out = [0.0; 4];
/// x.write_to_slice(&mut out).unwrap();
/// assert_eq!(out, [0.0, 1.0, 2.0, 3.0]);
/// assert_eq!(<[[f32; 2]; 2]>::from_slice(&out), Ok(x));
/// assert!(<[[f32; 2]; 2]>::from_slice(&out[..3]).is_err());
/// ```
pub trait Values: Copy {
    /// The float type of the values.
    type Scalar: Float;
    /// The number of values.
    const LEN: usize;
    /// Every value zero.
    const ZEROS: Self;

    /// Calls `f` with every value, in row-major order.
    fn for_each<G: FnMut(Self::Scalar)>(&self, f: &mut G);

    /// Calls `f` with every value, mutably, in row-major order.
    fn for_each_mut<G: FnMut(&mut Self::Scalar)>(&mut self, f: &mut G);

    /// Calls `f(a, b)` with every value `a` of `self` (mutably) and the value
    /// `b` at the same position of `other`, in row-major order.
    fn zip_mut<G: FnMut(&mut Self::Scalar, Self::Scalar)>(&mut self, other: &Self, f: &mut G);

    /// Copies the values, in row-major order, into the first
    /// [`LEN`](Values::LEN) elements of `out`.
    ///
    /// # Errors
    ///
    /// [`LengthMismatch`] if `out` is shorter; `out` is then unchanged.
    fn write_to_slice(&self, out: &mut [Self::Scalar]) -> Result<(), LengthMismatch> {
        if out.len() < Self::LEN {
            return Err(LengthMismatch { expected: Self::LEN, found: out.len() });
        }
        let mut slots = out.iter_mut();
        self.for_each(&mut |v| {
            if let Some(slot) = slots.next() {
                *slot = v;
            }
        });
        Ok(())
    }

    /// Sets the values from `values`, in row-major order, which must hold
    /// exactly [`LEN`](Values::LEN) of them.
    ///
    /// # Errors
    ///
    /// [`LengthMismatch`] if the length differs; `self` is then unchanged.
    fn read_from_slice(&mut self, values: &[Self::Scalar]) -> Result<(), LengthMismatch> {
        if values.len() != Self::LEN {
            return Err(LengthMismatch { expected: Self::LEN, found: values.len() });
        }
        let mut source = values.iter();
        self.for_each_mut(&mut |v| {
            if let Some(&value) = source.next() {
                *v = value;
            }
        });
        Ok(())
    }

    /// The tensor whose values are `values`, in row-major order, which must
    /// hold exactly [`LEN`](Values::LEN) of them.
    ///
    /// # Errors
    ///
    /// [`LengthMismatch`] if the length differs.
    fn from_slice(values: &[Self::Scalar]) -> Result<Self, LengthMismatch> {
        let mut tensor = Self::ZEROS;
        tensor.read_from_slice(values)?;
        Ok(tensor)
    }
}

/// A slice whose length is not the number of values of the tensor it was
/// to be read into or written from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LengthMismatch {
    /// The number of values the tensor has.
    pub expected: usize,
    /// The slice's length.
    pub found: usize,
}

impl fmt::Display for LengthMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {} values, found {}", self.expected, self.found)
    }
}

impl core::error::Error for LengthMismatch {}

macro_rules! scalar_values {
    ($($t:ty),*) => {$(
        /// A single value.
        impl Values for $t {
            type Scalar = $t;
            const LEN: usize = 1;
            const ZEROS: Self = 0.0;

            #[inline(always)]
            fn for_each<G: FnMut($t)>(&self, f: &mut G) {
                f(*self);
            }
            #[inline(always)]
            fn for_each_mut<G: FnMut(&mut $t)>(&mut self, f: &mut G) {
                f(self);
            }
            #[inline(always)]
            fn zip_mut<G: FnMut(&mut $t, $t)>(&mut self, other: &Self, f: &mut G) {
                f(self, *other);
            }
        }
    )*};
}

scalar_values!(f32, f64);

/// An array of tensors, row-major: element 0's values first.
impl<X: Values, const N: usize> Values for [X; N] {
    type Scalar = X::Scalar;
    const LEN: usize = X::LEN * N;
    const ZEROS: Self = [X::ZEROS; N];

    #[inline(always)]
    fn for_each<G: FnMut(Self::Scalar)>(&self, f: &mut G) {
        for x in self {
            x.for_each(f);
        }
    }
    #[inline(always)]
    fn for_each_mut<G: FnMut(&mut Self::Scalar)>(&mut self, f: &mut G) {
        for x in self {
            x.for_each_mut(f);
        }
    }
    #[inline(always)]
    fn zip_mut<G: FnMut(&mut Self::Scalar, Self::Scalar)>(&mut self, other: &Self, f: &mut G) {
        for (x, o) in self.iter_mut().zip(other) {
            x.zip_mut(o, f);
        }
    }
}

/// Implements `Values` for a tuple of tensors of the same float type: the
/// first element's values, then the second's, and so on (the states of
/// stacked or bidirectional recurrent layers).
macro_rules! tuple_values {
    ($($t:ident $i:tt),+) => {
        impl<S: Float, $($t: Values<Scalar = S>),+> Values for ($($t,)+) {
            type Scalar = S;
            const LEN: usize = 0 $(+ $t::LEN)+;
            const ZEROS: Self = ($($t::ZEROS,)+);

            #[inline(always)]
            fn for_each<G: FnMut(S)>(&self, f: &mut G) {
                $(self.$i.for_each(f);)+
            }
            #[inline(always)]
            fn for_each_mut<G: FnMut(&mut S)>(&mut self, f: &mut G) {
                $(self.$i.for_each_mut(f);)+
            }
            #[inline(always)]
            fn zip_mut<G: FnMut(&mut S, S)>(&mut self, other: &Self, f: &mut G) {
                $(self.$i.zip_mut(&other.$i, f);)+
            }
        }
    };
}

tuple_values!(A 0, B 1);
tuple_values!(A 0, B 1, C 2);
tuple_values!(A 0, B 1, C 2, D 3);
