"""Training several passages' LoRAs in one forward/backward: one batch row per passage.

Each row carries its own adapter: for every target projection, A is a ``[rows, r, in]`` and B a
``[rows, out, r]`` leaf tensor, and a forward hook adds ``x[b] @ A[b]^T @ B[b]^T * alpha/r`` to
the projection's output (the PEFT adapter is disabled meanwhile; the base model is frozen).

Why the result is each passage's training alone, up to float rounding:

- step t of every row uses that passage's t-th training sequence (its sequences repeated
  ``epochs`` times, as :func:`.train.train_passage` visits them); sequences are right-padded to
  the longest in the step, padding is masked out of attention and of the loss, and positions
  start at 0 in every row;
- the loss is the SUM of each row's mean token loss, and rows share no parameter, so each row's
  gradient is the gradient of its passage alone;
- AdamW is elementwise, so one optimizer over the stacked tensors keeps one exact state per
  passage (all rows start together, so their step counts agree);
- a passage with fewer steps leaves the batch when its sequences run out: its A and B are copied
  out right after its last step, so later steps (which still decay and move it by momentum in the
  optimizer) never reach its saved adapter.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import torch

from .adapter import KEY

PROJECTION = re.compile(r"layers\.(\d+)\.mlp\.(\w+)$")
Steps = list[list[int]]


class RowAdapters:
    """One LoRA per batch row, all starting from ``init_state`` (PEFT key names), applied through
    forward hooks on the PEFT model's LoRA layers while their own adapter is disabled."""

    def __init__(self, peft_model: Any, init_state: dict[str, torch.Tensor], rows: int, scaling: float) -> None:
        self.scaling = scaling
        self.rows = rows
        self.names: dict[tuple[int, str], dict[str, str]] = {}
        for name in init_state:
            m = KEY.search(name)
            if m is None:
                raise ValueError(f"unexpected adapter key {name!r}")
            self.names.setdefault((int(m.group(1)), m.group(2)), {})[m.group(3)] = name
        self.modules: dict[tuple[int, str], torch.nn.Module] = {}
        for name, module in peft_model.named_modules():
            m = PROJECTION.search(name)
            if m and hasattr(module, "base_layer") and (int(m.group(1)), m.group(2)) in self.names:
                self.modules[(int(m.group(1)), m.group(2))] = module
        if self.modules.keys() != self.names.keys():
            missing = sorted(self.names.keys() - self.modules.keys())[:3]
            raise RuntimeError(f"adapter does not fit the model: no LoRA layer for {missing}")
        device = next(peft_model.parameters()).device
        self.factors: dict[tuple[int, str], tuple[torch.Tensor, torch.Tensor]] = {}
        for key, names in self.names.items():
            a, b = (init_state[names[p]].to(device) for p in "AB")
            self.factors[key] = (a.unsqueeze(0).repeat(rows, 1, 1).requires_grad_(),
                                 b.unsqueeze(0).repeat(rows, 1, 1).requires_grad_())
        self.index: torch.Tensor | None = None  # the rows in the batch, when not all are

    def parameters(self) -> list[torch.Tensor]:
        return [t for pair in self.factors.values() for t in pair]

    def select(self, rows: Sequence[int] | None) -> None:
        """The adapters of batch rows ``rows`` (in that order) take part in the next forward;
        None: all of them."""
        if rows is None or list(rows) == list(range(self.rows)):
            self.index = None
        else:
            self.index = torch.as_tensor(list(rows), dtype=torch.long, device=self.parameters()[0].device)

    def state(self, row: int) -> dict[str, torch.Tensor]:
        """Row ``row``'s adapter, keyed like the saved file (a detached copy)."""
        out = {}
        for key, (a, b) in self.factors.items():
            out[self.names[key]["A"]] = a[row].detach().clone()
            out[self.names[key]["B"]] = b[row].detach().clone()
        return out

    def _hook(self, key: tuple[int, str]):
        def hook(module: torch.nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor:
            a, b = self.factors[key]
            if self.index is not None:
                a, b = a[self.index], b[self.index]
            x = inputs[0].to(a.dtype)  # as PEFT: the adapter computes in its own dtype
            delta = torch.bmm(torch.bmm(x, a.transpose(1, 2)), b.transpose(1, 2)) * self.scaling
            return (output + delta).to(output.dtype)

        return hook

    @contextmanager
    def hooked(self) -> Iterator["RowAdapters"]:
        handles = [m.register_forward_hook(self._hook(key)) for key, m in self.modules.items()]
        try:
            yield self
        finally:
            for h in handles:
                h.remove()


def pad_batch(seqs: Sequence[Sequence[int]], device: Any, pad_id: int = 0) -> tuple[torch.Tensor, ...]:
    """Right-padded ``input_ids``, ``attention_mask`` and labels (-100 on padding)."""
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    labels = torch.full((len(seqs), width), -100, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.as_tensor(list(s), dtype=torch.long)
        mask[i, :len(s)] = 1
        labels[i, :len(s)] = ids[i, :len(s)]
    return ids.to(device), mask.to(device), labels.to(device)


def row_losses(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Each row's mean next-token loss over its own labelled tokens (what the model's loss is for
    that row alone: labels = inputs, shifted by one)."""
    # as transformers' loss: targets shifted left (the last position has none), logits not sliced
    target = torch.nn.functional.pad(labels[:, 1:], (0, 1), value=-100)
    per_token = torch.nn.functional.cross_entropy(logits.float().view(-1, logits.shape[-1]), target.reshape(-1),
                                                  ignore_index=-100, reduction="none").view(target.shape)
    counts = (target != -100).sum(dim=1)
    return per_token.sum(dim=1) / counts


def train_passages(peft_model: Any, init_state: dict[str, torch.Tensor], passages: Sequence[Sequence[Sequence[int]]],
                   *, epochs: int, lr: float, scaling: float) -> list[tuple[dict[str, torch.Tensor], list[float]]]:
    """Train one adapter per passage (its training sequences), all from ``init_state``, as
    :func:`.train.train_passage` trains each alone; return each passage's (adapter state, per-step
    losses) in input order. The PEFT model's own adapter is left as it was."""
    flats: list[Steps] = [[list(s) for s in seqs] * epochs for seqs in passages]
    n = len(flats)
    rows = RowAdapters(peft_model, init_state, n, scaling)
    optimizer = torch.optim.AdamW(rows.parameters(), lr=lr)  # torch defaults: wd 0.01, betas (0.9, 0.999), eps 1e-8
    device = rows.parameters()[0].device
    losses: list[list[float]] = [[] for _ in range(n)]
    finals: list[dict[str, torch.Tensor] | None] = [rows.state(i) if not f else None for i, f in enumerate(flats)]
    peft_model.train()
    try:
        with peft_model.disable_adapter(), rows.hooked():
            for t in range(max((len(f) for f in flats), default=0)):
                active = [i for i in range(n) if t < len(flats[i])]
                rows.select(active)
                ids, mask, labels = pad_batch([flats[i][t] for i in active], device)
                per_row = row_losses(peft_model(input_ids=ids, attention_mask=mask).logits, labels)
                per_row.sum().backward()
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                values = per_row.detach().tolist()
                for j, i in enumerate(active):
                    losses[i].append(float(values[j]))
                    if t == len(flats[i]) - 1:
                        finals[i] = rows.state(i)
    finally:
        rows.select(None)
        peft_model.eval()
    return [(state, curve) for state, curve in zip(finals, losses)]


def group_passages(sizes: Sequence[tuple[int, int]], batch: int) -> list[list[int]]:
    """Indices grouped ``batch`` at a time, after sorting by (number of sequences, tokens), so that
    a group's passages leave the batch together and pad little."""
    order = sorted(range(len(sizes)), key=lambda i: (sizes[i], i))
    return [order[j:j + batch] for j in range(0, len(order), batch)]
