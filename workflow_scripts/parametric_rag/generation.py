"""Batched generation with left padding, shared by augmentation and inference."""

from __future__ import annotations

from typing import Any, Sequence

import torch


def left_pad(batch: Sequence[Sequence[int]], pad_id: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Input ids and attention mask for a left-padded batch."""
    width = max(len(ids) for ids in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, seq in enumerate(batch):
        if seq:
            ids[row, width - len(seq):] = torch.tensor(list(seq), dtype=torch.long)
            mask[row, width - len(seq):] = 1
    return ids.to(device), mask.to(device)


@torch.no_grad()
def generate(
    model: Any,
    tokenizer: Any,
    batch: Sequence[Sequence[int]],
    *,
    max_new_tokens: int,
    do_sample: bool = False,
    temperature: float | None = None,
    top_k: int | None = None,
) -> list[str]:
    """Generate continuations for a batch of prompt ids; returns the decoded new text per row.

    Greedy unless ``do_sample``; special tokens are dropped from the decoded text.
    """
    device = next(model.parameters()).device
    ids, mask = left_pad(batch, tokenizer.pad_token_id, device)
    kwargs: dict[str, Any] = {"do_sample": do_sample, "num_beams": 1}
    if do_sample:
        kwargs.update(temperature=temperature, top_k=top_k)
    else:  # neutralise sampling defaults some models ship in generation_config
        kwargs.update(temperature=None, top_k=None, top_p=None)
    out = model.generate(
        input_ids=ids,
        attention_mask=mask,
        max_new_tokens=max_new_tokens,
        pad_token_id=tokenizer.pad_token_id,
        **kwargs,
    )
    new = out[:, ids.shape[1]:]
    return [tokenizer.decode(row, skip_special_tokens=True) for row in new]


def batches(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    """Consecutive slices of at most ``size`` items."""
    return [items[i:i + size] for i in range(0, len(items), max(1, size))]
