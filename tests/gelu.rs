//! GELU, exact (erf) and in its tanh approximation, against PyTorch's
//! `nn.GELU()` and `nn.GELU(approximate='tanh')`: the case `gelu` of
//! `tests/data/sequence_seed0.json` (64 inputs from −6 to 6 by ¼, outputs
//! and the element-wise derivative dy/dx) within 1e-12 in `f64` and 1e-5
//! relative in `f32`; and finite differences on feature maps, sequences
//! and batches.

use constnet::prelude::*;
use constnet::{Backprop, Layer};

mod support;
use support::gradients::{Draw, always, check_gradients};
use support::{assert_close, case, flat};

static SEQUENCE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sequence_seed0.json"));

/// y and dy/dx of `layer` at each of `x`, in float type `F`.
fn outputs_and_slopes<F: Float, L>(layer: &L, x: &[f64]) -> (Vec<f64>, Vec<f64>)
where
    L: Backprop<[F; 1]> + Layer<[F; 1], Output = [F; 1]> + Model<F> + Clone,
{
    let mut ys = Vec::new();
    let mut slopes = Vec::new();
    for &value in x {
        let input = [F::from_f64(value)];
        let mut trained = layer.clone();
        let (y, tape) = trained.forward_tape(&input);
        let mut grads = L::zeroed();
        let [slope] = trained.backward(&tape, &[F::ONE], &mut grads);
        assert_eq!(y, layer.forward(&input), "training and inference passes differ");
        ys.push(y[0].as_f64());
        slopes.push(slope.as_f64());
    }
    (ys, slopes)
}

fn check_against_pytorch<L>(layer: L, output: &str, slope: &str)
where
    L: Backprop<[f64; 1]> + Layer<[f64; 1], Output = [f64; 1]> + Model<f64> + Clone,
    L: Backprop<[f32; 1]> + Layer<[f32; 1], Output = [f32; 1]> + Model<f32>,
{
    let case = case(SEQUENCE, "gelu");
    let x = flat(&case["inputs"]["x"]);
    let (want_y, want_slope) = (flat(&case["outputs"][output]), flat(&case["grads"][slope]));
    assert_eq!(x.len(), 64);

    let (y, slopes) = outputs_and_slopes::<f64, L>(&layer, &x);
    assert_close(output, &y, &want_y);
    assert_close(slope, &slopes, &want_slope);

    // f32 (every input is exact in f32): each output within 1e-5 relative
    // (with an absolute floor of 1e-30 for the far tail). The derivative
    // crosses zero near x = −0.75, where it is the difference of terms 300
    // times larger, so no f32 evaluation has 1e-5 relative accuracy there:
    // it is compared normwise, ‖got − want‖ ≤ 1e-5·‖want‖.
    let (y, slopes) = outputs_and_slopes::<f32, L>(&layer, &x);
    for (k, (g, w)) in y.iter().zip(&want_y).enumerate() {
        assert!((g - w).abs() <= 1e-5 * w.abs() + 1e-30, "f32 {output}[{k}] at x = {}: got {g}, want {w}", x[k]);
    }
    let norm = |v: &mut dyn Iterator<Item = f64>| v.map(|d| d * d).sum::<f64>().sqrt();
    let error = norm(&mut slopes.iter().zip(&want_slope).map(|(g, w)| g - w)) / norm(&mut want_slope.iter().copied());
    assert!(error <= 1e-5, "f32 {slope}: normwise relative error {error:e}");
}

#[test]
fn exact_gelu_matches_pytorch() {
    check_against_pytorch(Gelu, "y_exact", "dydx_exact");
}

#[test]
fn tanh_gelu_matches_pytorch() {
    check_against_pytorch(GeluTanh, "y_tanh", "dydx_tanh");
}

#[test]
fn gelu_gradients_match_finite_differences() {
    let mut draw = Draw(3);
    let map: [[f64; 5]; 2] = draw.fill([[0.0; 5]; 2]);
    let dy: [[f64; 5]; 2] = draw.fill([[0.0; 5]; 2]);
    let mut compared = check_gradients("Gelu on a feature map", &Gelu, &map, &dy, always);
    compared += check_gradients("GeluTanh on a feature map", &GeluTanh, &map, &dy, always);

    let steps: Sequence<[f64; 3], 4> = draw.fill(Sequence([[0.0; 3]; 4]));
    let dy_steps: Sequence<[f64; 3], 4> = draw.fill(Sequence([[0.0; 3]; 4]));
    compared += check_gradients("Gelu on a sequence", &Gelu, &steps, &dy_steps, always);

    type Block = (Dense<3, 4, f64>, Gelu, Dense<4, 2, f64>, GeluTanh);
    let block: Block = support::gradients::init(5);
    let batch: Batch<[f64; 3], 2> = draw.fill(Batch::new([[0.0; 3]; 2]));
    let dy_batch: Batch<[f64; 2], 2> = draw.fill(Batch::new([[0.0; 2]; 2]));
    compared += check_gradients("Dense–GELU stack on a batch", &block, &batch, &dy_batch, always);
    assert!(compared >= 20 + 12 + 2 * 3 + 26, "{compared} gradients compared");
}

#[test]
fn gelu_is_exported_and_named_like_the_other_activations() {
    let mut source = String::new();
    Model::<f32>::write_rust(&(Gelu, GeluTanh), &mut source).unwrap();
    assert_eq!(source, "(\n    constnet::layers::Gelu,\n    constnet::layers::GeluTanh,\n)");
    assert_eq!(<(Gelu, GeluTanh) as Model>::PARAMS, 0);
    assert!(Gelu.forward(&[f32::NAN])[0].is_nan());
    assert_eq!(Gelu.forward(&[f32::INFINITY]), [f32::INFINITY]);
}
