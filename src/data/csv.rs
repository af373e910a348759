//! A CSV reader for numeric labelled data: each line is `D` numbers (the
//! features) and then an integer class label. No heap; never panics.

use core::marker::PhantomData;
use core::str::FromStr;

use num_traits::float::FloatCore;

use crate::Float;
use crate::error::{CsvError, CsvErrorKind, Excerpt};

/// Parses labelled rows from `text` into `out` and returns how many were
/// written. See [`labeled_csv_rows`] for the format.
///
/// ```
/// use constnet::data::parse_labeled_csv;
///
/// let text = "0.5,1,0\n2,-3e-1,2\n";
/// let mut rows = [([0.0_f32; 2], 0_usize); 4];
/// let n = parse_labeled_csv(text, 3, &mut rows).unwrap();
/// assert_eq!(&rows[..n], &[([0.5, 1.0], 0), ([2.0, -0.3], 2)]);
///
/// let error = parse_labeled_csv("0.5,1,0\n2,x,2\n", 3, &mut rows).unwrap_err();
/// assert_eq!(error.to_string(), "line 2, column 2: `x` is not a number");
/// ```
///
/// # Errors
///
/// The first [`CsvError`] met, naming its 1-based line and column. Besides
/// the row errors of [`labeled_csv_rows`], a well-formed row that does not
/// fit in `out` gives [`CsvErrorKind::TooManyRows`] (column 1). Rows before
/// the error have been written to `out`.
pub fn parse_labeled_csv<F: Float + FromStr, const D: usize>(
    text: &str,
    classes: usize,
    out: &mut [([F; D], usize)],
) -> Result<usize, CsvError> {
    let mut count = 0;
    for (row, line) in labeled_csv_rows::<F, D>(text, classes).with_lines() {
        let row = row?;
        match out.get_mut(count) {
            Some(slot) => *slot = row,
            None => {
                return Err(CsvError { line, column: 1, kind: CsvErrorKind::TooManyRows { capacity: out.len() } });
            }
        }
        count += 1;
    }
    Ok(count)
}

/// The rows of labelled CSV `text`, one `Result` per data line, parsed
/// lazily; after an error the iterator goes on with the next line.
///
/// The format, for `D` features and `classes` classes:
///
/// - Lines end with `\n` or `\r\n`. Lines that are empty or hold only
///   whitespace are skipped (as `numpy.loadtxt` and `pandas.read_csv` do),
///   so a trailing blank line is fine. There is no header line and no
///   quoting.
/// - Each line holds `D + 1` fields separated by commas; spaces and tabs
///   around a field are ignored.
/// - The first `D` fields are numbers in Rust's float syntax (`3`, `-0.5`,
///   `1e-3`), parsed directly to `F` (correctly rounded). NaN, infinities
///   and values too large for `F` are rejected: a data file with them is
///   almost always a mistake, better reported here than as a NaN loss later.
/// - The last field is the class label, an integer in `0..classes`;
///   integer-valued decimals such as `3.0` or `3.000e+00` (what
///   `numpy.savetxt` writes) are accepted too.
///
/// Errors name the 1-based line and the 1-based column (field number) and
/// say what was wrong: see [`CsvErrorKind`]. A line with the wrong number of
/// fields is reported before its contents are looked at.
///
/// ```
/// use constnet::data::labeled_csv_rows;
/// use constnet::CsvErrorKind;
///
/// let text = "1,2,0\n\n3,4,5\n5,6\n";
/// let mut rows = labeled_csv_rows::<f64, 2>(text, 2);
/// assert_eq!(rows.next(), Some(Ok(([1.0, 2.0], 0))));
/// let error = rows.next().unwrap().unwrap_err();
/// assert_eq!((error.line, error.column), (3, 3));
/// assert_eq!(error.to_string(), "line 3, column 3: the label `5` is out of range for 2 classes (0..2)");
/// let error = rows.next().unwrap().unwrap_err();
/// assert_eq!((error.line, error.column), (4, 3));
/// assert_eq!(error.kind, CsvErrorKind::WrongColumnCount { expected: 3, found: 2 });
/// assert_eq!(rows.next(), None);
/// ```
pub fn labeled_csv_rows<F, const D: usize>(text: &str, classes: usize) -> LabeledCsvRows<'_, F, D> {
    LabeledCsvRows { rest: Some(text), next_line: 1, classes, float: PhantomData }
}

/// The iterator returned by [`labeled_csv_rows`].
#[derive(Clone, Debug)]
pub struct LabeledCsvRows<'a, F, const D: usize> {
    /// The text not yet read; `None` after the last line.
    rest: Option<&'a str>,
    /// The 1-based number of the next line.
    next_line: usize,
    classes: usize,
    float: PhantomData<fn() -> F>,
}

impl<'a, F: Float + FromStr, const D: usize> LabeledCsvRows<'a, F, D> {
    /// The number of the line the next row will come from (1-based), or of
    /// the line after the last one read.
    pub const fn next_line(&self) -> usize {
        self.next_line
    }

    /// Pairs each row with its 1-based line number.
    fn with_lines(self) -> impl Iterator<Item = (Result<([F; D], usize), CsvError>, usize)> + 'a {
        let mut rows = self;
        core::iter::from_fn(move || {
            let row = rows.next()?;
            // `next` has moved past the row's line.
            Some((row, rows.next_line.saturating_sub(1)))
        })
    }

    /// The next line that is not blank, with its number.
    fn next_data_line(&mut self) -> Option<(&'a str, usize)> {
        loop {
            let text = self.rest?;
            let (line, rest) = match text.split_once('\n') {
                Some((line, rest)) => (line, Some(rest)),
                None => (text, None),
            };
            self.rest = rest;
            let number = self.next_line;
            self.next_line = self.next_line.saturating_add(1);
            if !line.trim().is_empty() {
                return Some((line.strip_suffix('\r').unwrap_or(line), number));
            }
        }
    }

    fn parse_row(&self, line: &str, number: usize) -> Result<([F; D], usize), CsvError> {
        let error = |column: usize, kind: CsvErrorKind| CsvError { line: number, column, kind };
        let expected = D.saturating_add(1);
        let found = line.split(',').count();
        if found != expected {
            let column = if found < expected { found + 1 } else { expected + 1 };
            return Err(error(column, CsvErrorKind::WrongColumnCount { expected, found }));
        }
        let mut features = [F::zero(); D];
        let mut fields = line.split(',').map(str::trim);
        for (index, slot) in features.iter_mut().enumerate() {
            let text = fields.next().unwrap_or("");
            let value: F =
                text.parse().map_err(|_| error(index + 1, CsvErrorKind::NotANumber { text: Excerpt::new(text) }))?;
            if !value.is_finite() {
                return Err(error(index + 1, CsvErrorKind::NotFinite { text: Excerpt::new(text) }));
            }
            *slot = value;
        }
        let text = fields.next().unwrap_or("");
        let label = parse_label(text, self.classes).map_err(|kind| error(expected, kind))?;
        Ok((features, label))
    }
}

/// A class label: an integer (or an integer-valued decimal) in `0..classes`.
fn parse_label(text: &str, classes: usize) -> Result<usize, CsvErrorKind> {
    let out_of_range = || CsvErrorKind::LabelOutOfRange { text: Excerpt::new(text), classes };
    if let Ok(label) = text.parse::<usize>() {
        return if label < classes { Ok(label) } else { Err(out_of_range()) };
    }
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && FloatCore::fract(value) == 0.0 => {
            // A non-negative integer below `classes`: the cast is exact.
            let label = value as usize;
            if value >= 0.0 && value < classes as f64 && label < classes { Ok(label) } else { Err(out_of_range()) }
        }
        _ => Err(CsvErrorKind::LabelNotInteger { text: Excerpt::new(text) }),
    }
}

impl<F: Float + FromStr, const D: usize> Iterator for LabeledCsvRows<'_, F, D> {
    type Item = Result<([F; D], usize), CsvError>;

    fn next(&mut self) -> Option<Self::Item> {
        let (line, number) = self.next_data_line()?;
        Some(self.parse_row(line, number))
    }
}
