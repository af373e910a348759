//! The tiny_gpt recipe shared by `examples/tiny_gpt.rs`, `tests/tiny_gpt.rs`
//! and `tests/firmware_outputs.rs`: a character-level decoder-only
//! transformer, its vocabulary, the text it learns from (`data/tiny_text.txt`,
//! written for the project) and its training — Adam on random windows of
//! the text, softmax cross-entropy at every step, the gradient of a batch
//! computed on two threads in a fixed split and summed in a fixed order, so
//! a run is reproducible from its seed.

use std::error::Error;

use constnet::layers::{Causal, TransformerEncoderLayer};
use constnet::prelude::*;
use constnet::sampling::sample;
use constnet::{Backprop, Layer};
use rand::Rng;

/// The vocabulary: every character of `data/tiny_text.txt`, in byte order;
/// token `i` is `CHARS[i]`.
pub const CHARS: [u8; VOCAB] = *b"\n ',.?abcdefghijklmnopqrstuvwxyz";
/// Tokens in the vocabulary.
pub const VOCAB: usize = 32;
/// The context window, in characters.
pub const CONTEXT: usize = 64;
/// The width of every token's vector.
pub const WIDTH: usize = 32;
/// Attention heads per block (8 features each).
pub const HEADS: usize = 4;
/// The width of each block's feed-forward layer.
pub const FF: usize = 128;

/// A causal, pre-norm transformer block with a GELU feed-forward: GPT-2's
/// block (PyTorch's `TransformerEncoderLayer(E, H, FF, activation="gelu",
/// norm_first=True)` under a causal mask).
pub type Block<const E: usize, const H: usize, const FF: usize> =
    TransformerEncoderLayer<E, H, FF, f32, Gelu, PreNorm, Causal>;

/// A GPT of two blocks over a window of `T` characters of width `E`: token
/// embedding, learned positions, two causal blocks, a final layer norm,
/// dense to the vocabulary's logits at every step.
pub type Gpt<const T: usize, const E: usize, const H: usize, const FF: usize> = (
    Embedding<VOCAB, E>,
    LearnedPositions<T, E>,
    Block<E, H, FF>,
    Block<E, H, FF>,
    PerStep<LayerNorm<E>>,
    PerStep<Dense<E, VOCAB>>,
);

/// The example's model: a window of 64 characters, width 32, 4 heads, a
/// feed-forward of 128; 29,600 parameters (118,400 bytes).
pub type TinyGpt = Gpt<CONTEXT, WIDTH, HEADS, FF>;

/// The model's type as Rust source, for the output and the exported file.
pub const NAME: &str = "(Embedding<32, 32>, LearnedPositions<64, 32>, 2 × TransformerEncoderLayer<32, 4, 128, f32, \
                        Gelu, PreNorm, Causal>, PerStep<LayerNorm<32>>, PerStep<Dense<32, 32>>)";

/// A token id of the vocabulary.
pub type Token = TokenId<VOCAB>;

/// The token of byte `c`, if it is in the vocabulary.
pub fn token(c: u8) -> Option<Token> {
    CHARS.iter().position(|&v| v == c).and_then(Token::new)
}

/// Every byte of `text` as a token.
///
/// # Errors
///
/// The first byte that is not in the vocabulary, and where.
pub fn encode(text: &str) -> Result<Vec<Token>, String> {
    text.bytes()
        .enumerate()
        .map(|(at, c)| token(c).ok_or_else(|| format!("byte {c:#04x} at offset {at} is not in the vocabulary")))
        .collect()
}

/// The character of `token`.
pub fn char_of(token: Token) -> char {
    char::from(CHARS[token.get()])
}

/// The text, held out at its tail for validation.
pub struct Corpus {
    pub train: Vec<Token>,
    pub validation: Vec<Token>,
}

/// The training text, shipped in the repository (about 29 KB, 32 distinct
/// characters; see `data/README.md`).
pub static TEXT: &str = include_str!("../../data/tiny_text.txt");

/// The share of the text that trains; the rest, from the first line that
/// starts after this point, is the validation text.
pub const TRAIN_FRACTION: f64 = 0.9;

/// Encodes [`TEXT`] and splits it: the first 90% trains, the tail (from the
/// next line start on, about 2.9 KB) validates.
pub fn load() -> Result<Corpus, Box<dyn Error>> {
    let tokens = encode(TEXT)?;
    let cut = (tokens.len() as f64 * TRAIN_FRACTION) as usize;
    let newline = token(b'\n').ok_or("no newline in the vocabulary")?;
    let cut = tokens[cut..].iter().position(|&t| t == newline).map_or(cut, |at| cut + at + 1);
    Ok(Corpus { train: tokens[..cut].to_vec(), validation: tokens[cut..].to_vec() })
}

/// How a model is trained.
#[derive(Clone, Copy, Debug)]
pub struct Recipe {
    /// Seeds the initialisation and the windows drawn.
    pub seed: u64,
    /// Optimiser steps per epoch (what the progress bar calls an epoch).
    pub steps_per_epoch: usize,
    pub epochs: usize,
    /// Windows per step.
    pub batch: usize,
    /// Adam's peak learning rate.
    pub learning_rate: f32,
    /// Steps of linear warm-up from a tenth of the peak.
    pub warmup: usize,
    /// The rate falls linearly after the warm-up to this share of the peak
    /// at the last step.
    pub final_fraction: f32,
}

/// The example's recipe: 40 epochs of 25 steps of 16 windows of 64
/// characters — an epoch is 25,600 predicted characters, about one pass
/// over the 26.4 KB of training text — Adam 3e-2 after 50 steps of warm-up,
/// falling linearly to 3e-3. (A tiny pre-norm model takes a large rate:
/// in 500-step runs 3e-3 reached a validation loss of 1.97, 1e-2 1.62,
/// 2e-2 1.45, 3e-2 1.40, 5e-2 1.33, 8e-2 1.38, 1.2e-1 1.50; over the
/// full run 3e-2 and 5e-2 end within 0.01 of each other, 1.28 and 1.27.)
pub const RECIPE: Recipe = Recipe {
    seed: 0,
    steps_per_epoch: 25,
    epochs: 40,
    batch: 16,
    learning_rate: 3e-2,
    warmup: 50,
    final_fraction: 0.1,
};

impl Recipe {
    /// The learning rate of step `step` (from 0).
    pub fn learning_rate_at(&self, step: usize) -> f32 {
        let total = self.steps_per_epoch * self.epochs;
        let peak = self.learning_rate;
        if step < self.warmup {
            peak * (0.1 + 0.9 * step as f32 / self.warmup as f32)
        } else {
            let left = (total - step) as f32 / (total - self.warmup).max(1) as f32;
            peak * (self.final_fraction + (1.0 - self.final_fraction) * left)
        }
    }
}

/// Mean loss and next-character accuracy over some predictions.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Measured {
    pub loss: f32,
    pub accuracy: f32,
}

/// What training reports.
pub enum Event<'a, M> {
    /// `done` steps of the current epoch are finished; the running mean loss
    /// and accuracy of its batches.
    Batch { done: usize, loss: f32, accuracy: f32 },
    /// Epoch `epoch` (from 1) ended: its batches' mean, the validation
    /// text's, and the model.
    Epoch { epoch: usize, train: Measured, validation: Measured, model: &'a M },
}

/// The gradient of a batch is computed in this many shards, one thread each,
/// always — whatever the machine — so the sum, and the run, are the same
/// everywhere.
pub const SHARDS: usize = 2;

/// Stack for the worker threads: a tape of a window holds every
/// activation of every step.
const WORKER_STACK: usize = 64 << 20;

/// The loss, the accuracy (correct predictions) and dL/dlogits of one
/// window: softmax cross-entropy at each of its `T` steps, summed (the
/// caller divides by the number of predictions).
fn window_loss<const T: usize>(
    logits: &Sequence<[f32; VOCAB], T>,
    targets: &[Token],
) -> (f32, usize, Sequence<[f32; VOCAB], T>) {
    let mut loss = 0.0;
    let mut correct = 0;
    let mut dy = Sequence([[0.0; VOCAB]; T]);
    for ((z, &target), d) in logits.iter().zip(targets).zip(dy.0.iter_mut()) {
        let mut one_hot = [0.0; VOCAB];
        one_hot[target.get()] = 1.0;
        let (l, g) = softmax_cross_entropy(z, &one_hot);
        loss += l;
        correct += usize::from(argmax(z) == target.get());
        *d = g;
    }
    (loss, correct, dy)
}

/// The window of `T` tokens at `start` and the `T` tokens after each.
fn window<const T: usize>(tokens: &[Token], start: usize) -> (Sequence<Token, T>, &[Token]) {
    (Sequence(core::array::from_fn(|i| tokens[start + i])), &tokens[start + 1..start + 1 + T])
}

/// One shard's share of a batch: the summed gradient (in window order),
/// loss and correct predictions of the windows at `starts`.
fn shard_gradient<M, const T: usize>(model: &M, tokens: &[Token], starts: &[usize]) -> (Box<M>, f32, usize)
where
    M: Model + Clone + Backprop<Sequence<Token, T>, Output = Sequence<[f32; VOCAB], T>>,
{
    // `forward_tape` takes `&mut`: this model has no state it would change
    // (no dropout, no batch statistics), so a copy trains as the original.
    let mut net = Box::new(model.clone());
    let mut grads = Box::new(M::ZERO);
    let (mut loss, mut correct) = (0.0, 0);
    for &start in starts {
        let (x, targets) = window::<T>(tokens, start);
        let (logits, tape) = net.forward_tape(&x);
        let (l, c, dy) = window_loss(&logits, targets);
        net.backward(&tape, &dy, &mut grads);
        loss += l;
        correct += c;
    }
    (grads, loss, correct)
}

/// Trains a freshly initialised model `M` (window `T`) with `recipe` on
/// `corpus.train`: every step draws `batch` window starts uniformly from
/// an RNG seeded with `recipe.seed` (after the initialisation's draws),
/// splits them into [`SHARDS`] equal halves computed on their own
/// threads, sums the shards' gradients in order, averages over the
/// batch's predictions and takes an Adam step. Reports each step and
/// epoch to `observe`.
pub fn train<M, const T: usize>(
    recipe: &Recipe,
    corpus: &Corpus,
    mut observe: impl FnMut(Event<M>),
) -> Result<M, Box<dyn Error>>
where
    M: Model
        + Clone
        + Send
        + Sync
        + Backprop<Sequence<Token, T>, Output = Sequence<[f32; VOCAB], T>>
        + Layer<Sequence<Token, T>, Output = Sequence<[f32; VOCAB], T>>,
{
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(recipe.seed);
    let mut net = Box::new(M::init(&mut rng));
    let mut adam: Box<Adam<f32, M>> = Box::new(Adam::new(recipe.learning_rate)?);
    let starts_below =
        corpus.train.len().checked_sub(T).filter(|&n| n > 0).ok_or("the training text is shorter than a window")?;
    let predictions = (recipe.batch * T) as f32;
    let mut step = 0;
    for epoch in 1..=recipe.epochs {
        let (mut loss_sum, mut correct_sum) = (0.0_f64, 0_usize);
        for done in 1..=recipe.steps_per_epoch {
            let starts: Vec<usize> =
                (0..recipe.batch).map(|_| (rng.next_u64() % starts_below as u64) as usize).collect();
            let per_shard = starts.len().div_ceil(SHARDS);
            let shards = std::thread::scope(|scope| -> std::io::Result<Vec<(Box<M>, f32, usize)>> {
                let workers: Vec<_> = starts
                    .chunks(per_shard)
                    .map(|chunk| {
                        let net = &*net;
                        std::thread::Builder::new()
                            .stack_size(WORKER_STACK)
                            .spawn_scoped(scope, move || shard_gradient::<M, T>(net, &corpus.train, chunk))
                    })
                    .collect::<Result<_, _>>()?;
                workers.into_iter().map(|w| w.join().map_err(|_| std::io::Error::other("a worker panicked"))).collect()
            })?;
            let mut shards = shards.into_iter();
            let (mut grads, mut loss, mut correct) = shards.next().ok_or("no shard")?;
            for (g, l, c) in shards {
                grads.add_params(&*g);
                loss += l;
                correct += c;
            }
            grads.scale_params(1.0 / predictions);
            adam.set_learning_rate(recipe.learning_rate_at(step));
            adam.step(&mut net, &grads);
            step += 1;
            let loss = loss / predictions;
            if !loss.is_finite() {
                return Err(format!("the loss is {loss} at step {step}").into());
            }
            loss_sum += f64::from(loss);
            correct_sum += correct;
            observe(Event::Batch {
                done,
                loss: (loss_sum / done as f64) as f32,
                accuracy: correct_sum as f32 / (predictions * done as f32),
            });
        }
        let train = Measured {
            loss: (loss_sum / recipe.steps_per_epoch as f64) as f32,
            accuracy: correct_sum as f32 / (predictions * recipe.steps_per_epoch as f32),
        };
        let validation = measure::<M, T>(&net, &corpus.validation);
        observe(Event::Epoch { epoch, train, validation, model: &net });
    }
    Ok(*net)
}

/// The mean loss and accuracy of `model` on `tokens`, read as consecutive
/// windows of `T` characters (each predicting the `T` characters after its
/// own), every prediction counted once; the tail that does not fill a
/// window is left out.
pub fn measure<M, const T: usize>(model: &M, tokens: &[Token]) -> Measured
where
    M: Layer<Sequence<Token, T>, Output = Sequence<[f32; VOCAB], T>>,
{
    let (mut loss, mut correct, mut count) = (0.0_f64, 0, 0);
    let mut start = 0;
    while start + T < tokens.len() {
        let (x, targets) = window::<T>(tokens, start);
        let (l, c, _) = window_loss(&model.eval(&x), targets);
        loss += f64::from(l);
        correct += c;
        count += T;
        start += T;
    }
    Measured { loss: (loss / count.max(1) as f64) as f32, accuracy: correct as f32 / count.max(1) as f32 }
}

/// The prompt every sample starts from.
pub const PROMPT: &str = "the little robot ";
/// The temperature of the samples.
pub const TEMPERATURE: f32 = 0.8;

/// The last step's logits of a whole pass of `model` over exactly
/// `context` (1 to [`CONTEXT`] tokens): `Layer::eval` on a
/// `Sequence<Token, S>` with `S = context.len()`, one monomorphisation per
/// length. Padding the context into the full window would give the same
/// logits (the model is causal) at the full window's cost; this is the
/// pass a model without a cache needs.
pub fn last_logits(model: &TinyGpt, context: &[Token]) -> Option<[f32; VOCAB]> {
    fn last<const S: usize>(model: &TinyGpt, context: &[Token]) -> [f32; VOCAB] {
        let ids: Sequence<Token, S> = Sequence(core::array::from_fn(|i| context[i]));
        model.eval(&ids).0[S - 1]
    }
    macro_rules! by_length {
        ($($s:literal)*) => {
            match context.len() {
                $($s => Some(last::<$s>(model, context)),)*
                _ => None,
            }
        };
    }
    const _: () = assert!(CONTEXT == 64, "by_length! lists the lengths 1..=64");
    by_length!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32
        33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64)
}

/// Generation without a cache: the rule of [`constnet::sampling::generate`]
/// — feed the prompt, draw each token with
/// [`sample`] from the last step's logits, and when the window of
/// [`CONTEXT`] tokens is full go on from its last ⌊T/2⌋ tokens — written
/// independently, with a whole pass over the whole context for every token.
/// It must give `generate`'s tokens, token for token.
pub fn generate_by_whole_passes(
    model: &TinyGpt,
    prompt: &[Token],
    count: usize,
    temperature: f32,
    rng: &mut Xoshiro256PlusPlus,
    mut emit: impl FnMut(Token),
) -> Result<(), Box<dyn Error>> {
    let mut context: Vec<Token> = Vec::with_capacity(CONTEXT);
    let feed = |context: &mut Vec<Token>, t: Token| {
        if context.len() == CONTEXT {
            context.drain(..CONTEXT - CONTEXT / 2 + 1);
        }
        context.push(t);
    };
    for &t in prompt {
        feed(&mut context, t);
    }
    for k in 0..count {
        let logits = last_logits(model, &context).ok_or("an empty prompt")?;
        let next = sample(&logits, temperature, rng);
        emit(next);
        if k + 1 < count {
            feed(&mut context, next);
        }
    }
    Ok(())
}
