"""Adding low-rank deltas to MLP projections through forward hooks, one delta per batch row.

Works for any model whose decoder layers have ``mlp.{gate,up,down}_proj`` linears (Llama,
Qwen2, ...), with stock transformers: no copied modeling files.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any, Iterator, Sequence

import torch

from . import TARGET_MODULES
from .merge import Factors

PATTERN = re.compile(r"layers\.(\d+)\.mlp\.(\w+)$")


def projection_modules(model: Any, targets: Sequence[str] = TARGET_MODULES) -> dict[tuple[int, str], torch.nn.Module]:
    """``{(layer, name): linear}`` for the MLP projections of every decoder layer."""
    found: dict[tuple[int, str], torch.nn.Module] = {}
    for name, module in model.named_modules():
        m = PATTERN.search(name)
        if m and m.group(2) in targets and isinstance(module, torch.nn.Linear):
            found[(int(m.group(1)), m.group(2))] = module
    if not found:
        raise ValueError(f"{type(model).__name__} has no layers.N.mlp.{{{','.join(targets)}}} linears")
    return found


class DeltaInjector:
    """Forward hooks that add ``x @ A_b^T @ B_b^T`` to each projection's output for batch row b.

    ``set`` takes one factor dict per batch row (rows may have different ranks: they are
    zero-padded, which adds nothing); ``select`` keeps some rows' deltas when others leave the
    batch (a batch whose size differs from the deltas' fails in ``bmm``); ``clear`` removes the
    deltas and ``close`` the hooks, after which the model computes exactly what it computed before.
    """

    def __init__(self, model: Any, targets: Sequence[str] = TARGET_MODULES) -> None:
        self.modules = projection_modules(model, targets)
        self.active: dict[tuple[int, str], tuple[torch.Tensor, torch.Tensor]] = {}
        self.handles = [m.register_forward_hook(self._hook(key)) for key, m in self.modules.items()]

    def _hook(self, key: tuple[int, str]):
        def hook(module: torch.nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor | None:
            factors = self.active.get(key)
            if factors is None:
                return None
            a, b = factors  # (batch, r, in), (batch, out, r)
            x = inputs[0]
            return output + torch.bmm(torch.bmm(x, a.transpose(1, 2)), b.transpose(1, 2))

        return hook

    def set(self, rows: Sequence[Factors | None], scales: Sequence[float] | float = 1.0) -> None:
        """Activate one delta per batch row (None or {} = no delta for that row)."""
        scales = [scales] * len(rows) if isinstance(scales, (int, float)) else list(scales)
        self.active = {}
        for key, module in self.modules.items():
            ranks = [f[key][0].shape[0] if f and key in f else 0 for f in rows]
            r = max(ranks, default=0)
            if r == 0:
                continue
            w = module.weight
            a = torch.zeros(len(rows), r, w.shape[1], dtype=w.dtype, device=w.device)
            b = torch.zeros(len(rows), w.shape[0], r, dtype=w.dtype, device=w.device)
            for i, (f, k) in enumerate(zip(rows, ranks)):
                if k:
                    a[i, :k] = f[key][0].to(w)
                    b[i, :, :k] = f[key][1].to(w) * scales[i]
            self.active[key] = (a, b)

    def select(self, rows: torch.Tensor | Sequence[int]) -> None:
        """Keep the deltas of batch rows ``rows`` only, in that order: the rows still being decoded
        when others have finished (``generation.RowState``)."""
        self.active = {key: (a[_index(rows, a.device)], b[_index(rows, b.device)])
                       for key, (a, b) in self.active.items()}

    @contextlib.contextmanager
    def only(self, row: int) -> Iterator[None]:
        """Row ``row``'s delta alone while that row's prompt is run by itself; all rows after."""
        kept = self.active
        self.select([row])
        try:
            yield
        finally:
            self.active = kept

    def clear(self) -> None:
        """Drop all deltas (hooks stay, doing nothing)."""
        self.active = {}

    def close(self) -> None:
        """Remove the hooks."""
        self.clear()
        for h in self.handles:
            h.remove()
        self.handles = []

    def __enter__(self) -> "DeltaInjector":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _index(rows: torch.Tensor | Sequence[int], device: torch.device) -> torch.Tensor:
    return torch.as_tensor(rows, dtype=torch.long).to(device)
