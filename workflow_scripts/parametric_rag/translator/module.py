"""The parameter translator (method.md §7), with the reference checkpoints' parameter names.

For every (projection, layer) two bias-free 2-layer MLPs map [hidden state; layer index] to the
LoRA factors A (r x in) and B (out x r). The state dict keys match the reference's released
checkpoints (``projector.{module}_{layer}.projector.{pre,post}_{A,B}_linear.weight`` and their
aliases ``{A,B}_hypernet.linear{1,2}.weight``), so those checkpoints load as they are.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from ..io import ArtefactError, read_checksummed, write_checksummed
from ..lora import TARGET_MODULES
from ..lora.inject import projection_modules
from ..lora.merge import Factors

INIT_STD = 1e-7


def _linear(n_in: int, n_out: int) -> nn.Linear:
    layer = nn.Linear(n_in, n_out, bias=False)
    nn.init.normal_(layer.weight, 0.0, INIT_STD)
    return layer


class Hypernet(nn.Module):
    """``Linear -> ReLU -> Linear``, reshaped to a (rows x cols) matrix per input row."""

    def __init__(self, linear1: nn.Linear, linear2: nn.Linear, rows: int, cols: int) -> None:
        super().__init__()
        self.linear1, self.linear2 = linear1, linear2
        self.rows, self.cols = rows, cols

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.linear2(F.relu(self.linear1(features))).reshape(-1, self.rows, self.cols)


class FactorNets(nn.Module):
    """The A and B hypernetworks of one projection (the reference's ``ProjectorLoRA``)."""

    def __init__(self, hidden: int, in_features: int, out_features: int, rank: int, width: int) -> None:
        super().__init__()
        self.pre_A_linear = _linear(hidden + 1, width)
        self.post_A_linear = _linear(width, in_features * rank)
        self.A_hypernet = Hypernet(self.pre_A_linear, self.post_A_linear, rank, in_features)
        self.pre_B_linear = _linear(hidden + 1, width)
        self.post_B_linear = _linear(width, out_features * rank)
        self.B_hypernet = Hypernet(self.pre_B_linear, self.post_B_linear, out_features, rank)


class LayerTranslator(nn.Module):
    """One (projection, layer): appends the layer index to the input, returns (A, B)."""

    def __init__(self, layer: int, nets: FactorNets) -> None:
        super().__init__()
        self.layer = layer
        self.projector = nets

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        index = torch.full((x.shape[0], 1), float(self.layer), device=x.device, dtype=x.dtype)
        features = torch.cat([x, index], dim=1)
        return self.projector.A_hypernet(features), self.projector.B_hypernet(features)


class ParameterTranslator(nn.Module):
    """Maps hidden states (n x h) to LoRA factors for every (layer, projection)."""

    def __init__(self, shapes: dict[tuple[int, str], tuple[int, int]], hidden: int, rank: int = 2, width: int = 32) -> None:
        super().__init__()
        self.hidden, self.rank, self.width = hidden, rank, width
        self.keys = sorted(shapes, key=lambda k: (TARGET_MODULES.index(k[1]) if k[1] in TARGET_MODULES else 99, k[0]))
        self.projector = nn.ModuleDict()
        for layer, module in self.keys:
            in_f, out_f = shapes[(layer, module)]
            self.projector[f"{module}_{layer}"] = LayerTranslator(layer, FactorNets(hidden, in_f, out_f, rank, width))

    @classmethod
    def for_model(cls, model: Any, rank: int = 2, width: int = 32, targets: Sequence[str] = TARGET_MODULES) -> "ParameterTranslator":
        """A translator shaped for ``model``'s MLP projections (Llama, Qwen2, ...)."""
        shapes = {k: (m.in_features, m.out_features) for k, m in projection_modules(model, targets).items()}
        return cls(shapes, model.config.hidden_size, rank, width)

    def forward(self, x: torch.Tensor) -> Factors:
        """``{(layer, module): (A (n x r x in), B (n x out x r))}`` for hidden states ``x`` (n x h)."""
        return {(layer, module): self.projector[f"{module}_{layer}"](x) for layer, module in self.keys}


def rows(factors: Factors, n: int) -> list[Factors]:
    """Split batched translator output into one factor dict per input row."""
    return [{k: (a[i], b[i]) for k, (a, b) in factors.items()} for i in range(n)]


def parameter_count(translator: nn.Module) -> int:
    """Trainable parameters (shared aliases counted once)."""
    return sum(p.numel() for p in translator.parameters())


def closed_form_count(hidden: int, intermediate: int, layers: int, rank: int, width: int) -> int:
    """Parameters of a translator for gate/up/down of a Llama-style MLP, in closed form."""
    per_module_inputs = 2 * (hidden + 1) * width  # pre_A and pre_B
    outputs = width * rank * (hidden + intermediate)  # post_A + post_B = p*r*(in + out)
    return layers * 3 * (per_module_inputs + outputs)


class CheckpointError(ArtefactError, RuntimeError):
    """A translator checkpoint that cannot be loaded: unreadable, or made for another shape. Also a
    ``RuntimeError``, which callers that check a checkpoint's fit already catch."""


def save_checkpoint(translator: nn.Module, path: Any, extra: dict | None = None) -> None:
    """``{"model_state_dict": ...}`` like the reference (plus our own metadata), written atomically
    with its sha256 beside it (``<name>.sha256``). Serialised in memory first: torch names the zip
    entries after the file, so writing to a temporary name would change the bytes on every run."""
    buffer = io.BytesIO()
    torch.save({"model_state_dict": translator.state_dict(), **(extra or {})}, buffer)
    write_checksummed(path, buffer.getvalue())


def load_checkpoint(translator: nn.Module, path: Any, *, verified: bool = False) -> dict:
    """Load a checkpoint (ours or the reference's); return its extra entries.

    With ``verified`` (the pipeline's own checkpoints) its bytes must match the sha256 recorded
    beside it when it was written; a released checkpoint has no such record. Every failure names
    the file on its message's first line.
    """
    path = Path(path)
    remedy = f"delete {path} and re-run: the step that wrote it rebuilds it"
    data = read_checksummed(path, remedy) if verified else path.read_bytes()
    state = _unpickle(path, data, remedy)
    try:
        translator.load_state_dict(state["model_state_dict"])
    except RuntimeError as e:
        details = [line.strip().rstrip(".") for line in str(e).splitlines()[1:] if line.strip()] or [_first_line(e)]
        shape = ", ".join(f"{k} {getattr(translator, k)}" for k in ("hidden", "rank", "width") if hasattr(translator, k))
        more = f" and {len(details) - 1} more" if len(details) > 1 else ""
        problem = f"does not fit this model's translator ({shape}): {details[0]}{more}"
        raise CheckpointError(path, problem, remedy) from e
    return {k: v for k, v in state.items() if k != "model_state_dict"}


def _first_line(e: BaseException) -> str:
    """The gist of an error: for a weights-only refusal its reason, else its first sentence."""
    text = str(e).split("WeightsUnpickler error:", 1)[-1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0].split(". ")[0] if lines else type(e).__name__


def _unpickle(path: Path, data: bytes, remedy: str) -> dict:
    """A checkpoint's dict, loaded weights-only (no arbitrary objects)."""
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as e:  # damaged bytes fail in many ways (zip, pickle, struct, EOF)
        raise CheckpointError(path, f"not a readable weights-only torch checkpoint ({_first_line(e)})", remedy) from e
    if not isinstance(state, dict) or "model_state_dict" not in state:
        raise CheckpointError(path, "not a translator checkpoint (no 'model_state_dict' entry)", remedy)
    return state
