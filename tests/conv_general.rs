//! PROTOTYPE test (branch `conv-general`): the general 1-D convolution's
//! index machinery against conv_seed0.json's 1-D cases, f64 within 1e-12.

use constnet::layers::conv_general::{Causal, Conv1dG, Pad, Padding, Same};
use constnet::{Layer, Values};

mod support;
use support::{assert_close, case, flat, tensor, values};

static CONV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/conv_seed0.json"));

fn run<
    const CI: usize,
    const CO: usize,
    const CPG: usize,
    const K: usize,
    const L: usize,
    const LO: usize,
    const S: usize,
    const D: usize,
    P: Padding,
>(
    name: &str,
) where
    [[f64; L]; CI]: Values<Scalar = f64>,
    [[f64; LO]; CO]: Values<Scalar = f64>,
{
    let c = case(CONV, name);
    let weight: [[[f64; K]; CPG]; CO] = tensor(&c["params"]["weight"]);
    let bias: [f64; CO] = tensor(&c["params"]["bias"]);
    let conv = Conv1dG::<CI, CO, CPG, K, LO, S, D, P, f64>::from_weights(weight, bias);
    let xs: [[[f64; L]; CI]; 2] = tensor(&c["inputs"]["x"]);
    let dys: [[[f64; LO]; CO]; 2] = tensor(&c["upstream"]["dy"]);
    let mut grads = Conv1dG::<CI, CO, CPG, K, LO, S, D, P, f64>::from_weights([[[0.0; K]; CPG]; CO], [0.0; CO]);
    let (mut y, mut dx) = (Vec::new(), Vec::new());
    for (x, dy) in xs.iter().zip(&dys) {
        y.extend(values(&conv.eval(x)));
        dx.extend(values(&conv.backward_one(x, dy, &mut grads)));
    }
    assert_close(&format!("{name} y"), &y, &flat(&c["outputs"]["y"]));
    assert_close(&format!("{name} dx"), &dx, &flat(&c["grads"]["x"]));
    assert_close(&format!("{name} dweight"), &values(&grads.weight), &flat(&c["grads"]["weight"]));
    assert_close(&format!("{name} dbias"), &grads.bias, &flat(&c["grads"]["bias"]));
}

#[test]
fn one_d_cases_match_pytorch() {
    run::<6, 3, 2, 3, 10, 8, 1, 1, Pad<0>>("conv1d_groups3_k3");
    run::<4, 4, 1, 5, 11, 11, 1, 1, Same>("conv1d_depthwise_k5_same");
    run::<2, 3, 2, 3, 17, 6, 2, 3, Pad<0>>("conv1d_dilation3_k3_s2");
    run::<2, 2, 2, 4, 9, 9, 1, 1, Same>("conv1d_same_even_k4");
    run::<2, 3, 2, 3, 12, 12, 1, 2, Causal>("conv1d_causal_k3_d2");
}

fn run2<
    const CI: usize,
    const CO: usize,
    const CPG: usize,
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize,
    const SW: usize,
    const D: usize,
    P: Padding,
>(
    name: &str,
) {
    use constnet::layers::conv_general::Conv2dG;
    let c = case(CONV, name);
    let weight: [[[[f64; KW]; KH]; CPG]; CO] = tensor(&c["params"]["weight"]);
    let bias: [f64; CO] = tensor(&c["params"]["bias"]);
    type G<
        const CI: usize,
        const CO: usize,
        const CPG: usize,
        const KH: usize,
        const KW: usize,
        const HO: usize,
        const WO: usize,
        const SH: usize,
        const SW: usize,
        const D: usize,
        P,
    > = Conv2dG<CI, CO, CPG, KH, KW, HO, WO, SH, SW, D, D, P, P, f64>;
    let conv = G::<CI, CO, CPG, KH, KW, HO, WO, SH, SW, D, P>::from_weights(weight, bias);
    let xs: [[[[f64; W]; H]; CI]; 2] = tensor(&c["inputs"]["x"]);
    let dys: [[[[f64; WO]; HO]; CO]; 2] = tensor(&c["upstream"]["dy"]);
    let mut grads =
        G::<CI, CO, CPG, KH, KW, HO, WO, SH, SW, D, P>::from_weights([[[[0.0; KW]; KH]; CPG]; CO], [0.0; CO]);
    let (mut y, mut dx) = (Vec::new(), Vec::new());
    for (x, dy) in xs.iter().zip(&dys) {
        y.extend(values(&conv.forward_one(x)));
        dx.extend(values(&conv.backward_one(x, dy, &mut grads)));
    }
    assert_close(&format!("{name} y"), &y, &flat(&c["outputs"]["y"]));
    assert_close(&format!("{name} dx"), &dx, &flat(&c["grads"]["x"]));
    assert_close(&format!("{name} dweight"), &values(&grads.weight), &flat(&c["grads"]["weight"]));
    assert_close(&format!("{name} dbias"), &grads.bias, &flat(&c["grads"]["bias"]));
}

#[test]
fn two_d_cases_match_pytorch() {
    run2::<2, 3, 2, 3, 1, 7, 5, 3, 5, 2, 1, 1, Pad<0>>("conv2d_k3x1_s2x1");
    run2::<3, 3, 1, 3, 3, 8, 8, 4, 4, 2, 2, 1, Pad<1>>("conv2d_depthwise_k3_s2_p1");
    run2::<2, 4, 2, 3, 3, 6, 7, 6, 7, 1, 1, 2, Same>("conv2d_dilation2_same");
}

#[test]
fn transposed_cases_match_pytorch() {
    use constnet::layers::conv_general::ConvTranspose2dG;
    fn run_t<
        const CI: usize,
        const CO: usize,
        const KH: usize,
        const KW: usize,
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
        const SH: usize,
        const SW: usize,
        const PH: usize,
        const PW: usize,
    >(
        name: &str,
    ) {
        let c = case(CONV, name);
        let weight: [[[[f64; KW]; KH]; CO]; CI] = tensor(&c["params"]["weight"]);
        let bias: [f64; CO] = tensor(&c["params"]["bias"]);
        let conv = ConvTranspose2dG::<CI, CO, CO, KH, KW, HO, WO, SH, SW, 1, PH, PW, f64> { weight, bias };
        let xs: [[[[f64; W]; H]; CI]; 2] = tensor(&c["inputs"]["x"]);
        let dys: [[[[f64; WO]; HO]; CO]; 2] = tensor(&c["upstream"]["dy"]);
        let mut grads = ConvTranspose2dG::<CI, CO, CO, KH, KW, HO, WO, SH, SW, 1, PH, PW, f64> {
            weight: [[[[0.0; KW]; KH]; CO]; CI],
            bias: [0.0; CO],
        };
        let (mut y, mut dx) = (Vec::new(), Vec::new());
        for (x, dy) in xs.iter().zip(&dys) {
            y.extend(values(&conv.forward_one(x)));
            dx.extend(values(&conv.backward_one(x, dy, &mut grads)));
        }
        assert_close(&format!("{name} y"), &y, &flat(&c["outputs"]["y"]));
        assert_close(&format!("{name} dx"), &dx, &flat(&c["grads"]["x"]));
        assert_close(&format!("{name} dweight"), &values(&grads.weight), &flat(&c["grads"]["weight"]));
        assert_close(&format!("{name} dbias"), &grads.bias, &flat(&c["grads"]["bias"]));
    }
    // A 1-D transposed convolution is a 2-D one of height 1.
    run_t::<3, 2, 1, 4, 1, 6, 1, 12, 1, 2, 0, 1>("conv_transpose1d_k4_s2_p1");
    run_t::<2, 3, 3, 3, 4, 4, 8, 8, 2, 2, 1, 1>("conv_transpose2d_k3_s2_op1");
}

#[test]
fn causal_streaming_has_the_bits_of_the_whole_pass() {
    use constnet::layers::conv_general::History;
    let c = case(CONV, "conv1d_causal_k3_d2");
    let weight: [[[f64; 3]; 2]; 3] = tensor(&c["params"]["weight"]);
    let bias: [f64; 3] = tensor(&c["params"]["bias"]);
    let conv = Conv1dG::<2, 3, 2, 3, 12, 1, 2, Causal, f64>::from_weights(weight, bias);
    let xs: [[[f64; 12]; 2]; 2] = tensor(&c["inputs"]["x"]);
    for x in &xs {
        let whole = conv.eval(x);
        let mut history = History::<2, 4, f64>::EMPTY;
        for t in 0..12 {
            let y = conv.step(&[x[0][t], x[1][t]], &mut history);
            for o in 0..3 {
                assert_eq!(y[o].to_bits(), whole[o][t].to_bits(), "step {t}, channel {o}");
            }
        }
    }
}
