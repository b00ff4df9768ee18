"""Merging a question's passage LoRAs in memory: concatenated factors = PEFT's ``cat`` merge."""

from __future__ import annotations

from typing import Sequence

import torch

Factors = dict[tuple[int, str], tuple[torch.Tensor, torch.Tensor]]


def cat_merge(adapters: Sequence[tuple[Factors, float]], weights: Sequence[float] | None = None) -> Factors:
    """One adapter whose delta is the weighted sum of the inputs' scaled deltas.

    A's are stacked along the rank and B's (pre-multiplied by weight x scaling) side by side,
    so B_cat @ A_cat = sum_i w_i s_i B_i A_i; the result is used with scaling 1.
    """
    if not adapters:
        return {}
    weights = list(weights) if weights is not None else [1.0] * len(adapters)
    keys = adapters[0][0].keys()
    merged: Factors = {}
    for key in keys:
        a = torch.cat([f[key][0] for f, _ in adapters], dim=0)
        b = torch.cat([f[key][1] * (w * s) for (f, s), w in zip(adapters, weights)], dim=1)
        merged[key] = (a, b)
    return merged


def delta(factors: Factors, key: tuple[int, str]) -> torch.Tensor:
    """The weight delta B @ A of one projection."""
    a, b = factors[key]
    return b @ a
