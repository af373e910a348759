// LeNet-5's shapes chain and every declared size is right: this builds (with
// the post-monomorphisation checks evaluated) and runs.
use constnet::prelude::*;

type LeNet5 = (
    Conv2d<1, 6, 5, 28, 28>,  // 1×32×32 → 6×28×28
    Tanh,
    AvgPool2d<2, 14, 14>,     // → 6×14×14
    Conv2d<6, 16, 5, 10, 10>, // → 16×10×10
    Tanh,
    MaxPool2d<2, 5, 5>,       // → 16×5×5
    Flatten<400>,
    Dense<400, 120>,
    Tanh,
    Dense<120, 84>,
    Tanh,
    Dense<84, 10>,
);

const _: () = assert!(<LeNet5 as Model>::PARAMS == 61_706);

fn main() {
    let mut net = Box::new(LeNet5::zeroed());
    let x = [[[0.5_f32; 32]; 32]; 1];
    let y = net.forward(&x);
    let (y_taped, tape) = net.forward_tape(&x);
    assert_eq!(y, y_taped);
    let mut grads = Box::new(Grads::<LeNet5>::zeroed());
    let dx = net.backward(&tape, &[1.0; 10], &mut grads);
    assert_eq!(dx.len(), 1);
}
