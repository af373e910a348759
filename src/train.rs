//! Training helpers over data sets held in slices: no heap, no copies.

use crate::optim::Optimizer;
use crate::{Float, Forward, Layer, Model, TrainError};

/// Trains on one mini-batch: runs every sample forward with a tape and
/// backward, accumulates the gradients, averages them over the batch and
/// applies one optimiser step. Returns the batch's mean loss, which for the
/// losses in [`loss`](crate::loss) is PyTorch's `reduction='mean'` loss of
/// the batch.
///
/// If the mean loss is not finite, the parameters are left unchanged and
/// [`TrainError::NonFiniteLoss`] is returned (`first_sample` is 0 here).
///
/// ```
/// use constnet::prelude::*;
///
/// let mut net: (Dense<1, 1>, Identity) = (Dense::from_weights([[0.0]], [0.0]), Identity);
/// let mut sgd = Sgd::new(0.1).unwrap();
/// let batch = [([1.0], [2.0]), ([2.0], [4.0])];
/// let loss = train_batch(&mut net, &mut sgd, &batch, mse).unwrap();
/// assert_eq!(loss, 10.0); // ((0 − 2)² + (0 − 4)²) / 2
/// ```
pub fn train_batch<F, X, Y, M, O, L>(
    model: &mut M,
    optimizer: &mut O,
    batch: &[(X, Y)],
    mut loss: L,
) -> Result<F, TrainError>
where
    F: Float,
    M: Model<F> + Layer<X>,
    O: Optimizer<F, M>,
    L: FnMut(&M::Output, &Y) -> (F, M::Output),
{
    if batch.is_empty() {
        return Err(TrainError::Empty);
    }
    let mut grads = M::zeroed();
    let mut total = F::zero();
    for (x, y) in batch {
        let (output, tape) = model.forward_tape(x);
        let (value, d_output) = loss(&output, y);
        total = total + value;
        model.backward(&tape, &d_output, &mut grads);
    }
    step_on_mean(model, optimizer, grads, total, batch.len())
}

/// Averages the summed loss and gradients of `count` samples and, if the
/// mean loss is finite, applies one optimiser step.
fn step_on_mean<F: Float, M: Model<F>, O: Optimizer<F, M>>(
    model: &mut M,
    optimizer: &mut O,
    mut grads: M,
    total_loss: F,
    count: usize,
) -> Result<F, TrainError> {
    let scale = F::one() / F::from_usize(count);
    let mean = total_loss * scale;
    if !mean.is_finite() {
        return Err(TrainError::NonFiniteLoss { first_sample: 0, loss: mean.as_f64() });
    }
    grads.scale_params(scale);
    optimizer.step(model, &grads);
    Ok(mean)
}

/// Trains for one pass over `data`, in order, in mini-batches of
/// `batch_size` (the last batch may be smaller). Returns the mean loss over
/// all samples, each measured before its batch's update.
///
/// ```
/// use constnet::prelude::*;
///
/// const XOR: [([f32; 2], [f32; 1]); 4] =
///     [([0.0, 0.0], [0.0]), ([0.0, 1.0], [1.0]), ([1.0, 0.0], [1.0]), ([1.0, 1.0], [0.0])];
/// let mut net = <(Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid)>::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// let mut sgd = Sgd::new(0.5).unwrap();
/// let first = train_epoch(&mut net, &mut sgd, &XOR, 4, mse).unwrap();
/// for _ in 0..500 {
///     train_epoch(&mut net, &mut sgd, &XOR, 4, mse).unwrap();
/// }
/// assert!(train_epoch(&mut net, &mut sgd, &XOR, 4, mse).unwrap() < first);
/// ```
pub fn train_epoch<F, X, Y, M, O, L>(
    model: &mut M,
    optimizer: &mut O,
    data: &[(X, Y)],
    batch_size: usize,
    mut loss: L,
) -> Result<F, TrainError>
where
    F: Float,
    M: Model<F> + Layer<X>,
    O: Optimizer<F, M>,
    L: FnMut(&M::Output, &Y) -> (F, M::Output),
{
    if batch_size == 0 {
        return Err(TrainError::ZeroBatchSize);
    }
    if data.is_empty() {
        return Err(TrainError::Empty);
    }
    let mut total = F::zero();
    for (index, batch) in data.chunks(batch_size).enumerate() {
        let mean = train_batch(model, optimizer, batch, &mut loss).map_err(|error| match error {
            TrainError::NonFiniteLoss { loss, .. } => {
                TrainError::NonFiniteLoss { first_sample: index * batch_size, loss }
            }
            other => other,
        })?;
        total = total + mean * F::from_usize(batch.len());
    }
    Ok(total / F::from_usize(data.len()))
}

/// Trains on one mini-batch held as an array, running the whole batch through
/// the stack at once: `model` sees `[X; B]`, so layers that couple the
/// samples of a batch (batch normalisation) use the batch's statistics.
/// Computes each sample's loss, back-propagates the batch, averages the
/// gradients and applies one optimiser step; returns the batch's mean loss.
///
/// For stacks without batch-coupled layers this gives the same bits as
/// [`train_batch`] on the same samples. If the mean loss is not finite, the
/// trainable parameters are left unchanged and
/// [`TrainError::NonFiniteLoss`] is returned (training-mode state such as
/// batch-norm running statistics has already seen the batch).
///
/// ```
/// use constnet::prelude::*;
///
/// let mut net: (Dense<1, 1>, Identity) = (Dense::from_weights([[0.0]], [0.0]), Identity);
/// let mut sgd = Sgd::new(0.1).unwrap();
/// let loss = train_batched(&mut net, &mut sgd, &[[1.0], [2.0]], &[[2.0], [4.0]], mse).unwrap();
/// assert_eq!(loss, 10.0); // ((0 − 2)² + (0 − 4)²) / 2
/// ```
pub fn train_batched<F, X, Y, Out, M, O, L, const B: usize>(
    model: &mut M,
    optimizer: &mut O,
    inputs: &[X; B],
    targets: &[Y; B],
    mut loss: L,
) -> Result<F, TrainError>
where
    F: Float,
    M: Model<F> + Layer<[X; B], Output = [Out; B]>,
    O: Optimizer<F, M>,
    L: FnMut(&Out, &Y) -> (F, Out),
{
    if B == 0 {
        return Err(TrainError::Empty);
    }
    let (outputs, tape) = model.forward_tape(inputs);
    let mut total = F::zero();
    let d_outputs: [Out; B] = core::array::from_fn(|b| {
        let (value, d_output) = loss(&outputs[b], &targets[b]);
        total = total + value;
        d_output
    });
    let mut grads = M::zeroed();
    model.backward(&tape, &d_outputs, &mut grads);
    step_on_mean(model, optimizer, grads, total, B)
}
