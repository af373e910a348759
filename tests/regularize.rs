//! L1 and L2 penalties: values and gradients by hand, gradients against
//! central finite differences of the value, biases excluded by default,
//! and the PyTorch equivalences the docs state.

use constnet::ParamKind;
use constnet::prelude::*;
use constnet::regularize::Norm;

type Net = (Dense<2, 3, f64>, Tanh, Dense<3, 1, f64>, Sigmoid);

/// Weights 0.5, −1, 0, 2, −0.25, 0.75 and 1.5, −0.5, 0; biases 0.1, −0.2, 0.3 and −0.4.
fn net() -> Net {
    (
        Dense::from_weights([[0.5, -1.0], [0.0, 2.0], [-0.25, 0.75]], [0.1, -0.2, 0.3]),
        Tanh,
        Dense::from_weights([[1.5, -0.5, 0.0]], [-0.4]),
        Sigmoid,
    )
}

/// Every parameter, with its kind, in tensor order.
fn flat(model: &Net) -> Vec<(ParamKind, f64)> {
    model.tensors().flat_map(|t| t.storage.iter().map(move |&v| (t.kind, v))).collect()
}

fn gradient(penalty: &Penalty<f64>, model: &Net) -> Vec<(ParamKind, f64)> {
    let mut grads = Net::zeroed();
    penalty.add_gradient(model, &mut grads);
    flat(&grads)
}

fn close(got: f64, expected: f64, tol: f64) -> bool {
    (got - expected).abs() <= tol * expected.abs().max(1.0)
}

#[test]
fn l2_by_hand() {
    // Σw² over the weights: 0.25 + 1 + 0 + 4 + 0.0625 + 0.5625 + 2.25 + 0.25 + 0 = 8.375.
    let l2 = Penalty::l2(0.1).unwrap();
    assert_eq!((l2.norm(), l2.strength(), l2.includes_biases()), (Norm::L2, 0.1, false));
    assert!(close(l2.value(&net()), 0.05 * 8.375, 1e-15));
    // Gradient λ·w on weights, 0 on biases.
    let expected_weights = [0.05, -0.1, 0.0, 0.2, -0.025, 0.075, 0.15, -0.05, 0.0];
    let got = gradient(&l2, &net());
    let weights: Vec<f64> = got.iter().filter(|(k, _)| *k == ParamKind::Weight).map(|&(_, g)| g).collect();
    let biases: Vec<f64> = got.iter().filter(|(k, _)| *k == ParamKind::Bias).map(|&(_, g)| g).collect();
    // The weights in storage order are a permutation of PyTorch's; compare as sorted sets.
    let mut sorted = weights.clone();
    sorted.sort_by(f64::total_cmp);
    let mut expected = expected_weights.to_vec();
    expected.sort_by(f64::total_cmp);
    for (g, e) in sorted.iter().zip(&expected) {
        assert!(close(*g, *e, 1e-15), "{sorted:?} vs {expected:?}");
    }
    assert_eq!(biases, [0.0; 4]);

    // With biases: Σb² = 0.01 + 0.04 + 0.09 + 0.16 = 0.3 more.
    let l2b = l2.include_biases(true);
    assert!(close(l2b.value(&net()), 0.05 * (8.375 + 0.3), 1e-15));
    let mut grads = Net::zeroed();
    l2b.add_gradient(&net(), &mut grads);
    assert!(close(grads.0.bias()[1], 0.1 * -0.2, 1e-15) && close(grads.2.bias()[0], 0.1 * -0.4, 1e-15));
    assert!(close(grads.0.weight()[1][1], 0.1 * 2.0, 1e-15));
}

#[test]
fn l1_by_hand() {
    // Σ|w| over the weights: 0.5 + 1 + 0 + 2 + 0.25 + 0.75 + 1.5 + 0.5 + 0 = 6.5.
    let l1 = Penalty::l1(0.01).unwrap();
    assert_eq!(l1.norm(), Norm::L1);
    assert!(close(l1.value(&net()), 0.065, 1e-15));
    // Gradient λ·sign(w), with sign(0) = 0 (autograd's subgradient of |w| at 0).
    let mut grads = Net::zeroed();
    l1.add_gradient(&net(), &mut grads);
    assert_eq!(grads.0.weight(), [[0.01, -0.01], [0.0, 0.01], [-0.01, 0.01]]);
    assert_eq!(grads.2.weight(), [[0.01, -0.01, 0.0]]);
    assert_eq!((*grads.0.bias(), *grads.2.bias()), ([0.0; 3], [0.0]));
    // Biases included: Σ|b| = 1.0 more, gradients ±λ on them.
    let l1b = l1.include_biases(true);
    assert!(close(l1b.value(&net()), 0.075, 1e-15));
    let mut grads = Net::zeroed();
    l1b.add_gradient(&net(), &mut grads);
    assert_eq!((*grads.0.bias(), *grads.2.bias()), ([0.01, -0.01, 0.01], [-0.01]));
}

#[test]
fn gradients_match_finite_differences() {
    // Central differences of value(); no parameter is within h of 0, where
    // |w| has a kink.
    let mut base = net();
    base.0.set_weights(&[[0.5, -1.0], [0.3, 2.0], [-0.25, 0.75]], &[0.1, -0.2, 0.3]);
    base.2.set_weights(&[[1.5, -0.5, 0.2]], &[-0.4]);
    let h = 1e-6;
    for penalty in [
        Penalty::l2(0.3).unwrap(),
        Penalty::l2(0.3).unwrap().include_biases(true),
        Penalty::l1(0.7).unwrap(),
        Penalty::l1(0.7).unwrap().include_biases(true),
    ] {
        let analytic = gradient(&penalty, &base);
        assert_eq!(analytic.len(), <Net as Model<f64>>::PARAMS);
        for (k, &(kind, g)) in analytic.iter().enumerate() {
            let shifted = |delta: f64| {
                let mut m = base.clone();
                let mut index = k;
                for t in m.tensors_mut() {
                    if index < t.storage.len() {
                        t.storage[index] += delta;
                        break;
                    }
                    index -= t.storage.len();
                }
                penalty.value(&m)
            };
            let numeric = (shifted(h) - shifted(-h)) / (2.0 * h);
            assert!(
                (g - numeric).abs() <= 1e-8,
                "{penalty:?}: parameter {k} ({kind:?}): analytic {g}, finite difference {numeric}"
            );
        }
    }
}

#[test]
fn biases_are_excluded_by_default() {
    // A model whose weights are all zero: only biases could contribute.
    let mut m = Net::zeroed();
    m.0.set_weights(&[[0.0; 2]; 3], &[1.0, 2.0, 3.0]);
    m.2.set_weights(&[[0.0; 3]], &[4.0]);
    for penalty in [Penalty::l1(1.0).unwrap(), Penalty::l2(1.0).unwrap()] {
        assert!(!penalty.includes_biases());
        assert!(!penalty.applies_to(ParamKind::Bias) && penalty.applies_to(ParamKind::Weight));
        assert_eq!(penalty.value(&m), 0.0);
        assert!(gradient(&penalty, &m).iter().all(|&(_, g)| g == 0.0));
        let with = penalty.include_biases(true);
        assert!(with.value(&m) > 0.0);
        assert!(gradient(&with, &m).iter().filter(|(k, _)| *k == ParamKind::Bias).all(|&(_, g)| g > 0.0));
    }
    // Strength 0 acts on nothing.
    assert!(!Penalty::l2(0.0).unwrap().include_biases(true).applies_to(ParamKind::Weight));
}

#[test]
fn add_gradient_accumulates() {
    // It adds to what is there (the averaged data gradient).
    let l2 = Penalty::l2(0.5).unwrap();
    let mut grads = net(); // any values
    let before = flat(&grads);
    l2.add_gradient(&net(), &mut grads);
    for ((kind, b), ((_, a), (_, p))) in before.iter().zip(flat(&grads).iter().zip(flat(&net()).iter())) {
        let expected = if *kind == ParamKind::Weight { b + 0.5 * p } else { *b };
        assert_eq!(*a, expected);
    }
}

#[test]
fn l2_penalty_is_pytorch_weight_decay() {
    // SGD on data-gradient + L2-penalty-gradient equals SGD with
    // weight_decay = λ (biases included, as PyTorch's weight_decay).
    let lambda = 0.2;
    let grads = net();
    let penalty = Penalty::l2(lambda).unwrap().include_biases(true);
    let mut a = net();
    let mut b = net();
    let mut total = grads.clone();
    penalty.add_gradient(&a, &mut total);
    Sgd::new(0.1).unwrap().step(&mut a, &total);
    Sgd::new(0.1).unwrap().penalty(penalty).step(&mut b, &grads);
    assert_eq!(a, b);
    // By hand for one weight: w = 2, g = 2: w ← 2 − 0.1·(2 + 0.2·2) = 1.76.
    assert!(close(b.0.weight()[1][1], 1.76, 1e-15));
}

#[test]
fn non_finite_parameters_propagate() {
    let mut m = net();
    m.0.set_weights(&[[f64::NAN, 1.0], [0.0, 0.0], [0.0, 0.0]], &[0.0; 3]);
    for penalty in [Penalty::l1(0.1).unwrap(), Penalty::l2(0.1).unwrap()] {
        assert!(penalty.value(&m).is_nan());
        let mut grads = Net::zeroed();
        penalty.add_gradient(&m, &mut grads);
        assert!(grads.0.weight()[0][0].is_nan());
        assert!(penalty.gradient_at(f64::NAN).is_nan());
    }
    assert_eq!(Penalty::l1(0.1).unwrap().gradient_at(-0.0), 0.0);
}
