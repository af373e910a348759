//! [`GateWeights`]: the weights of a recurrent cell with `G` gates, stored
//! transposed, and what every cell does with them in the same way —
//! building them from PyTorch's layout, the tensor views, initialisation and
//! export as Rust source.

use core::fmt;

use rand::Rng;

use super::GateWeights;
use super::stacked::NAMES;
use crate::model::{Tensor, TensorMut, write_array};
use crate::{Float, Init, Layout, ParamKind, Shape};

/// PyTorch's `weight_ih [G·H][I]` seen as `G` blocks of `H` rows:
/// `weight_ih[g][h]` is row `g·H + h`.
pub type GateMatrix<const G: usize, const H: usize, const N: usize, F> = [[[F; N]; H]; G];

impl<const G: usize, const I: usize, const H: usize, F: Float> GateWeights<G, I, H, F> {
    /// Every weight and bias zero.
    pub(super) const ZERO: Self = GateWeights {
        weight_ih_t: [[[F::ZERO; H]; G]; I],
        weight_hh_t: [[[F::ZERO; H]; G]; H],
        bias_ih: [[F::ZERO; H]; G],
        bias_hh: [[F::ZERO; H]; G],
    };

    /// From PyTorch's layout: `weight_ih [G·H][I]` and `weight_hh [G·H][H]`
    /// as `G` blocks of `H` rows, the biases `[G·H]` as `G` blocks of `H`.
    pub(super) const fn from_pytorch(
        weight_ih: &GateMatrix<G, H, I, F>,
        weight_hh: &GateMatrix<G, H, H, F>,
        bias_ih: [[F; H]; G],
        bias_hh: [[F; H]; G],
    ) -> Self {
        GateWeights { weight_ih_t: transposed(weight_ih), weight_hh_t: transposed(weight_hh), bias_ih, bias_hh }
    }

    /// `weight_ih` in PyTorch's layout, as `G` blocks of `H` rows.
    pub(super) fn weight_ih(&self) -> GateMatrix<G, H, I, F> {
        gate_blocks(&self.weight_ih_t)
    }

    /// `weight_hh` in PyTorch's layout, as `G` blocks of `H` rows.
    pub(super) fn weight_hh(&self) -> GateMatrix<G, H, H, F> {
        gate_blocks(&self.weight_hh_t)
    }

    /// The biases, `bias_ih` and `bias_hh`, as `G` blocks of `H`.
    pub(super) const fn biases(&self) -> (&[[F; H]; G], &[[F; H]; G]) {
        (&self.bias_ih, &self.bias_hh)
    }

    /// Draws the weights with `init`, each matrix with the fans PyTorch's
    /// `torch.nn.init` gives its `[G·H][N]` shape (fan-in `N`, fan-out
    /// `G·H`), in PyTorch's row-major order; the biases are zero.
    pub(super) fn initialize<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        init.fill_transposed(&mut self.weight_ih_t, |column| column.as_flattened_mut(), rng);
        init.fill_transposed(&mut self.weight_hh_t, |column| column.as_flattened_mut(), rng);
        self.bias_ih = [[F::ZERO; H]; G];
        self.bias_hh = [[F::ZERO; H]; G];
    }

    /// The four tensors under PyTorch's names for a one-layer module
    /// (`weight_ih_l0`, …): the weights `[G·H][I]` and `[G·H][H]` stored
    /// transposed, the biases `[G·H]`.
    pub(super) fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        let storage = [
            self.weight_ih_t.as_flattened().as_flattened(),
            self.weight_hh_t.as_flattened().as_flattened(),
            self.bias_ih.as_flattened(),
            self.bias_hh.as_flattened(),
        ];
        Self::describe().into_iter().zip(storage).map(|((name, kind, shape, layout), storage)| Tensor {
            name,
            kind,
            shape,
            layout,
            storage,
        })
    }

    /// The tensors of [`tensors`](Self::tensors), mutably.
    pub(super) fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        let storage = [
            self.weight_ih_t.as_flattened_mut().as_flattened_mut(),
            self.weight_hh_t.as_flattened_mut().as_flattened_mut(),
            self.bias_ih.as_flattened_mut(),
            self.bias_hh.as_flattened_mut(),
        ];
        Self::describe().into_iter().zip(storage).map(|((name, kind, shape, layout), storage)| TensorMut {
            name,
            kind,
            shape,
            layout,
            storage,
        })
    }

    /// PyTorch's name, kind, shape and the storage layout of `weight_ih`,
    /// `weight_hh`, `bias_ih` and `bias_hh`.
    const fn describe() -> [(&'static str, ParamKind, Shape, Layout); 4] {
        let [weight_ih, weight_hh, bias_ih, bias_hh, ..] = NAMES[0];
        [
            (weight_ih, ParamKind::Weight, Shape::new(const { &[G * H, I] }), Layout::Transposed),
            (weight_hh, ParamKind::Weight, Shape::new(const { &[G * H, H] }), Layout::Transposed),
            (bias_ih, ParamKind::Bias, Shape::new(const { &[G * H] }), Layout::PyTorch),
            (bias_hh, ParamKind::Bias, Shape::new(const { &[G * H] }), Layout::PyTorch),
        ]
    }

    /// Writes `path::from_weights(weight_ih, weight_hh, bias_ih, bias_hh)`,
    /// each in PyTorch's layout as `G` blocks.
    pub(super) fn write_rust<W: fmt::Write>(&self, path: &str, out: &mut W) -> fmt::Result {
        write!(out, "{path}::from_weights(&")?;
        write_blocks(out, &self.weight_ih())?;
        out.write_str(", &")?;
        write_blocks(out, &self.weight_hh())?;
        for bias in [&self.bias_ih, &self.bias_hh] {
            out.write_str(", [")?;
            for (g, block) in bias.iter().enumerate() {
                if g > 0 {
                    out.write_str(", ")?;
                }
                write_array(out, block)?;
            }
            out.write_char(']')?;
        }
        out.write_char(')')
    }
}

/// The storage of a PyTorch `[G·H][N]` weight given as `G` blocks of `H`
/// rows: one `[[F; H]; G]` column per input, `transposed(m)[n][g][h] =
/// m[g][h][n]`. A `const fn`, for `from_weights`.
const fn transposed<F: Float, const G: usize, const H: usize, const N: usize>(
    m: &GateMatrix<G, H, N, F>,
) -> [[[F; H]; G]; N] {
    let mut columns = [[[F::ZERO; H]; G]; N];
    let mut g = 0;
    while g < G {
        let mut h = 0;
        while h < H {
            let mut n = 0;
            while n < N {
                columns[n][g][h] = m[g][h][n];
                n += 1;
            }
            h += 1;
        }
        g += 1;
    }
    columns
}

/// The inverse of [`transposed`]: PyTorch's `G` blocks of `H` rows.
fn gate_blocks<F: Float, const G: usize, const H: usize, const N: usize>(
    columns: &[[[F; H]; G]; N],
) -> GateMatrix<G, H, N, F> {
    core::array::from_fn(|g| core::array::from_fn(|h| core::array::from_fn(|n| columns[n][g][h])))
}

/// Writes `[[[..]; H]; G]` as nested Rust array literals.
fn write_blocks<F: Float, W: fmt::Write, const G: usize, const H: usize, const N: usize>(
    out: &mut W,
    blocks: &GateMatrix<G, H, N, F>,
) -> fmt::Result {
    out.write_char('[')?;
    for (g, block) in blocks.iter().enumerate() {
        if g > 0 {
            out.write_str(", ")?;
        }
        out.write_char('[')?;
        for (h, row) in block.iter().enumerate() {
            if h > 0 {
                out.write_str(", ")?;
            }
            write_array(out, row)?;
        }
        out.write_char(']')?;
    }
    out.write_char(']')
}

/// The API every cell type `$name<I, H, F, extra…>` with `G = $g` gates
/// shares: `from_weights`, the getters and `set_weights` in PyTorch's
/// layout, `Module`, `PerSample` and `Model`. The cell keeps its weights in
/// a field `weights: GateWeights<$g, I, H, F>` and builds itself from them
/// with a `const fn with_weights`. `$gates` names the gate blocks in order,
/// for the docs.
macro_rules! cell_weights_api {
    ($name:ident<$($extra:ident: $bound:path),*>, $g:literal, $gates:literal) => {
        impl<const I: usize, const H: usize, F: Float, $($extra: $bound),*> $name<I, H, F, $($extra),*> {
            #[doc = concat!(
                "Builds the cell from PyTorch's tensors: `weight_ih [", stringify!($g), "·H][I]` and `weight_hh [",
                stringify!($g), "·H][H]` as ", stringify!($g), " gate blocks of `H` rows (", $gates, "), and the ",
                "biases `bias_ih`, `bias_hh [", stringify!($g), "·H]` as ", stringify!($g), " blocks of `H`. A ",
                "`const fn`, so a model can live in a `static`."
            )]
            pub const fn from_weights(
                weight_ih: &[[[F; I]; H]; $g],
                weight_hh: &[[[F; H]; H]; $g],
                bias_ih: [[F; H]; $g],
                bias_hh: [[F; H]; $g],
            ) -> Self {
                const { assert!(I > 0 && H > 0, "a recurrent layer needs at least one input and one hidden unit") };
                Self::with_weights(GateWeights::from_pytorch(weight_ih, weight_hh, bias_ih, bias_hh))
            }

            /// `weight_ih` in PyTorch's layout, as gate blocks of `H` rows.
            pub fn weight_ih(&self) -> [[[F; I]; H]; $g] {
                self.weights.weight_ih()
            }

            /// `weight_hh` in PyTorch's layout, as gate blocks of `H` rows.
            pub fn weight_hh(&self) -> [[[F; H]; H]; $g] {
                self.weights.weight_hh()
            }

            /// `bias_ih`, as gate blocks of `H`.
            pub const fn bias_ih(&self) -> &[[F; H]; $g] {
                self.weights.biases().0
            }

            /// `bias_hh`, as gate blocks of `H`.
            pub const fn bias_hh(&self) -> &[[F; H]; $g] {
                self.weights.biases().1
            }

            /// Replaces every weight and bias, given as for
            /// [`from_weights`](Self::from_weights).
            pub fn set_weights(
                &mut self,
                weight_ih: &[[[F; I]; H]; $g],
                weight_hh: &[[[F; H]; H]; $g],
                bias_ih: &[[F; H]; $g],
                bias_hh: &[[F; H]; $g],
            ) {
                self.weights = GateWeights::from_pytorch(weight_ih, weight_hh, *bias_ih, *bias_hh);
            }
        }

        impl<const I: usize, const H: usize, F, $($extra),*> $crate::Module for $name<I, H, F, $($extra),*> {}

        /// A batch of sequences runs sequence by sequence, in order.
        impl<const I: usize, const H: usize, F, $($extra),*> $crate::PerSample for $name<I, H, F, $($extra),*> {}

        impl<const I: usize, const H: usize, F: Float, $($extra: $bound),*> $crate::Model<F>
            for $name<I, H, F, $($extra),*>
        {
            const PARAMS: usize = $g * H * (I + H) + 2 * $g * H;
            const TENSORS: usize = 4;
            const ZERO: Self = Self::with_weights(GateWeights::ZERO);

            /// Draws `weight_ih` then `weight_hh` with `init` (fans of
            /// their PyTorch shapes), in PyTorch's order; biases zero.
            fn initialize_with<R: rand::Rng + ?Sized>(&mut self, init: $crate::Init, rng: &mut R) {
                self.weights.initialize(init, rng);
            }
            fn tensors(&self) -> impl Iterator<Item = $crate::Tensor<'_, F>> {
                self.weights.tensors()
            }
            fn tensors_mut(&mut self) -> impl Iterator<Item = $crate::TensorMut<'_, F>> {
                self.weights.tensors_mut()
            }
            fn write_rust<W: core::fmt::Write>(&self, out: &mut W) -> core::fmt::Result {
                self.weights.write_rust(concat!("constnet::layers::", stringify!($name)), out)
            }
        }
    };
}

pub(super) use cell_weights_api;
