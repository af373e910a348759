//! Finite-difference gradient checks, in `f64`, for Conv1d, Conv2d,
//! MaxPool1d, MaxPool2d, AvgPool2d, Flatten, LastFrame, Residual and the
//! activations on feature maps, alone, batched and stacked into a small CNN
//! and a small TCN classifier.
//! (the method and criterion: `tests/support/gradients.rs`).
//!
//! Max pooling is piecewise linear: a probe whose stencil moves a window's
//! maximum to another position measures a mix of two slopes. Inputs here
//! are spaced values (no window has two values within 0.05 of each other),
//! and a probe is skipped if the tape's argmax positions differ anywhere on
//! its stencil.

use constnet::layers::LastFrame;
use constnet::prelude::*;
use constnet::{EvalMode, Model};

mod support;
use support::gradients::{Draw, always, check_gradients, check_gradients_in, init, spaced};

#[test]
fn conv1d_gradients() {
    let mut draw = Draw(1);
    type C = Conv1d<2, 3, 3, 4, 2, 1, f64>;
    let mut conv: C = init(1);
    conv.tensors_mut().nth(1).unwrap().storage.copy_from_slice(&[0.1, -0.2, 0.3]);
    let x = draw.fill([[0.0; 8]; 2]);
    let dy = draw.fill([[0.0; 4]; 3]);
    assert_eq!(check_gradients("conv1d", &conv, &x, &dy, always), 16 + 18 + 3);

    // A batch accumulates the per-sample parameter gradients.
    let xb = draw.fill(Batch([[[0.0; 9]; 2]; 2]));
    let dyb = draw.fill(Batch([[[0.0; 3]; 3]; 2]));
    let conv: Conv1d<2, 3, 3, 3, 3, 0, f64> = init(2);
    check_gradients("conv1d batched, stride 3", &conv, &xb, &dyb, always);
}

#[test]
fn conv2d_gradients() {
    let mut draw = Draw(2);
    let conv: Conv2d<2, 3, 3, 4, 4, 2, 1, f64> = init(3);
    let x = draw.fill([[[0.0; 7]; 7]; 2]);
    let dy = draw.fill([[[0.0; 4]; 4]; 3]);
    assert_eq!(check_gradients("conv2d s2 p1", &conv, &x, &dy, always), 98 + 54 + 3);

    // 6×6 input, kernel 2, padding 2: (6 + 4 − 2)/1 + 1 = 9.
    let conv: Conv2d<1, 2, 2, 9, 9, 1, 2, f64> = init(4);
    let xb = draw.fill(Batch([[[[0.0; 6]; 6]; 1]; 2]));
    let dyb = draw.fill(Batch([[[[0.0; 9]; 9]; 2]; 2]));
    check_gradients("conv2d batched, padding 2", &conv, &xb, &dyb, always);
}

#[test]
fn pooling_gradients() {
    let mut draw = Draw(3);
    let same_2d = |a: &[[[f64; 6]; 6]; 2], b: &[[[f64; 6]; 6]; 2]| {
        MaxPool2d::<2, 3, 3>.forward_tape(a).1.layers() == MaxPool2d::<2, 3, 3>.forward_tape(b).1.layers()
    };
    let x = spaced([[[0.0; 6]; 6]; 2], 5);
    let dy = draw.fill([[[0.0; 3]; 3]; 2]);
    assert_eq!(check_gradients("maxpool2d", &MaxPool2d::<2, 3, 3>, &x, &dy, same_2d), 72);

    // Floor mode: the last row and column of a 7×7 input are dropped.
    let x = spaced([[[0.0; 7]; 7]; 1], 6);
    let dy = draw.fill([[[0.0; 3]; 3]; 1]);
    let same = |a: &[[[f64; 7]; 7]; 1], b: &[[[f64; 7]; 7]; 1]| {
        MaxPool2d::<2, 3, 3>.forward_tape(a).1.layers() == MaxPool2d::<2, 3, 3>.forward_tape(b).1.layers()
    };
    check_gradients("maxpool2d 7x7", &MaxPool2d::<2, 3, 3>, &x, &dy, same);

    let x = spaced([[0.0; 9]; 3], 7);
    let dy = draw.fill([[0.0; 3]; 3]);
    let same_1d = |a: &[[f64; 9]; 3], b: &[[f64; 9]; 3]| {
        MaxPool1d::<3, 3>.forward_tape(a).1.layers() == MaxPool1d::<3, 3>.forward_tape(b).1.layers()
    };
    assert_eq!(check_gradients("maxpool1d", &MaxPool1d::<3, 3>, &x, &dy, same_1d), 27);

    let x = draw.fill(Batch([[[[0.0; 7]; 6]; 2]; 2]));
    let dy = draw.fill(Batch([[[[0.0; 2]; 2]; 2]; 2]));
    check_gradients("avgpool2d k3 batched", &AvgPool2d::<3, 2, 2>, &x, &dy, always);
}

#[test]
fn flatten_gradients() {
    let mut draw = Draw(4);
    let x = draw.fill([[[0.0; 3]; 2]; 2]);
    let dy = draw.fill([0.0; 12]);
    assert_eq!(check_gradients("flatten chw", &Flatten::<12>, &x, &dy, always), 12);
    let x = draw.fill([[0.0; 5]; 2]);
    let dy = draw.fill([0.0; 10]);
    check_gradients("flatten cl", &Flatten::<10>, &x, &dy, always);
    let x = draw.fill(Batch([[[[0.0; 3]; 2]; 2]; 3]));
    let dy = draw.fill(Batch([[0.0; 12]; 3]));
    check_gradients("flatten batched", &Flatten::<12>, &x, &dy, always);
}

#[test]
fn last_frame_gradients() {
    let mut draw = Draw(11);
    let x = draw.fill([[0.0; 5]; 3]);
    let dy = draw.fill([0.0; 3]);
    // Every input is probed; only the last frame's 3 have a gradient.
    assert_eq!(check_gradients("last frame", &LastFrame, &x, &dy, always), 15);
    let x = draw.fill(Batch([[[0.0; 4]; 2]; 3]));
    let dy = draw.fill(Batch([[0.0; 2]; 3]));
    check_gradients("last frame batched", &LastFrame, &x, &dy, always);

    // A streaming classifier's shape: causal convolutions, the last frame,
    // a dense head.
    type Classifier = (CausalConv1d<2, 3, 3, 1, 6, f64>, Tanh, TcnBlock<3, 2, 2, 6, f64>, LastFrame, Dense<3, 2, f64>);
    let net: Classifier = init(12);
    let x = draw.fill([[0.0; 6]; 2]);
    let dy = draw.fill([0.0; 2]);
    check_gradients("tcn classifier", &net, &x, &dy, always);
}

#[test]
fn residual_gradients() {
    let mut draw = Draw(5);
    type Block = Residual<(Dense<4, 4, f64>, Tanh, Dense<4, 4, f64>)>;
    let block: Block = init(6);
    let x = draw.fill([0.0; 4]);
    let dy = draw.fill([0.0; 4]);
    assert_eq!(check_gradients("residual", &block, &x, &dy, always), 4 + 40);
    let x = draw.fill(Batch([[0.0; 4]; 3]));
    let dy = draw.fill(Batch([[0.0; 4]; 3]));
    check_gradients("residual batched", &block, &x, &dy, always);

    // Around convolutions: a residual block on a feature map.
    type ConvBlock = Residual<(Conv2d<2, 2, 3, 5, 5, 1, 1, f64>, Tanh, Conv2d<2, 2, 3, 5, 5, 1, 1, f64>)>;
    let block: ConvBlock = init(7);
    let x = draw.fill([[[0.0; 5]; 5]; 2]);
    let dy = draw.fill([[[0.0; 5]; 5]; 2]);
    check_gradients("residual conv", &block, &x, &dy, always);
}

#[test]
fn small_cnn_gradients() {
    let mut draw = Draw(6);
    type Cnn2d = (Conv2d<1, 3, 3, 6, 6, 1, 1, f64>, Tanh, AvgPool2d<2, 3, 3>, Flatten<27>, Dense<27, 3, f64>);
    let net: Cnn2d = init(8);
    let x = draw.fill([[[0.0; 6]; 6]; 1]);
    let dy = draw.fill([0.0; 3]);
    check_gradients("cnn", &net, &x, &dy, always);
    let x = draw.fill(Batch([[[[0.0; 6]; 6]; 1]; 2]));
    let dy = draw.fill(Batch([[0.0; 3]; 2]));
    check_gradients("cnn batched", &net, &x, &dy, always);

    type Cnn1d = (Conv1d<2, 4, 3, 6, 1, 0, f64>, Sigmoid, MaxPool1d<2, 3>, Flatten<12>, Dense<12, 2, f64>);
    let net: Cnn1d = init(9);
    let x = spaced([[0.0; 8]; 2], 10);
    let dy = draw.fill([0.0; 2]);
    let same = |a: &[[f64; 8]; 2], b: &[[f64; 8]; 2]| {
        net.clone().forward_tape(a).1.layers().2 == net.clone().forward_tape(b).1.layers().2
    };
    check_gradients("cnn1d", &net, &x, &dy, same);
}

#[test]
fn batch_norm_2d_gradients() {
    let mut draw = Draw(7);
    let mut bn: BatchNorm2d<2, f64> = BatchNorm2d::default();
    bn.tensors_mut().next().unwrap().storage.copy_from_slice(&[1.5, -0.7]);
    bn.tensors_mut().nth(1).unwrap().storage.copy_from_slice(&[0.2, -0.1]);
    // Training on a batch: through the batch statistics. Every evaluation
    // trains a fresh clone (check_gradients clones), so the running
    // statistics never leak between evaluations.
    let x = draw.fill(Batch([[[[0.0; 3]; 2]; 2]; 3]));
    let dy = draw.fill(Batch([[[[0.0; 3]; 2]; 2]; 3]));
    assert_eq!(check_gradients("batchnorm2d train", &bn, &x, &dy, always), 36 + 4);
    // Evaluation mode, on a single sample and on a batch: the running
    // statistics, an affine map.
    let bn = bn.clone().with_eps(1e-3).unwrap();
    let x = draw.fill([[[0.0; 3]; 2]; 2]);
    let dy = draw.fill([[[0.0; 3]; 2]; 2]);
    check_gradients_in::<EvalMode, _, _>("batchnorm2d single, eval mode", &bn, &x, &dy, always);
    let x = draw.fill(Batch([[[[0.0; 3]; 2]; 2]; 3]));
    let dy = draw.fill(Batch([[[[0.0; 3]; 2]; 2]; 3]));
    check_gradients_in::<EvalMode, _, _>("batchnorm2d batch, eval mode", &bn, &x, &dy, always);
}
