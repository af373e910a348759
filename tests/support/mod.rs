//! Helpers shared by the test suites that compare with the PyTorch
//! reference data in `tests/data/*.json` (float64, shortest round-trip
//! floats): finding a case, reading its nested lists into typed tensors,
//! and comparing element by element.
//!
//! Use from a test file with `mod support;`.

// Each test crate uses only part of these helpers.
#![allow(dead_code)]

pub mod gradients;

use constnet::Values;
use serde_json::Value;

/// The case named `name` of a reference file's `cases` list.
pub fn case(file: &str, name: &str) -> Value {
    let all: Value = serde_json::from_str(file).expect("reference JSON");
    all["cases"]
        .as_array()
        .expect("a `cases` list")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"))
        .clone()
}

/// A nested JSON list's numbers in row-major order.
pub fn flat(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(items) => items.iter().flat_map(flat).collect(),
        number => vec![number.as_f64().unwrap_or_else(|| panic!("not a number: {number}"))],
    }
}

/// A JSON tensor as a value of the caller's type, which must hold exactly
/// as many values (`Batch<[[f64; L]; C], N>` for an `[N][C][L]` tensor).
pub fn tensor<X: Values<Scalar = f64>>(v: &Value) -> X {
    X::from_slice(&flat(v)).expect("the tensor's size")
}

/// Every value of a tensor, in row-major order.
pub fn values<X: Values>(x: &X) -> Vec<X::Scalar> {
    let mut out = Vec::with_capacity(X::LEN);
    x.for_each(&mut |v| out.push(v));
    out
}

/// |got − want| ≤ tol·max(1, |want|) for every element.
pub fn assert_close_to(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol * w.abs().max(1.0), "{what}[{k}]: got {g}, want {w}");
    }
}

/// [`assert_close_to`] at 10⁻¹², the float64 parity tolerance.
pub fn assert_close(what: &str, got: &[f64], want: &[f64]) {
    assert_close_to(what, got, want, 1e-12);
}
