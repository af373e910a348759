//! `parse_labeled_csv` and `labeled_csv_rows` on arbitrary text. Properties:
//! never a panic; the two agree (the parser writes exactly the rows the
//! iterator yields, and stops at its first error, or at the first row that
//! does not fit); a successful parse
//! round-trips: writing the rows back as CSV and parsing again gives the
//! same bits.
#![no_main]

use constnet::CsvErrorKind;
use constnet::data::{labeled_csv_rows, parse_labeled_csv};
use libfuzzer_sys::fuzz_target;

const CAPACITY: usize = 16;

fn check<F>(text: &str, classes: usize)
where
    F: constnet::Float + core::str::FromStr,
{
    let mut rows = [([F::zero(); 3], 0_usize); CAPACITY];
    let result = parse_labeled_csv::<F, 3>(text, classes, &mut rows);
    let mut expected = Vec::new();
    let mut first_error = None;
    for row in labeled_csv_rows::<F, 3>(text, classes) {
        match row {
            Ok(row) => expected.push(row),
            Err(error) => {
                first_error = Some(error);
                break;
            }
        }
    }
    match result {
        Ok(count) => {
            assert!(first_error.is_none() && count == expected.len() && count <= CAPACITY);
            let mut written = String::new();
            for (features, label) in &rows[..count] {
                for value in features {
                    written += &format!("{value:?},");
                }
                written += &format!("{label}\n");
            }
            let mut again = [([F::zero(); 3], 0_usize); CAPACITY];
            assert_eq!(parse_labeled_csv::<F, 3>(&written, classes, &mut again), Ok(count));
            let same = rows[..count]
                .iter()
                .zip(&again)
                .all(|((a, la), (b, lb))| la == lb && a.iter().zip(b).all(|(x, y)| x.to_bits_u64() == y.to_bits_u64()));
            assert!(same, "the rows do not round-trip through CSV text");
        }
        Err(error) => {
            let _ = error.to_string();
            if expected.len() > CAPACITY {
                // More good rows than fit, before any bad one: the parser
                // stops at the first row that does not fit.
                assert!(matches!(error.kind, CsvErrorKind::TooManyRows { capacity: CAPACITY }), "{error}");
            } else {
                assert_eq!(Some(error), first_error);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&classes, text)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(text);
    check::<f32>(&text, usize::from(classes % 12));
    check::<f64>(&text, usize::from(classes % 12));
});
