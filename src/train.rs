//! Training helpers over data sets held in slices: no heap, no copies.

use crate::optim::Optimizer;
use crate::{Backprop, Batch, Float, Forward, Model, TrainError};

/// Trains on one mini-batch — any iterator over `&(input, target)`, such as
/// a slice, or samples picked from a data set by index: runs every sample
/// forward with a tape and
/// backward, accumulates the gradients, averages them over the batch and
/// applies one optimiser step. Returns the batch's mean loss, which for the
/// losses in [`loss`](crate::loss) is PyTorch's `reduction='mean'` loss of
/// the batch.
///
/// The samples run in [`TrainMode`](crate::TrainMode), one at a time, so a
/// model with batch normalisation does not compile here (it needs
/// [`train_batched`] or [`train_epoch_batched`]).
///
/// If the mean loss or any averaged gradient is not finite, the parameters
/// and the optimiser's state are left unchanged and
/// [`TrainError::NonFiniteLoss`] or [`TrainError::NonFiniteGradient`] is
/// returned (`first_sample` is 0 here). Training-mode state that the
/// forward passes update (dropout's generator) has moved on.
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
pub fn train_batch<'a, F, X, Y, M, O, L>(
    model: &mut M,
    optimizer: &mut O,
    batch: impl IntoIterator<Item = &'a (X, Y)>,
    mut loss: L,
) -> Result<F, TrainError>
where
    F: Float,
    X: 'a,
    Y: 'a,
    M: Model<F> + Backprop<X>,
    O: Optimizer<F, M>,
    L: FnMut(&M::Output, &Y) -> (F, M::Output),
{
    let mut grads = M::zeroed();
    let mut total = F::zero();
    let mut count = 0;
    for (x, y) in batch {
        let (output, tape) = model.forward_tape(x);
        let (value, d_output) = loss(&output, y);
        total = total + value;
        model.backward_params(&tape, &d_output, &mut grads);
        count += 1;
    }
    if count == 0 {
        return Err(TrainError::Empty);
    }
    step_on_mean(model, optimizer, &mut grads, total, count)
}

/// Averages the summed loss and gradients of `count` samples and, if the
/// mean loss and every averaged gradient are finite, lets the optimiser
/// prepare them (clip them, with [`Clipped`](crate::optim::Clipped)) and
/// applies one step; otherwise returns the error and changes neither the
/// model nor the optimiser.
fn step_on_mean<F: Float, M: Model<F>, O: Optimizer<F, M>>(
    model: &mut M,
    optimizer: &mut O,
    grads: &mut M,
    total_loss: F,
    count: usize,
) -> Result<F, TrainError> {
    let scale = F::one() / F::from_usize(count);
    let mean = total_loss * scale;
    if !mean.is_finite() {
        return Err(TrainError::NonFiniteLoss { first_sample: 0, loss: mean.as_f64() });
    }
    // A finite loss can come with infinite or NaN gradients (tanh(∞) = 1
    // while dW = dy·∞), which would corrupt every parameter they touch.
    if let Some(tensor) = scale_finding_non_finite(grads, scale) {
        let (layer, layer_type) = M::tensor_owner(tensor).unwrap_or((tensor, "?"));
        let name = grads.tensors().nth(tensor).map_or("?", |t| t.name);
        return Err(TrainError::NonFiniteGradient { first_sample: 0, layer, layer_type, tensor, name });
    }
    optimizer.prepare(grads);
    optimizer.step(model, grads);
    Ok(mean)
}

/// Multiplies every gradient by `scale` and returns the index of the first
/// tensor holding a value that is then not finite. One pass, and no early
/// exit inside a tensor, so the loop vectorises: as two passes, a scaling
/// and a search that stopped at the first bad value, it took about a third
/// of a one-sample training step of the digits MLP.
fn scale_finding_non_finite<F: Float, M: Model<F>>(grads: &mut M, scale: F) -> Option<usize> {
    let mut first = None;
    for (index, tensor) in grads.tensors_mut().enumerate() {
        // A one-sample batch scales by exactly one, which changes no bits:
        // only the check is left, and it stores nothing.
        let finite = if scale == F::one() {
            crate::kernel::all_finite(tensor.storage)
        } else {
            crate::kernel::scale_all_finite(tensor.storage, scale)
        };
        if !finite && first.is_none() {
            first = Some(index);
        }
    }
    first
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
    loss: L,
) -> Result<F, TrainError>
where
    F: Float,
    M: Model<F> + Backprop<X>,
    O: Optimizer<F, M>,
    L: FnMut(&M::Output, &Y) -> (F, M::Output),
{
    if batch_size == 0 {
        return Err(TrainError::ZeroBatchSize);
    }
    run_epoch(
        model,
        optimizer,
        data.chunks(batch_size).map(|chunk| chunk.iter()),
        data.len(),
        batch_size,
        loss,
        |_, _| {},
    )
}

/// Trains for one pass over `data` in the order `order` gives (indices into
/// `data`, typically a permutation the caller reshuffles each epoch with
/// [`shuffle`](crate::data::shuffle)), in mini-batches of `batch_size`.
/// After each batch, `on_batch(batches_done, batch_mean_loss)` is called, to
/// drive a progress display. Returns the mean loss over all samples, each
/// measured before its batch's update.
///
/// An index in `order` that is out of range is an error, found before the
/// batch that holds it trains.
///
/// The batch size is a run-time value and the last batch may be smaller, so
/// each batch runs sample by sample; [`train_epoch_batched`] takes batches
/// of a size fixed at compile time through the batched kernels (and trains
/// models with batch normalisation).
///
/// ```
/// use constnet::prelude::*;
///
/// let data = [([0.0_f32], [0.0_f32]), ([1.0], [2.0]), ([2.0], [4.0])];
/// let mut order = [0, 1, 2];
/// let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
/// let mut net: (Dense<1, 1>, Identity) = (Dense::from_weights([[0.0]], [0.0]), Identity);
/// let mut sgd = Sgd::new(0.05).unwrap();
/// let mut batches = 0;
/// for _ in 0..200 {
///     shuffle(&mut order, &mut rng);
///     train_epoch_ordered(&mut net, &mut sgd, &data, &order, 2, mse, |done, _| batches = done).unwrap();
/// }
/// assert_eq!(batches, 2);
/// assert!((net.0.weight()[0][0] - 2.0).abs() < 0.01);
/// ```
pub fn train_epoch_ordered<F, X, Y, M, O, L>(
    model: &mut M,
    optimizer: &mut O,
    data: &[(X, Y)],
    order: &[usize],
    batch_size: usize,
    loss: L,
    on_batch: impl FnMut(usize, F),
) -> Result<F, TrainError>
where
    F: Float,
    M: Model<F> + Backprop<X>,
    O: Optimizer<F, M>,
    L: FnMut(&M::Output, &Y) -> (F, M::Output),
{
    if batch_size == 0 {
        return Err(TrainError::ZeroBatchSize);
    }
    if let Some(&index) = order.iter().find(|&&index| index >= data.len()) {
        return Err(TrainError::IndexOutOfRange { index, len: data.len() });
    }
    // Every index was checked above, so `data[index]` cannot panic.
    let batches = order.chunks(batch_size).map(|chunk| chunk.iter().map(|&index| &data[index]));
    run_epoch(model, optimizer, batches, order.len(), batch_size, loss, on_batch)
}

/// The epoch loop shared by [`train_epoch`] and [`train_epoch_ordered`].
fn run_epoch<'a, F, X, Y, M, O, L, B>(
    model: &mut M,
    optimizer: &mut O,
    batches: impl Iterator<Item = B>,
    samples: usize,
    batch_size: usize,
    mut loss: L,
    mut on_batch: impl FnMut(usize, F),
) -> Result<F, TrainError>
where
    F: Float,
    X: 'a,
    Y: 'a,
    M: Model<F> + Backprop<X>,
    O: Optimizer<F, M>,
    L: FnMut(&M::Output, &Y) -> (F, M::Output),
    B: ExactSizeIterator<Item = &'a (X, Y)>,
{
    if samples == 0 {
        return Err(TrainError::Empty);
    }
    let mut total = F::zero();
    for (index, batch) in batches.enumerate() {
        let size = batch.len();
        let mean =
            train_batch(model, optimizer, batch, &mut loss).map_err(|error| error.at_batch(index * batch_size))?;
        total = total + mean * F::from_usize(size);
        on_batch(index + 1, mean);
    }
    Ok(total / F::from_usize(samples))
}

/// The mean loss of `model` over `data`, by inference (no tape, no change to
/// the model).
///
/// ```
/// use constnet::prelude::*;
///
/// let net: (Dense<1, 1>, Identity) = (Dense::from_weights([[2.0]], [0.0]), Identity);
/// let loss = evaluate(&net, &[([1.0], [2.0]), ([2.0], [3.0])], mse).unwrap();
/// assert_eq!(loss, 0.5); // (0² + 1²) / 2
/// ```
pub fn evaluate<F, X, Y, M, L>(model: &M, data: &[(X, Y)], mut loss: L) -> Result<F, TrainError>
where
    F: Float,
    M: Model<F> + crate::Layer<X>,
    L: FnMut(&M::Output, &Y) -> (F, M::Output),
{
    if data.is_empty() {
        return Err(TrainError::Empty);
    }
    let total = data.iter().fold(F::zero(), |total, (x, y)| total + loss(&model.forward(x), y).0);
    Ok(total / F::from_usize(data.len()))
}

/// Trains on one mini-batch held as a [`Batch`], running the whole batch
/// through the stack at once, in [`TrainMode`](crate::TrainMode): layers
/// that couple the samples of a batch (batch normalisation) use the
/// batch's statistics. Computes each sample's loss, back-propagates the
/// batch, averages the gradients and applies one optimiser step; returns
/// the batch's mean loss.
///
/// For stacks without batch-coupled layers this gives the same bits as
/// [`train_batch`] on the same samples. If the mean loss or any averaged
/// gradient is not finite, the trainable parameters and the optimiser's
/// state are left unchanged and [`TrainError::NonFiniteLoss`] or
/// [`TrainError::NonFiniteGradient`] is returned (training-mode state such
/// as batch-norm running statistics has already seen the batch).
///
/// ```
/// use constnet::prelude::*;
///
/// let mut net: (Dense<1, 1>, Identity) = (Dense::from_weights([[0.0]], [0.0]), Identity);
/// let mut sgd = Sgd::new(0.1).unwrap();
/// let inputs = Batch::new([[1.0], [2.0]]);
/// let targets = Batch::new([[2.0], [4.0]]);
/// let loss = train_batched(&mut net, &mut sgd, &inputs, &targets, mse).unwrap();
/// assert_eq!(loss, 10.0); // ((0 − 2)² + (0 − 4)²) / 2
/// ```
pub fn train_batched<F, X, Y, Out, M, O, L, const B: usize>(
    model: &mut M,
    optimizer: &mut O,
    inputs: &Batch<X, B>,
    targets: &Batch<Y, B>,
    loss: L,
) -> Result<F, TrainError>
where
    F: Float,
    M: Model<F> + Backprop<Batch<X, B>, Output = Batch<Out, B>>,
    O: Optimizer<F, M>,
    L: FnMut(&Out, &Y) -> (F, Out),
{
    step_batched(model, optimizer, inputs, |b| &targets[b], loss)
}

/// [`train_batched`] with sample `b`'s target given by `target(b)`, so that
/// the epoch helper need not gather the targets into a `Batch`.
fn step_batched<'y, F, X, Y, Out, M, O, L, const B: usize>(
    model: &mut M,
    optimizer: &mut O,
    inputs: &Batch<X, B>,
    target: impl Fn(usize) -> &'y Y,
    mut loss: L,
) -> Result<F, TrainError>
where
    F: Float,
    Y: 'y,
    M: Model<F> + Backprop<Batch<X, B>, Output = Batch<Out, B>>,
    O: Optimizer<F, M>,
    L: FnMut(&Out, &Y) -> (F, Out),
{
    if B == 0 {
        return Err(TrainError::Empty);
    }
    let (outputs, tape) = model.forward_tape(inputs);
    let mut total = F::zero();
    let d_outputs = Batch::from_fn(|b| {
        let (value, d_output) = loss(&outputs[b], target(b));
        total = total + value;
        d_output
    });
    let mut grads = M::zeroed();
    model.backward_params(&tape, &d_outputs, &mut grads);
    step_on_mean(model, optimizer, &mut grads, total, B)
}

/// Trains on `batches`, mini-batches of `B` indices into `data` — typically
/// an epoch's shuffled order cut into full batches with
/// [`slice::as_chunks`] — each batch gathered into a [`Batch`] and run
/// through the model at once, as [`train_batched`] does. After each batch,
/// `on_batch(batches_done, batch_mean_loss)` is called. Returns the mean
/// loss over all the samples, each measured before its batch's update.
///
/// Against [`train_epoch_ordered`], which runs a batch sample by sample:
///
/// * The batch goes through each layer at once, so `Dense` runs its
///   register-tiled batched kernels (each weight loaded once for several
///   samples), and models with batch-coupled layers (batch normalisation)
///   train here, with each batch's statistics. For stacks without such
///   layers the bits are those of [`train_epoch_ordered`] with a batch size
///   of `B` over the same indices (`tests/batched.rs`).
/// * Every batch has `B` samples, a size fixed at compile time, which the
///   type of `batches` carries. The indices past the last full batch of an
///   order (what `as_chunks` returns beside the batches) are the caller's:
///   leaving them out of the epoch is what PyTorch's
///   `DataLoader(drop_last=True)` does, and reshuffling each epoch leaves
///   out a different few.
/// * The batch's inputs are copied into the `Batch` (the targets are not),
///   and its tape is `B` samples' tapes, on the stack.
///
/// An index that is out of range is an error, found before any batch
/// trains; no batches (or `B = 0`) is [`TrainError::Empty`].
///
/// ```
/// use constnet::prelude::*;
///
/// let data: Vec<([f32; 1], [f32; 1])> = (0..10).map(|k| ([k as f32 / 10.0], [k as f32 / 5.0])).collect();
/// let mut order: Vec<usize> = (0..data.len()).collect();
/// let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
/// let mut net: (Dense<1, 1>, Identity) = (Dense::from_weights([[0.0]], [0.0]), Identity);
/// let mut sgd = Sgd::new(0.5).unwrap();
/// for _ in 0..300 {
///     shuffle(&mut order, &mut rng);
///     // Two batches of 4 per epoch; two samples sit this epoch out.
///     let (batches, _left_out) = order.as_chunks::<4>();
///     train_epoch_batched(&mut net, &mut sgd, &data, batches, mse, |_, _| {}).unwrap();
/// }
/// assert!((net.0.weight()[0][0] - 2.0).abs() < 0.01);
/// ```
pub fn train_epoch_batched<F, X, Y, Out, M, O, L, const B: usize>(
    model: &mut M,
    optimizer: &mut O,
    data: &[(X, Y)],
    batches: &[[usize; B]],
    mut loss: L,
    mut on_batch: impl FnMut(usize, F),
) -> Result<F, TrainError>
where
    F: Float,
    X: Copy,
    M: Model<F> + Backprop<Batch<X, B>, Output = Batch<Out, B>>,
    O: Optimizer<F, M>,
    L: FnMut(&Out, &Y) -> (F, Out),
{
    if let Some(&index) = batches.as_flattened().iter().find(|&&index| index >= data.len()) {
        return Err(TrainError::IndexOutOfRange { index, len: data.len() });
    }
    if batches.is_empty() || B == 0 {
        return Err(TrainError::Empty);
    }
    let mut total = F::zero();
    for (index, batch) in batches.iter().enumerate() {
        // Every index was checked above, so `data[…]` cannot panic.
        let inputs = Batch::from_fn(|b| data[batch[b]].0);
        let mean = step_batched(model, optimizer, &inputs, |b| &data[batch[b]].1, &mut loss)
            .map_err(|error| error.at_batch(index * B))?;
        total = total + mean * F::from_usize(B);
        on_batch(index + 1, mean);
    }
    Ok(total / F::from_usize(batches.len() * B))
}
