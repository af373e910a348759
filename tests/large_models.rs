//! Models larger than the stack: LeNet-5 (61,706 parameters, 247 KB in
//! f32), its gradients and Adam's two moments — four model-sized values,
//! 987 KB — live in `static`s built from `Model::ZERO` and `Adam::DEFAULT`
//! at compile time, and so does the training tape (`forward_tape_into`);
//! they train on a thread whose whole stack holds less than one copy of the
//! model. Nothing is on the heap.

use std::sync::Mutex;

use constnet::prelude::*;

type LeNet5 = (
    Conv2d<1, 6, 5, 28, 28>,
    Tanh,
    AvgPool2d<2, 14, 14>,
    Conv2d<6, 16, 5, 10, 10>,
    Tanh,
    MaxPool2d<2, 5, 5>,
    Flatten<400>,
    Dense<400, 120>,
    Tanh,
    Dense<120, 84>,
    Tanh,
    Dense<84, 10>,
);
const _: () = assert!(<LeNet5 as Model>::PARAMS == 61_706);

/// The stack the training thread gets: less than one copy of the model
/// (the state, four copies, and the 40 KB tape are in the statics). What a
/// training step itself needs is one layer's activations and tape at a
/// time and the compiler's copies of them: this test passes with 126 KiB
/// at opt-level 1 (the test profile), where with the tape returned on the
/// stack (`forward_tape`) it needed 244 KiB; 192 KiB leaves a margin for
/// other compilers.
const STACK: usize = 192 << 10;
const _: () = assert!(STACK < <LeNet5 as Model>::BYTES);

type Image = [[[f32; 32]; 32]; 1];

/// A deterministic 32×32 "digit" for class `class`: a bright bar whose
/// position depends on the class, over a faint gradient.
fn image(class: usize) -> Image {
    core::array::from_fn(|_| {
        core::array::from_fn(|h| {
            core::array::from_fn(|w| {
                let bar = if (h / 3) % 10 == class && (4..28).contains(&w) { 1.0 } else { 0.0 };
                bar + (h * 32 + w) as f32 / 4096.0
            })
        })
    })
}

/// Runs `f` on a thread with a `STACK`-byte stack and returns its result.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(STACK).spawn(f).unwrap().join().unwrap()
}

#[test]
fn lenet5_trains_in_statics_on_a_stack_smaller_than_the_model() {
    static NET: Mutex<LeNet5> = Mutex::new(LeNet5::ZERO);
    static GRADS: Mutex<LeNet5> = Mutex::new(LeNet5::ZERO);
    static ADAM: Mutex<Adam<f32, LeNet5>> = Mutex::new(Adam::DEFAULT);
    static TAPE: Mutex<TapeOf<LeNet5, Image>> = Mutex::new(Zeroed::ZEROED);

    let (first_loss, last_loss, correct) = on_small_stack(|| {
        let mut net = NET.lock().unwrap();
        let mut grads = GRADS.lock().unwrap();
        let mut adam = ADAM.lock().unwrap();
        let mut tape = TAPE.lock().unwrap();
        net.initialize(&mut Xoshiro256PlusPlus::seed_from_u64(5));
        adam.set_learning_rate(2e-3);

        let classes = [0, 3, 7];
        let mut losses = Vec::new();
        for _ in 0..15 {
            grads.zero_params();
            let mut loss = 0.0;
            for &class in &classes {
                let logits = net.forward_tape_into(&image(class), &mut tape);
                let (l, dz) = softmax_cross_entropy(&logits, &one_hot(class).unwrap());
                net.backward_params(&tape, &dz, &mut grads);
                loss += l / classes.len() as f32;
            }
            grads.scale_params(1.0 / classes.len() as f32);
            adam.step(&mut net, &grads);
            losses.push(loss);
        }
        let correct = classes.iter().filter(|&&class| argmax(&net.forward(&image(class))) == class).count();
        (losses[0], *losses.last().unwrap(), correct)
    });
    assert!(last_loss < first_loss * 0.5, "training lowers the loss: {first_loss} → {last_loss}");
    assert_eq!(correct, 3, "the three training images are classified correctly after training");
    assert_eq!(ADAM.lock().unwrap().steps(), 15);
}

#[test]
fn initializing_a_static_in_place_draws_what_init_draws() {
    static NET: Mutex<LeNet5> = Mutex::new(LeNet5::ZERO);
    let in_place: Vec<u32> = on_small_stack(|| {
        let mut net = NET.lock().unwrap();
        net.initialize_with(Init::HeUniform, &mut Xoshiro256PlusPlus::seed_from_u64(9));
        net.tensors().flat_map(|t| t.storage.iter().map(|v| v.to_bits())).collect()
    });
    // `init_with` returns the model by value: run it with room to spare.
    let by_value: Vec<u32> = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(|| {
            let net = Box::new(LeNet5::init_with(Init::HeUniform, &mut Xoshiro256PlusPlus::seed_from_u64(9)));
            net.tensors().flat_map(|t| t.storage.iter().map(|v| v.to_bits())).collect()
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(in_place.len(), 61_706);
    assert_eq!(in_place, by_value);
    assert!(in_place.iter().any(|&bits| bits != 0));
}

#[test]
fn truncated_lenet5_weights_name_the_dense_layer_that_falls_short() {
    static NET: Mutex<LeNet5> = Mutex::new(LeNet5::ZERO);
    // The two convolutions take (150 + 6 + 2,400 + 16) · 4 = 10,288 bytes;
    // 1,000 more are not enough for Dense<400, 120>'s weight.
    let bytes = vec![0_u8; 11_288];
    let error = NET.lock().unwrap().read_le_bytes(&bytes).unwrap_err();
    assert_eq!(
        error.to_string(),
        "weights: layer 7 (Dense<400, 120>), its `weight` (tensor 4), needs 192000 bytes \
         but only 1000 remain (expected 246824 bytes in all, found 11288)"
    );
    assert!(NET.lock().unwrap().tensors().all(|t| t.storage.iter().all(|&v| v == 0.0)));
}

fn argmax(values: &[f32; 10]) -> usize {
    (0..10).fold(0, |best, i| if values[i] > values[best] { i } else { best })
}
