//! The temporal convolutional network's residual block, as a composition
//! of the library's layers: [`TcnBlock`] and its streaming state
//! [`TcnState`].

use super::{CausalConv1d, History, Relu, Residual};

/// A residual block of a temporal convolutional network (Bai, Kolter and
/// Koltun, 2018) over `C` channels and `L` steps: two causal convolutions
/// with kernel `K` and dilation `D`, each followed by a ReLU, inside a
/// [`Residual`]: `y = x + relu(conv₂(relu(conv₁(x))))`.
///
/// It is nothing but that composition — a type alias — so it trains,
/// saves (`block.0.weight`, `block.2.weight`, …) and writes itself as
/// Rust like any stack, and it runs on a stream one frame at a time through
/// [`Streaming`](crate::Streaming) with a [`TcnState`], bit for bit as the
/// whole pass. Stack blocks with growing dilations (1, 2, 4, …) for a
/// receptive field of `1 + 2·(K − 1)·(1 + 2 + 4 + …)` steps; put a
/// channel-changing `CausalConv1d<CI, C, 1, 1, L>` in front if the input
/// has other than `C` channels, and a [`Relu`] after the block for the
/// paper's activation after the sum.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::{TcnBlock, TcnState};
///
/// // Two blocks, dilations 1 and 2, over 3 channels and 16 steps.
/// type Tcn = (TcnBlock<3, 3, 1, 16>, TcnBlock<3, 3, 2, 16>);
/// let tcn = Tcn::init(&mut rand::rngs::SmallRng::seed_from_u64(7));
/// let x: [[f32; 16]; 3] = core::array::from_fn(|c| core::array::from_fn(|t| ((c * 16 + t) as f32).sin()));
/// let whole = tcn.forward(&x);
/// let mut state = <(TcnState<3, 2>, TcnState<3, 4>)>::default();
/// for t in 0..16 {
///     let y = tcn.stream(&[x[0][t], x[1][t], x[2][t]], &mut state);
///     assert_eq!(y, [whole[0][t], whole[1][t], whole[2][t]]);
/// }
/// ```
pub type TcnBlock<const C: usize, const K: usize, const D: usize, const L: usize, F = f32> =
    Residual<(CausalConv1d<C, C, K, D, L, F>, Relu, CausalConv1d<C, C, K, D, L, F>, Relu)>;

/// The streaming state of a [`TcnBlock`]: its two convolutions'
/// [`History`]s of `N = D·(K − 1)` frames each (checked at compile time).
pub type TcnState<const C: usize, const N: usize, F = f32> = (History<C, N, F>, (), History<C, N, F>, ());
