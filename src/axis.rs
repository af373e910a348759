//! The container methods shared by the types that give an outer axis its
//! meaning ([`Batch`](crate::Batch), and sequences of time steps): each is
//! a newtype over `[X; N]` with the same conversions, indexing and
//! iteration, and none dereferences to its array, so it never silently
//! becomes a plain array (whose outer axis a layer would have to guess).

/// Implements the container methods and traits for `$name<X, const $n>`, a
/// newtype over `[X; $n]` whose field is `.0`. `$what` names one element
/// in the docs ("sample", "step").
macro_rules! axis_container {
    ($name:ident, $n:ident, $what:literal) => {
        impl<X, const $n: usize> $name<X, $n> {
            #[doc = concat!("Wraps an array of ", $what, "s. A `const fn`, so a `", stringify!($name), "` can be a `static`.")]
            pub const fn new(items: [X; $n]) -> Self {
                $name(items)
            }

            #[doc = concat!("Builds each ", $what, " from its index, in order 0, 1, ….")]
            pub fn from_fn(f: impl FnMut(usize) -> X) -> Self {
                $name(core::array::from_fn(f))
            }

            #[doc = concat!("The number of ", $what, "s, `", stringify!($n), "`.")]
            pub const fn len(&self) -> usize {
                $n
            }

            #[doc = concat!("Whether there are no ", $what, "s (`", stringify!($n), " == 0`).")]
            pub const fn is_empty(&self) -> bool {
                $n == 0
            }

            #[doc = concat!("The ", $what, "s as an array.")]
            pub const fn as_array(&self) -> &[X; $n] {
                &self.0
            }

            #[doc = concat!("The ", $what, "s as a mutable array.")]
            pub const fn as_array_mut(&mut self) -> &mut [X; $n] {
                &mut self.0
            }

            #[doc = concat!("Unwraps the array of ", $what, "s.")]
            pub fn into_array(self) -> [X; $n] {
                self.0
            }

            #[doc = concat!("An iterator over the ", $what, "s, in order.")]
            pub fn iter(&self) -> core::slice::Iter<'_, X> {
                self.0.iter()
            }

            #[doc = concat!("A mutable iterator over the ", $what, "s, in order.")]
            pub fn iter_mut(&mut self) -> core::slice::IterMut<'_, X> {
                self.0.iter_mut()
            }

            #[doc = concat!("Applies `f` to every ", $what, ", in order.")]
            pub fn map<Y>(self, f: impl FnMut(X) -> Y) -> $name<Y, $n> {
                $name(self.0.map(f))
            }
        }

        impl<X, const $n: usize> From<[X; $n]> for $name<X, $n> {
            fn from(items: [X; $n]) -> Self {
                $name(items)
            }
        }

        impl<X, const $n: usize> From<$name<X, $n>> for [X; $n] {
            fn from(items: $name<X, $n>) -> Self {
                items.0
            }
        }

        impl<X, const $n: usize> core::ops::Index<usize> for $name<X, $n> {
            type Output = X;
            fn index(&self, index: usize) -> &X {
                &self.0[index]
            }
        }

        impl<X, const $n: usize> core::ops::IndexMut<usize> for $name<X, $n> {
            fn index_mut(&mut self, index: usize) -> &mut X {
                &mut self.0[index]
            }
        }

        impl<X, const $n: usize> IntoIterator for $name<X, $n> {
            type Item = X;
            type IntoIter = core::array::IntoIter<X, $n>;
            fn into_iter(self) -> Self::IntoIter {
                self.0.into_iter()
            }
        }

        impl<'a, X, const $n: usize> IntoIterator for &'a $name<X, $n> {
            type Item = &'a X;
            type IntoIter = core::slice::Iter<'a, X>;
            fn into_iter(self) -> Self::IntoIter {
                self.0.iter()
            }
        }

        impl<'a, X, const $n: usize> IntoIterator for &'a mut $name<X, $n> {
            type Item = &'a mut X;
            type IntoIter = core::slice::IterMut<'a, X>;
            fn into_iter(self) -> Self::IntoIter {
                self.0.iter_mut()
            }
        }

        impl<X: $crate::Values, const $n: usize> $crate::Values for $name<X, $n> {
            type Scalar = X::Scalar;
            const LEN: usize = X::LEN * $n;
            const ZEROS: Self = $name([X::ZEROS; $n]);

            #[inline(always)]
            fn for_each<G: FnMut(Self::Scalar)>(&self, f: &mut G) {
                self.0.for_each(f);
            }
            #[inline(always)]
            fn for_each_mut<G: FnMut(&mut Self::Scalar)>(&mut self, f: &mut G) {
                self.0.for_each_mut(f);
            }
            #[inline(always)]
            fn zip_mut<G: FnMut(&mut Self::Scalar, Self::Scalar)>(&mut self, other: &Self, f: &mut G) {
                self.0.zip_mut(&other.0, f);
            }
        }
    };
}

pub(crate) use axis_container;
