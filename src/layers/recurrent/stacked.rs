//! [`Stacked`]: several recurrent layers, each reading the previous one's
//! outputs, as PyTorch's `num_layers`.

use core::fmt;

use rand::Rng;

use super::{Cell, Recurrent};
use crate::model::{Tensor, TensorMut};
use crate::{Float, Init, Model, Module, PerSample, Sequence};

/// Recurrent layers run one after another over a sequence, each reading
/// the previous one's outputs: PyTorch's `nn.LSTM(…, num_layers=N)` (and
/// `nn.GRU`, `nn.RNN`) for the tuple `(layer 0, layer 1, …)` of 2 to 4
/// layers, which may be [`Bidirectional`](crate::layers::Bidirectional).
///
/// Its state is the tuple of the layers' states — PyTorch's `h_n` and `c_n`,
/// one entry per layer — so a given initial state and the final state keep
/// PyTorch's meaning, and the backward pass returns dL/d(each layer's
/// initial state). Without a given state, a stack of layers in a plain tuple
/// (`(Lstm<8, 32>, Lstm<32, 32>, …)`) computes the same outputs; `Stacked`
/// adds the states and PyTorch's parameter names: layer `k`'s tensors are
/// `weight_ih_lk`, … (`_lk_reverse` for a bidirectional layer's reverse
/// direction), as in PyTorch's `state_dict`. When every layer is a
/// [`Cell`], [`step`](Stacked::step) streams the whole stack one input
/// step at a time.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::LstmState;
///
/// type TwoLayers = Stacked<(Lstm<3, 4>, Lstm<4, 4>)>; // nn.LSTM(3, 4, num_layers=2)
/// let lstm = TwoLayers::init(&mut Xoshiro256PlusPlus::seed_from_u64(5));
/// let names: Vec<&str> = lstm.tensors().map(|t| t.name).collect();
/// assert_eq!(names[4..6], ["weight_ih_l1", "weight_hh_l1"]);
///
/// let x = Sequence::new([[0.1, 0.2, 0.3]; 6]);
/// let h0 = (LstmState::new([0.5; 4], [0.0; 4]), LstmState::default());
/// let (output, (last0, last1)) = lstm.forward(&(x, h0));
/// assert_eq!(output[5], last1.h); // the top layer's last hidden state
///
/// // Streaming the stack gives the same bits.
/// let mut state = h0;
/// let steps: Vec<[f32; 4]> = x.iter().map(|step| lstm.step(&mut state, step)).collect();
/// assert_eq!(steps.last(), Some(&output[5]));
/// assert_eq!(state, (last0, last1));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stacked<Layers> {
    /// The layers, first (reading the input) to last.
    pub layers: Layers,
}

impl<Layers> Stacked<Layers> {
    /// The stack of `layers` (a tuple). A `const fn`, so a model can live in
    /// a `static`.
    pub const fn new(layers: Layers) -> Self {
        Stacked { layers }
    }
}

impl<Layers> Module for Stacked<Layers> {}

/// A batch of sequences runs sequence by sequence, in order.
impl<Layers> PerSample for Stacked<Layers> {}

/// PyTorch's names of the tensors of recurrent layer `k`, forward
/// direction then reverse, for each `k` given.
macro_rules! layer_names {
    ($($k:literal),+) => {
        [$([
            concat!("weight_ih_l", $k),
            concat!("weight_hh_l", $k),
            concat!("bias_ih_l", $k),
            concat!("bias_hh_l", $k),
            concat!("weight_ih_l", $k, "_reverse"),
            concat!("weight_hh_l", $k, "_reverse"),
            concat!("bias_ih_l", $k, "_reverse"),
            concat!("bias_hh_l", $k, "_reverse"),
        ]),+]
    };
}

/// PyTorch's names of a one-layer module's tensors, and the same for
/// layers 1, 2 and 3: row `k` holds layer `k`'s.
pub(super) const NAMES: [[&str; 8]; 4] = layer_names!(0, 1, 2, 3);

/// The name a layer-0 tensor `name` has in layer `layer` (a name that is
/// not a layer-0 recurrent name is kept).
pub(super) fn in_layer(name: &'static str, layer: usize) -> &'static str {
    let index = NAMES[0].iter().position(|&base| base == name);
    index.and_then(|i| NAMES.get(layer).map(|row| row[i])).unwrap_or(name)
}

/// The name of the reverse direction's copy of a forward tensor `name`.
pub(super) fn reversed(name: &'static str) -> &'static str {
    NAMES[0].iter().position(|&base| base == name).and_then(|i| NAMES[0].get(i + 4)).copied().unwrap_or(name)
}

/// Implements `Recurrent`, `Model` and the streaming `step` for the stack
/// of `layers` (type and tuple index), where each `next: prev` pair of
/// `chain` reads its predecessor's outputs; `reversed` lists the layers
/// last first (for the backward pass).
macro_rules! stacked {
    (
        layers [$($layer:ident $i:tt),+],
        chain [$($next:ident: $prev:ident),+],
        reversed [$($r:ident $ri:tt),+],
        first $first:ident,
        last $last:ident
    ) => {
        impl<$($layer: Recurrent),+> Recurrent for Stacked<($($layer,)+)>
        where
            $($next: Recurrent<Input = <$prev as Recurrent>::Output, Scalar = <$prev as Recurrent>::Scalar>,)+
        {
            type Scalar = <$first as Recurrent>::Scalar;
            type Input = <$first as Recurrent>::Input;
            type Output = <$last as Recurrent>::Output;
            type State = ($($layer::State,)+);
            /// Each layer's tape.
            type Tape<const T: usize> = ($($layer::Tape<T>,)+);

            #[allow(non_snake_case)]
            fn run<const T: usize>(
                &self,
                x: &Sequence<Self::Input, T>,
                state: &Self::State,
            ) -> (Sequence<Self::Output, T>, Self::State) {
                let y = *x;
                $(let (y, $layer) = self.layers.$i.run(&y, &state.$i);)+
                (y, ($($layer,)+))
            }

            #[allow(non_snake_case)]
            fn run_tape<const T: usize>(
                &self,
                x: &Sequence<Self::Input, T>,
                state: &Self::State,
            ) -> (Sequence<Self::Output, T>, Self::State, Self::Tape<T>) {
                let y = *x;
                $(
                    let (y, last, tape) = self.layers.$i.run_tape(&y, &state.$i);
                    let $layer = (last, tape);
                )+
                (y, ($($layer.0,)+), ($($layer.1,)+))
            }

            /// The last layer first: each layer's dL/d(input) is the
            /// previous layer's dL/d(output).
            #[allow(non_snake_case)]
            fn run_backprop<const T: usize>(
                &self,
                tape: &Self::Tape<T>,
                dy: &Sequence<Self::Output, T>,
                d_state: &Self::State,
                grads: &mut Self,
            ) -> (Sequence<Self::Input, T>, Self::State) {
                let d = *dy;
                $(let (d, $r) = self.layers.$ri.run_backprop(&tape.$ri, &d, &d_state.$ri, &mut grads.layers.$ri);)+
                (d, ($($layer,)+))
            }
        }

        impl<F: Float, $($layer: Model<F>),+> Model<F> for Stacked<($($layer,)+)> {
            const PARAMS: usize = 0 $(+ $layer::PARAMS)+;
            const TENSORS: usize = 0 $(+ $layer::TENSORS)+;
            const ZERO: Self = Stacked { layers: ($($layer::ZERO,)+) };

            /// Position 0 (the stack is one layer from outside); the type is
            /// the inner layer's.
            fn tensor_owner(index: usize) -> Option<(usize, &'static str)> {
                let mut index = index;
                $(
                    if index < $layer::TENSORS {
                        return $layer::tensor_owner(index).map(|(_, layer_type)| (0, layer_type));
                    }
                    index -= $layer::TENSORS;
                )+
                let _ = index;
                None
            }
            fn initialize_with<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
                $(self.layers.$i.initialize_with(init, rng);)+
            }
            /// The layers' tensors in order, named as PyTorch names layer
            /// `k`'s.
            fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
                core::iter::empty()
                    $(.chain(self.layers.$i.tensors().map(|t| Tensor { name: in_layer(t.name, $i), ..t })))+
            }
            #[allow(non_snake_case)]
            fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
                let ($($layer,)+) = &mut self.layers;
                core::iter::empty()
                    $(.chain($layer.tensors_mut().map(|t| TensorMut { name: in_layer(t.name, $i), ..t })))+
            }
            fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
                out.write_str("constnet::layers::Stacked::new((")?;
                $(
                    self.layers.$i.write_rust(out)?;
                    out.write_str(", ")?;
                )+
                out.write_str("))")
            }
        }

        impl<$($layer: Cell),+> Stacked<($($layer,)+)>
        where
            $($next: Cell<Input = <$prev as Cell>::Output>,)+
        {
            /// Streams the whole stack one input step at a time: advances
            /// every layer's state and returns the top layer's output, with
            /// exactly the bits of the whole-sequence pass.
            pub fn step(&self, state: &mut ($($layer::State,)+), x: &<$first as Cell>::Input) -> <$last as Cell>::Output {
                let y = *x;
                $(let y = self.layers.$i.step(&mut state.$i, &y);)+
                y
            }
        }
    };
}

stacked!(layers [A 0, B 1], chain [B: A], reversed [B 1, A 0], first A, last B);
stacked!(layers [A 0, B 1, C 2], chain [B: A, C: B], reversed [C 2, B 1, A 0], first A, last C);
stacked!(
    layers [A 0, B 1, C 2, D 3],
    chain [B: A, C: B, D: C],
    reversed [D 3, C 2, B 1, A 0],
    first A,
    last D
);
