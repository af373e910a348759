"""PyTorch reference timings for attention, a transformer encoder layer and a
tiny character-level decoder, to set beside constnet's own benches.

Kept in the repository so the numbers in benches/pytorch/README.md can be
reproduced; CI never runs it. It needs only `torch` (CPU is enough):

    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install torch
    /tmp/torchenv/bin/python benches/pytorch/attention_timings.py

Everything runs on one thread (`torch.set_num_threads(1)`), in float32, with
batch size 1 and batch_first=True. Each measurement warms up first, then does
RUNS runs of N calls each (N chosen so one run lasts about --run-seconds);
the reported time is the median over the runs of (run time / N), measured
with time.perf_counter.

Multiply-accumulate counts (MACs) are analytic, for batch 1, sequence
length T, model width E, H heads of width d = E / H, feed-forward width F:

  nn.MultiheadAttention self-attention forward (item 1):
      in-projection of Q, K and V   3 * T * E * E
      scores Q K^T, all heads       H * T * T * d  = T * T * E
      weights times V, all heads    H * T * T * d  = T * T * E
      out-projection                T * E * E
      total                         4 * T * E^2 + 2 * T^2 * E
  nn.TransformerEncoderLayer forward (item 3):
      the attention above           4 * T * E^2 + 2 * T^2 * E
      feed-forward E -> F -> E      2 * T * E * F
      total                         4 * T * E^2 + 2 * T^2 * E + 2 * T * E * F
  The generation of item 4 (no cache: step t runs the whole window of t
  tokens, t = 1 .. 64, and the head runs on every position, as a plain
  `model(window)[:, -1]` does):
      per step  L * (4 * t * E^2 + 2 * t^2 * E + 2 * t * E * F) + t * E * V
      total     the sum of that over t = 1 .. 64
  Bias additions, softmax, layer norms, activations, residual additions and
  embedding look-ups are not counted. The causal mask does not shrink the
  count: PyTorch computes the full T x T scores and masks them.

MACs/ns is MACs divided by the median time in nanoseconds.
"""

import argparse
import datetime
import math
import platform
import statistics
import time
import warnings

# The PyPI wheel warns at import when NumPy is absent; nothing here uses it.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

import torch  # noqa: E402
from torch import nn  # noqa: E402

E = 32  # model width
HEADS = 4
FF_LAYER = 64  # dim_feedforward of item 3
V = 32  # vocabulary of item 4
CONTEXT = 64  # learned positions of item 4
FF_DECODER = 128  # dim_feedforward of item 4
LAYERS = 2  # decoder layers of item 4
GENERATE = 64  # tokens generated in item 4


def mha_macs(t, e=E):
    return 4 * t * e * e + 2 * t * t * e


def encoder_layer_macs(t, e=E, f=FF_LAYER):
    return mha_macs(t, e) + 2 * t * e * f


def generation_macs(tokens=GENERATE, e=E, f=FF_DECODER, layers=LAYERS, v=V):
    return sum(layers * encoder_layer_macs(t, e, f) + t * e * v for t in range(1, tokens + 1))


def measure(call, runs, run_seconds, warmup_seconds):
    """Seconds per call over `runs` runs of N calls: (median, min, max, N)."""
    # Warm-up, which also calibrates N.
    calls = 0
    start = time.perf_counter()
    while True:
        call()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= warmup_seconds and calls >= 3:
            break
    n = max(1, math.ceil(run_seconds * calls / elapsed))
    per_call = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(n):
            call()
        per_call.append((time.perf_counter() - start) / n)
    return statistics.median(per_call), min(per_call), max(per_call), n


def mha_forward(t):
    module = nn.MultiheadAttention(E, HEADS, batch_first=True).eval()
    x = torch.randn(1, t, E)

    def call():
        with torch.no_grad():
            module(x, x, x, need_weights=False)

    return call


def training_step(module, forward, t):
    """forward, loss = (y * dy).sum(), backward, SGD step, zero_grad.

    The input does not require a gradient: only the parameters get one.
    """
    module.train()
    x = torch.randn(1, t, E)
    dy = torch.randn(1, t, E)
    optimizer = torch.optim.SGD(module.parameters(), lr=1e-3)

    def call():
        y = forward(module, x)
        loss = (y * dy).sum()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    return call


def mha_training(t):
    module = nn.MultiheadAttention(E, HEADS, batch_first=True)
    return training_step(module, lambda m, x: m(x, x, x, need_weights=False)[0], t)


def new_encoder_layer():
    return nn.TransformerEncoderLayer(E, HEADS, dim_feedforward=FF_LAYER, dropout=0.0, batch_first=True)


def encoder_forward(t):
    module = new_encoder_layer().eval()
    x = torch.randn(1, t, E)

    def call():
        with torch.no_grad():
            module(x)

    return call


def encoder_training(t):
    return training_step(new_encoder_layer(), lambda m, x: m(x), t)


class CharDecoder(nn.Module):
    """Decoder-only: token embedding plus learned positions, pre-norm GELU
    encoder layers under a causal mask, a final LayerNorm, a linear head."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, E)
        self.positions = nn.Parameter(torch.randn(CONTEXT, E) * 0.02)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(
                E, HEADS, FF_DECODER, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
            )
            for _ in range(LAYERS)
        )
        self.norm = nn.LayerNorm(E)
        self.head = nn.Linear(E, V)

    def forward(self, tokens):
        t = tokens.shape[1]
        h = self.embed(tokens) + self.positions[:t]
        mask = nn.Transformer.generate_square_subsequent_mask(t)
        for layer in self.layers:
            h = layer(h, src_mask=mask, is_causal=True)
        return self.head(self.norm(h))


def generation():
    torch.manual_seed(0)
    model = CharDecoder().eval()
    prompt = torch.tensor([[1]])

    def call():
        tokens = prompt
        with torch.no_grad():
            for _ in range(GENERATE):
                # The whole growing window each token: no key/value cache.
                logits = model(tokens[:, -CONTEXT:])
                next_token = logits[:, -1].argmax(dim=-1, keepdim=True)
                tokens = torch.cat([tokens, next_token], dim=1)
        assert tokens.shape[1] == GENERATE + 1
        return tokens

    return call


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of N calls; the median is reported")
    parser.add_argument("--run-seconds", type=float, default=0.5, help="length of one run")
    parser.add_argument("--warmup-seconds", type=float, default=0.5, help="warm-up before the runs")
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)
    torch.manual_seed(0)

    def timed(call):
        return measure(call, args.runs, args.run_seconds, args.warmup_seconds)

    rows = []
    for what, make, macs in [
        ("MultiheadAttention forward (no_grad, need_weights=False)", mha_forward, mha_macs),
        ("MultiheadAttention training step", mha_training, None),
        ("TransformerEncoderLayer forward (eval, no_grad)", encoder_forward, encoder_layer_macs),
        ("TransformerEncoderLayer training step", encoder_training, None),
    ]:
        for t in (8, 32):
            seconds, fastest, slowest, n = timed(make(t))
            rows.append((what, str(t), seconds, fastest, slowest, macs(t) if macs else None, n))

    seconds, fastest, slowest, n = timed(generation())
    rows.append((f"char decoder: generate {GENERATE} tokens, no cache", f"1..{CONTEXT}", seconds, fastest, slowest,
                 generation_macs(), n))

    print(f"torch {torch.__version__}, Python {platform.python_version()}, {platform.machine()}, "
          f"threads {torch.get_num_threads()}, {datetime.date.today().isoformat()}")
    print(f"median of {args.runs} runs of N calls, about {args.run_seconds} s a run")
    print()
    print("| what | T | µs per call (median) | runs: min–max µs | MACs (forward) | MACs/ns | N |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for what, t, seconds, fastest, slowest, macs, n in rows:
        micros = seconds * 1e6
        spread = f"{fastest * 1e6:,.1f}–{slowest * 1e6:,.1f}"
        macs_text = f"{macs:,}" if macs is not None else "—"
        rate = f"{macs / (seconds * 1e9):.3f}" if macs is not None else "—"
        print(f"| {what} | {t} | {micros:,.1f} | {spread} | {macs_text} | {rate} | {n} |")
    print()
    print(f"generation: {GENERATE / seconds:,.0f} tokens per second "
          f"({rows[-1][2] / GENERATE * 1e6:,.1f} µs per token, window 1..{CONTEXT}, 2 layers, E={E}, V={V})")


if __name__ == "__main__":
    main()
