//! Data utilities: shuffling, splitting, batching, early stopping and the
//! labelled-CSV reader (every error kind, the shipped digits data set, and
//! random input that must never panic).

use constnet::data::{
    Decision, EarlyStopping, batches, gather, identity_permutation, labeled_csv_rows, parse_labeled_csv, shuffle,
    train_validation_split,
};
use constnet::prelude::*;
use constnet::{CsvError, CsvErrorKind, Excerpt, GatherError, InvalidHyperparameter};
use proptest::prelude::*;

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

fn shuffled<const N: usize>(seed: u64) -> [usize; N] {
    let mut order = [0; N];
    identity_permutation(&mut order);
    shuffle(&mut order, &mut rng(seed));
    order
}

// ---------------------------------------------------------------- shuffle

#[test]
fn identity_permutation_counts_up() {
    let mut order = [7; 5];
    identity_permutation(&mut order);
    assert_eq!(order, [0, 1, 2, 3, 4]);
    identity_permutation(&mut []);
}

#[test]
fn a_seeded_shuffle_is_a_permutation() {
    for seed in 0..20 {
        let mut order = shuffled::<97>(seed);
        order.sort_unstable();
        assert!(order.iter().enumerate().all(|(i, &v)| i == v));
    }
    // Lengths 0 and 1 are left alone and draw nothing.
    let mut generator = rng(3);
    let mut empty: [usize; 0] = [];
    shuffle(&mut empty, &mut generator);
    let mut one = [0];
    shuffle(&mut one, &mut generator);
    assert_eq!(one, [0]);
    assert_eq!(generator, rng(3));
}

#[test]
fn a_shuffle_is_reproducible_for_a_seed_and_differs_for_another() {
    assert_eq!(shuffled::<50>(7), shuffled::<50>(7));
    assert_ne!(shuffled::<50>(7), shuffled::<50>(8));
    // Pinned: the same bits on every target (only next_u64 and u64/u128 arithmetic are used).
    assert_eq!(shuffled::<10>(42), PINNED_SEED_42);
}

/// Checked against an independent Python implementation of the same Fisher–Yates with
/// Lemire's bounded draw, fed Xoshiro256PlusPlus::seed_from_u64(42)'s first `next_u64` values.
const PINNED_SEED_42: [usize; 10] = [5, 3, 1, 0, 9, 6, 4, 7, 2, 8];

#[test]
fn a_shuffle_works_on_any_element_type() {
    let mut letters = ['a', 'b', 'c', 'd', 'e', 'f'];
    shuffle(&mut letters, &mut rng(1));
    let mut sorted = letters;
    sorted.sort_unstable();
    assert_eq!(sorted, ['a', 'b', 'c', 'd', 'e', 'f']);
}

#[test]
fn every_permutation_of_three_is_about_equally_likely() {
    // 60 000 shuffles of [0, 1, 2]: each of the 6 orders expects 10 000 (σ ≈ 91);
    // allow ±5 % (about 5σ). A biased draw (e.g. next_u64() % n) on 3 elements
    // would not be caught at this size, but an off-by-one Fisher–Yates would
    // (it gives some orders probability 0 or double).
    const RUNS: usize = 60_000;
    let mut generator = rng(2024);
    let mut counts = [0_usize; 6];
    for _ in 0..RUNS {
        let mut order = [0, 1, 2];
        shuffle(&mut order, &mut generator);
        let index = match order {
            [0, 1, 2] => 0,
            [0, 2, 1] => 1,
            [1, 0, 2] => 2,
            [1, 2, 0] => 3,
            [2, 0, 1] => 4,
            [2, 1, 0] => 5,
            other => panic!("not a permutation: {other:?}"),
        };
        counts[index] += 1;
    }
    for &count in &counts {
        assert!((9_500..=10_500).contains(&count), "{counts:?}");
    }
    // Each element lands in each position about a third of the time, for a longer slice too.
    let mut position_counts = [[0_usize; 5]; 5];
    for _ in 0..30_000 {
        let mut order = [0, 1, 2, 3, 4];
        shuffle(&mut order, &mut generator);
        for (position, &value) in order.iter().enumerate() {
            position_counts[value][position] += 1;
        }
    }
    for row in &position_counts {
        for &count in row {
            assert!((5_700..=6_300).contains(&count), "{position_counts:?}");
        }
    }
}

// ---------------------------------------------------------------- split

fn split_sizes(n: usize, fraction: f64) -> (usize, usize) {
    let order: Vec<usize> = (0..n).collect();
    let (train, validation) = train_validation_split(&order, fraction).unwrap();
    // The two parts are the permutation, cut once.
    assert_eq!([train, validation].concat(), order);
    (train.len(), validation.len())
}

#[test]
fn split_sizes_are_exact() {
    assert_eq!(split_sizes(1797, 0.8), (1437, 360)); // the digits split, as sklearn's test_size=0.2
    assert_eq!(split_sizes(10, 0.8), (8, 2));
    assert_eq!(split_sizes(10, 0.7), (7, 3)); // 0.7 × 10 = 7.000000000000001 in f64
    assert_eq!(split_sizes(100, 0.29), (29, 71)); // 0.29 × 100 = 28.999999999999996 in f64
    assert_eq!(split_sizes(5, 0.5), (2, 3)); // floor(2.5)
    assert_eq!(split_sizes(3, 0.1), (0, 3)); // floor(0.30000000000000004)
    assert_eq!(split_sizes(7, 0.0), (0, 7));
    assert_eq!(split_sizes(7, 1.0), (7, 0));
    assert_eq!(split_sizes(0, 0.5), (0, 0));
    assert_eq!(split_sizes(1, 0.99), (0, 1));
    // k/n of n samples is exactly k, for every k and n up to 300.
    for n in 1..=300 {
        for k in 0..=n {
            assert_eq!(split_sizes(n, k as f64 / n as f64).0, k, "{k}/{n}");
        }
    }
    // Percentages of 100 and of 1000.
    for percent in 0..=100 {
        assert_eq!(split_sizes(100, f64::from(percent) / 100.0).0, percent as usize);
        assert_eq!(split_sizes(1000, f64::from(percent) / 100.0).0, percent as usize * 10);
    }
}

#[test]
fn split_rejects_fractions_outside_zero_to_one() {
    for bad in [-0.1, 1.0000001, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let error = train_validation_split(&[1, 2, 3], bad).unwrap_err();
        assert_eq!(error.name, "train fraction");
        assert_eq!(error.expected, "a number in [0, 1]");
    }
    assert_eq!(
        train_validation_split(&[1, 2, 3], 2.0).unwrap_err().to_string(),
        "invalid train fraction: 2 (expected a number in [0, 1])"
    );
}

// ---------------------------------------------------------------- batches and gather

#[test]
fn batches_are_chunks_with_a_short_last_one() {
    let order = shuffled::<10>(5);
    let sizes: Vec<usize> = batches(&order, 4).unwrap().map(<[usize]>::len).collect();
    assert_eq!(sizes, [4, 4, 2]);
    let joined: Vec<usize> = batches(&order, 4).unwrap().flatten().copied().collect();
    assert_eq!(joined, order);
    assert_eq!(batches(&order, 10).unwrap().count(), 1);
    assert_eq!(batches(&order, 11).unwrap().count(), 1);
    assert_eq!(batches::<usize>(&[], 3).unwrap().count(), 0);
    assert_eq!(
        batches(&order, 0).unwrap_err(),
        InvalidHyperparameter { name: "batch size", value: 0.0, expected: "at least 1" }
    );
}

#[test]
fn gather_copies_the_named_samples_into_the_buffer() {
    let data: [([f32; 2], usize); 5] = core::array::from_fn(|i| ([i as f32, -(i as f32)], i % 3));
    let mut buffer = [([0.0_f32; 2], 9_usize); 4];
    let batch = gather(&data, &[4, 0, 2], &mut buffer).unwrap();
    assert_eq!(batch, &[data[4], data[0], data[2]]);
    assert_eq!(buffer[3], ([0.0, 0.0], 9)); // past the prefix: untouched

    // Errors leave the buffer unchanged.
    let before = buffer;
    assert_eq!(
        gather(&data, &[1, 5, 2], &mut buffer),
        Err(GatherError::IndexOutOfRange { position: 1, index: 5, len: 5 })
    );
    assert_eq!(
        gather(&data, &[0, 1, 2, 3, 4], &mut buffer),
        Err(GatherError::BufferTooSmall { needed: 5, capacity: 4 })
    );
    assert_eq!(buffer, before);
    assert_eq!(
        GatherError::IndexOutOfRange { position: 1, index: 5, len: 5 }.to_string(),
        "batch entry 1: index 5 out of range for 5 samples"
    );
    assert_eq!(gather(&data, &[], &mut buffer).unwrap().len(), 0);
}

#[test]
fn an_epoch_of_gathered_batches_visits_every_sample_once() {
    let data: [usize; 23] = core::array::from_fn(|i| i * 10);
    let mut order = [0; 23];
    identity_permutation(&mut order);
    shuffle(&mut order, &mut rng(9));
    let mut buffer = [0; 5];
    let mut seen = Vec::new();
    for batch in batches(&order, 5).unwrap() {
        seen.extend_from_slice(gather(&data, batch, &mut buffer).unwrap());
    }
    seen.sort_unstable();
    assert_eq!(seen, data);
}

// ---------------------------------------------------------------- early stopping

type Net = (Dense<1, 1>, Identity);

/// A model that remembers the epoch it was "trained" to.
fn model_of(epoch: usize) -> Net {
    (Dense::from_weights([[epoch as f32]], [0.0]), Identity)
}

fn run(stopper: &mut EarlyStopping<Net, f32>, losses: &[f32]) -> (Vec<Decision>, Net) {
    let mut net = model_of(999);
    let mut decisions = Vec::new();
    for (epoch, &loss) in losses.iter().enumerate() {
        net = model_of(epoch);
        let decision = stopper.update(epoch, loss, &net);
        decisions.push(decision);
        if decision.should_stop() {
            break;
        }
    }
    (decisions, net)
}

#[test]
fn early_stopping_waits_patience_epochs_then_restores_the_best() {
    use Decision::{Continue, Improved, Stop};
    let losses = [1.0, 0.8, 0.85, 0.79, 0.795, 0.9, 0.7];

    // min_delta 0: 0.79 improves on 0.8; then 0.795 and 0.9 do not → stop after 2.
    let mut stopper = EarlyStopping::new(2, 0.0).unwrap();
    let (decisions, mut net) = run(&mut stopper, &losses);
    assert_eq!(decisions, [Improved, Improved, Continue, Improved, Continue, Stop]);
    assert_eq!((stopper.best_epoch(), stopper.best_loss()), (Some(3), Some(0.79)));
    assert_eq!(stopper.epochs_without_improvement(), 2);
    assert_eq!(net.0.weight(), [[5.0]]); // the last epoch's model
    assert!(stopper.restore_best(&mut net));
    assert_eq!(net.0.weight(), [[3.0]]); // epoch 3's model
    assert_eq!(stopper.best_model().map(|m| m.0.weight()), Some([[3.0]]));

    // min_delta 0.02: 0.79 is not below 0.8 − 0.02, so epochs 2 and 3 count against patience.
    let mut stopper = EarlyStopping::new(2, 0.02).unwrap();
    let (decisions, mut net) = run(&mut stopper, &losses);
    assert_eq!(decisions, [Improved, Improved, Continue, Stop]);
    assert!(stopper.restore_best(&mut net));
    assert_eq!(net.0.weight(), [[1.0]]);

    // Patience 0 stops at the first epoch without improvement.
    let mut stopper = EarlyStopping::new(0, 0.0).unwrap();
    assert_eq!(run(&mut stopper, &losses).0, [Improved, Improved, Stop]);

    // A long patience never stops on this sequence; the best is the last.
    let mut stopper = EarlyStopping::new(10, 0.0).unwrap();
    let (decisions, _) = run(&mut stopper, &losses);
    assert_eq!(decisions.len(), losses.len());
    assert_eq!(stopper.best_epoch(), Some(6));
    assert_eq!((stopper.patience(), stopper.min_delta()), (10, 0.0));
}

#[test]
fn early_stopping_counts_nan_as_no_improvement() {
    use Decision::{Continue, Improved, Stop};
    let mut stopper = EarlyStopping::new(2, 0.0).unwrap();
    assert_eq!(run(&mut stopper, &[f32::NAN, 0.5, f32::NAN, f32::NAN]).0, [Continue, Improved, Continue, Stop]);
    assert_eq!(stopper.best_loss(), Some(0.5));

    // Nothing recorded yet: restore_best leaves the model alone.
    let mut stopper = EarlyStopping::<Net, f32>::new(3, 0.0).unwrap();
    let mut net = model_of(7);
    assert!(!stopper.restore_best(&mut net));
    stopper.update(0, f32::NAN, &model_of(0));
    assert!(!stopper.restore_best(&mut net));
    assert_eq!(net, model_of(7));
    assert_eq!(stopper.best_epoch(), None);

    stopper.update(1, 0.3, &model_of(1));
    stopper.reset();
    assert_eq!((stopper.best_epoch(), stopper.epochs_without_improvement()), (None, 0));
}

#[test]
fn early_stopping_rejects_a_bad_min_delta() {
    for bad in [-0.1_f64, f64::NAN, f64::INFINITY] {
        let error = EarlyStopping::<Net, f64>::new(3, bad).unwrap_err();
        assert_eq!(error.name, "early-stopping min_delta");
    }
}

#[test]
fn early_stopping_costs_one_model() {
    type Big = (Dense<64, 32>, Tanh, Dense<32, 10>);
    let model = core::mem::size_of::<Big>();
    let stopper = core::mem::size_of::<EarlyStopping<Big, f32>>();
    // One model and a few scalars, in three groups (the best epoch and
    // loss, the option's tag, the counters), each taking at most one unit
    // of the model's alignment: 4 bytes on a microcontroller, 64 on this
    // host, where a `Dense` is aligned to a cache line.
    let unit = core::mem::align_of::<Big>().max(16);
    assert!(stopper >= model && stopper <= model + 3 * unit, "{stopper} vs {model}");
}

// ---------------------------------------------------------------- CSV

fn parse<const D: usize>(text: &str, classes: usize) -> Result<Vec<([f64; D], usize)>, CsvError> {
    let mut out = vec![([0.0; D], 0); 8];
    let n = parse_labeled_csv(text, classes, &mut out)?;
    out.truncate(n);
    Ok(out)
}

fn error_of<const D: usize>(text: &str, classes: usize) -> (usize, usize, CsvErrorKind, String) {
    let error = parse::<D>(text, classes).unwrap_err();
    (error.line, error.column, error.kind, error.to_string())
}

#[test]
fn csv_reads_rows_with_crlf_spaces_blank_lines_and_no_final_newline() {
    let text = "1,2,0\r\n  3.5 ,\t-4e-1, 2 \n\n   \n5,6,1.0\n7,8,+1";
    assert_eq!(parse::<2>(text, 3).unwrap(), [([1.0, 2.0], 0), ([3.5, -0.4], 2), ([5.0, 6.0], 1), ([7.0, 8.0], 1)]);
    assert_eq!(parse::<2>("", 3).unwrap(), []);
    assert_eq!(parse::<2>("\n\n", 3).unwrap(), []);
    // numpy.savetxt's default format writes labels as floats.
    assert_eq!(parse::<1>("1.000000000000000000e+00,3.000000000000000000e+00\n", 4).unwrap(), [([1.0], 3)]);
    // A label-only file (D = 0).
    assert_eq!(parse::<0>("1\n0\n", 2).unwrap(), [([], 1), ([], 0)]);
}

#[test]
fn csv_wrong_column_count_names_the_first_missing_or_extra_column() {
    let (line, column, kind, message) = error_of::<3>("1,2,3,0\n1,2\n", 2);
    assert_eq!((line, column), (2, 3));
    assert_eq!(kind, CsvErrorKind::WrongColumnCount { expected: 4, found: 2 });
    assert_eq!(message, "line 2, column 3: expected 4 comma-separated columns (3 features then a label), found 2");

    let (line, column, kind, _) = error_of::<3>("1,2,3,0\n\n1,2,3,4,0\n", 2);
    assert_eq!((line, column), (3, 5));
    assert_eq!(kind, CsvErrorKind::WrongColumnCount { expected: 4, found: 5 });

    // A trailing comma is an extra (empty) column.
    let (line, column, kind, _) = error_of::<1>("1,0,\n", 2);
    assert_eq!((line, column, kind), (1, 3, CsvErrorKind::WrongColumnCount { expected: 2, found: 3 }));
}

#[test]
fn csv_non_numbers_name_their_column_and_text() {
    let (line, column, kind, message) = error_of::<3>("1,2,3,0\n4,5,6,1\n7,eight,9,0\n", 2);
    assert_eq!((line, column), (3, 2));
    assert_eq!(kind, CsvErrorKind::NotANumber { text: Excerpt::new("eight") });
    assert_eq!(message, "line 3, column 2: `eight` is not a number");

    let (line, column, _, message) = error_of::<3>("1,2, ,0\n", 2);
    assert_eq!((line, column), (1, 3));
    assert_eq!(message, "line 1, column 3: empty field where a number was expected");

    // Long text is cut to a fixed length, with an ellipsis.
    let long = "x".repeat(100);
    let (_, column, kind, message) = error_of::<1>(&format!("{long},0\n"), 2);
    assert_eq!(column, 1);
    let CsvErrorKind::NotANumber { text } = kind else { panic!("{kind:?}") };
    assert!(text.is_truncated());
    assert_eq!(text.as_str().len(), Excerpt::CAPACITY);
    assert_eq!(message, format!("line 1, column 1: `{}…` is not a number", "x".repeat(32)));
}

#[test]
fn csv_rejects_nan_infinity_and_overflow() {
    let (line, column, kind, message) = error_of::<2>("1,2,0\n1,nan,0\n", 2);
    assert_eq!((line, column, kind), (2, 2, CsvErrorKind::NotFinite { text: Excerpt::new("nan") }));
    assert_eq!(
        message,
        "line 2, column 2: `nan` is not a finite number (NaN, infinite, or too large for the float type)"
    );
    assert_eq!(error_of::<2>("-inf,1,0\n", 2).1, 1);
    // 1e39 fits in f64 but not in f32.
    let mut out = [([0.0_f32; 1], 0); 1];
    let error = parse_labeled_csv("1e39,0", 2, &mut out).unwrap_err();
    assert_eq!((error.line, error.column), (1, 1));
    assert!(matches!(error.kind, CsvErrorKind::NotFinite { .. }));
    assert_eq!(parse::<1>("1e39,0", 2).unwrap(), [([1e39], 0)]);
}

#[test]
fn csv_labels_must_be_integers_in_range() {
    let (line, column, kind, message) = error_of::<2>("1,2,0\n1,2,10\n", 10);
    assert_eq!((line, column), (2, 3));
    assert_eq!(kind, CsvErrorKind::LabelOutOfRange { text: Excerpt::new("10"), classes: 10 });
    assert_eq!(message, "line 2, column 3: the label `10` is out of range for 10 classes (0..10)");

    let (line, column, _, message) = error_of::<2>("\n1,2,-1\n", 10);
    assert_eq!((line, column), (2, 3));
    assert_eq!(message, "line 2, column 3: the label `-1` is out of range for 10 classes (0..10)");
    assert!(matches!(error_of::<2>("1,2,1e30\n", 10).2, CsvErrorKind::LabelOutOfRange { .. }));
    assert!(matches!(error_of::<2>("1,2,99999999999999999999999\n", 10).2, CsvErrorKind::LabelOutOfRange { .. }));

    let (line, column, kind, message) = error_of::<2>("1,2,0\n1,2,0\n1,2,2.5\n", 10);
    assert_eq!((line, column), (3, 3));
    assert_eq!(kind, CsvErrorKind::LabelNotInteger { text: Excerpt::new("2.5") });
    assert_eq!(message, "line 3, column 3: the label `2.5` is not an integer");
    for bad in ["cat", "nan", "inf", "0x1", ""] {
        let (_, column, kind, _) = error_of::<2>(&format!("1,2,{bad}\n"), 10);
        assert_eq!((column, kind), (3, CsvErrorKind::LabelNotInteger { text: Excerpt::new(bad) }), "{bad}");
    }
    assert_eq!(error_of::<2>("1,2,\n", 10).3, "line 1, column 3: empty field where an integer label was expected");
}

#[test]
fn csv_more_rows_than_the_output_holds_names_the_first_extra_line() {
    let mut out = [([0.0_f32; 1], 0); 2];
    let error = parse_labeled_csv("1,0\n\n2,1\n3,0\n", 2, &mut out).unwrap_err();
    assert_eq!((error.line, error.column), (4, 1));
    assert_eq!(error.kind, CsvErrorKind::TooManyRows { capacity: 2 });
    assert_eq!(error.to_string(), "line 4, column 1: more rows than the output holds (2)");
    assert_eq!(out, [([1.0], 0), ([2.0], 1)]); // the rows before the error
    // Exactly full is fine; a bad extra row reports its own error.
    assert_eq!(parse_labeled_csv("1,0\n2,1\n", 2, &mut out), Ok(2));
    let error = parse_labeled_csv("1,0\n2,1\nx,0\n", 2, &mut out).unwrap_err();
    assert!(matches!(error.kind, CsvErrorKind::NotANumber { .. }));
}

#[test]
fn csv_row_iterator_reports_each_bad_line_and_goes_on() {
    let text = "1,0\nx,0\n2,5\n3,1\n";
    let rows: Vec<_> = labeled_csv_rows::<f32, 1>(text, 2).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0], Ok(([1.0], 0)));
    assert_eq!(rows[1].as_ref().unwrap_err().line, 2);
    assert_eq!(rows[2].as_ref().unwrap_err().line, 3);
    assert_eq!(rows[3], Ok(([3.0], 1)));
    let mut iter = labeled_csv_rows::<f32, 1>(text, 2);
    assert_eq!(iter.next_line(), 1);
    iter.next();
    assert_eq!(iter.next_line(), 2);
    let _: &dyn std::error::Error = &rows[1].unwrap_err();
}

/// Parses `text` every way the API allows; returns the number of good rows.
fn parse_everything(text: &str) -> usize {
    let mut good = 0;
    let mut out1 = [([0.0_f32; 1], 0); 4];
    let _ = parse_labeled_csv(text, 3, &mut out1);
    let mut out3 = [([0.0_f64; 3], 0); 4];
    let _ = parse_labeled_csv(text, 2, &mut out3);
    let mut out0 = [([0.0_f32; 0], 0); 4];
    let _ = parse_labeled_csv(text, 5, &mut out0);
    for row in labeled_csv_rows::<f32, 2>(text, 10) {
        match row {
            Ok((features, label)) => {
                assert!(label < 10 && features.iter().all(|f| f.is_finite()));
                good += 1;
            }
            Err(error) => {
                assert!(error.line >= 1 && error.column >= 1);
                let _ = error.to_string();
            }
        }
    }
    good
}

proptest! {
    #[test]
    fn csv_never_panics_on_any_string(text in any::<String>()) {
        parse_everything(&text);
    }

    #[test]
    fn csv_never_panics_on_csv_like_text(text in "[0-9,.eE+\\-naifINF xé \t\r\n]{0,200}") {
        parse_everything(&text);
    }

    #[test]
    fn csv_never_panics_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        parse_everything(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn csv_round_trips_rows_written_with_display(
        rows in prop::collection::vec((prop::array::uniform3(-1e300_f64..1e300), 0_usize..7), 0..20)
    ) {
        let mut text = String::new();
        for (features, label) in &rows {
            text.push_str(&format!("{},{},{},{}\n", features[0], features[1], features[2], label));
        }
        let mut out = vec![([0.0; 3], 0); rows.len()];
        prop_assert_eq!(parse_labeled_csv(&text, 7, &mut out), Ok(rows.len()));
        prop_assert_eq!(out, rows);
    }
}

// ---------------------------------------------------------------- the digits data set

const DIGITS: &str = include_str!("../data/digits.csv");

#[test]
fn the_shipped_digits_data_parses_whole() {
    let mut rows: Box<[([f32; 64], usize); 1797]> =
        vec![([0.0_f32; 64], 0_usize); 1797].into_boxed_slice().try_into().unwrap();
    let count = parse_labeled_csv(DIGITS, 10, &mut rows[..]).unwrap();
    assert_eq!(count, 1797);

    let mut per_class = [0_usize; 10];
    for (pixels, label) in rows.iter() {
        per_class[*label] += 1;
        assert!(pixels.iter().all(|&p| (0.0..=16.0).contains(&p) && p.fract() == 0.0));
    }
    assert_eq!(per_class.iter().sum::<usize>(), 1797);
    assert!(per_class.iter().all(|&n| (170..=190).contains(&n)), "{per_class:?}");
    // The pixel range is used in full.
    let max = rows.iter().flat_map(|r| r.0).fold(0.0_f32, f32::max);
    let min = rows.iter().flat_map(|r| r.0).fold(16.0_f32, f32::min);
    assert_eq!((min, max), (0.0, 16.0));
    // The first sample is a 0 (scikit-learn's load_digits order).
    assert_eq!(rows[0].1, 0);
    assert_eq!(&rows[0].0[..8], &[0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]);

    // One row too few in the output: the error names line 1797.
    let error = parse_labeled_csv(DIGITS, 10, &mut rows[..1796]).unwrap_err();
    assert_eq!((error.line, error.kind), (1797, CsvErrorKind::TooManyRows { capacity: 1796 }));
    // Nine classes: the first 9 label is out of range, on its own line.
    let error = parse_labeled_csv(DIGITS, 9, &mut rows[..]).unwrap_err();
    let first_nine = DIGITS.lines().position(|l| l.ends_with(",9")).unwrap() + 1;
    assert_eq!((error.line, error.column), (first_nine, 65));
}
