//! Choosing tokens from a language model's logits, and generating text with
//! a key/value cache: [`greedy`] (the most likely token), [`sample`] (a
//! seeded draw from the softmax at a temperature) and [`generate`], which
//! runs a model step by step through a [`Decoding`] and hands each new token
//! to a callback.
//!
//! Everything here is `no_std`, allocates nothing and cannot panic; the
//! arithmetic is the crate's own (`libm`'s `exp`, fixed summation order) and
//! the one random number a draw uses is turned into a float exactly, so a
//! seeded generation gives the same tokens on the host and on a
//! microcontroller. There is deliberately a single implementation: a host
//! program and a firmware image that call [`generate`] with the same model,
//! prompt, temperature and seeded RNG produce the same bytes by
//! construction.

use core::fmt;

use rand::Rng;

use crate::{Decoding, Float, Incremental, TokenId};

/// The most likely token: the index of the largest logit, the first one on
/// ties — [`metrics::argmax`](crate::metrics::argmax), whose convention for
/// NaN it shares: a NaN logit wins (the first NaN's id is returned, as
/// `torch.argmax` does), so a model that produced NaN is visible instead of
/// hidden behind its finite logits. Draws no random number. `V = 0` does
/// not compile.
///
/// ```
/// use constnet::TokenId;
/// use constnet::sampling::greedy;
///
/// assert_eq!(greedy(&[0.5_f32, 2.0, -1.0, 2.0]), TokenId::<4>::new(1).unwrap()); // first of the ties
/// assert_eq!(greedy(&[0.5_f32, f32::NAN, 9.0]).get(), 1); // NaN wins, as in argmax
/// ```
pub fn greedy<F: Float, const V: usize>(logits: &[F; V]) -> TokenId<V> {
    token(crate::metrics::argmax(logits))
}

/// A token drawn from softmax(logits / `temperature`), with one random
/// number from `rng`.
///
/// * **The draw.** Exactly one `rng.next_u32()` per call (when the
///   temperature is positive): its top 24 bits give u = k·2⁻²⁴ in [0, 1),
///   exact in `f32` and `f64`. The token is the first `i` whose running sum
///   of weights w₀ + … + wᵢ exceeds u·Σw, where wᵢ = exp((zᵢ − max z) / τ)
///   — the softmax's numerators, computed stably (the largest weight is
///   exactly 1, so nothing overflows and `[1000, 1001, 1002]` is as fine as
///   `[0, 1, 2]`). Sums run in index order, so the bits, and the token, are
///   the same on every target.
/// * **Temperature.** τ = 1 samples the model's distribution; smaller τ
///   sharpens it, larger flattens it. A temperature that is not greater
///   than zero (0, negative, or NaN) is the limit τ → 0: [`greedy`], with
///   no random number drawn. τ = +∞ is the uniform distribution over the
///   tokens whose logit is not −∞.
/// * **Non-finite logits** never panic. A logit of −∞ has weight 0 and is
///   never drawn. Logits of +∞ share the probability equally among
///   themselves (the limit of a logit growing without bound); if every
///   logit is −∞, all are equally likely. If any logit is NaN the result is
///   the first NaN's id, as [`greedy`] and `argmax` give (the random number
///   is still drawn, so the RNG's stream does not depend on the values).
///
/// `V = 0` does not compile.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::sampling::sample;
///
/// let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
/// let logits = [2.0_f32, 0.0, -1.0, 1.0];
/// let mut counts = [0_u32; 4];
/// for _ in 0..10_000 {
///     counts[sample(&logits, 1.0, &mut rng).get()] += 1;
/// }
/// // softmax(logits) = [0.644, 0.087, 0.032, 0.237]
/// assert!((6_200..6_700).contains(&counts[0]) && (2_150..2_600).contains(&counts[3]), "{counts:?}");
/// // Temperature 0 is greedy.
/// assert_eq!(sample(&logits, 0.0, &mut rng).get(), 0);
/// ```
pub fn sample<F: Float, R: Rng + ?Sized, const V: usize>(logits: &[F; V], temperature: F, rng: &mut R) -> TokenId<V> {
    // Not `temperature <= 0`: a NaN temperature is greedy too.
    if temperature.partial_cmp(&F::zero()) != Some(core::cmp::Ordering::Greater) {
        return greedy(logits);
    }
    let u = uniform::<F, R>(rng);
    if let Some(first_nan) = logits.iter().position(|z| z.is_nan()) {
        return token(first_nan);
    }
    let max = logits.iter().fold(F::neg_infinity(), |max, &z| if z > max { z } else { max });
    let mut weights = [F::zero(); V];
    let mut total = F::zero();
    for (w, &z) in weights.iter_mut().zip(logits) {
        *w = if z == max {
            // The largest logit(s), +∞ and an all-−∞ row included.
            F::one()
        } else if z == F::neg_infinity() {
            F::zero()
        } else {
            let scaled = (z - max) / temperature;
            // NaN only for −∞/∞: a finite gap (overflowing to −∞) at τ = +∞,
            // whose limit is the uniform weight.
            if scaled.is_nan() { F::one() } else { scaled.exp() }
        };
        total = total + *w;
    }
    let threshold = u * total;
    let mut running = F::zero();
    let mut last = 0;
    for (i, &w) in weights.iter().enumerate() {
        if w > F::zero() {
            running = running + w;
            last = i;
            if running > threshold {
                return token(i);
            }
        }
    }
    // u·Σw rounded up to Σw itself (u is below 1, but the product rounds):
    // the last token with any weight.
    token(last)
}

/// A uniform number k·2⁻²⁴ in [0, 1) from the top 24 bits of one
/// `next_u32`: exactly representable in `f32` and `f64`, so the same on
/// every target.
fn uniform<F: Float, R: Rng + ?Sized>(rng: &mut R) -> F {
    let k = rng.next_u32() >> 8;
    F::from_usize(k as usize) * F::from_f64(1.0 / 16_777_216.0)
}

/// Token `index`, which is below `V` at every call here.
fn token<const V: usize>(index: usize) -> TokenId<V> {
    TokenId::new(index).unwrap_or(const { TokenId::constant::<0>() })
}

/// [`generate`] was given no prompt: there is no logit to draw the first
/// token from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmptyPrompt;

impl fmt::Display for EmptyPrompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("generation needs a prompt of at least one token")
    }
}

impl core::error::Error for EmptyPrompt {}

/// What a [`generate`] call did: the tokens it produced and what it cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Generated {
    /// Tokens handed to the callback: the count asked for.
    pub tokens: usize,
    /// Steps of the model ([`Decoding::push`]es): the prompt's tokens, each
    /// generated token but the last, and the tokens re-fed at restarts.
    pub steps: usize,
    /// How often the window was full and a new decoding was started.
    pub restarts: usize,
}

/// Generates `count` tokens after `prompt` with a causal model, one step at
/// a time through `decoding` (a key/value cache: each step costs O(T), not
/// a pass over the window), and calls `emit` with each new token, in order.
///
/// Each token is drawn by [`sample`] at `temperature` from the logits of
/// the step before (`temperature` ≤ 0 is greedy); the prompt's tokens are
/// fed first and are not emitted. The model sees the text in a window of
/// `T` tokens, the decoding's. `decoding` is [`reset`](Decoding::reset)
/// first: it is passed in so that the caller chooses `T` and where the
/// caches live (the stack, or a `static` in firmware).
///
/// **When the window is full.** The next step starts a new decoding that
/// is re-fed with the last ⌊T/2⌋ tokens of the text (at least 1), the
/// newest one included, at positions 0, 1, …; generation goes on from
/// there. So the model always sees between ⌊T/2⌋ and `T` tokens of recent
/// context, and a restart costs ⌊T/2⌋ − 1 extra steps every ⌈T/2⌉ tokens:
/// about two steps per token in the long run. The same rule applies to a
/// prompt longer than the window. The outputs equal those of whole-sequence
/// passes over exactly that context (the [`Incremental`] contract), so a
/// generation with whole passes that follows this rule gives the same
/// tokens.
///
/// `count = 0` evaluates nothing. Does not allocate or panic; the window
/// must hold a token (`T = 0` does not compile).
///
/// # Errors
///
/// [`EmptyPrompt`] if `prompt` is empty (nothing is evaluated).
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::{Causal, LearnedPositions};
/// use constnet::sampling::{Generated, generate};
///
/// type Block = TransformerEncoderLayer<8, 2, 16, f32, Gelu, PreNorm, Causal>;
/// type Lm = (Embedding<5, 8>, LearnedPositions<4, 8>, Block, PerStep<Dense<8, 5>>);
/// let lm = Lm::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
///
/// let prompt = [TokenId::new(3).unwrap(), TokenId::new(1).unwrap()];
/// let run = |seed| {
///     let mut decoding = Decoding::<Lm, TokenId<5>, 4>::new(&lm);
///     let mut text = Vec::new();
///     let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
///     let done = generate(&mut decoding, &prompt, 10, 0.8, &mut rng, |t| text.push(t.get())).unwrap();
///     (text, done)
/// };
/// let (text, done) = run(7);
/// assert_eq!(text.len(), 10);
/// assert_eq!(run(7).0, text); // seeded: the same tokens again
/// // 11 tokens pushed (the prompt's 2 and 9 generated ones) into a window of 4:
/// // full after 4, then restarted with 2 tokens (1 re-fed) at the 5th, 8th and 11th push.
/// assert_eq!(done, Generated { tokens: 10, steps: 2 + 9 + 3, restarts: 3 });
/// ```
pub fn generate<M, F, R, const V: usize, const T: usize>(
    decoding: &mut Decoding<'_, M, TokenId<V>, T>,
    prompt: &[TokenId<V>],
    count: usize,
    temperature: F,
    rng: &mut R,
    mut emit: impl FnMut(TokenId<V>),
) -> Result<Generated, EmptyPrompt>
where
    M: Incremental<TokenId<V>, T, Step = [F; V]>,
    F: Float,
    R: Rng + ?Sized,
{
    const { assert!(T > 0, "generation needs a window of at least one token") };
    let Some(&first) = prompt.first() else {
        return Err(EmptyPrompt);
    };
    let mut done = Generated::default();
    if count == 0 {
        return Ok(done);
    }
    decoding.reset();
    let mut window = Window::<V, T> { tokens: [first; T], next: 0 };
    let mut logits = [F::zero(); V];
    for token in prompt {
        logits = window.push(decoding, token, &mut done);
    }
    for k in 0..count {
        let next = sample(&logits, temperature, rng);
        emit(next);
        done.tokens += 1;
        if k + 1 < count {
            logits = window.push(decoding, &next, &mut done);
        }
    }
    Ok(done)
}

/// The last `T` tokens of the text — the ones in the decoding — in a ring:
/// `tokens[next]` is the oldest once the ring is full.
struct Window<const V: usize, const T: usize> {
    tokens: [TokenId<V>; T],
    next: usize,
}

impl<const V: usize, const T: usize> Window<V, T> {
    /// Feeds `token` to the decoding (restarting it first if it is full,
    /// see [`generate`]) and records it; returns its step's output.
    fn push<M: Incremental<TokenId<V>, T>>(
        &mut self,
        decoding: &mut Decoding<'_, M, TokenId<V>, T>,
        token: &TokenId<V>,
        done: &mut Generated,
    ) -> M::Step {
        let step = loop {
            match decoding.push(token) {
                Ok(step) => break step,
                // The window is full, so the ring holds the decoding's T
                // tokens, the oldest at `next`. A new decoding with the
                // newest ⌊T/2⌋ − 1 of them, then `token` (at most T − 1
                // re-fed: the retry fits, as T > 0).
                Err(_) => {
                    decoding.reset();
                    done.restarts += 1;
                    let keep = (T / 2).max(1) - 1;
                    for j in 0..keep {
                        let index = (self.next + T - keep + j) % T;
                        if let Some(old) = self.tokens.get(index) {
                            let _ = decoding.push(old);
                            done.steps += 1;
                        }
                    }
                }
            }
        };
        done.steps += 1;
        if let Some(slot) = self.tokens.get_mut(self.next) {
            *slot = *token;
        }
        self.next = if self.next + 1 >= T { 0 } else { self.next + 1 };
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::{Causal, Dense, Embedding, Gelu, LearnedPositions, PerStep, PreNorm, TransformerEncoderLayer};
    use crate::{Layer, Model, Sequence};
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    /// softmax(z / τ) in f64.
    fn softmax(z: &[f64], temperature: f64) -> Vec<f64> {
        let max = z.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let e: Vec<f64> = z.iter().map(|&v| ((v - max) / temperature).exp()).collect();
        let s: f64 = e.iter().sum();
        e.iter().map(|v| v / s).collect()
    }

    /// The frequencies of `draws` samples.
    fn frequencies<const V: usize>(logits: &[f32; V], temperature: f32, draws: u32, seed: u64) -> [f64; V] {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut counts = [0_u32; V];
        for _ in 0..draws {
            counts[sample(logits, temperature, &mut rng).get()] += 1;
        }
        counts.map(|c| f64::from(c) / f64::from(draws))
    }

    #[test]
    #[cfg_attr(miri, ignore = "statistics over 200,000 draws, not memory safety: run natively")]
    fn draws_follow_the_softmax_at_each_temperature() {
        let logits = [1.5_f32, -0.5, 0.25, 2.0, -3.0, 0.0, 1.0, -1.25];
        let draws = 200_000;
        for (temperature, seed) in [(1.0_f32, 1), (0.5, 2), (2.0, 3)] {
            let p = softmax(&logits.map(f64::from), f64::from(temperature));
            let f = frequencies(&logits, temperature, draws, seed);
            for (k, (&p, &f)) in p.iter().zip(&f).enumerate() {
                // Four standard deviations of a binomial frequency: a wrong
                // distribution (a skipped token, a temperature applied
                // twice) is off by far more.
                let sigma = (p * (1.0 - p) / f64::from(draws)).sqrt();
                assert!((f - p).abs() <= 4.0 * sigma + 1e-6, "τ {temperature}, token {k}: {f} against softmax {p}");
            }
        }
        // And a wrong temperature is caught: τ = 1 frequencies against τ = 0.5.
        let f = frequencies(&logits, 1.0, draws, 1);
        let sharper = softmax(&logits.map(f64::from), 0.5);
        assert!((f[3] - sharper[3]).abs() > 0.05);
    }

    #[test]
    fn large_logits_are_stable() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
        for _ in 0..20 {
            let id = sample(&[1000.0_f32, 1001.0, 1002.0, f32::MAX], 1.0, &mut rng);
            assert_eq!(id.get(), 3);
            let id = sample(&[-f32::MAX, f32::MAX], 1e-30, &mut rng);
            assert_eq!(id.get(), 1);
        }
    }

    #[test]
    fn the_limit_of_a_small_temperature_is_greedy() {
        let logits = [0.3_f32, 1.9, 1.899, -4.0, 1.0];
        assert_eq!(greedy(&logits).get(), 1);
        // The share of the largest logit grows as τ falls...
        let shares: Vec<f64> = [2.0_f32, 1.0, 0.1].iter().map(|&t| frequencies(&logits, t, 500, 5)[1]).collect();
        assert!(shares[0] < shares[1] && shares[1] <= shares[2], "{shares:?}");
        // ...and at τ = 10⁻⁴ every other weight underflows (a gap of 10⁻³ is 10 in units of τ: e^-10 ≈ 5·10⁻⁵;
        // at 10⁻⁵ it is e^-100): greedy on every draw.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(6);
        for _ in 0..200 {
            assert_eq!(sample(&logits, 1e-5, &mut rng), greedy(&logits));
        }
        // τ ≤ 0 and a NaN τ are greedy and draw nothing.
        for temperature in [0.0_f32, -0.0, -1.0, f32::NAN, f32::NEG_INFINITY] {
            let mut a = Xoshiro256PlusPlus::seed_from_u64(7);
            assert_eq!(sample(&logits, temperature, &mut a), greedy(&logits));
            let mut b = Xoshiro256PlusPlus::seed_from_u64(7);
            assert_eq!(a.next_u64(), b.next_u64(), "τ = {temperature} drew a number");
        }
    }

    #[test]
    fn non_finite_logits_never_panic() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(8);
        for _ in 0..50 {
            // NaN wins, as in argmax: the first NaN.
            assert_eq!(sample(&[0.0_f32, f32::NAN, 5.0, f32::NAN], 1.0, &mut rng).get(), 1);
            assert_eq!(sample(&[f32::NAN; 3], 1.0, &mut rng).get(), 0);
            assert_eq!(sample(&[f64::NAN, 1.0], 0.5, &mut rng).get(), 0);
            // −∞ is never drawn; +∞ takes everything; all −∞ are equally likely.
            assert_eq!(sample(&[f32::NEG_INFINITY, 0.0, f32::NEG_INFINITY], 1.0, &mut rng).get(), 1);
            assert_ne!(sample(&[f32::INFINITY, 0.0, f32::INFINITY], 1.0, &mut rng).get(), 1);
            assert!(sample(&[f32::NEG_INFINITY; 4], 1.0, &mut rng).get() < 4);
            // τ = +∞: uniform over the tokens that are not −∞.
            assert_ne!(sample(&[-f32::MAX, f32::MAX, f32::NEG_INFINITY], f32::INFINITY, &mut rng).get(), 2);
        }
        // The NaN case draws its number too: the stream stays aligned.
        let mut a = Xoshiro256PlusPlus::seed_from_u64(9);
        let mut b = Xoshiro256PlusPlus::seed_from_u64(9);
        sample(&[f32::NAN, 0.0], 1.0, &mut a);
        sample(&[0.0_f32, 0.0], 1.0, &mut b);
        assert_eq!(a.next_u64(), b.next_u64());
        // Greedy: NaN wins there too.
        assert_eq!(greedy(&[1.0_f32, f32::NAN]).get(), 1);
        // All +∞ at τ = ∞ and mixtures stay in range.
        assert!(sample(&[f32::INFINITY, f32::NEG_INFINITY], f32::INFINITY, &mut rng).get() == 0);
    }

    #[test]
    fn the_uniform_number_is_exact_and_below_one() {
        struct Max;
        impl rand::TryRng for Max {
            type Error = core::convert::Infallible;
            fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
                Ok(u32::MAX)
            }
            fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
                Ok(u64::MAX)
            }
            fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
                dst.fill(0xff);
                Ok(())
            }
        }
        assert_eq!(uniform::<f32, _>(&mut Max), 1.0 - 2.0_f32.powi(-24));
        assert_eq!(uniform::<f64, _>(&mut Max), 1.0 - 2.0_f64.powi(-24));
        // The largest u still picks a token with weight: the last one.
        assert_eq!(sample(&[0.0_f32, 0.0, f32::NEG_INFINITY], 1.0, &mut Max).get(), 1);
    }

    type Block = TransformerEncoderLayer<8, 2, 16, f32, Gelu, PreNorm, Causal>;
    type Lm = (Embedding<5, 8>, LearnedPositions<4, 8>, Block, PerStep<Dense<8, 5>>);

    /// The last step's logits of a whole pass over exactly `context`.
    fn whole_pass(lm: &Lm, context: &[TokenId<5>]) -> [f32; 5] {
        fn last<const S: usize>(lm: &Lm, context: &[TokenId<5>]) -> [f32; 5] {
            let ids: Sequence<TokenId<5>, S> = Sequence(core::array::from_fn(|i| context[i]));
            lm.eval(&ids).0[S - 1]
        }
        match context.len() {
            1 => last::<1>(lm, context),
            2 => last::<2>(lm, context),
            3 => last::<3>(lm, context),
            4 => last::<4>(lm, context),
            n => panic!("a context of {n} tokens does not fit the window"),
        }
    }

    #[test]
    fn generation_follows_the_restart_rule_with_the_bits_of_whole_passes() {
        let lm = Lm::init(&mut Xoshiro256PlusPlus::seed_from_u64(10));
        let ids = |v: &[usize]| v.iter().map(|&i| TokenId::new(i).unwrap()).collect::<Vec<_>>();
        // Prompts shorter than, as long as and longer than the window of 4.
        for (prompt, temperature) in [(ids(&[2]), 1.0_f32), (ids(&[4, 0, 1, 3]), 0.7), (ids(&[1, 2, 3, 4, 0, 1]), 0.0)]
        {
            let mut cached = Vec::new();
            let mut decoding = Decoding::<Lm, TokenId<5>, 4>::new(&lm);
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
            let done = generate(&mut decoding, &prompt, 9, temperature, &mut rng, |t| cached.push(t)).unwrap();
            assert_eq!(done.tokens, 9);

            // The rule, with whole passes: a full window restarts with the
            // last 2 tokens, the newest included.
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
            let mut context: Vec<TokenId<5>> = Vec::new();
            let mut whole = Vec::new();
            let feed = |context: &mut Vec<TokenId<5>>, t| {
                if context.len() == 4 {
                    context.drain(..3);
                }
                context.push(t);
            };
            for &t in &prompt {
                feed(&mut context, t);
            }
            for _ in 0..9 {
                let next = sample(&whole_pass(&lm, &context), temperature, &mut rng);
                whole.push(next);
                feed(&mut context, next);
            }
            assert_eq!(cached, whole, "prompt {prompt:?}");
        }
    }

    #[test]
    fn an_empty_prompt_or_no_tokens_evaluate_nothing() {
        let lm = Lm::init(&mut Xoshiro256PlusPlus::seed_from_u64(12));
        let mut decoding = Decoding::<Lm, TokenId<5>, 4>::new(&lm);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(13);
        let mut emitted = 0;
        assert_eq!(generate(&mut decoding, &[], 5, 1.0, &mut rng, |_| emitted += 1), Err(EmptyPrompt));
        let prompt = [TokenId::new(1).unwrap()];
        assert_eq!(generate(&mut decoding, &prompt, 0, 1.0, &mut rng, |_| emitted += 1), Ok(Generated::default()));
        assert_eq!(emitted, 0);
        assert!(decoding.is_empty());
        assert_eq!(EmptyPrompt.to_string(), "generation needs a prompt of at least one token");
        // A window of one token restarts at every step, with no token re-fed.
        let mut one = Decoding::<Lm, TokenId<5>, 1>::new(&lm);
        let done = generate(&mut one, &prompt, 3, 1.0, &mut rng, |_| emitted += 1).unwrap();
        assert_eq!((done, emitted), (Generated { tokens: 3, steps: 3, restarts: 2 }, 3));
    }
}
