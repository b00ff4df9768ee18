"""Training one passage's LoRA: AdamW, batch size 1, constant rate, no shuffle (method.md §5)."""

from __future__ import annotations

from typing import Any, Sequence

import torch


def train_passage(peft_model: Any, sequences: Sequence[Sequence[int]], *, epochs: int, lr: float) -> list[float]:
    """Train the active adapter on ``sequences`` in order for ``epochs``; return per-step losses.

    The loss covers every token (labels = inputs); with batch size 1 there is no padding, which
    is the reference's 3000-token padding minus the wasted compute.
    """
    device = next(peft_model.parameters()).device
    params = [p for p in peft_model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr)  # torch defaults: wd 0.01, betas (0.9, 0.999), eps 1e-8
    peft_model.train()
    losses: list[float] = []
    for _ in range(epochs):
        for seq in sequences:
            ids = torch.tensor([list(seq)], dtype=torch.long, device=device)
            loss = peft_model(input_ids=ids, labels=ids).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(float(loss.detach()))
    peft_model.eval()
    return losses
