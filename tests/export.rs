//! Exported models are Rust source that rebuilds them exactly.

use constnet::prelude::*;

type Xor = (Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid);

/// Written by `cargo run --release --example xor` (the block it prints after
/// training), kept in a `static` as firmware would.
static TRAINED: Xor = include!("data/xor_weights.rs");

#[test]
fn an_included_model_is_a_static_that_works() {
    for (x, expected) in [([0.0, 0.0], false), ([0.0, 1.0], true), ([1.0, 0.0], true), ([1.0, 1.0], false)] {
        assert_eq!(TRAINED.forward(&x)[0] > 0.5, expected, "{x:?}");
    }
}

#[test]
fn exporting_the_included_model_reproduces_its_source_exactly() {
    let mut source = String::new();
    TRAINED.write_rust(&mut source).unwrap();
    assert_eq!(source, include_str!("data/xor_weights.rs").trim_end());
}

#[test]
fn every_float_round_trips_through_the_exported_text() {
    // Values whose shortest decimal forms are awkward: subnormal, huge,
    // negative zero, inexact sums, and the non-finite ones that need named
    // constants.
    let weight = [[f64::MIN_POSITIVE / 3.0, 1e300, -0.0], [0.1 + 0.2, f64::INFINITY, f64::NEG_INFINITY]];
    let bias = [f64::NAN, 1.0 / 3.0];
    let layer: Dense<3, 2, f64> = Dense::from_weights(weight, bias);
    let mut source = String::new();
    layer.write_rust(&mut source).unwrap();

    let numbers = source.trim_start_matches("constnet::layers::Dense::from_weights(").trim_end_matches(')');
    let parsed: Vec<f64> = numbers
        .split(['[', ']', ','])
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .map(|token| match token {
            "f64::NAN" => f64::NAN,
            "f64::INFINITY" => f64::INFINITY,
            "f64::NEG_INFINITY" => f64::NEG_INFINITY,
            literal => literal.parse().unwrap_or_else(|_| panic!("not a float literal: {literal}")),
        })
        .collect();
    let expected: Vec<f64> = weight.as_flattened().iter().chain(&bias).copied().collect();
    assert_eq!(parsed.len(), expected.len(), "{source}");
    for (got, want) in parsed.iter().zip(&expected) {
        assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()), "{got} vs {want} in {source}");
    }
}

#[test]
fn activations_with_settings_export_them() {
    let net: (LeakyRelu, Step, Softmax, Relu, Identity) =
        (LeakyRelu::new(0.2), Step::new(0.5), Softmax, Relu, Identity);
    let mut source = String::new();
    net.write_rust(&mut source).unwrap();
    assert_eq!(
        source,
        "(\n    constnet::layers::LeakyRelu::new(0.2),\n    constnet::layers::Step::new(0.5),\n    \
         constnet::layers::Softmax,\n    constnet::layers::Relu,\n    constnet::layers::Identity,\n)"
    );
}
