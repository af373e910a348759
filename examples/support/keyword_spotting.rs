//! The keyword-spotting recipe shared by `examples/keyword_spotting.rs`,
//! `tests/keyword_spotting.rs` and `tests/firmware_outputs.rs`: a synthetic
//! audio task generated from a seed (no downloaded data), its seeded 80/20
//! split, a temporal convolutional network over the raw waveform that
//! classifies from its last frame, and its training (the digits recipe:
//! Adam, batch 32, softmax cross-entropy).
//!
//! # The task
//!
//! Each clip is [`SAMPLES`] samples of a waveform holding one of
//! [`CLASSES`] "keywords" ([`KEYWORDS`]): background noise alone, a steady
//! tone in one of three frequency bands, a chirp sweeping up or down, a
//! burst of noise, or a train of clicks. Every clip draws its own amplitude,
//! phase, frequency within the band, onset, duration and background noise
//! level, so that no single sample or threshold tells the classes apart:
//! the tones and the chirps cover the same frequencies and differ only in
//! how the frequency moves, and a loud background is not far from a quiet
//! burst. The waveform is stored quantised to 8 bits (`u8`, 128 = 0, a
//! step of 1/32), as a microphone's ADC would give it: the model's input is
//! `(v − 128)/32`, exact in `f32`, the same bits on the host and on a
//! device.

use std::error::Error;

use constnet::layers::{History, LastFrame, TcnState};
use constnet::prelude::*;
use rand::Rng;

use super::digits::{Event, Split, train_classifier_at};

/// Samples per clip.
pub const SAMPLES: usize = 64;
/// Samples per frame: the network reads a clip as [`FRAMES`] frames of 2
/// consecutive samples (2 input channels), one frame at a time.
pub const FRAME: usize = 2;
/// Frames per clip.
pub const FRAMES: usize = SAMPLES / FRAME;
/// The keywords.
pub const CLASSES: usize = 8;
/// The keywords' names, by class.
pub const KEYWORDS: [&str; CLASSES] = ["silence", "low", "mid", "high", "up", "down", "burst", "clicks"];
/// Clips in the data set: [`CLASSES`] classes in turn, so the classes are
/// balanced.
pub const CLIPS: usize = 1600;
/// The seed of the data set's generator. The split, the initialisation and
/// the shuffling have their own (the example's `SEED`).
pub const DATA_SEED: u64 = 13;
/// Feature channels of the network.
pub const CHANNELS: usize = 8;

/// A causal convolution from the 2-sample frames to 8 channels (kernel 3),
/// a ReLU, three residual TCN blocks of two causal kernel-3 convolutions
/// each with dilations 1, 2 and 4, the last frame's 8 features, dense to 8
/// logits (softmax cross-entropy). The last frame sees
/// 1 + 2 + 2·2·(1 + 2 + 4) = 31 frames (62 samples), nearly the whole
/// clip; every layer is causal, so the network runs on a stream one frame
/// at a time ([`KwsState`]) with the whole pass's bits.
pub type Kws = (
    CausalConv1d<FRAME, CHANNELS, 3, 1, FRAMES>,
    Relu,
    TcnBlock<CHANNELS, 3, 1, FRAMES>,
    TcnBlock<CHANNELS, 3, 2, FRAMES>,
    TcnBlock<CHANNELS, 3, 4, FRAMES>,
    LastFrame,
    Dense<CHANNELS, CLASSES>,
);

/// The model's type as Rust source, for the example's output and the
/// exported file's header.
pub const NAME: &str = "(CausalConv1d<2, 8, 3, 1, 32>, Relu, TcnBlock<8, 3, 1, 32>, TcnBlock<8, 3, 2, 32>, \
                        TcnBlock<8, 3, 4, 32>, LastFrame, Dense<8, 8>)";

/// What streaming [`Kws`] one frame at a time keeps: each causal
/// convolution's last `D·(K − 1)` input frames (2 for the first layer; 2,
/// 4 and 8 for each block's two), nothing for the other layers.
pub type KwsState =
    (History<FRAME, 2>, (), TcnState<CHANNELS, 2>, TcnState<CHANNELS, 4>, TcnState<CHANNELS, 8>, (), ());

/// One clip as the model reads it: [`FRAME`] channels of [`FRAMES`]
/// frames, channel `c` of frame `t` being sample `FRAME·t + c`.
pub type Clip = [[f32; FRAMES]; FRAME];
/// One sample: the clip and the one-hot class.
pub type Sample = (Clip, [f32; CLASSES]);

pub const EPOCHS: usize = 15;
/// Adam's step size.
pub const LEARNING_RATE: f32 = 5e-3;

/// The generated data set: each clip's 8-bit samples, the model's input
/// for it, and its class.
pub struct Dataset {
    pub raw: Vec<[u8; SAMPLES]>,
    pub samples: Vec<Sample>,
    pub labels: Vec<usize>,
}

/// The model's input for an 8-bit clip: `(v − 128)/32` per sample, exact,
/// in frames of [`FRAME`] samples.
pub fn clip(raw: &[u8; SAMPLES]) -> Clip {
    core::array::from_fn(|c| core::array::from_fn(|t| (f32::from(raw[FRAME * t + c]) - 128.0) / 32.0))
}

/// A uniform draw in [0, 1) from 53 random bits.
fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A uniform draw in [lo, hi).
fn between(rng: &mut Xoshiro256PlusPlus, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * uniform(rng)
}

/// A uniform integer in lo..=hi.
fn integer(rng: &mut Xoshiro256PlusPlus, lo: usize, hi: usize) -> usize {
    lo + (rng.next_u64() % (hi - lo + 1) as u64) as usize
}

/// A standard normal draw (Box–Muller). The transcendental functions here
/// are `libm`'s, not the platform's, so every machine generates the same
/// clips.
fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    let radius = (-2.0 * libm::log(1.0 - uniform(rng))).sqrt();
    radius * libm::cos(std::f64::consts::TAU * uniform(rng))
}

/// A raised-cosine fade of 4 samples at both ends of an event of `length`
/// samples, so that an event's start is no click.
fn envelope(t: usize, length: usize) -> f64 {
    const RAMP: usize = 4;
    let edge = t.min(length - 1 - t);
    if edge >= RAMP { 1.0 } else { 0.5 - 0.5 * libm::cos(std::f64::consts::PI * (edge as f64 + 0.5) / RAMP as f64) }
}

/// One clip of keyword `class`, in f64, before the background noise.
fn keyword(class: usize, rng: &mut Xoshiro256PlusPlus) -> [f64; SAMPLES] {
    let mut x = [0.0; SAMPLES];
    let amplitude = between(rng, 0.3, 1.0);
    let phase = between(rng, 0.0, std::f64::consts::TAU);
    // Tones and chirps: an onset in the first 24 samples, lasting at least
    // 28 samples and at most to the end of the clip.
    let onset = integer(rng, 0, 23);
    let length = integer(rng, 28, SAMPLES - onset);
    let tone = |x: &mut [f64; SAMPLES], phase_at: &dyn Fn(f64) -> f64| {
        for t in 0..length {
            x[onset + t] = amplitude * envelope(t, length) * libm::sin(phase + phase_at(t as f64));
        }
    };
    let tau = std::f64::consts::TAU;
    match class {
        // Silence: the background noise alone.
        0 => {}
        // Tones in three bands (cycles per sample): periods 29–17, 12.5–8.3, 6.3–4.2.
        1..=3 => {
            let (lo, hi) = [(0.035, 0.06), (0.08, 0.12), (0.16, 0.24)][class - 1];
            let frequency = between(rng, lo, hi);
            tone(&mut x, &|t| tau * frequency * t);
        }
        // Chirps: the frequency moves linearly between the low and the high band.
        4 | 5 => {
            let (low, high) = (between(rng, 0.03, 0.06), between(rng, 0.16, 0.25));
            let (start, end) = if class == 4 { (low, high) } else { (high, low) };
            let rate = (end - start) / length as f64;
            tone(&mut x, &|t| tau * (start * t + 0.5 * rate * t * t));
        }
        // A burst of white noise, 12 to 24 samples long, anywhere.
        6 => {
            let length = integer(rng, 12, 24);
            let onset = integer(rng, 0, SAMPLES - length);
            for t in 0..length {
                x[onset + t] = amplitude * envelope(t, length) * normal(rng);
            }
        }
        // Clicks: a sharp pulse (up, then half as far down) every 5 to 10
        // samples, from a random first one to the end.
        _ => {
            let period = integer(rng, 5, 10);
            let mut t = integer(rng, 0, period - 1);
            while t + 1 < SAMPLES {
                x[t] += amplitude;
                x[t + 1] -= 0.5 * amplitude;
                t += period;
            }
        }
    }
    x
}

/// Quantises a sample to 8 bits: 128 + round(32·x), clamped to 0–255.
fn quantise(x: f64) -> u8 {
    (128.0 + (32.0 * x).round()).clamp(0.0, 255.0) as u8
}

/// Generates the [`CLIPS`] clips from [`DATA_SEED`]: clip `k` is keyword
/// `k mod CLASSES` with background noise of a standard deviation drawn in
/// [0.03, 0.15], quantised to 8 bits.
pub fn generate() -> Result<Dataset, Box<dyn Error>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(DATA_SEED);
    let mut data = Dataset { raw: vec![], samples: vec![], labels: vec![] };
    for k in 0..CLIPS {
        let class = k % CLASSES;
        let x = keyword(class, &mut rng);
        let noise = between(&mut rng, 0.03, 0.15);
        let raw = x.map(|v| quantise(v + noise * normal(&mut rng)));
        data.samples.push((clip(&raw), one_hot(class)?));
        data.raw.push(raw);
        data.labels.push(class);
    }
    Ok(data)
}

/// Trains a freshly initialised [`Kws`] on `split.train` with the digits
/// recipe ([`train_classifier_at`]: the default initialisation — Xavier
/// uniform weights, zero biases — from an RNG seeded with `seed`, batches
/// of 32 reshuffled every epoch by the same RNG, softmax cross-entropy)
/// with Adam at [`LEARNING_RATE`] for [`EPOCHS`] epochs, reporting each
/// batch and epoch to `observe`.
pub fn train(
    samples: &[Sample],
    labels: &[usize],
    split: &Split,
    seed: u64,
    observe: impl FnMut(Event),
) -> Result<Kws, Box<dyn Error>> {
    train_classifier_at(samples, labels, split, seed, (EPOCHS, LEARNING_RATE), observe)
}

/// The logits of `net` for `clip` streamed one frame at a time from an
/// empty state, the last frame's: what a device does with a live signal.
pub fn stream(net: &Kws, clip: &Clip) -> [f32; CLASSES] {
    let mut state = KwsState::default();
    let mut logits = [0.0; CLASSES];
    for t in 0..FRAMES {
        logits = net.stream(&clip.map(|channel| channel[t]), &mut state);
    }
    logits
}
