//! ELU, PReLU (per channel and shared), SiLU, Hardswish and Softplus:
//!
//! * against PyTorch, the case `activations_elu_prelu_silu_hardswish_softplus`
//!   of `tests/data/conv_seed0.json` (float64; a batch of two `[3][7]`
//!   feature maps, PReLU with 3 channel slopes): outputs, dX and the slope
//!   gradient within 1e-12 in `f64` (absolute below 1, relative above, as
//!   the other parity suites), and within 1e-5 relative in `f32`, every
//!   element (inputs, upstream gradients and slopes rounded to `f32`);
//!   batched passes give exactly the bits of per-sample ones;
//! * finite-difference gradient checks (dX and the slopes) away from the
//!   kinks, on vectors, feature maps, images, sequences and batches;
//! * the derivatives at the kinks, which are PyTorch's autograd's;
//! * NaN propagation, and the `Model` side: parameter counts, state-dict
//!   names, initialisation, `write_rust`.
//!
//! The reference gradients are those of L = Σ y·dY for the stored dY,
//! summed over the batch.

use std::fmt::Debug;

use constnet::prelude::*;
use constnet::{Backprop, Layer, Values, state};
use serde_json::Value;

mod support;
use support::gradients::{Draw, always, check_gradients};
use support::{assert_close, flat, values};

static CONV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/conv_seed0.json"));
const CASE: &str = "activations_elu_prelu_silu_hardswish_softplus";

/// One sample of the case: 3 channels of 7 positions.
type Map<F> = [[F; 7]; 3];
/// The case's batch.
type Maps<F> = Batch<Map<F>, 2>;

/// A JSON tensor as a value of type `X`, rounded to its float type.
fn load<X: Values>(v: &Value) -> X {
    let numbers: Vec<X::Scalar> = flat(v).into_iter().map(X::Scalar::from_f64).collect();
    X::from_slice(&numbers).expect("the tensor's size")
}

fn as_f64<X: Values>(x: &X) -> Vec<f64> {
    values(x).into_iter().map(Float::as_f64).collect()
}

/// y, dX and the parameter gradients of `layer` on the batch `x` with
/// upstream `dy`, after checking that the batched pass (inference and
/// training) gives the bits of per-sample passes, and evaluation mode
/// those of training mode.
fn run<F, L>(name: &str, layer: &L, x: &Maps<F>, dy: &Maps<F>) -> (Vec<f64>, Vec<f64>, Vec<f64>)
where
    F: Float,
    L: Backprop<Map<F>, Output = Map<F>>
        + Backprop<Map<F>, EvalMode, Output = Map<F>>
        + Backprop<Maps<F>, Output = Maps<F>>
        + Model<F>
        + Clone
        + PartialEq
        + Debug,
{
    let (mut grads, mut eval_grads) = (L::zeroed(), L::zeroed());
    let (mut ys, mut dxs) = (Vec::new(), Vec::new());
    for (xn, dyn_) in x.iter().zip(dy) {
        let (y, tape) = layer.clone().forward_tape(xn);
        assert_eq!(y, layer.forward(xn), "{name}: training and inference agree");
        let dx = layer.backward(&tape, dyn_, &mut grads);
        let (y_eval, tape) = layer.clone().forward_tape_eval(xn);
        let dx_eval = layer.backward(&tape, dyn_, &mut eval_grads);
        assert_eq!((y_eval, dx_eval), (y, dx), "{name}: evaluation mode");
        ys.push(y);
        dxs.push(dx);
    }
    assert_eq!(eval_grads, grads, "{name}: evaluation-mode parameter gradients");
    let (batched_y, tape) = layer.clone().forward_tape(x);
    let mut batched_grads = L::zeroed();
    let batched_dx = layer.backward(&tape, dy, &mut batched_grads);
    for n in 0..2 {
        assert_eq!(layer.forward(x)[n], ys[n], "{name}: batched y[{n}]");
        assert_eq!(batched_y[n], ys[n], "{name}: batched taped y[{n}]");
        assert_eq!(batched_dx[n], dxs[n], "{name}: batched dx[{n}]");
    }
    assert_eq!(batched_grads, grads, "{name}: batched parameter gradients");
    let params = grads.tensors().flat_map(|t| t.storage.iter().map(|v| v.as_f64()).collect::<Vec<_>>()).collect();
    (ys.iter().flat_map(as_f64).collect(), dxs.iter().flat_map(as_f64).collect(), params)
}

/// Every quantity of the case computed in `F`: (name, got, PyTorch's).
fn case_in<F: Float>() -> Vec<(String, Vec<f64>, Vec<f64>)>
where
    Softplus<F>: Model<F>,
{
    let c = support::case(CONV, CASE);
    let x: Maps<F> = load(&c["inputs"]["x"]);
    let mut out = Vec::new();
    let mut compare = |act: &str, (y, dx, params): (Vec<f64>, Vec<f64>, Vec<f64>)| {
        out.push((format!("{act} y"), y, flat(&c["outputs"][act])));
        out.push((format!("{act} dx"), dx, flat(&c["grads"][format!("{act}.x")])));
        if act == "prelu" {
            out.push(("prelu dweight".to_string(), params, flat(&c["grads"]["prelu.weight"])));
        } else {
            assert!(params.is_empty());
        }
    };
    let dy = |act: &str| -> Maps<F> { load(&c["upstream"][format!("d{act}")]) };
    compare("elu", run("elu", &Elu::<F>::default(), &x, &dy("elu")));
    compare("silu", run("silu", &Silu, &x, &dy("silu")));
    compare("hardswish", run("hardswish", &Hardswish, &x, &dy("hardswish")));
    compare("softplus", run("softplus", &Softplus::<F>::default(), &x, &dy("softplus")));
    let prelu: PRelu<3, F> = PRelu::new(load(&c["params"]["prelu.weight"]));
    compare("prelu", run("prelu", &prelu, &x, &dy("prelu")));
    out
}

/// The largest error of `got` against `want` in units of what is allowed
/// for each element.
fn worst(got: &[f64], want: &[f64], allowed: impl Fn(f64) -> f64) -> (f64, usize) {
    assert_eq!(got.len(), want.len());
    let mut worst = (0.0, 0);
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        // Equal values (zeros included, where a relative tolerance is 0)
        // pass; a NaN on either side fails.
        let ratio = if g == w { 0.0 } else { (g - w).abs() / allowed(*w) };
        // A NaN ratio is the worst (and fails the caller's `ratio <= 1`).
        if ratio > worst.0 || ratio.is_nan() {
            worst = (ratio, k);
        }
    }
    worst
}

#[test]
fn activations_match_pytorch_in_f64() {
    let case = case_in::<f64>();
    assert_eq!(case.len(), 11);
    for (what, got, want) in &case {
        assert_close(&format!("{CASE}: {what}"), got, want);
        let (ratio, k) = worst(got, want, |w| w.abs().max(1.0));
        println!("f64 {what}: worst error {ratio:.3e} (absolute below 1, relative above) at [{k}]");
    }
}

#[test]
fn activations_match_pytorch_in_f32() {
    for (what, got, want) in case_in::<f32>() {
        // Relative, element by element; an expected 0 must come out as 0.
        let (ratio, k) = worst(&got, &want, |w| 1e-5 * w.abs());
        println!("f32 {what}: worst relative error {:.3e} at [{k}] (got {}, want {})", ratio * 1e-5, got[k], want[k]);
        assert!(ratio <= 1.0, "{CASE} f32 {what}[{k}]: got {}, want {}", got[k], want[k]);
    }
}

/// Values in [−5, 5) at least `margin` away from every kink in `kinks`.
fn away_from<X: Values<Scalar = f64>>(seed: u64, kinks: &[f64], margin: f64) -> X {
    let mut draw = Draw(seed);
    let mut x = X::ZEROS;
    x.for_each_mut(&mut |v| {
        *v = loop {
            let candidate = 5.0 * draw.next();
            if kinks.iter().all(|k| (candidate - k).abs() > margin) {
                break candidate;
            }
        };
    });
    x
}

/// Checks dX (and any parameter gradients) of `layer` on `x` by finite
/// differences; `x` must keep every stencil point on the side of a kink
/// its value is on.
fn check<L, X>(name: &str, layer: &L, x: &X, seed: u64) -> usize
where
    L: Backprop<X> + Model<f64> + Clone,
    X: Values<Scalar = f64>,
    L::Output: Values<Scalar = f64>,
{
    let dy = Draw(seed).fill(<L::Output as Values>::ZEROS);
    check_gradients(name, layer, x, &dy, always)
}

/// The stencils reach 4·10⁻³ from a value: the inputs keep 10⁻² from kinks.
const MARGIN: f64 = 1e-2;

#[test]
fn elementwise_gradients_match_finite_differences() {
    let mut compared = 0;
    for seed in 0..4 {
        let vector: [f64; 9] = away_from(seed, &[0.0, -3.0, 3.0, 2.5], MARGIN);
        let map: [[f64; 5]; 3] = away_from(seed + 10, &[0.0, -3.0, 3.0, 2.5], MARGIN);
        let image: [[[f64; 3]; 2]; 2] = away_from(seed + 20, &[0.0, -3.0, 3.0, 2.5], MARGIN);
        let steps: Sequence<[f64; 4], 3> = away_from(seed + 30, &[0.0, -3.0, 3.0, 2.5], MARGIN);
        let batch: Batch<[[f64; 4]; 2], 3> = away_from(seed + 40, &[0.0, -3.0, 3.0, 2.5], MARGIN);

        compared += check("elu", &Elu::<f64>::default(), &vector, seed);
        compared += check("elu alpha 0.7", &Elu::new(0.7), &map, seed);
        compared += check("elu on a sequence", &Elu::new(1.3), &steps, seed);
        compared += check("silu", &Silu, &vector, seed);
        compared += check("silu on an image", &Silu, &image, seed);
        compared += check("silu on a batch", &Silu, &batch, seed);
        compared += check("hardswish", &Hardswish, &vector, seed);
        compared += check("hardswish on a map", &Hardswish, &map, seed);
        compared += check("hardswish on a sequence", &Hardswish, &steps, seed);
        compared += check("softplus", &Softplus::<f64>::default(), &vector, seed);
        // β = 2, threshold 5: x > 2.5 is x itself.
        compared += check("softplus beta 2 threshold 5", &Softplus::new(2.0, 5.0), &map, seed);
        compared += check("softplus beta 0.5", &Softplus::new(0.5, 20.0), &batch, seed);
        // Through a stack, the gradients reach a dense layer's parameters.
        let net: (Dense<9, 4, f64>, Silu, Dense<4, 3, f64>, Softplus<f64>) =
            Model::init(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
        compared += check("dense silu dense softplus", &net, &vector, seed);
    }
    println!("{compared} gradients compared");
}

#[test]
fn prelu_gradients_match_finite_differences() {
    let (mut compared, mut stacks) = (0, 0);
    for seed in 0..4 {
        let slopes = [0.25, -0.3, 1.5];
        let vector: [f64; 3] = away_from(seed, &[0.0], MARGIN);
        let map: [[f64; 5]; 3] = away_from(seed + 10, &[0.0], MARGIN);
        let image: [[[f64; 3]; 2]; 3] = away_from(seed + 20, &[0.0], MARGIN);
        let maps: Batch<[[f64; 4]; 3], 3> = away_from(seed + 30, &[0.0], MARGIN);
        let steps: Sequence<[f64; 3], 4> = away_from(seed + 40, &[0.0], MARGIN);

        compared += check("prelu on a vector", &PRelu::new(slopes), &vector, seed);
        compared += check("prelu on a map", &PRelu::new(slopes), &map, seed);
        compared += check("prelu on an image", &PRelu::new(slopes), &image, seed);
        compared += check("prelu on a batch", &PRelu::new(slopes), &maps, seed);
        compared += check("prelu per step", &PerStep::new(PRelu::new(slopes)), &steps, seed);
        compared += check("shared prelu on an image", &SharedPRelu::new(-0.4), &image, seed);
        compared += check("shared prelu on a batch", &SharedPRelu::new(0.1), &maps, seed);
        compared += check("shared prelu on a sequence", &SharedPRelu::new(0.6), &steps, seed);
        let net: (Conv1d<3, 2, 2, 4, 1, 0, f64>, PRelu<2, f64>, Flatten<8>, Dense<8, 2, f64>) =
            Model::init(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
        let net = (net.0, PRelu::new([0.2, -0.7]), net.2, net.3);
        let x: [[f64; 5]; 3] = Draw(seed + 50).fill([[0.0; 5]; 3]);
        // Skip samples whose convolution outputs come near the kink.
        if net.0.forward(&x).as_flattened().iter().all(|v| v.abs() > MARGIN) {
            compared += check("conv prelu dense", &net, &x, seed);
            stacks += 1;
        }
    }
    assert!(stacks > 0, "no convolution stack was checked");
    println!("{compared} gradients compared, in {stacks} convolution stacks among the rest");
}

/// dy/dx of `layer` at `x` (one value), by back-propagating dy = 1.
fn derivative<L: Backprop<[f64; 1]> + Layer<[f64; 1], Output = [f64; 1]> + Model<f64> + Clone>(
    layer: &L,
    x: f64,
) -> f64 {
    let (_, tape) = layer.clone().forward_tape(&[x]);
    layer.backward(&tape, &[1.0], &mut L::zeroed())[0]
}

#[test]
fn kink_derivatives_are_pytorchs() {
    // ELU: the x ≤ 0 branch at 0, α·e⁰ = α.
    let elu = Elu::new(0.5);
    assert_eq!(elu.forward(&[0.0]), [0.0]);
    assert_eq!(derivative(&elu, 0.0), 0.5);
    assert_eq!(derivative(&elu, 1e-300), 1.0);
    assert_eq!(derivative(&Elu::<f64>::default(), 0.0), 1.0);

    // PReLU: the slope at 0, and x·dy = 0 into the slope's gradient.
    for prelu in [PRelu::new([0.3]), PRelu::<1, f64>::DEFAULT] {
        let (y, tape) = prelu.clone().forward_tape(&[0.0]);
        let mut grads = PRelu::zeroed();
        let dx = prelu.backward(&tape, &[2.0], &mut grads);
        assert_eq!((y, dx[0]), ([0.0], 2.0 * prelu.slopes()[0]));
        assert_eq!(grads.slopes(), &[0.0]);
    }
    let shared = SharedPRelu::new(-0.2);
    assert_eq!(derivative(&shared, 0.0), -0.2);
    assert_eq!(derivative(&shared, 1e-300), 1.0);

    // Hardswish: x < −3 → 0, −3 ≤ x ≤ 3 → x/3 + ½, x > 3 → 1.
    let below = |x: f64| x - x.abs() * f64::EPSILON;
    let above = |x: f64| x + x.abs() * f64::EPSILON;
    assert_eq!(derivative(&Hardswish, -3.0), -0.5);
    assert_eq!(derivative(&Hardswish, below(-3.0)), 0.0);
    assert_eq!(derivative(&Hardswish, 3.0), 1.5);
    assert_eq!(derivative(&Hardswish, above(3.0)), 1.0);
    assert_eq!(derivative(&Hardswish, 0.0), 0.5);
    assert_eq!(Hardswish.forward(&[-3.0, 3.0]), [-0.0, 3.0]);

    // Softplus: σ(threshold) at β·x = threshold exactly, 1 above it.
    let softplus = Softplus::new(2.0, 5.0);
    let sigmoid_5 = 1.0 / (1.0 + (-5.0_f64).exp());
    assert!((derivative(&softplus, 2.5) - sigmoid_5).abs() < 1e-16);
    assert_eq!(derivative(&softplus, above(2.5)), 1.0);
    assert_eq!(softplus.forward(&[above(2.5)]), [above(2.5)]);
    assert!((softplus.forward(&[2.5])[0] - (1.0 + 5.0_f64.exp()).ln() / 2.0).abs() < 1e-15);
    assert_eq!(derivative(&Softplus::<f64>::default(), 0.0), 0.5);
    assert_eq!(derivative(&Softplus::<f64>::default(), 20.5), 1.0);

    // SiLU is smooth: ½ at 0.
    assert_eq!(derivative(&Silu, 0.0), 0.5);
}

#[test]
fn the_kinks_of_the_reference_data_are_pytorchs() {
    // The case's x starts with 0, −10⁻⁹ and 25 (above Softplus's threshold).
    let c = support::case(CONV, CASE);
    let x = flat(&c["inputs"]["x"]);
    assert_eq!(x[..3], [0.0, -1e-9, 25.0]);
    let ratio =
        |act: &str, k: usize| flat(&c["grads"][format!("{act}.x")])[k] / flat(&c["upstream"][format!("d{act}")])[k];
    let slope = flat(&c["params"]["prelu.weight"])[0];
    assert_eq!(ratio("elu", 0), derivative(&Elu::<f64>::default(), 0.0));
    assert_eq!(ratio("prelu", 0), slope);
    assert_eq!(derivative(&PRelu::new([slope]), 0.0), slope);
    assert_eq!(ratio("softplus", 2), derivative(&Softplus::<f64>::default(), 25.0));
    assert_eq!(ratio("hardswish", 2), derivative(&Hardswish, 25.0));
}

#[test]
fn nan_propagates() {
    let nan = [f64::NAN];
    fn forward_and_derivative<L>(layer: &L) -> (f64, f64)
    where
        L: Backprop<[f64; 1]> + Layer<[f64; 1], Output = [f64; 1]> + Model<f64> + Clone,
    {
        (layer.forward(&[f64::NAN])[0], derivative(layer, f64::NAN))
    }
    for (name, (y, d)) in [
        ("elu", forward_and_derivative(&Elu::<f64>::default())),
        ("silu", forward_and_derivative(&Silu)),
        ("hardswish", forward_and_derivative(&Hardswish)),
        ("softplus", forward_and_derivative(&Softplus::<f64>::default())),
    ] {
        assert!(y.is_nan() && d.is_nan(), "{name}: {y}, {d}");
    }
    // PReLU: NaN out, and a NaN slope gradient (dX is a·dy, as in PyTorch).
    let prelu = PRelu::new([0.25]);
    let (y, tape) = prelu.clone().forward_tape(&nan);
    let mut grads = PRelu::zeroed();
    let dx = prelu.backward(&tape, &[1.0], &mut grads);
    assert!(y[0].is_nan() && grads.slopes()[0].is_nan());
    assert_eq!(dx, [0.25]);
    assert!(SharedPRelu::<f32>::DEFAULT.forward(&[f32::NAN])[0].is_nan());

    // Infinities: +∞ stays +∞; −∞ gives −α, 0, or NaN (∞·0) as PyTorch.
    let inf = f32::INFINITY;
    assert_eq!(Elu::new(0.5).forward(&[inf, -inf]), [inf, -0.5]);
    assert_eq!(Softplus::default().forward(&[inf, -inf]), [inf, 0.0]);
    assert_eq!(Silu.forward(&[inf])[0], inf);
    assert_eq!(Hardswish.forward(&[inf])[0], inf);
    assert!(Silu.forward(&[-inf])[0].is_nan() && Hardswish.forward(&[-inf])[0].is_nan());
}

#[test]
fn elu_is_accurate_near_zero() {
    // e^x − 1 without cancellation, against std's `exp_m1`: within 2 ulps.
    for x in [-1e-9_f64, -1e-5, -1e-300, -0.0, -0.3, -1.0, -5.0, -40.0, -800.0] {
        let want = x.exp_m1();
        let got = Elu::<f64>::default().forward(&[x])[0];
        assert!((got - want).abs() <= 2.0 * f64::EPSILON * want.abs(), "{x}: {got} vs {want}");
        assert_eq!(got.is_sign_negative(), x.is_sign_negative());
    }
    for x in [-1e-9_f32, -1e-4, -0.1, -3.0, -20.0, -200.0] {
        let want = (f64::from(x)).exp_m1();
        let got = f64::from(Elu::<f32>::default().forward(&[x])[0]);
        assert!((got - want).abs() <= 4.0 * f64::from(f32::EPSILON) * want.abs(), "{x}: {got} vs {want}");
    }
}

#[test]
fn elementwise_activations_take_every_shape() {
    fn same_as_per_value<L>(layer: L)
    where
        L: Layer<[f32; 1], Output = [f32; 1]>
            + Layer<[[[f32; 2]; 2]; 2], Output = [[[f32; 2]; 2]; 2]>
            + Layer<Sequence<[[f32; 2]; 2], 2>, Output = Sequence<[[f32; 2]; 2], 2>>
            + Layer<Batch<Sequence<[f32; 3], 2>, 2>, Output = Batch<Sequence<[f32; 3], 2>, 2>>,
    {
        let image = [[[-4.0, -1.0], [0.5, 3.5]], [[-0.2, 0.0], [2.0, 30.0]]];
        let per_value = image.map(|plane| plane.map(|row| row.map(|v| layer.eval(&[v])[0])));
        assert_eq!(layer.eval(&image), per_value);
        let steps = Sequence::new([image[0], image[1]]);
        assert_eq!(layer.eval(&steps), Sequence::new([per_value[0], per_value[1]]));
        let batch = Batch::new([Sequence::new([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]]); 2]);
        let y = layer.eval(&batch);
        assert_eq!(y[1].as_array()[1][1], layer.eval(&[5.0])[0]);
    }
    same_as_per_value(Elu::default());
    same_as_per_value(Silu);
    same_as_per_value(Hardswish);
    same_as_per_value(Softplus::default());
    same_as_per_value(SharedPRelu::default());
}

#[test]
fn prelu_channels_are_the_outer_axis() {
    let prelu: PRelu<2> = PRelu::new([0.5, -1.0]);
    // A vector: its features are the channels.
    assert_eq!(prelu.forward(&[-2.0, -2.0]), [-1.0, 2.0]);
    // A feature map and an image: the outer axis.
    assert_eq!(prelu.forward(&[[-2.0, 4.0, -6.0], [-2.0, 4.0, -6.0]]), [[-1.0, 4.0, -3.0], [2.0, 4.0, 6.0]]);
    let image = [[[-2.0; 2]; 3], [[-2.0; 2]; 3]];
    assert_eq!(prelu.forward(&image), [[[-1.0; 2]; 3], [[2.0; 2]; 3]]);
    // Every time step of a sequence, explicitly.
    let steps = Sequence::new([[-2.0, -2.0], [4.0, -4.0]]);
    assert_eq!(PerStep::new(prelu).forward(&steps), Sequence::new([[-1.0, 2.0], [4.0, 4.0]]));
}

#[test]
fn prelu_is_a_model() {
    const _: () = assert!(<PRelu<16> as Model>::PARAMS == 16 && <PRelu<16> as Model>::TENSORS == 1);
    const _: () = assert!(<SharedPRelu as Model>::PARAMS == 1 && <SharedPRelu as Model>::BYTES == 4);
    const _: () = assert!(<(Conv1d<1, 4, 3, 6>, PRelu<4>, Silu, Elu, Hardswish, Softplus) as Model>::PARAMS == 16 + 4);
    static FLASH: (PRelu<3>, SharedPRelu, Softplus, Elu) =
        (PRelu::new([0.25, -0.5, 1.0]), SharedPRelu::DEFAULT, Softplus::DEFAULT, Elu::DEFAULT);
    assert_eq!(FLASH.0.forward(&[-4.0; 3]), [-1.0, 2.0, -4.0]);

    // ZERO is all slopes 0; initialisation is PyTorch's 0.25 and draws nothing.
    let mut prelu = <PRelu<3, f64> as Model<f64>>::ZERO;
    assert_eq!(prelu.slopes(), &[0.0; 3]);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    prelu.initialize(&mut rng);
    assert_eq!(prelu, PRelu::DEFAULT);
    assert_eq!(prelu, PRelu::default());
    let mut shared = SharedPRelu::<f64>::ZERO;
    shared.initialize_with(Init::HeUniform, &mut rng);
    assert_eq!(shared.slope(), 0.25);
    assert_eq!(rand::Rng::next_u64(&mut rng), rand::Rng::next_u64(&mut Xoshiro256PlusPlus::seed_from_u64(5)));

    // The state dict: PyTorch's names and shapes.
    type Net = (Conv1d<1, 3, 3, 6>, PRelu<3>, SharedPRelu, Flatten<18>, Dense<18, 2>);
    let net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
    let mut entries = Vec::new();
    state::visit(&net, &mut |path, _, entry| {
        if let state::StateEntry::Tensor(t) = entry {
            entries.push((path.to_string(), t.shape.to_string()));
        }
    });
    let names: Vec<(&str, &str)> = entries.iter().map(|(n, s)| (n.as_str(), s.as_str())).collect();
    assert_eq!(names[2..4], [("1.weight", "[3]"), ("2.weight", "[1]")]);
    assert_eq!((net.1.slopes(), net.2.slope()), (&[0.25; 3], 0.25));

    // Loading a state dict's slopes, through the tensor view.
    let mut prelu = PRelu::<3>::ZERO;
    prelu.tensors_mut().next().unwrap().read_pytorch(&[0.1, 0.2, 0.3]).unwrap();
    assert_eq!(prelu.slopes(), &[0.1, 0.2, 0.3]);
}

#[test]
fn write_rust_rebuilds_the_layers_exactly() {
    let source = |layer: &dyn Fn(&mut String) -> std::fmt::Result| {
        let mut s = String::new();
        layer(&mut s).unwrap();
        s
    };
    let prelu: PRelu<3> = PRelu::new([0.1, -0.5, 1.0 / 3.0]);
    assert_eq!(source(&|s| prelu.write_rust(s)), "constnet::layers::PRelu::new([0.1, -0.5, 0.33333334])");
    let rebuilt: PRelu<3> = constnet::layers::PRelu::new([0.1, -0.5, 0.33333334]);
    assert_eq!(rebuilt.slopes().map(f32::to_bits), prelu.slopes().map(f32::to_bits));
    let shared = SharedPRelu::<f64>::new(0.1 + 0.2);
    assert_eq!(source(&|s| shared.write_rust(s)), "constnet::layers::SharedPRelu::new(0.30000000000000004)");
    assert_eq!(source(&|s| Elu::<f32>::new(0.3).write_rust(s)), "constnet::layers::Elu::new(0.3)");
    assert_eq!(source(&|s| Model::<f32>::write_rust(&Silu, s)), "constnet::layers::Silu");
    assert_eq!(source(&|s| Model::<f32>::write_rust(&Hardswish, s)), "constnet::layers::Hardswish");
    assert_eq!(source(&|s| Softplus::<f64>::DEFAULT.write_rust(s)), "constnet::layers::Softplus::new(1.0, 20.0)");
    assert_eq!(
        source(&|s| Softplus::<f32>::new(2.0, f32::INFINITY).write_rust(s)),
        "constnet::layers::Softplus::new(2.0, f32::INFINITY)"
    );
    // A whole stack, as a static.
    type Net = (Dense<2, 2>, PRelu<2>, Softplus, Dense<2, 1>, Elu);
    let net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(3));
    let text = source(&|s| net.write_rust(s));
    assert!(text.contains("constnet::layers::PRelu::new([0.25, 0.25])"), "{text}");
    assert!(text.contains("constnet::layers::Softplus::new(1.0, 20.0)"), "{text}");
}

#[test]
fn defaults_are_pytorchs() {
    assert_eq!(Elu::<f32>::default(), Elu::new(1.0));
    assert_eq!(Softplus::<f32>::default(), Softplus::new(1.0, 20.0));
    assert_eq!(Softplus::<f64>::default(), Softplus::<f64>::DEFAULT);
    assert_eq!(<Softplus as Model>::ZERO, Softplus::DEFAULT);
    assert_eq!(<Elu<f64> as Model<f64>>::ZERO, Elu::DEFAULT);
    assert_eq!(PRelu::<4, f32>::default(), PRelu::DEFAULT);
    assert_eq!(SharedPRelu::<f32>::default().slope(), 0.25);
}

#[test]
fn a_small_network_with_the_new_activations_trains() {
    type Net = (Conv1d<1, 4, 3, 6>, PRelu<4>, Silu, Flatten<24>, Dense<24, 8>, Hardswish, Dense<8, 1>, Softplus);
    let mut net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(2));
    let signals: Batch<[[f32; 8]; 1], 4> =
        Batch::from_fn(|b| [core::array::from_fn(|t| ((t * (b + 1)) as f32 * 0.7).sin())]);
    let targets: Batch<[f32; 1], 4> = Batch::new([[0.5], [1.0], [1.5], [2.0]]);
    let loss = |net: &Net| -> f32 { (0..4).map(|b| mse(&net.forward(&signals[b]), &targets[b]).0).sum() };
    let before = loss(&net);
    let mut opt = Adam::new(0.01).unwrap();
    for _ in 0..200 {
        let mut grads = Grads::<Net>::zeroed();
        let (y, tape) = net.forward_tape(&signals);
        let dy = Batch::from_fn(|b| mse(&y[b], &targets[b]).1);
        net.backward(&tape, &dy, &mut grads);
        opt.step(&mut net, &grads);
    }
    assert!(loss(&net) < before / 10.0, "{} → {}", before, loss(&net));
    assert!(net.1.slopes() != &[0.25; 4], "the slopes trained");
}
