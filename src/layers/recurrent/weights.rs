//! [`GateWeights`]: the weights of a recurrent cell with `G` gates, stored
//! transposed, and what every cell does with them in the same way —
//! building them from PyTorch's layout, the tensor views, initialisation and
//! export as Rust source.

use core::fmt;

use rand::Rng;

use super::GateWeights;
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
        let mut weights = Self::ZERO;
        let mut g = 0;
        while g < G {
            let mut h = 0;
            while h < H {
                let mut i = 0;
                while i < I {
                    weights.weight_ih_t[i][g][h] = weight_ih[g][h][i];
                    i += 1;
                }
                let mut j = 0;
                while j < H {
                    weights.weight_hh_t[j][g][h] = weight_hh[g][h][j];
                    j += 1;
                }
                h += 1;
            }
            g += 1;
        }
        weights.bias_ih = bias_ih;
        weights.bias_hh = bias_hh;
        weights
    }

    /// `weight_ih` in PyTorch's layout, as `G` blocks of `H` rows.
    pub(super) fn weight_ih(&self) -> GateMatrix<G, H, I, F> {
        core::array::from_fn(|g| core::array::from_fn(|h| core::array::from_fn(|i| self.weight_ih_t[i][g][h])))
    }

    /// `weight_hh` in PyTorch's layout, as `G` blocks of `H` rows.
    pub(super) fn weight_hh(&self) -> GateMatrix<G, H, H, F> {
        core::array::from_fn(|g| core::array::from_fn(|h| core::array::from_fn(|j| self.weight_hh_t[j][g][h])))
    }

    /// The biases, `bias_ih` and `bias_hh`, as `G` blocks of `H`.
    pub(super) const fn biases(&self) -> (&[[F; H]; G], &[[F; H]; G]) {
        (&self.bias_ih, &self.bias_hh)
    }

    /// Draws the weights with `init`, each matrix with the fans PyTorch's
    /// `torch.nn.init` gives its `[G·H][N]` shape (fan-in `N`, fan-out
    /// `G·H`), in PyTorch's row-major order; the biases are zero.
    pub(super) fn initialize<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        for g in 0..G {
            for h in 0..H {
                for column in self.weight_ih_t.iter_mut() {
                    column[g][h] = init.sample(I, G * H, rng);
                }
            }
        }
        for g in 0..G {
            for h in 0..H {
                for column in self.weight_hh_t.iter_mut() {
                    column[g][h] = init.sample(H, G * H, rng);
                }
            }
        }
        self.bias_ih = [[F::ZERO; H]; G];
        self.bias_hh = [[F::ZERO; H]; G];
    }

    /// The four tensors under PyTorch's names for a one-layer module
    /// (`weight_ih_l0`, …): the weights `[G·H][I]` and `[G·H][H]` stored
    /// transposed, the biases `[G·H]`.
    pub(super) fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        let [ih, hh, bih, bhh] = Self::shapes();
        [
            Tensor {
                name: "weight_ih_l0",
                kind: ParamKind::Weight,
                shape: ih,
                layout: Layout::Transposed,
                storage: self.weight_ih_t.as_flattened().as_flattened(),
            },
            Tensor {
                name: "weight_hh_l0",
                kind: ParamKind::Weight,
                shape: hh,
                layout: Layout::Transposed,
                storage: self.weight_hh_t.as_flattened().as_flattened(),
            },
            Tensor {
                name: "bias_ih_l0",
                kind: ParamKind::Bias,
                shape: bih,
                layout: Layout::PyTorch,
                storage: self.bias_ih.as_flattened(),
            },
            Tensor {
                name: "bias_hh_l0",
                kind: ParamKind::Bias,
                shape: bhh,
                layout: Layout::PyTorch,
                storage: self.bias_hh.as_flattened(),
            },
        ]
        .into_iter()
    }

    /// The tensors of [`tensors`](Self::tensors), mutably.
    pub(super) fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        let [ih, hh, bih, bhh] = Self::shapes();
        [
            TensorMut {
                name: "weight_ih_l0",
                kind: ParamKind::Weight,
                shape: ih,
                layout: Layout::Transposed,
                storage: self.weight_ih_t.as_flattened_mut().as_flattened_mut(),
            },
            TensorMut {
                name: "weight_hh_l0",
                kind: ParamKind::Weight,
                shape: hh,
                layout: Layout::Transposed,
                storage: self.weight_hh_t.as_flattened_mut().as_flattened_mut(),
            },
            TensorMut {
                name: "bias_ih_l0",
                kind: ParamKind::Bias,
                shape: bih,
                layout: Layout::PyTorch,
                storage: self.bias_ih.as_flattened_mut(),
            },
            TensorMut {
                name: "bias_hh_l0",
                kind: ParamKind::Bias,
                shape: bhh,
                layout: Layout::PyTorch,
                storage: self.bias_hh.as_flattened_mut(),
            },
        ]
        .into_iter()
    }

    /// PyTorch's shapes of `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`.
    const fn shapes() -> [Shape; 4] {
        [
            Shape::new(const { &[G * H, I] }),
            Shape::new(const { &[G * H, H] }),
            Shape::new(const { &[G * H] }),
            Shape::new(const { &[G * H] }),
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
