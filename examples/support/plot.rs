//! Training curves as a PNG image, drawn in memory with no font or system library.
//!
//! [`training_curves`] writes two panels side by side: loss per epoch and
//! accuracy per epoch, each with the training and the validation series, axes
//! with numbered ticks, a grid, a title and a legend. Text uses the small
//! bitmap font [`FONT`] embedded below; the only dependency is the `png` crate.

use std::io;
use std::path::Path;

/// Width of the image in pixels.
pub const WIDTH: usize = 1000;
/// Height of the image in pixels.
pub const HEIGHT: usize = 450;

/// The series to plot, one value per epoch (epoch 1 first). Accuracies are
/// fractions in `[0, 1]`, shown as percentages.
///
/// Non-finite values (NaN, infinities) are skipped: the line breaks there.
/// `train_loss` and `train_acc` must not be empty; a validation series may be
/// empty (training without a validation set), and is then left out of the plot
/// and its legend. Series may differ in length.
#[derive(Clone, Copy, Debug, Default)]
pub struct Curves<'a> {
    pub train_loss: &'a [f32],
    pub val_loss: &'a [f32],
    pub train_acc: &'a [f32],
    pub val_acc: &'a [f32],
}

/// Writes the training curves to `path` as a `WIDTH`×`HEIGHT` RGB PNG.
///
/// Errors with `InvalidInput` if `train_loss` or `train_acc` is empty or a
/// panel has no finite value at all, and with the file's or encoder's error otherwise.
pub fn training_curves(path: impl AsRef<Path>, curves: &Curves) -> io::Result<()> {
    std::fs::write(path, training_curves_png(curves)?)
}

/// The PNG file that [`training_curves`] writes, as bytes.
pub fn training_curves_png(curves: &Curves) -> io::Result<Vec<u8>> {
    for (name, series) in [("train_loss", curves.train_loss), ("train_acc", curves.train_acc)] {
        if series.is_empty() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("plot: {name} is empty")));
        }
    }
    let mut canvas = Canvas::new(WIDTH, HEIGHT);
    let half = WIDTH / 2;
    let loss = [Series::train(curves.train_loss, 1.0), Series::val(curves.val_loss, 1.0)];
    let acc = [Series::train(curves.train_acc, 100.0), Series::val(curves.val_acc, 100.0)];
    panel(&mut canvas, 0, half, "Loss", "loss", "", &loss)?;
    panel(&mut canvas, half, half, "Accuracy", "accuracy", "%", &acc)?;
    canvas.encode_png()
}

// ---------------------------------------------------------------------------
// Style

type Rgb = [u8; 3];

const BACKGROUND: Rgb = [255, 255, 255];
const INK: Rgb = [34, 34, 34];
const AXIS: Rgb = [90, 90, 90];
const GRID: Rgb = [228, 228, 228];
const LEGEND_BORDER: Rgb = [200, 200, 200];
/// Matplotlib's first two "tab10" colours: blue for training, orange for validation.
const TRAIN: Rgb = [31, 119, 180];
const VAL: Rgb = [255, 127, 14];

/// Text size: each font pixel is drawn as a `TEXT`×`TEXT` block (titles `TITLE`).
const TEXT: usize = 2;
const TITLE: usize = 3;

/// Markers are drawn on every point when a series has at most this many epochs.
const MARKERS_UP_TO: usize = 60;

// ---------------------------------------------------------------------------
// Panels

#[derive(Clone, Copy, PartialEq)]
enum Marker {
    Circle,
    Square,
}

/// One line of a panel: values already scaled for display (accuracy × 100).
struct Series {
    label: &'static str,
    colour: Rgb,
    marker: Marker,
    values: Vec<f64>,
}

impl Series {
    fn train(values: &[f32], scale: f64) -> Self {
        Self { label: "train", colour: TRAIN, marker: Marker::Circle, values: scaled(values, scale) }
    }

    fn val(values: &[f32], scale: f64) -> Self {
        Self { label: "validation", colour: VAL, marker: Marker::Square, values: scaled(values, scale) }
    }

    fn finite(&self) -> impl Iterator<Item = f64> + '_ {
        self.values.iter().copied().filter(|v| v.is_finite())
    }
}

fn scaled(values: &[f32], scale: f64) -> Vec<f64> {
    values.iter().map(|&v| f64::from(v) * scale).collect()
}

/// Draws one panel into the columns `left..left + width` of the canvas.
fn panel(
    c: &mut Canvas,
    left: usize,
    width: usize,
    title: &str,
    y_label: &str,
    unit: &str,
    series: &[Series],
) -> io::Result<()> {
    let shown: Vec<&Series> = series.iter().filter(|s| s.finite().next().is_some()).collect();
    let (Some(lo), Some(hi)) = (
        shown.iter().flat_map(|s| s.finite()).reduce(f64::min),
        shown.iter().flat_map(|s| s.finite()).reduce(f64::max),
    ) else {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("plot: no finite {y_label} value")));
    };
    let epochs = series.iter().map(|s| s.values.len()).max().unwrap_or(1);

    // Axes: x in epochs, y in nice round steps.
    let (x_lo, x_hi) = if epochs == 1 { (0.5, 1.5) } else { (1.0, epochs as f64) };
    let x_step = nice_step((x_hi - x_lo) / 8.0).max(1.0);
    let y = Axis::new(lo, hi, unit == "%");
    let y_ticks: Vec<(f64, String)> = y.labels().into_iter().map(|(v, l)| (v, l + unit)).collect();
    let label_width = y_ticks.iter().map(|(_, l)| text_width(l, TEXT)).max().unwrap_or(0);

    // The frame of the plot area, in pixels: the y label, a gap, the tick labels, the ticks.
    let y_label_x = left + 14;
    let x0 = y_label_x + GLYPH_HEIGHT * TEXT + 12 + label_width + 9;
    let x1 = left + width - 24;
    let (y0, y1) = (56, HEIGHT - 64);
    // Data stays this far inside the frame, so markers never sit on it.
    let pad = 10.0;
    let px = |e: f64| x0 as f64 + pad + (e - x_lo) / (x_hi - x_lo) * ((x1 - x0) as f64 - 2.0 * pad);
    let py = |v: f64| y1 as f64 - pad - (v - y.lo) / (y.hi - y.lo) * ((y1 - y0) as f64 - 2.0 * pad);

    // Grid and tick labels.
    for (v, label) in &y_ticks {
        let yy = py(*v).round() as usize;
        c.hline(x0, x1, yy, GRID);
        c.hline(x0 - 5, x0, yy, AXIS);
        c.text(x0 - 9 - text_width(label, TEXT), yy - 7 * TEXT / 2, label, TEXT, INK);
    }
    let mut e = (x_lo / x_step).ceil() * x_step;
    while e <= x_hi + 1e-9 {
        let xx = px(e).round() as usize;
        c.vline(xx, y0, y1, GRID);
        c.vline(xx, y1, y1 + 5, AXIS);
        let label = format!("{e}");
        c.text(xx - text_width(&label, TEXT) / 2, y1 + 10, &label, TEXT, INK);
        e += x_step;
    }
    c.frame(x0, y0, x1, y1, AXIS);

    // Titles.
    let mid = (x0 + x1) / 2;
    c.text(mid - text_width(title, TITLE) / 2, 14, title, TITLE, INK);
    c.text(mid - text_width("epoch", TEXT) / 2, y1 + 34, "epoch", TEXT, INK);
    c.text_up(y_label_x, (y0 + y1) / 2 + text_width(y_label, TEXT) / 2, y_label, TEXT, INK);

    // The series, then the legend where they leave the most room.
    let mut entries = Vec::new();
    for s in &shown {
        let points: Vec<Option<(f64, f64)>> =
            s.values.iter().enumerate().map(|(i, &v)| v.is_finite().then(|| (px(i as f64 + 1.0), py(v)))).collect();
        for pair in points.windows(2) {
            if let [Some(a), Some(b)] = pair {
                c.line(*a, *b, s.colour);
            }
        }
        let all_markers = points.len() <= MARKERS_UP_TO;
        for (i, p) in points.iter().enumerate() {
            // Without markers everywhere, a point with no finite neighbour still needs one to be seen.
            let alone = |j: Option<usize>| j.and_then(|j| points.get(j)).is_none_or(|q| q.is_none());
            if let Some(p) = p
                && (all_markers || (alone(i.checked_sub(1)) && alone(Some(i + 1))))
            {
                c.marker(*p, s.marker, s.colour);
            }
        }
        entries.push((s.label, s.colour, all_markers.then_some(s.marker)));
    }
    legend(c, (x0, y0, x1, y1), &entries);
    Ok(())
}

/// Draws the legend (label, colour, marker of each series) in the corner of
/// the plot area that hides the fewest data pixels.
fn legend(c: &mut Canvas, (x0, y0, x1, y1): (usize, usize, usize, usize), entries: &[(&str, Rgb, Option<Marker>)]) {
    let row = 11 * TEXT;
    let sample = 34;
    let w = 12 + sample + 8 + entries.iter().map(|e| text_width(e.0, TEXT)).max().unwrap_or(0) + 12;
    let h = 8 + row * entries.len() + 2;
    let m = 10;
    let corners = [(x1 - m - w, y0 + m), (x1 - m - w, y1 - m - h), (x0 + m, y0 + m), (x0 + m, y1 - m - h)];
    let (lx, ly) = corners
        .into_iter()
        .min_by_key(|&(lx, ly)| c.count(lx, ly, lx + w, ly + h, |p| p == TRAIN || p == VAL))
        .unwrap_or(corners[0]);
    c.fill(lx, ly, lx + w, ly + h, BACKGROUND);
    c.frame(lx, ly, lx + w, ly + h, LEGEND_BORDER);
    for (i, &(label, colour, marker)) in entries.iter().enumerate() {
        let cy = (ly + 5 + row * i + row / 2) as f64;
        let sx = (lx + 12) as f64;
        c.line((sx, cy), (sx + sample as f64, cy), colour);
        if let Some(marker) = marker {
            c.marker((sx + sample as f64 / 2.0, cy), marker, colour);
        }
        c.text(lx + 12 + sample + 8, cy as usize - 7 * TEXT / 2, label, TEXT, INK);
    }
}

/// A y axis from `lo` to `hi` in steps of `step`, all round numbers.
struct Axis {
    lo: f64,
    hi: f64,
    step: f64,
}

impl Axis {
    /// About five steps covering `data_lo..=data_hi`; for percentages, kept within 0–100 when the data are.
    fn new(data_lo: f64, data_hi: f64, percent: bool) -> Self {
        let (mut lo, mut hi) = (data_lo, data_hi);
        if hi - lo <= 1e-9 * hi.abs().max(lo.abs()).max(1e-30) {
            // A constant series: open a window around the value.
            let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            (lo, hi) = (lo - d, hi + d);
        }
        let step = nice_step((hi - lo) / 5.0);
        let mut lo = (lo / step).floor() * step;
        let mut hi = (hi / step).ceil() * step;
        if percent {
            if data_lo >= 0.0 {
                lo = lo.max(0.0);
            }
            if data_hi <= 100.0 {
                hi = hi.min(100.0);
            }
        }
        if data_lo >= 0.0 {
            lo = lo.max(0.0);
        }
        Self { lo, hi, step }
    }

    fn ticks(&self) -> impl Iterator<Item = f64> + '_ {
        let first = (self.lo / self.step - 1e-9).ceil() as i64;
        let last = (self.hi / self.step + 1e-9).floor() as i64;
        (first..=last).map(|k| k as f64 * self.step)
    }

    /// Each tick with its label: as few decimals as show every tick exactly,
    /// in scientific notation (`1.5e6`) for very large or very fine steps.
    fn labels(&self) -> Vec<(f64, String)> {
        let ticks: Vec<f64> = self.ticks().map(|v| if v.abs() < self.step * 1e-6 { 0.0 } else { v }).collect();
        let scientific = self.step < 1e-3 || ticks.iter().any(|v| v.abs() >= 1e5);
        let format = |v: f64, digits: usize| {
            if !scientific {
                format!("{v:.digits$}")
            } else if v == 0.0 {
                "0".to_string()
            } else {
                format!("{v:.digits$e}")
            }
        };
        let exact = |digits| {
            ticks.iter().all(|&v| format(v, digits).parse::<f64>().is_ok_and(|p| (p - v).abs() <= self.step * 1e-3))
        };
        let digits = (0..8).find(|&d| exact(d)).unwrap_or(8);
        ticks.iter().map(|&v| (v, format(v, digits))).collect()
    }
}

/// The round number (1, 2 or 5 times a power of ten) nearest above `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw > 0.0 && raw.is_finite()) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let f = raw / magnitude;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

// ---------------------------------------------------------------------------
// Canvas

/// An RGB image in memory, row by row. Drawing outside it is clipped.
struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: usize, height: usize) -> Self {
        Self { width, height, pixels: BACKGROUND.repeat(width * height) }
    }

    fn set(&mut self, x: i64, y: i64, colour: Rgb) {
        if x >= 0 && y >= 0 && (x as usize) < self.width && (y as usize) < self.height {
            let i = 3 * (y as usize * self.width + x as usize);
            self.pixels[i..i + 3].copy_from_slice(&colour);
        }
    }

    fn get(&self, x: usize, y: usize) -> Rgb {
        let i = 3 * (y * self.width + x);
        [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]]
    }

    /// Fills `x0..=x1` × `y0..=y1`.
    fn fill(&mut self, x0: usize, y0: usize, x1: usize, y1: usize, colour: Rgb) {
        for y in y0..=y1 {
            for x in x0..=x1 {
                self.set(x as i64, y as i64, colour);
            }
        }
    }

    /// Pixels of `x0..=x1` × `y0..=y1` for which `pred` holds.
    fn count(&self, x0: usize, y0: usize, x1: usize, y1: usize, pred: impl Fn(Rgb) -> bool) -> usize {
        let (x1, y1) = (x1.min(self.width - 1), y1.min(self.height - 1));
        (y0..=y1).flat_map(|y| (x0..=x1).map(move |x| (x, y))).filter(|&(x, y)| pred(self.get(x, y))).count()
    }

    fn hline(&mut self, x0: usize, x1: usize, y: usize, colour: Rgb) {
        self.fill(x0, y, x1, y, colour);
    }

    fn vline(&mut self, x: usize, y0: usize, y1: usize, colour: Rgb) {
        self.fill(x, y0, x, y1, colour);
    }

    /// A one-pixel rectangle outline.
    fn frame(&mut self, x0: usize, y0: usize, x1: usize, y1: usize, colour: Rgb) {
        self.hline(x0, x1, y0, colour);
        self.hline(x0, x1, y1, colour);
        self.vline(x0, y0, y1, colour);
        self.vline(x1, y0, y1, colour);
    }

    /// A line two pixels wide between two points (Bresenham, with a 2×2 pen).
    fn line(&mut self, (ax, ay): (f64, f64), (bx, by): (f64, f64), colour: Rgb) {
        let (mut x, mut y) = (ax.round() as i64, ay.round() as i64);
        let (x1, y1) = (bx.round() as i64, by.round() as i64);
        let (dx, dy) = ((x1 - x).abs(), -(y1 - y).abs());
        let (sx, sy) = (if x < x1 { 1 } else { -1 }, if y < y1 { 1 } else { -1 });
        let mut err = dx + dy;
        loop {
            for (ox, oy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                self.set(x + ox, y + oy, colour);
            }
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// A filled marker centred on a point.
    fn marker(&mut self, (cx, cy): (f64, f64), marker: Marker, colour: Rgb) {
        let (cx, cy) = (cx.round() as i64, cy.round() as i64);
        let r = 4i64;
        for dy in -r..=r {
            for dx in -r..=r {
                let inside = match marker {
                    // A circle of diameter 9 (r² + r is about (r + ½)²); a 7×7 square looks as heavy.
                    Marker::Circle => dx * dx + dy * dy <= r * r + r,
                    Marker::Square => dx.abs() < r && dy.abs() < r,
                };
                if inside {
                    self.set(cx + dx, cy + dy, colour);
                }
            }
        }
    }

    /// Draws `s` with its top-left corner at `(x, y)`, each font pixel a `scale`×`scale` block.
    fn text(&mut self, x: usize, y: usize, s: &str, scale: usize, colour: Rgb) {
        for (i, ch) in s.chars().enumerate() {
            let gx = x + i * ADVANCE * scale;
            for_each_pixel(ch, |row, col| {
                let (px, py) = (gx + col * scale, y + row * scale);
                self.fill(px, py, px + scale - 1, py + scale - 1, colour);
            });
        }
    }

    /// Draws `s` turned a quarter left (read bottom to top), starting at `(x, y_bottom)`.
    fn text_up(&mut self, x: usize, y_bottom: usize, s: &str, scale: usize, colour: Rgb) {
        for (i, ch) in s.chars().enumerate() {
            let gy = y_bottom - i * ADVANCE * scale;
            for_each_pixel(ch, |row, col| {
                let (px, py) = (x + row * scale, gy - (col + 1) * scale);
                self.fill(px, py, px + scale - 1, py + scale - 1, colour);
            });
        }
    }

    fn encode_png(&self) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, self.width as u32, self.height as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&self.pixels)?;
        writer.finish()?;
        Ok(bytes)
    }
}

// ---------------------------------------------------------------------------
// Font

/// Width in pixels of `s` drawn at `scale` (no trailing gap).
fn text_width(s: &str, scale: usize) -> usize {
    (s.chars().count() * ADVANCE).saturating_sub(1) * scale
}

/// Calls `f(row, col)` for every lit pixel of `ch`; characters outside the font draw as `?`.
fn for_each_pixel(ch: char, mut f: impl FnMut(usize, usize)) {
    let index = (ch as usize).wrapping_sub(' ' as usize);
    let bits = FONT.get(index).copied().unwrap_or(FONT[usize::from(b'?' - b' ')]);
    for row in 0..GLYPH_HEIGHT {
        for col in 0..GLYPH_WIDTH {
            if bits >> ((GLYPH_HEIGHT - 1 - row) * GLYPH_WIDTH + (GLYPH_WIDTH - 1 - col)) & 1 == 1 {
                f(row, col);
            }
        }
    }
}

const GLYPH_WIDTH: usize = 5;
const GLYPH_HEIGHT: usize = 9;
/// Horizontal distance from one character to the next: the glyph and one pixel of space.
const ADVANCE: usize = GLYPH_WIDTH + 1;

/// A 5×9 bitmap font for printable ASCII, `' '` (0x20) to `'~'` (0x7E), one `u64` per character.
///
/// A glyph is 9 rows of 5 pixels: rows 0–6 hold capitals and digits (lowercase
/// letters use rows 2–6), rows 7–8 hold descenders (`g`, `j`, `p`, `q`, `y`, `,`).
/// Row 0 is the top five of the 45 low bits (bits 44–40) and row 8 the lowest
/// five; within a row the most significant bit is the leftmost pixel. For
/// example `'T'` is `0x1F 0x04 0x04 0x04 0x04 0x04 0x04 0x00 0x00`, row by row.
#[rustfmt::skip]
const FONT: [u64; 95] = [
    0x000000000000, // ' '
    0x042108401000, // '!'
    0x0A5280000000, // '"'
    0x0A57D5F52800, // '#'
    0x047D1C5F1000, // '$'
    0x18C888898C00, // '%'
    0x0C9511593400, // '&'
    0x042200000000, // '\''
    0x022210820800, // '('
    0x082084222000, // ')'
    0x00255D520000, // '*'
    0x00213E420000, // '+'
    0x000000063088, // ','
    0x00003E000000, // '-'
    0x000000063000, // '.'
    0x000888880000, // '/'
    0x0E8CEB98B800, // '0'
    0x046108423800, // '1'
    0x0E8844447C00, // '2'
    0x1F110418B800, // '3'
    0x0232A5F10800, // '4'
    0x1F878218B800, // '5'
    0x06443D18B800, // '6'
    0x1F0888842000, // '7'
    0x0E8C5D18B800, // '8'
    0x0E8C5E113000, // '9'
    0x006300C60000, // ':'
    0x006300C61100, // ';'
    0x022220820800, // '<'
    0x0007C1F00000, // '='
    0x082082222000, // '>'
    0x0E8844401000, // '?'
    0x0E885B5AB800, // '@'
    0x0E8C63F8C400, // 'A'
    0x1E8C7D18F800, // 'B'
    0x0E8C2108B800, // 'C'
    0x1C9463197000, // 'D'
    0x1F843D087C00, // 'E'
    0x1F843D084000, // 'F'
    0x0E8C2F18BC00, // 'G'
    0x118C7F18C400, // 'H'
    0x0E2108423800, // 'I'
    0x071084293000, // 'J'
    0x119531494400, // 'K'
    0x108421087C00, // 'L'
    0x11DD6B18C400, // 'M'
    0x118E6B38C400, // 'N'
    0x0E8C6318B800, // 'O'
    0x1E8C7D084000, // 'P'
    0x0E8C63593400, // 'Q'
    0x1E8C7D494400, // 'R'
    0x0F841C10F800, // 'S'
    0x1F2108421000, // 'T'
    0x118C6318B800, // 'U'
    0x118C63151000, // 'V'
    0x118C6B5AA800, // 'W'
    0x118A88A8C400, // 'X'
    0x118A88421000, // 'Y'
    0x1F0888887C00, // 'Z'
    0x0E4210843800, // '['
    0x008208208000, // '\\'
    0x0E1084213800, // ']'
    0x045440000000, // '^'
    0x0000000003E0, // '_'
    0x082080000000, // '`'
    0x000382F8BC00, // 'a'
    0x1087A318F800, // 'b'
    0x0003A108B800, // 'c'
    0x010BE318BC00, // 'd'
    0x0003A3F83800, // 'e'
    0x064A38842000, // 'f'
    0x0003E318BC2E, // 'g'
    0x1085B318C400, // 'h'
    0x040308423800, // 'i'
    0x020184210A4C, // 'j'
    0x1084A98A4800, // 'k'
    0x0C2108423800, // 'l'
    0x0006AB5AD400, // 'm'
    0x0005B318C400, // 'n'
    0x0003A318B800, // 'o'
    0x0007A318FA10, // 'p'
    0x0003E318BC21, // 'q'
    0x0005B3084000, // 'r'
    0x0003E0E0F800, // 's'
    0x084710849800, // 't'
    0x00046319B400, // 'u'
    0x000463151000, // 'v'
    0x0004635AA800, // 'w'
    0x000454454400, // 'x'
    0x00046318BC2E, // 'y'
    0x0007C4447C00, // 'z'
    0x022110420800, // '{'
    0x042108421000, // '|'
    0x082104422000, // '}'
    0x00022A200000, // '~'
];
