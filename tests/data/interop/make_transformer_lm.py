"""Makes transformer_lm.safetensors and transformer_lm.json: a small
decoder-only character model in PyTorch (token embedding, learned positions,
two pre-norm GELU TransformerEncoderLayers under a causal mask, a final
LayerNorm and a linear head), with random weights from a fixed seed, named
as constnet's tuple stack names them (module k of the stack is "k"), and its
float32 logits for a few token sequences.

Run once, by hand (CI never runs Python):
    python tests/data/interop/make_transformer_lm.py
"""

import json
import pathlib

import torch
from safetensors.torch import save_file
from torch import nn

V, E, HEADS, FF, T = 11, 16, 4, 32, 12
torch.manual_seed(20261201)


class Positions(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(T, E))

    def forward(self, x):
        return x + self.weight[: x.shape[1]]


class Lm(nn.Module):
    def __init__(self):
        super().__init__()
        layers = [
            nn.Embedding(V, E),
            Positions(),
            nn.TransformerEncoderLayer(E, HEADS, FF, dropout=0.0, activation="gelu", batch_first=True, norm_first=True),
            nn.TransformerEncoderLayer(E, HEADS, FF, dropout=0.0, activation="gelu", batch_first=True, norm_first=True),
            nn.LayerNorm(E),
            nn.Linear(E, V),
        ]
        for k, layer in enumerate(layers):
            self.add_module(str(k), layer)

    def forward(self, ids):
        x = getattr(self, "1")(getattr(self, "0")(ids))
        steps = ids.shape[1]
        mask = torch.triu(torch.ones(steps, steps, dtype=torch.bool), 1)
        for k in ("2", "3"):
            x = getattr(self, k)(x, src_mask=mask)
        return getattr(self, "5")(getattr(self, "4")(x))


model = Lm().eval()
# Biases and norms away from their initial values, so that every tensor matters.
with torch.no_grad():
    for name, p in model.named_parameters():
        if name.endswith("bias") or "norm" in name or name.startswith("4."):
            p.add_(0.1 * torch.randn_like(p))

generator = torch.Generator().manual_seed(7)
inputs = torch.randint(0, V, (4, T), generator=generator)
with torch.no_grad():
    outputs = model(inputs)

here = pathlib.Path(__file__).parent
state = {k: v.contiguous() for k, v in model.state_dict().items()}
save_file(state, here / "transformer_lm.safetensors", metadata={"format": "pt"})
reference = {
    "_conventions": "float32 logits [sequence][step][token] of the module in make_transformer_lm.py for the token ids in inputs",
    "torch_version": torch.__version__,
    "tensors": [{"name": k, "shape": list(v.shape), "dtype": "F32"} for k, v in state.items()],
    "inputs": inputs.tolist(),
    "outputs": outputs.tolist(),
}
(here / "transformer_lm.json").write_text(json.dumps(reference))
print(f"{len(state)} tensors; logits {tuple(outputs.shape)}")
