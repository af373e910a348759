//! The type of the `pytorch_cnn` image's model, shared by `build.rs` (which
//! checks `tests/data/interop/cnn.safetensors` against it and writes the
//! model's Rust source) and `src/pytorch_cnn.rs` (which compiles that source
//! into `static NET`). Full paths: `build.rs` has no prelude.

/// PyTorch's `Sequential(Conv2d(1, 16, 3), ReLU(), MaxPool2d(2), Flatten(),
/// Linear(144, 10))`, position for position: its state-dict names `0.weight`,
/// `0.bias`, `4.weight`, `4.bias` are this tuple's. 1,610 parameters, 6,440
/// bytes.
pub type PytorchCnn = (
    constnet::layers::Conv2d<1, 16, 3, 6, 6>,
    constnet::layers::Relu,
    constnet::layers::MaxPool2d<2, 3, 3>,
    constnet::layers::Flatten<144>,
    constnet::layers::Dense<144, 10>,
);
