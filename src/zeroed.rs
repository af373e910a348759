//! [`Zeroed`]: a value of a type known at compile time, every number zero —
//! what a tape kept in a `static` starts as.

use core::marker::PhantomData;

/// A type with a value that is every number zero (`false`, `()`), usable in
/// a `const` or a `static`.
///
/// Every [`Backprop::Tape`](crate::Backprop::Tape) has one, so that a tape
/// can be kept where the caller chooses — a `static`, a buffer a large
/// model trains into — and filled by
/// [`eval_tape_into`](crate::Backprop::eval_tape_into) or
/// [`Forward::forward_tape_into`](crate::Forward::forward_tape_into).
/// A layer with its own tape type implements it for that type; arrays,
/// tuples of up to 32 and the scalar types already do.
///
/// ```
/// use constnet::Zeroed;
///
/// const EMPTY: ([f32; 3], (usize, bool)) = Zeroed::ZEROED;
/// assert_eq!(EMPTY, ([0.0; 3], (0, false)));
/// ```
pub trait Zeroed: Sized {
    /// The value: every number zero.
    const ZEROED: Self;
}

macro_rules! zeroed_numbers {
    ($($t:ty),*) => {
        $(impl Zeroed for $t {
            const ZEROED: Self = 0 as $t;
        })*
    };
}
zeroed_numbers!(f32, f64, u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl Zeroed for bool {
    const ZEROED: Self = false;
}

impl<T: ?Sized> Zeroed for PhantomData<T> {
    const ZEROED: Self = PhantomData;
}

impl<T: Zeroed, const N: usize> Zeroed for [T; N] {
    const ZEROED: Self = [T::ZEROED; N];
}

/// Tuples of up to 32 (the longest a derived
/// [`Sequential`](crate::Sequential) stack's tape can be), longest first.
macro_rules! zeroed_tuples {
    () => {
        impl Zeroed for () {
            const ZEROED: Self = ();
        }
    };
    ($head:ident $($tail:ident)*) => {
        impl<$head: Zeroed, $($tail: Zeroed),*> Zeroed for ($head, $($tail,)*) {
            const ZEROED: Self = ($head::ZEROED, $($tail::ZEROED,)*);
        }
        zeroed_tuples!($($tail)*);
    };
}
zeroed_tuples!(T0 T1 T2 T3 T4 T5 T6 T7 T8 T9 T10 T11 T12 T13 T14 T15 T16 T17 T18 T19 T20 T21 T22 T23 T24 T25 T26 T27 T28 T29 T30 T31);

/// Implements [`Zeroed`] for a struct from its fields' values:
/// `zeroed_struct!([const N: usize, F: Zeroed] Name<N, F> { a, b });`, or
/// `… Name<T> as tuple);` for a one-field tuple struct.
macro_rules! zeroed_struct {
    ([$($generics:tt)*] $ty:ty { $($field:ident),* }) => {
        impl<$($generics)*> $crate::Zeroed for $ty {
            const ZEROED: Self = Self { $($field: $crate::Zeroed::ZEROED),* };
        }
    };
    ([$($generics:tt)*] $ty:ty as tuple) => {
        impl<$($generics)*> $crate::Zeroed for $ty {
            const ZEROED: Self = Self($crate::Zeroed::ZEROED);
        }
    };
}
pub(crate) use zeroed_struct;
